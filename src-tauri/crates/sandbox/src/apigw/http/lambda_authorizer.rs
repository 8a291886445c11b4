//! An HTTP API's Lambda ("REQUEST") authorizer, run as API Gateway runs it: a request missing
//! any of the identity sources is refused with 401 without calling the function; otherwise the
//! function gets the authorizer event of its payload version (2.0: `routeArn`, `identitySource`
//! as a list; 1.0: `methodArn`, `identitySource` as one string) and answers either simply
//! (`isAuthorized`) or with an IAM policy whose `execute-api:Invoke` statements are matched
//! against the route's ARN (a Deny wins). Its `context` reaches the integration. With a TTL and
//! identity sources, decisions are cached by the identity's values.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use super::{Incoming, Selected};
use crate::apigw::model::Authorizer;
use crate::apigw::{ApiGateway, event, identity_source};
use crate::store::Scope;

/// What the authorizer decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Let in, with the context the function returned (and its principal, for a policy).
    Allowed {
        context: Map<String, Json>,
        principal: Option<String>,
    },
    /// 401 (an identity source missing) or 403 (the function said no); the reason for the feed.
    Refused { status: StatusCode, reason: String },
    /// The function failed or answered something API Gateway cannot read: a 500.
    Failed(String),
}

impl Decision {
    /// `requestContext.authorizer` of an integration payload of `version`.
    pub fn context(&self, version: &str) -> Option<Json> {
        let Self::Allowed { context, principal } = self else {
            return None;
        };
        Some(if version == "1.0" {
            let mut inner = context.clone();
            if let Some(principal) = principal {
                inner.insert("principalId".to_owned(), json!(principal));
            }
            Json::Object(inner)
        } else {
            json!({"lambda": context})
        })
    }
}

/// The values of the authorizer's identity sources, or the first missing one.
fn identity(
    authorizer: &Authorizer,
    incoming: &Incoming<'_>,
    selected: &Selected,
) -> Result<Vec<String>, String> {
    let offered = identity_source::Offered {
        headers: incoming.headers,
        query: incoming.query,
        stage_variables: &selected.stage_variables,
    };
    authorizer
        .identity_source
        .iter()
        .map(|source| {
            identity_source::value(source, &offered)
                .ok_or_else(|| format!("the identity source {source} is missing"))
        })
        .collect()
}

/// Whether the ARN `pattern` (with `*` and `?` wildcards) covers `arn`.
fn covers(pattern: &str, arn: &str) -> bool {
    crate::iam::evaluate::matches(pattern, arn)
}

/// Reads the function's answer: a simple one, or an IAM policy for `route_arn`.
pub(in crate::apigw) fn decide(answer: &Json, simple: bool, route_arn: &str) -> Decision {
    let context = answer["context"].as_object().cloned().unwrap_or_default();
    if simple {
        return match answer["isAuthorized"].as_bool() {
            Some(true) => Decision::Allowed {
                context,
                principal: None,
            },
            Some(false) => Decision::Refused {
                status: StatusCode::FORBIDDEN,
                reason: "the authorizer answered isAuthorized: false".to_owned(),
            },
            None => Decision::Failed(
                "the authorizer's simple response has no boolean isAuthorized".to_owned(),
            ),
        };
    }
    let Some(statements) = answer["policyDocument"]["Statement"].as_array() else {
        return Decision::Failed(
            "the authorizer's answer has no policyDocument.Statement".to_owned(),
        );
    };
    let listed = crate::iam::evaluate::strings;
    let applies = |statement: &Json| {
        listed(&statement["Action"])
            .iter()
            .any(|action| covers(action, "execute-api:Invoke"))
            && listed(&statement["Resource"])
                .iter()
                .any(|resource| covers(resource, route_arn))
    };
    let effect = |wanted: &str| {
        statements
            .iter()
            .any(|statement| statement["Effect"] == wanted && applies(statement))
    };
    if effect("Deny") {
        return Decision::Refused {
            status: StatusCode::FORBIDDEN,
            reason: "the authorizer's policy denies the route explicitly".to_owned(),
        };
    }
    if !effect("Allow") {
        return Decision::Refused {
            status: StatusCode::FORBIDDEN,
            reason: "the authorizer's policy does not allow the route".to_owned(),
        };
    }
    Decision::Allowed {
        context,
        principal: answer["principalId"].as_str().map(str::to_owned),
    }
}

impl ApiGateway {
    /// Runs the route's Lambda authorizer on a request (or answers from its cache).
    pub(super) async fn authorize_with_lambda(
        &self,
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> Decision {
        let Some(authorizer) = &selected.authorizer else {
            return Decision::Refused {
                status: StatusCode::UNAUTHORIZED,
                reason:
                    "the route's authorizer is not in the stage's deployment: deploy the API again"
                        .to_owned(),
            };
        };
        let values = match identity(authorizer, incoming, selected) {
            Ok(values) => values,
            Err(reason) => {
                return Decision::Refused {
                    status: StatusCode::UNAUTHORIZED,
                    reason,
                };
            }
        };
        let ttl = authorizer.authorizer_result_ttl_in_seconds.unwrap_or(0);
        let cache_key = (ttl > 0 && !values.is_empty()).then(|| {
            format!(
                "{}/{}/{}",
                selected.api_id,
                authorizer.authorizer_id,
                values.join("\u{1f}")
            )
        });
        self.cached_or(
            cache_key,
            ttl,
            self.call_authorizer(scope, selected, authorizer, incoming, request_id, &values),
        )
        .await
    }

    async fn call_authorizer(
        &self,
        scope: &Scope,
        selected: &Selected,
        authorizer: &Authorizer,
        incoming: &Incoming<'_>,
        request_id: &str,
        values: &[String],
    ) -> Decision {
        let route_arn = selected.route_arn(scope);
        let request = event::Request {
            scope,
            api_id: &selected.api_id,
            stage: &selected.stage,
            route_key: &selected.route.route_key,
            path: incoming.path,
            route_path: &selected.route_path,
            query: incoming.query,
            method: incoming.method.as_str(),
            headers: incoming.headers,
            body: &Bytes::new(),
            path_parameters: &selected.parameters,
            stage_variables: &selected.stage_variables,
            request_id,
        };
        let version = authorizer
            .authorizer_payload_format_version
            .as_deref()
            .unwrap_or("2.0");
        let mut payload = if version == "1.0" {
            let mut payload = event::version_1(&request);
            payload["methodArn"] = json!(route_arn);
            payload["identitySource"] = json!(values.join(","));
            payload
        } else {
            let mut payload = event::version_2(&request);
            payload["routeArn"] = json!(route_arn);
            payload["identitySource"] = json!(values);
            payload
        };
        payload["type"] = json!("REQUEST");
        if let Some(object) = payload.as_object_mut() {
            object.remove("body");
            object.remove("isBase64Encoded");
        }
        let uri = authorizer.authorizer_uri.clone().unwrap_or_default();
        let called = self
            .invoke_authorizer(
                scope,
                &selected.api_id,
                &authorizer.authorizer_id,
                &uri,
                &payload,
            )
            .await;
        match called {
            Ok(answer) => decide(
                &answer,
                authorizer.enable_simple_responses.unwrap_or(false),
                &route_arn,
            ),
            Err(AuthorizerFailure::Raised(error)) => {
                Decision::Failed(format!("the authorizer failed: {error}"))
            }
            Err(AuthorizerFailure::Broken(reason)) => Decision::Failed(reason),
        }
    }
}

/// Why an authorizer's function gave no answer.
#[derive(Debug)]
pub(in crate::apigw) enum AuthorizerFailure {
    /// It failed, with this error payload.
    Raised(Json),
    /// It could not be called, took too long, or answered something other than JSON.
    Broken(String),
}

impl ApiGateway {
    /// Calls the function `uri` names for authorizer `authorizer_id` of API `api_id` (its
    /// permission checked for `…/authorizers/{id}`), waiting API Gateway's 10 seconds.
    pub(in crate::apigw) async fn invoke_authorizer(
        &self,
        scope: &Scope,
        api_id: &str,
        authorizer_id: &str,
        uri: &str,
        event: &Json,
    ) -> Result<Json, AuthorizerFailure> {
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:{api_id}/authorizers/{authorizer_id}",
            scope.region, scope.account
        );
        let function = self
            .invocable_function(scope, uri, &source_arn)
            .map_err(|reason| AuthorizerFailure::Broken(format!("the authorizer: {reason}")))?;
        let invocation =
            self.lambda
                .invoke_direct(scope, &function, Bytes::from(event.to_string()), None);
        let broken = |reason: String| Err(AuthorizerFailure::Broken(reason));
        match tokio::time::timeout(Duration::from_secs(10), invocation).await {
            Err(_) => broken(format!(
                "the authorizer {function} did not answer within 10 seconds"
            )),
            Ok(Err(error)) => broken(format!(
                "invoking the authorizer {function} failed: {}: {}",
                error.code, error.message
            )),
            Ok(Ok((answer, failed))) => match serde_json::from_slice::<Json>(&answer) {
                Ok(error) if failed => Err(AuthorizerFailure::Raised(error)),
                Ok(answer) => Ok(answer),
                Err(_) => broken(format!("the authorizer {function} did not answer JSON")),
            },
        }
    }

    /// A Lambda authorizer's decision for an identity (`key`): the one kept while its TTL
    /// lasts, else what `decide` comes to — kept for `ttl` seconds unless it failed.
    pub(in crate::apigw) async fn cached_or(
        &self,
        key: Option<String>,
        ttl: i64,
        decide: impl std::future::Future<Output = Decision>,
    ) -> Decision {
        if let Some(key) = &key
            && let Some(decision) = self.cached_decision(key)
        {
            return decision;
        }
        let decision = decide.await;
        if let Some(key) = key
            && !matches!(decision, Decision::Failed(_))
        {
            self.cache_decision(key, Duration::from_secs(ttl.unsigned_abs()), &decision);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items";

    #[test]
    fn resources_match_with_wildcards() {
        assert!(covers(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*",
            ARN
        ));
        assert!(covers("arn:aws:execute-api:*:*:abc123/prod/GET/*", ARN));
        assert!(covers(ARN, ARN));
        assert!(!covers(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/*",
            ARN
        ));
        assert!(covers("execute-api:*", "execute-api:Invoke"));
    }

    #[test]
    fn a_policy_allows_denies_or_says_nothing() {
        let policy = |effect: &str, resource: &str| {
            json!({
                "principalId": "user-1",
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
                ]},
                "context": {"tier": "gold"},
            })
        };
        let allowed = decide(&policy("Allow", "arn:aws:execute-api:*"), false, ARN);
        assert_eq!(
            allowed.context("2.0"),
            Some(json!({"lambda": {"tier": "gold"}}))
        );
        assert_eq!(
            allowed.context("1.0"),
            Some(json!({"tier": "gold", "principalId": "user-1"}))
        );
        assert!(matches!(
            decide(&policy("Deny", "*"), false, ARN),
            Decision::Refused {
                status: StatusCode::FORBIDDEN,
                ..
            }
        ));
        assert!(matches!(
            decide(
                &policy("Allow", "arn:aws:execute-api:*:*:other/*"),
                false,
                ARN
            ),
            Decision::Refused {
                status: StatusCode::FORBIDDEN,
                ..
            }
        ));
        assert!(matches!(
            decide(&json!({}), false, ARN),
            Decision::Failed(_)
        ));
    }

    #[test]
    fn a_simple_response_says_yes_or_no() {
        let yes = decide(
            &json!({"isAuthorized": true, "context": {"a": 1}}),
            true,
            ARN,
        );
        assert_eq!(yes.context("2.0"), Some(json!({"lambda": {"a": 1}})));
        assert!(matches!(
            decide(&json!({"isAuthorized": false}), true, ARN),
            Decision::Refused {
                status: StatusCode::FORBIDDEN,
                ..
            }
        ));
        assert!(matches!(
            decide(&json!({"ok": 1}), true, ARN),
            Decision::Failed(_)
        ));
    }
}
