//! What the inspector shows: the client's exchanges, the sandbox's records, WebSocket frames.

use lab_contract::{AuthorizerView, ExchangeView, Header, ServerRecord, WsFrameView};
use serde_json::Value;

use crate::feed::{Kind, Numbered, WebSocketEvent};
use crate::traffic::{Exchange, Origin};
use crate::websocket::{Direction, Frame};

fn headers(pairs: &[(String, String)]) -> Vec<Header> {
    pairs
        .iter()
        .map(|(name, value)| Header {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

pub fn exchange(exchange: &Exchange) -> ExchangeView {
    let (origin, label) = match &exchange.origin {
        Origin::Sdk { service, operation } => ("sdk", format!("{service} {operation}")),
        Origin::TryIt { title } => ("try-it", title.clone()),
    };
    let (status, response_headers, response_body) = match &exchange.response {
        Some((status, message)) => (
            Some(*status),
            headers(&message.headers),
            message.body.clone(),
        ),
        None => (None, Vec::new(), String::new()),
    };
    ExchangeView {
        id: u32::try_from(exchange.id).unwrap_or(u32::MAX),
        origin: origin.to_owned(),
        label,
        method: exchange.method.clone(),
        url: exchange.url.clone(),
        request_headers: headers(&exchange.request.headers),
        request_body: exchange.request.body.clone(),
        status,
        response_headers,
        response_body,
        error: exchange.error.clone(),
        started_at_ms: exchange.started_at_ms as f64,
        duration_ms: exchange.duration_ms,
    }
}

/// A JSON value pretty-printed.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A record of the sandbox's inspection feed as the inspector lists it.
pub fn server_record(numbered: &Numbered) -> ServerRecord {
    let record = &numbered.record;
    let mut view = ServerRecord {
        id: numbered.id,
        service: serde_json::to_value(record.service)
            .ok()
            .and_then(|service| service.as_str().map(str::to_owned))
            .unwrap_or_default(),
        kind: String::new(),
        time: numbered.time as f64,
        title: String::new(),
        request_id: None,
        connection_id: None,
        event: None,
        answer: None,
        log: Vec::new(),
        status: None,
        error: None,
        duration_ms: None,
        mapping: None,
        cache: None,
        authorizer: None,
        raw: serde_json::to_string_pretty(numbered).unwrap_or_default(),
    };
    match &record.kind {
        Kind::Invocation(invocation) => {
            view.kind = "invocation".into();
            view.title = invocation.function.clone();
            view.request_id = invocation.gateway_request_id().map(str::to_owned);
            view.connection_id = invocation.connection_id().map(str::to_owned);
            view.event = Some(pretty(&invocation.event));
            view.answer = Some(pretty(&invocation.answer));
            view.log = invocation.log.clone();
            view.duration_ms = Some(invocation.duration_ms);
        }
        Kind::Request(request) => {
            view.kind = "request".into();
            let route = request.route_key.as_deref().unwrap_or("no route");
            view.title = format!("{} {} → {route}", request.method, request.path);
            view.request_id = Some(request.request_id.clone());
            view.event = request.event.as_ref().map(pretty);
            view.answer = request.answer.as_ref().map(pretty);
            view.status = Some(request.status);
            view.error = request.error.clone();
            view.duration_ms = Some(request.latency_ms);
            view.mapping = request.integration.as_ref().and_then(mapping);
            view.cache = request.cache.clone();
            view.authorizer = request.authorizer.as_ref().map(authorizer);
        }
        Kind::Websocket(websocket) => {
            view.kind = "websocket".into();
            view.request_id = Some(websocket.request_id.clone());
            view.connection_id = Some(websocket.connection_id.clone());
            let (event_type, route_key, call, status) = match &websocket.event {
                WebSocketEvent::Connect(connect) => {
                    view.authorizer = connect.authorizer.as_ref().map(authorizer);
                    (
                        "CONNECT",
                        &connect.route_key,
                        &connect.call,
                        Some(connect.status),
                    )
                }
                WebSocketEvent::Message(message) => {
                    ("MESSAGE", &message.route_key, &message.call, None)
                }
                WebSocketEvent::Disconnect(disconnect) => {
                    ("DISCONNECT", &disconnect.route_key, &disconnect.call, None)
                }
            };
            view.title = format!(
                "{event_type} → {}",
                route_key.as_deref().unwrap_or("no route")
            );
            view.event = call.event.as_ref().map(pretty);
            view.answer = call.answer.as_ref().map(pretty);
            view.error = call.error.clone();
            view.status = status;
            view.duration_ms = call.integration_latency_ms;
        }
        Kind::Connections(call) => {
            view.kind = "connections".into();
            view.title = format!("{} {}", call.operation, call.connection_id);
            view.request_id = Some(call.request_id.clone());
            view.connection_id = Some(call.connection_id.clone());
            view.status = Some(call.status);
        }
        Kind::ItemChange(change) => {
            // The key it touched, and the item as it is now (none once deleted).
            view.kind = "item-change".into();
            view.title = format!("{} {}", change.operation, change.table);
            view.event = Some(pretty(&change.key));
            view.answer = change.item.as_ref().map(pretty);
        }
        Kind::Mail(mail) => {
            // What Cognito would have sent: the code is what the student needs.
            view.kind = "mail".into();
            view.title = format!(
                "{} to {} ({}): {}",
                mail.medium, mail.destination, mail.reason, mail.code
            );
            view.event = serde_json::to_value(mail).ok().as_ref().map(pretty);
        }
        Kind::Call(call) => {
            // A function's own AWS call, attributed to its invocation.
            view.kind = "call".into();
            view.title = match &call.resource {
                Some(resource) => format!("{} {resource} ← {}", call.operation, call.function),
                None => format!("{} ← {}", call.operation, call.function),
            };
            view.status = Some(call.status);
            view.error = call.error.clone();
            view.duration_ms = Some(call.duration_ms);
        }
    }
    view
}

pub fn frame(frame: &Frame) -> WsFrameView {
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    WsFrameView {
        client: small(frame.client),
        seq: small(frame.seq),
        direction: match frame.direction {
            Direction::Sent => "sent",
            Direction::Received => "received",
        }
        .to_owned(),
        at_ms: frame.at_ms as f64,
        opcode: frame.opcode.to_owned(),
        size: u32::try_from(frame.size).unwrap_or(u32::MAX),
        text: frame.text.clone(),
        base64: frame.base64.clone(),
        close_code: frame.close_code,
        close_reason: frame.close_reason.clone(),
    }
}

/// An authorizer's decision as the feed records it (`type`, `decision`, `reason`, and `claims`,
/// `context` or `principal`).
fn authorizer(decided: &Value) -> AuthorizerView {
    let text = |member: &str| decided[member].as_str().map(str::to_owned);
    let detail = ["claims", "context", "principal", "principalId"]
        .iter()
        .map(|member| &decided[*member])
        .find(|value| !value.is_null())
        .map(pretty);
    AuthorizerView {
        kind: text("type").unwrap_or_default(),
        decision: text("decision").unwrap_or_default(),
        reason: text("reason"),
        detail,
        note: text("note"),
    }
}

/// What a REST API's mapping templates did, as the integration record notes it
/// (`requestMapping`, `responseMapping`), in words; `None` when no template was involved.
fn mapping(integration: &serde_json::Value) -> Option<String> {
    let mut lines = Vec::new();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    if let Some(request) = integration.get("requestMapping") {
        let content_type = text(&request["contentType"]);
        if request["template"].is_null() {
            lines.push(format!("Request: {}", text(&request["why"])));
        } else {
            lines.push(format!("Request template for {content_type}, its output:"));
            lines.push(text(&request["output"]));
        }
    }
    if let Some(response) = integration.get("responseMapping") {
        lines.push(format!(
            "Integration response {}: {}",
            text(&response["statusCode"]),
            text(&response["why"])
        ));
        if response["template"].is_null() {
            lines.push("No response template: the answer passes through.".to_owned());
        } else {
            lines.push(format!(
                "Response template for {}, its output:",
                text(&response["contentType"])
            ));
            lines.push(text(&response["output"]));
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(record: serde_json::Value) -> Numbered {
        serde_json::from_value(record).expect("a feed record")
    }

    #[test]
    fn a_rest_request_says_what_its_mapping_templates_did() {
        let integration = serde_json::json!({
            "type": "AWS",
            "requestMapping": {"contentType": "application/json", "template": "{\"a\": 1}", "output": "{\"a\": 1}"},
            "responseMapping": {
                "statusCode": "400", "why": "\"Bad\" matches the selection pattern \"Bad.*\"",
                "contentType": "application/json", "template": null, "output": "{}"
            }
        });
        assert_eq!(
            mapping(&integration).as_deref(),
            Some(
                "Request template for application/json, its output:\n{\"a\": 1}\n\
                 Integration response 400: \"Bad\" matches the selection pattern \"Bad.*\"\n\
                 No response template: the answer passes through."
            )
        );
        assert_eq!(mapping(&serde_json::json!({"type": "AWS_PROXY"})), None);
    }

    #[test]
    fn an_invocation_is_linked_to_the_request_that_caused_it() {
        let record = numbered(serde_json::json!({
            "id": 1_780_000_000_000_001_u64, "time": 1, "region": "us-east-1",
            "service": "lambda", "kind": "invocation", "function": "LambdaCRUD",
            "version": "$LATEST", "requestId": "i1", "environment": "e1", "coldStart": false,
            "durationMs": 1.5, "failed": false,
            "event": {"requestContext": {"requestId": "Jq7bYhcZIAMEb8A="}},
            "answer": {"statusCode": 200},
            "log": ["START RequestId: x", "END RequestId: x"],
        }));
        let view = server_record(&record);
        assert_eq!(
            view.id, 1_780_000_000_000_001,
            "feed numbers from the clock are kept whole"
        );
        assert_eq!(view.title, "LambdaCRUD");
        assert_eq!(view.request_id.as_deref(), Some("Jq7bYhcZIAMEb8A="));
        assert_eq!(view.log.len(), 2);
        assert!(view.event.unwrap().contains("requestContext"));
        assert_eq!(view.duration_ms, Some(1.5));
    }

    #[test]
    fn websocket_records_name_their_connection() {
        let message = numbered(serde_json::json!({
            "id": 3, "time": 1, "region": "us-east-1", "service": "apigateway",
            "kind": "websocket", "eventType": "MESSAGE", "routeKey": "$default",
            "connectionId": "abc=", "requestId": "r1", "apiId": "a1", "stage": "prod",
            "message": {"text": "hi", "bytes": 2},
        }));
        let view = server_record(&message);
        assert_eq!(view.title, "MESSAGE → $default");
        assert_eq!(view.connection_id.as_deref(), Some("abc="));
        let post = numbered(serde_json::json!({
            "id": 4, "time": 2, "region": "us-east-1", "service": "apigateway",
            "kind": "connections", "operation": "PostToConnection", "connectionId": "abc=",
            "requestId": "r2", "status": 410,
        }));
        let view = server_record(&post);
        assert_eq!(view.title, "PostToConnection abc=");
        assert_eq!(view.status, Some(410));
        let invocation = numbered(serde_json::json!({
            "id": 5, "time": 3, "region": "us-east-1", "service": "lambda",
            "kind": "invocation", "function": "WsDefault", "version": "$LATEST",
            "requestId": "i2", "environment": "e1", "coldStart": true, "durationMs": 2.0,
            "failed": false, "answer": null, "log": [],
            "event": {"requestContext": {"requestId": "r1", "connectionId": "abc="}},
        }));
        assert_eq!(
            server_record(&invocation).connection_id.as_deref(),
            Some("abc=")
        );
    }

    #[test]
    fn an_item_change_shows_its_key_and_new_image() {
        let record = numbered(serde_json::json!({
            "id": 9, "time": 2, "region": "us-east-1", "service": "dynamodb",
            "kind": "item-change", "operation": "PutItem", "table": "things",
            "key": {"id": {"S": "lamp"}}, "item": {"id": {"S": "lamp"}, "watts": {"N": "40"}},
        }));
        let view = server_record(&record);
        assert_eq!(view.title, "PutItem things");
        assert!(view.event.unwrap().contains("lamp"));
        assert!(view.answer.unwrap().contains("\"watts\": {"));
    }
}
