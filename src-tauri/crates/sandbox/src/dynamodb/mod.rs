//! DynamoDB (awsJson 1.0, `DynamoDB_20120810.*`): tables and items per account and region.
//! Items live on disk ([`storage`]); memory holds each region's table definitions and counts.
//!
//! Layers: [`input`] reads parameters, [`api`] has one function per operation, [`expr`] is the
//! expression language, [`value`]/[`number`]/[`key`] the data model, [`table`] a table's
//! definition, [`storage`] the items on disk. This module routes operations: reads run on a
//! pooled connection against a snapshot of the region's tables; writes run one at a time in a
//! transaction of their own and answer once it has committed.

pub mod api;
pub mod capacity;
pub mod error;
pub mod expr;
pub mod input;
pub mod key;
pub mod legacy;
pub mod number;
pub mod storage;
pub mod table;
pub mod value;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

use self::api::transact::Tokens;
use self::api::{Context, Tables};
use self::input::Input;
use self::storage::{Change, ItemStore, StorageError};
use self::table::{Table, TableDefinition};
use self::value::item_from_json;
use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredTable as LegacyTable};
use crate::wire::AwsError;

/// The awsJson target prefix of DynamoDB operations.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// One account's DynamoDB state in one region.
#[derive(Debug, Default)]
pub struct Region {
    /// Replaced whole by table operations, so a read works on one consistent snapshot.
    tables: Arc<Tables>,
    tokens: Arc<Mutex<Tokens>>,
}

/// The DynamoDB service of a sandbox.
#[derive(Debug)]
pub struct DynamoDb {
    regions: Regional<Region>,
    items: ItemStore,
    /// Where item changes are reported for the app's inspector, once it is set.
    inspector: std::sync::OnceLock<Arc<crate::inspect::Inspector>>,
    /// Held by a table operation from reading the tables until its result is committed and
    /// published, so two of them never both change the same tables they read.
    table_changes: tokio::sync::Mutex<()>,
}

/// The stored tables could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("loading DynamoDB table {table} ({region}): {message}")]
    Table {
        table: String,
        region: String,
        message: String,
    },
}

/// A table operation, as [`DynamoDb::change_tables`] runs it.
type TableChange =
    fn(&Context<'_>, &mut Tables, &mut storage::Writer<'_>, &Input) -> Result<Json, AwsError>;

/// An item write operation, as the writer thread runs it.
type ItemWrite =
    fn(&Tables, &mut storage::Writer<'_>, &Mutex<Tokens>, &Input) -> Result<Json, AwsError>;

/// The most expired items deleted in one transaction.
const EXPIRED_PER_COMMIT: usize = 500;

impl DynamoDb {
    /// Opens the items in `data_dir` and reads the tables' definitions and counts. Tables an
    /// earlier version kept in the shared `store` (`legacy`) are moved over first.
    pub async fn open(
        data_dir: &Path,
        store: &Store,
        legacy: Vec<LegacyTable>,
    ) -> Result<Self, LoadError> {
        let (items, stored) = ItemStore::open(data_dir)?;
        let mut regions: HashMap<Scope, Tables> = HashMap::new();
        for stored_table in stored {
            let fail = |message: String| LoadError::Table {
                table: stored_table.name.clone(),
                region: stored_table.scope.region.clone(),
                message,
            };
            let context = Context {
                scope: &stored_table.scope,
            };
            let definition = Input::parse(stored_table.definition.as_bytes())
                .and_then(|input| TableDefinition::from_input(&input, &context.arn_prefix()))
                .map_err(|error| fail(error.message.clone()))?;
            let counts = items
                .counts(stored_table.id, &definition)
                .map_err(|error| fail(error.message.clone()))?;
            regions
                .entry(stored_table.scope.clone())
                .or_default()
                .insert(
                    stored_table.name.clone(),
                    Table {
                        definition,
                        id: stored_table.id,
                        counts: Arc::new(counts),
                    },
                );
        }
        let dynamodb = Self {
            regions: Regional::new(
                regions
                    .into_iter()
                    .map(|(scope, tables)| {
                        let region = Region {
                            tables: Arc::new(tables),
                            tokens: Arc::default(),
                        };
                        (scope, region)
                    })
                    .collect(),
            ),
            items,
            inspector: std::sync::OnceLock::new(),
            table_changes: tokio::sync::Mutex::new(()),
        };
        dynamodb.adopt_legacy(store, legacy).await?;
        Ok(dynamodb)
    }

    /// Moves tables kept in the shared store by an earlier version into DynamoDB's own database,
    /// then forgets them there. A table already moved (the process died before forgetting) is
    /// only forgotten.
    async fn adopt_legacy(&self, store: &Store, legacy: Vec<LegacyTable>) -> Result<(), LoadError> {
        for old in legacy {
            let fail = |message: String| LoadError::Table {
                table: old.name.clone(),
                region: old.scope.region.clone(),
                message,
            };
            let region = self.regions.get(&old.scope);
            let tables = region_tables(&region);
            if !tables.contains_key(&old.name) {
                let input = Input::parse(old.definition.as_bytes())
                    .map_err(|error| fail(error.message.clone()))?;
                let (scope, name, items) = (old.scope.clone(), old.name.clone(), old.items.clone());
                let (table, _) = self
                    .items
                    .write(move |writer| {
                        let context = Context { scope: &scope };
                        let mut copy = (*tables).clone();
                        api::tables::create_table(&context, &mut copy, writer, &input)?;
                        let table = copy
                            .get(&name)
                            .cloned()
                            .ok_or_else(|| error::internal("the moved table is missing"))?;
                        for text in &items {
                            let json: Json = serde_json::from_str(text)
                                .map_err(|error| error::internal(error.to_string()))?;
                            let item = item_from_json(&json)?;
                            let key = table.definition.key.key_of_item(&item)?;
                            let existing = writer.get(&table, &key)?;
                            writer.put(&table, &key, &item, existing.as_ref())?;
                        }
                        Ok(table)
                    })
                    .await
                    .map_err(|error| fail(error.message.clone()))?;
                let mut guard = region
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let mut copy = (*guard.tables).clone();
                copy.insert(old.name.clone(), table);
                guard.tables = Arc::new(copy);
            }
            store
                .submit(vec![Mutation::DeleteTable {
                    scope: old.scope.clone(),
                    name: old.name.clone(),
                }])
                .durable()
                .await
                .map_err(|error| fail(error.to_string()))?;
            tracing::info!(table = %old.name, region = %old.scope.region, "moved a DynamoDB table to its own database");
        }
        Ok(())
    }

    /// Reports every item change (put, update, delete) to `inspector` from now on.
    pub fn set_inspector(&self, inspector: Arc<crate::inspect::Inspector>) {
        let _ = self.inspector.set(inspector);
        self.items.record_changes();
    }

    /// Tells the inspector what `operation` changed: each item written (its new image) or
    /// deleted (its key).
    fn report_changes(&self, scope: &Scope, operation: &str, changes: Vec<Change>) {
        let Some(inspector) = self.inspector.get() else {
            return;
        };
        for change in changes {
            inspector.record(lab_feed::Record::new(
                scope.region.clone(),
                lab_feed::Kind::ItemChange(lab_feed::ItemChange {
                    operation: operation.to_owned(),
                    table: change.table,
                    key: change.key,
                    item: change.item.map(|text| {
                        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
                    }),
                }),
            ));
        }
    }

    /// Every table of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        region_tables(&self.regions.get(scope))
            .values()
            .map(|table| {
                let tags = table.definition.tags.iter().cloned().collect();
                (table.definition.arn.clone(), tags)
            })
            .collect()
    }

    /// Runs one operation; `operation` is the part of `X-Amz-Target` after the prefix.
    /// Runs one operation; `operation` is the part of `X-Amz-Target` after the prefix. The
    /// answer is the JSON text of the output.
    pub async fn handle(
        &self,
        scope: &Scope,
        operation: &str,
        body: &[u8],
    ) -> Result<String, AwsError> {
        self.serve(scope, operation, body)
            .await
            .map_err(|error| error::as_reported_by(operation, error))
    }

    async fn serve(&self, scope: &Scope, operation: &str, body: &[u8]) -> Result<String, AwsError> {
        let input = Input::parse(body)?;
        legacy::reject_mixed(&input)?;
        let region = self.regions.get(scope);
        let tables = region_tables(&region);
        let read =
            |read: fn(&Tables, &rusqlite::Connection, &Input) -> Result<String, AwsError>| {
                self.items
                    .with_reader(|connection| read(&tables, connection, &input))
            };
        let text = |output: Result<Json, AwsError>| output.map(|json| json.to_string());
        match operation {
            "DescribeTable" => text(api::tables::describe_table(&tables, &input)),
            "ListTables" => text(api::tables::list_tables(&tables, &input)),
            "DescribeTimeToLive" => text(api::tables::describe_time_to_live(&tables, &input)),
            "ListTagsOfResource" => text(api::tables::list_tags_of_resource(&tables, &input)),
            "GetItem" => read(api::items::get_item),
            "Query" => read(api::read::query),
            "Scan" => read(api::read::scan),
            "BatchGetItem" => read(api::batch::batch_get_item),
            // One read transaction: every item as of the same moment.
            "TransactGetItems" => text(self.items.with_reader(|connection| {
                let snapshot = connection
                    .unchecked_transaction()
                    .map_err(|error| error::internal(error.to_string()))?;
                api::transact::transact_get_items(&tables, &snapshot, &input)
            })),
            "CreateTable" | "DeleteTable" | "UpdateTable" | "TagResource" | "UntagResource"
            | "UpdateTimeToLive" => {
                let owned_scope = scope.clone();
                let change: TableChange = match operation {
                    "CreateTable" => api::tables::create_table,
                    "UpdateTable" => api::tables::update_table,
                    "DeleteTable" => {
                        |_, tables, writer, input| api::tables::delete_table(tables, writer, input)
                    }
                    "TagResource" => {
                        |_, tables, writer, input| api::tables::tag_resource(tables, writer, input)
                    }
                    "UntagResource" => |_, tables, writer, input| {
                        api::tables::untag_resource(tables, writer, input)
                    },
                    _ => |_, tables, writer, input| {
                        api::tables::update_time_to_live(tables, writer, input)
                    },
                };
                self.change_tables(scope, operation, &region, move |tables, writer| {
                    let context = Context {
                        scope: &owned_scope,
                    };
                    change(&context, tables, writer, &input)
                })
                .await
                // TagResource and UntagResource answer with an empty body.
                .map(|json| match operation {
                    "TagResource" | "UntagResource" => String::new(),
                    _ => json.to_string(),
                })
            }
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems" => {
                let tokens = region
                    .read()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .tokens
                    .clone();
                let write: ItemWrite = match operation {
                    "PutItem" => {
                        |tables, writer, _, input| api::items::put_item(tables, writer, input)
                    }
                    "UpdateItem" => {
                        |tables, writer, _, input| api::items::update_item(tables, writer, input)
                    }
                    "DeleteItem" => {
                        |tables, writer, _, input| api::items::delete_item(tables, writer, input)
                    }
                    "BatchWriteItem" => |tables, writer, _, input| {
                        api::batch::batch_write_item(tables, writer, input)
                    },
                    _ => api::transact::transact_write_items,
                };
                let writing_region = region.clone();
                let (output, changes) = self
                    .items
                    .write(move |writer| {
                        // The tables as of now: a table operation may have run while this
                        // write waited for its turn.
                        let tables = region_tables(&writing_region);
                        write(&tables, writer, &tokens, &input)
                    })
                    .await?;
                self.report_changes(scope, operation, changes);
                Ok(output.to_string())
            }
            unknown => Err(AwsError::unknown_operation(&format!(
                "{TARGET_PREFIX}{unknown}"
            ))),
        }
    }

    /// Runs a table operation on a copy of the region's tables, which replaces them once the
    /// operation's transaction has committed.
    async fn change_tables(
        &self,
        scope: &Scope,
        operation: &str,
        region: &Arc<std::sync::RwLock<Region>>,
        change: impl FnOnce(&mut Tables, &mut storage::Writer<'_>) -> Result<Json, AwsError>
        + Send
        + 'static,
    ) -> Result<Json, AwsError> {
        let _turn = self.table_changes.lock().await;
        let changing = region.clone();
        let ((output, tables), changes) = self
            .items
            .write(move |writer| {
                let mut tables = (*region_tables(&changing)).clone();
                let output = change(&mut tables, writer)?;
                Ok((output, tables))
            })
            .await?;
        region
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .tables = Arc::new(tables);
        self.report_changes(scope, operation, changes);
        Ok(output)
    }

    /// Deletes the items whose time-to-live attribute lies in the past (epoch seconds), as
    /// DynamoDB's background expiry does; values more than five years old are ignored, as there.
    pub async fn expire_items(&self, now: f64) -> usize {
        const FIVE_YEARS: f64 = 5.0 * 365.0 * 24.0 * 3600.0;
        let mut expired = 0;
        for (scope, region) in self.regions.all() {
            let tables = region_tables(&region);
            for table in tables.values().cloned() {
                if table.definition.ttl_attribute.is_none() {
                    continue;
                }
                loop {
                    let table = table.clone();
                    let result = self
                        .items
                        .write(move |writer| {
                            let due = writer.due_items(
                                &table,
                                now - FIVE_YEARS,
                                now,
                                EXPIRED_PER_COMMIT,
                            )?;
                            for (key, item) in &due {
                                writer.delete(&table, key, item)?;
                            }
                            Ok(due.len())
                        })
                        .await;
                    match result {
                        Ok((count, changes)) => {
                            expired += count;
                            self.report_changes(&scope, "TimeToLive", changes);
                            if count < EXPIRED_PER_COMMIT {
                                break;
                            }
                        }
                        Err(error) => {
                            tracing::error!(error = %error.message, "deleting expired items failed");
                            break;
                        }
                    }
                }
            }
        }
        expired
    }
}

/// The region's tables as of now.
fn region_tables(region: &std::sync::RwLock<Region>) -> Arc<Tables> {
    region
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .tables
        .clone()
}

/// DescribeEndpoints: the one endpoint, the sandbox itself at the `host` (name and port) the
/// client reached, cached as long as AWS says to cache its own.
pub fn describe_endpoints(host: &str) -> Json {
    serde_json::json!({"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]})
}
