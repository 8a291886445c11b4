//! TransactWriteItems and TransactGetItems: all or nothing. Every action is checked and its
//! result computed against the current state first; only if all succeed is anything applied.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json, json};

use super::items::{projection, write_condition};
use rusqlite::Connection;

use super::{Tables, check_item_size, reject_key_updates, table};
use crate::dynamodb::error::validation;
use crate::dynamodb::expr::{apply_update, evaluate, parse_update, project};
use crate::dynamodb::input::{Input, null_member};
use crate::dynamodb::key::PrimaryKey;
use crate::dynamodb::legacy;
use crate::dynamodb::storage::{self, Writer};
use crate::dynamodb::table::WrittenBy;
use crate::dynamodb::value::{Item, item_from_json, item_size, item_to_json};
use crate::wire::AwsError;

/// The longest `ClientRequestToken`.
const MAX_TOKEN_LENGTH: usize = 36;

/// The most item data one transaction may write.
const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

/// How long a `ClientRequestToken` makes a transaction idempotent.
const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// Recently seen client request tokens and the request each came with.
#[derive(Debug, Default)]
pub struct Tokens {
    seen: HashMap<String, (String, Instant)>,
}

/// What one action will do once every action has passed its checks.
enum Outcome {
    Keep,
    Put(Item),
    Delete,
}

pub fn transact_write_items(
    tables: &Tables,
    writer: &mut Writer<'_>,
    tokens: &std::sync::Mutex<Tokens>,
    input: &Input,
) -> Result<Json, AwsError> {
    let actions = input
        .array("TransactItems")?
        .ok_or_else(|| null_member("transactItems"))?;
    if actions.is_empty() || actions.len() > 100 {
        return Err(validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length {}",
            if actions.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 100"
            }
        )));
    }
    let token = input.string("ClientRequestToken")?;
    if let Some(token) =
        token.filter(|token| token.chars().count() > MAX_TOKEN_LENGTH || token.is_empty())
    {
        let bound = if token.is_empty() {
            "greater than or equal to 1"
        } else {
            "less than or equal to 36"
        };
        return Err(validation(format!(
            "1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length {bound}"
        )));
    }
    let put_bytes: usize = actions
        .iter()
        .filter_map(|action| action.get("Put")?.get("Item"))
        .map(|item| item_from_json(item).map(|item| item_size(&item)))
        .sum::<Result<usize, AwsError>>()?;
    if put_bytes > MAX_TRANSACTION_BYTES {
        return Err(validation("Transaction request cannot be larger than 4 MB"));
    }
    if let Some(token) = token {
        let mut tokens = tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fingerprint = Json::Array(actions.clone()).to_string();
        tokens
            .seen
            .retain(|_, (_, at)| at.elapsed() < TOKEN_LIFETIME);
        match tokens.seen.get(token) {
            Some((previous, _)) if *previous == fingerprint => return Ok(json!({})),
            Some(_) => {
                return Err(crate::dynamodb::error::idempotent_parameter_mismatch());
            }
            None => {
                tokens
                    .seen
                    .insert(token.to_owned(), (fingerprint, Instant::now()));
            }
        }
    }

    let mut plan: Vec<(String, PrimaryKey, Option<Item>, Outcome)> =
        Vec::with_capacity(actions.len());
    let mut reasons = Vec::with_capacity(actions.len());
    let mut failed = false;
    let mut touched = HashSet::new();
    for action in actions {
        let Json::Object(action) = action else {
            return Err(validation("TransactItems members must be objects"));
        };
        let (kind, body) = action
            .iter()
            .find(|(_, value)| !value.is_null())
            .ok_or_else(|| {
                validation("TransactItems can only contain one of Check, Put, Update or Delete")
            })?;
        let request = Input::from_json(body.clone())?;
        legacy::reject_mixed(&request)?;
        let name = request.table_name()?.to_owned();
        let table = table(tables, &name)?;
        let mut placeholders = request.placeholders()?;
        let update = match (kind.as_str(), request.string("UpdateExpression")?) {
            ("Update", Some(expression)) => Some(parse_update(expression, &mut placeholders)?),
            ("Update", None) => {
                return Err(null_member("transactItems.member.update.updateExpression"));
            }
            _ => None,
        };
        let condition = write_condition(&request, &mut placeholders)?;
        if kind == "ConditionCheck" && condition.is_none() {
            return Err(null_member(
                "transactItems.member.conditionCheck.conditionExpression",
            ));
        }
        placeholders.check_all_used()?;
        let (key, put) = match kind.as_str() {
            "Put" => {
                let item = request.item("Item")?.ok_or_else(|| null_member("item"))?;
                check_item_size(&item, "Item size has exceeded the maximum allowed size")?;
                let key = table.definition.key.key_of_item(&item)?;
                table.definition.check_index_keys(&item, WrittenBy::Item)?;
                (key, Some(item))
            }
            "Update" | "Delete" | "ConditionCheck" => {
                let key = request.item("Key")?.ok_or_else(|| null_member("key"))?;
                (table.definition.key.key_of_request(&key)?, None)
            }
            other => {
                return Err(validation(format!(
                    "TransactItems can only contain one of Check, Put, Update or Delete; found {other}"
                )));
            }
        };
        if !touched.insert((name.clone(), key.clone())) {
            return Err(validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        reject_key_updates(update.as_ref(), &table.definition.key)?;
        let existing = writer.get(table, &key)?;
        if let Some(condition) = &condition
            && !evaluate(condition, existing.as_ref())
        {
            failed = true;
            let mut reason = json!({"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"});
            if request.string("ReturnValuesOnConditionCheckFailure")? == Some("ALL_OLD")
                && let Some(item) = &existing
            {
                reason["Item"] = item_to_json(item);
            }
            reasons.push(reason);
            continue;
        }
        let outcome = match kind.as_str() {
            "Put" => Outcome::Put(put.unwrap_or_default()),
            "Delete" => Outcome::Delete,
            "Update" => {
                let base = existing
                    .clone()
                    .unwrap_or_else(|| table.definition.key.key_item(&key));
                let result = update.as_ref().map(|update| apply_update(update, &base));
                match result {
                    Some(Ok(item)) => {
                        // An unusable index key fails the whole request, not one item.
                        table
                            .definition
                            .check_index_keys(&item, WrittenBy::Update)?;
                        Outcome::Put(item)
                    }
                    Some(Err(error)) => {
                        failed = true;
                        reasons.push(json!({"Code": "ValidationError", "Message": error.message}));
                        continue;
                    }
                    None => Outcome::Keep,
                }
            }
            _ => Outcome::Keep,
        };
        reasons.push(json!({"Code": "None"}));
        plan.push((name, key, existing, outcome));
    }
    if failed {
        let codes: Vec<&str> = reasons
            .iter()
            .map(|reason| reason["Code"].as_str().unwrap_or("None"))
            .collect();
        return Err(
            crate::dynamodb::error::transaction_canceled(&codes.join(", "))
                .with("CancellationReasons", Json::Array(reasons)),
        );
    }
    for (name, key, existing, outcome) in plan {
        let table = table(tables, &name)?;
        match (outcome, existing) {
            (Outcome::Keep, _) | (Outcome::Delete, None) => {}
            (Outcome::Put(item), existing) => {
                writer.put(table, &key, &item, existing.as_ref())?;
            }
            (Outcome::Delete, Some(old)) => {
                writer.delete(table, &key, &old)?;
            }
        }
    }
    Ok(json!({}))
}

pub fn transact_get_items(
    tables: &Tables,
    items: &Connection,
    input: &Input,
) -> Result<Json, AwsError> {
    let actions = input
        .array("TransactItems")?
        .ok_or_else(|| null_member("transactItems"))?;
    if actions.is_empty() || actions.len() > 100 {
        return Err(validation(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
        ));
    }
    let mut responses = Vec::with_capacity(actions.len());
    for action in actions {
        let get = action
            .get("Get")
            .ok_or_else(|| null_member("transactItems.member.get"))?;
        let request = Input::from_json(get.clone())?;
        legacy::reject_mixed(&request)?;
        let table = table(tables, request.table_name()?)?;
        let mut placeholders = request.placeholders()?;
        let paths = projection(&request, &mut placeholders)?;
        placeholders.check_all_used()?;
        let key = request.item("Key")?.ok_or_else(|| null_member("key"))?;
        let key = table.definition.key.key_of_request(&key)?;
        let mut response = Map::new();
        if let Some(item) = storage::get(items, table, &key)? {
            let item = match &paths {
                Some(paths) => project(&item, paths),
                None => item,
            };
            response.insert("Item".into(), item_to_json(&item));
        }
        responses.push(Json::Object(response));
    }
    Ok(json!({ "Responses": responses }))
}
