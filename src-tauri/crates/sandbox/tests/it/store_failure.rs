//! What a commit that cannot be written does. DynamoDB's changes run in transactions of their
//! own: a failed one is rolled back whole, the request answers 500, and the sandbox serves on
//! without it. The other services' changes sit in memory ahead of disk until committed: after
//! such a commit fails the sandbox serves nothing from then on — every service refuses with 503
//! and says why, health too — so the change is never read back, and the owner learns of it to
//! restart from what was saved.

use std::time::Duration;

use crate::client::send;
use crate::fixture::{Sandbox, create_table, s};

fn without_retries(client: aws_sdk_dynamodb::Client) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamodb_write_that_cannot_be_saved_is_rolled_back_and_the_sandbox_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = without_retries(sandbox.dynamodb());
    create_table(&client, "things", "id", None).await;
    let database = rusqlite::Connection::open(
        dir.path()
            .join(lab_sandbox::dynamodb::storage::DATABASE_FILE),
    )
    .unwrap();
    database.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let failed = client
        .put_item()
        .table_name("things")
        .item("id", s("unsaved"))
        .send()
        .await
        .expect_err("the write cannot be saved")
        .into_service_error();
    assert_eq!(
        failed.meta().code(),
        Some("InternalServerError"),
        "{failed:?}"
    );
    assert!(
        failed
            .meta()
            .message()
            .is_some_and(|message| message.contains("database is locked")),
        "{failed:?}"
    );
    database.execute_batch("ROLLBACK").unwrap();

    let read = client
        .get_item()
        .table_name("things")
        .key("id", s("unsaved"))
        .send()
        .await
        .expect("the sandbox still serves");
    assert_eq!(read.item, None, "the failed write left nothing behind");
    let described = client
        .describe_table()
        .table_name("things")
        .send()
        .await
        .unwrap();
    assert_eq!(described.table.unwrap().item_count, Some(0));
    client
        .put_item()
        .table_name("things")
        .item("id", s("saved"))
        .send()
        .await
        .expect("writes work again once the database is free");
    let endpoint = sandbox.running.endpoint();
    let health = send("GET", &format!("{endpoint}/_sandbox/health"), &[], "").await;
    assert_eq!(health.status, 200, "{}", health.body);

    drop(database);
    sandbox.running.shutdown().await;
    let restarted = Sandbox::start_in(dir.path()).await;
    let client = restarted.dynamodb();
    for (id, expected) in [("unsaved", false), ("saved", true)] {
        let item = client
            .get_item()
            .table_name("things")
            .key("id", s(id))
            .send()
            .await
            .unwrap();
        assert_eq!(item.item.is_some(), expected, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_commit_of_the_shared_store_nothing_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = without_retries(sandbox.dynamodb());
    create_table(&client, "things", "id", None).await;
    let database =
        rusqlite::Connection::open(dir.path().join(lab_sandbox::store::DATABASE_FILE)).unwrap();
    database.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let endpoint = sandbox.running.endpoint();
    let logs = sandbox.logs();
    // Answered 500 (and 503 to the client's retries).
    logs.create_log_group()
        .log_group_name("unsaved")
        .send()
        .await
        .expect_err("the commit fails");
    let reason = tokio::time::timeout(Duration::from_secs(1), sandbox.running.failed())
        .await
        .expect("the owner learns of the failure");
    assert_eq!(reason, "database is locked");

    let refused = client
        .get_item()
        .table_name("things")
        .key("id", s("anything"))
        .send()
        .await
        .expect_err("nothing is served")
        .into_service_error();
    assert_eq!(refused.meta().code(), Some("ServiceUnavailable"));
    assert_eq!(
        refused.meta().message(),
        Some(
            "The sandbox could not save a change to its database (database is locked), so it \
             serves nothing more: start it again to continue from what was saved."
        )
    );
    let health = send("GET", &format!("{endpoint}/_sandbox/health"), &[], "").await;
    assert_eq!(health.status, 503);
    assert_eq!(health.json()["status"], "failed");
    let lambda = send("GET", &format!("{endpoint}/2015-03-31/functions"), &[], "").await;
    assert_eq!(lambda.status, 503, "every service refuses: {}", lambda.body);

    database.execute_batch("ROLLBACK").unwrap();
    drop(database);
    sandbox.running.shutdown().await;
    let restarted = Sandbox::start_in(dir.path()).await;
    let groups = restarted.logs().describe_log_groups().send().await.unwrap();
    assert!(
        groups
            .log_groups()
            .iter()
            .all(|group| group.log_group_name() != Some("unsaved")),
        "what was not saved is gone"
    );
}
