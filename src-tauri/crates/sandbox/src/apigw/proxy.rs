//! HTTP_PROXY integrations: the request goes on to the integration's URL (path parameters such
//! as `{proxy}` filled in), and its answer comes back as it is.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::parameter_mapping;

/// What a request is forwarded with: the integration's method (`None` or `ANY` keeps the
/// client's) and its timeout.
#[derive(Debug, Clone, Copy)]
pub struct Backend<'a> {
    pub method: Option<&'a str>,
    pub timeout_millis: u32,
}

/// Headers that belong to one hop, not to the forwarded request.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "host",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// Why a forwarded request got no answer: API Gateway's status and the reason.
#[derive(Debug)]
pub struct Failed {
    pub status: StatusCode,
    pub reason: String,
}

/// Sends the request on to `uri` (the integration's URL with stage variables resolved), as
/// parameter mapping left it (`outgoing`), and brings its answer back.
pub async fn forward(
    integration: Backend<'_>,
    uri: &str,
    parameters: &BTreeMap<String, String>,
    method: &Method,
    query: Option<&str>,
    outgoing: parameter_mapping::Outgoing,
    body: Bytes,
) -> Result<Response, Failed> {
    let failed = |status, reason: String| Failed { status, reason };
    let mut url = uri.to_owned();
    for (name, value) in parameters {
        url = url
            .replace(&format!("{{{name}}}"), value)
            .replace(&format!("{{{name}+}}"), value);
    }
    if let Some(path) = &outgoing.path {
        url = with_path(&url, path);
    }
    let query = if outgoing.query_changed {
        Some(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&outgoing.query)
                .finish(),
        )
    } else {
        query.map(str::to_owned)
    };
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query);
    }
    let headers = &outgoing.headers;
    let method = match integration.method {
        None | Some("ANY") => method.clone(),
        Some(other) => other.parse().unwrap_or_else(|_| method.clone()),
    };
    let mut request = hyper::Request::builder().method(method).uri(&url);
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let request = request.body(Full::new(body)).map_err(|error| {
        failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the integration's URL {url:?} is not usable: {error}"),
        )
    })?;
    let client = Client::builder(TokioExecutor::new()).build_http();
    let timeout = Duration::from_millis(u64::from(integration.timeout_millis));
    let response = match tokio::time::timeout(timeout, client.request(request)).await {
        Err(_) => {
            return Err(failed(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "{url} did not answer within the integration's timeout of {} ms",
                    integration.timeout_millis
                ),
            ));
        }
        Ok(Err(error)) => {
            return Err(failed(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{url} could not be reached: {error}"),
            ));
        }
        Ok(Ok(response)) => response,
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|error| {
            failed(
                StatusCode::BAD_GATEWAY,
                format!("{url}'s answer broke off: {error}"),
            )
        })?;
    let mut answer = (parts.status, body).into_response();
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            answer.headers_mut().append(name, value.clone());
        }
    }
    Ok(answer)
}

/// `url` with its path replaced by `path` (what `overwrite:path` does), scheme and host kept.
fn with_path(url: &str, path: &str) -> String {
    let start = url.find("://").map_or(0, |at| at + 3);
    let end = url[start..].find('/').map_or(url.len(), |at| start + at);
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    format!("{}{path}", &url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overwritten_path_keeps_the_scheme_and_host() {
        assert_eq!(
            with_path("http://127.0.0.1:9/a/b?c=1", "/v2/x"),
            "http://127.0.0.1:9/v2/x"
        );
        assert_eq!(
            with_path("https://example.com", "x"),
            "https://example.com/x"
        );
    }
}
