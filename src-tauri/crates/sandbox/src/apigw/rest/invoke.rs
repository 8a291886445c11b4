//! A REST API's data plane: a request to its invoke URL finds its stage (or, for a share of the
//! traffic, the stage's canary), the deployed resource and method it selects, and calls the
//! method's integration — a function as a proxy (`AWS_PROXY`, the payload 1.0 event), a function
//! without one (`AWS`, the body passed through), an HTTP backend, or nothing (`MOCK`) — answering
//! with API Gateway's own errors where AWS does. Non-proxy integrations go through [`mapping`]'s
//! templates on the way in and out.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::cache::{self, CacheUse, Caching};
use super::checks;
use super::mapping::{self, MethodRequest};
use super::matching;
use super::model::{AuthorizationType, GatewayResponse, IntegrationType, Method};
use super::refusal::{self, ACCESS_DENIED, FORBIDDEN, MISSING_TOKEN, OwnAnswer, Refusal, fail};
use super::usage::Admitted;
use crate::apigw::http::Trace;
use crate::apigw::{ApiGateway, Incoming, event, stage_variables};
use crate::store::Scope;

/// What a request selected: where it is served from and what it calls.
pub(super) struct Selected {
    pub api_id: String,
    pub stage: String,
    /// Whether the stage's canary serves the request.
    pub canary: bool,
    pub variables: BTreeMap<String, String>,
    pub resource_id: String,
    pub resource_path: String,
    pub path_parameters: BTreeMap<String, String>,
    pub method: Method,
    /// Where the API reads API keys.
    pub api_key_source: super::model::ApiKeySource,
    /// The API key the request was admitted with, for methods that require one.
    pub api_key: Option<Admitted>,
    /// The method's request validator and the deployment's models, when it has one.
    pub validation: Option<(
        super::model::RequestValidator,
        BTreeMap<String, super::model::Model>,
    )>,
    /// The stage's throttling for this method (`(rate, burst)`), when a method setting sets one
    /// below API Gateway's defaults, and the setting's key.
    pub throttle: Option<(String, f64, f64)>,
    /// How the stage caches the method's answers, when it does.
    pub caching: Option<Caching>,
    /// The authorizer the method names.
    pub authorizer: Option<super::model::Authorizer>,
    /// What the authorizer passes on (`requestContext.authorizer`), once it let the request in.
    pub authorization: Option<Json>,
    /// Who signed the request, once `AWS_IAM` authorization let it in.
    pub iam_caller: Option<crate::apigw::iam_auth::IamCaller>,
}

/// A fraction in [0, 100) drawn per request, for the canary's share.
fn percent_draw() -> f64 {
    let value = uuid::Uuid::new_v4().as_u128() as u64;
    (value % 1_000_000) as f64 / 10_000.0
}

impl ApiGateway {
    /// Serves a request to a REST API's invoke URL; `incoming.path` starts with the stage.
    pub(in crate::apigw) async fn route_rest_request(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        let response = match self.select_rest(scope, api_id, incoming, trace) {
            Ok(selected) => {
                self.serve_selected(scope, selected, incoming, request_id, trace)
                    .await
            }
            Err(refusal) => refusal.into_response(),
        };
        if response.extensions().get::<OwnAnswer>().is_none() {
            return response;
        }
        let Some((responses, variables)) = self.deployed_gateway_responses(scope, api_id, incoming)
        else {
            return response;
        };
        let context = json!({
            "requestId": request_id,
            "apiId": api_id,
            "stage": trace.stage,
            "httpMethod": incoming.method.as_str(),
        });
        refusal::reword(
            response,
            &responses,
            &refusal::Request {
                incoming,
                context,
                stage_variables: &variables,
            },
        )
    }

    /// The gateway responses the API customized in the deployment its stage serves, and the
    /// stage's variables; `None` when it customized none.
    fn deployed_gateway_responses(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
    ) -> Option<(BTreeMap<String, GatewayResponse>, BTreeMap<String, String>)> {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let api = apis.get(api_id)?;
        let trimmed = incoming.path.trim_start_matches('/');
        let stage_name = trimmed.split_once('/').map_or(trimmed, |(stage, _)| stage);
        let stage = api.stages.get(stage_name)?;
        let deployment = api.deployments.get(&stage.deployment_id)?;
        (!deployment.gateway_responses.is_empty()).then(|| {
            (
                deployment.gateway_responses.clone(),
                stage.variables.clone(),
            )
        })
    }

    /// Serves a request to the method it selected: authorization, API key, throttling and
    /// validation, then the integration.
    pub(super) async fn serve_selected(
        &self,
        scope: &Scope,
        mut selected: Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        match selected.method.authorization_type {
            AuthorizationType::None => {}
            AuthorizationType::AwsIam => {
                let request_path = incoming
                    .path
                    .trim_start_matches('/')
                    .split_once('/')
                    .map_or("", |(_, rest)| rest);
                let resource_arn = format!(
                    "arn:aws:execute-api:{}:{}:{}/{}/{}/{request_path}",
                    scope.region, scope.account, selected.api_id, selected.stage, incoming.method
                );
                let request =
                    crate::apigw::iam_auth::IamRequest::of(incoming, &resource_arn, &scope.region);
                match self.authorize_iam(&request) {
                    Ok(caller) => {
                        trace.authorizer = Some(caller.feed());
                        selected.iam_caller = Some(caller);
                    }
                    Err(refused) => {
                        trace.authorizer = Some(refused.feed());
                        trace.error =
                            Some(format!("AWS_IAM authorization refused: {}", refused.reason));
                        return refusal::iam(&refused).into_response();
                    }
                }
            }
            AuthorizationType::Custom | AuthorizationType::CognitoUserPools => {
                match self
                    .authorize_rest(scope, &selected, incoming, request_id, trace)
                    .await
                {
                    Ok(context) => selected.authorization = Some(context),
                    Err(refusal) => return refusal.into_response(),
                }
            }
        }
        if selected.method.api_key_required {
            match self.admit_api_key(scope, &selected, incoming, trace) {
                Ok(admitted) => selected.api_key = Some(admitted),
                Err(refusal) => return refusal.into_response(),
            }
        }
        if let Err(refusal) = self.throttle_stage(&selected, trace) {
            return refusal.into_response();
        }
        if let Err(refusal) = checks::validate_request(&selected, incoming, trace) {
            return refusal.into_response();
        }
        let Some(integration) = selected.method.integration.clone() else {
            let reason = "the method has no integration".to_owned();
            return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason);
        };
        let mut shown = integration.to_json();
        shown["servedBy"] = json!(if selected.canary { "canary" } else { "stage" });
        trace.integration = Some(shown);
        let Some(caching) = selected.caching.clone() else {
            return self
                .call_rest_integration(scope, &selected, &integration, incoming, request_id, trace)
                .await;
        };
        let prefix = cache::stage_prefix(scope, &selected.api_id, &selected.stage);
        let key = cache::key(
            &prefix,
            incoming.method.as_str(),
            &selected.resource_path,
            &integration.cache_key_parameters,
            incoming,
            &selected.path_parameters,
        );
        let fresh = cache::asks_for_fresh(incoming.headers);
        let refresh = fresh && !caching.require_authorization;
        if fresh && caching.require_authorization {
            if caching.unauthorized_strategy == "FAIL_WITH_403" {
                trace.error = Some(
                    "Cache-Control: max-age=0 needs authorization on this stage, and the caller has none"
                        .into(),
                );
                return ACCESS_DENIED.into_response();
            }
            tracing::debug!("an unauthorized Cache-Control: max-age=0 is ignored");
        }
        if !refresh && let Some(answer) = self.response_cache.answer(&key) {
            trace.cache = Some(CacheUse::Hit);
            return answer;
        }
        trace.cache = Some(if refresh {
            CacheUse::Refreshed
        } else {
            CacheUse::Miss
        });
        let response = self
            .call_rest_integration(scope, &selected, &integration, incoming, request_id, trace)
            .await;
        self.response_cache.keep(key, caching.ttl, response).await
    }

    /// Calls the method's integration with the stage's variables in its URI.
    async fn call_rest_integration(
        &self,
        scope: &Scope,
        selected: &Selected,
        integration: &super::model::Integration,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        let uri = match stage_variables::substitute(
            integration.uri.as_deref().unwrap_or_default(),
            &selected.stage,
            &selected.variables,
        ) {
            Ok(uri) => uri,
            Err(unresolved) => {
                return fail(
                    trace,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    unresolved.to_string(),
                );
            }
        };
        match integration.integration_type {
            IntegrationType::AwsProxy => {
                self.rest_lambda_proxy(
                    scope,
                    selected,
                    integration,
                    &uri,
                    incoming,
                    request_id,
                    trace,
                )
                .await
            }
            IntegrationType::Aws if uri.contains(":lambda:path/") => {
                let request = Self::method_request(scope, selected, incoming, request_id);
                self.rest_lambda(
                    scope,
                    selected,
                    integration,
                    &uri,
                    incoming,
                    &request,
                    trace,
                )
                .await
            }
            IntegrationType::Aws => {
                let request = Self::method_request(scope, selected, incoming, request_id);
                self.rest_aws_service(scope, integration, &uri, incoming, &request, trace)
                    .await
            }
            IntegrationType::HttpProxy | IntegrationType::Http => {
                let request = Self::method_request(scope, selected, incoming, request_id);
                self.rest_http(selected, integration, &uri, incoming, &request, trace)
                    .await
            }
            IntegrationType::Mock => {
                let request = Self::method_request(scope, selected, incoming, request_id);
                mapping::mock(integration, incoming, &request, trace)
            }
        }
    }

    /// The stage, deployment, resource and method a request selects, or API Gateway's answer
    /// when it selects none.
    fn select_rest(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        trace: &mut Trace,
    ) -> Result<Selected, Refusal> {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let api = apis
            .get(api_id)
            .filter(|api| !api.disable_execute_api_endpoint)
            .ok_or(FORBIDDEN)?;
        let trimmed = incoming.path.trim_start_matches('/');
        let (stage_name, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let stage = api.stages.get(stage_name).ok_or(FORBIDDEN)?;
        trace.stage = Some(stage.stage_name.clone());
        trace.access_log = stage.access_log_settings.as_ref().map(|settings| {
            crate::apigw::model::AccessLogSettings {
                destination_arn: settings.destination_arn.clone(),
                format: settings.format.clone(),
            }
        });
        let mut variables = stage.variables.clone();
        let mut deployment_id = &stage.deployment_id;
        let mut canary = false;
        if let Some(settings) = &stage.canary_settings
            && let Some(id) = &settings.deployment_id
            && percent_draw() < settings.percent_traffic
        {
            deployment_id = id;
            canary = true;
            variables.extend(settings.stage_variable_overrides.clone());
        }
        let deployment = api.deployments.get(deployment_id).ok_or(FORBIDDEN)?;
        let path = crate::wire::percent::decode(&format!("/{rest}"));
        let matched = matching::select(&deployment.resources, &api.root_resource_id, &path)
            .ok_or(MISSING_TOKEN)?;
        let resource = &deployment.resources[&matched.resource_id];
        let method_name = incoming.method.as_str().to_ascii_uppercase();
        let method = resource
            .methods
            .get(&method_name)
            .or_else(|| resource.methods.get("ANY"))
            .ok_or(MISSING_TOKEN)?;
        let resource_path = super::model::path_in(&deployment.resources, &resource.id);
        trace.route_key = Some(format!("{method_name} {resource_path}"));
        let throttle = checks::stage_throttle(stage, &resource_path, &method_name);
        let caching = cache::caching(stage, &resource_path, &method_name, canary);
        trace.execution_log = super::execution_log::logging(stage, &resource_path, &method_name);
        let validation = method
            .request_validator_id
            .as_ref()
            .and_then(|id| deployment.request_validators.get(id))
            .map(|validator| (validator.clone(), deployment.models.clone()));
        Ok(Selected {
            api_id: api.id.clone(),
            stage: stage.stage_name.clone(),
            canary,
            variables,
            resource_id: resource.id.clone(),
            resource_path,
            path_parameters: matched.path_parameters,
            method: method.clone(),
            api_key_source: api.api_key_source,
            api_key: None,
            throttle,
            validation,
            caching,
            authorizer: method
                .authorizer_id
                .as_ref()
                .and_then(|id| api.authorizers.get(id))
                .cloned(),
            authorization: None,
            iam_caller: None,
        })
    }

    /// The ARN API Gateway presents to Lambda for a request: `…:{api}/{stage}/{METHOD}{path}`.
    pub(super) fn rest_source_arn(scope: &Scope, selected: &Selected, method: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{method}{}",
            scope.region, scope.account, selected.api_id, selected.stage, selected.resource_path
        )
    }

    /// The payload 1.0 proxy event of a REST API, field for field.
    pub(super) fn rest_event(
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> Json {
        let method = incoming.method.as_str();
        let route_key = format!("{method} {}", selected.resource_path);
        let route_path = format!(
            "/{}",
            incoming
                .path
                .trim_start_matches('/')
                .split_once('/')
                .map_or("", |(_, rest)| rest)
        );
        let request = event::Request {
            scope,
            api_id: &selected.api_id,
            stage: &selected.stage,
            route_key: &route_key,
            path: &route_path,
            route_path: &route_path,
            query: incoming.query,
            method,
            headers: incoming.headers,
            body: &incoming.body,
            path_parameters: &selected.path_parameters,
            stage_variables: &selected.variables,
            request_id,
        };
        let mut payload = event::version_1(&request);
        if let Some(object) = payload.as_object_mut() {
            object.remove("version");
        }
        payload["requestContext"]["resourceId"] = json!(selected.resource_id);
        payload["requestContext"]["extendedRequestId"] =
            json!(event::extended_request_id(request_id));
        if let Some(key) = &selected.api_key {
            payload["requestContext"]["identity"]["apiKey"] = json!(key.key_value);
            payload["requestContext"]["identity"]["apiKeyId"] = json!(key.key_id);
        }
        payload["requestContext"]["path"] = json!(format!("/{}{route_path}", selected.stage));
        if let Some(authorizer) = &selected.authorization {
            payload["requestContext"]["authorizer"] = authorizer.clone();
        }
        if let Some(caller) = &selected.iam_caller {
            caller.fill_identity(&mut payload["requestContext"]["identity"]);
        }
        payload
    }

    /// What a mapping template sees of a request; its `$context` is the proxy event's.
    fn method_request(
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> MethodRequest {
        let mut event = Self::rest_event(scope, selected, incoming, request_id);
        MethodRequest::new(
            incoming,
            &selected.path_parameters,
            event["requestContext"].take(),
            &selected.variables,
        )
    }
}
