//! The store's rows: each [`Mutation`] as the statements that make it durable, and what a
//! start reads back (tables, log groups with their streams, the services' definitions).

use rusqlite::{Connection, params};

use super::{
    Mutation, Scope, StoreError, StoredDefinition, StoredInBucket, StoredLogGroup, StoredLogStream,
    StoredTable,
};

pub(super) fn apply(connection: &Connection, mutation: &Mutation) -> rusqlite::Result<()> {
    match mutation {
        Mutation::DeleteTable { scope, name } => {
            connection
                .prepare_cached(
                    "DELETE FROM dynamodb_items WHERE account = ?1 AND region = ?2 AND table_name = ?3",
                )?
                .execute(params![scope.account, scope.region, name])?;
            connection
                .prepare_cached(
                    "DELETE FROM dynamodb_tables WHERE account = ?1 AND region = ?2 AND name = ?3",
                )?
                .execute(params![scope.account, scope.region, name])?;
        }
        Mutation::PutLogGroup {
            scope,
            name,
            definition,
        } => {
            connection
                .prepare_cached(
                    "INSERT INTO logs_groups (account, region, name, definition) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (account, region, name) DO UPDATE SET definition = excluded.definition",
                )?
                .execute(params![scope.account, scope.region, name, definition])?;
        }
        Mutation::DeleteLogGroup { scope, name } => {
            for table in ["logs_events", "logs_streams"] {
                connection
                    .prepare_cached(&format!(
                        "DELETE FROM {table} WHERE account = ?1 AND region = ?2 AND log_group = ?3"
                    ))?
                    .execute(params![scope.account, scope.region, name])?;
            }
            connection
                .prepare_cached(
                    "DELETE FROM logs_groups WHERE account = ?1 AND region = ?2 AND name = ?3",
                )?
                .execute(params![scope.account, scope.region, name])?;
        }
        Mutation::PutLogStream {
            scope,
            group,
            name,
            created,
        } => {
            connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO logs_streams (account, region, log_group, name, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![scope.account, scope.region, group, name, created])?;
        }
        Mutation::DeleteLogStream { scope, group, name } => {
            connection
                .prepare_cached(
                    "DELETE FROM logs_events WHERE account = ?1 AND region = ?2 AND log_group = ?3 AND stream = ?4",
                )?
                .execute(params![scope.account, scope.region, group, name])?;
            connection
                .prepare_cached(
                    "DELETE FROM logs_streams WHERE account = ?1 AND region = ?2 AND log_group = ?3 AND name = ?4",
                )?
                .execute(params![scope.account, scope.region, group, name])?;
        }
        Mutation::PutFunction {
            scope,
            name,
            definition,
        } => put_definition(
            connection,
            "lambda_functions",
            &scope.account,
            &scope.region,
            name,
            definition,
        )?,
        Mutation::PutApi {
            scope,
            id,
            definition,
        } => put_definition(
            connection,
            "apigw_apis",
            &scope.account,
            &scope.region,
            id,
            definition,
        )?,
        Mutation::DeleteApi { scope, id } => {
            delete_definition(connection, "apigw_apis", &scope.account, &scope.region, id)?;
        }
        Mutation::PutRestApi {
            scope,
            id,
            definition,
        } => put_definition(
            connection,
            "apigw_rest_apis",
            &scope.account,
            &scope.region,
            id,
            definition,
        )?,
        Mutation::DeleteRestApi { scope, id } => {
            delete_definition(
                connection,
                "apigw_rest_apis",
                &scope.account,
                &scope.region,
                id,
            )?;
        }
        Mutation::PutRestUsage {
            scope,
            id,
            definition,
        } => put_definition(
            connection,
            "apigw_rest_usage",
            &scope.account,
            &scope.region,
            id,
            definition,
        )?,
        Mutation::DeleteRestUsage { scope, id } => {
            delete_definition(
                connection,
                "apigw_rest_usage",
                &scope.account,
                &scope.region,
                id,
            )?;
        }
        Mutation::DeleteFunction { scope, name } => {
            delete_definition(
                connection,
                "lambda_functions",
                &scope.account,
                &scope.region,
                name,
            )?;
        }
        Mutation::PutUserPool {
            scope,
            id,
            definition,
        } => put_definition(
            connection,
            "cognito_pools",
            &scope.account,
            &scope.region,
            id,
            definition,
        )?,
        Mutation::DeleteUserPool { scope, id } => {
            // By prefix, not LIKE: a pool id holds `_`, LIKE's wildcard.
            let prefix = format!("{id}/");
            connection
                .prepare_cached(
                    "DELETE FROM cognito_users WHERE account = ?1 AND region = ?2
                     AND substr(name, 1, length(?3)) = ?3",
                )?
                .execute(params![scope.account, scope.region, prefix])?;
            delete_definition(
                connection,
                "cognito_pools",
                &scope.account,
                &scope.region,
                id,
            )?;
        }
        Mutation::PutPoolUser {
            scope,
            key,
            definition,
        } => put_definition(
            connection,
            "cognito_users",
            &scope.account,
            &scope.region,
            key,
            definition,
        )?,
        Mutation::DeletePoolUser { scope, key } => {
            delete_definition(
                connection,
                "cognito_users",
                &scope.account,
                &scope.region,
                key,
            )?;
        }
        Mutation::PutRole {
            account,
            name,
            definition,
        } => put_definition(connection, "iam_roles", account, GLOBAL, name, definition)?,
        Mutation::DeleteRole { account, name } => {
            delete_definition(connection, "iam_roles", account, GLOBAL, name)?;
        }
        Mutation::PutIamUser {
            account,
            name,
            definition,
        } => put_definition(connection, "iam_users", account, GLOBAL, name, definition)?,
        Mutation::DeleteIamUser { account, name } => {
            delete_definition(connection, "iam_users", account, GLOBAL, name)?;
        }
        Mutation::PutBucket {
            scope,
            name,
            definition,
        } => put_definition(
            connection,
            "s3_buckets",
            &scope.account,
            &scope.region,
            name,
            definition,
        )?,
        Mutation::DeleteBucket { scope, name } => {
            for table in ["s3_objects", "s3_uploads"] {
                connection
                    .prepare_cached(&format!("DELETE FROM {table} WHERE bucket = ?1"))?
                    .execute(params![name])?;
            }
            delete_definition(
                connection,
                "s3_buckets",
                &scope.account,
                &scope.region,
                name,
            )?;
        }
        Mutation::PutObject {
            bucket,
            key,
            definition,
        } => put_in_bucket(connection, "s3_objects", "key", bucket, key, definition)?,
        Mutation::DeleteObject { bucket, key } => {
            delete_in_bucket(connection, "s3_objects", "key", bucket, key)?;
        }
        Mutation::PutUpload {
            bucket,
            id,
            definition,
        } => put_in_bucket(connection, "s3_uploads", "id", bucket, id, definition)?,
        Mutation::DeleteUpload { bucket, id } => {
            delete_in_bucket(connection, "s3_uploads", "id", bucket, id)?;
        }
        Mutation::AppendLogEvents {
            scope,
            group,
            stream,
            first_seq,
            events,
        } => {
            let mut insert = connection.prepare_cached(
                "INSERT OR REPLACE INTO logs_events (account, region, log_group, stream, seq, timestamp, ingestion, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (offset, event) in events.iter().enumerate() {
                insert.execute(params![
                    scope.account,
                    scope.region,
                    group,
                    stream,
                    first_seq + offset as i64,
                    event.timestamp,
                    event.ingestion,
                    event.message
                ])?;
            }
        }
    }
    Ok(())
}

/// Every row of a `(account, region, name, definition)` table.
pub(super) fn load_definitions(
    connection: &Connection,
    table: &str,
) -> Result<Vec<StoredDefinition>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT account, region, name, definition FROM {table} ORDER BY account, region, name"
        ))
        .map_err(StoreError::Read)?;
    rows(&mut statement, [], |row| {
        Ok(StoredDefinition {
            scope: Scope {
                account: row.get(0)?,
                region: row.get(1)?,
            },
            name: row.get(2)?,
            definition: row.get(3)?,
        })
    })
}

/// The rows of an S3 table kept by bucket (`s3_objects` by `key`, `s3_uploads` by `id`).
pub(super) fn load_in_bucket(
    connection: &Connection,
    table: &str,
    name_column: &str,
) -> Result<Vec<StoredInBucket>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT bucket, {name_column}, definition FROM {table} ORDER BY bucket, {name_column}"
        ))
        .map_err(StoreError::Read)?;
    rows(&mut statement, [], |row| {
        Ok(StoredInBucket {
            bucket: row.get(0)?,
            name: row.get(1)?,
            definition: row.get(2)?,
        })
    })
}

/// Every row `statement` returns for `parameters`, mapped by `map`.
fn rows<T>(
    statement: &mut rusqlite::CachedStatement<'_>,
    parameters: impl rusqlite::Params,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    statement
        .query_map(parameters, map)
        .map_err(StoreError::Read)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::Read)
}

pub(super) fn load_logs(connection: &Connection) -> Result<Vec<StoredLogGroup>, StoreError> {
    let mut streams = connection
        .prepare_cached(
            "SELECT s.name, s.created,
                    (SELECT count(*) FROM logs_events e WHERE e.account = s.account AND e.region = s.region
                         AND e.log_group = s.log_group AND e.stream = s.name),
                    (SELECT coalesce(sum(length(CAST(e.message AS BLOB))), 0) FROM logs_events e
                         WHERE e.account = s.account AND e.region = s.region
                         AND e.log_group = s.log_group AND e.stream = s.name),
                    (SELECT e.timestamp FROM logs_events e WHERE e.account = s.account AND e.region = s.region
                         AND e.log_group = s.log_group AND e.stream = s.name ORDER BY e.seq LIMIT 1),
                    (SELECT e.timestamp FROM logs_events e WHERE e.account = s.account AND e.region = s.region
                         AND e.log_group = s.log_group AND e.stream = s.name ORDER BY e.seq DESC LIMIT 1),
                    (SELECT e.ingestion FROM logs_events e WHERE e.account = s.account AND e.region = s.region
                         AND e.log_group = s.log_group AND e.stream = s.name ORDER BY e.seq DESC LIMIT 1)
             FROM logs_streams s WHERE s.account = ?1 AND s.region = ?2 AND s.log_group = ?3 ORDER BY s.name",
        )
        .map_err(StoreError::Read)?;
    let mut groups = Vec::new();
    for group in load_definitions(connection, "logs_groups")? {
        let (account, region, name) = (&group.scope.account, &group.scope.region, &group.name);
        let loaded = rows(&mut streams, params![account, region, name], |row| {
            let last: Option<i64> = row.get(5)?;
            let last_ingestion: Option<i64> = row.get(6)?;
            Ok(StoredLogStream {
                name: row.get(0)?,
                created: row.get(1)?,
                count: row.get(2)?,
                bytes: row.get(3)?,
                first_timestamp: row.get(4)?,
                last: last.zip(last_ingestion),
            })
        })?;
        groups.push(StoredLogGroup {
            scope: group.scope,
            name: group.name,
            definition: group.definition,
            streams: loaded,
        });
    }
    Ok(groups)
}

pub(super) fn load(connection: &Connection) -> Result<Vec<StoredTable>, StoreError> {
    let mut items = connection
        .prepare_cached(
            "SELECT item FROM dynamodb_items WHERE account = ?1 AND region = ?2 AND table_name = ?3",
        )
        .map_err(StoreError::Read)?;
    let mut tables = Vec::new();
    for table in load_definitions(connection, "dynamodb_tables")? {
        let stored_items = rows(
            &mut items,
            params![table.scope.account, table.scope.region, table.name],
            |row| row.get::<_, String>(0),
        )?;
        tables.push(StoredTable {
            scope: table.scope,
            name: table.name,
            definition: table.definition,
            items: stored_items,
        });
    }
    Ok(tables)
}

/// The region IAM's rows are kept under: IAM is global.
const GLOBAL: &str = "aws-global";

/// Creates or replaces the definition `name` in `table` (one of the definition tables, named
/// by the store itself: never from a request).
fn put_definition(
    connection: &Connection,
    table: &'static str,
    account: &str,
    region: &str,
    name: &str,
    definition: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(&format!(
            "INSERT INTO {table} (account, region, name, definition) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, region, name) DO UPDATE SET definition = excluded.definition"
        ))?
        .execute(params![account, region, name, definition])?;
    Ok(())
}

/// Creates or replaces a row kept by bucket (`s3_objects` by `key`, `s3_uploads` by `id`).
fn put_in_bucket(
    connection: &Connection,
    table: &'static str,
    name_column: &'static str,
    bucket: &str,
    name: &str,
    definition: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(&format!(
            "INSERT INTO {table} (bucket, {name_column}, definition) VALUES (?1, ?2, ?3)
             ON CONFLICT (bucket, {name_column}) DO UPDATE SET definition = excluded.definition"
        ))?
        .execute(params![bucket, name, definition])?;
    Ok(())
}

fn delete_in_bucket(
    connection: &Connection,
    table: &'static str,
    name_column: &'static str,
    bucket: &str,
    name: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(&format!(
            "DELETE FROM {table} WHERE bucket = ?1 AND {name_column} = ?2"
        ))?
        .execute(params![bucket, name])?;
    Ok(())
}

fn delete_definition(
    connection: &Connection,
    table: &'static str,
    account: &str,
    region: &str,
    name: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(&format!(
            "DELETE FROM {table} WHERE account = ?1 AND region = ?2 AND name = ?3"
        ))?
        .execute(params![account, region, name])?;
    Ok(())
}
