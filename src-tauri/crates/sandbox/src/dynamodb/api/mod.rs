//! One function per DynamoDB operation, grouped by what they work on. Each takes the parsed
//! [`Input`], the region's tables and a connection to the items on disk: a reading one, or the
//! [`Writer`](super::storage::Writer) whose transaction the caller commits. None of them sees
//! HTTP.

pub mod batch;
pub mod items;
pub mod read;
pub mod tables;
pub mod transact;

use serde_json::Value as Json;

pub use super::capacity::{CapacityReport, Consumed, read_units, write_units};

use super::error::{resource_not_found, validation};
use super::input::Input;
use super::table::Table;
use super::value::{Item, item_size, item_to_json};
use crate::store::Scope;
use crate::wire::AwsError;

/// The tables of one account in one region.
pub type Tables = std::collections::BTreeMap<String, Table>;

/// What an operation needs to know besides its input.
#[derive(Debug)]
pub struct Context<'a> {
    pub scope: &'a Scope,
}

impl Context<'_> {
    pub fn arn_prefix(&self) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}",
            self.scope.region, self.scope.account
        )
    }
}

/// The largest item DynamoDB stores.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

pub fn table<'a>(tables: &'a Tables, name: &str) -> Result<&'a Table, AwsError> {
    tables
        .get(name)
        .ok_or_else(|| resource_not_found("Requested resource not found"))
}

pub fn table_mut<'a>(tables: &'a mut Tables, name: &str) -> Result<&'a mut Table, AwsError> {
    tables
        .get_mut(name)
        .ok_or_else(|| resource_not_found("Requested resource not found"))
}

/// Rejects items over DynamoDB's size limit.
pub fn check_item_size(item: &Item, message: &str) -> Result<(), AwsError> {
    if item_size(item) > MAX_ITEM_SIZE {
        return Err(validation(message));
    }
    Ok(())
}

/// A JSON object written as text member by member, so that items read from disk go into an
/// answer as they are stored instead of being decoded and encoded again.
#[derive(Debug)]
pub struct ObjectText {
    text: String,
    empty: bool,
}

impl Default for ObjectText {
    fn default() -> Self {
        Self {
            text: String::from("{"),
            empty: true,
        }
    }
}

impl ObjectText {
    fn name(&mut self, name: &str) {
        if !self.empty {
            self.text.push(',');
        }
        self.empty = false;
        self.text.push_str(&Json::from(name).to_string());
        self.text.push(':');
    }

    /// Adds a member whose value is JSON text already (a stored item, a list of them).
    pub fn raw(&mut self, name: &str, json_text: &str) {
        self.name(name);
        self.text.push_str(json_text);
    }

    pub fn value(&mut self, name: &str, value: &Json) {
        self.name(name);
        self.text.push_str(&value.to_string());
    }

    pub fn finish(mut self) -> String {
        self.text.push('}');
        self.text
    }
}

/// A JSON array written as text, element by element.
#[derive(Debug)]
pub struct ArrayText(String);

impl Default for ArrayText {
    fn default() -> Self {
        Self(String::from("["))
    }
}

impl ArrayText {
    pub fn push_raw(&mut self, json_text: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(json_text);
    }

    pub fn finish(mut self) -> String {
        self.0.push(']');
        self.0
    }
}

/// Fails with `ConditionalCheckFailedException` when `condition` does not hold for `existing`.
pub fn check_write_condition(
    input: &Input,
    condition: Option<&super::expr::Condition>,
    existing: Option<&Item>,
) -> Result<(), AwsError> {
    match condition {
        Some(condition) if !super::expr::evaluate(condition, existing) => {
            Err(condition_failure(input, existing)?)
        }
        _ => Ok(()),
    }
}

/// Key attributes cannot be changed by an update.
pub fn reject_key_updates(
    update: Option<&super::expr::Update>,
    key: &super::key::KeySchema,
) -> Result<(), AwsError> {
    if let Some(path) = update
        .into_iter()
        .flat_map(super::expr::Update::targets)
        .find(|path| key.is_key_attribute(path.root()))
    {
        return Err(validation(format!(
            "One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
            path.root()
        )));
    }
    Ok(())
}

/// `ReturnValuesOnConditionCheckFailure=ALL_OLD` puts the item into the error.
pub fn condition_failure(input: &Input, existing: Option<&Item>) -> Result<AwsError, AwsError> {
    let error = super::error::conditional_check_failed();
    let wants_item = input.enumerated(
        "ReturnValuesOnConditionCheckFailure",
        "returnValuesOnConditionCheckFailure",
        &["ALL_OLD", "NONE"],
    )? == Some("ALL_OLD");
    Ok(match existing {
        Some(item) if wants_item => error.with("Item", item_to_json(item)),
        _ => error,
    })
}
