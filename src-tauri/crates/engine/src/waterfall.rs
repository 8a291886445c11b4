//! One request as a waterfall: the client's request, then — from the sandbox's inspection feed —
//! API Gateway receiving it, the route it matched, its integration, the function's invocation
//! (a cold start's init, then the handler), the AWS calls the function made while it ran (the
//! feed attributes each to its invocation by the environment's session credentials) and the
//! gateway's response. Rows are placed in milliseconds from the earliest of them.

use lab_contract::{WaterfallRequest, WaterfallRow, WaterfallView};
use lab_feed::{
    HttpRequest, Invocation, Kind, Numbered, ServiceCall, WebSocketEvent, WebSocketRecord,
};

/// Said when no record of the request's server side is found.
const NO_SERVER_SIDE: &str = "No server-side record of this request: the sandbox's feed draws the rest of the timeline (on AWS, X-Ray and CloudWatch Logs hold it).";

/// The timeline of `request`, from the feed's `records`.
pub fn build(request: &WaterfallRequest, records: &[Numbered]) -> WaterfallView {
    let mut spans = Spans::default();
    spans.push(Span {
        label: request.label.clone(),
        service: "client",
        phase: "request",
        depth: 0,
        start: request.sent_at_ms,
        duration: request.duration_ms,
        detail: request.status.map(|status| format!("status {status}")),
        failed: request.status.is_none_or(|status| status >= 400) && request.duration_ms.is_some(),
    });
    let Some(request_id) = request.request_id.as_deref() else {
        return spans.view(Some(NO_SERVER_SIDE.to_owned()));
    };
    let mut invocations: Vec<&Invocation> = records
        .iter()
        .filter_map(|numbered| match &numbered.record.kind {
            Kind::Invocation(invocation) if invocation.gateway_request_id() == Some(request_id) => {
                Some(invocation)
            }
            _ => None,
        })
        .collect();
    invocations.sort_by(|a, b| {
        a.started_ms
            .unwrap_or(0.0)
            .total_cmp(&b.started_ms.unwrap_or(0.0))
    });
    let gateway = records
        .iter()
        .find_map(|numbered| Gateway::of(numbered, request_id));
    let Some(gateway) = gateway else {
        return spans.view(Some(NO_SERVER_SIDE.to_owned()));
    };
    let first_invocation_start = invocations
        .first()
        .and_then(|invocation| invocation.started_ms);
    gateway.push_rows(&mut spans, first_invocation_start);
    for invocation in &invocations {
        invocation_rows(&mut spans, invocation, records);
    }
    gateway.push_response(&mut spans);
    spans.view(None)
}

/// What the gateway's record (an HTTP request's or a WebSocket event's) says of the request.
struct Gateway {
    api_id: String,
    /// `API Gateway received GET /items`.
    label: String,
    detail: String,
    start: f64,
    duration: f64,
    route: Option<String>,
    /// Why the event could not be handled, when it could not.
    error: Option<String>,
    cache: Option<String>,
    /// What the route's authorizer decided (`JWT`, `allowed`) and why it refused.
    authorizer: Option<(String, String, Option<String>)>,
    integration_latency: Option<f64>,
    integration_status: Option<u16>,
    /// The status the client got, for an HTTP request.
    status: Option<u16>,
}

impl Gateway {
    /// The gateway's record of the request `request_id`, if `numbered` is it.
    fn of(numbered: &Numbered, request_id: &str) -> Option<Self> {
        // The feed records a request when its answer goes out.
        let recorded = numbered.time as f64;
        match &numbered.record.kind {
            Kind::Request(http) if http.request_id == request_id => {
                Some(Self::http(http, recorded))
            }
            Kind::Websocket(ws) if ws.request_id == request_id => {
                Some(Self::websocket(ws, recorded))
            }
            _ => None,
        }
    }

    fn http(http: &HttpRequest, recorded: f64) -> Self {
        Self {
            api_id: http.api_id.clone(),
            label: format!("API Gateway received {} {}", http.method, http.path),
            detail: format!("api {}, stage {}", http.api_id, http.stage),
            start: http.started_ms.unwrap_or(recorded - http.latency_ms),
            duration: http.latency_ms,
            route: http.route_key.clone(),
            error: http.error.clone(),
            cache: http.cache.clone(),
            authorizer: http.authorizer.as_ref().map(|decided| {
                let text = |name: &str| decided[name].as_str().unwrap_or_default().to_owned();
                (
                    text("type"),
                    text("decision"),
                    decided["reason"].as_str().map(str::to_owned),
                )
            }),
            integration_latency: http.integration_latency_ms,
            integration_status: http.integration_status,
            status: Some(http.status),
        }
    }

    fn websocket(ws: &WebSocketRecord, recorded: f64) -> Self {
        let (event, route, call) = match &ws.event {
            WebSocketEvent::Connect(connect) => ("$connect", &connect.route_key, &connect.call),
            WebSocketEvent::Message(message) => ("message", &message.route_key, &message.call),
            WebSocketEvent::Disconnect(disconnect) => {
                ("$disconnect", &disconnect.route_key, &disconnect.call)
            }
        };
        let start = ws.started_ms.unwrap_or(recorded).min(recorded);
        Self {
            api_id: ws.api_id.clone(),
            label: format!("API Gateway received the {event}"),
            detail: format!("connection {}", ws.connection_id),
            start,
            duration: ws.latency_ms.unwrap_or(recorded - start),
            route: route.clone(),
            error: call.error.clone(),
            cache: None,
            authorizer: None,
            integration_latency: call.integration_latency_ms,
            integration_status: None,
            status: None,
        }
    }

    fn push_rows(&self, spans: &mut Spans, invocation_start: Option<f64>) {
        let failed = self.error.is_some() || self.status.is_some_and(|status| status >= 500);
        spans.path(&self.api_id);
        spans.push(Span {
            label: self.label.clone(),
            service: "apigateway",
            phase: "request",
            depth: 1,
            start: self.start,
            duration: Some(self.duration),
            detail: Some(self.detail.clone()),
            failed,
        });
        spans.push(Span {
            label: match &self.route {
                Some(route) => format!("Matched {route}"),
                None => "No route matched".to_owned(),
            },
            service: "apigateway",
            phase: "route",
            depth: 2,
            start: self.start,
            duration: None,
            detail: self.error.clone(),
            failed: self.route.is_none(),
        });
        if let Some(cache) = &self.cache {
            spans.push(Span {
                label: format!("Stage cache: {cache}"),
                service: "apigateway",
                phase: "cache",
                depth: 2,
                start: self.start,
                duration: None,
                detail: (cache == "hit")
                    .then(|| "served from the cache: the integration was not called".to_owned()),
                failed: false,
            });
        }
        if let Some((kind, decision, reason)) = &self.authorizer {
            spans.push(Span {
                label: format!("{kind} authorizer: {decision}"),
                service: "apigateway",
                phase: "authorizer",
                depth: 2,
                start: self.start,
                duration: None,
                detail: reason.clone(),
                failed: decision != "allowed",
            });
        }
        if let Some(latency) = self.integration_latency {
            spans.push(Span {
                label: "Integration request".to_owned(),
                service: "apigateway",
                phase: "integration",
                depth: 2,
                // It began when Lambda took the event; without an invocation, it ended with the
                // gateway's answer.
                start: invocation_start.unwrap_or(self.start + self.duration - latency),
                duration: Some(latency),
                detail: self
                    .integration_status
                    .map(|status| format!("integration answered {status}")),
                failed: self.error.is_some(),
            });
        }
    }

    /// The moment the gateway answered an HTTP request (a WebSocket event has no answer of its
    /// own: its replies are frames).
    fn push_response(&self, spans: &mut Spans) {
        let Some(status) = self.status else {
            return;
        };
        spans.push(Span {
            label: "API Gateway answered".to_owned(),
            service: "apigateway",
            phase: "response",
            depth: 1,
            start: self.start + self.duration,
            duration: None,
            detail: Some(format!("status {status}")),
            failed: status >= 500,
        });
    }
}

/// The invocation, its init (for a cold start) and handler, and the calls it made.
fn invocation_rows(spans: &mut Spans, invocation: &Invocation, records: &[Numbered]) {
    let Some(start) = invocation.started_ms else {
        return;
    };
    let init = invocation.init_ms.unwrap_or(0.0);
    spans.path(&invocation.function);
    spans.push(Span {
        label: format!(
            "λ {} ({})",
            invocation.function,
            if invocation.cold_start {
                "cold start"
            } else {
                "warm"
            }
        ),
        service: "lambda",
        phase: "invocation",
        depth: 3,
        start,
        duration: Some(init + invocation.duration_ms),
        detail: Some(format!(
            "request {}, environment {}",
            invocation.request_id, invocation.environment
        )),
        failed: invocation.failed,
    });
    if invocation.cold_start {
        spans.push(Span {
            label: "Init (a new execution environment)".to_owned(),
            service: "lambda",
            phase: "init",
            depth: 4,
            start,
            duration: Some(init),
            detail: Some(format!("Init Duration: {init:.2} ms")),
            failed: false,
        });
    }
    spans.push(Span {
        label: "Handler".to_owned(),
        service: "lambda",
        phase: "handler",
        depth: 4,
        start: start + init,
        duration: Some(invocation.duration_ms),
        detail: Some(format!("Duration: {:.2} ms", invocation.duration_ms)),
        failed: invocation.failed,
    });
    let mut calls: Vec<&ServiceCall> = records
        .iter()
        .filter_map(|numbered| match &numbered.record.kind {
            Kind::Call(call) if call.invocation.as_deref() == Some(&invocation.request_id) => {
                Some(call)
            }
            _ => None,
        })
        .collect();
    calls.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    for call in calls {
        let service = service_name(call);
        if service == "dynamodb"
            && let Some(table) = &call.resource
        {
            spans.path(table);
        }
        spans.push(Span {
            label: match &call.resource {
                Some(resource) => format!("{} {resource}", call.operation),
                None => call.operation.clone(),
            },
            service,
            phase: "call",
            depth: 4,
            start: call.started_ms,
            duration: Some(call.duration_ms),
            detail: Some(match &call.error {
                Some(error) => format!("{} {error}", call.status),
                None => format!("status {}", call.status),
            }),
            failed: call.status >= 400,
        });
    }
}

/// The feed's name of a call's service (`dynamodb`, `apigateway`).
fn service_name(call: &ServiceCall) -> &'static str {
    match call.api {
        lab_feed::Service::Lambda => "lambda",
        lab_feed::Service::ApiGateway => "apigateway",
        lab_feed::Service::DynamoDb => "dynamodb",
        lab_feed::Service::Logs => "logs",
        lab_feed::Service::Iam => "iam",
        lab_feed::Service::Sts => "sts",
        lab_feed::Service::Tagging => "tagging",
        lab_feed::Service::Cognito => "cognito-idp",
    }
}

/// A row with its start in milliseconds since the epoch.
struct Span {
    label: String,
    service: &'static str,
    phase: &'static str,
    depth: u8,
    start: f64,
    duration: Option<f64>,
    detail: Option<String>,
    failed: bool,
}

#[derive(Default)]
struct Spans {
    spans: Vec<Span>,
    path: Vec<String>,
}

impl Spans {
    fn push(&mut self, span: Span) {
        self.spans.push(span);
    }

    fn path(&mut self, id: &str) {
        if !self.path.iter().any(|known| known == id) {
            self.path.push(id.to_owned());
        }
    }

    fn view(self, note: Option<String>) -> WaterfallView {
        let origin = self
            .spans
            .iter()
            .map(|span| span.start)
            .fold(f64::INFINITY, f64::min);
        let end = self
            .spans
            .iter()
            .map(|span| span.start + span.duration.unwrap_or(0.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let origin = if origin.is_finite() { origin } else { 0.0 };
        WaterfallView {
            total_ms: (end - origin).max(0.0),
            rows: self
                .spans
                .into_iter()
                .map(|span| WaterfallRow {
                    label: span.label,
                    service: span.service.to_owned(),
                    phase: span.phase.to_owned(),
                    depth: span.depth,
                    start_ms: span.start - origin,
                    duration_ms: span.duration.map(|duration| duration.max(0.0)),
                    detail: span.detail,
                    failed: span.failed,
                })
                .collect(),
            path: self.path,
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Records as the sandbox's feed serves them.
    fn records(values: serde_json::Value) -> Vec<Numbered> {
        serde_json::from_value(values).expect("feed records")
    }

    fn gateway(request_id: &str, started: f64) -> serde_json::Value {
        json!({
            "id": 1, "time": (started + 40.0) as u64, "region": "us-east-1",
            "service": "apigateway", "kind": "request", "apiId": "a1b2c3", "stage": "$default",
            "requestId": request_id, "method": "GET", "path": "/items", "query": null,
            "routeKey": "GET /items", "status": 200, "startedMs": started, "latencyMs": 40.0,
            "integrationLatencyMs": 35.0, "integrationStatus": 200, "error": null,
            "integration": null, "event": null, "answer": null,
            "response": {"status": 200, "headers": {}, "body": "[]"},
            "metrics": {"count": 1, "4xx": 0, "5xx": 0, "latencyMsTotal": 40.0,
                        "integrationLatencyMsTotal": 35.0},
        })
    }

    fn invocation(request_id: &str, gateway: &str, started: f64, cold: bool) -> serde_json::Value {
        let mut record = json!({
            "id": 2, "time": (started + 30.0) as u64, "region": "us-east-1",
            "service": "lambda", "kind": "invocation", "function": "LambdaCRUD",
            "version": "$LATEST", "requestId": request_id, "environment": "e1",
            "coldStart": cold, "startedMs": started, "durationMs": 10.0, "failed": false,
            "event": {"requestContext": {"requestId": gateway}}, "answer": {}, "log": [],
        });
        if cold {
            record["initMs"] = json!(20.0);
        }
        record
    }

    fn call(invocation: &str, operation: &str, started: f64) -> serde_json::Value {
        json!({
            "id": 3, "time": (started + 2.0) as u64, "region": "us-east-1",
            "service": "dynamodb", "kind": "call", "api": "dynamodb", "operation": operation,
            "resource": "http-crud-tutorial-items", "requestId": "q1", "status": 200,
            "error": null, "startedMs": started, "durationMs": 2.0, "function": "LambdaCRUD",
            "environment": "e1", "invocation": invocation,
        })
    }

    fn client(request_id: Option<&str>) -> WaterfallRequest {
        WaterfallRequest {
            label: "GET /items".into(),
            sent_at_ms: 1_000.0,
            duration_ms: Some(45.0),
            status: Some(200),
            request_id: request_id.map(str::to_owned),
        }
    }

    fn phases(view: &WaterfallView) -> Vec<(&str, &str)> {
        view.rows
            .iter()
            .map(|row| (row.phase.as_str(), row.label.as_str()))
            .collect()
    }

    #[test]
    fn a_cold_request_runs_from_the_client_through_init_handler_and_the_functions_calls() {
        let feed = records(json!([
            gateway("r1", 1_002.0),
            invocation("i1", "r1", 1_004.0, true),
            call("i1", "Scan", 1_026.0),
            // Another invocation's call, at the same time: not this request's.
            call("i2", "PutItem", 1_027.0),
        ]));
        let view = build(&client(Some("r1")), &feed);
        assert_eq!(
            phases(&view),
            [
                ("request", "GET /items"),
                ("request", "API Gateway received GET /items"),
                ("route", "Matched GET /items"),
                ("integration", "Integration request"),
                ("invocation", "λ LambdaCRUD (cold start)"),
                ("init", "Init (a new execution environment)"),
                ("handler", "Handler"),
                ("call", "Scan http-crud-tutorial-items"),
                ("response", "API Gateway answered"),
            ]
        );
        let at = |phase: &str| view.rows.iter().find(|row| row.phase == phase).unwrap();
        assert_eq!(at("request").start_ms, 0.0);
        assert_eq!(at("init").start_ms, 4.0);
        assert_eq!(at("init").duration_ms, Some(20.0));
        assert_eq!(at("handler").start_ms, 24.0);
        assert_eq!(at("invocation").duration_ms, Some(30.0));
        assert_eq!(at("call").start_ms, 26.0);
        assert_eq!(at("integration").start_ms, 4.0);
        assert_eq!(at("response").start_ms, 42.0);
        assert_eq!(view.total_ms, 45.0);
        assert_eq!(
            view.path,
            ["a1b2c3", "LambdaCRUD", "http-crud-tutorial-items"]
        );
        assert_eq!(view.note, None);
    }

    #[test]
    fn a_warm_invocation_has_no_init_phase() {
        let feed = records(json!([
            gateway("r1", 1_002.0),
            invocation("i1", "r1", 1_004.0, false),
        ]));
        let view = build(&client(Some("r1")), &feed);
        assert!(view.rows.iter().all(|row| row.phase != "init"));
        let handler = view.rows.iter().find(|row| row.phase == "handler").unwrap();
        assert_eq!(handler.start_ms, 4.0);
        assert!(
            view.rows
                .iter()
                .any(|row| row.label == "λ LambdaCRUD (warm)")
        );
    }

    #[test]
    fn a_websocket_message_runs_through_its_route_and_the_posts_its_function_made() {
        let feed = records(json!([
            {
                "id": 5, "time": 2_030, "region": "us-east-1", "service": "apigateway",
                "kind": "websocket", "apiId": "ws1", "stage": "production",
                "connectionId": "abc=", "requestId": "m1", "startedMs": 2_001.5,
                "latencyMs": 28.0,
                "eventType": "MESSAGE", "message": {"text": "hi", "bytes": 2},
                "selection": null, "routeKey": "sendmessage", "reply": null,
                "integrationLatencyMs": 25.0,
            },
            invocation("i9", "m1", 2_003.0, false),
            {
                "id": 6, "time": 2_010, "region": "us-east-1", "service": "apigateway",
                "kind": "call", "api": "apigateway", "operation": "PostToConnection",
                "resource": "xyz=", "requestId": "p1", "status": 410, "error": "GoneException",
                "startedMs": 2_008.0, "durationMs": 1.0, "function": "LambdaCRUD",
                "environment": "e1", "invocation": "i9",
            },
        ]));
        let frame = WaterfallRequest {
            label: "frame sent".into(),
            sent_at_ms: 2_001.0,
            duration_ms: None,
            status: None,
            request_id: Some("m1".into()),
        };
        let view = build(&frame, &feed);
        assert!(!view.rows[0].failed, "a frame has no status to fail");
        let post = view.rows.iter().find(|row| row.phase == "call").unwrap();
        assert_eq!(post.label, "PostToConnection xyz=");
        assert_eq!(post.detail.as_deref(), Some("410 GoneException"));
        assert!(post.failed);
        assert!(phases(&view).contains(&("route", "Matched sendmessage")));
        assert_eq!(view.path, ["ws1", "LambdaCRUD"]);
        // The gateway's span is the one it measured, from the frame's arrival (0.5 ms after the
        // client sent it).
        let gateway = &view.rows[1];
        assert_eq!((gateway.start_ms, gateway.duration_ms), (0.5, Some(28.0)));
    }

    #[test]
    fn without_a_server_side_record_the_client_row_stands_alone_and_says_why() {
        let view = build(&client(Some("unknown")), &[]);
        assert_eq!(phases(&view), [("request", "GET /items")]);
        assert!(view.note.is_some());
        let view = build(&client(None), &[]);
        assert_eq!(view.total_ms, 45.0);
        assert!(view.note.is_some());
    }
}
