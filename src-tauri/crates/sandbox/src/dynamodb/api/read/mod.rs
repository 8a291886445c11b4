//! Query and Scan: reading many items from a table or one of its indexes, in key order, with key
//! conditions, filters, projections, `Limit`, the 1 MB page limit and pagination keys.

mod key_condition;

use std::hash::Hasher;
use std::ops::Bound;

use rusqlite::Connection;
use serde_json::json;

use super::items::projection;
use super::{ArrayText, CapacityReport, Consumed, ObjectText, Tables, read_units, table};
use crate::dynamodb::error::validation;
use crate::dynamodb::expr::{Condition, ExprKind, Path, evaluate, parse_condition, project};
use crate::dynamodb::input::Input;
use crate::dynamodb::key::{KeySchema, KeyValue, PrimaryKey};
use crate::dynamodb::legacy;
use crate::dynamodb::storage;
use crate::dynamodb::table::{IndexDefinition, Projection, Table, index_key};
use crate::dynamodb::value::{Item, item_to_json};
use crate::wire::AwsError;
use key_condition::{
    analyze_key_condition, check_key_condition_expression, collect_paths,
    reject_key_attributes_in_filter, sort_key_bounds,
};

/// The most data one Query or Scan page evaluates.
const PAGE_BYTES: usize = 1024 * 1024;

/// Where the items come from: the table itself or one of its indexes.
struct Source<'a> {
    table: &'a Table,
    index: Option<&'a IndexDefinition>,
    /// `Select=ALL_ATTRIBUTES` on a local index, or a read of attributes it does not project:
    /// each item is fetched whole from the table.
    whole_items: bool,
}

/// Where a page starts: the source's key and the table's key of the item it resumes after.
struct Start {
    table_key: PrimaryKey,
    index_key: Option<PrimaryKey>,
}

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

    /// Whether the source holds its items whole: the table, or an index asked for whole items
    /// or projecting all attributes.
    fn holds_whole_items(&self) -> bool {
        self.whole_items
            || self
                .index
                .is_none_or(|index| index.projection == Projection::All)
    }

    /// The item as the source holds it: whole for the table, projected for an index.
    fn item(&self, item: Item) -> Item {
        let Some(index) = self.index.filter(|_| !self.whole_items) else {
            return item;
        };
        item.into_iter()
            .filter(|(name, _)| storage::keeps(&self.table.definition, index, name))
            .collect()
    }

    /// `LastEvaluatedKey`: the table's key attributes, plus the index's for an index.
    fn last_evaluated_key(&self, item: &Item) -> Item {
        let schemas =
            std::iter::once(&self.table.definition.key).chain(self.index.map(|index| &index.key));
        schemas
            .flat_map(KeySchema::attributes)
            .filter_map(|attribute| {
                let value = item.get(&attribute.name)?;
                Some((attribute.name.clone(), value.clone()))
            })
            .collect()
    }

    /// The position an `ExclusiveStartKey` names.
    fn start_position(&self, start: &Item) -> Result<Start, AwsError> {
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
        let index_key = match self.index {
            Some(index) => Some(index_key(&index.key, start).ok_or_else(invalid)?),
            None => None,
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
        Ok(Start {
            table_key,
            index_key,
        })
    }

    /// The source's key of the item a start key names.
    fn source_key<'k>(&self, start: &'k Start) -> &'k PrimaryKey {
        start.index_key.as_ref().unwrap_or(&start.table_key)
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
    start: Option<Start>,
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
        // A local index fetches from the table what it does not project but the read needs.
        let needs_table = source.index.is_some_and(|index| {
            let mut paths: Vec<&Path> = projection.iter().flatten().collect();
            if let Some(filter) = &filter {
                collect_paths(filter, &mut paths);
            }
            !index.global
                && paths
                    .iter()
                    .any(|path| !storage::keeps(&source.table.definition, index, path.root()))
        });
        source.whole_items = select == Some("ALL_ATTRIBUTES") || needs_table;
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

    /// Reads `range` in order, evaluating at most `Limit` items and 1 MB; `keep` decides which
    /// items the key condition or segment admits.
    /// Reads `range` in order, evaluating at most `Limit` items and 1 MB; `keep` decides which
    /// rows the segment admits (the range's bounds are exactly the key condition).
    fn read(
        &self,
        items: &Connection,
        range: &storage::Range<'_>,
        keep: impl Fn(&storage::Row<'_>) -> bool,
    ) -> Result<String, AwsError> {
        // Items that go out whole, as stored, need not be decoded.
        let as_stored =
            self.filter.is_none() && self.projection.is_none() && self.source.holds_whole_items();
        let mut found = ArrayText::default();
        let (mut scanned, mut bytes, mut count) = (0usize, 0usize, 0usize);
        let mut last: Option<Item> = None;
        // Once the page is full because of its size, the key it ended with; a page that
        // stops early says where to resume only if anything follows.
        let mut ended_with: Option<Item> = None;
        storage::each_row(items, range, |row| {
            if let Some(key) = ended_with.take() {
                last = Some(key);
                return Ok(false);
            }
            if !keep(&row) {
                return Ok(true);
            }
            scanned += 1;
            bytes += row.size;
            let item = if as_stored {
                count += 1;
                if !self.count_only {
                    found.push_raw(row.item);
                }
                None
            } else {
                let item = self.source.item(storage::parse_item(row.item)?);
                if self
                    .filter
                    .as_ref()
                    .is_none_or(|filter| evaluate(filter, Some(&item)))
                {
                    count += 1;
                    if !self.count_only {
                        let shown = match &self.projection {
                            Some(paths) => item_to_json(&project(&item, paths)),
                            None => item_to_json(&item),
                        };
                        found.push_raw(&shown.to_string());
                    }
                }
                Some(item)
            };
            let full_by_limit = self.limit.is_some_and(|limit| scanned >= limit);
            if full_by_limit || bytes >= PAGE_BYTES {
                let item = match item {
                    Some(item) => item,
                    None => storage::parse_item(row.item)?,
                };
                let key = self.source.last_evaluated_key(&item);
                if full_by_limit {
                    // DynamoDB does not look ahead to see whether anything is left.
                    last = Some(key);
                    return Ok(false);
                }
                ended_with = Some(key);
            }
            Ok(true)
        })?;
        let mut output = ObjectText::default();
        if !self.count_only {
            output.raw("Items", &found.finish());
        }
        output.value("Count", &json!(count));
        output.value("ScannedCount", &json!(scanned));
        if let Some(key) = last {
            output.value("LastEvaluatedKey", &item_to_json(&key));
        }
        let units = read_units(bytes, self.consistent);
        let definition = &self.source.table.definition;
        let position = self.source.index.and_then(|index| {
            definition
                .indexes
                .iter()
                .position(|candidate| candidate.name == index.name)
        });
        let spent = match position {
            Some(position) => Consumed::index(position, units),
            None => Consumed::table(units),
        };
        if let Some(consumed) = self.capacity.consumed(definition, &spent) {
            output.value("ConsumedCapacity", &consumed);
        }
        Ok(output.finish())
    }

    /// The range a read covers, starting after the start key.
    fn range(&self, partition: Option<&KeyValue>, forward: bool) -> storage::Range<'a> {
        let mut range = storage::Range {
            table: self.source.table,
            index: self.source.index,
            partition: partition.map(KeyValue::ordered_bytes),
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
            after: None,
            forward,
        };
        range.after = self
            .start
            .as_ref()
            .map(|start| range.position_of(&start.table_key, start.index_key.as_ref()));
        range
    }
}

pub fn query(tables: &Tables, items: &Connection, input: &Input) -> Result<String, AwsError> {
    let (reader, key_condition) = Reader::open(
        tables,
        input,
        "FilterExpression",
        "QueryFilter",
        |placeholders| match input.string("KeyConditionExpression")? {
            Some(expression) => {
                let condition = parse_condition(expression, ExprKind::KeyCondition, placeholders)?;
                check_key_condition_expression(&condition)?;
                Ok(Some(condition))
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
    if let Some(start) = &reader.start {
        let start_key = reader.source.source_key(start);
        let start_item = schema.key_item(start_key);
        if start_key.hash != hash
            || range
                .as_ref()
                .is_some_and(|range| !evaluate(range, Some(&start_item)))
        {
            return Err(validation(
                "The provided starting key is outside query boundaries based on provided conditions",
            ));
        }
    }
    let forward = input.bool("ScanIndexForward")?.unwrap_or(true);
    let mut bounds = reader.range(Some(&hash), forward);
    if let Some(range) = &range {
        (bounds.lower, bounds.upper) = sort_key_bounds(range);
    }
    reader.read(items, &bounds, |_| true)
}

pub fn scan(tables: &Tables, items: &Connection, input: &Input) -> Result<String, AwsError> {
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
    if let (Some((segment, total)), Some(start)) = (segments, &reader.start)
        && segment_of(&start.table_key.columns().0, total) != segment
    {
        return Err(validation(format!(
            "The provided Exclusive start key does not map to the provided Segment: {segment} and TotalSegments: {total}"
        )));
    }
    let range = reader.range(None, true);
    reader.read(items, &range, |row| {
        segments.is_none_or(|(segment, total)| segment_of(row.table_pk, total) == segment)
    })
}

/// Which parallel-scan segment a partition key (its stored bytes) falls in: stable across runs
/// and restarts.
fn segment_of(hash: &[u8], total: u64) -> u64 {
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
    hasher.write(hash);
    hasher.finish() % total
}
