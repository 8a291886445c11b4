//! CORS as API Gateway applies an HTTP API's `corsConfiguration`: it answers preflight requests
//! itself, and its headers replace whatever CORS headers the integration sent.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::apigw::model::Cors;

/// The `Access-Control-Allow-Origin` value for `origin` under `cors`, if it is allowed.
fn allowed_origin(cors: &Cors, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|allowed| allowed == "*") {
        Some("*".to_owned())
    } else {
        cors.allow_origins
            .iter()
            .any(|allowed| allowed == origin)
            .then(|| origin.to_owned())
    }
}

/// A list of values as one header value; none when the list is empty.
fn joined(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(","))
}

/// The gateway's answer to a CORS preflight request.
pub fn preflight(cors: &Cors, headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let origin = headers
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(allowed) = allowed_origin(cors, origin) else {
        return response;
    };
    let map = response.headers_mut();
    let mut set = |name: &'static str, value: Option<String>| {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            map.insert(name, value);
        }
    };
    set("access-control-allow-origin", Some(allowed));
    set("access-control-allow-methods", joined(&cors.allow_methods));
    set("access-control-allow-headers", joined(&cors.allow_headers));
    set(
        "access-control-expose-headers",
        joined(&cors.expose_headers),
    );
    set(
        "access-control-max-age",
        cors.max_age.map(|n| n.to_string()),
    );
    if cors.allow_credentials == Some(true) {
        set("access-control-allow-credentials", Some("true".to_owned()));
    }
    response
}

/// With CORS configured, the gateway's headers replace whatever CORS headers the function sent.
pub fn add_headers(cors: &Cors, request: &HeaderMap, response: &mut HeaderMap) {
    let Some(origin) = request.get("origin").and_then(|v| v.to_str().ok()) else {
        return;
    };
    let Some(allowed) = allowed_origin(cors, origin) else {
        return;
    };
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    ] {
        response.remove(name);
    }
    if let Ok(value) = HeaderValue::from_str(&allowed) {
        response.insert("access-control-allow-origin", value);
    }
    if let Some(value) = joined(&cors.expose_headers).and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.insert("access-control-expose-headers", value);
    }
    if cors.allow_credentials == Some(true) {
        response.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
}
