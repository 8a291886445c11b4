//! APIs: create (with quick create's integration, route and `$default` stage), read, list,
//! update, delete; the OpenAPI export; tags.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::stages::new_stage;
use super::{Answer, api_id_of, api_missing, auto_deploy, parse};
use crate::apigw::model::{
    Api, AuthorizationType, Cors, Integration, IntegrationType, ProtocolType, Route, new_id,
    now_iso,
};
use crate::apigw::routing::RouteKey;
use crate::apigw::{ApiGateway, bad_request, not_found};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiInput {
    name: Option<String>,
    protocol_type: Option<String>,
    description: Option<String>,
    route_selection_expression: Option<String>,
    cors_configuration: Option<Cors>,
    disable_execute_api_endpoint: Option<bool>,
    version: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    target: Option<String>,
    route_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagsInput {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl ApiGateway {
    pub(in crate::apigw) fn get_apis(&self, scope: &Scope, _call: &Call) -> Answer {
        let region = self.regions.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let items: Vec<Json> = apis
            .values()
            .map(|api| api.to_json(&self.api_endpoint(&api.id)))
            .collect();
        Ok(Reply::ok(json!({ "items": items })))
    }

    pub(in crate::apigw) fn get_api(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, endpoint| {
            Ok(Reply::ok(api.to_json(&endpoint)))
        })
    }

    pub(in crate::apigw) fn create_api(&self, scope: &Scope, call: &Call) -> Answer {
        let body = &call.body;
        let input: ApiInput = parse(body)?;
        let name = input
            .name
            .clone()
            .ok_or_else(|| bad_request("Invalid input: name is required"))?;
        let text = input
            .protocol_type
            .clone()
            .ok_or_else(|| bad_request("Invalid input: protocolType is required"))?;
        let protocol = ProtocolType::parse(&text).ok_or_else(|| {
            bad_request(format!(
                "Invalid protocol type: {text}. Valid values are HTTP and WEBSOCKET"
            ))
        })?;
        if protocol == ProtocolType::Websocket {
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
                    IntegrationType::HttpProxy
                } else {
                    IntegrationType::AwsProxy
                },
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
                authorization_type: AuthorizationType::None,
                authorizer_id: None,
                authorization_scopes: Vec::new(),
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
        Ok(Reply::created(answer))
    }

    pub(in crate::apigw) fn update_api(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
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
            Ok(Reply::ok(api.to_json(&endpoint)))
        })
    }

    pub(in crate::apigw) fn delete_api(&self, scope: &Scope, call: &Call) -> Answer {
        let id = call.label("apiId");
        let removed = self
            .regions
            .get(scope)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        removed.ok_or_else(|| api_missing(scope, id))?;
        self.persist_deletion(scope, id);
        self.connections.close_api(id, None);
        Ok(Reply::no_content())
    }

    pub(in crate::apigw) fn export_api(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, specification) = (call.label("apiId"), call.label("specification"));
        if specification != "OAS30" {
            return Err(bad_request(format!(
                "Invalid specification {specification}: only OAS30 is supported"
            )));
        }
        let output = call.query("outputType").unwrap_or("YAML").to_owned();
        if output != "JSON" && output != "YAML" {
            return Err(bad_request(format!(
                "Invalid outputType {output}: use JSON or YAML"
            )));
        }
        self.read(scope, id, |api, endpoint| {
            let server = match call.query("stageName") {
                Some(stage) if !api.stages.contains_key(stage) => {
                    return Err(not_found(format!(
                        "Invalid stage identifier specified {stage}"
                    )));
                }
                Some("$default") => Some(endpoint),
                Some(stage) => Some(format!("{endpoint}/{stage}")),
                None => None,
            };
            let document = crate::apigw::export::openapi(api, server);
            let body = if output == "JSON" {
                serde_json::to_string_pretty(&document).unwrap_or_default()
            } else {
                crate::apigw::export::to_yaml(&document)
            };
            let content_type = if output == "JSON" {
                "application/json"
            } else {
                "application/yaml"
            };
            Ok(Reply::bytes(StatusCode::OK, content_type, body.into()))
        })
    }

    pub(in crate::apigw) fn tag(&self, scope: &Scope, call: &Call) -> Answer {
        let (arn, body) = (call.label("resource-arn"), &call.body);
        let input: TagsInput = parse(body)?;
        self.change(scope, &api_id_of(arn), |api| {
            api.tags.extend(input.tags);
            Ok(Reply::created(json!({})))
        })
    }

    pub(in crate::apigw) fn untag(&self, scope: &Scope, call: &Call) -> Answer {
        let arn = call.label("resource-arn");
        let keys = call.query_all("tagKeys");
        self.change(scope, &api_id_of(arn), |api| {
            for key in &keys {
                api.tags.remove(key);
            }
            Ok(Reply::no_content())
        })
    }

    pub(in crate::apigw) fn get_tags(&self, scope: &Scope, call: &Call) -> Answer {
        let id = api_id_of(call.label("resource-arn"));
        self.read(scope, &id, |api, _| {
            Ok(Reply::ok(json!({"tags": api.tags})))
        })
    }
}
