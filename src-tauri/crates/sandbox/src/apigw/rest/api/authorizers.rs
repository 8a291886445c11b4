//! A REST API's authorizers — Lambda functions given a token (`TOKEN`) or the request
//! (`REQUEST`), or Cognito user pools (`COGNITO_USER_POOLS`): create, read, list, update with
//! patch operations, delete (not while a method uses one). They are kept as API Gateway keeps
//! them; the data plane refuses the methods that use one, saying that it does not evaluate them.

use axum::http::StatusCode;
use serde::Deserialize;

use super::{items, parse};
use crate::apigw::model::new_id;
use crate::apigw::rest::model::{Authorizer, AuthorizerType};
use crate::apigw::rest::{Answer, missing, patch};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    #[serde(rename = "type")]
    authorizer_type: Option<String>,
    #[serde(rename = "providerARNs", default)]
    provider_arns: Vec<String>,
    auth_type: Option<String>,
    authorizer_uri: Option<String>,
    authorizer_credentials: Option<String>,
    identity_source: Option<String>,
    identity_validation_expression: Option<String>,
    authorizer_result_ttl_in_seconds: Option<i64>,
}

/// What each type needs, as API Gateway checks it.
fn check(authorizer: &Authorizer) -> Result<(), AwsError> {
    if !(0..=3600).contains(&authorizer.authorizer_result_ttl_in_seconds) {
        return Err(bad_request(
            "Invalid authorizer result TTL: it must be between 0 and 3600 seconds",
        ));
    }
    match authorizer.authorizer_type {
        AuthorizerType::Token | AuthorizerType::Request => {
            if authorizer.authorizer_uri.is_none() {
                return Err(bad_request(
                    "Invalid Authorizer URI specified: a TOKEN or REQUEST authorizer needs authorizerUri",
                ));
            }
            if authorizer.authorizer_type == AuthorizerType::Token
                && authorizer.identity_source.is_none()
            {
                return Err(bad_request(
                    "Invalid identity source specified: a TOKEN authorizer needs identitySource, e.g. method.request.header.Authorization",
                ));
            }
        }
        AuthorizerType::CognitoUserPools => {
            if authorizer.provider_arns.is_empty() {
                return Err(bad_request(
                    "Invalid providerARNs specified: a COGNITO_USER_POOLS authorizer needs the user pools' ARNs",
                ));
            }
        }
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn create_rest_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        let name = input
            .name
            .filter(|name| !name.is_empty())
            .ok_or_else(|| bad_request("Invalid authorizer name specified: a name is required"))?;
        let text = input.authorizer_type.unwrap_or_default();
        let authorizer_type = AuthorizerType::parse(&text).ok_or_else(|| {
            bad_request(format!(
                "Invalid authorizer type specified: {text}. Valid values are TOKEN, REQUEST and COGNITO_USER_POOLS"
            ))
        })?;
        let authorizer = Authorizer {
            id: new_id(6),
            name,
            authorizer_type,
            provider_arns: input.provider_arns,
            auth_type: input.auth_type,
            authorizer_uri: input.authorizer_uri,
            authorizer_credentials: input.authorizer_credentials,
            identity_source: input.identity_source,
            identity_validation_expression: input.identity_validation_expression,
            authorizer_result_ttl_in_seconds: input.authorizer_result_ttl_in_seconds.unwrap_or(300),
        };
        check(&authorizer)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            if api.authorizers.len() >= 10 {
                return Err(crate::wire::AwsError::new(
                    crate::apigw::NAMESPACE,
                    "LimitExceededException",
                    StatusCode::TOO_MANY_REQUESTS,
                    "An API can have at most 10 authorizers",
                ));
            }
            let shown = serde_json::to_value(&authorizer).unwrap_or_default();
            api.authorizers.insert(authorizer.id.clone(), authorizer);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_rest_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let authorizer = api
                .authorizers
                .get(call.label("authorizer_id"))
                .ok_or_else(missing::authorizer)?;
            Ok(Reply::ok(
                serde_json::to_value(authorizer).unwrap_or_default(),
            ))
        })
    }

    pub(in crate::apigw) fn get_rest_authorizers(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(items(
                api.authorizers
                    .values()
                    .map(|authorizer| serde_json::to_value(authorizer).unwrap_or_default())
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn update_rest_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 8] = [
            "/name",
            "/authorizerUri",
            "/authorizerCredentials",
            "/identitySource",
            "/identityValidationExpression",
            "/authorizerResultTtlInSeconds",
            "/providerARNs",
            "/type",
        ];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let mut authorizer = api
                .authorizers
                .get(call.label("authorizer_id"))
                .cloned()
                .ok_or_else(missing::authorizer)?;
            patch::each(&call.body, |operation| {
                let text = || {
                    operation
                        .set_or_remove(&PATHS)
                        .map(|v| v.map(str::to_owned))
                };
                match operation.path.as_str() {
                    "/name" => authorizer.name = operation.value()?.to_owned(),
                    "/authorizerUri" => authorizer.authorizer_uri = text()?,
                    "/authorizerCredentials" => authorizer.authorizer_credentials = text()?,
                    "/identitySource" => authorizer.identity_source = text()?,
                    "/identityValidationExpression" => {
                        authorizer.identity_validation_expression = text()?;
                    }
                    "/authorizerResultTtlInSeconds" => {
                        authorizer.authorizer_result_ttl_in_seconds = operation.number()?;
                    }
                    "/type" => {
                        let value = operation.value()?;
                        authorizer.authorizer_type =
                            AuthorizerType::parse(value).ok_or_else(|| {
                                bad_request(format!("Invalid authorizer type specified: {value}"))
                            })?;
                    }
                    path if path.starts_with("/providerARNs") => {
                        let arn = operation.value()?.to_owned();
                        match operation.op {
                            patch::Op::Add => authorizer.provider_arns.push(arn),
                            patch::Op::Remove => authorizer.provider_arns.retain(|a| a != &arn),
                            _ => return Err(operation.unsupported(&PATHS)),
                        }
                    }
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            check(&authorizer)?;
            let shown = serde_json::to_value(&authorizer).unwrap_or_default();
            api.authorizers.insert(authorizer.id.clone(), authorizer);
            Ok(Reply::ok(shown))
        })
    }

    pub(in crate::apigw) fn delete_rest_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let id = call.label("authorizer_id");
            if !api.authorizers.contains_key(id) {
                return Err(missing::authorizer());
            }
            let user = api.resources.iter().find_map(|(resource_id, resource)| {
                resource
                    .methods
                    .values()
                    .find(|method| method.authorizer_id.as_deref() == Some(id))
                    .map(|method| format!("{} {}", method.http_method, api.path_of(resource_id)))
            });
            if let Some(user) = user {
                return Err(conflict(format!(
                    "Cannot delete authorizer '{id}', is referenced in method: {user}"
                )));
            }
            api.authorizers.remove(id);
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}
