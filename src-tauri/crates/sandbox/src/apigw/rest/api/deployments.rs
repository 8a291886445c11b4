//! Deployments: snapshots of the resource tree that stages serve. A deployment needs a method
//! and an integration on every method; made with a stage name it moves (or creates) that stage,
//! and with canary settings it becomes the stage's canary.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::stages::{check_variables, new_stage};
use super::{items, parse};
use crate::apigw::model::new_id;
use crate::apigw::rest::model::{CanarySettings, Deployment, RestApi, now_seconds};
use crate::apigw::rest::patch::{self, Op};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanaryInput {
    percent_traffic: Option<f64>,
    #[serde(default)]
    stage_variable_overrides: BTreeMap<String, String>,
    #[serde(default)]
    use_stage_cache: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    stage_name: Option<String>,
    stage_description: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    canary_settings: Option<CanaryInput>,
    tracing_enabled: Option<bool>,
}

/// Refuses to deploy an API with nothing to call.
fn check_deployable(api: &RestApi) -> Result<(), AwsError> {
    let mut methods = api.resources.values().flat_map(|r| r.methods.values());
    let Some(first) = methods.next() else {
        return Err(bad_request("The REST API doesn't contain any methods"));
    };
    if std::iter::once(first)
        .chain(methods)
        .any(|method| method.integration.is_none())
    {
        return Err(bad_request("No integration defined for method"));
    }
    Ok(())
}

/// A canary's share of a stage's traffic, a percentage.
pub(super) fn check_percent(percent: f64) -> Result<f64, AwsError> {
    if !(0.0..=100.0).contains(&percent) {
        return Err(bad_request(
            "Canary traffic percentage must be between 0.0 and 100.0",
        ));
    }
    Ok(percent)
}

impl ApiGateway {
    pub(in crate::apigw) fn rest_create_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        check_variables(&input.variables)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            check_deployable(api)?;
            let deployment = Deployment {
                id: new_id(6),
                description: input.description,
                created_date: now_seconds(),
                resources: api.resources.clone(),
                models: api.models.clone(),
                request_validators: api.request_validators.clone(),
                gateway_responses: api.gateway_responses.clone(),
            };
            let id = deployment.id.clone();
            let shown = deployment.to_json(false);
            api.deployments.insert(id.clone(), deployment);
            let Some(stage_name) = input.stage_name.filter(|name| !name.is_empty()) else {
                if input.canary_settings.is_some() {
                    return Err(bad_request(
                        "A canary deployment needs the stage it is a canary of: set stageName",
                    ));
                }
                return Ok(Reply::created(shown));
            };
            let now = now_seconds();
            if let Some(canary) = input.canary_settings {
                let stage = api.stages.get_mut(&stage_name).ok_or_else(missing::stage)?;
                stage.canary_settings = Some(CanarySettings {
                    percent_traffic: check_percent(canary.percent_traffic.unwrap_or(0.0))?,
                    deployment_id: Some(id),
                    stage_variable_overrides: canary.stage_variable_overrides,
                    use_stage_cache: canary.use_stage_cache,
                });
                stage.last_updated_date = now;
                return Ok(Reply::created(shown));
            }
            match api.stages.get_mut(&stage_name) {
                Some(stage) => {
                    stage.deployment_id = id;
                    if !input.variables.is_empty() {
                        stage.variables.extend(input.variables);
                    }
                    if let Some(description) = input.stage_description {
                        stage.description = Some(description);
                    }
                    stage.last_updated_date = now;
                }
                None => {
                    let mut stage = new_stage(stage_name, id)?;
                    stage.description = input.stage_description;
                    stage.variables = input.variables;
                    stage.cache_cluster_enabled = input.cache_cluster_enabled.unwrap_or(false);
                    stage.cache_cluster_size = input.cache_cluster_size;
                    stage.tracing_enabled = input.tracing_enabled.unwrap_or(false);
                    api.stages.insert(stage.stage_name.clone(), stage);
                }
            }
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn rest_get_deployments(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let mut listed: Vec<&Deployment> = api.deployments.values().collect();
            listed.sort_by(|a, b| (a.created_date, &a.id).cmp(&(b.created_date, &b.id)));
            Ok(items(
                listed
                    .iter()
                    .map(|deployment| deployment.to_json(false))
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn rest_get_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let summary = call
            .query_all("embed")
            .iter()
            .any(|embed| embed.split(',').any(|value| value == "apisummary"));
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let deployment = api
                .deployments
                .get(call.label("deployment_id"))
                .ok_or_else(missing::deployment)?;
            Ok(Reply::ok(deployment.to_json(summary)))
        })
    }

    pub(in crate::apigw) fn update_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        const ALLOWED: &[&str] = &["/description"];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let deployment = api
                .deployments
                .get_mut(call.label("deployment_id"))
                .ok_or_else(missing::deployment)?;
            patch::each(&call.body, |operation| {
                match (operation.op, operation.path.as_str()) {
                    (Op::Replace | Op::Add | Op::Remove, "/description") => {
                        deployment.description =
                            operation.set_or_remove(ALLOWED)?.map(str::to_owned);
                        Ok(())
                    }
                    _ => Err(operation.unsupported(ALLOWED)),
                }
            })?;
            Ok(Reply::ok(deployment.to_json(false)))
        })
    }

    pub(in crate::apigw) fn rest_delete_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let id = call.label("deployment_id");
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            if !api.deployments.contains_key(id) {
                return Err(missing::deployment());
            }
            let in_use = api.stages.values().any(|stage| {
                stage.deployment_id == id
                    || stage
                        .canary_settings
                        .as_ref()
                        .and_then(|canary| canary.deployment_id.as_deref())
                        == Some(id)
            });
            if in_use {
                return Err(bad_request(
                    "Active stages pointing to this deployment must be moved or deleted",
                ));
            }
            api.deployments.remove(id);
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}
