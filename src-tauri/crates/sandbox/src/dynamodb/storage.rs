//! Items on disk. Every table's items and secondary index entries live in DynamoDB's own SQLite
//! database ([`DATABASE_FILE`], WAL) in the data directory; memory holds table definitions and
//! counts, never items. Reads go through a small pool of connections, each with a bounded page
//! cache — the only cache — so the sandbox's size does not grow with what it stores.
//!
//! Keys are stored as bytes whose order is DynamoDB's key order
//! ([`KeyValue::ordered_bytes`](super::key::KeyValue::ordered_bytes)): a partition's items come
//! back sorted by sort key, and a page resumes with a range condition rather than a skip.
//!
//! A write operation runs in one SQLite transaction on the single writer connection
//! ([`Writer`]) and is answered only once that transaction has committed. An operation that
//! fails, or whose commit fails, is rolled back whole: readers, the counts in memory and what
//! survives a restart always agree.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use serde_json::Value as Json;

use super::error::internal;
use super::key::PrimaryKey;
use super::table::{IndexDefinition, Projection, Table, TableDefinition, index_key};
use super::value::{Item, Value, item_from_json, item_size, item_to_json};
use crate::store::Scope;
use crate::wire::AwsError;

/// The file name of DynamoDB's database inside the data directory.
pub const DATABASE_FILE: &str = "dynamodb.sqlite3";

/// Page cache per reading connection, in KiB (SQLite's negative `cache_size`).
const READER_CACHE_KIB: i64 = 4 * 1024;
/// Page cache of the writing connection, in KiB.
const WRITER_CACHE_KIB: i64 = 8 * 1024;
/// Reading connections kept open between requests; more are opened under load and closed after.
const POOLED_READERS: usize = 4;
/// How long a connection waits for SQLite's own locks (a checkpoint) before failing.
const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

const SCHEMA: &[&str] = &[
    // 1: tables, items, index entries.
    "CREATE TABLE tables (
         id         INTEGER PRIMARY KEY,
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         UNIQUE (account, region, name)
     );
     CREATE TABLE items (
         table_id INTEGER NOT NULL,
         pk       BLOB NOT NULL,
         sk       BLOB NOT NULL,
         item     TEXT NOT NULL,
         size     INTEGER NOT NULL,
         expires  REAL,
         PRIMARY KEY (table_id, pk, sk)
     ) WITHOUT ROWID;
     CREATE INDEX items_by_expiry ON items (table_id, expires) WHERE expires IS NOT NULL;
     CREATE TABLE index_entries (
         table_id   INTEGER NOT NULL,
         index_name TEXT NOT NULL,
         pk         BLOB NOT NULL,
         sk         BLOB NOT NULL,
         item_pk    BLOB NOT NULL,
         item_sk    BLOB NOT NULL,
         size       INTEGER NOT NULL,
         PRIMARY KEY (table_id, index_name, pk, sk, item_pk, item_sk)
     ) WITHOUT ROWID;",
];

/// Why DynamoDB's database could not be opened or read at start.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("opening the DynamoDB database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("reading the DynamoDB database")]
    Read(#[source] rusqlite::Error),
}

/// A table as stored: where it belongs, its row id and its definition (JSON).
#[derive(Debug)]
pub struct StoredTable {
    pub scope: Scope,
    pub id: i64,
    pub name: String,
    pub definition: String,
}

/// DynamoDB's database: the writer connection and a pool of readers.
#[derive(Debug)]
pub struct ItemStore {
    path: PathBuf,
    writer: tokio::sync::Mutex<Connection>,
    readers: std::sync::Mutex<Vec<Connection>>,
}

/// How many items a table or index holds and their total size, kept in step with every commit.
#[derive(Debug, Default)]
pub struct Counts {
    items: AtomicI64,
    bytes: AtomicI64,
}

impl Counts {
    pub fn new(items: i64, bytes: i64) -> Self {
        Self {
            items: AtomicI64::new(items),
            bytes: AtomicI64::new(bytes),
        }
    }

    pub fn items(&self) -> i64 {
        self.items.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> i64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn add(&self, items: i64, bytes: i64) {
        self.items.fetch_add(items, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// The counts of a table and of each of its indexes (in the definition's order).
#[derive(Debug, Default)]
pub struct TableCounts {
    pub table: Counts,
    pub indexes: Vec<(String, Counts)>,
}

impl TableCounts {
    pub fn index(&self, name: &str) -> Option<&Counts> {
        self.indexes
            .iter()
            .find(|(index, _)| index == name)
            .map(|(_, counts)| counts)
    }
}

/// One item change, for the inspector: the table, the key and the new image (none for a delete).
#[derive(Debug, Clone)]
pub struct Change {
    pub table: String,
    pub key: Json,
    pub item: Option<Json>,
}

fn storage_failure(error: rusqlite::Error) -> AwsError {
    tracing::error!(%error, "DynamoDB database request failed");
    internal(format!("The sandbox's DynamoDB database failed: {error}"))
}

fn corrupt(error: AwsError) -> AwsError {
    internal(format!(
        "A stored item could not be read: {}",
        error.message
    ))
}

/// Decodes an item as stored (the DynamoDB JSON it was written as).
pub fn parse_item(text: &str) -> Result<Item, AwsError> {
    let json: Json = serde_json::from_str(text)
        .map_err(|error| internal(format!("A stored item could not be read: {error}")))?;
    item_from_json(&json).map_err(corrupt)
}

fn configure(connection: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    // In WAL mode NORMAL writes every commit to the log before returning, so a committed
    // transaction survives the process being killed.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "cache_size", -cache_kib)?;
    connection.busy_timeout(BUSY_PATIENCE)?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    let applied: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (index, sql) in SCHEMA.iter().enumerate().skip(applied) {
        connection.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            index + 1
        ))?;
    }
    Ok(())
}

impl ItemStore {
    /// Opens (creating as needed) the database in `dir`, returning it with the tables it holds.
    pub fn open(dir: &Path) -> Result<(Self, Vec<StoredTable>), StorageError> {
        let path = dir.join(DATABASE_FILE);
        let open = |source| StorageError::Open {
            path: path.clone(),
            source,
        };
        let writer = Connection::open(&path).map_err(open)?;
        configure(&writer, WRITER_CACHE_KIB).map_err(open)?;
        migrate(&writer).map_err(open)?;
        let tables = {
            let mut statement = writer
                .prepare("SELECT id, account, region, name, definition FROM tables ORDER BY id")
                .map_err(StorageError::Read)?;
            statement
                .query_map([], |row| {
                    Ok(StoredTable {
                        id: row.get(0)?,
                        scope: Scope {
                            account: row.get(1)?,
                            region: row.get(2)?,
                        },
                        name: row.get(3)?,
                        definition: row.get(4)?,
                    })
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(StorageError::Read)?
        };
        Ok((
            Self {
                path,
                writer: tokio::sync::Mutex::new(writer),
                readers: std::sync::Mutex::new(Vec::new()),
            },
            tables,
        ))
    }

    /// The counts of the table with row id `id`, as stored: its items, and each index's entries.
    pub fn counts(&self, id: i64, definition: &TableDefinition) -> Result<TableCounts, AwsError> {
        self.read(|connection| {
            let (items, bytes) = connection
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE table_id = ?1",
                )?
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let mut indexes = Vec::new();
            for index in &definition.indexes {
                let (entries, index_bytes) = connection
                    .prepare_cached(
                        "SELECT count(*), coalesce(sum(size), 0) FROM index_entries
                         WHERE table_id = ?1 AND index_name = ?2",
                    )?
                    .query_row(params![id, index.name], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?;
                indexes.push((index.name.clone(), Counts::new(entries, index_bytes)));
            }
            Ok(TableCounts {
                table: Counts::new(items, bytes),
                indexes,
            })
        })
    }

    /// Runs `read` on a connection of the pool: it sees everything committed before it began.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AwsError> {
        self.with_reader(|connection| read(connection).map_err(storage_failure))
    }

    /// Like [`read`](Self::read), for reads that fail in DynamoDB's terms as well.
    pub fn with_reader<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => {
                let connection = Connection::open(&self.path).map_err(storage_failure)?;
                configure(&connection, READER_CACHE_KIB).map_err(storage_failure)?;
                connection
                    .pragma_update(None, "query_only", true)
                    .map_err(storage_failure)?;
                connection
            }
        };
        let output = read(&connection);
        let mut readers = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if readers.len() < POOLED_READERS {
            readers.push(connection);
        }
        output
    }

    /// Runs `write` in a transaction of the writer connection, waiting for any write before it,
    /// and commits it if it succeeds. Returns its output with what the committed transaction
    /// changed; the counts in memory change only once the commit has succeeded.
    pub async fn write<T>(
        &self,
        write: impl FnOnce(&mut Writer<'_>) -> Result<T, AwsError>,
    ) -> Result<(T, Vec<Change>), AwsError> {
        let mut connection = self.writer.lock().await;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage_failure)?;
        let mut writer = Writer {
            transaction,
            changes: Vec::new(),
            deltas: Vec::new(),
        };
        // On an error the transaction is dropped, which rolls it back.
        let output = write(&mut writer)?;
        let Writer {
            transaction,
            changes,
            deltas,
        } = writer;
        transaction.commit().map_err(|error| {
            tracing::error!(%error, "committing a DynamoDB change failed; it was rolled back");
            internal(format!("The change could not be saved: {error}"))
        })?;
        for (counts, index, items, bytes) in deltas {
            match index {
                None => counts.table.add(items, bytes),
                Some(position) => {
                    if let Some((_, index)) = counts.indexes.get(position) {
                        index.add(items, bytes);
                    }
                }
            }
        }
        Ok((output, changes))
    }
}

/// The item stored under `key` in `table`, if any.
pub fn get(
    connection: &Connection,
    table: &Table,
    key: &PrimaryKey,
) -> Result<Option<Item>, AwsError> {
    let (pk, sk) = key.columns();
    let text: Option<String> = connection
        .prepare_cached("SELECT item FROM items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")
        .and_then(|mut statement| {
            statement
                .query_row(params![table.id, pk, sk], |row| row.get(0))
                .optional()
        })
        .map_err(storage_failure)?;
    text.as_deref().map(parse_item).transpose()
}

/// The size of `item` as `index` holds it (its projection), counted as DynamoDB counts items.
fn projected_size(table: &TableDefinition, index: &IndexDefinition, item: &Item) -> usize {
    item.iter()
        .filter(|(name, _)| keeps(table, index, name))
        .map(|(name, value)| name.len() + value.size())
        .sum()
}

/// Whether `index` holds attribute `name` of its items.
pub fn keeps(table: &TableDefinition, index: &IndexDefinition, name: &str) -> bool {
    table.key.is_key_attribute(name)
        || index.key.is_key_attribute(name)
        || match &index.projection {
            Projection::All => true,
            Projection::KeysOnly => false,
            Projection::Include(names) => names.iter().any(|n| n == name),
        }
}

/// When `item` expires under the table's time-to-live attribute (epoch seconds), if it does.
fn expiry(definition: &TableDefinition, item: &Item) -> Option<f64> {
    match item.get(definition.ttl_attribute.as_ref()?) {
        Some(Value::N(number)) => number.to_string().parse().ok(),
        _ => None,
    }
}

/// Changes made inside one write transaction.
pub struct Writer<'c> {
    transaction: rusqlite::Transaction<'c>,
    changes: Vec<Change>,
    /// Count changes to apply once committed.
    deltas: Vec<Delta>,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

/// How many items a rebuild reads at a time.
const REBUILD_PAGE: usize = 1000;

/// An item with the key columns it is stored under.
type StoredItem = (Vec<u8>, Vec<u8>, Item);

/// A change of counts: whose, which index (by position; `None` for the table), items, bytes.
type Delta = (Arc<TableCounts>, Option<usize>, i64, i64);

impl Writer<'_> {
    pub fn connection(&self) -> &Connection {
        &self.transaction
    }

    /// The item under `key`, as this transaction sees it.
    pub fn get(&self, table: &Table, key: &PrimaryKey) -> Result<Option<Item>, AwsError> {
        get(&self.transaction, table, key)
    }

    /// Stores `item` under `key`, replacing `old` (what [`get`](Self::get) returned).
    pub fn put(
        &mut self,
        table: &Table,
        key: &PrimaryKey,
        item: &Item,
        old: Option<&Item>,
    ) -> Result<(), AwsError> {
        let (pk, sk) = key.columns();
        let text = item_to_json(item).to_string();
        let size = item_size(item) as i64;
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO items (table_id, pk, sk, item, size, expires)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    table.id,
                    pk,
                    sk,
                    text,
                    size,
                    expiry(&table.definition, item)
                ])
            })
            .map_err(storage_failure)?;
        self.deltas.push((
            table.counts.clone(),
            None,
            i64::from(old.is_none()),
            size - old.map_or(0, |old| item_size(old) as i64),
        ));
        if let Some(old) = old {
            self.unindex(table, &pk, &sk, old)?;
        }
        self.index(table, &pk, &sk, item)?;
        self.changes.push(Change {
            table: table.definition.name.clone(),
            key: item_to_json(&table.definition.key.key_item(key)),
            item: Some(Json::String(text)),
        });
        Ok(())
    }

    /// Deletes the item `old` stored under `key`.
    pub fn delete(&mut self, table: &Table, key: &PrimaryKey, old: &Item) -> Result<(), AwsError> {
        let (pk, sk) = key.columns();
        self.transaction
            .prepare_cached("DELETE FROM items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")
            .and_then(|mut statement| statement.execute(params![table.id, pk, sk]))
            .map_err(storage_failure)?;
        self.deltas
            .push((table.counts.clone(), None, -1, -(item_size(old) as i64)));
        self.unindex(table, &pk, &sk, old)?;
        self.changes.push(Change {
            table: table.definition.name.clone(),
            key: item_to_json(&table.definition.key.key_item(key)),
            item: None,
        });
        Ok(())
    }

    /// Adds the index entries of `item` (stored under `pk`, `sk`).
    fn index(&mut self, table: &Table, pk: &[u8], sk: &[u8], item: &Item) -> Result<(), AwsError> {
        for (position, index) in table.definition.indexes.iter().enumerate() {
            if let Some(size) = self.add_entry(table.id, &table.definition, index, pk, sk, item)? {
                self.deltas
                    .push((table.counts.clone(), Some(position), 1, size));
            }
        }
        Ok(())
    }

    /// Adds the entry of `item` to `index` if the item has the index's key; returns its size.
    fn add_entry(
        &self,
        table_id: i64,
        definition: &TableDefinition,
        index: &IndexDefinition,
        pk: &[u8],
        sk: &[u8],
        item: &Item,
    ) -> Result<Option<i64>, AwsError> {
        let Some(index_key) = index_key(&index.key, item) else {
            return Ok(None);
        };
        let (index_pk, index_sk) = index_key.columns();
        let size = projected_size(definition, index, item) as i64;
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO index_entries
                 (table_id, index_name, pk, sk, item_pk, item_sk, size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    table_id, index.name, index_pk, index_sk, pk, sk, size
                ])
            })
            .map_err(storage_failure)?;
        Ok(Some(size))
    }

    /// Removes the index entries of `old` (stored under `pk`, `sk`).
    fn unindex(&mut self, table: &Table, pk: &[u8], sk: &[u8], old: &Item) -> Result<(), AwsError> {
        for (position, index) in table.definition.indexes.iter().enumerate() {
            let Some(index_key) = index_key(&index.key, old) else {
                continue;
            };
            let (index_pk, index_sk) = index_key.columns();
            self.transaction
                .prepare_cached(
                    "DELETE FROM index_entries WHERE table_id = ?1 AND index_name = ?2
                     AND pk = ?3 AND sk = ?4 AND item_pk = ?5 AND item_sk = ?6",
                )
                .and_then(|mut statement| {
                    statement.execute(params![table.id, index.name, index_pk, index_sk, pk, sk])
                })
                .map_err(storage_failure)?;
            let size = projected_size(&table.definition, index, old) as i64;
            self.deltas
                .push((table.counts.clone(), Some(position), -1, -size));
        }
        Ok(())
    }

    /// Creates the row of a new table; returns its id.
    pub fn create_table(
        &mut self,
        scope: &Scope,
        definition: &TableDefinition,
    ) -> Result<i64, AwsError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO tables (account, region, name, definition) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    scope.account,
                    scope.region,
                    definition.name,
                    definition.to_stored().to_string()
                ])
            })
            .map_err(storage_failure)?;
        Ok(self.transaction.last_insert_rowid())
    }

    /// Saves a changed definition of the table with row id `id`.
    pub fn save_definition(
        &mut self,
        id: i64,
        definition: &TableDefinition,
    ) -> Result<(), AwsError> {
        self.transaction
            .prepare_cached("UPDATE tables SET definition = ?2 WHERE id = ?1")
            .and_then(|mut statement| {
                statement.execute(params![id, definition.to_stored().to_string()])
            })
            .map_err(storage_failure)?;
        Ok(())
    }

    /// Deletes a table with its items and index entries.
    pub fn drop_table(&mut self, id: i64) -> Result<(), AwsError> {
        for sql in [
            "DELETE FROM index_entries WHERE table_id = ?1",
            "DELETE FROM items WHERE table_id = ?1",
            "DELETE FROM tables WHERE id = ?1",
        ] {
            self.transaction
                .prepare_cached(sql)
                .and_then(|mut statement| statement.execute([id]))
                .map_err(storage_failure)?;
        }
        Ok(())
    }

    /// The items of a table after the key `after` (from the start when `None`), at most
    /// [`REBUILD_PAGE`] of them in key order, with the keys they are stored under: a page at a
    /// time, so rebuilding what derives from items holds no more than a page in memory.
    fn items_after(
        &self,
        id: i64,
        after: Option<&(Vec<u8>, Vec<u8>)>,
    ) -> Result<Vec<StoredItem>, AwsError> {
        let (pk, sk) = after.cloned().unwrap_or_default();
        let rows: Vec<(Vec<u8>, Vec<u8>, String)> = self
            .transaction
            .prepare_cached(
                "SELECT pk, sk, item FROM items WHERE table_id = ?1 AND (pk, sk) > (?2, ?3)
                 ORDER BY pk, sk LIMIT ?4",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(params![id, pk, sk, REBUILD_PAGE as i64], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })?
                    .collect()
            })
            .map_err(storage_failure)?;
        rows.into_iter()
            .map(|(pk, sk, text)| Ok((pk, sk, parse_item(&text)?)))
            .collect()
    }

    /// Brings a table's stored rows in line with a changed definition `to` (indexes added or
    /// removed, time to live switched), returning the counts that go with it.
    pub fn redefine(
        &mut self,
        table: &Table,
        to: &TableDefinition,
    ) -> Result<Arc<TableCounts>, AwsError> {
        let from = &table.definition;
        for index in &from.indexes {
            if !to.indexes.iter().any(|kept| same_entries(kept, index)) {
                self.transaction
                    .prepare_cached(
                        "DELETE FROM index_entries WHERE table_id = ?1 AND index_name = ?2",
                    )
                    .and_then(|mut statement| statement.execute(params![table.id, index.name]))
                    .map_err(storage_failure)?;
            }
        }
        let added: Vec<&IndexDefinition> = to
            .indexes
            .iter()
            .filter(|index| !from.indexes.iter().any(|old| same_entries(old, index)))
            .collect();
        let mut built: Vec<(String, i64, i64)> = added
            .iter()
            .map(|index| (index.name.clone(), 0, 0))
            .collect();
        let ttl_changed = from.ttl_attribute != to.ttl_attribute;
        let mut after = None;
        while !added.is_empty() || ttl_changed {
            let page = self.items_after(table.id, after.as_ref())?;
            let Some((pk, sk, _)) = page.last() else {
                break;
            };
            after = Some((pk.clone(), sk.clone()));
            for (pk, sk, item) in page {
                for (index, entry) in added.iter().zip(built.iter_mut()) {
                    if let Some(size) = self.add_entry(table.id, to, index, &pk, &sk, &item)? {
                        entry.1 += 1;
                        entry.2 += size;
                    }
                }
                if ttl_changed {
                    self.transaction
                        .prepare_cached(
                            "UPDATE items SET expires = ?4 WHERE table_id = ?1 AND pk = ?2 AND sk = ?3",
                        )
                        .and_then(|mut statement| {
                            statement.execute(params![table.id, pk, sk, expiry(to, &item)])
                        })
                        .map_err(storage_failure)?;
                }
            }
        }
        let indexes = to
            .indexes
            .iter()
            .map(|index| {
                let counts = match built.iter().find(|(name, _, _)| *name == index.name) {
                    Some((_, items, bytes)) => Counts::new(*items, *bytes),
                    None => table
                        .counts
                        .index(&index.name)
                        .map_or_else(Counts::default, |kept| {
                            Counts::new(kept.items(), kept.bytes())
                        }),
                };
                (index.name.clone(), counts)
            })
            .collect();
        Ok(Arc::new(TableCounts {
            table: Counts::new(table.counts.table.items(), table.counts.table.bytes()),
            indexes,
        }))
    }

    /// Up to `limit` items of the table whose time to live lies in `(after, before)`.
    pub fn due_items(
        &self,
        table: &Table,
        after: f64,
        before: f64,
        limit: usize,
    ) -> Result<Vec<(PrimaryKey, Item)>, AwsError> {
        let texts: Vec<String> = self
            .transaction
            .prepare_cached(
                "SELECT item FROM items WHERE table_id = ?1 AND expires > ?2 AND expires < ?3 LIMIT ?4",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(params![table.id, after, before, limit as i64], |row| row.get(0))?
                    .collect()
            })
            .map_err(storage_failure)?;
        texts
            .iter()
            .map(|text| {
                let item = parse_item(text)?;
                let key = table.definition.key.key_of_item(&item).map_err(corrupt)?;
                Ok((key, item))
            })
            .collect()
    }
}

/// Whether two index definitions hold the same entries (throughput aside).
fn same_entries(a: &IndexDefinition, b: &IndexDefinition) -> bool {
    a.name == b.name && a.key == b.key && a.projection == b.projection
}

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
