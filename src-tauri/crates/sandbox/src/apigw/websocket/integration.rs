//! Calling a WebSocket route's integration: a function through the Lambda service (AWS_PROXY,
//! after the same existence and permission checks as HTTP APIs) or nothing at all (MOCK); and
//! what a two-way route sends back to the client.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value as Json, json};

use lab_feed::IntegrationCall;

use super::Connection;
use super::events::Body;
use crate::apigw::model::{Integration, IntegrationType, Route, Snapshot};
use crate::apigw::{ApiGateway, stage_variables};

/// What a connection's stage serves: the API's selection expression and the deployed routes.
#[derive(Debug)]
pub(super) struct Target {
    pub expression: String,
    pub stage_variables: BTreeMap<String, String>,
    pub snapshot: Snapshot,
}

impl Target {
    pub fn route(&self, key: &str) -> Option<&Route> {
        self.snapshot
            .routes
            .iter()
            .find(|route| route.route_key == key)
    }

    pub fn integration_of(&self, route: &Route) -> Option<&Integration> {
        route
            .target
            .as_deref()
            .and_then(|target| target.strip_prefix("integrations/"))
            .and_then(|id| self.snapshot.integrations.get(id))
    }
}

/// How invoking a route's integration went.
#[derive(Debug)]
pub(super) enum Outcome {
    /// The function answered with this payload.
    Answered(Bytes),
    /// A MOCK integration: nothing to call.
    Mock,
    /// The integration could not answer; the client sees this status (or an error frame).
    Failed(StatusCode),
}

impl ApiGateway {
    /// Calls the route's integration with `event`, noting in `record` what happened; a failure
    /// is also logged with its reason.
    pub(super) async fn invoke_route(
        &self,
        connection: &Connection,
        target: &Target,
        route: &Route,
        event: Json,
        call: &mut IntegrationCall,
    ) -> Outcome {
        let outcome = self
            .call_integration(connection, target, route, event, call)
            .await;
        if let Outcome::Failed(status) = &outcome {
            tracing::warn!(
                api = %connection.api_id,
                stage = %connection.stage,
                route = %route.route_key,
                status = status.as_u16(),
                reason = call.error.as_deref().unwrap_or("no reason was recorded"),
                "a WebSocket route's integration failed"
            );
        }
        outcome
    }

    async fn call_integration(
        &self,
        connection: &Connection,
        target: &Target,
        route: &Route,
        event: Json,
        call: &mut IntegrationCall,
    ) -> Outcome {
        let Some(integration) = target.integration_of(route) else {
            call.error = Some(format!(
                "route {} has no integration to call",
                route.route_key
            ));
            return Outcome::Failed(StatusCode::INTERNAL_SERVER_ERROR);
        };
        call.integration = Some(integration.to_json());
        match integration.integration_type {
            IntegrationType::Mock => return Outcome::Mock,
            IntegrationType::AwsProxy => {}
            other => {
                call.error = Some(format!(
                    "{other} integrations on WebSocket routes are not supported by the sandbox"
                ));
                return Outcome::Failed(StatusCode::INTERNAL_SERVER_ERROR);
            }
        }
        let scope = &connection.scope;
        let uri = match stage_variables::substitute(
            integration.integration_uri.as_deref().unwrap_or_default(),
            &connection.stage,
            &connection.stage_variables,
        ) {
            Ok(uri) => uri,
            Err(unresolved) => {
                call.error = Some(unresolved.to_string());
                return Outcome::Failed(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}",
            scope.region, scope.account, connection.api_id, connection.stage, route.route_key
        );
        let function = match self.invocable_function(scope, &uri, &source_arn) {
            Ok(function) => function,
            Err(reason) => {
                call.error = Some(reason);
                return Outcome::Failed(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        let timeout = Duration::from_millis(u64::from(integration.timeout_millis));
        let invocation =
            self.lambda
                .invoke_direct(scope, &function, Bytes::from(event.to_string()), None);
        call.event = Some(event);
        let invoked = Instant::now();
        let result = tokio::time::timeout(timeout, invocation).await;
        call.integration_latency_ms = Some(invoked.elapsed().as_secs_f64() * 1000.0);
        match result {
            Err(_) => {
                call.error = Some(format!(
                    "the function did not answer within {} ms",
                    integration.timeout_millis
                ));
                Outcome::Failed(StatusCode::GATEWAY_TIMEOUT)
            }
            Ok(Err(error)) => {
                call.error = Some(error.message);
                Outcome::Failed(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Ok(Ok((answer, failed))) => {
                call.answer = Some(
                    serde_json::from_slice(&answer)
                        .unwrap_or_else(|_| json!(String::from_utf8_lossy(&answer))),
                );
                if failed {
                    call.error = Some(String::from_utf8_lossy(&answer).into_owned());
                    Outcome::Failed(StatusCode::BAD_GATEWAY)
                } else {
                    Outcome::Answered(answer)
                }
            }
        }
    }
}

/// What a two-way route sends back: the proxy answer's body (decoded when base64), or the whole
/// answer when it is not a proxy response.
pub(super) fn reply_of(answer: &[u8]) -> Option<Body> {
    match serde_json::from_slice::<Json>(answer) {
        Ok(Json::Object(response))
            if response.contains_key("statusCode") || response.contains_key("body") =>
        {
            let body = response.get("body")?.as_str()?;
            if response.get("isBase64Encoded").and_then(Json::as_bool) == Some(true) {
                BASE64.decode(body).ok().map(Body::Binary)
            } else {
                Some(Body::Text(body.to_owned()))
            }
        }
        Ok(Json::Null) => None,
        _ => Some(Body::Text(String::from_utf8_lossy(answer).into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_way_replies_are_the_proxy_body() {
        let reply = reply_of(br#"{"statusCode":200,"body":"hello!"}"#);
        assert!(matches!(reply, Some(Body::Text(text)) if text == "hello!"));
        let binary = reply_of(br#"{"statusCode":200,"body":"AAE=","isBase64Encoded":true}"#);
        assert!(matches!(binary, Some(Body::Binary(bytes)) if bytes == [0, 1]));
        assert!(reply_of(br#"{"statusCode":200}"#).is_none());
        assert!(reply_of(b"null").is_none());
        assert!(matches!(reply_of(br#""plain""#), Some(Body::Text(text)) if text == "\"plain\""));
    }
}
