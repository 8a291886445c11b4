//! The HTTP front door: sandbox-only routes under `/_sandbox/…`, everything else dispatched by AWS
//! protocol. No service is implemented yet, so every AWS request gets the unknown-operation error
//! of its protocol.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::wire::{self, AwsError, Protocol};

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub(crate) struct State {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    account_id: String,
}

impl State {
    pub(crate) fn new(account_id: String) -> Self {
        Self {
            inner: Arc::new(Inner { account_id }),
        }
    }
}

pub(crate) fn router(state: State) -> Router {
    Router::new()
        .route("/_sandbox/health", get(health))
        .fallback(aws_request)
        .with_state(state)
}

async fn health(axum::extract::State(state): axum::extract::State<State>) -> Response {
    axum::Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "accountId": state.inner.account_id,
        "services": [],
    }))
    .into_response()
}

/// Any request outside `/_sandbox/`: identify its protocol and operation, then answer.
async fn aws_request(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = wire::new_request_id();
    let protocol = Protocol::detect(&headers, uri.query(), &body);
    let operation = protocol.operation_name(&method, &uri, &headers, uri.query(), &body);
    tracing::debug!(%method, %uri, ?protocol, %operation, %request_id, "unknown operation");
    let error = match protocol {
        Protocol::AwsJson { .. } | Protocol::Query => AwsError::unknown_operation(&operation),
        Protocol::RestJson => AwsError::unknown_rest_operation(&method, uri.path()),
    };
    wire::render_error(&protocol, &error, &request_id)
}
