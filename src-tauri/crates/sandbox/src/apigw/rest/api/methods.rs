//! Methods of a resource (who may call them, what they take) and their method responses (the
//! statuses, headers and models a method may answer with).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::{method_mut, method_of, parse, resource_mut};
use crate::apigw::rest::model::{AuthorizationType, HTTP_METHODS, Method, MethodResponse};
use crate::apigw::rest::patch::{self, Op};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodInput {
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    api_key_required: Option<bool>,
    operation_name: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    request_models: BTreeMap<String, String>,
    request_validator_id: Option<String>,
    #[serde(default)]
    authorization_scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MethodResponseInput {
    #[serde(default)]
    response_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    response_models: BTreeMap<String, String>,
}

/// The HTTP method a call's `http_method` label names, as API Gateway spells it.
pub(super) fn http_method(call: &Call) -> Result<String, AwsError> {
    let method = call.label("http_method").to_ascii_uppercase();
    if !HTTP_METHODS.contains(&method.as_str()) {
        return Err(bad_request(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        ));
    }
    Ok(method)
}

/// A status code a method or integration response may be keyed by: three digits, 1xx to 5xx.
pub(super) fn status_code(call: &Call) -> Result<String, AwsError> {
    let code = call.label("status_code");
    let valid = code.len() == 3
        && code.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&code.as_bytes()[0]);
    if !valid {
        return Err(bad_request(format!(
            "Invalid status code specified: {code}. It must be a three-digit HTTP status from 100 to 599"
        )));
    }
    Ok(code.to_owned())
}

fn authorization(text: &str) -> Result<AuthorizationType, AwsError> {
    AuthorizationType::parse(text).ok_or_else(|| {
        bad_request(format!(
            "Invalid authorization type specified: {text}. Valid values are NONE, AWS_IAM, CUSTOM and COGNITO_USER_POOLS"
        ))
    })
}

/// CUSTOM and COGNITO_USER_POOLS methods name an authorizer of the API, of the matching type.
fn check_authorizer(
    authorizers: &BTreeMap<String, crate::apigw::rest::model::Authorizer>,
    kind: AuthorizationType,
    authorizer: Option<&str>,
) -> Result<(), AwsError> {
    use crate::apigw::rest::model::AuthorizerType;
    let invalid = || {
        bad_request(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        )
    };
    let found = authorizer.and_then(|id| authorizers.get(id));
    match (kind, found) {
        (AuthorizationType::Custom, Some(a))
            if a.authorizer_type != AuthorizerType::CognitoUserPools =>
        {
            Ok(())
        }
        (AuthorizationType::CognitoUserPools, Some(a))
            if a.authorizer_type == AuthorizerType::CognitoUserPools =>
        {
            Ok(())
        }
        (AuthorizationType::Custom | AuthorizationType::CognitoUserPools, _) => Err(invalid()),
        _ => Ok(()),
    }
}

impl ApiGateway {
    pub(in crate::apigw) fn put_method(&self, scope: &Scope, call: &Call) -> Answer {
        let name = http_method(call)?;
        let input: PutMethodInput = parse(&call.body)?;
        let kind = authorization(
            input
                .authorization_type
                .as_deref()
                .ok_or_else(|| bad_request("Invalid input: authorizationType is required"))?,
        )?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            check_authorizer(&api.authorizers, kind, input.authorizer_id.as_deref())?;
            check_references(
                api,
                input.request_validator_id.as_deref(),
                input.request_models.values(),
            )?;
            let resource = resource_mut(api, call)?;
            if resource.methods.contains_key(&name) {
                return Err(conflict("Method already exists for this resource"));
            }
            let method = Method {
                http_method: name.clone(),
                authorization_type: kind,
                authorizer_id: input.authorizer_id,
                api_key_required: input.api_key_required.unwrap_or(false),
                request_validator_id: input.request_validator_id,
                operation_name: input.operation_name,
                request_parameters: input.request_parameters,
                request_models: input.request_models,
                authorization_scopes: input.authorization_scopes,
                method_responses: BTreeMap::new(),
                integration: None,
            };
            let shown = method.to_json();
            resource.methods.insert(name, method);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_method(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(Reply::ok(method_of(api, call)?.to_json()))
        })
    }

    pub(in crate::apigw) fn delete_method(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let name = call.label("http_method").to_ascii_uppercase();
            resource_mut(api, call)?
                .methods
                .remove(&name)
                .ok_or_else(missing::method)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        })
    }

    pub(in crate::apigw) fn update_method(&self, scope: &Scope, call: &Call) -> Answer {
        const ALLOWED: &[&str] = &[
            "/authorizationType",
            "/authorizerId",
            "/apiKeyRequired",
            "/operationName",
            "/requestParameters/{name}",
            "/requestModels/{contentType}",
            "/requestValidatorId",
        ];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let validators: Vec<String> = api.request_validators.keys().cloned().collect();
            let models: Vec<String> = api.models.keys().cloned().collect();
            let authorizers = api.authorizers.clone();
            let method = method_mut(api, call)?;
            patch::each(&call.body, |operation| {
                let segments = operation.segments();
                match (operation.op, segments.as_slice()) {
                    (Op::Replace, [member]) if member == "authorizationType" => {
                        let kind = authorization(operation.value()?)?;
                        check_authorizer(&authorizers, kind, method.authorizer_id.as_deref())?;
                        method.authorization_type = kind;
                    }
                    (_, [member]) if member == "authorizerId" => {
                        method.authorizer_id = operation.set_or_remove(ALLOWED)?.map(str::to_owned);
                        check_authorizer(
                            &authorizers,
                            method.authorization_type,
                            method.authorizer_id.as_deref(),
                        )?;
                    }
                    (Op::Replace, [member]) if member == "apiKeyRequired" => {
                        method.api_key_required = operation.flag()?;
                    }
                    (_, [member]) if member == "operationName" => {
                        method.operation_name =
                            operation.set_or_remove(ALLOWED)?.map(str::to_owned);
                    }
                    (_, [member, name]) if member == "requestParameters" => {
                        patch::map_entry(
                            &mut method.request_parameters,
                            name.clone(),
                            operation,
                            ALLOWED,
                            |value| Ok(value == "true"),
                        )?;
                    }
                    (_, [member, content_type]) if member == "requestModels" => {
                        patch::map_entry(
                            &mut method.request_models,
                            content_type.clone(),
                            operation,
                            ALLOWED,
                            |value| {
                                if models.iter().any(|model| model == value) {
                                    Ok(value.to_owned())
                                } else {
                                    Err(bad_request(format!(
                                        "Invalid model identifier specified: {value}"
                                    )))
                                }
                            },
                        )?;
                    }
                    (_, [member]) if member == "requestValidatorId" => {
                        let id = operation.set_or_remove(ALLOWED)?;
                        if let Some(id) = id
                            && !validators.iter().any(|known| known == id)
                        {
                            return Err(crate::apigw::rest::missing::request_validator());
                        }
                        method.request_validator_id = id.map(str::to_owned);
                    }
                    _ => return Err(operation.unsupported(ALLOWED)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(method.to_json()))
        })
    }

    pub(in crate::apigw) fn put_method_response(&self, scope: &Scope, call: &Call) -> Answer {
        let code = status_code(call)?;
        let input: MethodResponseInput = parse(&call.body)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let method = method_mut(api, call)?;
            let response = MethodResponse {
                status_code: code.clone(),
                response_parameters: input.response_parameters,
                response_models: input.response_models,
            };
            let shown = response.to_json();
            method.method_responses.insert(code, response);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_method_response(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let method = method_of(api, call)?;
            let response = method
                .method_responses
                .get(call.label("status_code"))
                .ok_or_else(missing::response)?;
            Ok(Reply::ok(response.to_json()))
        })
    }

    pub(in crate::apigw) fn delete_method_response(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            method_mut(api, call)?
                .method_responses
                .remove(call.label("status_code"))
                .ok_or_else(missing::response)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        })
    }
}

/// A method's validator and models must exist in its API.
fn check_references<'a>(
    api: &crate::apigw::rest::model::RestApi,
    validator: Option<&str>,
    mut models: impl Iterator<Item = &'a String>,
) -> Result<(), crate::wire::AwsError> {
    if let Some(id) = validator
        && !api.request_validators.contains_key(id)
    {
        return Err(crate::apigw::rest::missing::request_validator());
    }
    if let Some(model) = models.find(|model| !api.models.contains_key(*model)) {
        return Err(bad_request(format!(
            "Invalid model identifier specified: {model}"
        )));
    }
    Ok(())
}
