//! The engine's values as the window sees them: `lab-contract` DTOs.

use lab_contract::{
    ExchangeView, Header, LessonTarget, LessonView, QuestionView, RemovalView, ResourceView,
    ServerRecord, StepView, TryItView, Variable,
};
use lab_engine::check;
use lab_engine::journal::Resource;
use lab_engine::lesson::action::Action;
use lab_engine::lesson::{Lesson, Vars};
use lab_engine::teardown::{Kept, Outcome, Planned, Removal};
use lab_engine::traffic::{Exchange, Origin};
use serde_json::Value;

use crate::session::Session;

/// A lesson with its steps rendered for the session's target and the variables so far.
pub fn lesson(
    session: &Session,
    lesson: &Lesson,
    vars: &Vars,
    done: &[String],
    answers: &[(String, String)],
) -> LessonView {
    let cloud = &session.cloud;
    let runner = session.runner();
    let steps = lesson
        .steps
        .iter()
        .map(|step| StepView {
            id: step.id.clone(),
            title: step.title.clone(),
            prose: step.prose.clone(),
            action: step.action.as_ref().map(|action| action.name().to_owned()),
            commands: step
                .action
                .as_ref()
                .map(|action| runner.cli_commands(lesson, action, vars))
                .unwrap_or_default(),
            outputs: step.outputs.iter().map(|(name, _)| name.clone()).collect(),
            checks: step
                .checks
                .iter()
                .map(|one| check::describe(one, vars))
                .collect(),
            try_it: step
                .try_it
                .iter()
                .map(|request| TryItView {
                    title: request.title.clone(),
                    kind: request.kind.as_str().to_owned(),
                    method: request.method.clone(),
                    url: request.url.as_deref().map(|url| vars.fill_known(url)),
                    body: request.body.as_deref().map(|body| vars.fill_known(body)),
                    function: request.function.as_deref().map(|f| vars.fill_known(f)),
                })
                .collect(),
            logs: step.logs.as_deref().map(|group| vars.fill_known(group)),
            questions: step
                .questions
                .iter()
                .map(|question| QuestionView {
                    id: question.id.clone(),
                    prompt: question.prompt.clone(),
                    answer: answers
                        .iter()
                        .find(|(id, _)| id == &question.id)
                        .map(|(_, answer)| answer.clone()),
                })
                .collect(),
            done: done.contains(&step.id),
        })
        .collect();
    let functions = lesson
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Some(Action::CreateFunction(function)) => Some(function.code.clone()),
            _ => None,
        })
        .collect();
    LessonView {
        id: lesson.id.clone(),
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        introduction: lesson.introduction.clone(),
        steps,
        variables: vars
            .iter()
            .map(|(name, value)| Variable {
                name: name.to_owned(),
                value: value.to_owned(),
            })
            .collect(),
        functions,
        target: LessonTarget {
            kind: cloud.kind.to_owned(),
            account: cloud.account.clone(),
            region: cloud.region.clone(),
        },
    }
}

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

/// A JSON value pretty-printed; JSON carried as text (item changes) is read first.
fn pretty(value: Option<&Value>) -> Option<String> {
    let value = value.filter(|value| !value.is_null())?;
    let parsed = value
        .as_str()
        .and_then(|text| serde_json::from_str::<Value>(text).ok());
    Some(serde_json::to_string_pretty(parsed.as_ref().unwrap_or(value)).unwrap_or_default())
}

/// A record of the sandbox's inspection feed, or none when it is of a kind the window does not
/// show.
pub fn server_record(record: &Value) -> Option<ServerRecord> {
    let text = |key: &str| record.get(key).and_then(Value::as_str).map(str::to_owned);
    let service = text("service")?;
    let kind = text("kind").unwrap_or_default();
    let title = match service.as_str() {
        "lambda" => text("function").unwrap_or_default(),
        "dynamodb" => format!(
            "{} {}",
            text("operation").unwrap_or_default(),
            text("table").unwrap_or_default()
        ),
        "apigateway" if kind == "websocket" => format!(
            "{} → {}",
            text("eventType").unwrap_or_default(),
            text("routeKey").unwrap_or_else(|| "no route".to_owned())
        ),
        "apigateway" if kind == "connections" => format!(
            "{} {}",
            text("operation").unwrap_or_default(),
            text("connectionId").unwrap_or_default()
        ),
        "apigateway" => {
            let route = text("routeKey").unwrap_or_else(|| "no route".to_owned());
            format!(
                "{} {} → {route}",
                text("method").unwrap_or_default(),
                text("path").unwrap_or_default()
            )
        }
        _ => return None,
    };
    // An invocation's event names the API Gateway request that caused it.
    let request_id = match service.as_str() {
        "apigateway" => text("requestId"),
        _ => record
            .pointer("/event/requestContext/requestId")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let connection_id = text("connectionId").or_else(|| {
        record
            .pointer("/event/requestContext/connectionId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let log = record
        .get("log")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let error = text("error").filter(|_| service == "apigateway");
    Some(ServerRecord {
        id: record.get("id").and_then(Value::as_u64).unwrap_or_default(),
        service,
        kind,
        time: record
            .get("time")
            .and_then(Value::as_f64)
            .unwrap_or_default(),
        title,
        request_id,
        connection_id,
        // An item change: the key it touched, and the item as it is now (none once deleted).
        event: pretty(record.get("event").or_else(|| record.get("key"))),
        answer: pretty(record.get("answer").or_else(|| record.get("item"))),
        log,
        status: record
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|status| u16::try_from(status).ok()),
        error,
        duration_ms: record
            .get("durationMs")
            .or_else(|| record.get("latencyMs"))
            .and_then(Value::as_f64),
        raw: serde_json::to_string_pretty(record).unwrap_or_default(),
    })
}

pub fn frame(frame: &lab_engine::websocket::Frame) -> lab_contract::WsFrameView {
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    lab_contract::WsFrameView {
        client: small(frame.client),
        seq: small(frame.seq),
        direction: match frame.direction {
            lab_engine::websocket::Direction::Sent => "sent",
            lab_engine::websocket::Direction::Received => "received",
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

pub fn resource(resource: &Resource, journaled: bool) -> ResourceView {
    ResourceView {
        kind: resource.kind.as_str().to_owned(),
        name: resource
            .physical_id
            .clone()
            .unwrap_or_else(|| resource.label.clone()),
        lesson: resource.lesson.clone(),
        step: resource.step.clone(),
        state: resource.state.as_str().to_owned(),
        journaled,
        kept: false,
        holds: None,
    }
}

pub fn planned(planned: &Planned) -> ResourceView {
    resource(&planned.resource, planned.journaled)
}

pub fn kept(kept: &Kept) -> ResourceView {
    ResourceView {
        kept: true,
        holds: kept.holds.clone(),
        ..resource(&kept.resource, true)
    }
}

pub fn removal(removal: &Removal) -> RemovalView {
    let (outcome, reason) = match &removal.outcome {
        Outcome::Deleted => ("deleted", None),
        Outcome::AlreadyGone => ("already-gone", None),
        Outcome::Failed(reason) => ("failed", Some(reason.clone())),
    };
    RemovalView {
        resource: planned(&removal.planned),
        outcome: outcome.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invocation_is_linked_to_the_request_that_caused_it() {
        let record = serde_json::json!({
            "id": 1_780_000_000_000_001_u64, "time": 1.0, "service": "lambda", "kind": "invocation",
            "function": "LambdaCRUD", "durationMs": 1.5,
            "event": {"requestContext": {"requestId": "Jq7bYhcZIAMEb8A="}},
            "answer": {"statusCode": 200},
            "log": ["START RequestId: x", "END RequestId: x"],
        });
        let view = server_record(&record).unwrap();
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
        let message = serde_json::json!({
            "id": 3, "time": 1.0, "service": "apigateway", "kind": "websocket",
            "eventType": "MESSAGE", "routeKey": "$default", "connectionId": "abc=",
            "requestId": "r1",
        });
        let view = server_record(&message).unwrap();
        assert_eq!(view.title, "MESSAGE → $default");
        assert_eq!(view.connection_id.as_deref(), Some("abc="));
        let post = serde_json::json!({
            "id": 4, "time": 2.0, "service": "apigateway", "kind": "connections",
            "operation": "PostToConnection", "connectionId": "abc=", "status": 410,
        });
        let view = server_record(&post).unwrap();
        assert_eq!(view.title, "PostToConnection abc=");
        assert_eq!(view.status, Some(410));
        let invocation = serde_json::json!({
            "id": 5, "time": 3.0, "service": "lambda", "kind": "invocation", "function": "WsDefault",
            "event": {"requestContext": {"requestId": "r1", "connectionId": "abc="}},
        });
        assert_eq!(
            server_record(&invocation).unwrap().connection_id.as_deref(),
            Some("abc=")
        );
    }

    #[test]
    fn an_item_change_shows_its_key_and_new_image() {
        let record = serde_json::json!({
            "id": 9, "time": 2.0, "service": "dynamodb", "kind": "item-change",
            "operation": "PutItem", "table": "things",
            "key": r#"{"id":{"S":"lamp"}}"#, "item": r#"{"id":{"S":"lamp"},"watts":{"N":"40"}}"#,
        });
        let view = server_record(&record).unwrap();
        assert_eq!(view.title, "PutItem things");
        assert!(view.event.unwrap().contains("lamp"));
        assert!(view.answer.unwrap().contains("\"watts\": {"));
    }

    #[test]
    fn records_of_unknown_services_are_left_out() {
        assert!(server_record(&serde_json::json!({"n": 1})).is_none());
    }
}
