//! REST APIs (API Gateway v1): the API, its resources, methods with their integrations and
//! responses, and deployments to stages. Each is found before it is made, so running a step
//! again changes nothing: an API carrying the lab's tags is reused, a resource by its parent
//! and path part, a method response by its status (an integration and its responses are put
//! again, which API Gateway treats as replacing them).

use aws_sdk_apigateway::types::{
    ApiStage, CacheClusterSize, EndpointConfiguration, EndpointType, IntegrationType,
    QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use serde_json::json;

use super::{Context, Done, ProvisionError, aws_error, code_of};
use crate::journal::Kind;
use crate::lesson::action::{
    CreateApiKey, CreateRestApi, CreateUsagePlan, PutIntegration, PutMethod,
};

pub(super) async fn create_rest_api(
    context: &Context<'_>,
    action: &CreateRestApi,
    name: &str,
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let apis = rest
        .get_rest_apis()
        .limit(500)
        .send()
        .await
        .map_err(|error| aws_error("GetRestApis", error))?;
    let ours = apis
        .items()
        .iter()
        .find(|api| context.made(name, api.name(), api.tags()));
    let (id, root) = match ours {
        Some(api) => {
            let id = api.id().unwrap_or_default().to_owned();
            context.reclaim(Kind::RestApi, name, &id)?;
            (id, api.root_resource_id().unwrap_or_default().to_owned())
        }
        None => {
            context
                .journaled(Kind::RestApi, name, None, async {
                    let mut request = rest
                        .create_rest_api()
                        .name(name)
                        .set_description(action.description.clone())
                        .endpoint_configuration(
                            EndpointConfiguration::builder()
                                .types(EndpointType::from(action.endpoint_type.as_str()))
                                .build(),
                        );
                    for (key, value) in context.tags() {
                        request = request.tags(key, value);
                    }
                    let output = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateRestApi", error))?;
                    let id = output.id().unwrap_or_default().to_owned();
                    let root = output.root_resource_id().unwrap_or_default().to_owned();
                    Ok(((id.clone(), root), Some(id)))
                })
                .await?
        }
    };
    Ok(Done {
        summary: format!("REST API {name} is {id}, its root resource {root}"),
        response: json!({"id": id, "name": name, "rootResourceId": root}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn create_resource(
    context: &Context<'_>,
    api: &str,
    parent: &str,
    path_part: &str,
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let resources = rest
        .get_resources()
        .rest_api_id(api)
        .limit(500)
        .send()
        .await
        .map_err(|error| aws_error("GetResources", error))?;
    let existing = resources
        .items()
        .iter()
        .find(|resource| {
            resource.parent_id() == Some(parent) && resource.path_part() == Some(path_part)
        })
        .map(|resource| {
            (
                resource.id().unwrap_or_default().to_owned(),
                resource.path().unwrap_or_default().to_owned(),
            )
        });
    let (id, path) = match existing {
        Some(found) => found,
        None => {
            let created = rest
                .create_resource()
                .rest_api_id(api)
                .parent_id(parent)
                .path_part(path_part)
                .send()
                .await
                .map_err(|error| aws_error("CreateResource", error))?;
            (
                created.id().unwrap_or_default().to_owned(),
                created.path().unwrap_or_default().to_owned(),
            )
        }
    };
    Ok(Done {
        summary: format!("resource {path} is {id}"),
        response: json!({"id": id, "path": path, "parentId": parent, "pathPart": path_part}),
        commands: Vec::new(),
        adopted: None,
    })
}

/// A method as the step describes it; one already there must match it.
/// The method a step puts: on which resource of which API, and its authorizer's id if any.
pub(super) struct MethodTarget {
    pub api: String,
    pub resource: String,
    pub method: String,
    pub authorizer: Option<String>,
}

pub(super) async fn put_method(
    context: &Context<'_>,
    action: &PutMethod,
    target: &MethodTarget,
) -> Result<Done, ProvisionError> {
    let (api, resource, method) = (
        target.api.as_str(),
        target.resource.as_str(),
        target.method.as_str(),
    );
    let rest = &context.cloud.rest;
    let found = rest
        .get_method()
        .rest_api_id(api)
        .resource_id(resource)
        .http_method(method)
        .send()
        .await;
    match found {
        Ok(existing) => {
            let same = existing.authorization_type() == Some(action.authorization.as_str())
                && existing.authorizer_id() == target.authorizer.as_deref()
                && existing.api_key_required().unwrap_or(false) == action.api_key_required;
            if !same {
                return Err(ProvisionError::Conflict(format!(
                    "method {method} exists already with authorization {} and API key {}, not {} and {}",
                    existing.authorization_type().unwrap_or("none"),
                    if existing.api_key_required().unwrap_or(false) {
                        "required"
                    } else {
                        "not required"
                    },
                    action.authorization,
                    if action.api_key_required {
                        "required"
                    } else {
                        "not required"
                    },
                )));
            }
        }
        Err(error) if code_of(&error) == Some("NotFoundException") => {
            rest.put_method()
                .rest_api_id(api)
                .resource_id(resource)
                .http_method(method)
                .authorization_type(&action.authorization)
                .set_authorizer_id(target.authorizer.clone())
                .api_key_required(action.api_key_required)
                .send()
                .await
                .map_err(|error| aws_error("PutMethod", error))?;
        }
        Err(error) => return Err(aws_error("GetMethod", error)),
    }
    Ok(Done {
        summary: format!(
            "method {method} with authorization {}",
            action.authorization
        ),
        response: json!({"httpMethod": method, "authorizationType": action.authorization}),
        commands: Vec::new(),
        adopted: None,
    })
}

/// The values a `put-integration` step's strings resolve to.
pub(super) struct IntegrationTarget {
    pub api: String,
    pub resource: String,
    pub method: String,
    pub uri: Option<String>,
}

pub(super) async fn put_integration(
    context: &Context<'_>,
    action: &PutIntegration,
    target: &IntegrationTarget,
    fill: &(dyn Fn(&str) -> Result<String, ProvisionError> + Sync),
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let IntegrationTarget {
        api,
        resource,
        method,
        uri,
    } = target;
    let mut request = rest
        .put_integration()
        .rest_api_id(api)
        .resource_id(resource)
        .http_method(method)
        .r#type(IntegrationType::from(action.integration_type.as_str()))
        .integration_http_method(&action.integration_method)
        .set_uri(uri.clone())
        .set_passthrough_behavior(action.passthrough_behavior.clone());
    for (content_type, template) in &action.request_templates {
        request = request.request_templates(content_type, fill(template)?);
    }
    request
        .send()
        .await
        .map_err(|error| aws_error("PutIntegration", error))?;
    for response in &action.responses {
        let status = fill(&response.status)?;
        let present = rest
            .get_method_response()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .status_code(&status)
            .send()
            .await;
        match present {
            Ok(_) => {}
            Err(error) if code_of(&error) == Some("NotFoundException") => {
                rest.put_method_response()
                    .rest_api_id(api)
                    .resource_id(resource)
                    .http_method(method)
                    .status_code(&status)
                    .response_models("application/json", "Empty")
                    .send()
                    .await
                    .map_err(|error| aws_error("PutMethodResponse", error))?;
            }
            Err(error) => return Err(aws_error("GetMethodResponse", error)),
        }
        let mut request = rest
            .put_integration_response()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .status_code(&status)
            .set_selection_pattern(
                response
                    .selection_pattern
                    .as_deref()
                    .map(fill)
                    .transpose()?,
            );
        for (content_type, template) in &response.templates {
            request = request.response_templates(content_type, fill(template)?);
        }
        request
            .send()
            .await
            .map_err(|error| aws_error("PutIntegrationResponse", error))?;
    }
    let statuses: Vec<&str> = action.responses.iter().map(|r| r.status.as_str()).collect();
    let answers = if statuses.is_empty() {
        String::new()
    } else {
        format!(", answering {}", statuses.join(" or "))
    };
    Ok(Done {
        summary: format!(
            "{method} calls {} {}{answers}",
            action.integration_type,
            uri.as_deref().unwrap_or("(no backend)")
        ),
        response: json!({"type": action.integration_type, "uri": uri}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn create_deployment(
    context: &Context<'_>,
    api: &str,
    stage: Option<&str>,
    variables: std::collections::BTreeMap<String, String>,
) -> Result<Done, ProvisionError> {
    let output = context
        .cloud
        .rest
        .create_deployment()
        .rest_api_id(api)
        .set_stage_name(stage.map(str::to_owned))
        .set_variables((!variables.is_empty()).then(|| variables.into_iter().collect()))
        .send()
        .await
        .map_err(|error| aws_error("CreateDeployment", error))?;
    let id = output.id().unwrap_or_default().to_owned();
    Ok(match stage {
        Some(stage) => {
            let invoke_url = invoke_url(context, api, stage);
            Done {
                summary: format!("deployment {id} is live on stage {stage} at {invoke_url}"),
                response: json!({"id": id, "invokeUrl": invoke_url}),
                commands: Vec::new(),
                adopted: None,
            }
        }
        None => Done {
            summary: format!("deployment {id} is made; a stage can serve it"),
            response: json!({"id": id}),
            commands: Vec::new(),
            adopted: None,
        },
    })
}

/// A REST API stage as a lesson asks for it, its parameters filled.
pub(super) struct Stage {
    pub api: String,
    pub name: String,
    pub deployment: String,
    pub description: Option<String>,
    pub variables: std::collections::BTreeMap<String, String>,
    /// Whether the stage gets a cache (0.5 GB).
    pub cached: bool,
    /// UpdateStage patch operations (`path`, `value`) for its method settings.
    pub settings: Vec<(&'static str, String)>,
}

/// Creates the stage, or — when a run before made it — points it at the deployment and sets its
/// variables; then applies its method settings.
pub(super) async fn create_stage(
    context: &Context<'_>,
    stage: Stage,
) -> Result<Done, ProvisionError> {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    let rest = &context.cloud.rest;
    let replace = |path: String, value: String| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    let mut patches: Vec<PatchOperation> = stage
        .settings
        .iter()
        .map(|(path, value)| replace((*path).to_owned(), value.clone()))
        .collect();
    let created = rest
        .create_stage()
        .rest_api_id(&stage.api)
        .stage_name(&stage.name)
        .deployment_id(&stage.deployment)
        .set_description(stage.description.clone())
        .set_variables(
            (!stage.variables.is_empty()).then(|| stage.variables.clone().into_iter().collect()),
        )
        .cache_cluster_enabled(stage.cached)
        .set_cache_cluster_size(stage.cached.then_some(CacheClusterSize::Size0Point5Gb))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(error) if code_of(&error) == Some("ConflictException") => {
            patches.push(replace("/deploymentId".into(), stage.deployment.clone()));
            patches.push(replace(
                "/cacheClusterEnabled".into(),
                stage.cached.to_string(),
            ));
            for (name, value) in &stage.variables {
                patches.push(replace(format!("/variables/{name}"), value.clone()));
            }
        }
        Err(error) => return Err(aws_error("CreateStage", error)),
    }
    if !patches.is_empty() {
        rest.update_stage()
            .rest_api_id(&stage.api)
            .stage_name(&stage.name)
            .set_patch_operations(Some(patches))
            .send()
            .await
            .map_err(|error| aws_error("UpdateStage", error))?;
    }
    let invoke_url = invoke_url(context, &stage.api, &stage.name);
    Ok(Done {
        summary: format!(
            "stage {} serves deployment {} at {invoke_url}",
            stage.name, stage.deployment
        ),
        response: json!({"stageName": stage.name, "invokeUrl": invoke_url}),
        commands: Vec::new(),
        adopted: None,
    })
}

/// A stage's invoke URL, as the console shows it: the sandbox's execute-api path, or AWS's
/// regional host.
fn invoke_url(context: &Context<'_>, api: &str, stage: &str) -> String {
    match &context.cloud.endpoint_url {
        Some(endpoint) => format!(
            "{}/_aws/execute-api/{api}/{stage}",
            endpoint.trim_end_matches('/')
        ),
        None => format!(
            "https://{api}.execute-api.{}.amazonaws.com/{stage}",
            context.cloud.region
        ),
    }
}

pub(super) async fn create_api_key(
    context: &Context<'_>,
    action: &CreateApiKey,
    name: &str,
    value: Option<String>,
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let keys = rest
        .get_api_keys()
        .name_query(name)
        .include_values(true)
        .limit(500)
        .send()
        .await
        .map_err(|error| aws_error("GetApiKeys", error))?;
    let ours = keys
        .items()
        .iter()
        .find(|key| context.made(name, key.name(), key.tags()));
    let (id, key_value) = match ours {
        Some(key) => {
            let id = key.id().unwrap_or_default().to_owned();
            context.reclaim(Kind::ApiKey, name, &id)?;
            (id, key.value().unwrap_or_default().to_owned())
        }
        None => {
            context
                .journaled(Kind::ApiKey, name, None, async {
                    let mut request = rest
                        .create_api_key()
                        .name(name)
                        .enabled(action.enabled)
                        .set_value(value);
                    for (key, value) in context.tags() {
                        request = request.tags(key, value);
                    }
                    let output = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateApiKey", error))?;
                    let id = output.id().unwrap_or_default().to_owned();
                    let value = output.value().unwrap_or_default().to_owned();
                    Ok(((id.clone(), value), Some(id)))
                })
                .await?
        }
    };
    Ok(Done {
        summary: format!(
            "API key {name} is {id} ({})",
            if action.enabled {
                "enabled"
            } else {
                "disabled"
            }
        ),
        response: json!({"id": id, "name": name, "value": key_value, "enabled": action.enabled}),
        commands: Vec::new(),
        adopted: None,
    })
}

impl PlanLimits {
    /// The limits of `action`, its stages (`apiId:stage`) already filled.
    pub fn of(
        action: &CreateUsagePlan,
        stages: Vec<String>,
        period: Option<String>,
    ) -> Result<Self, ProvisionError> {
        let stages = stages
            .into_iter()
            .map(|stage| {
                stage
                    .split_once(':')
                    .map(|(api, name)| (api.to_owned(), name.to_owned()))
                    .ok_or_else(|| {
                        ProvisionError::Lesson(format!(
                            "usage plan stage {stage:?} is not apiId:stage"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        let throttle = (action.rate_limit.is_some() || action.burst_limit.is_some()).then(|| {
            ThrottleSettings::builder()
                .set_rate_limit(action.rate_limit)
                .set_burst_limit(action.burst_limit)
                .build()
        });
        let quota = action.quota_limit.map(|limit| {
            QuotaSettings::builder()
                .limit(limit)
                .period(QuotaPeriodType::from(period.as_deref().unwrap_or("DAY")))
                .build()
        });
        Ok(Self {
            stages,
            throttle,
            quota,
        })
    }
}

/// A usage plan's stages, throttle and quota as the step gives them.
pub(super) struct PlanLimits {
    pub stages: Vec<(String, String)>,
    pub throttle: Option<ThrottleSettings>,
    pub quota: Option<QuotaSettings>,
}

pub(super) async fn create_usage_plan(
    context: &Context<'_>,
    name: &str,
    limits: PlanLimits,
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let plans = rest
        .get_usage_plans()
        .limit(500)
        .send()
        .await
        .map_err(|error| aws_error("GetUsagePlans", error))?;
    let ours = plans
        .items()
        .iter()
        .find(|plan| context.made(name, plan.name(), plan.tags()));
    let id = match ours {
        Some(plan) => {
            let id = plan.id().unwrap_or_default().to_owned();
            context.reclaim(Kind::UsagePlan, name, &id)?;
            id
        }
        None => {
            context
                .journaled(Kind::UsagePlan, name, None, async {
                    let mut request = rest
                        .create_usage_plan()
                        .name(name)
                        .set_throttle(limits.throttle)
                        .set_quota(limits.quota);
                    for (api, stage) in &limits.stages {
                        request = request
                            .api_stages(ApiStage::builder().api_id(api).stage(stage).build());
                    }
                    for (key, value) in context.tags() {
                        request = request.tags(key, value);
                    }
                    let output = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateUsagePlan", error))?;
                    let id = output.id().unwrap_or_default().to_owned();
                    Ok((id.clone(), Some(id)))
                })
                .await?
        }
    };
    Ok(Done {
        summary: format!("usage plan {name} is {id}"),
        response: json!({"id": id, "name": name}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn create_usage_plan_key(
    context: &Context<'_>,
    plan: &str,
    key: &str,
) -> Result<Done, ProvisionError> {
    let rest = &context.cloud.rest;
    let keys = rest
        .get_usage_plan_keys()
        .usage_plan_id(plan)
        .limit(500)
        .send()
        .await
        .map_err(|error| aws_error("GetUsagePlanKeys", error))?;
    if !keys.items().iter().any(|found| found.id() == Some(key)) {
        rest.create_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(key)
            .key_type("API_KEY")
            .send()
            .await
            .map_err(|error| aws_error("CreateUsagePlanKey", error))?;
    }
    Ok(Done {
        summary: format!("API key {key} is in usage plan {plan}"),
        response: json!({"id": key, "type": "API_KEY"}),
        commands: Vec::new(),
        adopted: None,
    })
}
