//! The API Gateway v2 control plane for HTTP and WebSocket APIs: APIs, integrations, routes,
//! stages, deployments, tags, and for WebSocket APIs route and integration responses. Paths and members are API Gateway's (`/v2/apis/{apiId}/routes`, camelCase).

use std::collections::BTreeMap;

use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::model::{
    Api, Deployment, Integration, IntegrationResponse, Route, RouteResponse, Stage, new_id, now_iso,
};
use super::routing::RouteKey;
use super::{ApiGateway, bad_request, conflict, integration_uri, not_found, parameter_mapping};
use crate::store::Scope;
use crate::wire::{AwsError, BodyError, json_created, json_ok, no_content, parse_json_body};

/// A WebSocket integration's timeout when none is given, which is also its longest.
const WEBSOCKET_TIMEOUT_MILLIS: u32 = 29_000;

type Answer = Result<Response, AwsError>;

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => bad_request(format!("Invalid input: {field} is required")),
        BodyError::Malformed(text) => bad_request(format!("Invalid JSON in request body: {text}")),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiInput {
    name: Option<String>,
    protocol_type: Option<String>,
    description: Option<String>,
    route_selection_expression: Option<String>,
    cors_configuration: Option<Json>,
    disable_execute_api_endpoint: Option<bool>,
    version: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    target: Option<String>,
    route_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationInput {
    integration_type: Option<String>,
    integration_uri: Option<String>,
    integration_method: Option<String>,
    payload_format_version: Option<String>,
    timeout_in_millis: Option<i64>,
    description: Option<String>,
    request_parameters: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteInput {
    route_key: Option<String>,
    target: Option<String>,
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    route_response_selection_expression: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteResponseInput {
    route_response_key: Option<String>,
    model_selection_expression: Option<String>,
    response_models: Option<Json>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationResponseInput {
    integration_response_key: Option<String>,
    template_selection_expression: Option<String>,
    response_templates: Option<Json>,
    content_handling_strategy: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageInput {
    stage_name: Option<String>,
    auto_deploy: Option<bool>,
    deployment_id: Option<String>,
    description: Option<String>,
    stage_variables: Option<BTreeMap<String, String>>,
    default_route_settings: Option<Json>,
    route_settings: Option<Json>,
    access_log_settings: Option<Json>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentInput {
    stage_name: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagsInput {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

fn check_integration(
    input: &IntegrationInput,
    integration: &mut Integration,
    websocket: bool,
) -> Result<(), AwsError> {
    if let Some(kind) = &input.integration_type {
        if websocket {
            if !["AWS_PROXY", "HTTP_PROXY", "MOCK"].contains(&kind.as_str()) {
                return Err(bad_request(format!(
                    "Unsupported integration type '{kind}' in the sandbox's WebSocket APIs: use \
                     AWS_PROXY, HTTP_PROXY or MOCK"
                )));
            }
        } else if !["AWS_PROXY", "HTTP_PROXY"].contains(&kind.as_str()) {
            return Err(bad_request(format!(
                "Unsupported integration type '{kind}' for an HTTP API: use AWS_PROXY or HTTP_PROXY"
            )));
        }
        integration.integration_type = kind.clone();
    }
    if let Some(uri) = &input.integration_uri {
        integration.integration_uri = Some(uri.clone());
    }
    if let Some(method) = &input.integration_method {
        integration.integration_method = Some(method.clone());
    }
    if let Some(version) = &input.payload_format_version {
        if websocket && version != "1.0" {
            return Err(bad_request(format!(
                "Invalid payload format version specified: {version}. WebSocket APIs support \
                 only 1.0"
            )));
        }
        if version != "1.0" && version != "2.0" {
            return Err(bad_request(format!(
                "Invalid payload format version specified: {version}. Valid values are 1.0 and 2.0"
            )));
        }
        integration.payload_format_version = version.clone();
    }
    if let Some(timeout) = input.timeout_in_millis {
        // WebSocket integrations may wait 29 seconds at most, HTTP API ones 30.
        let (longest, seconds) = if websocket {
            (i64::from(WEBSOCKET_TIMEOUT_MILLIS), 29)
        } else {
            (30_000, 30)
        };
        if !(50..=longest).contains(&timeout) {
            return Err(bad_request(format!(
                "Timeout must be between 50 milliseconds and {seconds} seconds."
            )));
        }
        integration.timeout_millis = timeout as u32;
    }
    if input.description.is_some() {
        integration.description = input.description.clone();
    }
    if integration.integration_type == "HTTP_PROXY" && integration.integration_method.is_none() {
        return Err(bad_request(
            "IntegrationMethod is required for HTTP_PROXY integrations.",
        ));
    }
    if integration.integration_uri.is_none() && integration.integration_type != "MOCK" {
        return Err(bad_request(
            "IntegrationUri is required for AWS_PROXY and HTTP_PROXY integrations.",
        ));
    }
    if let Some(uri) = &integration.integration_uri
        && !integration_uri::is_valid(&integration.integration_type, uri)
    {
        return Err(bad_request(integration_uri::INVALID));
    }
    if let Some(parameters) = &input.request_parameters {
        integration.request_parameters = parameters.clone();
    }
    if !integration.request_parameters.is_empty() {
        if websocket || integration.integration_type != "HTTP_PROXY" {
            return Err(bad_request(
                "requestParameters are served by the sandbox for HTTP API HTTP_PROXY \
                 integrations only (AWS_PROXY takes them with an integrationSubtype, which the \
                 sandbox does not serve)",
            ));
        }
        for (key, value) in &integration.request_parameters {
            parameter_mapping::parse(key, value).map_err(bad_request)?;
        }
    }
    Ok(())
}

fn check_route(api: &Api, route: &Route, except: Option<&str>) -> Result<(), AwsError> {
    if api.is_websocket() {
        // `$connect`, `$disconnect`, `$default`, or the value the selection expression picks.
        if route.route_key.is_empty() || route.route_key.len() > 128 {
            return Err(bad_request(format!(
                "Unable to create route {}: a WebSocket route key has 1 to 128 characters",
                route.route_key
            )));
        }
        if let Some(expression) = &route.route_response_selection_expression
            && expression != "$default"
        {
            return Err(bad_request(format!(
                "Invalid route response selection expression specified: {expression}. \
                 WebSocket routes support $default"
            )));
        }
    } else {
        RouteKey::parse(&route.route_key).map_err(bad_request)?;
        if route.route_response_selection_expression.is_some() {
            return Err(bad_request(
                "RouteResponseSelectionExpression is supported only for WebSocket APIs",
            ));
        }
    }
    if api
        .routes
        .values()
        .any(|other| other.route_key == route.route_key && Some(other.id.as_str()) != except)
    {
        return Err(conflict(format!(
            "Route with key {} already exists for this API",
            route.route_key
        )));
    }
    if let Some(target) = &route.target {
        let id = target.strip_prefix("integrations/").ok_or_else(|| {
            bad_request(format!(
                "Invalid target: {target}. Targets take the form integrations/{{integrationId}}"
            ))
        })?;
        if !api.integrations.contains_key(id) {
            return Err(not_found(format!(
                "Invalid Integration identifier specified {id}"
            )));
        }
    }
    if !["NONE", "JWT", "AWS_IAM", "CUSTOM"].contains(&route.authorization_type.as_str()) {
        return Err(bad_request(format!(
            "Invalid authorization type: {}",
            route.authorization_type
        )));
    }
    if matches!(route.authorization_type.as_str(), "JWT" | "CUSTOM")
        && !route
            .authorizer_id
            .as_ref()
            .is_some_and(|id| api.authorizers.contains_key(id))
    {
        return Err(bad_request(format!(
            "Invalid authorizer ID specified: {}",
            route.authorizer_id.clone().unwrap_or_default()
        )));
    }
    Ok(())
}

/// API Gateway's answer to an unknown id of a `what` (`Route`, `IntegrationResponse`, …).
fn invalid_id(what: &str, id: &str) -> AwsError {
    not_found(format!("Invalid {what} identifier specified {id}"))
}

fn route_of<'a>(api: &'a Api, route: &str) -> Result<&'a Route, AwsError> {
    api.routes
        .get(route)
        .ok_or_else(|| invalid_id("Route", route))
}

fn integration_of<'a>(api: &'a Api, integration: &str) -> Result<&'a Integration, AwsError> {
    api.integrations
        .get(integration)
        .ok_or_else(|| invalid_id("Integration", integration))
}

/// `{"items": […]}`: every member of a sub-resource collection.
fn items<T>(members: &BTreeMap<String, T>, to_json: fn(&T) -> Json) -> Response {
    json_ok(json!({"items": members.values().map(to_json).collect::<Vec<_>>()}))
}

/// One member of a sub-resource collection.
fn one<T>(members: &BTreeMap<String, T>, id: &str, what: &str, to_json: fn(&T) -> Json) -> Answer {
    members
        .get(id)
        .map(|member| json_ok(to_json(member)))
        .ok_or_else(|| invalid_id(what, id))
}

/// Deletes one member of a sub-resource collection.
fn remove<T>(members: &mut BTreeMap<String, T>, id: &str, what: &str) -> Answer {
    members
        .remove(id)
        .map(|_| no_content())
        .ok_or_else(|| invalid_id(what, id))
}

/// Auto-deploying stages serve every change at once: give each a fresh deployment.
fn auto_deploy(api: &mut Api) {
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
    /// Handles `/v2/…`; `None` if the path is not API Gateway's.
    pub async fn handle(
        &self,
        scope: &Scope,
        method: &Method,
        path: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> Option<Answer> {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(crate::lambda::percent_decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let (answer, commits) = crate::store::collect_commits(|| {
            self.route_control(scope, method, path, &segments, query, body)
        });
        let answer = answer?;
        // This request's changes, and no other's, are saved before it answers.
        if let Err(error) = Self::settle(commits).await {
            return Some(Err(error));
        }
        Some(answer)
    }

    /// The control-plane operations, each synchronous under its region's lock; `None` when the
    /// path is not one of API Gateway's.
    fn route_control(
        &self,
        scope: &Scope,
        method: &Method,
        path: &str,
        segments: &[&str],
        query: Option<&str>,
        body: &[u8],
    ) -> Option<Answer> {
        let answer = match (method.clone(), segments) {
            (Method::POST, ["v2", "apis"]) => self.create_api(scope, body),
            (Method::GET, ["v2", "apis"]) => self.get_apis(scope),
            (Method::GET, ["v2", "apis", id]) => self.read(scope, id, |api, endpoint| Ok(json_ok(api.to_json(&endpoint)))),
            (Method::PATCH, ["v2", "apis", id]) => self.update_api(scope, id, body),
            (Method::DELETE, ["v2", "apis", id]) => self.delete_api(scope, id),
            (Method::POST, ["v2", "apis", id, "integrations"]) => self.create_integration(scope, id, body),
            (Method::GET, ["v2", "apis", id, "integrations"]) => self.read(scope, id, |api, _| {
                Ok(json_ok(json!({"items": api.integrations.values().map(Integration::to_json).collect::<Vec<_>>()})))
            }),
            (Method::GET, ["v2", "apis", id, "integrations", integration]) => self.read(scope, id, |api, _| {
                api.integrations
                    .get(*integration)
                    .map(|i| json_ok(i.to_json()))
                    .ok_or_else(|| not_found(format!("Invalid Integration identifier specified {integration}")))
            }),
            (Method::PATCH, ["v2", "apis", id, "integrations", integration]) => {
                self.update_integration(scope, id, integration, body)
            }
            (Method::DELETE, ["v2", "apis", id, "integrations", integration]) => self.change(scope, id, |api| {
                api.integrations
                    .remove(*integration)
                    .map(|_| no_content())
                    .ok_or_else(|| not_found(format!("Invalid Integration identifier specified {integration}")))
            }),
            (Method::POST, ["v2", "apis", id, "routes"]) => self.create_route(scope, id, body),
            (Method::GET, ["v2", "apis", id, "routes"]) => self.read(scope, id, |api, _| {
                Ok(json_ok(json!({"items": api.routes.values().map(Route::to_json).collect::<Vec<_>>()})))
            }),
            (Method::GET, ["v2", "apis", id, "routes", route]) => self.read(scope, id, |api, _| {
                api.routes
                    .get(*route)
                    .map(|r| json_ok(r.to_json()))
                    .ok_or_else(|| not_found(format!("Invalid Route identifier specified {route}")))
            }),
            (Method::PATCH, ["v2", "apis", id, "routes", route]) => self.update_route(scope, id, route, body),
            (Method::DELETE, ["v2", "apis", id, "routes", route]) => self.change(scope, id, |api| {
                api.routes
                    .remove(*route)
                    .map(|_| no_content())
                    .ok_or_else(|| not_found(format!("Invalid Route identifier specified {route}")))
            }),
            (Method::POST, ["v2", "apis", id, "routes", route, "routeresponses"]) => {
                self.create_route_response(scope, id, route, body)
            }
            (Method::GET, ["v2", "apis", id, "routes", route, "routeresponses"]) => self.read(scope, id, |api, _| {
                Ok(items(&route_of(api, route)?.responses, RouteResponse::to_json))
            }),
            (Method::GET, ["v2", "apis", id, "routes", route, "routeresponses", response]) => self.read(scope, id, |api, _| {
                one(&route_of(api, route)?.responses, response, "RouteResponse", RouteResponse::to_json)
            }),
            (Method::DELETE, ["v2", "apis", id, "routes", route, "routeresponses", response]) => self.change(scope, id, |api| {
                let route = api.routes.get_mut(*route).ok_or_else(|| invalid_id("Route", route))?;
                remove(&mut route.responses, response, "RouteResponse")
            }),
            (Method::POST, ["v2", "apis", id, "integrations", integration, "integrationresponses"]) => {
                self.create_integration_response(scope, id, integration, body)
            }
            (Method::GET, ["v2", "apis", id, "integrations", integration, "integrationresponses"]) => self.read(scope, id, |api, _| {
                Ok(items(&integration_of(api, integration)?.responses, IntegrationResponse::to_json))
            }),
            (Method::GET, ["v2", "apis", id, "integrations", integration, "integrationresponses", response]) => self.read(scope, id, |api, _| {
                one(&integration_of(api, integration)?.responses, response, "IntegrationResponse", IntegrationResponse::to_json)
            }),
            (Method::DELETE, ["v2", "apis", id, "integrations", integration, "integrationresponses", response]) => self.change(scope, id, |api| {
                let integration = api
                    .integrations
                    .get_mut(*integration)
                    .ok_or_else(|| invalid_id("Integration", integration))?;
                remove(&mut integration.responses, response, "IntegrationResponse")
            }),
            (Method::POST, ["v2", "apis", id, "stages"]) => self.create_stage(scope, id, body),
            (Method::GET, ["v2", "apis", id, "stages"]) => self.read(scope, id, |api, _| {
                Ok(json_ok(json!({"items": api.stages.values().map(Stage::to_json).collect::<Vec<_>>()})))
            }),
            (Method::GET, ["v2", "apis", id, "stages", stage]) => self.read(scope, id, |api, _| {
                api.stages
                    .get(*stage)
                    .map(|s| json_ok(s.to_json()))
                    .ok_or_else(|| not_found(format!("Invalid stage identifier specified {stage}")))
            }),
            (Method::PATCH, ["v2", "apis", id, "stages", stage]) => self.update_stage(scope, id, stage, body),
            (Method::DELETE, ["v2", "apis", id, "stages", stage]) => {
                let deleted = self.change(scope, id, |api| {
                    api.stages
                        .remove(*stage)
                        .map(|_| no_content())
                        .ok_or_else(|| not_found(format!("Invalid stage identifier specified {stage}")))
                });
                if deleted.is_ok() {
                    self.connections.close_api(id, Some(stage));
                }
                deleted
            }
            (Method::POST, ["v2", "apis", id, "deployments"]) => self.create_deployment(scope, id, body),
            (Method::GET, ["v2", "apis", id, "deployments"]) => self.read(scope, id, |api, _| {
                Ok(json_ok(json!({"items": api.deployments.values().map(Deployment::to_json).collect::<Vec<_>>()})))
            }),
            (Method::GET, ["v2", "apis", id, "deployments", deployment]) => self.read(scope, id, |api, _| {
                api.deployments
                    .get(*deployment)
                    .map(|d| json_ok(d.to_json()))
                    .ok_or_else(|| not_found(format!("Invalid Deployment identifier specified {deployment}")))
            }),
            (Method::DELETE, ["v2", "apis", id, "deployments", deployment]) => self.change(scope, id, |api| {
                if api.stages.values().any(|s| s.deployment_id.as_deref() == Some(*deployment)) {
                    return Err(bad_request(format!(
                        "Deployment {deployment} is in use by a stage and cannot be deleted"
                    )));
                }
                api.deployments
                    .remove(*deployment)
                    .map(|_| no_content())
                    .ok_or_else(|| not_found(format!("Invalid Deployment identifier specified {deployment}")))
            }),
            (Method::GET, ["v2", "apis", id, "exports", specification]) => {
                self.export_api(scope, id, specification, query)
            }
            (Method::POST, ["v2", "apis", id, "authorizers"]) => self.create_authorizer(scope, id, body),
            (Method::GET, ["v2", "apis", id, "authorizers"]) => self.read(scope, id, |api, _| {
                Ok(json_ok(json!({"items": api.authorizers.values().cloned().collect::<Vec<_>>()})))
            }),
            (Method::GET, ["v2", "apis", id, "authorizers", authorizer]) => self.read(scope, id, |api, _| {
                api.authorizers
                    .get(*authorizer)
                    .map(|a| json_ok(a.clone()))
                    .ok_or_else(|| not_found(format!("Invalid Authorizer identifier specified {authorizer}")))
            }),
            (Method::PATCH, ["v2", "apis", id, "authorizers", authorizer]) => {
                self.update_authorizer(scope, id, authorizer, body)
            }
            (Method::DELETE, ["v2", "apis", id, "authorizers", authorizer]) => self.change(scope, id, |api| {
                if api.routes.values().any(|r| r.authorizer_id.as_deref() == Some(*authorizer)) {
                    return Err(conflict(format!("Authorizer {authorizer} is used by a route")));
                }
                api.authorizers
                    .remove(*authorizer)
                    .map(|_| no_content())
                    .ok_or_else(|| not_found(format!("Invalid Authorizer identifier specified {authorizer}")))
            }),
            (Method::POST, ["v2", "tags", arn]) => self.tag(scope, arn, body),
            (Method::GET, ["v2", "tags", arn]) => {
                let id = api_id_of(arn);
                self.read(scope, &id, |api, _| Ok(json_ok(json!({"tags": api.tags}))))
            }
            (Method::DELETE, ["v2", "tags", arn]) => self.untag(scope, arn, query),
            _ if segments.first() == Some(&"v2") => Err(bad_request(format!(
                "The sandbox does not implement {method} {path} of API Gateway v2 yet."
            ))),
            _ => return None,
        };
        Some(answer)
    }

    fn get_apis(&self, scope: &Scope) -> Answer {
        let region = self.regions.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let items: Vec<Json> = apis
            .values()
            .map(|api| api.to_json(&self.api_endpoint(&api.id)))
            .collect();
        Ok(json_ok(json!({ "items": items })))
    }

    fn create_api(&self, scope: &Scope, body: &[u8]) -> Answer {
        let input: ApiInput = parse(body)?;
        let name = input
            .name
            .clone()
            .ok_or_else(|| bad_request("Invalid input: name is required"))?;
        let protocol = input
            .protocol_type
            .clone()
            .ok_or_else(|| bad_request("Invalid input: protocolType is required"))?;
        if protocol != "HTTP" && protocol != "WEBSOCKET" {
            return Err(bad_request(format!(
                "Invalid protocol type: {protocol}. Valid values are HTTP and WEBSOCKET"
            )));
        }
        if protocol == "WEBSOCKET" {
            let Some(expression) = &input.route_selection_expression else {
                return Err(bad_request(
                    "Invalid input: routeSelectionExpression is required for WebSocket APIs",
                ));
            };
            // Text without a `$` is static (what a shell leaves of "$request.body.action":
            // `.body.action`, which AWS accepts too); a reference must read the body.
            if expression.contains('$')
                && !(expression.starts_with("$request.body")
                    || expression.starts_with("${request.body"))
            {
                return Err(bad_request(format!(
                    "Invalid route selection expression specified: {expression}. A WebSocket \
                     API selects routes from the message body, e.g. $request.body.action"
                )));
            }
            if input.target.is_some() || input.cors_configuration.is_some() {
                return Err(bad_request(
                    "Quick create and CORS configuration are supported only for HTTP APIs",
                ));
            }
        }
        let now = now_iso();
        let mut api = Api {
            id: new_id(10),
            name,
            protocol_type: protocol,
            description: input.description.clone(),
            route_selection_expression: input
                .route_selection_expression
                .clone()
                .unwrap_or_else(|| "$request.method $request.path".to_owned()),
            created: now.clone(),
            cors: input.cors_configuration.clone(),
            disable_execute_api_endpoint: input.disable_execute_api_endpoint.unwrap_or(false),
            version: input.version.clone(),
            tags: input.tags.clone(),
            integrations: BTreeMap::new(),
            routes: BTreeMap::new(),
            stages: BTreeMap::new(),
            deployments: BTreeMap::new(),
            authorizers: BTreeMap::new(),
        };
        // Quick create: an integration with the target, a route, and an auto-deploying $default stage.
        if let Some(target) = &input.target {
            let integration = Integration {
                id: new_id(7),
                integration_type: if target.starts_with("http") {
                    "HTTP_PROXY"
                } else {
                    "AWS_PROXY"
                }
                .to_owned(),
                integration_uri: Some(target.clone()),
                integration_method: target.starts_with("http").then(|| "ANY".to_owned()),
                payload_format_version: if target.starts_with("http") {
                    "1.0"
                } else {
                    "2.0"
                }
                .to_owned(),
                timeout_millis: 30_000,
                description: None,
                responses: BTreeMap::new(),
                request_parameters: BTreeMap::new(),
            };
            let route = Route {
                id: new_id(7),
                route_key: input
                    .route_key
                    .clone()
                    .unwrap_or_else(|| "$default".to_owned()),
                target: Some(format!("integrations/{}", integration.id)),
                authorization_type: "NONE".to_owned(),
                authorizer_id: None,
                route_response_selection_expression: None,
                responses: BTreeMap::new(),
            };
            RouteKey::parse(&route.route_key).map_err(bad_request)?;
            api.integrations.insert(integration.id.clone(), integration);
            api.routes.insert(route.id.clone(), route);
            api.stages
                .insert("$default".to_owned(), new_stage("$default", true, &now));
            auto_deploy(&mut api);
        }
        let answer = api.to_json(&self.api_endpoint(&api.id));
        self.persist(scope, &api);
        self.regions
            .get(scope)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(api.id.clone(), api);
        Ok(json_created(answer))
    }

    fn update_api(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
        let input: ApiInput = parse(body)?;
        let endpoint = self.api_endpoint(id);
        self.change(scope, id, |api| {
            if let Some(name) = &input.name {
                api.name = name.clone();
            }
            if input.description.is_some() {
                api.description = input.description.clone();
            }
            if input.cors_configuration.is_some() {
                api.cors = input.cors_configuration.clone();
            }
            if let Some(flag) = input.disable_execute_api_endpoint {
                api.disable_execute_api_endpoint = flag;
            }
            if input.version.is_some() {
                api.version = input.version.clone();
            }
            Ok(json_ok(api.to_json(&endpoint)))
        })
    }

    fn delete_api(&self, scope: &Scope, id: &str) -> Answer {
        let removed = self
            .regions
            .get(scope)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        removed.ok_or_else(|| api_missing(scope, id))?;
        self.persist_deletion(scope, id);
        self.connections.close_api(id, None);
        Ok(no_content())
    }

    fn create_integration(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
        let input: IntegrationInput = parse(body)?;
        if input.integration_type.is_none() {
            return Err(bad_request("Invalid input: integrationType is required"));
        }
        let mut integration = Integration {
            id: new_id(7),
            integration_type: String::new(),
            integration_uri: None,
            integration_method: None,
            payload_format_version: "2.0".to_owned(),
            timeout_millis: 30_000,
            description: None,
            responses: BTreeMap::new(),
            request_parameters: BTreeMap::new(),
        };
        self.change(scope, id, |api| {
            if api.is_websocket() {
                integration.timeout_millis = WEBSOCKET_TIMEOUT_MILLIS;
            }
            check_integration(&input, &mut integration, api.is_websocket())?;
            if (integration.integration_type == "HTTP_PROXY" || api.is_websocket())
                && input.payload_format_version.is_none()
            {
                integration.payload_format_version = "1.0".to_owned();
            }
            let answer = integration.to_json();
            api.integrations.insert(integration.id.clone(), integration);
            Ok(json_created(answer))
        })
    }

    fn update_integration(
        &self,
        scope: &Scope,
        id: &str,
        integration: &str,
        body: &[u8],
    ) -> Answer {
        let input: IntegrationInput = parse(body)?;
        self.change(scope, id, |api| {
            let websocket = api.is_websocket();
            let current = api.integrations.get_mut(integration).ok_or_else(|| {
                not_found(format!(
                    "Invalid Integration identifier specified {integration}"
                ))
            })?;
            let mut updated = current.clone();
            check_integration(&input, &mut updated, websocket)?;
            *current = updated;
            Ok(json_ok(current.to_json()))
        })
    }

    fn create_route(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
        let input: RouteInput = parse(body)?;
        let key = input
            .route_key
            .clone()
            .ok_or_else(|| bad_request("Invalid input: routeKey is required"))?;
        self.change(scope, id, |api| {
            let route = Route {
                id: new_id(7),
                route_key: key,
                target: input.target.clone(),
                authorization_type: input
                    .authorization_type
                    .clone()
                    .unwrap_or_else(|| "NONE".to_owned()),
                authorizer_id: input.authorizer_id.clone(),
                route_response_selection_expression: input
                    .route_response_selection_expression
                    .clone(),
                responses: BTreeMap::new(),
            };
            check_route(api, &route, None)?;
            let answer = route.to_json();
            api.routes.insert(route.id.clone(), route);
            Ok(json_created(answer))
        })
    }

    fn create_route_response(&self, scope: &Scope, id: &str, route: &str, body: &[u8]) -> Answer {
        let input: RouteResponseInput = parse(body)?;
        let key = input
            .route_response_key
            .clone()
            .ok_or_else(|| bad_request("Invalid input: routeResponseKey is required"))?;
        self.change(scope, id, |api| {
            if !api.is_websocket() {
                return Err(bad_request(
                    "Route responses are supported only for WebSocket APIs",
                ));
            }
            let route = api
                .routes
                .get_mut(route)
                .ok_or_else(|| not_found(format!("Invalid Route identifier specified {route}")))?;
            if key != "$default" {
                return Err(bad_request(format!(
                    "Invalid route response key specified: {key}. WebSocket routes support $default"
                )));
            }
            if route.responses.values().any(|response| response.key == key) {
                return Err(conflict(format!(
                    "Route response with key {key} already exists"
                )));
            }
            let response = RouteResponse {
                id: new_id(6),
                key,
                model_selection_expression: input.model_selection_expression.clone(),
                response_models: input.response_models.clone(),
            };
            let answer = response.to_json();
            route.responses.insert(response.id.clone(), response);
            Ok(json_created(answer))
        })
    }

    fn create_integration_response(
        &self,
        scope: &Scope,
        id: &str,
        integration: &str,
        body: &[u8],
    ) -> Answer {
        let input: IntegrationResponseInput = parse(body)?;
        let key = input
            .integration_response_key
            .clone()
            .ok_or_else(|| bad_request("Invalid input: integrationResponseKey is required"))?;
        self.change(scope, id, |api| {
            if !api.is_websocket() {
                return Err(bad_request(
                    "Integration responses are supported only for WebSocket APIs",
                ));
            }
            let integration = api.integrations.get_mut(integration).ok_or_else(|| {
                not_found(format!(
                    "Invalid Integration identifier specified {integration}"
                ))
            })?;
            if integration
                .responses
                .values()
                .any(|response| response.key == key)
            {
                return Err(conflict(format!(
                    "Integration response with key {key} already exists"
                )));
            }
            let response = IntegrationResponse {
                id: new_id(6),
                key,
                template_selection_expression: input.template_selection_expression.clone(),
                response_templates: input.response_templates.clone(),
                content_handling_strategy: input.content_handling_strategy.clone(),
            };
            let answer = response.to_json();
            integration.responses.insert(response.id.clone(), response);
            Ok(json_created(answer))
        })
    }

    fn update_route(&self, scope: &Scope, id: &str, route: &str, body: &[u8]) -> Answer {
        let input: RouteInput = parse(body)?;
        self.change(scope, id, |api| {
            let mut updated =
                api.routes.get(route).cloned().ok_or_else(|| {
                    not_found(format!("Invalid Route identifier specified {route}"))
                })?;
            if let Some(key) = &input.route_key {
                updated.route_key = key.clone();
            }
            if input.target.is_some() {
                updated.target = input.target.clone();
            }
            if let Some(kind) = &input.authorization_type {
                updated.authorization_type = kind.clone();
            }
            if input.authorizer_id.is_some() {
                updated.authorizer_id = input.authorizer_id.clone();
            }
            if input.route_response_selection_expression.is_some() {
                updated.route_response_selection_expression =
                    input.route_response_selection_expression.clone();
            }
            check_route(api, &updated, Some(route))?;
            let answer = updated.to_json();
            api.routes.insert(route.to_owned(), updated);
            Ok(json_ok(answer))
        })
    }

    fn create_stage(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
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
            Ok(json_created(
                api.stages
                    .get(&name)
                    .map(Stage::to_json)
                    .unwrap_or_default(),
            ))
        })
    }

    fn update_stage(&self, scope: &Scope, id: &str, stage: &str, body: &[u8]) -> Answer {
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
            Ok(json_ok(
                api.stages
                    .get(stage)
                    .map(Stage::to_json)
                    .unwrap_or_default(),
            ))
        })
    }

    fn create_deployment(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
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
            Ok(json_created(answer))
        })
    }

    fn export_api(
        &self,
        scope: &Scope,
        id: &str,
        specification: &str,
        query: Option<&str>,
    ) -> Answer {
        if specification != "OAS30" {
            return Err(bad_request(format!(
                "Invalid specification {specification}: only OAS30 is supported"
            )));
        }
        let query: BTreeMap<String, String> = query
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), crate::lambda::percent_decode(v)))
            .collect();
        let output = query
            .get("outputType")
            .map_or("YAML", String::as_str)
            .to_owned();
        if output != "JSON" && output != "YAML" {
            return Err(bad_request(format!(
                "Invalid outputType {output}: use JSON or YAML"
            )));
        }
        self.read(scope, id, |api, endpoint| {
            let server = match query.get("stageName") {
                Some(stage) if !api.stages.contains_key(stage) => {
                    return Err(not_found(format!(
                        "Invalid stage identifier specified {stage}"
                    )));
                }
                Some(stage) if stage == "$default" => Some(endpoint),
                Some(stage) => Some(format!("{endpoint}/{stage}")),
                None => None,
            };
            let document = super::export::openapi(api, server);
            let body = if output == "JSON" {
                serde_json::to_string_pretty(&document).unwrap_or_default()
            } else {
                super::export::to_yaml(&document)
            };
            let content_type = if output == "JSON" {
                "application/json"
            } else {
                "application/yaml"
            };
            Ok(axum::response::IntoResponse::into_response((
                [("content-type", content_type)],
                body,
            )))
        })
    }

    fn create_authorizer(&self, scope: &Scope, id: &str, body: &[u8]) -> Answer {
        let input: Json = parse(body)?;
        let kind = input["authorizerType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if kind != "JWT" && kind != "REQUEST" {
            return Err(bad_request(format!(
                "Invalid authorizer type: {kind}. Use JWT or REQUEST"
            )));
        }
        let name = input["name"]
            .as_str()
            .ok_or_else(|| bad_request("Invalid input: name is required"))?
            .to_owned();
        if kind == "JWT" && input.get("jwtConfiguration").is_none() {
            return Err(bad_request(
                "JwtConfiguration is required for JWT authorizers",
            ));
        }
        self.change(scope, id, |api| {
            let authorizer_id = new_id(6);
            let mut authorizer = match input {
                Json::Object(fields) => fields,
                _ => serde_json::Map::new(),
            };
            authorizer.insert("authorizerId".into(), json!(authorizer_id));
            authorizer.insert("name".into(), json!(name));
            let authorizer = Json::Object(authorizer);
            api.authorizers.insert(authorizer_id, authorizer.clone());
            Ok(json_created(authorizer))
        })
    }

    fn update_authorizer(&self, scope: &Scope, id: &str, authorizer: &str, body: &[u8]) -> Answer {
        let input: Json = parse(body)?;
        self.change(scope, id, |api| {
            let current = api.authorizers.get_mut(authorizer).ok_or_else(|| {
                not_found(format!(
                    "Invalid Authorizer identifier specified {authorizer}"
                ))
            })?;
            if let (Json::Object(current), Json::Object(changes)) = (&mut *current, input) {
                for (key, value) in changes {
                    if key != "authorizerId" {
                        current.insert(key, value);
                    }
                }
            }
            Ok(json_ok(current.clone()))
        })
    }

    fn tag(&self, scope: &Scope, arn: &str, body: &[u8]) -> Answer {
        let input: TagsInput = parse(body)?;
        self.change(scope, &api_id_of(arn), |api| {
            api.tags.extend(input.tags);
            Ok(json_created(json!({})))
        })
    }

    fn untag(&self, scope: &Scope, arn: &str, query: Option<&str>) -> Answer {
        let keys: Vec<String> = query
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(k, _)| *k == "tagKeys")
            .map(|(_, v)| crate::lambda::percent_decode(v))
            .collect();
        self.change(scope, &api_id_of(arn), |api| {
            for key in &keys {
                api.tags.remove(key);
            }
            Ok(no_content())
        })
    }

    fn change(&self, scope: &Scope, id: &str, change: impl FnOnce(&mut Api) -> Answer) -> Answer {
        let region = self.regions.get(scope);
        let mut apis = region.write().unwrap_or_else(|p| p.into_inner());
        let api = apis.get_mut(id).ok_or_else(|| api_missing(scope, id))?;
        let answer = change(api)?;
        auto_deploy_if_changed(api);
        self.persist(scope, api);
        Ok(answer)
    }

    fn read(&self, scope: &Scope, id: &str, read: impl FnOnce(&Api, String) -> Answer) -> Answer {
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

fn new_stage(name: &str, auto_deploy: bool, now: &str) -> Stage {
    Stage {
        name: name.to_owned(),
        auto_deploy,
        deployment_id: None,
        description: None,
        stage_variables: BTreeMap::new(),
        created: now.to_owned(),
        last_updated: now.to_owned(),
        default_route_settings: json!({"detailedMetricsEnabled": false}),
        route_settings: json!({}),
        access_log_settings: None,
        tags: BTreeMap::new(),
    }
}

fn api_missing(scope: &Scope, id: &str) -> AwsError {
    not_found(format!(
        "Invalid API identifier specified {}:{id}",
        scope.account
    ))
}

/// `arn:aws:apigateway:region::/apis/{id}` → `{id}`.
fn api_id_of(arn: &str) -> String {
    arn.rsplit("/apis/")
        .next()
        .unwrap_or(arn)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}
