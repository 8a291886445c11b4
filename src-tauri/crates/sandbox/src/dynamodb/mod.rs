//! DynamoDB (awsJson 1.0, `DynamoDB_20120810.*`): tables and items per account and region,
//! held in memory and made durable through the [`Store`].
//!
//! Layers: [`input`] reads parameters, [`api`] has one function per operation, [`expr`] is the
//! expression language, [`value`]/[`number`]/[`key`] the data model, [`table`] a table with its
//! indexes. This module routes operations and runs each under its region's lock: reads share it,
//! writes hold it while they check and change memory and queue their mutations, then wait for
//! the store outside it.

pub mod api;
pub mod error;
pub mod expr;
pub mod input;
pub mod key;
pub mod legacy;
pub mod number;
pub mod table;
pub mod value;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use self::api::transact::Tokens;
use self::api::{Context, Tables};
use self::input::Input;
use self::table::{Table, TableDefinition};
use self::value::{Value, item_from_json};
use crate::regional::Regional;
use std::sync::Arc;

use crate::store::{Mutation, Scope, Store, StoredTable};
use crate::wire::AwsError;

/// The awsJson target prefix of DynamoDB operations.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// One account's DynamoDB state in one region.
#[derive(Debug, Default)]
pub struct Region {
    tables: Tables,
    tokens: Tokens,
}

/// The DynamoDB service of a sandbox.
#[derive(Debug)]
pub struct DynamoDb {
    regions: Regional<Region>,
    store: Store,
    /// Where item changes are reported for the app's inspector, once it is set.
    inspector: std::sync::OnceLock<Arc<crate::inspect::Inspector>>,
}

/// A stored table that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("loading DynamoDB table {table} ({region}): {message}")]
pub struct LoadError {
    table: String,
    region: String,
    message: String,
}

impl DynamoDb {
    /// Rebuilds the in-memory state from what the store holds.
    pub fn load(store: Store, stored: Vec<StoredTable>) -> Result<Self, LoadError> {
        let mut regions: HashMap<Scope, Region> = HashMap::new();
        for stored_table in stored {
            let fail = |message: String| LoadError {
                table: stored_table.name.clone(),
                region: stored_table.scope.region.clone(),
                message,
            };
            let context = Context {
                scope: &stored_table.scope,
            };
            let definition = Input::parse(stored_table.definition.as_bytes())
                .and_then(|input| TableDefinition::from_input(&input, &context.arn_prefix()))
                .map_err(|error| fail(error.to_string()))?;
            let mut table = Table::new(definition);
            for text in &stored_table.items {
                let json: Json =
                    serde_json::from_str(text).map_err(|error| fail(error.to_string()))?;
                let item = item_from_json(&json).map_err(|error| fail(error.to_string()))?;
                let key = table
                    .definition
                    .key
                    .key_of_item(&item)
                    .map_err(|error| fail(error.to_string()))?;
                table.put(key, item);
            }
            regions
                .entry(stored_table.scope.clone())
                .or_default()
                .tables
                .insert(stored_table.name.clone(), table);
        }
        Ok(Self {
            regions: Regional::new(regions),
            store,
            inspector: std::sync::OnceLock::new(),
        })
    }

    /// Reports every item change (put, update, delete) to `inspector` from now on.
    pub fn set_inspector(&self, inspector: Arc<crate::inspect::Inspector>) {
        let _ = self.inspector.set(inspector);
    }

    /// Tells the inspector what `operation` changed: each item written (its new image) or
    /// deleted (its key). The key and item go as the DynamoDB JSON text the store keeps, not
    /// parsed again: this runs on every write.
    fn report_changes(&self, scope: &Scope, operation: &str, mutations: &[Mutation]) {
        let Some(inspector) = self.inspector.get() else {
            return;
        };
        for mutation in mutations {
            let (table, key, item) = match mutation {
                Mutation::PutItem {
                    table, key, item, ..
                } => (table, key, Some(item)),
                Mutation::DeleteItem { table, key, .. } => (table, key, None),
                _ => continue,
            };
            inspector.record(serde_json::json!({
                "service": "dynamodb",
                "kind": "item-change",
                "region": scope.region,
                "operation": operation,
                "table": table,
                "key": key,
                "item": item,
            }));
        }
    }

    /// Runs one operation; `operation` is the part of `X-Amz-Target` after the prefix.
    /// Every table of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let region = region
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        region
            .tables
            .values()
            .map(|table| {
                let tags = table.definition.tags.iter().cloned().collect();
                (table.definition.arn.clone(), tags)
            })
            .collect()
    }

    pub async fn handle(
        &self,
        scope: &Scope,
        operation: &str,
        body: &[u8],
    ) -> Result<Json, AwsError> {
        self.serve(scope, operation, body)
            .await
            .map_err(|error| error::as_reported_by(operation, error))
    }

    async fn serve(&self, scope: &Scope, operation: &str, body: &[u8]) -> Result<Json, AwsError> {
        let input = Input::parse(body)?;
        let context = Context { scope };
        let region = self.regions.get(scope);
        let read = || {
            region
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let output = match operation {
            "DescribeTable" => return api::tables::describe_table(&read().tables, &input),
            "ListTables" => return api::tables::list_tables(&read().tables, &input),
            "DescribeTimeToLive" => {
                return api::tables::describe_time_to_live(&read().tables, &input);
            }
            "GetItem" => return api::items::get_item(&read().tables, &input),
            "Query" => return api::read::query(&read().tables, &input),
            "Scan" => return api::read::scan(&read().tables, &input),
            "BatchGetItem" => return api::batch::batch_get_item(&read().tables, &input),
            "TransactGetItems" => return api::transact::transact_get_items(&read().tables, &input),
            _ => {
                let mut guard = region
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let Region { tables, tokens } = &mut *guard;
                let (output, mutations) = match operation {
                    "CreateTable" => api::tables::create_table(&context, tables, &input)?,
                    "DeleteTable" => api::tables::delete_table(&context, tables, &input)?,
                    "UpdateTable" => api::tables::update_table(&context, tables, &input)?,
                    "TagResource" => api::tables::tag_resource(&context, tables, &input)?,
                    "UntagResource" => api::tables::untag_resource(&context, tables, &input)?,
                    "ListTagsOfResource" => (
                        api::tables::list_tags_of_resource(tables, &input)?,
                        Vec::new(),
                    ),
                    "UpdateTimeToLive" => {
                        api::tables::update_time_to_live(&context, tables, &input)?
                    }
                    "PutItem" => api::items::put_item(&context, tables, &input)?,
                    "UpdateItem" => api::items::update_item(&context, tables, &input)?,
                    "DeleteItem" => api::items::delete_item(&context, tables, &input)?,
                    "BatchWriteItem" => api::batch::batch_write_item(&context, tables, &input)?,
                    "TransactWriteItems" => {
                        api::transact::transact_write_items(&context, tables, tokens, &input)?
                    }
                    unknown => {
                        return Err(AwsError::unknown_operation(&format!(
                            "{TARGET_PREFIX}{unknown}"
                        )));
                    }
                };
                // Queue the change while still holding the lock, so the store commits changes in
                // the order memory saw them; wait for the commit after releasing it.
                self.report_changes(scope, operation, &mutations);
                let commit = (!mutations.is_empty()).then(|| self.store.submit(mutations));
                drop(guard);
                (output, commit)
            }
        };
        let (output, commit) = output;
        if let Some(commit) = commit {
            commit.durable().await.map_err(|error| {
                error::internal(format!("The change could not be saved: {error}"))
            })?;
        }
        Ok(output)
    }

    /// Deletes the items whose time-to-live attribute lies in the past (epoch seconds), as
    /// DynamoDB's background expiry does; values more than five years old are ignored, as there.
    pub async fn expire_items(&self, now: f64) -> usize {
        const FIVE_YEARS: f64 = 5.0 * 365.0 * 24.0 * 3600.0;
        let regions = self.regions.all();
        let mut expired = 0;
        for (scope, region) in regions {
            let commit = {
                let mut region = region
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let context = Context { scope: &scope };
                let mut mutations: Vec<Mutation> = Vec::new();
                for table in region.tables.values_mut() {
                    let Some(attribute) = table.definition.ttl_attribute.clone() else {
                        continue;
                    };
                    let due: Vec<_> = table
                        .items
                        .iter()
                        .filter(|(_, item)| match item.get(&attribute) {
                            Some(Value::N(n)) => n
                                .to_string()
                                .parse::<f64>()
                                .is_ok_and(|at| at < now && at > now - FIVE_YEARS),
                            _ => false,
                        })
                        .map(|(key, _)| key.clone())
                        .collect();
                    for key in due {
                        mutations.push(api::delete_mutation(&context, table, &key));
                        table.remove(&key);
                        expired += 1;
                    }
                }
                (!mutations.is_empty()).then(|| self.store.submit(mutations))
            };
            if let Some(commit) = commit
                && let Err(error) = commit.durable().await
            {
                tracing::error!(%error, "saving expired items failed");
            }
        }
        expired
    }
}

/// DescribeEndpoints: the one endpoint, the sandbox itself at the `host` (name and port) the
/// client reached, cached as long as AWS says to cache its own.
pub fn describe_endpoints(host: &str) -> Json {
    serde_json::json!({"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]})
}
