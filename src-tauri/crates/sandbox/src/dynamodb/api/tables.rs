//! Table operations: create, describe, list, update, delete; tags; time to live.

use serde_json::{Value as Json, json};

use std::sync::Arc;

use super::{Context, Tables};
use crate::dynamodb::error::{resource_in_use, resource_not_found, validation};
use crate::dynamodb::input::{Input, null_member};
use crate::dynamodb::storage::{Counts, TableCounts, Writer};
use crate::dynamodb::table::{
    Table, TableDefinition, check_key_name_length, check_tag_count, parse_tags,
};
use crate::wire::AwsError;

/// Table operations change `tables` (a copy the caller keeps only once `writer` commits).
type Written = Result<Json, AwsError>;

pub fn create_table(
    context: &Context<'_>,
    tables: &mut Tables,
    writer: &mut Writer<'_>,
    input: &Input,
) -> Written {
    let definition = TableDefinition::from_input(input, &context.arn_prefix())?;
    if tables.contains_key(&definition.name) {
        return Err(resource_in_use(format!(
            "Table already exists: {}",
            definition.name
        )));
    }
    let id = writer.create_table(context.scope, &definition)?;
    let counts = TableCounts {
        table: Counts::default(),
        indexes: definition
            .indexes
            .iter()
            .map(|index| (index.name.clone(), Counts::default()))
            .collect(),
    };
    let table = Table {
        definition,
        id,
        counts: Arc::new(counts),
    };
    let description = table.description("CREATING");
    tables.insert(table.definition.name.clone(), table);
    Ok(json!({ "TableDescription": description }))
}

/// Saves a changed definition of `table` and puts it into `tables`.
fn redefine(
    tables: &mut Tables,
    writer: &mut Writer<'_>,
    table: &Table,
    definition: TableDefinition,
) -> Result<Table, AwsError> {
    let counts = writer.redefine(table, &definition)?;
    writer.save_definition(table.id, &definition)?;
    let changed = Table {
        definition,
        id: table.id,
        counts,
    };
    tables.insert(changed.definition.name.clone(), changed.clone());
    Ok(changed)
}

fn not_found(name: &str) -> AwsError {
    resource_not_found(format!(
        "Requested resource not found: Table: {name} not found"
    ))
}

pub fn describe_table(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    let name = input.table_name()?;
    let table = tables.get(name).ok_or_else(|| not_found(name))?;
    Ok(json!({ "Table": table.description("ACTIVE") }))
}

pub fn list_tables(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    let limit = input.integer("Limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        let bound = if limit < 1 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 100"
        };
        return Err(validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {bound}"
        )));
    }
    let start = input.string("ExclusiveStartTableName")?;
    let mut names = tables
        .keys()
        .filter(|name| start.is_none_or(|start| name.as_str() > start));
    let page: Vec<&String> = names.by_ref().take(limit as usize).collect();
    let mut output = json!({ "TableNames": page });
    if names.next().is_some()
        && let Some(last) = page.last()
    {
        output["LastEvaluatedTableName"] = json!(last);
    }
    Ok(output)
}

pub fn delete_table(tables: &mut Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let name = input.table_name()?;
    let table = tables.get(name).ok_or_else(|| not_found(name))?;
    if table.definition.deletion_protection {
        return Err(validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    let description = table.deleted_description();
    writer.drop_table(table.id)?;
    tables.remove(name);
    Ok(json!({ "TableDescription": description }))
}

pub fn update_table(
    context: &Context<'_>,
    tables: &mut Tables,
    writer: &mut Writer<'_>,
    input: &Input,
) -> Written {
    let name = input.table_name()?;
    let current = tables.get(name).ok_or_else(|| not_found(name))?;
    // Build the new definition as a CreateTable request would describe it, so every rule of
    // CreateTable applies to the result.
    let mut stored = current.definition.to_stored();
    let Json::Object(fields) = &mut stored else {
        return Err(validation("table definition is not an object"));
    };
    let mut changed = false;
    if let Some(mode) = input.enumerated(
        "BillingMode",
        "billingMode",
        &["PROVISIONED", "PAY_PER_REQUEST"],
    )? {
        fields.insert("BillingMode".into(), json!(mode));
        if mode == "PAY_PER_REQUEST" {
            fields.remove("ProvisionedThroughput");
            if let Some(Json::Array(indexes)) = fields.get_mut("GlobalSecondaryIndexes") {
                for index in indexes {
                    if let Json::Object(index) = index {
                        index.remove("ProvisionedThroughput");
                    }
                }
            }
        }
        changed = true;
    }
    if let Some(throughput) = input.get("ProvisionedThroughput") {
        fields.insert("ProvisionedThroughput".into(), throughput.clone());
        changed = true;
    }
    if let Some(flag) = input.bool("DeletionProtectionEnabled")? {
        fields.insert("DeletionProtectionEnabled".into(), json!(flag));
        changed = true;
    }
    if let Some(definitions) = input.array("AttributeDefinitions")? {
        let Some(Json::Array(existing)) = fields.get_mut("AttributeDefinitions") else {
            return Err(validation("table has no attribute definitions"));
        };
        for (i, definition) in definitions.iter().enumerate() {
            let name = definition.get("AttributeName");
            if let Some(name) = name.and_then(Json::as_str) {
                check_key_name_length(name, &format!("attributeDefinitions.{}", i + 1))?;
            }
            match existing
                .iter()
                .find(|known| known.get("AttributeName") == name)
            {
                Some(known) if known != definition => {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Attribute {} cannot be redefined with another type",
                        name.and_then(Json::as_str).unwrap_or_default()
                    )));
                }
                Some(_) => {}
                None => existing.push(definition.clone()),
            }
        }
    }
    let index_updates = input
        .array("GlobalSecondaryIndexUpdates")?
        .map(Vec::as_slice)
        .unwrap_or_default();
    for update in index_updates {
        let actions = ["Create", "Update", "Delete"]
            .iter()
            .filter(|action| update.get(**action).is_some())
            .count();
        if actions != 1 || update.as_object().is_some_and(|update| update.len() != 1) {
            return Err(validation(
                "One or more parameter values were invalid: Each GlobalSecondaryIndexUpdate must name exactly one of Create, Update or Delete",
            ));
        }
    }
    if index_updates
        .iter()
        .filter(|update| update.get("Create").is_some() || update.get("Delete").is_some())
        .count()
        > 1
    {
        return Err(crate::dynamodb::error::limit_exceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
        ));
    }
    for update in index_updates {
        let indexes = fields
            .entry("GlobalSecondaryIndexes")
            .or_insert_with(|| json!([]));
        let Json::Array(indexes) = indexes else {
            return Err(validation("table indexes are not a list"));
        };
        if let Some(create) = update.get("Create") {
            let index_name = create.get("IndexName");
            // Local indexes count: a global one may not take the name of one.
            if current
                .definition
                .indexes
                .iter()
                .any(|index| index_name.and_then(Json::as_str) == Some(index.name.as_str()))
            {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Attempting to create an index which already exists: {}",
                    index_name.and_then(Json::as_str).unwrap_or_default()
                )));
            }
            // The request itself must define the new index's key attributes.
            let given: Vec<&str> = input
                .array("AttributeDefinitions")?
                .into_iter()
                .flatten()
                .filter_map(|definition| definition.get("AttributeName").and_then(Json::as_str))
                .collect();
            let key_names: Vec<&str> = create
                .get("KeySchema")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|element| element.get("AttributeName").and_then(Json::as_str))
                .collect();
            for (i, name) in key_names.iter().enumerate() {
                check_key_name_length(
                    name,
                    &format!(
                        "globalSecondaryIndexUpdates.1.member.create.keySchema.{}",
                        i + 1
                    ),
                )?;
            }
            let missing: Vec<&str> = key_names
                .into_iter()
                .filter(|name| !given.contains(name))
                .collect();
            if !missing.is_empty() {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                    missing.join(", "),
                    given.join(", ")
                )));
            }
            indexes.push(create.clone());
        } else if let Some(delete) = update.get("Delete") {
            let index_name = delete
                .get("IndexName")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let before = indexes.len();
            indexes
                .retain(|index| index.get("IndexName").and_then(Json::as_str) != Some(index_name));
            if indexes.len() == before {
                return Err(resource_not_found(format!(
                    "Requested resource not found: Index: {index_name} not found"
                )));
            }
        } else if let Some(change) = update.get("Update") {
            let index_name = change
                .get("IndexName")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let Some(index) = indexes
                .iter_mut()
                .find(|index| index.get("IndexName").and_then(Json::as_str) == Some(index_name))
            else {
                return Err(resource_not_found(format!(
                    "Requested resource not found: Index: {index_name} not found"
                )));
            };
            if let (Json::Object(index), Some(throughput)) =
                (index, change.get("ProvisionedThroughput"))
            {
                index.insert("ProvisionedThroughput".into(), throughput.clone());
            }
        }
        changed = true;
    }
    if let Some(Json::Array(indexes)) = fields.get("GlobalSecondaryIndexes")
        && indexes.is_empty()
    {
        fields.remove("GlobalSecondaryIndexes");
    }
    forget_unused_attribute_definitions(fields);
    if !changed {
        return Err(validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    let definition =
        TableDefinition::from_input(&Input::from_json(stored)?, &context.arn_prefix())?;
    let current = current.clone();
    let table = redefine(tables, writer, &current, definition)?;
    Ok(json!({ "TableDescription": table.description("UPDATING") }))
}

/// Drops the attribute definitions no key of the table or its indexes uses any more (those of
/// a deleted index), as DynamoDB does.
fn forget_unused_attribute_definitions(fields: &mut serde_json::Map<String, Json>) {
    let mut used: Vec<Json> = Vec::new();
    let mut collect = |schema: Option<&Json>| {
        for element in schema.and_then(Json::as_array).into_iter().flatten() {
            if let Some(name) = element.get("AttributeName") {
                used.push(name.clone());
            }
        }
    };
    collect(fields.get("KeySchema"));
    for parameter in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for index in fields
            .get(parameter)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            collect(index.get("KeySchema"));
        }
    }
    if let Some(Json::Array(definitions)) = fields.get_mut("AttributeDefinitions") {
        definitions.retain(|definition| {
            definition
                .get("AttributeName")
                .is_some_and(|name| used.contains(name))
        });
    }
}

/// The table a resource ARN names.
fn table_by_arn<'a>(tables: &'a Tables, input: &Input) -> Result<&'a Table, AwsError> {
    let arn = input.required_string("ResourceArn", "resourceArn")?;
    if !arn.starts_with("arn:") {
        return Err(validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}: ARNs must start with 'arn:'"
        )));
    }
    // Indexes, streams and backups have ARNs of their own, but no tags.
    if !arn.starts_with("arn:aws:dynamodb:") || !arn.contains(":table/") || arn.contains("/index/")
    {
        return Err(validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        )));
    }
    tables
        .values()
        .find(|table| table.definition.arn == arn)
        .ok_or_else(|| {
            resource_not_found(format!(
                "Requested resource not found: ResourcArn: {arn} not found"
            ))
        })
}

pub fn tag_resource(tables: &mut Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let tags = input.array("Tags")?.ok_or_else(|| null_member("tags"))?;
    if tags.is_empty() {
        return Err(validation(
            "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let tags = parse_tags(tags)?;
    let table = table_by_arn(tables, input)?.clone();
    let mut definition = table.definition.clone();
    for (key, value) in tags {
        match definition
            .tags
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(tag) => tag.1 = value,
            None => definition.tags.push((key, value)),
        }
    }
    check_tag_count(definition.tags.len())?;
    redefine(tables, writer, &table, definition)?;
    Ok(json!({}))
}

pub fn untag_resource(tables: &mut Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let keys: Vec<String> = input
        .array("TagKeys")?
        .ok_or_else(|| null_member("tagKeys"))?
        .iter()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    let table = table_by_arn(tables, input)?.clone();
    let mut definition = table.definition.clone();
    definition.tags.retain(|(key, _)| !keys.contains(key));
    redefine(tables, writer, &table, definition)?;
    Ok(json!({}))
}

pub fn list_tags_of_resource(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    let table = table_by_arn(tables, input)?;
    let tags: Vec<Json> = table
        .definition
        .tags
        .iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    Ok(json!({ "Tags": tags }))
}

pub fn describe_time_to_live(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    let name = input.table_name()?;
    let table = tables.get(name).ok_or_else(|| not_found(name))?;
    let description = match &table.definition.ttl_attribute {
        Some(attribute) => json!({"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}),
        None => json!({"TimeToLiveStatus": "DISABLED"}),
    };
    Ok(json!({ "TimeToLiveDescription": description }))
}

pub fn update_time_to_live(tables: &mut Tables, writer: &mut Writer<'_>, input: &Input) -> Written {
    let name = input.table_name()?;
    let specification = input
        .object("TimeToLiveSpecification")?
        .ok_or_else(|| null_member("timeToLiveSpecification"))?;
    let enabled = specification
        .get("Enabled")
        .and_then(Json::as_bool)
        .ok_or_else(|| null_member("timeToLiveSpecification.enabled"))?;
    let attribute = specification
        .get("AttributeName")
        .and_then(Json::as_str)
        .ok_or_else(|| null_member("timeToLiveSpecification.attributeName"))?;
    let length = attribute.len();
    if !(1..=255).contains(&length) {
        return Err(validation(format!(
            "1 validation error detected: Value '{attribute}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length {}",
            if length == 0 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 255"
            }
        )));
    }
    let table = tables.get(name).ok_or_else(|| not_found(name))?.clone();
    match (&table.definition.ttl_attribute, enabled) {
        (Some(_), true) => return Err(validation("TimeToLive is already enabled")),
        (None, false) => return Err(validation("TimeToLive is already disabled")),
        (Some(current), false) if current != attribute => {
            return Err(validation(format!(
                "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
            )));
        }
        _ => {}
    }
    let mut definition = table.definition.clone();
    definition.ttl_attribute = enabled.then(|| attribute.to_owned());
    redefine(tables, writer, &table, definition)?;
    Ok(json!({ "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute} }))
}
