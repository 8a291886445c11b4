//! HTTP_PROXY integrations: the request goes on to the integration's URL (path parameters such
//! as `{proxy}` filled in), and its answer comes back as it is.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::message;
use super::model::Integration;

/// Headers that belong to one hop, not to the forwarded request.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "host",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

pub async fn forward(
    integration: &Integration,
    parameters: &BTreeMap<String, String>,
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mut url = integration.integration_uri.clone().unwrap_or_default();
    for (name, value) in parameters {
        url = url
            .replace(&format!("{{{name}}}"), value)
            .replace(&format!("{{{name}+}}"), value);
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    let method = match integration.integration_method.as_deref() {
        None | Some("ANY") => method.clone(),
        Some(other) => other.parse().unwrap_or_else(|_| method.clone()),
    };
    let mut request = hyper::Request::builder().method(method).uri(&url);
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(Full::new(body)) else {
        return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let client = Client::builder(TokioExecutor::new()).build_http();
    let timeout = Duration::from_millis(u64::from(integration.timeout_millis));
    let response = match tokio::time::timeout(timeout, client.request(request)).await {
        Err(_) => return message(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout"),
        Ok(Err(error)) => {
            tracing::info!(%url, %error, "HTTP_PROXY integration unreachable");
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        Ok(Ok(response)) => response,
    };
    let (parts, body) = response.into_parts();
    let Ok(body) = body.collect().await.map(|collected| collected.to_bytes()) else {
        return message(StatusCode::BAD_GATEWAY, "Internal Server Error");
    };
    let mut answer = (parts.status, body).into_response();
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}
