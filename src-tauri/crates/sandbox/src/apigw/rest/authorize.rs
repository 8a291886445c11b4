//! What a REST API method's authorizer lets in, evaluated as API Gateway does:
//! `COGNITO_USER_POOLS` (the token from the identity source, verified against the user pools the
//! authorizer names — an ID token, or an access token with one of the method's scopes; its
//! claims in `requestContext.authorizer.claims`), and Lambda `TOKEN` and `REQUEST` authorizers
//! (the identity checked first — missing, or not matching the validation expression, is a 401
//! without a call —, the function's IAM policy matched against the method's ARN, its error
//! `Unauthorized` a 401, its decision cached by identity for the TTL, its principal and context
//! in `requestContext.authorizer`).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use super::invoke::Selected;
use super::model::{Authorizer, AuthorizerType};
use super::refusal::{self, Refusal};
use crate::apigw::http::jwt;
use crate::apigw::http::lambda_authorizer::{self, AuthorizerFailure, Decision};
use crate::apigw::{ApiGateway, Incoming, identity_source};
use crate::store::Scope;

/// How many Lambda authorizer decisions are kept at most, across APIs.
const MAX_CACHED_DECISIONS: usize = 10_000;

/// What the authorizer decided: the `requestContext.authorizer` to pass on, or the refusal.
pub(super) type Verdict = Result<Json, Refusal>;

/// The values of a comma-separated identity source, or nothing when one is missing.
fn identity(
    authorizer: &Authorizer,
    incoming: &Incoming<'_>,
    selected: &Selected,
) -> Option<Vec<String>> {
    let offered = identity_source::Offered {
        headers: incoming.headers,
        query: incoming.query,
        stage_variables: &selected.variables,
    };
    authorizer
        .identity_source
        .as_deref()
        .unwrap_or("method.request.header.Authorization")
        .split(',')
        .map(|source| identity_source::value(source, &offered))
        .collect()
}

impl ApiGateway {
    /// Runs the method's authorizer; `trace.error` says why when it refuses.
    pub(super) async fn authorize_rest(
        &self,
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut crate::apigw::http::Trace,
    ) -> Verdict {
        let Some(authorizer) = &selected.authorizer else {
            trace.error = Some("the method's authorizer does not exist".to_owned());
            return Err(refusal::UNAUTHORIZED);
        };
        let refuse = |trace: &mut crate::apigw::http::Trace, reason: String, refusal: Refusal| {
            trace.authorizer = Some(json!({
                "type": authorizer.authorizer_type.to_string(), "decision": "refused",
                "reason": reason,
            }));
            trace.error = Some(format!("the authorizer refused: {reason}"));
            refusal
        };
        let Some(values) = identity(authorizer, incoming, selected) else {
            return Err(refuse(
                trace,
                "the identity source is missing".to_owned(),
                refusal::UNAUTHORIZED,
            ));
        };
        let verdict = if authorizer.authorizer_type == AuthorizerType::CognitoUserPools {
            self.check_pool_token(scope, authorizer, selected, &values[0])
                .map_err(|reason| (reason, refusal::UNAUTHORIZED))
        } else {
            if authorizer.authorizer_type == AuthorizerType::Token
                && let Some(expression) = &authorizer.identity_validation_expression
                && !regex_lite::Regex::new(&format!("^(?:{expression})$"))
                    .is_ok_and(|pattern| pattern.is_match(&values[0]))
            {
                return Err(refuse(
                    trace,
                    "the token does not match the identity validation expression".to_owned(),
                    refusal::UNAUTHORIZED,
                ));
            }
            let decision = self
                .lambda_decision(scope, selected, authorizer, incoming, request_id, &values)
                .await;
            match decision {
                Decision::Allowed { context, principal } => {
                    let mut passed: Map<String, Json> = context
                        .into_iter()
                        .map(|(name, value)| {
                            let text = value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned);
                            (name, json!(text))
                        })
                        .collect();
                    passed.insert(
                        "principalId".to_owned(),
                        json!(principal.unwrap_or_default()),
                    );
                    Ok(Json::Object(passed))
                }
                Decision::Refused { status, reason } if status == StatusCode::UNAUTHORIZED => {
                    Err((reason, refusal::UNAUTHORIZED))
                }
                Decision::Refused { reason, .. } if reason.contains("explicitly") => {
                    Err((reason, refusal::EXPLICIT_DENY))
                }
                Decision::Refused { reason, .. } => Err((reason, refusal::NOT_AUTHORIZED)),
                Decision::Failed(reason) => {
                    trace.authorizer = Some(json!({
                        "type": authorizer.authorizer_type.to_string(), "decision": "failed",
                        "reason": reason,
                    }));
                    return Err(refusal::failure(
                        trace,
                        StatusCode::INTERNAL_SERVER_ERROR,
                        reason,
                    ));
                }
            }
        };
        match verdict {
            Ok(context) => {
                trace.authorizer = Some(json!({
                    "type": authorizer.authorizer_type.to_string(), "decision": "allowed",
                    "context": context,
                }));
                Ok(context)
            }
            Err((reason, refusal)) => {
                let refused = refuse(trace, reason, refusal);
                // A user pool token's claims as presented explain a refusal (an `exp` gone
                // by, another pool): decoded, not verified, and said so.
                if authorizer.authorizer_type == AuthorizerType::CognitoUserPools
                    && let Some(claims) = crate::cognito::peek_claims(&values[0])
                    && let Some(decided) = trace.authorizer.as_mut()
                {
                    decided["claims"] = claims;
                    decided["note"] = json!(jwt::PRESENTED);
                }
                Err(refused)
            }
        }
    }

    /// A Cognito authorizer's check of `token`: issued by one of its pools, signed with that
    /// pool's key, unexpired; an ID token, or an access token with one of the method's scopes.
    fn check_pool_token(
        &self,
        scope: &Scope,
        authorizer: &Authorizer,
        selected: &Selected,
        token: &str,
    ) -> Result<Json, String> {
        let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
        let claims = crate::cognito::peek_claims(token).ok_or("the token is not a JWT")?;
        let issuer = claims["iss"].as_str().unwrap_or_default().to_owned();
        let pool_id = issuer.rsplit('/').next().unwrap_or_default().to_owned();
        if !authorizer
            .provider_arns
            .iter()
            .any(|arn| arn.ends_with(&format!("userpool/{pool_id}")))
        {
            return Err(format!(
                "the token's issuer {issuer} is not one of the authorizer's user pools"
            ));
        }
        let jwks = self
            .cognito()
            .and_then(|cognito| cognito.jwks(&scope.account, &pool_id))
            .ok_or_else(|| format!("the user pool {pool_id} is not in the sandbox"))?;
        let scopes = &selected.method.authorization_scopes;
        let wanted = if scopes.is_empty() { "id" } else { "access" };
        if claims["token_use"] != wanted {
            return Err(format!(
                "the method needs an {wanted} token{}",
                if scopes.is_empty() {
                    ""
                } else {
                    " with one of its scopes"
                }
            ));
        }
        let audience: Vec<String> = claims["aud"]
            .as_str()
            .or_else(|| claims["client_id"].as_str())
            .map(str::to_owned)
            .into_iter()
            .collect();
        let allowed = jwt::check(
            token,
            &jwks,
            &jwt::Expectations {
                issuer: &issuer,
                audience: &audience,
                scopes,
                now: crate::clock::now_millis() / 1000,
            },
        )
        .map_err(|refused| refused.reason)?;
        Ok(json!({"claims": allowed.claims}))
    }

    /// A Lambda authorizer's decision: from the cache while its TTL lasts, else from the
    /// function.
    async fn lambda_decision(
        &self,
        scope: &Scope,
        selected: &Selected,
        authorizer: &Authorizer,
        incoming: &Incoming<'_>,
        request_id: &str,
        values: &[String],
    ) -> Decision {
        let ttl = authorizer.authorizer_result_ttl_in_seconds;
        let key = (ttl > 0).then(|| {
            format!(
                "rest/{}/{}/{}",
                selected.api_id,
                authorizer.id,
                values.join("\u{1f}")
            )
        });
        let decide = async {
            let method_arn = Self::rest_source_arn(scope, selected, incoming.method.as_str());
            let mut event = if authorizer.authorizer_type == AuthorizerType::Token {
                json!({"type": "TOKEN", "authorizationToken": values[0], "methodArn": method_arn})
            } else {
                let mut event = Self::rest_event(scope, selected, incoming, request_id);
                event["type"] = json!("REQUEST");
                event["methodArn"] = json!(method_arn);
                event
            };
            if let Some(object) = event.as_object_mut() {
                object.remove("body");
            }
            let uri = authorizer.authorizer_uri.clone().unwrap_or_default();
            let called = self
                .invoke_authorizer(scope, &selected.api_id, &authorizer.id, &uri, &event)
                .await;
            match called {
                Ok(answer) => lambda_authorizer::decide(&answer, false, &method_arn),
                // The classic way to say no: `raise Exception('Unauthorized')`.
                Err(AuthorizerFailure::Raised(error))
                    if error["errorMessage"] == "Unauthorized" =>
                {
                    Decision::Refused {
                        status: StatusCode::UNAUTHORIZED,
                        reason: "the authorizer answered Unauthorized".to_owned(),
                    }
                }
                Err(AuthorizerFailure::Raised(error)) => {
                    Decision::Failed(format!("the authorizer failed: {error}"))
                }
                Err(AuthorizerFailure::Broken(reason)) => Decision::Failed(reason),
            }
        };
        self.cached_or(key, ttl, decide).await
    }

    /// A Lambda authorizer's decision kept for its TTL, if one is.
    pub(in crate::apigw) fn cached_decision(&self, key: &str) -> Option<Decision> {
        let cache = self
            .authorizer_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache
            .get(key)
            .filter(|(until, _)| *until > Instant::now())
            .map(|(_, decision)| decision.clone())
    }

    /// Keeps a Lambda authorizer's decision for `ttl`.
    pub(in crate::apigw) fn cache_decision(&self, key: String, ttl: Duration, decision: &Decision) {
        let mut cache = self
            .authorizer_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, (until, _)| *until > Instant::now());
        // Bounded: past the cap, a new identity is decided again next time instead of kept.
        if cache.len() < MAX_CACHED_DECISIONS {
            cache.insert(key, (Instant::now() + ttl, decision.clone()));
        }
    }
}
