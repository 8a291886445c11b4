//! Query and Scan: reading many items from a table or one of its indexes, in key order, with key
//! conditions, filters, projections, `Limit`, the 1 MB page limit and pagination keys.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value as Json, json};

use super::items::projection;
use super::{CapacityReport, Tables, read_units, table};
use crate::dynamodb::error::validation;
use crate::dynamodb::expr::ast::{Comparator, Operand};
use crate::dynamodb::expr::{Condition, ExprKind, Path, evaluate, parse_condition, project};
use crate::dynamodb::input::Input;
use crate::dynamodb::key::{KeySchema, KeyValue, PrimaryKey};
use crate::dynamodb::legacy;
use crate::dynamodb::table::{IndexDefinition, Projection, Table, index_key};
use crate::dynamodb::value::{Item, Value, item_size, item_to_json};
use crate::wire::AwsError;

/// The most data one Query or Scan page evaluates.
const PAGE_BYTES: usize = 1024 * 1024;

/// Where the items come from: the table itself or one of its indexes.
struct Source<'a> {
    table: &'a Table,
    index: Option<&'a IndexDefinition>,
    /// `Select=ALL_ATTRIBUTES` on a local index: each item is fetched whole from the table.
    whole_items: bool,
}

/// An item's place in the source's order: its index key (the table key for the table) and
/// its table key.
type Position = (PrimaryKey, PrimaryKey);

impl<'a> Source<'a> {
    fn open(tables: &'a Tables, input: &Input) -> Result<Self, AwsError> {
        let table = table(tables, input.table_name()?)?;
        let index = match input.string("IndexName")? {
            Some(name) => Some(table.definition.index(name).ok_or_else(|| {
                validation(format!(
                    "The table does not have the specified index: {name}"
                ))
            })?),
            None => None,
        };
        if index.is_some_and(|index| index.global) && input.bool("ConsistentRead")? == Some(true) {
            return Err(validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        Ok(Self {
            table,
            index,
            whole_items: false,
        })
    }

    fn key_schema(&self) -> &'a KeySchema {
        self.index
            .map_or(&self.table.definition.key, |index| &index.key)
    }

    /// Positions whose source key has partition value `hash` (all of them when `None`), in order.
    fn positions(&self, hash: Option<&KeyValue>) -> Vec<Position> {
        let start = hash.map(|hash| PrimaryKey {
            hash: hash.clone(),
            range: None,
        });
        let in_partition = |key: &PrimaryKey| hash.is_none_or(|hash| &key.hash == hash);
        match self.index {
            None => {
                let keys: Box<dyn Iterator<Item = &PrimaryKey>> = match &start {
                    Some(start) => {
                        Box::new(self.table.items.range(start.clone()..).map(|(k, _)| k))
                    }
                    None => Box::new(self.table.items.keys()),
                };
                keys.take_while(|key| in_partition(key))
                    .map(|key| (key.clone(), key.clone()))
                    .collect()
            }
            Some(index) => {
                let Some(entries) = self.table.index_entries.get(&index.name) else {
                    return Vec::new();
                };
                let keys: Box<
                    dyn Iterator<Item = (&PrimaryKey, &std::collections::BTreeSet<PrimaryKey>)>,
                > = match &start {
                    Some(start) => Box::new(entries.range(start.clone()..)),
                    None => Box::new(entries.iter()),
                };
                keys.take_while(|(key, _)| in_partition(key))
                    .flat_map(|(index_key, table_keys)| {
                        table_keys
                            .iter()
                            .map(|table_key| (index_key.clone(), table_key.clone()))
                    })
                    .collect()
            }
        }
    }

    /// The item as the source holds it: whole for the table, projected for an index.
    fn item(&self, position: &Position) -> Option<Item> {
        let item = self.table.items.get(&position.1)?;
        let Some(index) = self.index.filter(|_| !self.whole_items) else {
            return Some(item.clone());
        };
        let keep = |name: &str| {
            self.table.definition.key.is_key_attribute(name)
                || index.key.is_key_attribute(name)
                || match &index.projection {
                    Projection::All => true,
                    Projection::KeysOnly => false,
                    Projection::Include(names) => names.iter().any(|n| n == name),
                }
        };
        Some(
            item.iter()
                .filter(|(name, _)| keep(name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }

    /// `LastEvaluatedKey`: the table's key attributes, plus the index's for an index.
    fn last_evaluated_key(&self, position: &Position) -> Item {
        let mut key = self.table.definition.key.key_item(&position.1);
        if let Some(index) = self.index {
            key.extend(index.key.key_item(&position.0));
        }
        key
    }

    /// The position an `ExclusiveStartKey` names.
    fn start_position(&self, start: &Item) -> Result<Position, AwsError> {
        let invalid = || {
            validation(
                "The provided starting key is invalid: The provided key element does not match the schema",
            )
        };
        let table_key = self
            .table
            .definition
            .key
            .key_of_item(start)
            .map_err(|_| invalid())?;
        let index_position = match self.index {
            Some(index) => index_key(&index.key, start).ok_or_else(invalid)?,
            None => table_key.clone(),
        };
        let allowed = |name: &str| {
            self.table.definition.key.is_key_attribute(name)
                || self
                    .index
                    .is_some_and(|index| index.key.is_key_attribute(name))
        };
        if !start.keys().all(|name| allowed(name)) {
            return Err(invalid());
        }
        Ok((index_position, table_key))
    }
}

/// `Select` against the projection asked for and the source read. (Query's messages carry
/// "1 validation error detected: " in front, Scan's do not: see `error::as_reported_by`.)
fn check_select(select: Option<&str>, input: &Input, source: &Source<'_>) -> Result<(), AwsError> {
    let Some(select) = select else {
        return Ok(());
    };
    let given = |name: &str| input.get(name).is_some_and(|value| !value.is_null());
    let projected_by = if given("ProjectionExpression") {
        Some("ProjectionExpression")
    } else if given("AttributesToGet") {
        Some("AttributesToGet")
    } else {
        None
    };
    match (select, projected_by) {
        ("SPECIFIC_ATTRIBUTES", None) => Err(validation(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        )),
        ("SPECIFIC_ATTRIBUTES", Some(_)) => Ok(()),
        (select, Some(parameter)) => {
            let what = if select == "COUNT" {
                "only the Count"
            } else {
                select
            };
            Err(validation(format!(
                "Cannot specify the {parameter} when choosing to get {what}"
            )))
        }
        ("ALL_PROJECTED_ATTRIBUTES", None) if source.index.is_none() => Err(validation(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        )),
        ("ALL_ATTRIBUTES", None) => match source.index {
            Some(index) if index.global && index.projection != Projection::All => {
                Err(validation(format!(
                    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                    index.name
                )))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// What Query and Scan share: selection, filter, projection, limit and paging.
struct Reader<'a> {
    source: Source<'a>,
    filter: Option<Condition>,
    projection: Option<Vec<Path>>,
    count_only: bool,
    limit: Option<usize>,
    start: Option<Position>,
    consistent: bool,
    capacity: CapacityReport,
}

impl<'a> Reader<'a> {
    fn open(
        tables: &'a Tables,
        input: &Input,
        filter_parameter: &str,
        legacy_filter: &str,
        key_condition: impl FnOnce(
            &mut crate::dynamodb::expr::Placeholders,
        ) -> Result<Option<Condition>, AwsError>,
    ) -> Result<(Self, Option<Condition>), AwsError> {
        let mut source = Source::open(tables, input)?;
        let mut placeholders = input.placeholders()?;
        let key_condition = key_condition(&mut placeholders)?;
        legacy::reject_mixed(input, &[legacy_filter], &[filter_parameter])?;
        let filter = match input.string(filter_parameter)? {
            Some(expression) => Some(parse_condition(
                expression,
                ExprKind::Filter,
                &mut placeholders,
            )?),
            None => legacy::conditions(input, legacy_filter, true)?,
        };
        let projection = projection(input, &mut placeholders)?;
        placeholders.check_all_used()?;

        let select = input.enumerated(
            "Select",
            "select",
            // In AWS's order, which its message lists.
            &[
                "SPECIFIC_ATTRIBUTES",
                "COUNT",
                "ALL_ATTRIBUTES",
                "ALL_PROJECTED_ATTRIBUTES",
            ],
        )?;
        check_select(select, input, &source)?;
        source.whole_items = select == Some("ALL_ATTRIBUTES");
        let limit = match input.integer("Limit")? {
            Some(limit) if limit < 1 => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )));
            }
            limit => limit.map(|limit| limit as usize),
        };
        let start = input
            .item("ExclusiveStartKey")?
            .map(|start| source.start_position(&start))
            .transpose()?;
        Ok((
            Self {
                source,
                filter,
                projection,
                count_only: select == Some("COUNT"),
                limit,
                start,
                consistent: input.bool("ConsistentRead")?.unwrap_or(false),
                capacity: CapacityReport::from_input(input)?,
            },
            key_condition,
        ))
    }

    /// Reads `positions` in order from after the start key, evaluating at most `Limit` items and
    /// 1 MB; `keep` decides which evaluated items the key condition or segment admits.
    fn read(&self, positions: Vec<Position>, forward: bool, keep: impl Fn(&Item) -> bool) -> Json {
        let mut positions = positions;
        if !forward {
            positions.reverse();
        }
        let after_start = |position: &Position| match &self.start {
            None => true,
            Some(start) if forward => position > start,
            Some(start) => position < start,
        };
        let mut items = Vec::new();
        let (mut scanned, mut bytes, mut count) = (0usize, 0usize, 0usize);
        let mut last = None;
        let mut candidates = positions.iter().filter(|p| after_start(p)).peekable();
        while let Some(position) = candidates.next() {
            let Some(item) = self.source.item(position) else {
                continue;
            };
            if !keep(&item) {
                continue;
            }
            scanned += 1;
            bytes += item_size(&item);
            if self
                .filter
                .as_ref()
                .is_none_or(|filter| evaluate(filter, Some(&item)))
            {
                count += 1;
                if !self.count_only {
                    let item = match &self.projection {
                        Some(paths) => project(&item, paths),
                        None => item,
                    };
                    items.push(item_to_json(&item));
                }
            }
            let full = self.limit.is_some_and(|limit| scanned >= limit) || bytes >= PAGE_BYTES;
            if full {
                // A page that stops early says where to resume; DynamoDB does not look ahead
                // to see whether anything is left.
                if candidates.peek().is_some() || self.limit.is_some_and(|limit| scanned >= limit) {
                    last = Some(position.clone());
                }
                break;
            }
        }
        let mut output = Map::new();
        if !self.count_only {
            output.insert("Items".into(), Json::Array(items));
        }
        output.insert("Count".into(), json!(count));
        output.insert("ScannedCount".into(), json!(scanned));
        if let Some(position) = last {
            output.insert(
                "LastEvaluatedKey".into(),
                item_to_json(&self.source.last_evaluated_key(&position)),
            );
        }
        self.capacity.report(
            &mut output,
            &self.source.table.definition.name,
            read_units(bytes, self.consistent),
        );
        Json::Object(output)
    }
}

pub fn query(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    legacy::reject_mixed(input, &["KeyConditions"], &["KeyConditionExpression"])?;
    let (reader, key_condition) = Reader::open(
        tables,
        input,
        "FilterExpression",
        "QueryFilter",
        |placeholders| match input.string("KeyConditionExpression")? {
            Some(expression) => {
                parse_condition(expression, ExprKind::KeyCondition, placeholders).map(Some)
            }
            None => legacy::conditions(input, "KeyConditions", false),
        },
    )?;
    let key_condition = key_condition.ok_or_else(|| {
        validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
    })?;
    let schema = reader.source.key_schema();
    let (hash, range) = analyze_key_condition(&key_condition, schema)?;
    if let Some(filter) = &reader.filter {
        reject_key_attributes_in_filter(filter, schema)?;
    }
    let forward = input.bool("ScanIndexForward")?.unwrap_or(true);
    let positions = reader.source.positions(Some(&hash));
    Ok(reader.read(positions, forward, |item| {
        range
            .as_ref()
            .is_none_or(|range| evaluate(range, Some(item)))
    }))
}

pub fn scan(tables: &Tables, input: &Input) -> Result<Json, AwsError> {
    let (reader, _) = Reader::open(tables, input, "FilterExpression", "ScanFilter", |_| {
        Ok(None)
    })?;
    let segment = input.integer("Segment")?;
    let total = input.integer("TotalSegments")?;
    let segments = match (segment, total) {
        (None, None) => None,
        (Some(segment), Some(total)) => {
            if !(1..=1_000_000).contains(&total) {
                return Err(validation(format!(
                    "1 validation error detected: Value '{total}' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )));
            }
            if !(0..total).contains(&segment) {
                return Err(validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
                )));
            }
            Some((segment as u64, total as u64))
        }
        (Some(_), None) => {
            return Err(validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ));
        }
        (None, Some(_)) => {
            return Err(validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ));
        }
    };
    let positions: Vec<Position> = reader
        .source
        .positions(None)
        .into_iter()
        .filter(|position| {
            segments.is_none_or(|(segment, total)| segment_of(&position.1.hash, total) == segment)
        })
        .collect();
    Ok(reader.read(positions, true, |_| true))
}

/// Which parallel-scan segment a partition key falls in: stable across runs and restarts.
fn segment_of(hash: &KeyValue, total: u64) -> u64 {
    // FNV-1a over the key's canonical text; std's hasher is randomised per process.
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for byte in bytes {
                self.0 ^= u64::from(*byte);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    match hash {
        KeyValue::S(s) => s.hash(&mut hasher),
        KeyValue::N(n) => n.to_string().hash(&mut hasher),
        KeyValue::B(b) => b.hash(&mut hasher),
    }
    hasher.finish() % total
}

fn not_supported() -> AwsError {
    validation("Query key condition not supported")
}

/// Splits a key condition into the partition key's value and the sort key's condition.
fn analyze_key_condition(
    condition: &Condition,
    schema: &KeySchema,
) -> Result<(KeyValue, Option<Condition>), AwsError> {
    let mut parts = Vec::new();
    flatten_and(condition, &mut parts);
    if parts.len() > 2 {
        return Err(validation("Conditions can be of length 1 or 2 only"));
    }
    let mut hash = None;
    let mut range = None;
    for part in parts {
        let attribute = key_attribute_of(part).ok_or_else(not_supported)?;
        if attribute == schema.hash.name {
            let value = match part {
                Condition::Compare(Operand::Path(_), Comparator::Eq, Operand::Value(value))
                | Condition::Compare(Operand::Value(value), Comparator::Eq, Operand::Path(_)) => {
                    value
                }
                _ => return Err(not_supported()),
            };
            if hash.is_some() {
                return Err(validation(
                    "KeyConditionExpressions must only contain one condition per key",
                ));
            }
            hash = Some(typed_key(value, schema.hash.kind)?);
        } else if schema.range.as_ref().is_some_and(|r| r.name == attribute) {
            if range.is_some() {
                return Err(validation(
                    "KeyConditionExpressions must only contain one condition per key",
                ));
            }
            let kind = schema.range.as_ref().map(|r| r.kind);
            for value in condition_values(part) {
                if let Some(kind) = kind {
                    typed_key(value, kind)?;
                }
            }
            match part {
                Condition::Compare(_, Comparator::Ne, _) => return Err(not_supported()),
                Condition::Compare(..) | Condition::Between(..) | Condition::BeginsWith(..) => {}
                _ => return Err(not_supported()),
            }
            range = Some(part.clone());
        } else {
            return Err(validation(format!(
                "Query condition missed key schema element: {}",
                if hash.is_none() {
                    &schema.hash.name
                } else {
                    attribute
                }
            )));
        }
    }
    let hash = hash.ok_or_else(|| {
        validation(format!(
            "Query condition missed key schema element: {}",
            schema.hash.name
        ))
    })?;
    Ok((hash, range))
}

fn flatten_and<'a>(condition: &'a Condition, parts: &mut Vec<&'a Condition>) {
    match condition {
        Condition::And(a, b) => {
            flatten_and(a, parts);
            flatten_and(b, parts);
        }
        other => parts.push(other),
    }
}

/// The single top-level attribute a key condition part is about.
fn key_attribute_of(condition: &Condition) -> Option<&str> {
    let path = match condition {
        Condition::Compare(Operand::Path(path), _, Operand::Value(_))
        | Condition::Compare(Operand::Value(_), _, Operand::Path(path))
        | Condition::Between(Operand::Path(path), Operand::Value(_), Operand::Value(_))
        | Condition::BeginsWith(Operand::Path(path), Operand::Value(_)) => path,
        _ => return None,
    };
    (path.segments.len() == 1).then(|| path.root())
}

fn condition_values(condition: &Condition) -> Vec<&Value> {
    let operands: Vec<&Operand> = match condition {
        Condition::Compare(a, _, b) | Condition::BeginsWith(a, b) => vec![a, b],
        Condition::Between(a, b, c) => vec![a, b, c],
        _ => Vec::new(),
    };
    operands
        .into_iter()
        .filter_map(|operand| match operand {
            Operand::Value(value) => Some(value),
            _ => None,
        })
        .collect()
}

fn typed_key(value: &Value, kind: crate::dynamodb::key::ScalarType) -> Result<KeyValue, AwsError> {
    KeyValue::from_value(value)
        .filter(|key| {
            matches!(
                (key, kind),
                (KeyValue::S(_), crate::dynamodb::key::ScalarType::S)
                    | (KeyValue::N(_), crate::dynamodb::key::ScalarType::N)
                    | (KeyValue::B(_), crate::dynamodb::key::ScalarType::B)
            )
        })
        .ok_or_else(|| {
            validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
        })
}

/// A filter may not use key attributes of the source being queried.
fn reject_key_attributes_in_filter(filter: &Condition, schema: &KeySchema) -> Result<(), AwsError> {
    let mut paths = Vec::new();
    collect_paths(filter, &mut paths);
    if let Some(path) = paths
        .iter()
        .find(|path| schema.is_key_attribute(path.root()))
    {
        return Err(validation(format!(
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: {}",
            path.root()
        )));
    }
    Ok(())
}

fn collect_paths<'a>(condition: &'a Condition, out: &mut Vec<&'a Path>) {
    let operand = |operand: &'a Operand, out: &mut Vec<&'a Path>| match operand {
        Operand::Path(path) | Operand::Size(path) => out.push(path),
        Operand::Value(_) => {}
    };
    match condition {
        Condition::Compare(a, _, b) | Condition::BeginsWith(a, b) | Condition::Contains(a, b) => {
            operand(a, out);
            operand(b, out);
        }
        Condition::Between(a, b, c) => {
            operand(a, out);
            operand(b, out);
            operand(c, out);
        }
        Condition::In(a, options) => {
            operand(a, out);
            for option in options {
                operand(option, out);
            }
        }
        Condition::AttributeExists(path) | Condition::AttributeNotExists(path) => out.push(path),
        Condition::AttributeType(path, type_name) => {
            out.push(path);
            operand(type_name, out);
        }
        Condition::And(a, b) | Condition::Or(a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
        Condition::Not(inner) => collect_paths(inner, out),
    }
}
