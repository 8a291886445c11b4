//! An API's routes (HTTP route keys or WebSocket ones, each with its target, authorization and
//! authorizer) and WebSocket route responses.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::{Answer, items, one, parse, remove, route_of};
use crate::apigw::model::{Api, AuthorizationType, Route, RouteResponse, new_id};
use crate::apigw::routing::RouteKey;
use crate::apigw::{ApiGateway, bad_request, conflict, not_found};
use crate::store::Scope;
use crate::wire::AwsError;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteInput {
    route_key: Option<String>,
    target: Option<String>,
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    authorization_scopes: Option<Vec<String>>,
    route_response_selection_expression: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteResponseInput {
    route_response_key: Option<String>,
    model_selection_expression: Option<String>,
    response_models: Option<Json>,
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
        if route.authorization_type != AuthorizationType::None && route.route_key != "$connect" {
            return Err(bad_request(
                "Currently, authorization is restricted to the $connect route only",
            ));
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
    if matches!(
        route.authorization_type,
        AuthorizationType::Jwt | AuthorizationType::Custom
    ) && !route
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

/// The authorization type a request names, if it names one AWS has.
fn authorization_type(text: Option<&str>) -> Result<Option<AuthorizationType>, AwsError> {
    text.map(|text| {
        AuthorizationType::parse(text)
            .ok_or_else(|| bad_request(format!("Invalid authorization type: {text}")))
    })
    .transpose()
}

impl ApiGateway {
    pub(in crate::apigw) fn create_route(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
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
                authorization_type: authorization_type(input.authorization_type.as_deref())?
                    .unwrap_or(AuthorizationType::None),
                authorizer_id: input.authorizer_id.clone(),
                authorization_scopes: input.authorization_scopes.clone().unwrap_or_default(),
                route_response_selection_expression: input
                    .route_response_selection_expression
                    .clone(),
                responses: BTreeMap::new(),
            };
            check_route(api, &route, None)?;
            let answer = route.to_json();
            api.routes.insert(route.id.clone(), route);
            Ok(Reply::created(answer))
        })
    }

    pub(in crate::apigw) fn get_routes(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(&api.routes, Route::to_json))
        })
    }

    pub(in crate::apigw) fn get_route(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("routeId");
        self.read(scope, call.label("apiId"), |api, _| {
            one(&api.routes, member, "Route", Route::to_json)
        })
    }

    pub(in crate::apigw) fn update_route(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, route, body) = (call.label("apiId"), call.label("routeId"), &call.body);
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
            if let Some(kind) = authorization_type(input.authorization_type.as_deref())? {
                updated.authorization_type = kind;
            }
            if input.authorizer_id.is_some() {
                updated.authorizer_id = input.authorizer_id.clone();
            }
            if let Some(scopes) = &input.authorization_scopes {
                updated.authorization_scopes = scopes.clone();
            }
            if input.route_response_selection_expression.is_some() {
                updated.route_response_selection_expression =
                    input.route_response_selection_expression.clone();
            }
            check_route(api, &updated, Some(route))?;
            let answer = updated.to_json();
            api.routes.insert(route.to_owned(), updated);
            Ok(Reply::ok(answer))
        })
    }

    pub(in crate::apigw) fn delete_route(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("routeId");
        self.change(scope, call.label("apiId"), |api| {
            remove(&mut api.routes, member, "Route")
        })
    }

    pub(in crate::apigw) fn create_route_response(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, route, body) = (call.label("apiId"), call.label("routeId"), &call.body);
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
            Ok(Reply::created(answer))
        })
    }

    pub(in crate::apigw) fn get_route_responses(&self, scope: &Scope, call: &Call) -> Answer {
        let route = call.label("routeId");
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(
                &route_of(api, route)?.responses,
                RouteResponse::to_json,
            ))
        })
    }

    pub(in crate::apigw) fn get_route_response(&self, scope: &Scope, call: &Call) -> Answer {
        let (route, response) = (call.label("routeId"), call.label("routeResponseId"));
        self.read(scope, call.label("apiId"), |api, _| {
            one(
                &route_of(api, route)?.responses,
                response,
                "RouteResponse",
                RouteResponse::to_json,
            )
        })
    }

    pub(in crate::apigw) fn delete_route_response(&self, scope: &Scope, call: &Call) -> Answer {
        let (route, response) = (call.label("routeId"), call.label("routeResponseId"));
        self.change(scope, call.label("apiId"), |api| {
            let route = api
                .routes
                .get_mut(route)
                .ok_or_else(|| super::invalid_id("Route", route))?;
            remove(&mut route.responses, response, "RouteResponse")
        })
    }
}
