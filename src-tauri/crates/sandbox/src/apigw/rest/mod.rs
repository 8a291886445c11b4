//! API Gateway v1: REST APIs. [`routes`] lists the management operations on AWS's request paths
//! (`/restapis/{restapi_id}/resources/…`) and `api` serves them, one function per operation,
//! over [`model`]; `invoke` serves a REST API's invoke URL — the same
//! `/_aws/execute-api/{restApiId}/{stage}/…` or `{restApiId}.execute-api.localhost` as HTTP APIs,
//! and LocalStack's `/restapis/{id}/{stage}/_user_request_/…` — matching resources as AWS does
//! ([`matching`]). This module holds the REST APIs' state and persistence.

mod api;
mod authorize;
pub mod cache;
mod calls;
mod checks;
pub mod execution_log;
mod export;
mod import;
mod invoke;
mod mapping;
pub mod matching;
pub mod model;
mod patch;
mod refusal;
pub mod routes;
pub mod schema;
pub mod template;
mod test_invoke;
pub mod usage;

use std::collections::BTreeMap;

use self::model::RestApi;
use super::{ApiGateway, not_found};
use crate::store::{Mutation, Scope};
use crate::wire::{AwsError, Reply};

/// The REST APIs of one account in one region, by id.
pub type RestApis = BTreeMap<String, RestApi>;

/// What an operation answers.
type Answer = Result<Reply, AwsError>;

/// API Gateway's answer to an unknown REST API id.
fn api_missing(scope: &Scope, id: &str) -> AwsError {
    not_found(format!(
        "Invalid API identifier specified {}:{id}",
        scope.account
    ))
}

/// API Gateway's answers to ids and names that name nothing.
mod missing {
    use crate::apigw::not_found;
    use crate::wire::AwsError;

    pub fn resource() -> AwsError {
        not_found("Invalid Resource identifier specified")
    }

    pub fn method() -> AwsError {
        not_found("Invalid Method identifier specified")
    }

    pub fn integration() -> AwsError {
        not_found("No integration defined for method")
    }

    /// A method or integration response's status code.
    pub fn response() -> AwsError {
        not_found("Invalid Response status code specified")
    }

    pub fn deployment() -> AwsError {
        not_found("Invalid Deployment identifier specified")
    }

    pub fn stage() -> AwsError {
        not_found("Invalid Stage identifier specified")
    }

    pub fn authorizer() -> AwsError {
        not_found("Invalid Authorizer identifier specified")
    }

    pub fn model() -> AwsError {
        not_found("Invalid model name specified")
    }

    pub fn request_validator() -> AwsError {
        not_found("Invalid Request Validator identifier specified")
    }

    pub fn api_key() -> AwsError {
        not_found("Invalid API Key identifier specified")
    }

    pub fn usage_plan() -> AwsError {
        not_found("Invalid Usage Plan ID specified")
    }

    pub fn usage_plan_key() -> AwsError {
        not_found("Invalid Usage Plan Key identifier specified")
    }
}

impl ApiGateway {
    /// The account and region that hold REST API `id`.
    pub(super) fn rest_scope_of(&self, id: &str) -> Option<Scope> {
        self.rest_apis.all().into_iter().find_map(|(scope, apis)| {
            apis.read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(id)
                .then_some(scope)
        })
    }

    /// Whether `id` names a REST API of `scope` (rather than an HTTP or WebSocket API).
    pub(super) fn is_rest_api(&self, scope: &Scope, id: &str) -> bool {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        apis.contains_key(id)
    }

    /// Reads REST API `id` under the region's lock.
    fn read_rest_api(
        &self,
        scope: &Scope,
        id: &str,
        read: impl FnOnce(&RestApi) -> Answer,
    ) -> Answer {
        self.with_rest_api(scope, id, read)
    }

    /// Reads what `read` takes from REST API `id` under the region's lock.
    fn with_rest_api<T>(
        &self,
        scope: &Scope,
        id: &str,
        read: impl FnOnce(&RestApi) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        read(apis.get(id).ok_or_else(|| api_missing(scope, id))?)
    }

    /// Runs `change` on REST API `id` under the region's lock and saves the API. A change that
    /// fails leaves the API as it was.
    fn change_rest_api(
        &self,
        scope: &Scope,
        id: &str,
        change: impl FnOnce(&mut RestApi) -> Answer,
    ) -> Answer {
        let region = self.rest_apis.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        let api = apis.get_mut(id).ok_or_else(|| api_missing(scope, id))?;
        let mut changed = api.clone();
        let answer = change(&mut changed)?;
        self.persist_rest_api(scope, &changed);
        *api = changed;
        Ok(answer)
    }

    fn persist_rest_api(&self, scope: &Scope, api: &RestApi) {
        if let Ok(definition) = serde_json::to_string(api) {
            self.store.submit_for_request(vec![Mutation::PutRestApi {
                scope: scope.clone(),
                id: api.id.clone(),
                definition,
            }]);
        }
    }

    /// Reads the API keys and usage plans of `scope`.
    fn read_usage(&self, scope: &Scope, read: impl FnOnce(&usage::Usage) -> Answer) -> Answer {
        let region = self.usage.get(scope);
        let usage = region.read().unwrap_or_else(|p| p.into_inner());
        read(&usage)
    }

    /// Runs `change` on the API keys and usage plans of `scope` under their lock; the change
    /// saves what it changes.
    fn with_usage<T>(
        &self,
        scope: &Scope,
        change: impl FnOnce(&mut usage::Usage) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let region = self.usage.get(scope);
        let mut usage = region.write().unwrap_or_else(|p| p.into_inner());
        change(&mut usage)
    }

    fn change_usage(
        &self,
        scope: &Scope,
        change: impl FnOnce(&mut usage::Usage) -> Answer,
    ) -> Answer {
        self.with_usage(scope, change)
    }

    fn persist_api_key(&self, scope: &Scope, key: &usage::ApiKey) {
        self.persist_usage_record(scope, format!("key/{}", key.id), key);
    }

    fn persist_usage_plan(&self, scope: &Scope, plan: &usage::UsagePlan) {
        self.persist_usage_record(scope, format!("plan/{}", plan.id), plan);
    }

    fn persist_usage_record(&self, scope: &Scope, id: String, record: &impl serde::Serialize) {
        if let Ok(definition) = serde_json::to_string(record) {
            self.store.submit_for_request(vec![Mutation::PutRestUsage {
                scope: scope.clone(),
                id,
                definition,
            }]);
        }
    }

    fn persist_usage_deletion(&self, scope: &Scope, id: &str) {
        self.store
            .submit_for_request(vec![Mutation::DeleteRestUsage {
                scope: scope.clone(),
                id: id.to_owned(),
            }]);
    }

    /// Whether REST API `api_id` of `scope` has the stage `stage` (usage plans and keys name
    /// stages that must exist).
    fn rest_stage_exists(&self, scope: &Scope, api_id: &str, stage: &str) -> Result<(), AwsError> {
        self.read_rest_api(scope, api_id, |api| {
            if api.stages.contains_key(stage) {
                Ok(Reply::no_content())
            } else {
                Err(missing::stage())
            }
        })
        .map(drop)
    }

    fn persist_rest_api_deletion(&self, scope: &Scope, id: &str) {
        self.store.submit_for_request(vec![Mutation::DeleteRestApi {
            scope: scope.clone(),
            id: id.to_owned(),
        }]);
    }

    /// Every REST API, stage, API key and usage plan of `scope` with its ARN and tags (for the
    /// tagging API).
    pub fn rest_tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let mut tagged = Vec::new();
        for api in apis.values() {
            let arn = rest_api_arn(&scope.region, &api.id);
            for stage in api.stages.values() {
                let stage_arn = format!("{arn}/stages/{}", stage.stage_name);
                tagged.push((stage_arn, stage.tags.clone()));
            }
            tagged.push((arn, api.tags.clone()));
        }
        drop(apis);
        let usage = self.usage.get(scope);
        let usage = usage.read().unwrap_or_else(|p| p.into_inner());
        for key in usage.keys.values() {
            let arn = format!("arn:aws:apigateway:{}::/apikeys/{}", scope.region, key.id);
            tagged.push((arn, key.tags.clone()));
        }
        for plan in usage.plans.values() {
            let arn = format!(
                "arn:aws:apigateway:{}::/usageplans/{}",
                scope.region, plan.id
            );
            tagged.push((arn, plan.tags.clone()));
        }
        tagged
    }
}

/// LocalStack's invoke URL for REST APIs, which tutorials use:
/// `/restapis/{id}/{stage}/_user_request_/{path}` → `(id, /{stage}/{path})`.
pub fn legacy_invoke_target(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/restapis/")?;
    let (id, rest) = rest.split_once('/')?;
    let (stage, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("_user_request_")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some((id.to_owned(), format!("/{stage}{rest}")))
}

/// `arn:aws:apigateway:{region}::/restapis/{id}`.
pub fn rest_api_arn(region: &str, id: &str) -> String {
    format!("arn:aws:apigateway:{region}::/restapis/{id}")
}
