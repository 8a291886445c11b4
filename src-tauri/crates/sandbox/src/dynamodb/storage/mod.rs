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

mod checkpoint;
mod range;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value as Json;

pub use range::{Range, Row, each_row};
pub use writer::Writer;

use super::error::internal;
use super::key::PrimaryKey;
use super::table::{IndexDefinition, Projection, Table, TableDefinition};
use super::value::{Item, Value, item_from_json};
use crate::store::Scope;
use crate::store::readers::Readers;
use crate::wire::AwsError;

/// The file name of DynamoDB's database inside the data directory.
pub const DATABASE_FILE: &str = "dynamodb.sqlite3";

/// Page cache per reading connection, in KiB (SQLite's negative `cache_size`).
const READER_CACHE_KIB: i64 = 4 * 1024;
/// Page cache of the writing connection, in KiB.
const WRITER_CACHE_KIB: i64 = 8 * 1024;
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
    jobs: std::sync::mpsc::Sender<Box<dyn writer::Job>>,
    /// Whether writes report their item changes (for the inspector).
    recording: std::sync::Arc<std::sync::atomic::AtomicBool>,
    readers: Readers,
    /// Stops the checkpointer when the store goes.
    _checkpoints: std::sync::mpsc::Sender<()>,
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
    /// The item as stored: DynamoDB JSON, as text.
    pub item: Option<String>,
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
    // Commits never copy the log into the database themselves: the checkpointer does, beside
    // them (see `checkpoint`).
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    connection.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
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
        let recording = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        Ok((
            Self {
                recording: recording.clone(),
                jobs: writer::spawn(writer, recording).map_err(|error| {
                    open(rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
                })?,
                _checkpoints: checkpoint::spawn(&path).map_err(open)?,
                readers: Readers::new(path, READER_CACHE_KIB),
            },
            tables,
        ))
    }

    /// Makes every write from now on report the items it changed.
    pub fn record_changes(&self) {
        self.recording.store(true, Ordering::Relaxed);
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
        self.readers
            .with(read)
            .map_err(storage_failure)
            .and_then(|output| output)
    }

    /// Queues `write` for the writer thread, which runs it in a transaction shared with the
    /// writes queued beside it, and waits until that transaction has committed. Returns its
    /// output with what it changed; a failed write, or a group whose commit failed, changes
    /// nothing, and the counts in memory change only once the commit has succeeded.
    pub async fn write<T: Send + 'static>(
        &self,
        write: impl FnOnce(&mut Writer<'_>) -> Result<T, AwsError> + Send + 'static,
    ) -> Result<(T, Vec<Change>), AwsError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Box<dyn writer::Job> = Box::new(Queued { write, answer });
        self.jobs
            .send(job)
            .map_err(|_| internal("The sandbox's DynamoDB writer has stopped"))?;
        answered.await.unwrap_or_else(|_| {
            Err(internal(
                "The change could not be made: the sandbox's DynamoDB database failed (its log says why)",
            ))
        })
    }
}

/// A write operation waiting for the writer thread, and where its answer goes.
struct Queued<F, T> {
    write: F,
    answer: tokio::sync::oneshot::Sender<Result<(T, Vec<Change>), AwsError>>,
}

impl<F, T> writer::Job for Queued<F, T>
where
    F: FnOnce(&mut Writer<'_>) -> Result<T, AwsError> + Send + 'static,
    T: Send + 'static,
{
    fn run(self: Box<Self>, writer: &mut Writer<'_>) -> Option<writer::Finish> {
        let Self { write, answer } = *self;
        match write(writer) {
            Ok(output) => Some(Box::new(move |committed: Result<Vec<Change>, AwsError>| {
                let _ = answer.send(committed.map(|changes| (output, changes)));
            })),
            Err(error) => {
                let _ = answer.send(Err(error));
                None
            }
        }
    }

    fn refuse(self: Box<Self>, error: AwsError) {
        let _ = self.answer.send(Err(error));
    }
}

/// The item stored under `key` in `table`, as its stored JSON text with its size.
pub fn get_text(
    connection: &Connection,
    table: &Table,
    key: &PrimaryKey,
) -> Result<Option<(String, usize)>, AwsError> {
    let (pk, sk) = key.columns();
    connection
        .prepare_cached("SELECT item, size FROM items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")
        .and_then(|mut statement| {
            statement
                .query_row(params![table.id, pk, sk], |row| {
                    let size: i64 = row.get(1)?;
                    Ok((row.get(0)?, usize::try_from(size).unwrap_or_default()))
                })
                .optional()
        })
        .map_err(storage_failure)
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
pub fn projected_size(table: &TableDefinition, index: &IndexDefinition, item: &Item) -> usize {
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

/// Whether two index definitions hold the same entries (throughput aside).
fn same_entries(a: &IndexDefinition, b: &IndexDefinition) -> bool {
    a.name == b.name && a.key == b.key && a.projection == b.projection
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::dynamodb::error::validation;
    use crate::dynamodb::input::Input;
    use crate::dynamodb::value::Value;

    fn scope() -> Scope {
        Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    async fn table(store: &ItemStore) -> Table {
        let input = Input::parse(
            br#"{"TableName":"things","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}"#,
        )
        .unwrap();
        let definition =
            TableDefinition::from_input(&input, "arn:aws:dynamodb:us-east-1:0").unwrap();
        let (id, _) = store
            .write({
                let definition = definition.clone();
                move |writer| writer.create_table(&scope(), &definition)
            })
            .await
            .unwrap();
        Table {
            definition,
            id,
            counts: Arc::new(TableCounts::default()),
        }
    }

    fn item(id: &str) -> Item {
        Item::from([("id".to_owned(), Value::S(id.to_owned()))])
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_queued_together_commit_together_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = ItemStore::open(dir.path()).unwrap();
        let store = Arc::new(store);
        let table = table(&store).await;
        let writes = (0..40).map(|i| {
            let (store, table) = (store.clone(), table.clone());
            tokio::spawn(async move {
                store
                    .write(move |writer| {
                        let key = table.definition.key.key_of_item(&item(&i.to_string()))?;
                        writer.put(&table, &key, &item(&i.to_string()), None)?;
                        if i % 3 == 0 {
                            // Fails after writing: its write must not stay.
                            return Err(validation("refused"));
                        }
                        if i == 7 {
                            panic!("a write that panics after writing");
                        }
                        Ok(i)
                    })
                    .await
            })
        });
        let mut answered = Vec::new();
        for write in writes.collect::<Vec<_>>() {
            answered.push(write.await.unwrap());
        }
        let succeeded: Vec<i32> = answered
            .iter()
            .filter_map(|answer| answer.as_ref().ok().map(|(i, _)| *i))
            .collect();
        let expected: Vec<i32> = (0..40).filter(|i| i % 3 != 0 && *i != 7).collect();
        assert_eq!(succeeded, expected);
        let stored: Vec<String> = store
            .read(|connection| {
                connection
                    .prepare("SELECT item FROM items ORDER BY pk")?
                    .query_map([], |row| row.get(0))?
                    .collect()
            })
            .unwrap();
        let mut ids: Vec<i32> = stored
            .iter()
            .map(|text| match &parse_item(text).unwrap()["id"] {
                Value::S(id) => id.parse().unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, expected, "exactly the acknowledged writes are on disk");
        assert_eq!(table.counts.table.items(), expected.len() as i64);
    }
}
