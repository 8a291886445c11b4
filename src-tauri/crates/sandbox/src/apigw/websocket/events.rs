//! The events API Gateway passes a WebSocket route's function (the proxy event of a WebSocket
//! API): CONNECT with the handshake's headers and query string, MESSAGE with the frame's body,
//! DISCONNECT with the close code and reason. Field for field as AWS sends them.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value as Json, json};

use super::Connection;
use crate::apigw::event;

/// The three kinds of WebSocket events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Connect,
    Message,
    Disconnect,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Message => "MESSAGE",
            Self::Disconnect => "DISCONNECT",
        }
    }
}

/// The frame a MESSAGE event carries.
#[derive(Debug, Clone)]
pub enum Body {
    Text(String),
    Binary(Vec<u8>),
}

/// The `requestContext` every WebSocket event has.
fn request_context(
    connection: &Connection,
    route_key: &str,
    kind: EventType,
    request_id: &str,
) -> Map<String, Json> {
    let (time, epoch) = event::now();
    let mut context = Map::new();
    let mut put = |key: &str, value: Json| {
        context.insert(key.to_owned(), value);
    };
    put("routeKey", json!(route_key));
    put("eventType", json!(kind.as_str()));
    put("extendedRequestId", json!(request_id));
    put("requestTime", json!(time));
    put("messageDirection", json!("IN"));
    put("stage", json!(connection.stage));
    put("connectedAt", json!(connection.connected_at));
    put("requestTimeEpoch", json!(epoch));
    let mut identity = json!({
        "userAgent": connection.user_agent,
        "sourceIp": connection.source_ip,
    });
    if let (Some(Json::Object(signer)), Some(fields)) =
        (&connection.iam_identity, identity.as_object_mut())
    {
        fields.extend(signer.clone());
    }
    put("identity", identity);
    put("requestId", json!(request_id));
    put("domainName", json!(connection.domain_name));
    put("connectionId", json!(connection.id));
    put("apiId", json!(connection.api_id));
    if let Some(authorizer) = &connection.authorizer {
        put("authorizer", authorizer.clone());
    }
    context
}

/// The `$connect` event: the handshake's headers and query string.
pub fn connect(
    connection: &Connection,
    headers: &HeaderMap,
    query: Option<&str>,
    request_id: &str,
) -> Json {
    let mut single = Map::new();
    let mut multi: Map<String, Json> = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        single.insert(name.as_str().to_owned(), json!(value));
        push(&mut multi, name.as_str(), value);
    }
    for (name, value) in [
        ("x-forwarded-for", connection.source_ip.clone()),
        ("x-forwarded-proto", "http".to_owned()),
    ] {
        if !single.contains_key(name) {
            single.insert(name.to_owned(), json!(value));
            push(&mut multi, name, value);
        }
    }
    let mut out = json!({
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": request_context(connection, "$connect", EventType::Connect, request_id),
        "isBase64Encoded": false,
    });
    let pairs = event::query_pairs(query);
    if !pairs.is_empty() {
        let mut single = Map::new();
        let mut multi: Map<String, Json> = Map::new();
        for (key, value) in pairs {
            single.insert(key.clone(), json!(value));
            push(&mut multi, &key, value);
        }
        out["queryStringParameters"] = Json::Object(single);
        out["multiValueQueryStringParameters"] = Json::Object(multi);
    }
    add_stage_variables(&mut out, connection);
    out
}

/// A message's event, for the route it was sent to.
pub fn message(
    connection: &Connection,
    route_key: &str,
    body: &Body,
    message_id: &str,
    request_id: &str,
) -> Json {
    let mut context = request_context(connection, route_key, EventType::Message, request_id);
    context.insert("messageId".to_owned(), json!(message_id));
    let (body, encoded) = match body {
        Body::Text(text) => (text.clone(), false),
        Body::Binary(bytes) => (BASE64.encode(bytes), true),
    };
    let mut out = json!({
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    });
    add_stage_variables(&mut out, connection);
    out
}

/// The `$disconnect` event, with the close code and reason.
pub fn disconnect(connection: &Connection, close: &Close, request_id: &str) -> Json {
    let mut context = request_context(connection, "$disconnect", EventType::Disconnect, request_id);
    context.insert("disconnectStatusCode".to_owned(), json!(close.code));
    context.insert("disconnectReason".to_owned(), json!(close.reason));
    let headers = [
        ("Host", connection.domain_name.as_str()),
        ("x-api-key", ""),
        ("X-Forwarded-For", ""),
        ("x-restapi", ""),
    ];
    let mut out = json!({
        "headers": headers.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<Map<_, _>>(),
        "multiValueHeaders": headers.iter().map(|(k, v)| ((*k).to_owned(), json!([v]))).collect::<Map<_, _>>(),
        "requestContext": context,
        "isBase64Encoded": false,
    });
    add_stage_variables(&mut out, connection);
    out
}

/// How a connection ended: the close code and the reason `$disconnect` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    /// A close frame from the client; a frame without a status is reported as 1005.
    pub fn from_client(frame: Option<(u16, &str)>) -> Self {
        match frame {
            None => Self::new(1005, "Client-side close frame status not set"),
            Some((code, reason)) if !reason.is_empty() => Self::new(code, reason),
            Some((1000, _)) => Self::new(1000, "Connection Closed Normally"),
            Some((1001, _)) => Self::new(1001, "Going away"),
            Some((code, _)) => Self::new(
                code,
                format!("Client-side close frame status set to {code}"),
            ),
        }
    }

    /// The client went away without a close frame.
    pub fn abnormal() -> Self {
        Self::new(1006, "Connection was closed abnormally")
    }
}

fn push(multi: &mut Map<String, Json>, key: &str, value: String) {
    match multi.get_mut(key) {
        Some(Json::Array(values)) => values.push(json!(value)),
        _ => {
            multi.insert(key.to_owned(), json!([value]));
        }
    }
}

fn add_stage_variables(event: &mut Json, connection: &Connection) {
    if !connection.stage_variables.is_empty() {
        event["stageVariables"] = json!(connection.stage_variables);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        Connection::for_tests("abc123", "prod", "Sn0tGdAjIAMCJ3A=")
    }

    #[test]
    fn connect_events_carry_headers_query_and_context() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:4566".parse().expect("header"));
        headers.insert("sec-websocket-version", "13".parse().expect("header"));
        let event = connect(
            &connection(),
            &headers,
            Some("room=a&room=b&who=me"),
            "req=",
        );
        let context = &event["requestContext"];
        assert_eq!(context["eventType"], "CONNECT");
        assert_eq!(context["routeKey"], "$connect");
        assert_eq!(context["messageDirection"], "IN");
        assert_eq!(context["connectionId"], "Sn0tGdAjIAMCJ3A=");
        assert_eq!(context["stage"], "prod");
        assert_eq!(context["apiId"], "abc123");
        assert!(context["connectedAt"].is_i64());
        assert!(context["requestTimeEpoch"].is_i64());
        assert_eq!(event["headers"]["sec-websocket-version"], "13");
        assert_eq!(event["queryStringParameters"]["who"], "me");
        assert_eq!(
            event["multiValueQueryStringParameters"]["room"],
            json!(["a", "b"])
        );
        assert_eq!(event["isBase64Encoded"], false);
    }

    #[test]
    fn message_events_carry_the_body_and_a_message_id() {
        let text = message(
            &connection(),
            "sendmessage",
            &Body::Text("hi".into()),
            "m1",
            "r1",
        );
        assert_eq!(text["body"], "hi");
        assert_eq!(text["isBase64Encoded"], false);
        assert_eq!(text["requestContext"]["messageId"], "m1");
        assert_eq!(text["requestContext"]["eventType"], "MESSAGE");
        let binary = message(
            &connection(),
            "$default",
            &Body::Binary(vec![0, 1]),
            "m2",
            "r2",
        );
        assert_eq!(binary["body"], "AAE=");
        assert_eq!(binary["isBase64Encoded"], true);
    }

    #[test]
    fn disconnect_events_report_the_close() {
        let event = disconnect(&connection(), &Close::from_client(None), "r");
        assert_eq!(event["requestContext"]["disconnectStatusCode"], 1005);
        assert_eq!(
            event["requestContext"]["disconnectReason"],
            "Client-side close frame status not set"
        );
        assert_eq!(event["requestContext"]["eventType"], "DISCONNECT");
        assert_eq!(event["headers"]["x-api-key"], "");
    }
}
