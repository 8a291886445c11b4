//! Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.

use serde_json::{Map, Value as Json};

use rusqlite::Connection;

use super::{
    CapacityReport, Consumed, ObjectText, Tables, check_item_size, check_write_condition,
    read_units, reject_key_updates, table, write_units,
};
use crate::dynamodb::error::validation;
use crate::dynamodb::expr::ast::Update;
use crate::dynamodb::expr::{
    Condition, ExprKind, INCORRECT_OPERAND, Path, Placeholders, apply_update, parse_condition,
    parse_projection, parse_update, project,
};
use crate::dynamodb::input::{Input, null_member};
use crate::dynamodb::legacy;
use crate::dynamodb::storage::{self, Writer};
use crate::dynamodb::table::WrittenBy;
use crate::dynamodb::value::{Item, item_size, item_to_json};
use crate::wire::AwsError;

type Written = Result<Json, AwsError>;

const RETURN_VALUES: [&str; 5] = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];

fn return_values<'a>(input: &'a Input, allowed: &[&str]) -> Result<&'a str, AwsError> {
    let value = input
        .enumerated("ReturnValues", "returnValues", &RETURN_VALUES)?
        .unwrap_or("NONE");
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(validation("Return values set to invalid value"))
    }
}

/// The request's write condition, from `ConditionExpression` or the legacy `Expected`.
pub fn write_condition(
    input: &Input,
    placeholders: &mut Placeholders,
) -> Result<Option<Condition>, AwsError> {
    if let Some(expression) = input.string("ConditionExpression")? {
        return parse_condition(expression, ExprKind::Condition, placeholders).map(Some);
    }
    legacy::expected(input)
}

/// The request's projection, from `ProjectionExpression` or the legacy `AttributesToGet`.
pub fn projection(
    input: &Input,
    placeholders: &mut Placeholders,
) -> Result<Option<Vec<Path>>, AwsError> {
    if let Some(expression) = input.string("ProjectionExpression")? {
        return parse_projection(expression, placeholders).map(Some);
    }
    legacy::attributes_to_get(input)
}

fn with_attributes(output: &mut Map<String, Json>, attributes: Option<Item>) {
    if let Some(attributes) = attributes.filter(|item| !item.is_empty()) {
        output.insert("Attributes".into(), item_to_json(&attributes));
    }
}

pub fn put_item(tables: &Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let name = input.table_name()?;
    let item = input.item("Item")?.ok_or_else(|| null_member("item"))?;
    let returning = return_values(input, &["NONE", "ALL_OLD"])?;
    let capacity = CapacityReport::from_input(input)?;
    let mut placeholders = input.placeholders()?;
    let condition = write_condition(input, &mut placeholders)?;
    placeholders.check_all_used()?;

    let table = table(tables, name)?;
    let key = table.definition.key.key_of_item(&item)?;
    check_item_size(&item, "Item size has exceeded the maximum allowed size")?;
    table.definition.check_index_keys(&item, WrittenBy::Item)?;
    let mut output = Map::new();
    if condition.is_none() && returning == "NONE" {
        // What the item replaces matters only for its size.
        let (replaced, indexes) = writer.put_over(table, &key, &item)?;
        let units = write_units(item_size(&item).max(replaced.unwrap_or(0)));
        capacity.report(
            &mut output,
            &table.definition,
            &Consumed::write(units, indexes),
        );
        return Ok(Json::Object(output));
    }
    let existing = writer.get(table, &key)?;
    check_write_condition(input, condition.as_ref(), existing.as_ref())?;
    let units = write_units(item_size(&item).max(existing.as_ref().map_or(0, item_size)));
    let indexes = writer.put(table, &key, &item, existing.as_ref())?;
    if returning == "ALL_OLD" {
        with_attributes(&mut output, existing);
    }
    capacity.report(
        &mut output,
        &table.definition,
        &Consumed::write(units, indexes),
    );
    Ok(Json::Object(output))
}

pub fn get_item(tables: &Tables, items: &Connection, input: &Input) -> Result<String, AwsError> {
    let name = input.table_name()?;
    let key = input.item("Key")?.ok_or_else(|| null_member("key"))?;
    let consistent = input.bool("ConsistentRead")?.unwrap_or(false);
    let capacity = CapacityReport::from_input(input)?;
    let mut placeholders = input.placeholders()?;
    let paths = projection(input, &mut placeholders)?;
    placeholders.check_all_used()?;

    let table = table(tables, name)?;
    let key = table.definition.key.key_of_request(&key)?;
    let mut output = ObjectText::default();
    let found = storage::get_text(items, table, &key)?;
    let units = read_units(found.as_ref().map_or(0, |(_, size)| *size), consistent);
    if let Some((text, _)) = found {
        match &paths {
            Some(paths) => output.value(
                "Item",
                &item_to_json(&project(&storage::parse_item(&text)?, paths)),
            ),
            None => output.raw("Item", &text),
        }
    }
    if let Some(consumed) = capacity.consumed(&table.definition, &Consumed::table(units)) {
        output.value("ConsumedCapacity", &consumed);
    }
    Ok(output.finish())
}

pub fn delete_item(tables: &Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let name = input.table_name()?;
    let key = input.item("Key")?.ok_or_else(|| null_member("key"))?;
    let returning = return_values(input, &["NONE", "ALL_OLD"])?;
    let capacity = CapacityReport::from_input(input)?;
    let mut placeholders = input.placeholders()?;
    let condition = write_condition(input, &mut placeholders)?;
    placeholders.check_all_used()?;

    let table = table(tables, name)?;
    let key = table.definition.key.key_of_request(&key)?;
    let existing = writer.get(table, &key)?;
    check_write_condition(input, condition.as_ref(), existing.as_ref())?;
    let units = write_units(existing.as_ref().map_or(0, item_size));
    let indexes = match &existing {
        Some(old) => writer.delete(table, &key, old)?,
        None => Vec::new(),
    };
    let mut output = Map::new();
    if returning == "ALL_OLD" {
        with_attributes(&mut output, existing);
    }
    capacity.report(
        &mut output,
        &table.definition,
        &Consumed::write(units, indexes),
    );
    Ok(Json::Object(output))
}

pub fn update_item(tables: &Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let name = input.table_name()?;
    let key_item = input.item("Key")?.ok_or_else(|| null_member("key"))?;
    let returning = return_values(input, &RETURN_VALUES)?;
    let capacity = CapacityReport::from_input(input)?;
    let mut placeholders = input.placeholders()?;
    let (update, legacy_update) = match input.string("UpdateExpression")? {
        Some(expression) => (Some(parse_update(expression, &mut placeholders)?), false),
        None => (legacy::attribute_updates(input)?, true),
    };
    let condition = write_condition(input, &mut placeholders)?;
    placeholders.check_all_used()?;

    let table = table(tables, name)?;
    let key = table.definition.key.key_of_request(&key_item)?;
    reject_key_updates(update.as_ref(), &table.definition.key)?;
    let existing = writer.get(table, &key)?;
    check_write_condition(input, condition.as_ref(), existing.as_ref())?;
    let base = existing
        .clone()
        .unwrap_or_else(|| table.definition.key.key_item(&key));
    let new = match &update {
        Some(update) => apply_update(update, &base).map_err(|error| {
            if legacy_update && error.message == INCORRECT_OPERAND {
                validation(
                    "One or more parameter values were invalid: Type mismatch for attribute to update",
                )
            } else {
                error
            }
        })?,
        None => base,
    };
    // Removing attributes from an item that is not there does not create it.
    if existing.is_none() && update.as_ref().is_some_and(Update::only_removes) {
        let mut output = Map::new();
        capacity.report(
            &mut output,
            &table.definition,
            &Consumed::table(write_units(0)),
        );
        return Ok(Json::Object(output));
    }
    check_item_size(
        &new,
        "Item size to update has exceeded the maximum allowed size",
    )?;
    table.definition.check_index_keys(&new, WrittenBy::Update)?;
    let units = write_units(item_size(&new).max(existing.as_ref().map_or(0, item_size)));
    let targets: Vec<Path> = update
        .as_ref()
        .map(|update| update.targets().cloned().collect())
        .unwrap_or_default();
    let indexes = writer.put(table, &key, &new, existing.as_ref())?;
    let old = existing;
    let attributes = match returning {
        "ALL_OLD" => old,
        "UPDATED_OLD" => old.map(|old| project(&old, &targets)),
        "ALL_NEW" => Some(new),
        "UPDATED_NEW" => Some(project(&new, &targets)),
        _ => None,
    };
    let mut output = Map::new();
    with_attributes(&mut output, attributes);
    capacity.report(
        &mut output,
        &table.definition,
        &Consumed::write(units, indexes),
    );
    Ok(Json::Object(output))
}
