//! A WebSocket API's `$connect` authorization, run before the handshake completes: a Lambda
//! REQUEST authorizer gets the connect request (its headers, query string, stage variables and
//! `methodArn` `…/{stage}/$connect`) and answers with an IAM policy. A missing identity source
//! refuses the handshake with 401 without calling it, a policy that does not allow the route with
//! 403, a failure with 500; an allowed connection keeps the authorizer's `principalId` and
//! `context`, which every later event of the connection carries in
//! `requestContext.authorizer`. Decisions are cached by identity for the authorizer's TTL.

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use super::Connection;
use super::events;
use super::session::Handshake;
use crate::apigw::http::lambda_authorizer::{AuthorizerFailure, Decision, decide};
use crate::apigw::model::Authorizer;
use crate::apigw::{ApiGateway, identity_source};

impl ApiGateway {
    /// What `authorizer` decides about the handshake of `connection`.
    pub(super) async fn authorize_connect(
        &self,
        connection: &Connection,
        authorizer: &Authorizer,
        handshake: &Handshake<'_>,
        request_id: &str,
    ) -> Decision {
        let offered = identity_source::Offered {
            headers: handshake.headers,
            query: handshake.query,
            stage_variables: &connection.stage_variables,
        };
        let mut values = Vec::new();
        for source in &authorizer.identity_source {
            match identity_source::value(source, &offered) {
                Some(value) => values.push(value),
                None => {
                    return Decision::Refused {
                        status: StatusCode::UNAUTHORIZED,
                        reason: format!("the identity source {source} is missing"),
                    };
                }
            }
        }
        let ttl = authorizer.authorizer_result_ttl_in_seconds.unwrap_or(0);
        let cache_key = (ttl > 0 && !values.is_empty()).then(|| {
            format!(
                "{}/{}/{}",
                connection.api_id,
                authorizer.authorizer_id,
                values.join("\u{1f}")
            )
        });
        let method_arn = format!(
            "arn:aws:execute-api:{}:{}:{}/{}/$connect",
            connection.scope.region, connection.scope.account, connection.api_id, connection.stage
        );
        let mut event = events::connect(connection, handshake.headers, handshake.query, request_id);
        event["type"] = json!("REQUEST");
        event["methodArn"] = json!(method_arn);
        if let Some(fields) = event.as_object_mut() {
            fields.remove("isBase64Encoded");
        }
        let uri = authorizer.authorizer_uri.clone().unwrap_or_default();
        self.cached_or(cache_key, ttl, async {
            let called = self
                .invoke_authorizer(
                    &connection.scope,
                    &connection.api_id,
                    &authorizer.authorizer_id,
                    &uri,
                    &event,
                )
                .await;
            match called {
                // WebSocket authorizers answer with a policy: there are no simple responses.
                Ok(answer) => decide(&answer, false, &method_arn),
                Err(AuthorizerFailure::Raised(error)) => {
                    Decision::Failed(format!("the authorizer failed: {error}"))
                }
                Err(AuthorizerFailure::Broken(reason)) => Decision::Failed(reason),
            }
        })
        .await
    }
}

/// `requestContext.authorizer` of an allowed connection's events: its principal, the context the
/// authorizer returned and how long the authorizer took.
pub(super) fn request_context(
    principal: Option<&str>,
    context: &Map<String, Json>,
    latency_ms: u64,
) -> Json {
    let mut authorizer = context.clone();
    authorizer.insert("principalId".to_owned(), json!(principal.unwrap_or("")));
    authorizer.insert("integrationLatency".to_owned(), json!(latency_ms));
    Json::Object(authorizer)
}
