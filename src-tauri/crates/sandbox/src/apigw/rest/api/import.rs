//! ImportRestApi (`POST /restapis?mode=import`) and PutRestApi (`PUT /restapis/{id}`, `merge`
//! or `overwrite`): a REST API from an OpenAPI or Swagger document.

use axum::http::StatusCode;

use super::rest_apis::blank_rest_api;
use crate::apigw::rest::import::{self, Imported};
use crate::apigw::rest::model::{EndpointConfiguration, EndpointType, RestApi};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

fn read(call: &Call) -> Result<Imported, AwsError> {
    import::read(&call.body)
        .map_err(|why| bad_request(format!("Errors found during import: {why}")))
}

/// The endpoint type the import asks for (`parameters[endpointConfigurationTypes]`).
fn endpoint_type(call: &Call) -> Result<Option<EndpointType>, AwsError> {
    let Some(text) = call
        .query("parameters[endpointConfigurationTypes]")
        .or(call.query("endpointConfigurationTypes"))
    else {
        return Ok(None);
    };
    EndpointType::parse(text).map(Some).ok_or_else(|| {
        bad_request(format!(
            "Invalid endpoint configuration type {text}: use REGIONAL, EDGE or PRIVATE"
        ))
    })
}

/// Puts what a document defines into `api`: its resources (placed under the root), its models
/// and its API-wide extensions.
fn apply(api: &mut RestApi, imported: Imported) {
    if let Some(description) = imported.description {
        api.description = Some(description);
    }
    if let Some(source) = imported.api_key_source {
        api.api_key_source = source;
    }
    api.binary_media_types.extend(imported.binary_media_types);
    api.models.extend(imported.models);
    api.request_validators.extend(
        imported
            .request_validators
            .into_iter()
            .map(|validator| (validator.id.clone(), validator)),
    );
    api.gateway_responses.extend(imported.gateway_responses);
    api.authorizers.extend(
        imported
            .authorizers
            .into_iter()
            .map(|authorizer| (authorizer.id.clone(), authorizer)),
    );
    let root = api.root_resource_id.clone();
    import::place(&mut api.resources, &root, imported.paths);
}

impl ApiGateway {
    pub(in crate::apigw) fn import_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        let imported = read(call)?;
        let name = imported
            .name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| bad_request("Errors found during import: the definition's info has no title, which names the API"))?;
        let mut api = blank_rest_api(name);
        if let Some(kind) = endpoint_type(call)? {
            api.endpoint_configuration = EndpointConfiguration {
                types: vec![kind],
                vpc_endpoint_ids: Vec::new(),
            };
        }
        apply(&mut api, imported);
        let region = self.rest_apis.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        self.persist_rest_api(scope, &api);
        let shown = api.to_json();
        apis.insert(api.id.clone(), api);
        Ok(Reply::created(shown))
    }

    pub(in crate::apigw) fn put_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        let imported = read(call)?;
        let overwrite = match call.query("mode").unwrap_or("merge") {
            "merge" => false,
            "overwrite" => true,
            other => {
                return Err(bad_request(format!(
                    "Invalid put mode {other}: use merge or overwrite"
                )));
            }
        };
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            if overwrite {
                // The definition replaces the resources and models; deployments and stages stay.
                let root = api
                    .resources
                    .get(&api.root_resource_id)
                    .cloned()
                    .ok_or_else(missing::resource)?;
                api.resources = std::iter::once((root.id.clone(), root))
                    .map(|(id, mut root)| {
                        root.methods.clear();
                        (id, root)
                    })
                    .collect();
                api.models = crate::apigw::rest::model::Model::defaults();
                api.request_validators.clear();
                api.gateway_responses.clear();
                api.authorizers.clear();
            }
            apply(api, imported);
            Ok(Reply::json(StatusCode::OK, api.to_json()))
        })
    }
}
