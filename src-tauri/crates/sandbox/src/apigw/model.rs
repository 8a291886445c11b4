//! What an HTTP API is made of — integrations, routes, stages, deployments — and how each is
//! rendered in API Gateway v2's responses (camelCase members).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// Declares an enum of API Gateway's, written as AWS writes its values (`AWS_PROXY`).
macro_rules! aws_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value AWS writes as `text`.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use aws_enum;

aws_enum!(
    /// An API's protocol.
    ProtocolType { Http = "HTTP", Websocket = "WEBSOCKET" }
);

aws_enum!(
    /// What an integration calls: a function as a proxy (`AWS_PROXY`), an HTTP backend as a
    /// proxy (`HTTP_PROXY`), nothing (`MOCK`), or with mappings (`AWS`, `HTTP`).
    IntegrationType {
        AwsProxy = "AWS_PROXY",
        HttpProxy = "HTTP_PROXY",
        Mock = "MOCK",
        Aws = "AWS",
        Http = "HTTP",
    }
);

aws_enum!(
    /// Who may call a route.
    AuthorizationType { None = "NONE", AwsIam = "AWS_IAM", Custom = "CUSTOM", Jwt = "JWT" }
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    pub id: String,
    pub integration_type: IntegrationType,
    pub integration_uri: Option<String>,
    pub integration_method: Option<String>,
    pub payload_format_version: String,
    pub timeout_millis: u32,
    pub description: Option<String>,
    /// WebSocket APIs: how the integration's answer becomes the route's (by response key).
    #[serde(default)]
    pub responses: BTreeMap<String, IntegrationResponse>,
    /// HTTP_PROXY integrations: how the request is changed on its way (parameter mapping).
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
}

/// A WebSocket integration response (`$default`, or a status pattern like `/2\d\d/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrationResponse {
    pub id: String,
    pub key: String,
    pub template_selection_expression: Option<String>,
    pub response_templates: Option<Json>,
    pub content_handling_strategy: Option<String>,
}

impl IntegrationResponse {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "integrationResponseId": self.id,
            "integrationResponseKey": self.key,
        });
        if let Some(expression) = &self.template_selection_expression {
            out["templateSelectionExpression"] = json!(expression);
        }
        if let Some(templates) = &self.response_templates {
            out["responseTemplates"] = templates.clone();
        }
        if let Some(strategy) = &self.content_handling_strategy {
            out["contentHandlingStrategy"] = json!(strategy);
        }
        out
    }
}

/// A WebSocket route response: with one, the route is two-way and the client gets the answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteResponse {
    pub id: String,
    pub key: String,
    pub model_selection_expression: Option<String>,
    pub response_models: Option<Json>,
}

impl RouteResponse {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "routeResponseId": self.id,
            "routeResponseKey": self.key,
        });
        if let Some(expression) = &self.model_selection_expression {
            out["modelSelectionExpression"] = json!(expression);
        }
        if let Some(models) = &self.response_models {
            out["responseModels"] = models.clone();
        }
        out
    }
}

impl Integration {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "integrationId": self.id,
            "integrationType": self.integration_type,
            "payloadFormatVersion": self.payload_format_version,
            "timeoutInMillis": self.timeout_millis,
            "connectionType": "INTERNET",
        });
        if let Some(uri) = &self.integration_uri {
            out["integrationUri"] = json!(uri);
        }
        if let Some(method) = &self.integration_method {
            out["integrationMethod"] = json!(method);
        }
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        if !self.request_parameters.is_empty() {
            out["requestParameters"] = json!(self.request_parameters);
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    pub route_key: String,
    pub target: Option<String>,
    pub authorization_type: AuthorizationType,
    pub authorizer_id: Option<String>,
    /// The scopes a JWT must have one of (HTTP APIs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
    /// WebSocket APIs: `$default` makes the route two-way.
    #[serde(default)]
    pub route_response_selection_expression: Option<String>,
    #[serde(default)]
    pub responses: BTreeMap<String, RouteResponse>,
}

impl Route {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "routeId": self.id,
            "routeKey": self.route_key,
            "authorizationType": self.authorization_type,
            "apiKeyRequired": false,
        });
        if let Some(target) = &self.target {
            out["target"] = json!(target);
        }
        if let Some(authorizer) = &self.authorizer_id {
            out["authorizerId"] = json!(authorizer);
        }
        if !self.authorization_scopes.is_empty() {
            out["authorizationScopes"] = json!(self.authorization_scopes);
        }
        if let Some(expression) = &self.route_response_selection_expression {
            out["routeResponseSelectionExpression"] = json!(expression);
        }
        out
    }
}

/// The routes and integrations a stage serves: the API as it was at a deployment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub routes: Vec<Route>,
    pub integrations: BTreeMap<String, Integration>,
    /// The authorizers its routes name.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub created: String,
    pub description: Option<String>,
    pub auto_deployed: bool,
    pub snapshot: Snapshot,
}

impl Deployment {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "deploymentId": self.id,
            "deploymentStatus": "DEPLOYED",
            "createdDate": self.created,
            "autoDeployed": self.auto_deployed,
        });
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub auto_deploy: bool,
    pub deployment_id: Option<String>,
    pub description: Option<String>,
    pub stage_variables: BTreeMap<String, String>,
    pub created: String,
    pub last_updated: String,
    pub default_route_settings: RouteSettings,
    pub route_settings: BTreeMap<String, RouteSettings>,
    pub access_log_settings: Option<AccessLogSettings>,
    pub tags: BTreeMap<String, String>,
}

impl Stage {
    pub fn to_json(&self) -> Json {
        let mut out = json!({
            "stageName": self.name,
            "autoDeploy": self.auto_deploy,
            "createdDate": self.created,
            "lastUpdatedDate": self.last_updated,
            "defaultRouteSettings": self.default_route_settings,
            "routeSettings": self.route_settings,
            "stageVariables": self.stage_variables,
            "tags": self.tags,
        });
        if let Some(deployment) = &self.deployment_id {
            out["deploymentId"] = json!(deployment);
        }
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        if let Some(settings) = &self.access_log_settings {
            out["accessLogSettings"] = json!(settings);
        }
        out
    }
}

/// A route's settings on a stage, or the stage's defaults for every route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_trace_enabled: Option<bool>,
    #[serde(default)]
    pub detailed_metrics_enabled: bool,
    /// WebSocket APIs: `ERROR`, `INFO` or `OFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i64>,
    /// Requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
}

impl RouteSettings {
    /// The rate and burst, when both are set.
    pub fn throttling(&self) -> Option<(f64, f64)> {
        Some((
            self.throttling_rate_limit?,
            self.throttling_burst_limit? as f64,
        ))
    }
}

/// Where a stage's access log goes and what each line says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    /// A CloudWatch Logs group's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
    /// `$context` variables in text, JSON, CLF or XML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// An HTTP API's CORS configuration, which API Gateway applies itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i64>,
}

aws_enum!(
    /// What an HTTP or WebSocket API's authorizer checks: a JWT's claims, or a function's verdict.
    AuthorizerType { Jwt = "JWT", Request = "REQUEST" }
);

/// Which tokens a JWT authorizer accepts: who issued them and for whom.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfiguration {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// An authorizer of an HTTP or WebSocket API, stored as API Gateway v2 renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub authorizer_id: String,
    pub name: String,
    pub authorizer_type: AuthorizerType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_payload_format_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_simple_responses: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_source: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<JwtConfiguration>,
}

impl Authorizer {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// Saved authorizers, leaving out (with a warning) any an older version saved in a shape that no
/// longer reads, so one of them never makes its whole API unreadable.
fn readable_authorizers<'de, D>(deserializer: D) -> Result<BTreeMap<String, Authorizer>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let saved = BTreeMap::<String, Json>::deserialize(deserializer)?;
    Ok(saved
        .into_iter()
        .filter_map(|(id, value)| match serde_json::from_value(value) {
            Ok(authorizer) => Some((id, authorizer)),
            Err(error) => {
                tracing::warn!(authorizer = %id, %error, "a saved authorizer does not read; left out");
                None
            }
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Api {
    pub id: String,
    pub name: String,
    pub protocol_type: ProtocolType,
    pub description: Option<String>,
    pub route_selection_expression: String,
    pub created: String,
    pub cors: Option<Cors>,
    pub disable_execute_api_endpoint: bool,
    pub version: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub integrations: BTreeMap<String, Integration>,
    pub routes: BTreeMap<String, Route>,
    pub stages: BTreeMap<String, Stage>,
    pub deployments: BTreeMap<String, Deployment>,
    #[serde(default, deserialize_with = "readable_authorizers")]
    pub authorizers: BTreeMap<String, Authorizer>,
}

impl Api {
    pub fn is_websocket(&self) -> bool {
        self.protocol_type == ProtocolType::Websocket
    }

    /// The API as `endpoint` (the invoke URL's base) serves it; a WebSocket API's endpoint is
    /// its `ws://` URL.
    pub fn to_json(&self, endpoint: &str) -> Json {
        let ws_endpoint;
        let endpoint = match endpoint.strip_prefix("http://") {
            Some(rest) if self.is_websocket() => {
                ws_endpoint = format!("ws://{rest}");
                ws_endpoint.as_str()
            }
            _ => endpoint,
        };
        let mut out = json!({
            "apiId": self.id,
            "name": self.name,
            "protocolType": self.protocol_type,
            "routeSelectionExpression": self.route_selection_expression,
            "apiKeySelectionExpression": "$request.header.x-api-key",
            "apiEndpoint": endpoint,
            "createdDate": self.created,
            "disableExecuteApiEndpoint": self.disable_execute_api_endpoint,
            "tags": self.tags,
        });
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        if let Some(cors) = &self.cors {
            out["corsConfiguration"] = json!(cors);
        }
        if let Some(version) = &self.version {
            out["version"] = json!(version);
        }
        out
    }

    /// The current routes, integrations and authorizers, as a deployment would capture them.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            routes: self.routes.values().cloned().collect(),
            integrations: self.integrations.clone(),
            authorizers: self.authorizers.clone(),
        }
    }
}

/// An id of `length` lowercase alphanumerics, as API Gateway's are.
pub fn new_id(length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut value = uuid::Uuid::new_v4().as_u128();
    (0..length)
        .map(|_| {
            let c = ALPHABET[(value % 36) as usize] as char;
            value /= 36;
            c
        })
        .collect()
}

/// Now in ISO 8601, as API Gateway writes dates: `2026-11-21T12:30:00Z`.
pub fn now_iso() -> String {
    format!("{}Z", crate::clock::Civil::now().date_time())
}
