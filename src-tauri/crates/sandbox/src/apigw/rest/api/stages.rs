//! Stages: a named place a deployment is served from, with its stage variables, method settings
//! (throttling, logging, metrics, caching) keyed by `{resourcePath}/{httpMethod}` or `*/*`, and
//! an optional canary serving another deployment to a share of the traffic.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::deployments::check_percent;
use super::{items, parse};
use crate::apigw::rest::model::{
    AccessLogSettings, CanarySettings, MethodSetting, Stage, now_seconds,
};
use crate::apigw::rest::patch::{self, Op, Operation};
use crate::apigw::rest::{Answer, cache, missing};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    stage_name: Option<String>,
    deployment_id: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    documentation_version: Option<String>,
    canary_settings: Option<CanarySettings>,
    tracing_enabled: Option<bool>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// A stage as it is made: serving `deployment`, with API Gateway's defaults.
pub(super) fn new_stage(name: String, deployment: String) -> Result<Stage, AwsError> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(bad_request("Stage name only allows a-zA-Z0-9_-"));
    }
    let now = now_seconds();
    Ok(Stage {
        stage_name: name,
        deployment_id: deployment,
        description: None,
        variables: BTreeMap::new(),
        cache_cluster_enabled: false,
        cache_cluster_size: None,
        method_settings: BTreeMap::new(),
        tracing_enabled: false,
        access_log_settings: None,
        canary_settings: None,
        documentation_version: None,
        tags: BTreeMap::new(),
        created_date: now,
        last_updated_date: now,
    })
}

/// Stage variable names are alphanumeric (or `_`); values are at most 512 characters of
/// letters, digits and `-._~:/?#&=,`.
pub(super) fn check_variables(variables: &BTreeMap<String, String>) -> Result<(), AwsError> {
    for (name, value) in variables {
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad_request(format!(
                "Stage variable name {name} must be 1 to 64 characters of a-zA-Z0-9_"
            )));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#&=,".contains(c);
        if value.len() > 512 || !value.chars().all(allowed) {
            return Err(bad_request(format!(
                "Stage variable value {value} must be at most 512 characters of a-zA-Z0-9-._~:/?#&=,"
            )));
        }
    }
    Ok(())
}

/// What a request with an unauthorized `Cache-Control: max-age=0` may get.
const UNAUTHORIZED_CACHE_CONTROL_STRATEGIES: [&str; 3] = [
    "FAIL_WITH_403",
    "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER",
];

/// The method settings every stage change may set: `/{resourcePath}/{httpMethod}/{setting}`,
/// where the path has its `/` written `~1` and `*/*` means every method.
fn patch_method_setting(stage: &mut Stage, operation: &Operation) -> Result<(), AwsError> {
    let invalid = || bad_request(format!("Invalid method setting path: {}", operation.path));
    let raw: Vec<&str> = operation
        .path
        .trim_start_matches('/')
        .splitn(3, '/')
        .collect();
    let [resource, method, setting] = raw.as_slice() else {
        return Err(invalid());
    };
    if resource.is_empty() || method.is_empty() {
        return Err(invalid());
    }
    let key = format!("{resource}/{method}");
    if operation.op == Op::Remove {
        stage.method_settings.remove(&key);
        return Ok(());
    }
    if operation.op != Op::Replace {
        return Err(invalid());
    }
    let entry = stage
        .method_settings
        .entry(key)
        .or_insert_with(MethodSetting::defaults);
    match *setting {
        "metrics/enabled" => entry.metrics_enabled = operation.flag()?,
        "logging/loglevel" => {
            let level = operation.value()?.to_ascii_uppercase();
            if !matches!(level.as_str(), "OFF" | "ERROR" | "INFO") {
                return Err(bad_request(format!(
                    "Invalid logging level {level}: must be OFF, ERROR or INFO"
                )));
            }
            entry.logging_level = level;
        }
        "logging/dataTrace" => entry.data_trace_enabled = operation.flag()?,
        "throttling/burstLimit" => entry.throttling_burst_limit = operation.number()?,
        "throttling/rateLimit" => entry.throttling_rate_limit = operation.number()?,
        "caching/enabled" => entry.caching_enabled = operation.flag()?,
        "caching/ttlInSeconds" => entry.cache_ttl_in_seconds = operation.number()?,
        "caching/dataEncrypted" => entry.cache_data_encrypted = operation.flag()?,
        "caching/requireAuthorizationForCacheControl" => {
            entry.require_authorization_for_cache_control = operation.flag()?;
        }
        "caching/unauthorizedCacheControlHeaderStrategy" => {
            let strategy = operation.value()?;
            if !UNAUTHORIZED_CACHE_CONTROL_STRATEGIES.contains(&strategy) {
                return Err(bad_request(format!(
                    "Invalid unauthorizedCacheControlHeaderStrategy: {strategy}. Valid values are {}",
                    UNAUTHORIZED_CACHE_CONTROL_STRATEGIES.join(", ")
                )));
            }
            entry.unauthorized_cache_control_header_strategy = strategy.to_owned();
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

const ALLOWED: &[&str] = &[
    "/description",
    "/deploymentId",
    "/variables/{name}",
    "/cacheClusterEnabled",
    "/cacheClusterSize",
    "/tracingEnabled",
    "/accessLogSettings/format",
    "/accessLogSettings/destinationArn",
    "/canarySettings/percentTraffic",
    "/canarySettings/deploymentId",
    "/canarySettings/stageVariableOverrides/{name}",
    "/deploymentId (copy from /canarySettings/deploymentId)",
    "/variables (copy from /canarySettings/stageVariableOverrides)",
    "/{resourcePath}/{httpMethod}/{setting}",
];

/// UpdateStage's answer to a canary change on a stage without one.
fn no_canary() -> AwsError {
    bad_request("The stage has no canary: create one with CreateDeployment and canarySettings")
}

/// One operation of UpdateStage.
fn patch_stage(
    stage: &mut Stage,
    operation: &Operation,
    deployments: &BTreeMap<String, crate::apigw::rest::model::Deployment>,
) -> Result<(), AwsError> {
    let segments = operation.segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (operation.op, segments.as_slice()) {
        (_, ["description"]) => {
            stage.description = operation.set_or_remove(ALLOWED)?.map(str::to_owned);
        }
        (Op::Replace, ["deploymentId"]) => {
            let id = operation.value()?;
            if !deployments.contains_key(id) {
                return Err(missing::deployment());
            }
            stage.deployment_id = id.to_owned();
        }
        // Promoting a canary: its deployment and its variables become the stage's.
        (Op::Copy, ["deploymentId"])
            if operation.from.as_deref() == Some("/canarySettings/deploymentId") =>
        {
            let canary = stage.canary_settings.as_ref().ok_or_else(no_canary)?;
            if let Some(id) = canary.deployment_id.clone() {
                stage.deployment_id = id;
            }
        }
        (Op::Copy, ["variables"])
            if operation.from.as_deref() == Some("/canarySettings/stageVariableOverrides") =>
        {
            let canary = stage.canary_settings.as_ref().ok_or_else(no_canary)?;
            let overrides = canary.stage_variable_overrides.clone();
            stage.variables.extend(overrides);
        }
        (_, ["variables", name]) => {
            patch::map_entry(
                &mut stage.variables,
                (*name).to_owned(),
                operation,
                ALLOWED,
                |value| Ok(value.to_owned()),
            )?;
            check_variables(&stage.variables)?;
        }
        (Op::Replace, ["cacheClusterEnabled"]) => stage.cache_cluster_enabled = operation.flag()?,
        (Op::Replace, ["cacheClusterSize"]) => {
            let size = operation.value()?;
            if !["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"].contains(&size) {
                return Err(bad_request(format!(
                    "Invalid cache cluster size specified: {size}"
                )));
            }
            stage.cache_cluster_size = Some(size.to_owned());
        }
        (Op::Replace, ["tracingEnabled"]) => stage.tracing_enabled = operation.flag()?,
        (Op::Remove, ["accessLogSettings"]) => stage.access_log_settings = None,
        (_, ["accessLogSettings", member @ ("format" | "destinationArn")]) => {
            let settings = stage.access_log_settings.get_or_insert(AccessLogSettings {
                format: None,
                destination_arn: None,
            });
            let value = operation.set_or_remove(ALLOWED)?.map(str::to_owned);
            if *member == "format" {
                settings.format = value;
            } else {
                settings.destination_arn = value;
            }
        }
        (Op::Remove, ["canarySettings"]) => stage.canary_settings = None,
        (_, ["canarySettings", rest @ ..]) => {
            let canary = stage.canary_settings.as_mut().ok_or_else(no_canary)?;
            match (operation.op, rest) {
                (Op::Replace, ["percentTraffic"]) => {
                    canary.percent_traffic = check_percent(operation.number()?)?;
                }
                (Op::Replace, ["deploymentId"]) => {
                    let id = operation.value()?;
                    if !deployments.contains_key(id) {
                        return Err(missing::deployment());
                    }
                    canary.deployment_id = Some(id.to_owned());
                }
                (Op::Replace, ["useStageCache"]) => canary.use_stage_cache = operation.flag()?,
                (_, ["stageVariableOverrides", name]) => {
                    patch::map_entry(
                        &mut canary.stage_variable_overrides,
                        (*name).to_owned(),
                        operation,
                        ALLOWED,
                        |value| Ok(value.to_owned()),
                    )?;
                }
                _ => return Err(operation.unsupported(ALLOWED)),
            }
        }
        (_, [_, _, ..]) => patch_method_setting(stage, operation)?,
        _ => return Err(operation.unsupported(ALLOWED)),
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn rest_create_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        let name = input
            .stage_name
            .ok_or_else(|| bad_request("Invalid input: stageName is required"))?;
        let deployment = input
            .deployment_id
            .ok_or_else(|| bad_request("Invalid input: deploymentId is required"))?;
        check_variables(&input.variables)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            if !api.deployments.contains_key(&deployment) {
                return Err(missing::deployment());
            }
            if api.stages.contains_key(&name) {
                return Err(conflict("Stage already exists"));
            }
            let mut stage = new_stage(name, deployment)?;
            stage.description = input.description;
            stage.cache_cluster_enabled = input.cache_cluster_enabled.unwrap_or(false);
            stage.cache_cluster_size = input.cache_cluster_size;
            stage.variables = input.variables;
            stage.documentation_version = input.documentation_version;
            stage.tracing_enabled = input.tracing_enabled.unwrap_or(false);
            stage.tags = input.tags;
            if let Some(mut canary) = input.canary_settings {
                check_percent(canary.percent_traffic)?;
                if canary
                    .deployment_id
                    .as_ref()
                    .is_some_and(|id| !api.deployments.contains_key(id))
                {
                    return Err(missing::deployment());
                }
                canary
                    .deployment_id
                    .get_or_insert_with(|| stage.deployment_id.clone());
                stage.canary_settings = Some(canary);
            }
            let shown = stage.to_json();
            api.stages.insert(stage.stage_name.clone(), stage);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn rest_get_stages(&self, scope: &Scope, call: &Call) -> Answer {
        let deployment = call.query("deploymentId");
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(items(
                api.stages
                    .values()
                    .filter(|stage| deployment.is_none_or(|id| stage.deployment_id == id))
                    .map(Stage::to_json)
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn rest_get_stage(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let stage = api
                .stages
                .get(call.label("stage_name"))
                .ok_or_else(missing::stage)?;
            Ok(Reply::ok(stage.to_json()))
        })
    }

    /// Patches a stage; turning its cache cluster off or resizing it empties the cache, as
    /// API Gateway's new cache instance starts empty.
    pub(in crate::apigw) fn rest_update_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let (api_id, stage_name) = (call.label("restapi_id"), call.label("stage_name"));
        self.change_rest_api(scope, api_id, |api| {
            let stage = api.stages.get_mut(stage_name).ok_or_else(missing::stage)?;
            let cache_before = (
                stage.cache_cluster_enabled,
                stage.cache_cluster_size.clone(),
            );
            patch::each(&call.body, |operation| {
                patch_stage(stage, operation, &api.deployments)
            })?;
            if (
                stage.cache_cluster_enabled,
                stage.cache_cluster_size.clone(),
            ) != cache_before
            {
                self.response_cache
                    .flush(&cache::stage_prefix(scope, api_id, stage_name));
            }
            stage.last_updated_date = now_seconds();
            Ok(Reply::ok(stage.to_json()))
        })
    }

    pub(in crate::apigw) fn rest_delete_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let (api_id, stage_name) = (call.label("restapi_id"), call.label("stage_name"));
        self.change_rest_api(scope, api_id, |api| {
            api.stages.remove(stage_name).ok_or_else(missing::stage)?;
            self.response_cache
                .flush(&cache::stage_prefix(scope, api_id, stage_name));
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }

    /// FlushStageCache: empties the stage's cache (202, as AWS answers).
    pub(in crate::apigw) fn flush_stage_cache(&self, scope: &Scope, call: &Call) -> Answer {
        let (api_id, stage_name) = (call.label("restapi_id"), call.label("stage_name"));
        self.read_rest_api(scope, api_id, |api| {
            api.stages.get(stage_name).ok_or_else(missing::stage)?;
            self.response_cache
                .flush(&cache::stage_prefix(scope, api_id, stage_name));
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }

    /// FlushStageAuthorizersCache: the sandbox keeps no authorizer results (authorizers are not
    /// evaluated yet), so there is nothing to empty; the stage must exist.
    pub(in crate::apigw) fn flush_stage_authorizers_cache(
        &self,
        scope: &Scope,
        call: &Call,
    ) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            api.stages
                .get(call.label("stage_name"))
                .ok_or_else(missing::stage)?;
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}

impl ApiGateway {
    /// GetExport: the stage's deployment as an OpenAPI 3.0 or Swagger 2.0 document, JSON or
    /// YAML as `Accept` asks, with `x-amazon-apigateway-integration` when the `extensions`
    /// parameter names `integrations` or `apigateway`.
    pub(in crate::apigw) fn get_rest_export(&self, scope: &Scope, call: &Call) -> Answer {
        use crate::apigw::rest::export::{self, Format, Server};
        let kind = call.label("export_type");
        let format = Format::parse(kind).ok_or_else(|| {
            bad_request(format!(
                "Invalid export type specified: {kind}. Valid values are oas30 and swagger"
            ))
        })?;
        let yaml = call
            .header("accept")
            .is_some_and(|accept| accept.contains("yaml"));
        let extensions = call
            .query("parameters[extensions]")
            .or(call.query("extensions"))
            .unwrap_or("");
        let integrations = extensions
            .split(',')
            .any(|name| matches!(name.trim(), "integrations" | "apigateway"));
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let stage = api
                .stages
                .get(call.label("stage_name"))
                .ok_or_else(missing::stage)?;
            let deployment = api
                .deployments
                .get(&stage.deployment_id)
                .ok_or_else(missing::deployment)?;
            let url = self.api_endpoint(&api.id);
            let server = Server {
                url: &url,
                stage: &stage.stage_name,
            };
            let document = export::document(api, deployment, &server, format, integrations);
            let (content_type, body, extension) = if yaml {
                (
                    "application/yaml",
                    crate::apigw::export::to_yaml(&document),
                    "yaml",
                )
            } else {
                (
                    "application/json",
                    serde_json::to_string_pretty(&document).unwrap_or_default(),
                    "json",
                )
            };
            let kind = if format == Format::OpenApi3 {
                "oas30"
            } else {
                "swagger"
            };
            Ok(
                Reply::bytes(StatusCode::OK, content_type, body.into()).with_header(
                    "content-disposition",
                    &format!(
                        "attachment; filename=\"{}-{}-{kind}.{extension}\"",
                        api.id, stage.stage_name
                    ),
                ),
            )
        })
    }
}
