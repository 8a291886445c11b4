//! Table operations: create, describe, list, update, delete; tags; time to live.

use serde_json::{Value as Json, json};

use super::{Context, Tables, table_mut};
use crate::dynamodb::error::{resource_in_use, resource_not_found, validation};
use crate::dynamodb::input::{Input, null_member};
use crate::dynamodb::table::{Table, TableDefinition, parse_tags};
use crate::store::Mutation;
use crate::wire::AwsError;

type Written = Result<(Json, Vec<Mutation>), AwsError>;

fn store_definition(context: &Context<'_>, table: &Table) -> Mutation {
    Mutation::PutTable {
        scope: context.scope.clone(),
        name: table.definition.name.clone(),
        definition: table.definition.to_stored().to_string(),
    }
}

pub fn create_table(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
    let definition = TableDefinition::from_input(input, &context.arn_prefix())?;
    if tables.contains_key(&definition.name) {
        return Err(resource_in_use(format!(
            "Table already exists: {}",
            definition.name
        )));
    }
    let table = Table::new(definition);
    let mutation = store_definition(context, &table);
    let description = table.description("CREATING");
    tables.insert(table.definition.name.clone(), table);
    Ok((json!({ "TableDescription": description }), vec![mutation]))
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

pub fn delete_table(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
    let name = input.table_name()?;
    let table = tables.get(name).ok_or_else(|| not_found(name))?;
    if table.definition.deletion_protection {
        return Err(validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    let description = table.description("DELETING");
    tables.remove(name);
    let mutation = Mutation::DeleteTable {
        scope: context.scope.clone(),
        name: name.to_owned(),
    };
    Ok((json!({ "TableDescription": description }), vec![mutation]))
}

pub fn update_table(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
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
        for definition in definitions {
            if !existing.contains(definition) {
                existing.push(definition.clone());
            }
        }
    }
    for update in input
        .array("GlobalSecondaryIndexUpdates")?
        .into_iter()
        .flatten()
    {
        let indexes = fields
            .entry("GlobalSecondaryIndexes")
            .or_insert_with(|| json!([]));
        let Json::Array(indexes) = indexes else {
            return Err(validation("table indexes are not a list"));
        };
        if let Some(create) = update.get("Create") {
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
    if !changed {
        return Err(validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    let definition =
        TableDefinition::from_input(&Input::from_json(stored)?, &context.arn_prefix())?;
    let mut table = Table::new(definition);
    let items = std::mem::take(&mut tables.get_mut(name).ok_or_else(|| not_found(name))?.items);
    for (key, item) in items {
        table.put(key, item);
    }
    let mutation = store_definition(context, &table);
    let description = table.description("UPDATING");
    tables.insert(name.to_owned(), table);
    Ok((json!({ "TableDescription": description }), vec![mutation]))
}

/// The table a resource ARN names.
fn table_by_arn<'a>(tables: &'a mut Tables, input: &Input) -> Result<&'a mut Table, AwsError> {
    let arn = input.required_string("ResourceArn", "resourceArn")?;
    if !arn.starts_with("arn:aws:dynamodb:") || !arn.contains(":table/") {
        return Err(validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        )));
    }
    tables
        .values_mut()
        .find(|table| table.definition.arn == arn)
        .ok_or_else(|| {
            resource_not_found(format!(
                "Requested resource not found: ResourcArn: {arn} not found"
            ))
        })
}

pub fn tag_resource(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
    let tags = parse_tags(input.array("Tags")?.ok_or_else(|| null_member("tags"))?)?;
    let table = table_by_arn(tables, input)?;
    for (key, value) in tags {
        match table
            .definition
            .tags
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(tag) => tag.1 = value,
            None => table.definition.tags.push((key, value)),
        }
    }
    Ok((json!({}), vec![store_definition(context, table)]))
}

pub fn untag_resource(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
    let keys: Vec<String> = input
        .array("TagKeys")?
        .ok_or_else(|| null_member("tagKeys"))?
        .iter()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    let table = table_by_arn(tables, input)?;
    table.definition.tags.retain(|(key, _)| !keys.contains(key));
    Ok((json!({}), vec![store_definition(context, table)]))
}

pub fn list_tags_of_resource(tables: &mut Tables, input: &Input) -> Result<Json, AwsError> {
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

pub fn update_time_to_live(context: &Context<'_>, tables: &mut Tables, input: &Input) -> Written {
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
    let table = table_mut(tables, name).map_err(|_| not_found(name))?;
    match (&table.definition.ttl_attribute, enabled) {
        (Some(_), true) => return Err(validation("TimeToLive is already enabled")),
        (None, false) => return Err(validation("TimeToLive is already disabled")),
        _ => {}
    }
    table.definition.ttl_attribute = enabled.then(|| attribute.to_owned());
    Ok((
        json!({ "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute} }),
        vec![store_definition(context, table)],
    ))
}
