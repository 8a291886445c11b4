//! The API Gateway v2 control plane for HTTP and WebSocket APIs, one function per operation
//! over a [`Call`]: [`apis`] (APIs, export, tags), [`integrations`] (with WebSocket integration
//! responses), [`api_routes`] (routes, with WebSocket route responses), [`stages`] (stages and
//! deployments), [`authorizers`]. Paths and members are API Gateway's (`/v2/apis/{apiId}/routes`,
//! camelCase). Each runs under its region's lock and leaves auto-deploying stages serving the
//! change; what it changes is saved before the request is answered.

mod api_routes;
mod apis;
mod authorizers;
mod integrations;
mod stages;

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::model::{Api, Deployment, Integration, Route, new_id, now_iso};
use super::{ApiGateway, bad_request, not_found};
use crate::store::Scope;
use crate::wire::{AwsError, BodyError, Reply, parse_json_body};

/// What an operation answers.
type Answer = Result<Reply, AwsError>;

pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => bad_request(format!("Invalid input: {field} is required")),
        BodyError::Malformed(text) => bad_request(format!("Invalid JSON in request body: {text}")),
    })
}

/// API Gateway's answer to an unknown id of a `what` (`Route`, `IntegrationResponse`, …).
pub(super) fn invalid_id(what: &str, id: &str) -> AwsError {
    not_found(format!("Invalid {what} identifier specified {id}"))
}

pub(super) fn route_of<'a>(api: &'a Api, route: &str) -> Result<&'a Route, AwsError> {
    api.routes
        .get(route)
        .ok_or_else(|| invalid_id("Route", route))
}

pub(super) fn integration_of<'a>(
    api: &'a Api,
    integration: &str,
) -> Result<&'a Integration, AwsError> {
    api.integrations
        .get(integration)
        .ok_or_else(|| invalid_id("Integration", integration))
}

/// `{"items": […]}`: every member of a sub-resource collection.
pub(super) fn items<T>(members: &BTreeMap<String, T>, to_json: fn(&T) -> Json) -> Reply {
    Reply::ok(json!({"items": members.values().map(to_json).collect::<Vec<_>>()}))
}

/// One member of a sub-resource collection.
pub(super) fn one<T>(
    members: &BTreeMap<String, T>,
    id: &str,
    what: &str,
    to_json: fn(&T) -> Json,
) -> Answer {
    members
        .get(id)
        .map(|member| Reply::ok(to_json(member)))
        .ok_or_else(|| invalid_id(what, id))
}

/// Deletes one member of a sub-resource collection.
pub(super) fn remove<T>(members: &mut BTreeMap<String, T>, id: &str, what: &str) -> Answer {
    members
        .remove(id)
        .map(|_| Reply::no_content())
        .ok_or_else(|| invalid_id(what, id))
}

/// Auto-deploying stages serve every change at once: give each a fresh deployment.
pub(super) fn auto_deploy(api: &mut Api) {
    let auto: Vec<String> = api
        .stages
        .values()
        .filter(|stage| stage.auto_deploy)
        .map(|stage| stage.name.clone())
        .collect();
    for name in auto {
        let deployment = Deployment {
            id: new_id(6),
            created: now_iso(),
            description: Some(
                "Automatic deployment triggered by changes to the Api configuration".into(),
            ),
            auto_deployed: true,
            snapshot: api.snapshot(),
        };
        if let Some(stage) = api.stages.get_mut(&name) {
            stage.deployment_id = Some(deployment.id.clone());
            stage.last_updated = now_iso();
        }
        api.deployments.insert(deployment.id.clone(), deployment);
    }
}

impl ApiGateway {
    /// Runs `change` on API `id` under the region's lock, then redeploys auto-deploying
    /// stages if it changed what they serve, and saves the API.
    pub(super) fn change(
        &self,
        scope: &Scope,
        id: &str,
        change: impl FnOnce(&mut Api) -> Answer,
    ) -> Answer {
        let region = self.regions.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        let api = apis.get_mut(id).ok_or_else(|| api_missing(scope, id))?;
        let answer = change(api)?;
        auto_deploy_if_changed(api);
        self.persist(scope, api);
        Ok(answer)
    }

    pub(super) fn read(
        &self,
        scope: &Scope,
        id: &str,
        read: impl FnOnce(&Api, String) -> Answer,
    ) -> Answer {
        let region = self.regions.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let api = apis.get(id).ok_or_else(|| api_missing(scope, id))?;
        read(api, self.api_endpoint(id))
    }
}

/// After a change to routes or integrations, auto-deploying stages must serve the new version.
fn auto_deploy_if_changed(api: &mut Api) {
    let current = api.snapshot();
    let stale = api.stages.values().any(|stage| {
        stage.auto_deploy
            && stage
                .deployment_id
                .as_ref()
                .and_then(|id| api.deployments.get(id))
                .is_none_or(|deployment| {
                    serde_json::to_string(&deployment.snapshot).ok()
                        != serde_json::to_string(&current).ok()
                })
    });
    if stale {
        auto_deploy(api);
    }
}

pub(super) fn api_missing(scope: &Scope, id: &str) -> AwsError {
    not_found(format!(
        "Invalid API identifier specified {}:{id}",
        scope.account
    ))
}

/// `arn:aws:apigateway:region::/apis/{id}` → `{id}`.
pub(super) fn api_id_of(arn: &str) -> String {
    arn.rsplit("/apis/")
        .next()
        .unwrap_or(arn)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}
