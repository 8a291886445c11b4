//! A function's own AWS calls: a request signed with an execution environment's session
//! credentials ([`crate::lambda::sessions`]) is timed and written to the inspection feed as a
//! `call` record, attributed to the invocation the environment was running — what lets a
//! request's timeline show the DynamoDB and `@connections` calls its function made.

use std::time::Instant;

use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use lab_feed::{Kind, Record, Service, ServiceCall};

use crate::inspect::Inspector;
use crate::lambda::Lambda;
use crate::lambda::sessions::Caller;
use crate::wire;

/// A call under way, made by a function.
#[derive(Debug)]
pub(crate) struct FunctionCall {
    caller: Caller,
    api: Service,
    region: String,
    operation: String,
    resource: Option<String>,
    started: Instant,
}

impl FunctionCall {
    /// The call a request makes, when a function environment's credentials signed it; `rest`
    /// names a restJson operation from its method and path.
    pub fn begin(
        lambda: &Lambda,
        request: (&Method, &Uri, &HeaderMap, &[u8]),
        rest: impl Fn(&Method, &str) -> Option<&'static str>,
    ) -> Option<Self> {
        let (method, uri, headers, body) = request;
        let scope = wire::credential_scope(headers)?;
        let caller = lambda.caller(&scope.access_key)?;
        let api = Service::from_signing_name(&scope.service)?;
        let (operation, resource) = describe(api, method, uri, headers, body, rest);
        Some(Self {
            caller,
            api,
            region: scope.region,
            operation,
            resource,
            started: Instant::now(),
        })
    }

    /// Writes the call and its answer to the feed, and hands the answer on. A failed call's
    /// error code is its `x-amzn-ErrorType`, else its JSON body's `__type` (DynamoDB's way).
    pub async fn finish(self, response: Response, inspector: &Inspector) -> Response {
        let header = |response: &Response, name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        tracing::debug!(
            operation = %self.operation,
            status,
            function = %self.caller.function,
            invocation = ?self.caller.invocation,
            "a function's call answered"
        );
        let request_id = header(&response, "x-amzn-requestid");
        let (response, error) = if status < 400 {
            (response, None)
        } else if let Some(kind) = header(&response, "x-amzn-errortype") {
            let code = kind.split(':').next().unwrap_or_default().to_owned();
            (response, Some(code))
        } else {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, ERROR_BODY_BYTES)
                .await
                .unwrap_or_default();
            let code = error_type(&bytes).unwrap_or_else(|| format!("HTTP {status}"));
            (
                Response::from_parts(parts, axum::body::Body::from(bytes)),
                Some(code),
            )
        };
        inspector.record(Record::new(
            self.region,
            Kind::Call(ServiceCall {
                api: self.api,
                operation: self.operation,
                resource: self.resource,
                request_id,
                status,
                error,
                started_ms: crate::clock::epoch_ms_ago(self.started.elapsed()),
                duration_ms: self.started.elapsed().as_secs_f64() * 1000.0,
                function: self.caller.function,
                environment: self.caller.environment,
                invocation: self.caller.invocation,
            }),
        ));
        response
    }
}

/// How much of an error's body is read for its code (AWS's error bodies are small).
const ERROR_BODY_BYTES: usize = 64 * 1024;

/// The code in a JSON error body's `__type` (`com.amazonaws.dynamodb.v20120810#Code` → `Code`).
fn error_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[serde(rename = "__type")]
        kind: String,
    }
    let typed: Typed = serde_json::from_slice(body).ok()?;
    Some(typed.kind.rsplit('#').next().unwrap_or_default().to_owned())
}

/// The operation a request calls and what it is about (a table, a connection).
fn describe(
    api: Service,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    rest: impl Fn(&Method, &str) -> Option<&'static str>,
) -> (String, Option<String>) {
    if let Some(connection) = uri.path().split_once("/@connections/").map(|(_, id)| id) {
        let operation = match *method {
            Method::POST => "PostToConnection",
            Method::DELETE => "DeleteConnection",
            _ => "GetConnection",
        };
        return (
            operation.to_owned(),
            Some(wire::percent::decode(connection)),
        );
    }
    let protocol = wire::Protocol::detect(headers, uri.query(), body);
    let operation = match protocol {
        wire::Protocol::RestJson => rest(method, uri.path())
            .map_or_else(|| format!("{method} {}", uri.path()), str::to_owned),
        _ => {
            let name = protocol.operation_name(method, uri, headers, uri.query(), body);
            // `DynamoDB_20120810.GetItem` → `GetItem`.
            name.rsplit('.').next().unwrap_or_default().to_owned()
        }
    };
    let resource = (api == Service::DynamoDb && !headers.contains_key("content-encoding"))
        .then(|| table_named(body))
        .flatten();
    (operation, resource)
}

/// The `TableName` a DynamoDB request names (the body is bounded before it gets here).
fn table_named(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(rename = "TableName")]
        table_name: Option<String>,
    }
    serde_json::from_slice::<Named>(body).ok()?.table_name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(target: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=ASIAX/20260101/us-east-1/dynamodb/aws4_request"
                .parse()
                .unwrap(),
        );
        if let Some(target) = target {
            headers.insert("x-amz-target", target.parse().unwrap());
            headers.insert(
                "content-type",
                "application/x-amz-json-1.0".parse().unwrap(),
            );
        }
        headers
    }

    #[test]
    fn a_dynamodb_call_is_named_by_its_operation_and_table() {
        let (operation, table) = describe(
            Service::DynamoDb,
            &Method::POST,
            &Uri::from_static("/"),
            &signed(Some("DynamoDB_20120810.GetItem")),
            br#"{"TableName": "lambda-apigateway", "Key": {"id": {"S": "1"}}}"#,
            |_, _| None,
        );
        assert_eq!(operation, "GetItem");
        assert_eq!(table.as_deref(), Some("lambda-apigateway"));
    }

    #[test]
    fn a_connections_call_is_named_by_its_method_and_connection() {
        let (operation, connection) = describe(
            Service::ApiGateway,
            &Method::POST,
            &Uri::from_static("/prod/@connections/abc%3D"),
            &HeaderMap::new(),
            b"hello",
            |_, _| None,
        );
        assert_eq!(operation, "PostToConnection");
        assert_eq!(connection.as_deref(), Some("abc="));
    }

    #[test]
    fn a_json_error_s_code_is_its_type_s_last_part() {
        let body = br#"{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}"#;
        assert_eq!(
            error_type(body).as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(error_type(b"not json"), None);
    }

    #[test]
    fn a_rest_call_is_named_by_its_route() {
        let (operation, resource) = describe(
            Service::Lambda,
            &Method::POST,
            &Uri::from_static("/2015-03-31/functions/f/invocations"),
            &HeaderMap::new(),
            b"{}",
            |_, _| Some("Invoke"),
        );
        assert_eq!((operation.as_str(), resource), ("Invoke", None));
    }
}
