//! Stages (auto-deploying or pointing at a deployment, with their variables and route, log
//! and throttling settings) and deployments (snapshots of an API's routes and integrations).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Answer, auto_deploy, items, one, parse};
use crate::apigw::model::{AccessLogSettings, Deployment, RouteSettings, Stage, new_id, now_iso};
use crate::apigw::{ApiGateway, bad_request, conflict, not_found};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageInput {
    stage_name: Option<String>,
    auto_deploy: Option<bool>,
    deployment_id: Option<String>,
    description: Option<String>,
    stage_variables: Option<BTreeMap<String, String>>,
    default_route_settings: Option<RouteSettings>,
    route_settings: Option<BTreeMap<String, RouteSettings>>,
    access_log_settings: Option<AccessLogSettings>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentInput {
    stage_name: Option<String>,
    description: Option<String>,
}

impl ApiGateway {
    pub(in crate::apigw) fn create_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
        let input: StageInput = parse(body)?;
        let name = input
            .stage_name
            .clone()
            .ok_or_else(|| bad_request("Invalid input: stageName is required"))?;
        if name != "$default"
            && (name.is_empty()
                || name.len() > 128
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(bad_request(format!(
                "Stage name only allows a-zA-Z0-9_- or $default; got {name}"
            )));
        }
        self.change(scope, id, |api| {
            if api.stages.contains_key(&name) {
                return Err(conflict(format!("Stage {name} already exists")));
            }
            if let Some(deployment) = &input.deployment_id
                && !api.deployments.contains_key(deployment)
            {
                return Err(not_found(format!(
                    "Invalid Deployment identifier specified {deployment}"
                )));
            }
            let mut stage = new_stage(&name, input.auto_deploy.unwrap_or(false), &now_iso());
            stage.deployment_id = input.deployment_id.clone();
            stage.description = input.description.clone();
            stage.stage_variables = input.stage_variables.clone().unwrap_or_default();
            if let Some(settings) = &input.default_route_settings {
                stage.default_route_settings = settings.clone();
            }
            if let Some(settings) = &input.route_settings {
                stage.route_settings = settings.clone();
            }
            stage.access_log_settings = input.access_log_settings.clone();
            stage.tags = input.tags.clone();
            api.stages.insert(name.clone(), stage);
            auto_deploy(api);
            Ok(Reply::created(
                api.stages
                    .get(&name)
                    .map(Stage::to_json)
                    .unwrap_or_default(),
            ))
        })
    }

    pub(in crate::apigw) fn get_stages(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(&api.stages, Stage::to_json))
        })
    }

    pub(in crate::apigw) fn get_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("stageName");
        self.read(scope, call.label("apiId"), |api, _| {
            one(&api.stages, member, "stage", Stage::to_json)
        })
    }

    pub(in crate::apigw) fn update_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, stage, body) = (call.label("apiId"), call.label("stageName"), &call.body);
        let input: StageInput = parse(body)?;
        self.change(scope, id, |api| {
            if let Some(deployment) = &input.deployment_id
                && !api.deployments.contains_key(deployment)
            {
                return Err(not_found(format!(
                    "Invalid Deployment identifier specified {deployment}"
                )));
            }
            let current = api
                .stages
                .get_mut(stage)
                .ok_or_else(|| not_found(format!("Invalid stage identifier specified {stage}")))?;
            if let Some(flag) = input.auto_deploy {
                current.auto_deploy = flag;
            }
            if input.deployment_id.is_some() {
                current.deployment_id = input.deployment_id.clone();
            }
            if input.description.is_some() {
                current.description = input.description.clone();
            }
            if let Some(variables) = &input.stage_variables {
                current.stage_variables = variables.clone();
            }
            if let Some(settings) = &input.default_route_settings {
                current.default_route_settings = settings.clone();
            }
            if let Some(settings) = &input.route_settings {
                current.route_settings = settings.clone();
            }
            if input.access_log_settings.is_some() {
                current.access_log_settings = input.access_log_settings.clone();
            }
            current.last_updated = now_iso();
            let auto = current.auto_deploy;
            if auto && input.auto_deploy == Some(true) {
                auto_deploy(api);
            }
            Ok(Reply::ok(
                api.stages
                    .get(stage)
                    .map(Stage::to_json)
                    .unwrap_or_default(),
            ))
        })
    }

    /// Deletes a stage and closes the WebSocket connections made through it.
    pub(in crate::apigw) fn delete_stage(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, stage) = (call.label("apiId"), call.label("stageName"));
        let deleted = self.change(scope, id, |api| {
            api.stages
                .remove(stage)
                .map(|_| Reply::no_content())
                .ok_or_else(|| not_found(format!("Invalid stage identifier specified {stage}")))
        });
        if deleted.is_ok() {
            self.connections.close_api(id, Some(stage));
        }
        deleted
    }

    pub(in crate::apigw) fn create_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
        let input: DeploymentInput = parse(body)?;
        self.change(scope, id, |api| {
            if let Some(stage) = &input.stage_name {
                let found = api
                    .stages
                    .get(stage)
                    .ok_or_else(|| not_found(format!("Invalid stage identifier specified {stage}")))?;
                if found.auto_deploy {
                    return Err(bad_request(format!(
                        "Stage {stage} is configured to auto-deploy: deployments are created for it automatically"
                    )));
                }
            }
            let deployment = Deployment {
                id: new_id(6),
                created: now_iso(),
                description: input.description.clone(),
                auto_deployed: false,
                snapshot: api.snapshot(),
            };
            if let Some(stage) = &input.stage_name
                && let Some(stage) = api.stages.get_mut(stage)
            {
                stage.deployment_id = Some(deployment.id.clone());
                stage.last_updated = now_iso();
            }
            let answer = deployment.to_json();
            api.deployments.insert(deployment.id.clone(), deployment);
            Ok(Reply::created(answer))
        })
    }

    pub(in crate::apigw) fn get_deployments(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(&api.deployments, Deployment::to_json))
        })
    }

    pub(in crate::apigw) fn get_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("deploymentId");
        self.read(scope, call.label("apiId"), |api, _| {
            one(&api.deployments, member, "Deployment", Deployment::to_json)
        })
    }

    /// Deletes a deployment no stage serves.
    pub(in crate::apigw) fn delete_deployment(&self, scope: &Scope, call: &Call) -> Answer {
        let deployment = call.label("deploymentId");
        self.change(scope, call.label("apiId"), |api| {
            if api
                .stages
                .values()
                .any(|s| s.deployment_id.as_deref() == Some(deployment))
            {
                return Err(bad_request(format!(
                    "Deployment {deployment} is in use by a stage and cannot be deleted"
                )));
            }
            super::remove(&mut api.deployments, deployment, "Deployment")
        })
    }
}

pub(super) fn new_stage(name: &str, auto_deploy: bool, now: &str) -> Stage {
    Stage {
        name: name.to_owned(),
        auto_deploy,
        deployment_id: None,
        description: None,
        stage_variables: BTreeMap::new(),
        created: now.to_owned(),
        last_updated: now.to_owned(),
        default_route_settings: RouteSettings::default(),
        route_settings: BTreeMap::new(),
        access_log_settings: None,
        tags: BTreeMap::new(),
    }
}
