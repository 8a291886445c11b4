//! Records of requests to HTTP APIs' invoke URLs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One request to an HTTP API, from the client's request to the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    pub api_id: String,
    /// Empty when no stage matched.
    pub stage: String,
    /// API Gateway's request id (`apigw-requestid`), which links the request to the client's
    /// exchange and to the invocation it caused.
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The route the request matched, if one did.
    pub route_key: Option<String>,
    pub status: u16,
    /// When the gateway received it, in milliseconds since the epoch (with microseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<f64>,
    pub latency_ms: f64,
    pub integration_latency_ms: Option<f64>,
    pub integration_status: Option<u16>,
    /// Why API Gateway answered a 5xx (its `$context.integrationErrorMessage`), why Lambda
    /// throttled the call, or why the route's authorizer refused the request.
    pub error: Option<String>,
    /// The integration called, as GetIntegration describes it.
    pub integration: Option<Json>,
    /// The event the function received.
    pub event: Option<Json>,
    /// What the function answered.
    pub answer: Option<Json>,
    pub response: RecordedResponse,
    /// What the route's authorizer decided and why (`type`, `decision`, `reason`, `claims`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<Json>,
    /// How a REST API request met its stage's cache — `hit` (the integration was not called),
    /// `miss` or `refreshed` (`Cache-Control: max-age=0`) — when the method's answers are cached.
    #[serde(default)]
    pub cache: Option<String>,
    /// The stage's counts so far, this request included.
    pub metrics: StageMetrics,
}

/// The answer the client got (the body cut at 64 KiB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// Request counts and latencies per stage, as CloudWatch's API Gateway metrics count them.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageMetrics {
    pub count: u64,
    #[serde(rename = "4xx")]
    pub client_errors: u64,
    #[serde(rename = "5xx")]
    pub server_errors: u64,
    pub latency_ms_total: f64,
    pub integration_latency_ms_total: f64,
    /// Requests served from the stage's cache (`CacheHitCount`).
    #[serde(default)]
    pub cache_hit_count: u64,
    /// Requests whose cached method missed the cache (`CacheMissCount`).
    #[serde(default)]
    pub cache_miss_count: u64,
}
