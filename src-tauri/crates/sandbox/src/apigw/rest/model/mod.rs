//! What a REST API is made of — a tree of resources, each with methods, their integrations and
//! responses; deployments (snapshots of the tree) and the stages that serve them — stored as
//! API Gateway v1 writes it in its responses (camelCase members, dates in epoch seconds), so
//! most of it is rendered by serializing it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::apigw::model::aws_enum;

pub mod gateway_response;
mod method;
mod stage;

pub use gateway_response::GatewayResponse;
pub use method::{Integration, IntegrationResponse, Method, MethodResponse};
pub use stage::{AccessLogSettings, CanarySettings, Deployment, MethodSetting, Stage};

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
    /// The response types the API customized, by type.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
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
                "authorizers",
                "gatewayResponses",
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

/// Now in epoch seconds, as API Gateway v1 writes dates.
pub fn now_seconds() -> i64 {
    crate::clock::now_millis() / 1000
}
