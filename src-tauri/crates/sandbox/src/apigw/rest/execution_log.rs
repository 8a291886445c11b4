//! A REST API stage's execution log: when a method setting turns logging on (`INFO` or
//! `ERROR`, with `dataTrace` for bodies and headers), the lines API Gateway writes about each
//! request to `API-Gateway-Execution-Logs_{restApiId}/{stage}`, made from what the request went
//! through — the method request, the endpoint request and response, the transformations and
//! the status — each prefixed with the request's id.

use serde_json::Value as Json;

use super::model::{MethodSetting, Stage};
use crate::apigw::http::Trace;

/// How much a stage logs for a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logging {
    /// `ERROR` logs only failures; `INFO` every request.
    pub errors_only: bool,
    /// Whether bodies and headers are logged too.
    pub data_trace: bool,
}

/// The stage's logging for a method: its own setting (`~1items/GET` or `items/GET`) before
/// `*/*`; `None` when logging is off.
pub fn logging(stage: &Stage, resource_path: &str, method: &str) -> Option<Logging> {
    let setting: &MethodSetting = [
        format!("{}/{method}", resource_path.replace('/', "~1")),
        format!("{}/{method}", resource_path.trim_start_matches('/')),
        "*/*".to_owned(),
    ]
    .iter()
    .find_map(|key| stage.method_settings.get(key))?;
    match setting.logging_level.as_str() {
        "INFO" => Some(Logging {
            errors_only: false,
            data_trace: setting.data_trace_enabled,
        }),
        "ERROR" => Some(Logging {
            errors_only: true,
            data_trace: false,
        }),
        _ => None,
    }
}

/// The execution log group of a stage.
pub fn group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// What happened to one request, as the lines of the execution log.
#[derive(Debug)]
pub struct Request<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub status: u16,
    pub response_body: &'a str,
}

fn text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The lines API Gateway writes for `request` at `logging`.
pub(in crate::apigw) fn lines(
    logging: Logging,
    trace: &Trace,
    request: &Request<'_>,
) -> Vec<String> {
    let failed = request.status >= 500;
    if logging.errors_only && !failed {
        return Vec::new();
    }
    let data = logging.data_trace;
    let mut lines = Vec::new();
    let mut say = |line: String| lines.push(format!("({}) {line}", request.request_id));
    let resource_path = trace
        .route_key
        .as_deref()
        .and_then(|key| key.split_once(' '))
        .map_or("", |(_, path)| path);
    if !logging.errors_only {
        say(format!("Extended Request Id: {}", request.request_id));
        say(format!(
            "Starting execution for request: {}",
            request.request_id
        ));
        say(format!(
            "HTTP Method: {}, Resource Path: {resource_path}",
            request.method
        ));
    }
    if data {
        say(format!(
            "Method request query string: {{{}}}",
            crate::apigw::event::query_pairs(request.query)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        say(format!(
            "Method request headers: {{{}}}",
            request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        say(format!(
            "Method request body before transformations: {}",
            String::from_utf8_lossy(request.body)
        ));
    }
    let integration = trace.integration.as_ref();
    let uri = integration
        .and_then(|i| i.get("uri"))
        .and_then(Json::as_str);
    if let (Some(uri), false) = (uri, logging.errors_only) {
        say(format!("Endpoint request URI: {uri}"));
    }
    if data {
        let sent = integration
            .and_then(|i| i.pointer("/requestMapping/output"))
            .map(text)
            .or_else(|| trace.event.as_ref().map(text));
        if let Some(sent) = sent {
            say(format!(
                "Endpoint request body after transformations: {sent}"
            ));
        }
    }
    if let (Some(uri), false) = (uri, logging.errors_only) {
        say(format!("Sending request to {uri}"));
    }
    if let (Some(status), false) = (trace.integration_status, logging.errors_only) {
        say(format!(
            "Received response. Status: {status}, Integration latency: {} ms",
            trace.integration_latency.map_or(0, |d| d.as_millis())
        ));
    }
    if data {
        if let Some(answer) = &trace.answer {
            say(format!(
                "Endpoint response body before transformations: {}",
                text(answer)
            ));
        }
        say(format!(
            "Method response body after transformations: {}",
            request.response_body
        ));
    }
    if let Some(reason) = trace.error.as_deref().filter(|_| failed) {
        let reason = reason
            .strip_prefix("Execution failed due to configuration error: ")
            .unwrap_or(reason);
        say(format!(
            "Execution failed due to configuration error: {reason}"
        ));
    } else if !logging.errors_only && request.status < 400 {
        say("Successfully completed execution".to_owned());
    }
    say(format!("Method completed with status: {}", request.status));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: u16) -> Request<'static> {
        Request {
            request_id: "r1",
            method: "POST",
            query: Some("a=1"),
            headers: &[],
            body: b"{\"operation\": \"ping\"}",
            status,
            response_body: "\"pong\"",
        }
    }

    fn trace() -> Trace {
        Trace {
            route_key: Some("POST /DynamoDBManager".into()),
            integration: Some(serde_json::json!({"uri": "arn:aws:apigateway:…/invocations"})),
            integration_status: Some(200),
            answer: Some(serde_json::json!("pong")),
            ..Trace::default()
        }
    }

    #[test]
    fn info_logs_the_request_s_way_and_data_trace_its_bodies() {
        let info = Logging {
            errors_only: false,
            data_trace: false,
        };
        let lines = lines(info, &trace(), &request(200));
        assert_eq!(
            lines[2],
            "(r1) HTTP Method: POST, Resource Path: /DynamoDBManager"
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some("(r1) Method completed with status: 200")
        );
        assert!(!lines.iter().any(|l| l.contains("body")), "{lines:?}");
        let traced = super::lines(
            Logging {
                data_trace: true,
                ..info
            },
            &trace(),
            &request(200),
        );
        assert!(
            traced.contains(
                &"(r1) Method request body before transformations: {\"operation\": \"ping\"}"
                    .to_owned()
            ),
            "{traced:?}"
        );
        assert!(
            traced.contains(&"(r1) Endpoint response body before transformations: pong".to_owned()),
            "{traced:?}"
        );
    }

    #[test]
    fn error_logs_only_failures_with_their_reason() {
        let errors = Logging {
            errors_only: true,
            data_trace: false,
        };
        assert!(lines(errors, &trace(), &request(200)).is_empty());
        let mut failed = trace();
        failed.error = Some("the method has no integration".into());
        assert_eq!(
            lines(errors, &failed, &request(500)),
            [
                "(r1) Execution failed due to configuration error: the method has no integration",
                "(r1) Method completed with status: 500",
            ]
        );
    }
}
