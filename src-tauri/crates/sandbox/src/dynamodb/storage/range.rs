//! Query and Scan on disk: the rows of a table or index in key order, within a partition and
//! its sort key bounds, resumed after a position, as one SQL statement read row by row.

use std::ops::Bound;

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, params_from_iter};

use super::storage_failure;
use crate::dynamodb::key::PrimaryKey;
use crate::dynamodb::table::{IndexDefinition, Table};
use crate::wire::AwsError;

/// Which rows a Query or Scan reads, and in which order.
#[derive(Debug)]
pub struct Range<'a> {
    pub table: &'a Table,
    pub index: Option<&'a IndexDefinition>,
    /// A Query's partition key bytes; none for a Scan.
    pub partition: Option<Vec<u8>>,
    /// Bounds on the sort key bytes within the partition (a Query's key condition).
    pub lower: Bound<Vec<u8>>,
    pub upper: Bound<Vec<u8>>,
    /// The position to resume after (exclusive), as [`Range::position_of`] gives it.
    pub after: Option<Vec<Vec<u8>>>,
    pub forward: bool,
}

/// One row read by [`each_row`].
#[derive(Debug)]
pub struct Row<'a> {
    /// The whole item, as stored.
    pub item: &'a str,
    /// Its size as DynamoDB counts it.
    pub size: usize,
    /// The item's partition key bytes in the table.
    pub table_pk: &'a [u8],
}

impl Range<'_> {
    /// The values of the order columns for an item at `table_key` with `index_key` (for an
    /// index), in the order [`each_row`] sorts by.
    pub fn position_of(
        &self,
        table_key: &PrimaryKey,
        index_key: Option<&PrimaryKey>,
    ) -> Vec<Vec<u8>> {
        let (pk, sk) = table_key.columns();
        match (self.index, index_key, self.partition.is_some()) {
            (Some(_), Some(index_key), query) => {
                let (index_pk, index_sk) = index_key.columns();
                if query {
                    vec![index_sk, pk, sk]
                } else {
                    vec![index_pk, index_sk, pk, sk]
                }
            }
            (_, _, true) => vec![sk],
            _ => vec![pk, sk],
        }
    }

    /// The statement and its parameters.
    fn statement(&self) -> (String, Vec<Sql>) {
        let mut parameters = vec![Sql::Integer(self.table.id)];
        let (from, columns, key_prefix) = match self.index {
            None => (
                "SELECT item, size, pk FROM items".to_owned(),
                if self.partition.is_some() {
                    vec!["sk"]
                } else {
                    vec!["pk", "sk"]
                },
                "",
            ),
            Some(index) => {
                parameters.push(Sql::Text(index.name.clone()));
                (
                    "SELECT i.item, i.size, i.pk FROM index_entries e JOIN items i \
                     ON i.table_id = e.table_id AND i.pk = e.item_pk AND i.sk = e.item_sk"
                        .to_owned(),
                    if self.partition.is_some() {
                        vec!["e.sk", "e.item_pk", "e.item_sk"]
                    } else {
                        vec!["e.pk", "e.sk", "e.item_pk", "e.item_sk"]
                    },
                    "e.",
                )
            }
        };
        let mut sql = from;
        sql.push_str(&format!(" WHERE {key_prefix}table_id = ?1"));
        if self.index.is_some() {
            sql.push_str(" AND e.index_name = ?2");
        }
        let mut bind = |sql: &mut String, clause: &str, value: Sql| {
            parameters.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", parameters.len())));
        };
        if let Some(partition) = &self.partition {
            bind(
                &mut sql,
                &format!(" AND {key_prefix}pk = ?"),
                Sql::Blob(partition.clone()),
            );
        }
        for (bound, inclusive, exclusive) in [(&self.lower, ">=", ">"), (&self.upper, "<=", "<")] {
            let (operator, value) = match bound {
                Bound::Included(value) => (inclusive, value),
                Bound::Excluded(value) => (exclusive, value),
                Bound::Unbounded => continue,
            };
            bind(
                &mut sql,
                &format!(" AND {key_prefix}sk {operator} ?"),
                Sql::Blob(value.clone()),
            );
        }
        if let Some(after) = &self.after {
            let first = parameters.len() + 1;
            parameters.extend(after.iter().cloned().map(Sql::Blob));
            let placeholders: Vec<String> = (first..first + after.len())
                .map(|n| format!("?{n}"))
                .collect();
            sql.push_str(&format!(
                " AND ({}) {} ({})",
                columns[..after.len().min(columns.len())].join(", "),
                if self.forward { ">" } else { "<" },
                placeholders.join(", ")
            ));
        }
        let direction = if self.forward { "" } else { " DESC" };
        let order: Vec<String> = columns
            .iter()
            .map(|column| format!("{column}{direction}"))
            .collect();
        sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
        (sql, parameters)
    }
}

/// Reads the rows of `range` in order, handing each to `visit` until it returns false.
pub fn each_row(
    connection: &Connection,
    range: &Range<'_>,
    mut visit: impl FnMut(Row<'_>) -> Result<bool, AwsError>,
) -> Result<(), AwsError> {
    let (sql, parameters) = range.statement();
    let mut statement = connection.prepare_cached(&sql).map_err(storage_failure)?;
    let mut rows = statement
        .query(params_from_iter(parameters))
        .map_err(storage_failure)?;
    while let Some(row) = rows.next().map_err(storage_failure)? {
        let item = row
            .get_ref(0)
            .and_then(|value| Ok(value.as_str()?))
            .map_err(storage_failure)?;
        let size: i64 = row.get(1).map_err(storage_failure)?;
        let table_pk = row
            .get_ref(2)
            .and_then(|value| Ok(value.as_blob()?))
            .map_err(storage_failure)?;
        let more = visit(Row {
            item,
            size: usize::try_from(size).unwrap_or_default(),
            table_pk,
        })?;
        if !more {
            break;
        }
    }
    Ok(())
}
