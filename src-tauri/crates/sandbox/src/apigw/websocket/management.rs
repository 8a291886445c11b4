//! The `@connections` management API (API Gateway Management API, restJson): a backend posts to,
//! describes or disconnects a client by connection id — under the invoke URL
//! (`…/{stage}/@connections/{id}`), at the sandbox's root as code written for AWS reaches it from
//! the event (`https://{domainName}/{stage}/@connections/{id}`, the API found by the
//! connection), or at `/@connections/{id}` for an SDK client whose endpoint is the sandbox
//! itself. A connection that is unknown, closed or not yet connected is gone (410).

use axum::body::Bytes;
use axum::extract::ws::Message;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use lab_feed::{ConnectionsCall, Kind, Record};
use serde_json::json;

use super::events::{Body, Close};
use super::{MAX_MESSAGE_BYTES, Outbound};
use crate::apigw::ApiGateway;
use crate::clock::iso8601_millis;
use crate::wire::{self, AwsError, Protocol};

const NAMESPACE: &str = "com.amazonaws.apigatewaymanagementapi";

/// Where a management request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPath {
    /// The API, when the request came through its invoke URL.
    pub api_id: Option<String>,
    /// The stage, when the path names one.
    pub stage: Option<String>,
    pub connection_id: String,
}

impl ConnectionPath {
    /// `/{stage}/@connections/{id}` after an invoke URL's API id.
    pub fn under_api(api_id: &str, path: &str) -> Option<Self> {
        let (stage, connection_id) = staged(path)?;
        Some(Self {
            api_id: Some(api_id.to_owned()),
            stage: Some(stage),
            connection_id,
        })
    }

    /// `/{stage}/@connections/{id}` or `/@connections/{id}` at the sandbox's root.
    pub fn at_root(path: &str) -> Option<Self> {
        if let Some(id) = path.strip_prefix("/@connections/") {
            return Some(Self {
                api_id: None,
                stage: None,
                connection_id: decode_id(id)?,
            });
        }
        let (stage, connection_id) = staged(path)?;
        Some(Self {
            api_id: None,
            stage: Some(stage),
            connection_id,
        })
    }
}

/// The stage and the connection id of `/{stage}/@connections/{id}`.
fn staged(path: &str) -> Option<(String, String)> {
    let (stage, rest) = path.trim_start_matches('/').split_once('/')?;
    let id = rest.strip_prefix("@connections/")?;
    Some((stage.to_owned(), decode_id(id)?))
}

fn decode_id(id: &str) -> Option<String> {
    let id = crate::wire::percent::decode(id);
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

impl ApiGateway {
    /// Answers `PostToConnection` (POST), `GetConnection` (GET) and `DeleteConnection` (DELETE).
    /// `region` is the one the call was made in, for a connection the sandbox does not know.
    pub async fn manage(
        &self,
        target: &ConnectionPath,
        region: &str,
        method: &Method,
        data: Bytes,
    ) -> Response {
        let request_id = wire::new_request_id();
        let operation = match *method {
            Method::POST => "PostToConnection",
            Method::GET => "GetConnection",
            Method::DELETE => "DeleteConnection",
            _ => {
                let error =
                    AwsError::unknown_rest_operation(method, "/@connections/{connectionId}");
                return wire::render_error(&Protocol::RestJson, &error, &request_id);
            }
        };
        let live = self.connections.get(&target.connection_id).filter(|live| {
            target
                .api_id
                .as_ref()
                .is_none_or(|api| live.connection.api_id == *api)
                && target
                    .stage
                    .as_ref()
                    .is_none_or(|stage| live.connection.stage == *stage)
        });
        let mut record = ConnectionsCall {
            operation: operation.to_owned(),
            connection_id: target.connection_id.clone(),
            request_id: request_id.clone(),
            api_id: live.as_ref().map(|live| live.connection.api_id.clone()),
            stage: live.as_ref().map(|live| live.connection.stage.clone()),
            status: 0,
            data: None,
        };
        let region = live.as_ref().map_or_else(
            || region.to_owned(),
            |live| live.connection.scope.region.clone(),
        );
        let response = match (live, operation) {
            (None, _) => gone(),
            (Some(_), "PostToConnection") if data.len() > MAX_MESSAGE_BYTES => {
                let error = AwsError::new(
                    NAMESPACE,
                    "PayloadTooLargeException",
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The data has exceeded the maximum size allowed ({MAX_MESSAGE_BYTES} bytes)"
                    ),
                );
                wire::render_error(&Protocol::RestJson, &error, &request_id)
            }
            (Some(live), "PostToConnection") => {
                let body = match String::from_utf8(data.to_vec()) {
                    Ok(text) => Body::Text(text),
                    Err(error) => Body::Binary(error.into_bytes()),
                };
                record.data = Some(super::session::preview(&body));
                let frame = match body {
                    Body::Text(text) => Message::text(text),
                    Body::Binary(bytes) => Message::binary(bytes),
                };
                match live.outbound.send(Outbound::Frame(frame)).await {
                    Ok(()) => StatusCode::OK.into_response(),
                    Err(_) => gone(),
                }
            }
            (Some(live), "GetConnection") => {
                let connection = &live.connection;
                axum::Json(json!({
                    "connectedAt": iso8601_millis(connection.connected_at),
                    "identity": {
                        "sourceIp": connection.source_ip,
                        "userAgent": connection.user_agent,
                    },
                    "lastActiveAt": iso8601_millis(live.last_active.load(std::sync::atomic::Ordering::Relaxed)),
                }))
                .into_response()
            }
            (Some(live), _) => {
                let close = Close::new(1000, "Connection Closed Normally");
                match live.outbound.send(Outbound::Close(close)).await {
                    Ok(()) => StatusCode::NO_CONTENT.into_response(),
                    Err(_) => gone(),
                }
            }
        };
        record.status = response.status().as_u16();
        self.record(Record::new(region, Kind::Connections(record)));
        with_request_id(response, &request_id)
    }
}

/// `GoneException` (410): AWS sends the error type and no message.
fn gone() -> Response {
    (
        StatusCode::GONE,
        [
            ("content-type", "application/json"),
            ("x-amzn-errortype", "GoneException"),
        ],
        "{}",
    )
        .into_response()
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .entry("x-amzn-requestid")
            .or_insert(value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_paths_are_found_under_the_api_and_at_the_root() {
        assert_eq!(
            ConnectionPath::under_api("abc", "/prod/@connections/Sn0tGdAjIAMCJ3A%3D"),
            Some(ConnectionPath {
                api_id: Some("abc".to_owned()),
                stage: Some("prod".to_owned()),
                connection_id: "Sn0tGdAjIAMCJ3A=".to_owned(),
            })
        );
        // `https://{domainName}/{stage}` from the event, as AWS's examples build it.
        assert_eq!(
            ConnectionPath::at_root("/prod/@connections/Sn0tGdAjIAMCJ3A%3D"),
            Some(ConnectionPath {
                api_id: None,
                stage: Some("prod".to_owned()),
                connection_id: "Sn0tGdAjIAMCJ3A=".to_owned(),
            })
        );
        assert_eq!(ConnectionPath::at_root("//@connections/a"), None);
        assert_eq!(
            ConnectionPath::at_root("/@connections/abc=").map(|p| p.connection_id),
            Some("abc=".to_owned())
        );
        assert_eq!(ConnectionPath::under_api("abc", "/prod/items/1"), None);
        assert_eq!(ConnectionPath::at_root("/@connections/"), None);
        assert_eq!(ConnectionPath::at_root("/2015-03-31/functions"), None);
    }
}
