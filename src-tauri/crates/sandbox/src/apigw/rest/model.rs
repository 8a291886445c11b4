//! What a REST API is made of — a tree of resources, each with methods, their integrations and
//! responses; deployments (snapshots of the tree) and the stages that serve them — stored as
//! API Gateway v1 writes it in its responses (camelCase members, dates in epoch seconds), so
//! most of it is rendered by serializing it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::apigw::model::aws_enum;

aws_enum!(
    /// What a method's integration calls: a function as a proxy (`AWS_PROXY`), an AWS service
    /// or function with mappings (`AWS`), an HTTP backend with or without mappings, or nothing.
    IntegrationType {
        AwsProxy = "AWS_PROXY",
        Aws = "AWS",
        HttpProxy = "HTTP_PROXY",
        Http = "HTTP",
        Mock = "MOCK",
    }
);

aws_enum!(
    /// Who may call a method.
    AuthorizationType {
        None = "NONE",
        AwsIam = "AWS_IAM",
        Custom = "CUSTOM",
        CognitoUserPools = "COGNITO_USER_POOLS",
    }
);

aws_enum!(
    /// What a non-proxy integration does with a request whose content type has no template.
    PassthroughBehavior {
        WhenNoMatch = "WHEN_NO_MATCH",
        WhenNoTemplates = "WHEN_NO_TEMPLATES",
        Never = "NEVER",
    }
);

aws_enum!(
    /// Where API Gateway reads a request's API key.
    ApiKeySource { Header = "HEADER", Authorizer = "AUTHORIZER" }
);

aws_enum!(
    /// How a REST API is reached.
    EndpointType { Regional = "REGIONAL", Edge = "EDGE", Private = "PRIVATE" }
);

/// The methods API Gateway lets a resource have.
pub const HTTP_METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    pub types: Vec<EndpointType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpc_endpoint_ids: Vec<String>,
}

/// A REST API with everything in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: ApiKeySource,
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
    pub resources: BTreeMap<String, Resource>,
    pub deployments: BTreeMap<String, Deployment>,
    pub stages: BTreeMap<String, Stage>,
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Request validators by id.
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// Authorizers by id.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
}

impl RestApi {
    /// The API as GetRestApi answers it: without the resources, deployments, stages, models
    /// and validators it is stored with, which have operations of their own.
    pub fn to_json(&self) -> Json {
        without(
            self,
            &[
                "resources",
                "deployments",
                "stages",
                "models",
                "requestValidators",
            ],
        )
    }

    /// The full path of the resource `id` (`/`, `/items`, `/items/{id}`).
    pub fn path_of(&self, id: &str) -> String {
        path_in(&self.resources, id)
    }
}

/// `value` as JSON without the members `hidden`.
fn without(value: &impl Serialize, hidden: &[&str]) -> Json {
    let mut out = serde_json::to_value(value).unwrap_or(Json::Null);
    if let Some(members) = out.as_object_mut() {
        for member in hidden {
            members.remove(*member);
        }
    }
    out
}

/// The full path of resource `id` in `resources`, built from its ancestors' path parts.
pub fn path_in(resources: &BTreeMap<String, Resource>, id: &str) -> String {
    let mut parts = Vec::new();
    let mut current = resources.get(id);
    // A tree is never deeper than it has resources, whatever a stored definition says.
    for _ in 0..=resources.len() {
        let Some(resource) = current else { break };
        match (&resource.parent_id, &resource.path_part) {
            (Some(parent), Some(part)) => {
                parts.push(part.as_str());
                current = resources.get(parent);
            }
            _ => break,
        }
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// A node of the resource tree: the root (`/`, no parent) or a path part under its parent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    pub parent_id: Option<String>,
    pub path_part: Option<String>,
    #[serde(default)]
    pub methods: BTreeMap<String, Method>,
}

impl Resource {
    /// The resource as GetResource(s) answers it: its methods in full with `embed=methods`,
    /// otherwise as empty objects naming them.
    pub fn to_json(&self, path: &str, embed_methods: bool) -> Json {
        let mut out = json!({ "id": self.id, "path": path });
        if let Some(parent) = &self.parent_id {
            out["parentId"] = json!(parent);
        }
        if let Some(part) = &self.path_part {
            out["pathPart"] = json!(part);
        }
        if !self.methods.is_empty() {
            let methods: serde_json::Map<String, Json> = self
                .methods
                .iter()
                .map(|(name, method)| {
                    let shown = if embed_methods {
                        method.to_json()
                    } else {
                        json!({})
                    };
                    (name.clone(), shown)
                })
                .collect();
            out["resourceMethods"] = Json::Object(methods);
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: String,
    pub authorization_type: AuthorizationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_models: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(
        default,
        rename = "methodIntegration",
        skip_serializing_if = "Option::is_none"
    )]
    pub integration: Option<Integration>,
}

impl Method {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_models: BTreeMap<String, String>,
}

impl MethodResponse {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub integration_type: IntegrationType,
    /// The method the integration calls its backend with (`integrationHttpMethod` on input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub connection_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: BTreeMap<String, String>,
    pub passthrough_behavior: PassthroughBehavior,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: u32,
    pub cache_namespace: String,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
}

impl Integration {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

impl IntegrationResponse {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// A deployment: the resource tree as it was when it was made, which stages then serve.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    pub resources: BTreeMap<String, Resource>,
    /// The models and validators as deployed, which requests are validated against.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
}

impl Deployment {
    /// The deployment as GetDeployment answers it; `apiSummary` with `embed=apisummary`.
    pub fn to_json(&self, embed_summary: bool) -> Json {
        let mut out = without(self, &["resources", "models", "requestValidators"]);
        if embed_summary {
            let mut summary = serde_json::Map::new();
            for resource in self.resources.values() {
                if resource.methods.is_empty() {
                    continue;
                }
                let methods: serde_json::Map<String, Json> = resource
                    .methods
                    .iter()
                    .map(|(name, method)| {
                        let shown = json!({
                            "authorizationType": method.authorization_type,
                            "apiKeyRequired": method.api_key_required,
                        });
                        (name.clone(), shown)
                    })
                    .collect();
                summary.insert(
                    path_in(&self.resources, &resource.id),
                    Json::Object(methods),
                );
            }
            out["apiSummary"] = Json::Object(summary);
        }
        out
    }
}

/// A model: a JSON Schema (draft 4) for request and response bodies of a content type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub content_type: String,
}

impl Model {
    /// The models API Gateway gives every new REST API: `Empty` and `Error`.
    pub fn defaults() -> BTreeMap<String, Model> {
        let model = |name: &str, schema: &str| Model {
            id: crate::apigw::model::new_id(6),
            name: name.to_owned(),
            description: Some(format!(
                "This is a default {} schema model",
                name.to_ascii_lowercase()
            )),
            schema: Some(schema.to_owned()),
            content_type: "application/json".to_owned(),
        };
        BTreeMap::from([
            (
                "Empty".to_owned(),
                model(
                    "Empty",
                    "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}",
                ),
            ),
            (
                "Error".to_owned(),
                model(
                    "Error",
                    "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}",
                ),
            ),
        ])
    }
}

aws_enum!(
    /// What an authorizer is: a function given a token or the request, or a Cognito user pool.
    AuthorizerType {
        Token = "TOKEN",
        Request = "REQUEST",
        CognitoUserPools = "COGNITO_USER_POOLS",
    }
);

/// An authorizer of a REST API, as API Gateway stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub authorizer_type: AuthorizerType,
    #[serde(
        rename = "providerARNs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub provider_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: i64,
}

/// What a method's request validator checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidator {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// A stage's settings for the methods one key selects (`*/*`, `items/GET`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    pub metrics_enabled: bool,
    pub logging_level: String,
    pub data_trace_enabled: bool,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    pub caching_enabled: bool,
    pub cache_ttl_in_seconds: i64,
    pub cache_data_encrypted: bool,
    pub require_authorization_for_cache_control: bool,
    pub unauthorized_cache_control_header_strategy: String,
}

impl MethodSetting {
    /// What a method has until a setting says otherwise (API Gateway's defaults).
    pub fn defaults() -> Self {
        Self {
            metrics_enabled: false,
            logging_level: "OFF".to_owned(),
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy: "SUCCEED_WITH_RESPONSE_HEADER".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    pub percent_traffic: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_variable_overrides: BTreeMap<String, String>,
    #[serde(default)]
    pub use_stage_cache: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    pub cache_cluster_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    pub tracing_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_settings: Option<CanarySettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub created_date: i64,
    pub last_updated_date: i64,
}

impl Stage {
    /// The stage as GetStage answers it. The sandbox keeps no response cache: a stage with one
    /// enabled says so in `cacheClusterStatus`, which AWS reports as `AVAILABLE`.
    pub fn to_json(&self) -> Json {
        let mut out = serde_json::to_value(self).unwrap_or(Json::Null);
        out["cacheClusterStatus"] = json!(if self.cache_cluster_enabled {
            "NOT_EMULATED"
        } else {
            "NOT_AVAILABLE"
        });
        out
    }
}

/// Now in epoch seconds, as API Gateway v1 writes dates.
pub fn now_seconds() -> i64 {
    crate::clock::now_millis() / 1000
}
