//! Deployments (snapshots of an API's resource tree) and the stages that serve them, with their
//! per-method settings, canary and access-log settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::{Model, RequestValidator, Resource, path_in, without};
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
    /// The gateway responses as deployed, which word API Gateway's own answers.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, super::GatewayResponse>,
}

impl Deployment {
    /// The deployment as GetDeployment answers it; `apiSummary` with `embed=apisummary`.
    pub fn to_json(&self, embed_summary: bool) -> Json {
        let mut out = without(
            self,
            &[
                "resources",
                "models",
                "requestValidators",
                "gatewayResponses",
            ],
        );
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
    /// The stage as GetStage answers it; its cache is ready as soon as it is enabled.
    pub fn to_json(&self) -> Json {
        let mut out = serde_json::to_value(self).unwrap_or(Json::Null);
        out["cacheClusterStatus"] = json!(if self.cache_cluster_enabled {
            "AVAILABLE"
        } else {
            "NOT_AVAILABLE"
        });
        out
    }
}
