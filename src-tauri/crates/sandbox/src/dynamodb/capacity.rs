//! Consumed capacity as DynamoDB reports it: the units an operation used (writes per KB, reads
//! per 4 KB, each item rounded on its own), what its table and each index spent, and the
//! `ConsumedCapacity` member `ReturnConsumedCapacity` asks for.

use serde_json::{Map, Value as Json, json};

use crate::dynamodb::input::Input;
use crate::dynamodb::key::PrimaryKey;
use crate::dynamodb::storage::{keeps, projected_size};
use crate::dynamodb::table::{IndexDefinition, TableDefinition, index_key};
use crate::dynamodb::value::{Item, Value};
use crate::wire::AwsError;

/// Write capacity: one unit per KB started, at least one.
pub fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

/// Read capacity: one unit per 4 KB started (half for eventually consistent reads).
pub fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// What one operation spent on one table: on the table itself (`None` when it read only an
/// index) and on each index it read or wrote, by position in the table's definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consumed {
    pub table: Option<f64>,
    pub indexes: IndexUnits,
}

impl Consumed {
    /// Units spent on the table alone.
    pub fn table(units: f64) -> Self {
        Self {
            table: Some(units),
            indexes: Vec::new(),
        }
    }

    /// Units spent on one index alone (a Query or Scan of it).
    pub fn index(position: usize, units: f64) -> Self {
        Self {
            table: None,
            indexes: vec![(position, units)],
        }
    }

    /// Units spent on the table by a write, with what keeping its indexes up to date cost.
    pub fn write(units: f64, indexes: IndexUnits) -> Self {
        Self {
            table: Some(units),
            indexes,
        }
    }

    /// Adds another operation's spending on the same table (one request of a batch).
    pub fn add(&mut self, other: &Self) {
        if let Some(units) = other.table {
            *self.table.get_or_insert(0.0) += units;
        }
        for &(position, units) in &other.indexes {
            match self.indexes.iter_mut().find(|(p, _)| *p == position) {
                Some((_, total)) => *total += units,
                None => self.indexes.push((position, units)),
            }
        }
    }

    pub fn total(&self) -> f64 {
        self.table.unwrap_or(0.0) + self.indexes.iter().map(|(_, units)| units).sum::<f64>()
    }
}

/// Write units spent on indexes, by position in the table's definition.
pub type IndexUnits = Vec<(usize, f64)>;

/// The write units each index of `table` spends when the item `old` becomes `new` (`None`:
/// absent). An index is written when it gains, loses or changes an entry: moving an entry to
/// another index key costs its removal and its addition; an entry whose projected attributes
/// stay the same costs nothing.
pub fn index_write_units(
    table: &TableDefinition,
    old: Option<&Item>,
    new: Option<&Item>,
) -> IndexUnits {
    let mut spent = Vec::new();
    for (position, index) in table.indexes.iter().enumerate() {
        let units = match (entry(index, old), entry(index, new)) {
            (None, None) => 0.0,
            (Some((_, item)), None) | (None, Some((_, item))) => entry_units(table, index, item),
            (Some((old_key, old)), Some((new_key, new))) if old_key != new_key => {
                entry_units(table, index, old) + entry_units(table, index, new)
            }
            (Some((_, old)), Some((_, new))) => {
                if same_projection(table, index, old, new) {
                    0.0
                } else {
                    entry_units(table, index, new)
                }
            }
        };
        if units > 0.0 {
            spent.push((position, units));
        }
    }
    spent
}

/// The index key `item` is held under in `index`, with the item, if it is held at all.
fn entry<'a>(index: &IndexDefinition, item: Option<&'a Item>) -> Option<(PrimaryKey, &'a Item)> {
    let item = item?;
    index_key(&index.key, item).map(|key| (key, item))
}

fn entry_units(table: &TableDefinition, index: &IndexDefinition, item: &Item) -> f64 {
    write_units(projected_size(table, index, item))
}

fn same_projection(table: &TableDefinition, index: &IndexDefinition, a: &Item, b: &Item) -> bool {
    let kept = |(name, _): &(&String, &Value)| keeps(table, index, name);
    // Items iterate in name order, so the projections are equal when their runs are.
    a.iter().filter(kept).eq(b.iter().filter(kept))
}

/// `ReturnConsumedCapacity`: how capacity is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityReport {
    None,
    Total,
    Indexes,
}

impl CapacityReport {
    pub fn from_input(input: &Input) -> Result<Self, AwsError> {
        Ok(
            match input.enumerated(
                "ReturnConsumedCapacity",
                "returnConsumedCapacity",
                &["INDEXES", "TOTAL", "NONE"],
            )? {
                Some("TOTAL") => Self::Total,
                Some("INDEXES") => Self::Indexes,
                _ => Self::None,
            },
        )
    }

    /// Adds `ConsumedCapacity` to `output` when asked for.
    pub fn report(self, output: &mut Map<String, Json>, table: &TableDefinition, spent: &Consumed) {
        if let Some(consumed) = self.consumed(table, spent) {
            output.insert("ConsumedCapacity".into(), consumed);
        }
    }

    /// The `ConsumedCapacity` of one table to report, if asked for: the total, and with
    /// `INDEXES` the table's own part and each index's.
    pub fn consumed(self, table: &TableDefinition, spent: &Consumed) -> Option<Json> {
        let mut consumed = json!({"TableName": table.name, "CapacityUnits": spent.total()});
        match self {
            Self::None => return None,
            Self::Total => {}
            Self::Indexes => {
                if let Some(units) = spent.table {
                    consumed["Table"] = json!({"CapacityUnits": units});
                }
                for &(position, units) in &spent.indexes {
                    let Some(index) = table.indexes.get(position) else {
                        continue;
                    };
                    let group = if index.global {
                        "GlobalSecondaryIndexes"
                    } else {
                        "LocalSecondaryIndexes"
                    };
                    consumed[group][&index.name] = json!({"CapacityUnits": units});
                }
            }
        }
        Some(consumed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_is_rounded_on_its_own() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(10, false), 0.5);
    }

    #[test]
    fn spending_of_a_batch_adds_up_per_index() {
        let mut total = Consumed::write(1.0, vec![(0, 1.0)]);
        total.add(&Consumed::write(2.0, vec![(1, 3.0), (0, 1.0)]));
        assert_eq!(total.table, Some(3.0));
        assert_eq!(total.indexes, vec![(0, 2.0), (1, 3.0)]);
        assert_eq!(total.total(), 8.0);
    }
}
