//! BatchWriteItem and BatchGetItem. The sandbox never throttles, so nothing is ever left
//! unprocessed; the `Unprocessed…` members are present and empty, as AWS sends them.

use std::collections::HashSet;

use serde_json::{Value as Json, json};

use super::items::projection;
use rusqlite::Connection;

use super::{
    ArrayText, CapacityReport, Consumed, ObjectText, Tables, check_item_size, read_units, table,
    write_units,
};
use crate::dynamodb::error::validation;
use crate::dynamodb::input::{Input, null_member, table_name_of};
use crate::dynamodb::key::PrimaryKey;
use crate::dynamodb::legacy;
use crate::dynamodb::storage::{self, Writer};
use crate::dynamodb::table::WrittenBy;
use crate::dynamodb::value::{Item, item_from_json, item_size, item_to_json};
use crate::wire::AwsError;

enum Write {
    Put(PrimaryKey, Item),
    Delete(PrimaryKey),
}

fn duplicates() -> AwsError {
    validation("Provided list of item keys contains duplicates")
}

pub fn batch_write_item(
    tables: &Tables,
    writer: &mut Writer<'_>,
    input: &Input,
) -> Result<Json, AwsError> {
    let requests = input
        .object("RequestItems")?
        .ok_or_else(|| null_member("requestItems"))?;
    let total: usize = requests
        .values()
        .map(|r| r.as_array().map_or(0, Vec::len))
        .sum();
    if requests.is_empty()
        || total == 0
        || total > 25
        || requests
            .values()
            .any(|writes| writes.as_array().is_some_and(Vec::is_empty))
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{{{}}}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
            requests.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    // Check everything before writing anything.
    let mut plan: Vec<(String, Write)> = Vec::with_capacity(total);
    for (given, writes) in requests {
        let name = table_name_of(given, "requestItems")?.to_owned();
        let table = table(tables, &name)?;
        let mut seen = HashSet::new();
        for request in writes.as_array().into_iter().flatten() {
            let write = if let Some(put) = request.get("PutRequest") {
                let item = item_from_json(put.get("Item").ok_or_else(|| null_member("item"))?)?;
                let key = table.definition.key.key_of_item(&item)?;
                check_item_size(&item, "Item size has exceeded the maximum allowed size")?;
                table.definition.check_index_keys(&item, WrittenBy::Item)?;
                Write::Put(key, item)
            } else if let Some(delete) = request.get("DeleteRequest") {
                let key = item_from_json(delete.get("Key").ok_or_else(|| null_member("key"))?)?;
                Write::Delete(table.definition.key.key_of_request(&key)?)
            } else {
                return Err(validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            };
            let key = match &write {
                Write::Put(key, _) | Write::Delete(key) => key.clone(),
            };
            if !seen.insert(key) {
                return Err(duplicates());
            }
            plan.push((name.clone(), write));
        }
    }
    let capacity = CapacityReport::from_input(input)?;
    let mut consumed: Vec<(String, Consumed)> = Vec::new();
    for (name, write) in plan {
        let table = table(tables, &name)?;
        let spent = match write {
            Write::Put(key, item) => {
                let (replaced, indexes) = writer.put_over(table, &key, &item)?;
                Consumed::write(
                    write_units(item_size(&item).max(replaced.unwrap_or(0))),
                    indexes,
                )
            }
            Write::Delete(key) => match writer.get(table, &key)? {
                Some(old) => {
                    let indexes = writer.delete(table, &key, &old)?;
                    Consumed::write(write_units(item_size(&old)), indexes)
                }
                None => Consumed::write(write_units(0), Vec::new()),
            },
        };
        add_to(&mut consumed, name, &spent);
    }
    let mut output = json!({ "UnprocessedItems": {} });
    if capacity != CapacityReport::None {
        output["ConsumedCapacity"] = report(tables, capacity, consumed)?;
    }
    Ok(output)
}

pub fn batch_get_item(
    tables: &Tables,
    items: &Connection,
    input: &Input,
) -> Result<String, AwsError> {
    let requests = input
        .object("RequestItems")?
        .ok_or_else(|| null_member("requestItems"))?;
    let total: usize = requests
        .values()
        .map(|r| r.get("Keys").and_then(Json::as_array).map_or(0, Vec::len))
        .sum();
    if total > 100 {
        return Err(validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    if requests.is_empty() {
        return Err(validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let capacity = CapacityReport::from_input(input)?;
    let mut consumed: Vec<(String, Consumed)> = Vec::new();
    let mut responses = ObjectText::default();
    for (name, request) in requests {
        let request = Input::from_json(request.clone())?;
        legacy::reject_mixed(&request)?;
        let mut placeholders = request.placeholders()?;
        let paths = projection(&request, &mut placeholders)?;
        placeholders.check_all_used()?;
        let table = table(tables, table_name_of(name, "requestItems")?)?;
        let keys = request.array("Keys")?.ok_or_else(|| null_member("keys"))?;
        let consistent = request.bool("ConsistentRead")?.unwrap_or(false);
        let mut units = 0.0;
        let mut seen = HashSet::new();
        let mut found = ArrayText::default();
        for key in keys {
            let key = table.definition.key.key_of_request(&item_from_json(key)?)?;
            if !seen.insert(key.clone()) {
                return Err(duplicates());
            }
            let stored = storage::get_text(items, table, &key)?;
            units += read_units(stored.as_ref().map_or(0, |(_, size)| *size), consistent);
            if let Some((text, _)) = stored {
                match &paths {
                    Some(paths) => found.push_raw(
                        &item_to_json(&crate::dynamodb::expr::project(
                            &storage::parse_item(&text)?,
                            paths,
                        ))
                        .to_string(),
                    ),
                    None => found.push_raw(&text),
                }
            }
        }
        responses.raw(name, &found.finish());
        add_to(&mut consumed, name.clone(), &Consumed::table(units));
    }
    let mut output = ObjectText::default();
    output.raw("Responses", &responses.finish());
    output.value("UnprocessedKeys", &json!({}));
    if capacity != CapacityReport::None {
        output.value("ConsumedCapacity", &report(tables, capacity, consumed)?);
    }
    Ok(output.finish())
}

/// Adds what one request spent on table `name` to the batch's spending per table.
fn add_to(consumed: &mut Vec<(String, Consumed)>, name: String, spent: &Consumed) {
    match consumed.iter_mut().find(|(table, _)| *table == name) {
        Some((_, total)) => total.add(spent),
        None => consumed.push((name, spent.clone())),
    }
}

/// A batch's `ConsumedCapacity`: one entry per table, in the order the tables came.
fn report(
    tables: &Tables,
    capacity: CapacityReport,
    consumed: Vec<(String, Consumed)>,
) -> Result<Json, AwsError> {
    let mut entries = Vec::with_capacity(consumed.len());
    for (name, spent) in consumed {
        let table = table(tables, &name)?;
        entries.extend(capacity.consumed(&table.definition, &spent));
    }
    Ok(Json::Array(entries))
}
