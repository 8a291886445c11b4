//! A table: its definition (keys, billing, indexes, tags, TTL) with every rule CreateTable and
//! UpdateTable check ([`parse`] reads them out of the parameters), and the `TableDescription`
//! DynamoDB returns.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use super::error::validation;
use super::input::{Input, null_member};
use super::key::{
    KeyAttribute, KeySchema, KeyValue, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, PrimaryKey,
    ScalarType,
};
use super::storage::TableCounts;
use super::value::{Item, Value};
use crate::wire::AwsError;

mod parse;

pub use parse::{MAX_TAGS, check_key_name_length, check_tag_count, parse_tags};
use parse::{check_key_types, parse_billing, parse_index, parse_key_schema};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Billing {
    PayPerRequest,
    Provisioned { read: i64, write: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: String,
    pub key: KeySchema,
    pub projection: Projection,
    pub throughput: Option<(i64, i64)>,
    pub global: bool,
}

/// Everything that defines a table, as created and updated.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDefinition {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub created: f64,
    pub key: KeySchema,
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub billing: Billing,
    pub indexes: Vec<IndexDefinition>,
    pub tags: Vec<(String, String)>,
    pub ttl_attribute: Option<String>,
    pub deletion_protection: bool,
}

impl TableDefinition {
    /// Reads a `CreateTable` request (or a stored definition, which has the same shape).
    pub fn from_input(input: &Input, arn_prefix: &str) -> Result<Self, AwsError> {
        let name = input.table_name()?.to_owned();
        check_key_types(input)?;
        let mut attribute_definitions = Vec::new();
        for (i, definition) in input
            .array("AttributeDefinitions")?
            .ok_or_else(|| null_member("attributeDefinitions"))?
            .iter()
            .enumerate()
        {
            let attribute = definition
                .get("AttributeName")
                .and_then(Json::as_str)
                .ok_or_else(|| {
                    null_member(&format!(
                        "attributeDefinitions.{}.member.attributeName",
                        i + 1
                    ))
                })?;
            check_key_name_length(attribute, &format!("attributeDefinitions.{}", i + 1))?;
            let kind_text = definition
                .get("AttributeType")
                .and_then(Json::as_str)
                .ok_or_else(|| {
                    null_member(&format!(
                        "attributeDefinitions.{}.member.attributeType",
                        i + 1
                    ))
                })?;
            let kind = ScalarType::parse(kind_text).ok_or_else(|| {
                validation(format!(
                    "1 validation error detected: Value '{kind_text}' at 'attributeDefinitions.{}.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
                    i + 1
                ))
            })?;
            if attribute_definitions
                .iter()
                .any(|(defined, _)| defined == attribute)
            {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Duplicate attribute name in AttributeDefinitions: {attribute}"
                )));
            }
            attribute_definitions.push((attribute.to_owned(), kind));
        }
        let key_schema = input
            .array("KeySchema")?
            .ok_or_else(|| null_member("keySchema"))?;
        let key = parse_key_schema(key_schema, &attribute_definitions, "Table")?;

        let mut indexes = Vec::new();
        for (global, parameter) in [
            (true, "GlobalSecondaryIndexes"),
            (false, "LocalSecondaryIndexes"),
        ] {
            for index in input.array(parameter)?.into_iter().flatten() {
                let index = parse_index(index, global, &attribute_definitions)?;
                if !global && key.range.is_none() {
                    return Err(validation(
                        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                    ));
                }
                if !global && index.key.hash != key.hash {
                    return Err(validation(
                        "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: "
                            .to_owned()
                            + &index.name
                            + ". index hash key: "
                            + &index.key.hash.name
                            + ", table hash key: "
                            + &key.hash.name,
                    ));
                }
                if !global && index.key.range.is_none() {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Index KeySchema must have a range key for index: {}",
                        index.name
                    )));
                }
                if indexes
                    .iter()
                    .any(|other: &IndexDefinition| other.name == index.name)
                {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Duplicate index name: {}",
                        index.name
                    )));
                }
                indexes.push(index);
            }
        }

        let used: BTreeSet<&str> = key
            .attributes()
            .chain(indexes.iter().flat_map(|index| index.key.attributes()))
            .map(|attribute| attribute.name.as_str())
            .collect();
        if attribute_definitions.len() != used.len()
            || !attribute_definitions
                .iter()
                .all(|(name, _)| used.contains(name.as_str()))
        {
            return Err(validation(
                "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            ));
        }

        let billing = parse_billing(input, &indexes)?;
        let tags = parse_tags(input.array("Tags")?.map(Vec::as_slice).unwrap_or_default())?;
        check_tag_count(tags.len())?;
        let id = input
            .string("TableId")?
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let created = match input.get("CreationDateTime") {
            Some(Json::Number(n)) => n.as_f64().unwrap_or_default(),
            _ => now(),
        };
        Ok(Self {
            arn: format!("{arn_prefix}:table/{name}"),
            name,
            id,
            created,
            key,
            attribute_definitions,
            billing,
            indexes,
            tags,
            ttl_attribute: input.string("TimeToLiveAttribute")?.map(str::to_owned),
            deletion_protection: input.bool("DeletionProtectionEnabled")?.unwrap_or(false),
        })
    }

    /// The definition in the shape `from_input` reads back.
    pub fn to_stored(&self) -> Json {
        let mut stored = self.definition_json();
        stored.insert("TableId".into(), json!(self.id));
        stored.insert("CreationDateTime".into(), json!(self.created));
        stored.insert(
            "Tags".into(),
            Json::Array(
                self.tags
                    .iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect(),
            ),
        );
        if let Some(attribute) = &self.ttl_attribute {
            stored.insert("TimeToLiveAttribute".into(), json!(attribute));
        }
        stored.insert(
            "DeletionProtectionEnabled".into(),
            json!(self.deletion_protection),
        );
        let billing_mode = match self.billing {
            Billing::PayPerRequest => "PAY_PER_REQUEST",
            Billing::Provisioned { .. } => "PROVISIONED",
        };
        stored.insert("BillingMode".into(), json!(billing_mode));
        if let Billing::Provisioned { read, write } = self.billing {
            stored.insert(
                "ProvisionedThroughput".into(),
                json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write}),
            );
        }
        Json::Object(stored)
    }

    fn definition_json(&self) -> Map<String, Json> {
        let mut out = Map::new();
        out.insert("TableName".into(), json!(self.name));
        out.insert(
            "AttributeDefinitions".into(),
            Json::Array(
                self.attribute_definitions
                    .iter()
                    .map(
                        |(name, kind)| json!({"AttributeName": name, "AttributeType": kind.name()}),
                    )
                    .collect(),
            ),
        );
        out.insert("KeySchema".into(), key_schema_json(&self.key));
        for (global, parameter) in [
            (true, "GlobalSecondaryIndexes"),
            (false, "LocalSecondaryIndexes"),
        ] {
            let indexes: Vec<Json> = self
                .indexes
                .iter()
                .filter(|index| index.global == global)
                .map(|index| {
                    let mut out = Map::new();
                    out.insert("IndexName".into(), json!(index.name));
                    out.insert("KeySchema".into(), key_schema_json(&index.key));
                    out.insert("Projection".into(), projection_json(&index.projection));
                    if let Some((read, write)) = index.throughput {
                        out.insert(
                            "ProvisionedThroughput".into(),
                            json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write}),
                        );
                    }
                    Json::Object(out)
                })
                .collect();
            if !indexes.is_empty() {
                out.insert(parameter.into(), Json::Array(indexes));
            }
        }
        out
    }

    pub fn index(&self, name: &str) -> Option<&IndexDefinition> {
        self.indexes.iter().find(|index| index.name == name)
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| (elapsed.as_millis() as f64) / 1000.0)
}

fn key_schema_json(key: &KeySchema) -> Json {
    let mut elements = vec![json!({"AttributeName": key.hash.name, "KeyType": "HASH"})];
    if let Some(range) = &key.range {
        elements.push(json!({"AttributeName": range.name, "KeyType": "RANGE"}));
    }
    Json::Array(elements)
}

fn projection_json(projection: &Projection) -> Json {
    match projection {
        Projection::All => json!({"ProjectionType": "ALL"}),
        Projection::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        Projection::Include(attributes) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": attributes})
        }
    }
}

/// A table as the operations see it: its definition, its row id on disk and its counts. Its
/// items are on disk (see [`storage`](super::storage)).
#[derive(Debug, Clone)]
pub struct Table {
    pub definition: TableDefinition,
    pub id: i64,
    pub counts: Arc<TableCounts>,
}

impl Table {
    /// DynamoDB's `TableDescription`.
    /// What DeleteTable answers: the table's identity, size and capacity, without its schema,
    /// indexes or creation time.
    pub fn deleted_description(&self) -> Json {
        const KEPT: [&str; 8] = [
            "TableName",
            "TableStatus",
            "TableId",
            "TableArn",
            "TableSizeBytes",
            "ItemCount",
            "ProvisionedThroughput",
            "BillingModeSummary",
        ];
        match self.description("DELETING") {
            Json::Object(mut fields) => {
                fields.retain(|name, _| KEPT.contains(&name.as_str()));
                Json::Object(fields)
            }
            other => other,
        }
    }

    pub fn description(&self, status: &str) -> Json {
        let definition = &self.definition;
        let mut out = definition.definition_json();
        out.insert("TableStatus".into(), json!(status));
        out.insert("CreationDateTime".into(), json!(definition.created));
        let (read, write) = match definition.billing {
            Billing::PayPerRequest => (0, 0),
            Billing::Provisioned { read, write } => (read, write),
        };
        out.insert(
            "ProvisionedThroughput".into(),
            json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": read, "WriteCapacityUnits": write}),
        );
        out.insert("TableSizeBytes".into(), json!(self.counts.table.bytes()));
        out.insert("ItemCount".into(), json!(self.counts.table.items()));
        out.insert("TableArn".into(), json!(definition.arn));
        out.insert("TableId".into(), json!(definition.id));
        let mode = match definition.billing {
            Billing::PayPerRequest => {
                json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": definition.created})
            }
            Billing::Provisioned { .. } => json!({"BillingMode": "PROVISIONED"}),
        };
        out.insert("BillingModeSummary".into(), mode);
        out.insert(
            "DeletionProtectionEnabled".into(),
            json!(definition.deletion_protection),
        );
        for (global, parameter) in [
            (true, "GlobalSecondaryIndexes"),
            (false, "LocalSecondaryIndexes"),
        ] {
            let Some(Json::Array(indexes)) = out.get_mut(parameter) else {
                continue;
            };
            for index in indexes.iter_mut() {
                let Some(name) = index
                    .get("IndexName")
                    .and_then(Json::as_str)
                    .map(str::to_owned)
                else {
                    continue;
                };
                let (entries, bytes) = self
                    .counts
                    .index(&name)
                    .map_or((0, 0), |counts| (counts.items(), counts.bytes()));
                let Json::Object(fields) = index else {
                    continue;
                };
                fields.insert("IndexSizeBytes".into(), json!(bytes));
                fields.insert("ItemCount".into(), json!(entries));
                fields.insert(
                    "IndexArn".into(),
                    json!(format!("{}/index/{name}", definition.arn)),
                );
                if global {
                    fields.insert("IndexStatus".into(), json!("ACTIVE"));
                    let (read, write) = definition
                        .index(&name)
                        .and_then(|index| index.throughput)
                        .unwrap_or((0, 0));
                    fields.insert(
                        "ProvisionedThroughput".into(),
                        json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": read, "WriteCapacityUnits": write}),
                    );
                }
            }
        }
        Json::Object(out)
    }
}

/// Where an item about to be written came from, for the wording of index key errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenBy {
    /// A whole item (PutItem, BatchWriteItem, a transaction's Put).
    Item,
    /// An update expression (UpdateItem, a transaction's Update).
    Update,
}

impl TableDefinition {
    /// Checks the item's secondary index key attributes as DynamoDB does before writing: each
    /// one present has its index's type, then none is an empty string or binary (indexes in
    /// name order, so the first index by name is the one reported).
    pub fn check_index_keys(&self, item: &Item, written_by: WrittenBy) -> Result<(), AwsError> {
        let mut indexes: Vec<&IndexDefinition> = self.indexes.iter().collect();
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        for index in &indexes {
            for attribute in index.key.attributes() {
                let Some(value) = item.get(&attribute.name) else {
                    continue;
                };
                if value.type_name() != attribute.kind.name() {
                    return Err(validation(format!(
                        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        attribute.name,
                        attribute.kind.name(),
                        value.type_name(),
                        index.name
                    )));
                }
            }
        }
        for index in &indexes {
            for attribute in index.key.attributes() {
                let kind = match item.get(&attribute.name) {
                    Some(Value::S(s)) if s.is_empty() => "string",
                    Some(Value::B(b)) if b.is_empty() => "binary",
                    _ => continue,
                };
                return Err(validation(match written_by {
                    WrittenBy::Item => format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value. IndexName: {}, IndexKey: {}",
                        index.name, attribute.name
                    ),
                    WrittenBy::Update => format!(
                        "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value."
                    ),
                }));
            }
        }
        Ok(())
    }
}

/// The key of `item` in an index, if the item has the index's key attributes with the right types.
pub fn index_key(schema: &KeySchema, item: &Item) -> Option<PrimaryKey> {
    let value = |attribute: &KeyAttribute| {
        item.get(&attribute.name)
            .and_then(KeyValue::from_value)
            .filter(|key| {
                matches!(
                    (key, attribute.kind),
                    (KeyValue::S(_), ScalarType::S)
                        | (KeyValue::N(_), ScalarType::N)
                        | (KeyValue::B(_), ScalarType::B)
                )
            })
    };
    // Values too large to be a key are left out of the index (writes refuse them; a new
    // index's backfill skips them).
    let hash = value(&schema.hash).filter(|key| key.size() <= MAX_PARTITION_KEY_BYTES)?;
    let range = match &schema.range {
        Some(attribute) => Some(value(attribute).filter(|key| key.size() <= MAX_SORT_KEY_BYTES)?),
        None => None,
    };
    Some(PrimaryKey { hash, range })
}
