//! Writes: the [`Writer`] an operation changes items and tables through, and the thread that
//! owns the writing connection, running queued operations one after another in one transaction
//! per group (each in a savepoint of its own) and answering each once the group has committed.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc};

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    Change, Counts, TableCounts, corrupt, expiry, get, parse_item, projected_size, same_entries,
    storage_failure,
};
use crate::dynamodb::capacity::{IndexUnits, index_write_units};
use crate::dynamodb::error::internal;
use crate::dynamodb::key::PrimaryKey;
use crate::dynamodb::table::{IndexDefinition, Table, TableDefinition, index_key};
use crate::dynamodb::value::{Item, item_size, item_to_json};
use crate::store::Scope;
use crate::wire::AwsError;

/// Changes made by one write operation, inside its group's transaction.
pub struct Writer<'c> {
    connection: &'c Connection,
    /// Whether item changes are kept for the inspector.
    recording: bool,
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
    /// The item under `key`, as this transaction sees it.
    pub fn get(&self, table: &Table, key: &PrimaryKey) -> Result<Option<Item>, AwsError> {
        get(self.connection, table, key)
    }

    /// Stores `item` under `key`, replacing `old` (what [`get`](Self::get) returned); returns
    /// the write units its indexes spent.
    pub fn put(
        &mut self,
        table: &Table,
        key: &PrimaryKey,
        item: &Item,
        old: Option<&Item>,
    ) -> Result<IndexUnits, AwsError> {
        let old_size = old.map(|old| item_size(old) as i64);
        self.store(table, key, item, old_size, old)
    }

    /// Stores `item` under `key` over whatever is there, which the caller does not need to
    /// see (it is read only as far as the table's indexes require); returns the replaced
    /// item's size, if there was one, and the write units its indexes spent.
    pub fn put_over(
        &mut self,
        table: &Table,
        key: &PrimaryKey,
        item: &Item,
    ) -> Result<(Option<usize>, IndexUnits), AwsError> {
        if !table.definition.indexes.is_empty() {
            let old = self.get(table, key)?;
            let spent = self.put(table, key, item, old.as_ref())?;
            return Ok((old.as_ref().map(item_size), spent));
        }
        let (pk, sk) = key.columns();
        let old_size: Option<i64> = self
            .connection
            .prepare_cached("SELECT size FROM items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")
            .and_then(|mut statement| {
                statement
                    .query_row(params![table.id, pk, sk], |row| row.get(0))
                    .optional()
            })
            .map_err(storage_failure)?;
        let spent = self.store(table, key, item, old_size, None)?;
        Ok((
            old_size.map(|size| usize::try_from(size).unwrap_or_default()),
            spent,
        ))
    }

    /// Writes the item's row, its index entries (replacing `old`'s) and the count changes;
    /// returns the write units its indexes spent.
    fn store(
        &mut self,
        table: &Table,
        key: &PrimaryKey,
        item: &Item,
        old_size: Option<i64>,
        old: Option<&Item>,
    ) -> Result<IndexUnits, AwsError> {
        let (pk, sk) = key.columns();
        let text = item_to_json(item).to_string();
        let size = item_size(item) as i64;
        self.connection
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
            i64::from(old_size.is_none()),
            size - old_size.unwrap_or(0),
        ));
        if let Some(old) = old {
            self.unindex(table, &pk, &sk, old)?;
        }
        self.index(table, &pk, &sk, item)?;
        if self.recording {
            self.changes.push(Change {
                table: table.definition.name.clone(),
                key: item_to_json(&table.definition.key.key_item(key)),
                item: Some(text),
            });
        }
        Ok(index_write_units(&table.definition, old, Some(item)))
    }

    /// Deletes the item `old` stored under `key`; returns the write units its indexes spent.
    pub fn delete(
        &mut self,
        table: &Table,
        key: &PrimaryKey,
        old: &Item,
    ) -> Result<IndexUnits, AwsError> {
        let (pk, sk) = key.columns();
        self.connection
            .prepare_cached("DELETE FROM items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")
            .and_then(|mut statement| statement.execute(params![table.id, pk, sk]))
            .map_err(storage_failure)?;
        self.deltas
            .push((table.counts.clone(), None, -1, -(item_size(old) as i64)));
        self.unindex(table, &pk, &sk, old)?;
        if self.recording {
            self.changes.push(Change {
                table: table.definition.name.clone(),
                key: item_to_json(&table.definition.key.key_item(key)),
                item: None,
            });
        }
        Ok(index_write_units(&table.definition, Some(old), None))
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
        self.connection
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
            self.connection
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
        self.connection
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
        Ok(self.connection.last_insert_rowid())
    }

    /// Saves a changed definition of the table with row id `id`.
    pub fn save_definition(
        &mut self,
        id: i64,
        definition: &TableDefinition,
    ) -> Result<(), AwsError> {
        self.connection
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
            self.connection
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
            .connection
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
                self.connection
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
                    self.connection
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
            .connection
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

/// A queued write operation.
pub(super) trait Job: Send {
    /// Runs the operation against `writer`; when it succeeded, returns how to answer once its
    /// group's commit is known (a failure is answered at once).
    fn run(self: Box<Self>, writer: &mut Writer<'_>) -> Option<Finish>;
    /// Answers without running: the write could not even be started.
    fn refuse(self: Box<Self>, error: AwsError);
}

/// Answers a write operation that succeeded: with what it changed once committed, or the
/// reason its group could not be.
pub(super) type Finish = Box<dyn FnOnce(Result<Vec<Change>, AwsError>) + Send>;

/// The most operations committed in one transaction.
const MAX_GROUP: usize = 64;

/// Starts the thread that owns the writing connection; it ends when every sender is gone.
pub(super) fn spawn(
    connection: Connection,
    recording: Arc<AtomicBool>,
) -> std::io::Result<mpsc::Sender<Box<dyn Job>>> {
    let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
    std::thread::Builder::new()
        .name("dynamodb-writer".into())
        .spawn(move || write_loop(connection, &queue, &recording))?;
    Ok(jobs)
}

fn write_loop(
    mut connection: Connection,
    queue: &mpsc::Receiver<Box<dyn Job>>,
    recording: &AtomicBool,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut connection, group, recording);
    }
}

/// Runs each job of `group` in a savepoint of one transaction — a job that fails or panics is
/// rolled back alone — then commits, and answers every job that succeeded.
fn commit_group(connection: &mut Connection, group: Vec<Box<dyn Job>>, recording: &AtomicBool) {
    // Transaction control goes through cached statements: parsed once, not per write.
    let control = |sql: &str| -> rusqlite::Result<()> {
        connection.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    if let Err(error) = control("BEGIN IMMEDIATE") {
        let failure = storage_failure(error);
        for job in group {
            job.refuse(failure.clone());
        }
        return;
    }
    let mut succeeded: Vec<(Finish, Vec<Change>, Vec<Delta>)> = Vec::with_capacity(group.len());
    for job in group {
        if let Err(error) = control("SAVEPOINT job") {
            job.refuse(storage_failure(error));
            continue;
        }
        let mut writer = Writer {
            connection,
            recording: recording.load(std::sync::atomic::Ordering::Relaxed),
            changes: Vec::new(),
            deltas: Vec::new(),
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job.run(&mut writer)));
        let Writer {
            changes, deltas, ..
        } = writer;
        match outcome {
            Ok(Some(finish)) => match control("RELEASE job") {
                Ok(()) => succeeded.push((finish, changes, deltas)),
                Err(error) => finish(Err(storage_failure(error))),
            },
            // Failed (already answered) or panicked (its caller learns from the dropped job):
            // its changes are rolled back.
            failed => {
                if failed.is_err() {
                    tracing::error!("a DynamoDB write panicked; it was rolled back");
                }
                if let Err(error) = control("ROLLBACK TO job").and_then(|()| control("RELEASE job"))
                {
                    tracing::error!(%error, "rolling back a failed DynamoDB write failed");
                }
            }
        }
    }
    match control("COMMIT") {
        Ok(()) => {
            for (finish, changes, deltas) in succeeded {
                apply(deltas);
                finish(Ok(changes));
            }
        }
        Err(error) => {
            tracing::error!(%error, "committing DynamoDB changes failed; they were rolled back");
            if !connection.is_autocommit()
                && let Err(rollback) = control("ROLLBACK")
            {
                tracing::error!(error = %rollback, "rolling back DynamoDB changes failed");
            }
            for (finish, _, _) in succeeded {
                finish(Err(internal(format!(
                    "The change could not be saved: {error}"
                ))));
            }
        }
    }
}

/// Applies committed count changes to the counts in memory.
fn apply(deltas: Vec<Delta>) {
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
}
