//! REST APIs: create (with their root resource `/`), read, list, update, delete; and the tags
//! of REST APIs and their stages.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::parse;
use crate::apigw::model::new_id;
use crate::apigw::rest::model::{
    ApiKeySource, EndpointConfiguration, EndpointType, Resource, RestApi, now_seconds,
};
use crate::apigw::rest::patch::{self, Op};
use crate::apigw::rest::{Answer, api_missing, missing};
use crate::apigw::{ApiGateway, bad_request};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    clone_from: Option<String>,
    #[serde(default)]
    binary_media_types: Vec<String>,
    minimum_compression_size: Option<i64>,
    api_key_source: Option<ApiKeySource>,
    endpoint_configuration: Option<EndpointConfiguration>,
    policy: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    disable_execute_api_endpoint: Option<bool>,
}

#[derive(Deserialize)]
struct TagsInput {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The largest body API Gateway compresses responses above (10 MiB).
const MAX_COMPRESSION_SIZE: i64 = 10 * 1024 * 1024;

fn check_compression_size(size: i64) -> Result<(), crate::wire::AwsError> {
    if !(0..=MAX_COMPRESSION_SIZE).contains(&size) {
        return Err(bad_request(format!(
            "Invalid minimum compression size {size}: it must be between 0 and {MAX_COMPRESSION_SIZE}"
        )));
    }
    Ok(())
}

fn check_endpoint_configuration(
    configuration: &EndpointConfiguration,
) -> Result<(), crate::wire::AwsError> {
    if configuration.types.len() != 1 {
        return Err(bad_request(
            "Invalid endpoint configuration: exactly one endpoint type must be specified",
        ));
    }
    Ok(())
}

/// A new REST API with nothing but its root resource `/` and API Gateway's default models, edge
/// optimized and reading API keys from the `x-api-key` header.
pub(super) fn blank_rest_api(name: String) -> RestApi {
    let root = Resource {
        id: new_id(10),
        parent_id: None,
        path_part: None,
        methods: BTreeMap::new(),
    };
    RestApi {
        id: new_id(10),
        name,
        description: None,
        created_date: now_seconds(),
        version: None,
        binary_media_types: Vec::new(),
        minimum_compression_size: None,
        api_key_source: ApiKeySource::Header,
        endpoint_configuration: EndpointConfiguration {
            types: vec![EndpointType::Edge],
            vpc_endpoint_ids: Vec::new(),
        },
        policy: None,
        tags: BTreeMap::new(),
        disable_execute_api_endpoint: false,
        root_resource_id: root.id.clone(),
        resources: BTreeMap::from([(root.id.clone(), root)]),
        deployments: BTreeMap::new(),
        stages: BTreeMap::new(),
        models: crate::apigw::rest::model::Model::defaults(),
        request_validators: BTreeMap::new(),
        authorizers: BTreeMap::new(),
        gateway_responses: BTreeMap::new(),
    }
}

impl ApiGateway {
    pub(in crate::apigw) fn create_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        // ImportRestApi shares CreateRestApi's request line: `POST /restapis?mode=import`.
        if call.query("mode") == Some("import") {
            return self.import_rest_api(scope, call);
        }
        let input: CreateInput = parse(&call.body)?;
        let name = input
            .name
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| bad_request("Invalid REST API name specified: a name is required"))?;
        if let Some(size) = input.minimum_compression_size {
            check_compression_size(size)?;
        }
        if let Some(configuration) = &input.endpoint_configuration {
            check_endpoint_configuration(configuration)?;
        }
        let region = self.rest_apis.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        let cloned = match &input.clone_from {
            Some(source) => Some(
                apis.get(source)
                    .cloned()
                    .ok_or_else(|| api_missing(scope, source))?,
            ),
            None => None,
        };
        let mut api = blank_rest_api(name);
        api.description = input.description;
        api.version = input.version;
        api.binary_media_types = input.binary_media_types;
        api.minimum_compression_size = input.minimum_compression_size;
        api.api_key_source = input.api_key_source.unwrap_or(ApiKeySource::Header);
        if let Some(configuration) = input.endpoint_configuration {
            api.endpoint_configuration = configuration;
        }
        api.policy = input.policy;
        api.tags = input.tags;
        api.disable_execute_api_endpoint = input.disable_execute_api_endpoint.unwrap_or(false);
        if let Some(source) = cloned {
            // A clone has the source's resources and methods, not its deployments or stages.
            api.root_resource_id = source.root_resource_id;
            api.resources = source.resources;
            api.models = source.models;
            api.request_validators = source.request_validators;
        }
        self.persist_rest_api(scope, &api);
        let shown = api.to_json();
        apis.insert(api.id.clone(), api);
        Ok(Reply::created(shown))
    }

    pub(in crate::apigw) fn get_rest_apis(&self, scope: &Scope, call: &Call) -> Answer {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let mut listed: Vec<&RestApi> = apis.values().collect();
        listed.sort_by(|a, b| (a.created_date, &a.id).cmp(&(b.created_date, &b.id)));
        let start = match call.query("position") {
            Some(position) => listed
                .iter()
                .position(|api| api.id == position)
                .ok_or_else(|| bad_request("Invalid position parameter"))?,
            None => 0,
        };
        let limit = match call.query("limit") {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=500).contains(limit))
                .ok_or_else(|| bad_request("Invalid limit: it must be between 1 and 500"))?,
            None => 25,
        };
        let page: Vec<_> = listed.iter().skip(start).take(limit).collect();
        let mut body = json!({ "item": page.iter().map(|api| api.to_json()).collect::<Vec<_>>() });
        if let Some(next) = listed.get(start + limit) {
            body["position"] = json!(next.id);
        }
        Ok(Reply::ok(body))
    }

    pub(in crate::apigw) fn get_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(Reply::ok(api.to_json()))
        })
    }

    pub(in crate::apigw) fn update_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        const ALLOWED: &[&str] = &[
            "/name",
            "/description",
            "/version",
            "/apiKeySource",
            "/minimumCompressionSize",
            "/disableExecuteApiEndpoint",
            "/policy",
            "/binaryMediaTypes/{type}",
            "/endpointConfiguration/types/{type}",
        ];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            patch::each(&call.body, |operation| {
                let segments = operation.segments();
                let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
                let value = || operation.set_or_remove(ALLOWED);
                match (operation.op, segments.as_slice()) {
                    (Op::Replace, ["name"]) => api.name = operation.value()?.to_owned(),
                    (_, ["description"]) => api.description = value()?.map(str::to_owned),
                    (_, ["version"]) => api.version = value()?.map(str::to_owned),
                    (_, ["policy"]) => api.policy = value()?.map(str::to_owned),
                    (Op::Replace, ["apiKeySource"]) => {
                        api.api_key_source = ApiKeySource::parse(operation.value()?)
                            .ok_or_else(|| operation.unsupported(ALLOWED))?;
                    }
                    (_, ["minimumCompressionSize"]) => {
                        api.minimum_compression_size = match value()? {
                            Some(_) => {
                                let size = operation.number::<i64>()?;
                                check_compression_size(size)?;
                                Some(size)
                            }
                            None => None,
                        };
                    }
                    (Op::Replace, ["disableExecuteApiEndpoint"]) => {
                        api.disable_execute_api_endpoint = operation.flag()?;
                    }
                    (Op::Add, ["binaryMediaTypes", kind]) => {
                        if !api.binary_media_types.iter().any(|known| known == kind) {
                            api.binary_media_types.push((*kind).to_owned());
                        }
                    }
                    (Op::Remove, ["binaryMediaTypes", kind]) => {
                        api.binary_media_types.retain(|known| known != kind);
                    }
                    (Op::Replace, ["endpointConfiguration", "types", old]) => {
                        let new = EndpointType::parse(operation.value()?)
                            .ok_or_else(|| operation.unsupported(ALLOWED))?;
                        let types = &mut api.endpoint_configuration.types;
                        let slot = types
                            .iter_mut()
                            .find(|kind| kind.as_str() == *old)
                            .ok_or_else(|| operation.unsupported(ALLOWED))?;
                        *slot = new;
                    }
                    _ => return Err(operation.unsupported(ALLOWED)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(api.to_json()))
        })
    }

    pub(in crate::apigw) fn delete_rest_api(&self, scope: &Scope, call: &Call) -> Answer {
        let id = call.label("restapi_id");
        let region = self.rest_apis.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        if apis.remove(id).is_none() {
            return Err(api_missing(scope, id));
        }
        self.persist_rest_api_deletion(scope, id);
        Ok(Reply::empty(StatusCode::ACCEPTED))
    }

    /// The REST API (and stage, for a stage's ARN) an ARN names: `arn:aws:apigateway:{region}::
    /// /restapis/{id}` or `…/restapis/{id}/stages/{name}`.
    fn tag_target(arn: &str) -> Option<(String, Option<String>)> {
        let path = arn.split_once("::/restapis/")?.1;
        let mut parts = path.split('/');
        let id = parts.next()?.to_owned();
        match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => Some((id, None)),
            (Some("stages"), Some(stage), None) => Some((id, Some(stage.to_owned()))),
            _ => None,
        }
    }

    /// Changes the tags of the REST API or stage `call`'s ARN names.
    fn change_tags(
        &self,
        scope: &Scope,
        call: &Call,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), crate::wire::AwsError>,
    ) -> Answer {
        let arn = call.label("resource_arn");
        let (id, stage) = Self::tag_target(arn)
            .ok_or_else(|| bad_request("Invalid ARN specified in the request"))?;
        self.change_rest_api(scope, &id, |api| {
            let tags = match &stage {
                Some(stage) => &mut api.stages.get_mut(stage).ok_or_else(missing::stage)?.tags,
                None => &mut api.tags,
            };
            change(tags)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        })
    }

    pub(in crate::apigw) fn tag_rest_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let input: TagsInput = parse(&call.body)?;
        self.change_tags(scope, call, |tags| {
            for (key, value) in input.tags {
                if key.is_empty() || key.len() > 128 || value.len() > 256 {
                    return Err(bad_request(format!(
                        "Invalid tag {key}: keys are 1 to 128 characters and values at most 256"
                    )));
                }
                tags.insert(key, value);
            }
            if tags.len() > 50 {
                return Err(bad_request("A resource can have at most 50 tags"));
            }
            Ok(())
        })
    }

    pub(in crate::apigw) fn untag_rest_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let keys = call.query_all("tagKeys");
        self.change_tags(scope, call, |tags| {
            for key in &keys {
                tags.remove(key);
            }
            Ok(())
        })
    }

    pub(in crate::apigw) fn get_rest_tags(&self, scope: &Scope, call: &Call) -> Answer {
        let arn = call.label("resource_arn");
        let (id, stage) = Self::tag_target(arn)
            .ok_or_else(|| bad_request("Invalid ARN specified in the request"))?;
        self.read_rest_api(scope, &id, |api| {
            let tags = match &stage {
                Some(stage) => &api.stages.get(stage).ok_or_else(missing::stage)?.tags,
                None => &api.tags,
            };
            Ok(Reply::ok(json!({ "tags": tags })))
        })
    }
}
