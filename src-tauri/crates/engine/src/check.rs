//! Verifies the real state a step's checks describe.

use aws_sdk_dynamodb::types::TableStatus;
use aws_sdk_lambda::types::State as FunctionState;

use crate::cloud::{Cloud, describe_error};
use crate::lesson::{Check, Vars};

/// A check's verdict: what it looked at, and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub description: String,
    pub passed: bool,
    /// What was found, when the check failed.
    pub detail: Option<String>,
}

/// Looks at the target and says whether `check` holds.
pub async fn verify(cloud: &Cloud, check: &Check, vars: &Vars) -> Verdict {
    let fill = |text: &str| vars.fill_known(text);
    let outcome = match check {
        Check::TableActive { table } => {
            let table = fill(table);
            match cloud
                .dynamodb
                .describe_table()
                .table_name(&table)
                .send()
                .await
            {
                Ok(output) => match output.table().and_then(|t| t.table_status()) {
                    Some(TableStatus::Active) => Ok(()),
                    status => Err(format!("status {status:?}")),
                },
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::FunctionActive { function } => {
            let function = fill(function);
            match cloud
                .lambda
                .get_function_configuration()
                .function_name(&function)
                .send()
                .await
            {
                Ok(output) => match output.state() {
                    Some(FunctionState::Active) => Ok(()),
                    state => Err(format!("state {state:?}")),
                },
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::RoutePresent { api, route_key } => {
            let (api, route_key) = (fill(api), fill(route_key));
            match cloud.apigw.get_routes().api_id(&api).send().await {
                Ok(output)
                    if output
                        .items()
                        .iter()
                        .any(|r| r.route_key() == Some(&route_key)) =>
                {
                    Ok(())
                }
                Ok(output) => Err(format!(
                    "the routes are: {}",
                    output
                        .items()
                        .iter()
                        .filter_map(|route| route.route_key())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::Http {
            method,
            url,
            body,
            status,
            body_contains,
        } => {
            let body = body.as_deref().map(fill);
            http_check(method, &fill(url), body, *status, body_contains.as_deref()).await
        }
        Check::Websocket {
            url,
            send,
            frame_contains,
        } => {
            websocket_check(
                &fill(url),
                send.as_deref().map(fill).as_deref(),
                &fill(frame_contains),
            )
            .await
        }
        Check::Invoke {
            function,
            payload,
            body_contains,
        } => {
            invoke_check(
                cloud,
                &fill(function),
                &fill(payload),
                body_contains.as_deref().map(fill).as_deref(),
            )
            .await
        }
    };
    Verdict {
        description: describe(check, vars),
        passed: outcome.is_ok(),
        detail: outcome.err(),
    }
}

/// What `check` verifies, in words, variables filled where known.
pub fn describe(check: &Check, vars: &Vars) -> String {
    let fill = |text: &str| vars.fill_known(text);
    match check {
        Check::TableActive { table } => format!("table {} is ACTIVE", fill(table)),
        Check::FunctionActive { function } => format!("function {} is Active", fill(function)),
        Check::RoutePresent { api, route_key } => {
            format!("API {} has route {}", fill(api), fill(route_key))
        }
        Check::Http {
            method,
            url,
            body,
            status,
            ..
        } => match body {
            Some(body) => format!(
                "{method} {} with {} answers {status}",
                fill(url),
                fill(body)
            ),
            None => format!("{method} {} answers {status}", fill(url)),
        },
        Check::Websocket {
            url,
            send,
            frame_contains,
        } => match send {
            Some(message) => format!(
                "a WebSocket client of {} that sends {} receives {frame_contains}",
                fill(url),
                fill(message)
            ),
            None => format!(
                "a WebSocket client of {} receives {frame_contains}",
                fill(url)
            ),
        },
        Check::Invoke { function, .. } => {
            format!("invoking {} succeeds", fill(function))
        }
    }
}

/// How long a WebSocket check waits for the frame it expects.
const FRAME_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connects with the inspector's client, sends `send`, and waits for a text frame containing
/// `expected`.
async fn websocket_check(url: &str, send: Option<&str>, expected: &str) -> Result<(), String> {
    use crate::websocket::{self, Direction, Outgoing};
    let (frames, mut received) = tokio::sync::broadcast::channel(64);
    let client = websocket::connect(url, &[], frames)
        .await
        .map_err(|error| format!("the connection was refused: {error}"))?;
    if let Some(message) = send {
        client
            .send(Outgoing::Text(message.to_owned()))
            .await
            .map_err(|error| format!("sending failed: {error}"))?;
    }
    let mut seen = Vec::new();
    let outcome = tokio::time::timeout(FRAME_WAIT, async {
        loop {
            let frame = match received.recv().await {
                Ok(frame) if frame.direction == Direction::Received => frame,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return Err("the connection ended".to_owned()),
            };
            match (frame.opcode, frame.text) {
                ("text", Some(text)) if text.contains(expected) => return Ok(()),
                ("text", Some(text)) => seen.push(text),
                ("close", _) => {
                    return Err(format!(
                        "the server closed the connection: {} {}",
                        frame.close_code.unwrap_or_default(),
                        frame.close_reason.unwrap_or_default()
                    ));
                }
                _ => {}
            }
        }
    })
    .await;
    let _ = client
        .send(Outgoing::Close {
            code: 1000,
            reason: String::new(),
        })
        .await;
    match outcome {
        Ok(result) => result,
        Err(_) if seen.is_empty() => Err(format!("no frame within {}s", FRAME_WAIT.as_secs())),
        Err(_) => Err(format!("the frames were: {}", seen.join(" | "))),
    }
}

async fn invoke_check(
    cloud: &Cloud,
    function: &str,
    payload: &str,
    body_contains: Option<&str>,
) -> Result<(), String> {
    let invocation = cloud
        .invoke(function, payload)
        .await
        .map_err(|error| error.to_string())?;
    let answer = invocation.payload;
    if let Some(kind) = invocation.function_error {
        return Err(format!("the function failed ({kind}): {answer}"));
    }
    match body_contains {
        Some(expected) if !answer.contains(expected) => {
            Err(format!("the answer lacks {expected}: {answer}"))
        }
        _ => Ok(()),
    }
}

async fn http_check(
    method: &str,
    url: &str,
    body: Option<String>,
    status: u16,
    body_contains: Option<&str>,
) -> Result<(), String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = crate::localhost::http_client().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("no answer: {error}"))?;
    let got = response.status().as_u16();
    let body = response.text().await.map_err(|error| error.to_string())?;
    if got != status {
        return Err(format!("answered {got}: {body}"));
    }
    match body_contains {
        Some(expected) if !body.contains(expected) => {
            Err(format!("the body lacks {expected}: {body}"))
        }
        _ => Ok(()),
    }
}
