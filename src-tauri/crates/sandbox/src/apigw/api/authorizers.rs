//! Authorizers (JWT and Lambda REQUEST ones), kept as API Gateway describes them.

use serde_json::{Value as Json, json};

use super::{Answer, one, parse};
use crate::apigw::model::new_id;
use crate::apigw::{ApiGateway, bad_request, conflict, not_found};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

impl ApiGateway {
    pub(in crate::apigw) fn create_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
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
            Ok(Reply::created(authorizer))
        })
    }

    pub(in crate::apigw) fn get_authorizers(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(Reply::ok(
                json!({"items": api.authorizers.values().cloned().collect::<Vec<_>>()}),
            ))
        })
    }

    pub(in crate::apigw) fn get_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let authorizer = call.label("authorizerId");
        self.read(scope, call.label("apiId"), |api, _| {
            one(&api.authorizers, authorizer, "Authorizer", Json::clone)
        })
    }

    pub(in crate::apigw) fn update_authorizer(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, authorizer, body) = (call.label("apiId"), call.label("authorizerId"), &call.body);
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
            Ok(Reply::ok(current.clone()))
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
