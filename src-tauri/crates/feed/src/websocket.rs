//! Records of WebSocket APIs: each connect, message and disconnect at the gateway, and each
//! call to the `@connections` API.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Something that happened on one WebSocket connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketRecord {
    pub api_id: String,
    pub stage: String,
    pub connection_id: String,
    pub request_id: String,
    /// When the gateway received the event, in milliseconds since the epoch (with
    /// microseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<f64>,
    /// How long the gateway took with it, its integration included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(flatten)]
    pub event: WebSocketEvent,
}

/// Which of a connection's events, as the `eventType` API Gateway gives its functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "eventType", rename_all = "UPPERCASE")]
pub enum WebSocketEvent {
    Connect(WebSocketConnect),
    Message(WebSocketMessage),
    Disconnect(WebSocketDisconnect),
}

/// A handshake, and whether `$connect` let it through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketConnect {
    pub query: Option<String>,
    /// `$connect`, when the stage has that route.
    pub route_key: Option<String>,
    /// 101 when the connection opened; otherwise the status the client was refused with.
    pub status: u16,
    /// What `$connect`'s authorizer decided and why (`type`, `decision`, `reason`, `context`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<Json>,
    #[serde(flatten)]
    pub call: IntegrationCall,
}

/// A client's message: how a route was selected for it and what the route did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketMessage {
    pub message: Preview,
    pub selection: Option<Selection>,
    pub route_key: Option<String>,
    /// What a two-way route sent back to the client.
    pub reply: Option<Preview>,
    #[serde(flatten)]
    pub call: IntegrationCall,
}

/// The end of a connection, and what `$disconnect` was told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketDisconnect {
    pub close: Close,
    pub route_key: Option<String>,
    #[serde(flatten)]
    pub call: IntegrationCall,
}

/// A call to a route's integration; every member is absent when none was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationCall {
    /// The integration called, as GetIntegration describes it.
    pub integration: Option<Json>,
    pub event: Option<Json>,
    pub answer: Option<Json>,
    pub integration_latency_ms: Option<f64>,
    /// Why the event could not be handled (no route, no integration, the function failed).
    pub error: Option<String>,
}

/// How the route selection expression chose a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub expression: String,
    /// What the expression evaluated to, if it could be evaluated.
    pub value: Option<String>,
    /// Why this route, in words.
    pub reason: String,
}

/// A close code and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

/// What the feed keeps of a frame's body: its first 64 KiB, and its whole size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Preview {
    Text { text: String, bytes: usize },
    Binary { base64: String, bytes: usize },
}

/// A call to the `@connections` API (PostToConnection, GetConnection, DeleteConnection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsCall {
    pub operation: String,
    pub connection_id: String,
    pub request_id: String,
    /// The connection's API and stage, when it is connected.
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub status: u16,
    /// What PostToConnection sent.
    pub data: Option<Preview>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Kind, Numbered, Record};

    use super::*;

    #[test]
    fn a_websocket_record_carries_its_event_type_beside_its_kind() {
        let record = Record::new(
            "us-east-1",
            Kind::Websocket(WebSocketRecord {
                api_id: "a1".into(),
                stage: "prod".into(),
                connection_id: "abc=".into(),
                request_id: "r1".into(),
                started_ms: Some(1.5),
                latency_ms: Some(2.0),
                event: WebSocketEvent::Message(WebSocketMessage {
                    message: Preview::Text {
                        text: "hi".into(),
                        bytes: 2,
                    },
                    selection: None,
                    route_key: Some("$default".into()),
                    reply: None,
                    call: IntegrationCall::default(),
                }),
            }),
        );
        let wire = serde_json::to_value(Numbered {
            id: 1,
            time: 2,
            record: record.clone(),
        })
        .unwrap();
        assert_eq!(wire["service"], "apigateway");
        assert_eq!(wire["kind"], "websocket");
        assert_eq!(wire["eventType"], "MESSAGE");
        assert_eq!(wire["message"], json!({"text": "hi", "bytes": 2}));
        assert_eq!(wire["routeKey"], "$default");
        let back: Numbered = serde_json::from_value(wire).unwrap();
        assert_eq!(back.record, record);
    }
}
