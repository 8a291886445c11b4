//! The Runtime API one environment's process talks to (`/2018-06-01/runtime/…`): it hands out
//! the next event on `/next`, takes the answer or the error, and the init error; only the
//! environment's own process may call it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{mpsc, oneshot, watch};

use super::environment::{FunctionError, Outcome};
use super::launch::Launch;
use crate::guard::{Access, Decision, Guard, Surface};

/// An event waiting for the process, and where its outcome goes.
pub(super) struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    /// The function's timeout: the deadline is set when the process takes the event.
    pub timeout: Duration,
    pub done: oneshot::Sender<Outcome>,
}

/// State shared between the Runtime API handlers and the environment's owner.
pub(super) struct Shared {
    pub launch: Launch,
    pub queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    pub pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    /// Set once the process first asks for work: the end of its init phase.
    pub ready: watch::Sender<Option<Instant>>,
    pub init_error: Mutex<Option<FunctionError>>,
    /// Lines the process wrote during the current invocation (for `LogType: Tail`).
    pub current_log: Mutex<String>,
    pub log_lines: mpsc::UnboundedSender<(i64, String)>,
}

impl Shared {
    pub fn record(&self, line: &str) {
        let mut current = lock(&self.current_log);
        current.push_str(line);
        current.push('\n');
        let _ = self
            .log_lines
            .send((crate::clock::now_millis(), line.to_owned()));
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The Runtime API of one environment on `port`. Only its own process talks to it: a request
/// from a web page or addressed to another name (DNS rebinding) is refused, as at the front door.
pub(super) fn runtime_api(shared: Arc<Shared>, port: u16) -> Router {
    let guard = Arc::new(Guard::new(port, &Access::default()));
    let only_the_function = axum::middleware::from_fn(move |request: Request, next: Next| {
        let guard = guard.clone();
        async move {
            match guard.decide(request.method(), request.headers(), Surface::Service) {
                Decision::Serve => next.run(request).await,
                _ => StatusCode::FORBIDDEN.into_response(),
            }
        }
    });
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(only_the_function)
        .with_state(shared)
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    shared.ready.send_if_modified(|ready| {
        if ready.is_none() {
            *ready = Some(Instant::now());
            true
        } else {
            false
        }
    });
    let invocation = shared.queue.lock().await.recv().await;
    let Some(invocation) = invocation else {
        return (StatusCode::GONE, "the environment is shutting down").into_response();
    };
    lock(&shared.pending).insert(invocation.request_id.clone(), invocation.done);
    let deadline_ms = (SystemTime::now() + invocation.timeout)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let trace = format!(
        "Root={};Parent={};Sampled=0",
        crate::wire::new_trace_root(),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    (
        StatusCode::OK,
        [
            ("content-type", "application/json".to_owned()),
            ("lambda-runtime-aws-request-id", invocation.request_id),
            ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                shared.launch.function_arn.clone(),
            ),
            ("lambda-runtime-trace-id", trace),
        ],
        invocation.payload,
    )
        .into_response()
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    match lock(&shared.pending).remove(id) {
        Some(done) => {
            let _ = done.send(outcome);
            (StatusCode::ACCEPTED, axum::Json(serde_json::json!({"status": "OK"}))).into_response()
        }
        // Too late (timed out) or never handed out.
        None => (
            StatusCode::GONE,
            axum::Json(serde_json::json!({"errorMessage": format!("Invalid request ID: {id}"), "errorType": "InvalidRequestID"})),
        )
            .into_response(),
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&shared, &id, Outcome::Response(body))
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish(&shared, &id, Outcome::Error(error_payload(&headers, body)))
}

async fn init_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *lock(&shared.init_error) = Some(error_payload(&headers, body));
    (
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({"status": "OK"})),
    )
        .into_response()
}

/// The error a runtime posted; a body that is not an error object is wrapped in one, with the
/// type from the `Lambda-Runtime-Function-Error-Type` header.
fn error_payload(headers: &HeaderMap, body: Bytes) -> FunctionError {
    let is_error_object = serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|value| value.get("errorMessage").is_some() || value.get("errorType").is_some());
    if is_error_object {
        return FunctionError { payload: body };
    }
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("Unhandled");
    FunctionError::new(error_type, &String::from_utf8_lossy(&body))
}
