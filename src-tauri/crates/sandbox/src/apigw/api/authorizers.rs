//! Authorizers of HTTP and WebSocket APIs (JWT and Lambda REQUEST ones), kept as API Gateway v2
//! describes them. Routes name them; evaluating them is the identity service's job.

use serde_json::{Value as Json, json};

use super::{Answer, items, one, parse};
use crate::apigw::model::{Authorizer, AuthorizerType, new_id};
use crate::apigw::{ApiGateway, bad_request, conflict, not_found};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

impl ApiGateway {
    pub(in crate::apigw) fn create_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
        let mut input: Json = parse(body)?;
        let Some(fields) = input.as_object_mut() else {
            return Err(bad_request("Invalid input: the body must be an object"));
        };
        match fields.get("authorizerType").and_then(Json::as_str) {
            Some("JWT" | "REQUEST") => {}
            other => {
                return Err(bad_request(format!(
                    "Invalid authorizer type: {}. Use JWT or REQUEST",
                    other.unwrap_or_default()
                )));
            }
        }
        if !fields.get("name").is_some_and(Json::is_string) {
            return Err(bad_request("Invalid input: name is required"));
        }
        fields.insert("authorizerId".into(), json!(new_id(6)));
        self.change(scope, id, |api| {
            let authorizer = checked(input, api.is_websocket())?;
            let reply = Reply::created(authorizer.to_json());
            api.authorizers
                .insert(authorizer.authorizer_id.clone(), authorizer);
            Ok(reply)
        })
    }

    pub(in crate::apigw) fn get_authorizers(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(&api.authorizers, Authorizer::to_json))
        })
    }

    pub(in crate::apigw) fn get_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let authorizer = call.label("authorizerId");
        self.read(scope, call.label("apiId"), |api, _| {
            one(
                &api.authorizers,
                authorizer,
                "Authorizer",
                Authorizer::to_json,
            )
        })
    }

    /// Changes the members the request names; the id stays.
    pub(in crate::apigw) fn update_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, authorizer, body) = (call.label("apiId"), call.label("authorizerId"), &call.body);
        let input: Json = parse(body)?;
        let Json::Object(changes) = input else {
            return Err(bad_request("Invalid input: the body must be an object"));
        };
        self.change(scope, id, |api| {
            let websocket = api.is_websocket();
            let current = api.authorizers.get_mut(authorizer).ok_or_else(|| {
                not_found(format!(
                    "Invalid Authorizer identifier specified {authorizer}"
                ))
            })?;
            let mut merged = current.to_json();
            for (key, value) in changes {
                if key != "authorizerId" {
                    merged[key] = value;
                }
            }
            *current = checked(merged, websocket)?;
            Ok(Reply::ok(current.to_json()))
        })
    }

    /// Deletes an authorizer no route uses.
    pub(in crate::apigw) fn delete_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let authorizer = call.label("authorizerId");
        self.change(scope, call.label("apiId"), |api| {
            if api
                .routes
                .values()
                .any(|r| r.authorizer_id.as_deref() == Some(authorizer))
            {
                return Err(conflict(format!(
                    "Authorizer {authorizer} is used by a route"
                )));
            }
            super::remove(&mut api.authorizers, authorizer, "Authorizer")
        })
    }
}

/// An authorizer from its members, with what its type needs on an API of its protocol.
fn checked(members: Json, websocket: bool) -> Result<Authorizer, AwsError> {
    let authorizer: Authorizer = serde_json::from_value(members)
        .map_err(|error| bad_request(format!("Invalid input: {error}")))?;
    match authorizer.authorizer_type {
        AuthorizerType::Jwt if websocket => Err(bad_request(
            "JWT authorizers are only supported for HTTP APIs",
        )),
        AuthorizerType::Jwt if authorizer.jwt_configuration.is_none() => Err(bad_request(
            "JwtConfiguration is required for JWT authorizers",
        )),
        AuthorizerType::Jwt => Ok(authorizer),
        AuthorizerType::Request if authorizer.authorizer_uri.is_none() => Err(bad_request(
            "AuthorizerUri is required for REQUEST authorizers",
        )),
        AuthorizerType::Request if websocket => Ok(authorizer),
        AuthorizerType::Request => http_function_checked(authorizer),
    }
}

/// An HTTP API's Lambda authorizer: its payload version, simple responses and result caching.
fn http_function_checked(authorizer: Authorizer) -> Result<Authorizer, AwsError> {
    let version = authorizer
        .authorizer_payload_format_version
        .as_deref()
        .unwrap_or_default();
    if version.is_empty() {
        return Err(bad_request(
            "AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer",
        ));
    }
    if version != "1.0" && version != "2.0" {
        return Err(bad_request(format!(
            "AuthorizerPayloadFormatVersion {version} is not supported"
        )));
    }
    if version != "2.0" && authorizer.enable_simple_responses == Some(true) {
        return Err(bad_request(
            "EnableSimpleResponses can only be set for AuthorizerPayloadFormatVersion \"2.0\".",
        ));
    }
    let ttl = authorizer.authorizer_result_ttl_in_seconds.unwrap_or(0);
    if !(0..=3600).contains(&ttl) {
        return Err(bad_request(
            "Authorizer result TTL outside allowable range. TTL must be between 0 and 3600 seconds.",
        ));
    }
    if ttl > 0 && authorizer.identity_source.is_empty() {
        return Err(bad_request(
            "Identity source must be set if authorizer caching is enabled",
        ));
    }
    Ok(authorizer)
}
