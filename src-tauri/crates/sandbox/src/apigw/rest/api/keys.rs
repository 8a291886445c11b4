//! API keys: create (a generated value unless given one, disabled unless asked), read (the
//! value only when asked for), list, update with patch operations, delete.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::{items, parse};
use crate::apigw::model::new_id;
use crate::apigw::rest::model::now_seconds;
use crate::apigw::rest::patch;
use crate::apigw::rest::usage::ApiKey;
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageKey {
    rest_api_id: String,
    stage_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    enabled: bool,
    value: Option<String>,
    customer_id: Option<String>,
    #[serde(default)]
    stage_keys: Vec<StageKey>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// A key's generated value: 40 letters and digits, as API Gateway makes them.
fn generated_value() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = [
        uuid::Uuid::new_v4().as_u128(),
        uuid::Uuid::new_v4().as_u128(),
    ];
    (0..40)
        .map(|n| {
            let word = &mut bits[n / 20];
            let c = ALPHABET[(*word % 62) as usize] as char;
            *word /= 62;
            c
        })
        .collect()
}

impl ApiGateway {
    pub(in crate::apigw) fn create_api_key(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        let value = match input.value {
            Some(value) if !(20..=128).contains(&value.len()) => {
                return Err(bad_request(
                    "API Key value should be at least 20 characters",
                ));
            }
            Some(value) => value,
            None => generated_value(),
        };
        for stage_key in &input.stage_keys {
            self.rest_stage_exists(scope, &stage_key.rest_api_id, &stage_key.stage_name)?;
        }
        self.change_usage(scope, |usage| {
            if usage.keys.values().any(|key| key.value == value) {
                return Err(conflict("API Key value already exists"));
            }
            let now = now_seconds();
            let id = new_id(10);
            let key = ApiKey {
                name: input.name.unwrap_or_else(|| id.clone()),
                id: id.clone(),
                value,
                customer_id: input.customer_id,
                description: input.description,
                enabled: input.enabled,
                created_date: now,
                last_updated_date: now,
                stage_keys: input
                    .stage_keys
                    .iter()
                    .map(|k| format!("{}/{}", k.rest_api_id, k.stage_name))
                    .collect(),
                tags: input.tags,
            };
            let shown = key.to_json(true);
            self.persist_api_key(scope, &key);
            usage.keys.insert(id, key);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_api_key(&self, scope: &Scope, call: &Call) -> Answer {
        let with_value = call.query("includeValue") == Some("true");
        self.read_usage(scope, |usage| {
            let key = usage
                .keys
                .get(call.label("api_Key"))
                .ok_or_else(missing::api_key)?;
            Ok(Reply::ok(key.to_json(with_value)))
        })
    }

    pub(in crate::apigw) fn get_api_keys(&self, scope: &Scope, call: &Call) -> Answer {
        let with_values = call.query("includeValues") == Some("true");
        let name_query = call.query("nameQuery");
        let customer = call.query("customerId");
        self.read_usage(scope, |usage| {
            let mut keys: Vec<&ApiKey> = usage
                .keys
                .values()
                .filter(|key| name_query.is_none_or(|prefix| key.name.starts_with(prefix)))
                .filter(|key| customer.is_none_or(|c| key.customer_id.as_deref() == Some(c)))
                .collect();
            keys.sort_by(|a, b| (a.created_date, &a.id).cmp(&(b.created_date, &b.id)));
            Ok(items(
                keys.iter().map(|key| key.to_json(with_values)).collect(),
            ))
        })
    }

    pub(in crate::apigw) fn update_api_key(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 4] = ["/name", "/description", "/enabled", "/customerId"];
        self.change_usage(scope, |usage| {
            let mut key = usage
                .keys
                .get(call.label("api_Key"))
                .cloned()
                .ok_or_else(missing::api_key)?;
            patch::each(&call.body, |operation| {
                match operation.path.as_str() {
                    "/name" => key.name = operation.value()?.to_owned(),
                    "/description" => {
                        key.description = operation.set_or_remove(&PATHS)?.map(str::to_owned);
                    }
                    "/enabled" => key.enabled = operation.flag()?,
                    "/customerId" => {
                        key.customer_id = operation.set_or_remove(&PATHS)?.map(str::to_owned);
                    }
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            key.last_updated_date = now_seconds();
            self.persist_api_key(scope, &key);
            let shown = key.to_json(false);
            usage.keys.insert(key.id.clone(), key);
            Ok(Reply::ok(shown))
        })
    }

    pub(in crate::apigw) fn delete_api_key(&self, scope: &Scope, call: &Call) -> Answer {
        let id = call.label("api_Key").to_owned();
        self.change_usage(scope, |usage| {
            if usage.keys.remove(&id).is_none() {
                return Err(missing::api_key());
            }
            self.persist_usage_deletion(scope, &format!("key/{id}"));
            let plans: Vec<_> = usage
                .plans
                .values_mut()
                .filter(|plan| plan.key_ids.contains(&id))
                .map(|plan| {
                    plan.key_ids.retain(|k| k != &id);
                    plan.clone()
                })
                .collect();
            for plan in &plans {
                self.persist_usage_plan(scope, plan);
            }
            for record in usage.forget(None, Some(&id)) {
                self.persist_usage_deletion(scope, &record);
            }
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}
