//! The database schema, as an ordered list of migrations embedded in the binary. The database's
//! `user_version` records how many have been applied; each runs once, in its own transaction.

use rusqlite::Connection;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: DynamoDB tables and items, per account and region.
    "CREATE TABLE dynamodb_tables (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;
     CREATE TABLE dynamodb_items (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         table_name TEXT NOT NULL,
         item_key   TEXT NOT NULL,
         item       TEXT NOT NULL,
         PRIMARY KEY (account, region, table_name, item_key)
     ) WITHOUT ROWID;",
    // 2: CloudWatch Logs groups, streams and events.
    "CREATE TABLE logs_groups (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;
     CREATE TABLE logs_streams (
         account   TEXT NOT NULL,
         region    TEXT NOT NULL,
         log_group TEXT NOT NULL,
         name      TEXT NOT NULL,
         created   INTEGER NOT NULL,
         PRIMARY KEY (account, region, log_group, name)
     ) WITHOUT ROWID;
     CREATE TABLE logs_events (
         account   TEXT NOT NULL,
         region    TEXT NOT NULL,
         log_group TEXT NOT NULL,
         stream    TEXT NOT NULL,
         seq       INTEGER NOT NULL,
         timestamp INTEGER NOT NULL,
         ingestion INTEGER NOT NULL,
         message   TEXT NOT NULL,
         PRIMARY KEY (account, region, log_group, stream, seq)
     ) WITHOUT ROWID;",
    // 3: Lambda functions (configuration, versions, aliases, policy); code stays in files.
    "CREATE TABLE lambda_functions (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // 4: API Gateway v2 APIs, each with its routes, integrations, stages and deployments.
    "CREATE TABLE apigw_apis (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // 5: IAM roles, each with its policies and tags; IAM is global, so the region is
    // `aws-global`.
    "CREATE TABLE iam_roles (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // 6: log events by time, for FilterLogEvents's pages across a group's streams.
    "CREATE INDEX logs_events_by_time
         ON logs_events (account, region, log_group, timestamp, stream, seq);",
    // 7: API Gateway v1 REST APIs, each with its resources, methods, deployments and stages.
    "CREATE TABLE apigw_rest_apis (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // 8: API Gateway v1 API keys (`key/{id}`) and usage plans (`plan/{id}`).
    "CREATE TABLE apigw_rest_usage (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // 9: Cognito user pools (settings, app clients, signing key) and their users, one row each
    // (`{poolId}/{username}`).
    "CREATE TABLE cognito_pools (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;
     CREATE TABLE cognito_users (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // IAM users, each with its access keys and policies; global like roles.
    "CREATE TABLE iam_users (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;",
    // S3: buckets (by owner and region), and objects and multipart uploads by bucket name —
    // bucket names are global. The bytes are files under `s3/blobs/`, named in the definitions.
    "CREATE TABLE s3_buckets (
         account    TEXT NOT NULL,
         region     TEXT NOT NULL,
         name       TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (account, region, name)
     ) WITHOUT ROWID;
     CREATE TABLE s3_objects (
         bucket     TEXT NOT NULL,
         key        TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (bucket, key)
     ) WITHOUT ROWID;
     CREATE TABLE s3_uploads (
         bucket     TEXT NOT NULL,
         id         TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (bucket, id)
     ) WITHOUT ROWID;",
];

pub fn apply(connection: &Connection) -> Result<(), StoreError> {
    let applied: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(StoreError::Read)?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let version = index + 1;
        let migrate = |source| StoreError::Migrate { version, source };
        connection
            .execute_batch(&format!(
                "BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;"
            ))
            .map_err(migrate)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once() {
        let connection = Connection::open_in_memory().unwrap();
        apply(&connection).unwrap();
        apply(&connection).unwrap();
        let version: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }
}
