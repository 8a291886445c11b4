//! Reading a table's definition out of CreateTable's and UpdateTable's parameters, with
//! DynamoDB's checks and messages: key types and names, key schemas, indexes, billing, tags.

use serde_json::Value as Json;

use super::{Billing, IndexDefinition, Projection};
use crate::dynamodb::error::{serialization, validation};
use crate::dynamodb::input::{Input, check_table_name, null_member};
use crate::dynamodb::key::{KeyAttribute, KeySchema, ScalarType};
use crate::wire::AwsError;

/// Every `KeyType` of the table and its indexes is HASH or RANGE: a constraint of the request's
/// shape, so AWS reports it before anything the schemas mean.
pub(super) fn check_key_types(input: &Input) -> Result<(), AwsError> {
    let mut schemas = vec![("keySchema".to_owned(), input.get("KeySchema"))];
    for (parameter, field) in [
        ("GlobalSecondaryIndexes", "globalSecondaryIndexes"),
        ("LocalSecondaryIndexes", "localSecondaryIndexes"),
    ] {
        for (i, index) in input.array(parameter)?.into_iter().flatten().enumerate() {
            schemas.push((
                format!("{field}.{}.member.keySchema", i + 1),
                index.get("KeySchema"),
            ));
        }
    }
    for (path, schema) in schemas {
        for (i, element) in schema
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(key_type) = element.get("KeyType").and_then(Json::as_str)
                && !matches!(key_type, "HASH" | "RANGE")
            {
                return Err(validation(format!(
                    "1 validation error detected: Value '{key_type}' at '{path}.{}.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
                    i + 1
                )));
            }
        }
    }
    Ok(())
}

/// The longest name of a key attribute, in bytes.
const MAX_KEY_NAME_BYTES: usize = 255;

/// Key attribute names are limited to [`MAX_KEY_NAME_BYTES`]; `member` says where the name is.
pub fn check_key_name_length(name: &str, member: &str) -> Result<(), AwsError> {
    if name.len() > MAX_KEY_NAME_BYTES {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at '{member}.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to {MAX_KEY_NAME_BYTES}"
        )));
    }
    Ok(())
}

pub(super) fn parse_key_schema(
    elements: &[Json],
    definitions: &[(String, ScalarType)],
    owner: &str,
) -> Result<KeySchema, AwsError> {
    if elements.is_empty() || elements.len() > 2 {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2",
            elements.len()
        )));
    }
    let mut attributes = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let name = element
            .get("AttributeName")
            .and_then(Json::as_str)
            .ok_or_else(|| null_member("keySchema.member.attributeName"))?;
        check_key_name_length(name, &format!("keySchema.{}", i + 1))?;
        let key_type = element
            .get("KeyType")
            .and_then(Json::as_str)
            .ok_or_else(|| null_member("keySchema.member.keyType"))?;
        let kind = definitions
            .iter()
            .find(|(defined, _)| defined == name)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| {
                let defined: Vec<&str> = definitions.iter().map(|(n, _)| n.as_str()).collect();
                validation(format!(
                    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                    defined.join(", ")
                ))
            })?;
        attributes.push((
            KeyAttribute {
                name: name.to_owned(),
                kind,
            },
            key_type,
        ));
    }
    let mut attributes = attributes.into_iter();
    let Some((hash, "HASH")) = attributes.next() else {
        return Err(validation(format!(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type ({owner})"
        )));
    };
    let range = match attributes.next() {
        None => None,
        Some((range, "RANGE")) => {
            if range.name == hash.name {
                return Err(validation(
                    "Both the Hash Key and the Range Key element in the KeySchema have the same name",
                ));
            }
            Some(range)
        }
        Some(_) => {
            return Err(validation(format!(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type ({owner})"
            )));
        }
    };
    Ok(KeySchema { hash, range })
}

pub(super) fn parse_index(
    index: &Json,
    global: bool,
    definitions: &[(String, ScalarType)],
) -> Result<IndexDefinition, AwsError> {
    let field = if global {
        "globalSecondaryIndexes"
    } else {
        "localSecondaryIndexes"
    };
    let name = index
        .get("IndexName")
        .and_then(Json::as_str)
        .ok_or_else(|| null_member(&format!("{field}.member.indexName")))?;
    check_table_name(name, &format!("{field}.member.indexName"))?;
    let key = parse_key_schema(
        index
            .get("KeySchema")
            .and_then(Json::as_array)
            .ok_or_else(|| null_member(&format!("{field}.member.keySchema")))?,
        definitions,
        name,
    )?;
    let projection = index
        .get("Projection")
        .ok_or_else(|| null_member(&format!("{field}.member.projection")))?;
    let non_key: Option<Vec<String>> = match projection.get("NonKeyAttributes") {
        None | Some(Json::Null) => None,
        Some(names) => Some(
            names
                .as_array()
                .into_iter()
                .flatten()
                .map(|name| name.as_str().map(str::to_owned))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| serialization("NonKeyAttributes must be a list of strings"))?,
        ),
    }
    .filter(|names| !names.is_empty());
    let invalid = |what: &str| {
        Err(validation(format!(
            "One or more parameter values were invalid: {what}"
        )))
    };
    let projection = match (
        projection.get("ProjectionType").and_then(Json::as_str),
        non_key,
    ) {
        (Some("INCLUDE"), None) => {
            return invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
        }
        (Some("INCLUDE"), Some(names)) => Projection::Include(names),
        (kind @ (Some("ALL" | "KEYS_ONLY") | None), Some(_)) => {
            return invalid(&format!(
                "ProjectionType is {}, but NonKeyAttributes is specified",
                kind.unwrap_or("ALL")
            ));
        }
        (Some("ALL") | None, None) => Projection::All,
        (Some("KEYS_ONLY"), None) => Projection::KeysOnly,
        (Some(other), _) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at '{field}.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"
            )));
        }
    };
    let throughput = index.get("ProvisionedThroughput").and_then(|t| {
        Some((
            t.get("ReadCapacityUnits")?.as_i64()?,
            t.get("WriteCapacityUnits")?.as_i64()?,
        ))
    });
    Ok(IndexDefinition {
        name: name.to_owned(),
        key,
        projection,
        throughput,
        global,
    })
}

pub(super) fn parse_billing(
    input: &Input,
    indexes: &[IndexDefinition],
) -> Result<Billing, AwsError> {
    let mode = input.enumerated(
        "BillingMode",
        "billingMode",
        &["PROVISIONED", "PAY_PER_REQUEST"],
    )?;
    let throughput = input.object("ProvisionedThroughput")?;
    match mode {
        Some("PAY_PER_REQUEST") => {
            if throughput.is_some()
                || indexes
                    .iter()
                    .any(|index| index.global && index.throughput.is_some())
            {
                return Err(validation(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            Ok(Billing::PayPerRequest)
        }
        _ => {
            let Some(throughput) = throughput else {
                return Err(validation(
                    "No provisioned throughput specified for the table",
                ));
            };
            let units = |name: &str| throughput.get(name).and_then(Json::as_i64);
            let read = units("ReadCapacityUnits")
                .ok_or_else(|| null_member("provisionedThroughput.readCapacityUnits"))?;
            let write = units("WriteCapacityUnits")
                .ok_or_else(|| null_member("provisionedThroughput.writeCapacityUnits"))?;
            if read < 1 || write < 1 {
                return Err(validation(
                    "One or more parameter values were invalid: Provisioned throughput values must be greater than 0",
                ));
            }
            if let Some(index) = indexes
                .iter()
                .find(|index| index.global && index.throughput.is_none())
            {
                return Err(validation(format!(
                    "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: {}",
                    index.name
                )));
            }
            Ok(Billing::Provisioned { read, write })
        }
    }
}

pub fn parse_tags(tags: &[Json]) -> Result<Vec<(String, String)>, AwsError> {
    tags.iter()
        .enumerate()
        .map(|(i, tag)| {
            let key = tag
                .get("Key")
                .and_then(Json::as_str)
                .ok_or_else(|| null_member("tags.member.key"))?;
            let value = tag
                .get("Value")
                .and_then(Json::as_str)
                .ok_or_else(|| null_member("tags.member.value"))?;
            // Lengths in characters, as AWS counts them: keys 1–128, values up to 256.
            let constraint = |text: &str, member: &str, constraint: &str| {
                validation(format!(
                    "1 validation error detected: Value '{text}' at 'tags.{}.member.{member}' failed to satisfy constraint: Member must have length {constraint}",
                    i + 1
                ))
            };
            if key.is_empty() {
                return Err(constraint(key, "key", "greater than or equal to 1"));
            }
            if key.chars().count() > 128 {
                return Err(constraint(key, "key", "less than or equal to 128"));
            }
            if value.chars().count() > 256 {
                return Err(constraint(value, "value", "less than or equal to 256"));
            }
            for (text, member) in [(key, "key"), (value, "value")] {
                if !text.chars().all(allowed_in_tag) {
                    return Err(validation(format!(
                        "1 validation error detected: Value '{text}' at 'tags.{}.member.{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {TAG_PATTERN}",
                        i + 1
                    )));
                }
            }
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The most tags one table may have.
pub const MAX_TAGS: usize = 50;

/// What tag keys and values may consist of: letters, spaces, digits and `_ . : / = + - @`.
const TAG_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

fn allowed_in_tag(c: char) -> bool {
    c.is_alphabetic() || c.is_whitespace() || c.is_numeric() || "_.:/=+-@".contains(c)
}

/// Refuses a tag set larger than [`MAX_TAGS`].
pub fn check_tag_count(count: usize) -> Result<(), AwsError> {
    if count > MAX_TAGS {
        return Err(validation(format!(
            "One or more parameter values were invalid: The number of tags exceeds the limit of {MAX_TAGS} per resource"
        )));
    }
    Ok(())
}
