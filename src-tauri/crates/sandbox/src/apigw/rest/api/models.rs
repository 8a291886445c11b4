//! Models (JSON Schema draft 4 documents a method validates bodies against, and SDKs are
//! generated from) and request validators (what a method's validation checks): create, read,
//! list, update with patch operations, delete.

use axum::http::StatusCode;
use serde::Deserialize;

use super::{items, parse};
use crate::apigw::model::new_id;
use crate::apigw::rest::model::{Model, RequestValidator};
use crate::apigw::rest::{Answer, missing, patch};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

/// API Gateway's limit on a model's schema (400 KB).
const MAX_SCHEMA_BYTES: usize = 400 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelInput {
    name: Option<String>,
    description: Option<String>,
    schema: Option<String>,
    content_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidatorInput {
    name: Option<String>,
    #[serde(default)]
    validate_request_body: bool,
    #[serde(default)]
    validate_request_parameters: bool,
}

/// A schema must be a JSON object within API Gateway's size limit.
fn check_schema(schema: &str) -> Result<(), AwsError> {
    if schema.len() > MAX_SCHEMA_BYTES {
        return Err(bad_request(format!(
            "Invalid model schema specified: it is {} bytes, over the limit of 400 KB",
            schema.len()
        )));
    }
    match serde_json::from_str::<serde_json::Value>(schema) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(bad_request(
            "Invalid model schema specified: a schema is a JSON object",
        )),
        Err(error) => Err(bad_request(format!(
            "Invalid model schema specified: {error}"
        ))),
    }
}

impl ApiGateway {
    pub(in crate::apigw) fn create_model(&self, scope: &Scope, call: &Call) -> Answer {
        let input: ModelInput = parse(&call.body)?;
        let name = input
            .name
            .ok_or_else(|| bad_request("Model name must be non-empty"))?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad_request("Model name must be alphanumeric: [a-zA-Z0-9]+"));
        }
        let content_type = input.content_type.ok_or_else(|| {
            bad_request("Invalid model content type specified: contentType is required")
        })?;
        if let Some(schema) = &input.schema {
            check_schema(schema)?;
        }
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            if api.models.contains_key(&name) {
                return Err(conflict("Model name already exists for this REST API"));
            }
            let model = Model {
                id: new_id(6),
                name: name.clone(),
                description: input.description,
                schema: input.schema,
                content_type,
            };
            let shown = serde_json::to_value(&model).unwrap_or_default();
            api.models.insert(name, model);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_model(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let model = api
                .models
                .get(call.label("model_name"))
                .ok_or_else(missing::model)?;
            Ok(Reply::ok(serde_json::to_value(model).unwrap_or_default()))
        })
    }

    pub(in crate::apigw) fn get_models(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(items(
                api.models
                    .values()
                    .map(|model| serde_json::to_value(model).unwrap_or_default())
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn update_model(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 2] = ["/schema", "/description"];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let model = api
                .models
                .get_mut(call.label("model_name"))
                .ok_or_else(missing::model)?;
            patch::each(&call.body, |operation| {
                match operation.path.as_str() {
                    "/schema" => {
                        let schema = operation.value()?;
                        check_schema(schema)?;
                        model.schema = Some(schema.to_owned());
                    }
                    "/description" => {
                        model.description = operation.set_or_remove(&PATHS)?.map(str::to_owned);
                    }
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(serde_json::to_value(&*model).unwrap_or_default()))
        })
    }

    pub(in crate::apigw) fn delete_model(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let name = call.label("model_name");
            if !api.models.contains_key(name) {
                return Err(missing::model());
            }
            let in_use = api.resources.values().any(|resource| {
                resource.methods.values().any(|method| {
                    method.request_models.values().any(|model| model == name)
                        || method
                            .method_responses
                            .values()
                            .any(|response| response.response_models.values().any(|m| m == name))
                })
            });
            if in_use {
                return Err(conflict(format!(
                    "Cannot delete model '{name}', is referenced in method request or method response"
                )));
            }
            api.models.remove(name);
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }

    pub(in crate::apigw) fn create_request_validator(&self, scope: &Scope, call: &Call) -> Answer {
        let input: ValidatorInput = parse(&call.body)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let validator = RequestValidator {
                id: new_id(6),
                name: input.name,
                validate_request_body: input.validate_request_body,
                validate_request_parameters: input.validate_request_parameters,
            };
            let shown = serde_json::to_value(&validator).unwrap_or_default();
            api.request_validators
                .insert(validator.id.clone(), validator);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_request_validator(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let validator = api
                .request_validators
                .get(call.label("requestvalidator_id"))
                .ok_or_else(missing::request_validator)?;
            Ok(Reply::ok(
                serde_json::to_value(validator).unwrap_or_default(),
            ))
        })
    }

    pub(in crate::apigw) fn get_request_validators(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(items(
                api.request_validators
                    .values()
                    .map(|validator| serde_json::to_value(validator).unwrap_or_default())
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn update_request_validator(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 3] = [
            "/name",
            "/validateRequestBody",
            "/validateRequestParameters",
        ];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let validator = api
                .request_validators
                .get_mut(call.label("requestvalidator_id"))
                .ok_or_else(missing::request_validator)?;
            patch::each(&call.body, |operation| {
                match operation.path.as_str() {
                    "/name" => validator.name = operation.set_or_remove(&PATHS)?.map(str::to_owned),
                    "/validateRequestBody" => validator.validate_request_body = operation.flag()?,
                    "/validateRequestParameters" => {
                        validator.validate_request_parameters = operation.flag()?;
                    }
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(
                serde_json::to_value(&*validator).unwrap_or_default(),
            ))
        })
    }

    pub(in crate::apigw) fn delete_request_validator(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let id = call.label("requestvalidator_id");
            if api.request_validators.remove(id).is_none() {
                return Err(missing::request_validator());
            }
            for resource in api.resources.values_mut() {
                for method in resource.methods.values_mut() {
                    if method.request_validator_id.as_deref() == Some(id) {
                        method.request_validator_id = None;
                    }
                }
            }
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}
