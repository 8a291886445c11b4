//! The records of the sandbox's inspection feed: what happened on the server side of a lab.
//!
//! The sandbox writes one [`Record`] per event — a Lambda invocation, a request to an HTTP API,
//! a WebSocket connect, message or disconnect, an `@connections` call, a DynamoDB item change,
//! an AWS API call a function made, a message Cognito "sent" —
//! and serves them, numbered, at `/_sandbox/inspect/history` (JSON array) and
//! `/_sandbox/inspect/stream` (server-sent events). Readers (the engine, the app's inspector)
//! read them back as [`Numbered`] records. This crate owns the shape and nothing else.
//!
//! # Wire format
//! Each record is one JSON object with camelCase members:
//! - `id` (a number counting up from the sandbox's start time in microseconds, so it keeps
//!   counting up across restarts), `time` (milliseconds since the epoch), `region`;
//! - `service` (`lambda`, `apigateway`, `dynamodb`, and for a function's calls also `logs`,
//!   `iam`, `sts`, `tagging`; `cognito-idp` for mail) and `kind` (`invocation`, `request`,
//!   `websocket`, `connections`, `item-change`, `call`, `mail`) — WebSocket records add
//!   `eventType`
//!   (`CONNECT`, `MESSAGE`, `DISCONNECT`);
//! - the members of that kind, as the structs below declare them. `event` and `answer` are
//!   the JSON a function received and answered (text when it was not JSON).
//!
//! Secrets (credentials, cookies, tokens) are hidden by the sandbox before a record is kept.

mod call;
mod http;
mod websocket;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use call::ServiceCall;
pub use http::{HttpRequest, RecordedResponse, StageMetrics};
pub use websocket::{
    Close, ConnectionsCall, IntegrationCall, Preview, Selection, WebSocketConnect,
    WebSocketDisconnect, WebSocketEvent, WebSocketMessage, WebSocketRecord,
};

/// A record as the feed serves it: numbered and time-stamped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Numbered {
    pub id: u64,
    /// Milliseconds since the epoch.
    pub time: u64,
    #[serde(flatten)]
    pub record: Record,
}

/// Something that happened in the sandbox, with the region it happened in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub region: String,
    /// The service the record is about; it follows from the kind.
    pub service: Service,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Record {
    pub fn new(region: impl Into<String>, kind: Kind) -> Self {
        Self {
            region: region.into(),
            service: kind.service(),
            kind,
        }
    }
}

/// The services that write records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Lambda,
    #[serde(rename = "apigateway")]
    ApiGateway,
    #[serde(rename = "dynamodb")]
    DynamoDb,
    Logs,
    Iam,
    Sts,
    Tagging,
    #[serde(rename = "cognito-idp")]
    Cognito,
}

impl Service {
    /// The service a SigV4 signing name stands for (`execute-api` is API Gateway's
    /// `@connections` API).
    pub fn from_signing_name(name: &str) -> Option<Self> {
        Some(match name {
            "lambda" => Self::Lambda,
            "apigateway" | "execute-api" => Self::ApiGateway,
            "dynamodb" => Self::DynamoDb,
            "logs" => Self::Logs,
            "iam" => Self::Iam,
            "sts" => Self::Sts,
            "tagging" => Self::Tagging,
            "cognito-idp" => Self::Cognito,
            _ => return None,
        })
    }
}

/// What a record is about.
#[allow(
    clippy::large_enum_variant,
    reason = "a record is built once and moved into the feed: boxing would save nothing"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    Invocation(Invocation),
    Request(HttpRequest),
    Websocket(WebSocketRecord),
    Connections(ConnectionsCall),
    ItemChange(ItemChange),
    Call(ServiceCall),
    Mail(Mail),
}

impl Kind {
    pub fn service(&self) -> Service {
        match self {
            Self::Invocation(_) => Service::Lambda,
            Self::Request(_) | Self::Websocket(_) | Self::Connections(_) => Service::ApiGateway,
            Self::ItemChange(_) => Service::DynamoDb,
            Self::Call(call) => call.api,
            Self::Mail(_) => Service::Cognito,
        }
    }
}

/// One invocation of a Lambda function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub function: String,
    /// `$LATEST` or the version number that ran.
    pub version: String,
    pub request_id: String,
    /// The execution environment that ran it.
    pub environment: String,
    /// Whether the environment was started for it (its init is in the REPORT line).
    pub cold_start: bool,
    /// When Lambda took it, in milliseconds since the epoch (with microseconds): a cold
    /// start's init phase comes first, then `durationMs` of the handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<f64>,
    /// A cold start's init phase (the REPORT line's `Init Duration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_ms: Option<f64>,
    pub duration_ms: f64,
    pub event: Json,
    /// Whether the function (or the platform: timeout, crash, init) failed.
    pub failed: bool,
    pub answer: Json,
    /// Its log lines, the platform's START, END and REPORT among them.
    pub log: Vec<String>,
    /// The API Gateway request that invoked it, when the gateway names it: a REST API's
    /// non-proxy integration passes an event of its own making, without a request context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_request: Option<String>,
    /// Lambda's CPU rule as applied to it, when the function's share is under one vCPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuShare>,
}

/// How an invocation was given CPU in proportion to its function's memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuShare {
    /// The share: memory / 1,769 MB.
    pub vcpus: f64,
    /// The CPU time the invocation used.
    pub cpu_ms: f64,
    /// How long its answer was held so that it lasted as long as that CPU time takes at the
    /// share.
    pub held_ms: f64,
    /// `cgroup` (the kernel's CPU bandwidth limit; `held_ms` is how long the invocation waited
    /// for its quota) or `emulated` (answers held by the measured CPU time).
    pub mode: String,
}

impl Invocation {
    /// The API Gateway request that caused it: the one the gateway named, else the event's
    /// `requestContext.requestId`.
    pub fn gateway_request_id(&self) -> Option<&str> {
        self.gateway_request
            .as_deref()
            .or_else(|| self.event.pointer("/requestContext/requestId")?.as_str())
    }

    /// The WebSocket connection whose event it handled.
    pub fn connection_id(&self) -> Option<&str> {
        self.event.pointer("/requestContext/connectionId")?.as_str()
    }
}

/// A message Cognito would have sent a user — a verification code, a temporary password —
/// delivered to the sandbox's mailbox instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub pool_id: String,
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub medium: String,
    pub destination: String,
    /// `SignUp`, `ResendCode`, `AdminCreateUser`, …
    pub reason: String,
    /// The code or temporary password it carries.
    pub code: String,
}

/// An item written or deleted by a DynamoDB operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemChange {
    /// `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`, `TransactWriteItems`, …
    pub operation: String,
    pub table: String,
    /// The item's key, in DynamoDB JSON.
    pub key: Json,
    /// The item as it is now, in DynamoDB JSON; none once deleted.
    pub item: Option<Json>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_record_is_one_flat_object_tagged_by_service_and_kind() {
        let record = Numbered {
            id: 7,
            time: 1_000,
            record: Record::new(
                "eu-west-1",
                Kind::ItemChange(ItemChange {
                    operation: "PutItem".into(),
                    table: "things".into(),
                    key: json!({"id": {"S": "lamp"}}),
                    item: None,
                }),
            ),
        };
        let wire = serde_json::to_value(&record).unwrap();
        assert_eq!(
            wire,
            json!({
                "id": 7, "time": 1000, "region": "eu-west-1", "service": "dynamodb",
                "kind": "item-change", "operation": "PutItem", "table": "things",
                "key": {"id": {"S": "lamp"}}, "item": null,
            })
        );
        assert_eq!(serde_json::from_value::<Numbered>(wire).unwrap(), record);
    }

    #[test]
    fn an_invocation_names_the_request_and_connection_behind_it() {
        let wire = json!({
            "id": 1, "time": 1, "region": "us-east-1", "service": "lambda", "kind": "invocation",
            "function": "WsDefault", "version": "$LATEST", "requestId": "i1",
            "environment": "e1", "coldStart": true, "durationMs": 1.5, "failed": false,
            "event": {"requestContext": {"requestId": "r1", "connectionId": "abc="}},
            "answer": {"statusCode": 200}, "log": ["START RequestId: i1"],
        });
        let Numbered { record, .. } = serde_json::from_value(wire).unwrap();
        let Kind::Invocation(invocation) = record.kind else {
            panic!("an invocation");
        };
        assert_eq!(invocation.gateway_request_id(), Some("r1"));
        assert_eq!(invocation.connection_id(), Some("abc="));
    }

    #[test]
    fn an_invocation_named_by_the_gateway_links_to_its_request_whatever_its_event() {
        let wire = json!({
            "id": 1, "time": 1, "region": "us-east-1", "service": "lambda", "kind": "invocation",
            "function": "LambdaFunctionOverHttps", "version": "$LATEST", "requestId": "i1",
            "environment": "e1", "coldStart": false, "durationMs": 1.5, "failed": false,
            "event": {"operation": "list"}, "answer": {}, "log": [],
            "gatewayRequest": "c0ffee",
        });
        let Numbered { record, .. } = serde_json::from_value(wire).unwrap();
        let Kind::Invocation(invocation) = record.kind else {
            panic!("an invocation");
        };
        assert_eq!(invocation.gateway_request_id(), Some("c0ffee"));
    }

    #[test]
    fn a_record_of_an_unknown_kind_is_an_error_not_a_guess() {
        let wire = json!({"id": 1, "time": 1, "region": "r", "service": "s3", "kind": "object"});
        assert!(serde_json::from_value::<Numbered>(wire).is_err());
    }
}
