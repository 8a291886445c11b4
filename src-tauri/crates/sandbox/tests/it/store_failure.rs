//! After a commit fails, memory holds a change that is not on disk; the sandbox serves nothing
//! from then on — every service refuses with 503 and says why, health too — so the change is
//! never read back, and the owner learns of it to restart from what was saved.

use std::time::Duration;

use crate::client::send;
use crate::fixture::{Sandbox, create_table, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_commit_nothing_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = sandbox.dynamodb();
    let client = aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    );
    create_table(&client, "things", "id", None).await;
    let database =
        rusqlite::Connection::open(dir.path().join(lab_sandbox::store::DATABASE_FILE)).unwrap();
    database.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let failed = client
        .put_item()
        .table_name("things")
        .item("id", s("unsaved"))
        .send()
        .await
        .expect_err("the commit fails")
        .into_service_error();
    assert_eq!(
        failed.meta().code(),
        Some("InternalServerError"),
        "{failed:?}"
    );
    let reason = tokio::time::timeout(Duration::from_secs(1), sandbox.running.failed())
        .await
        .expect("the owner learns of the failure");
    assert_eq!(reason, "database is locked");

    let refused = client
        .get_item()
        .table_name("things")
        .key("id", s("unsaved"))
        .send()
        .await
        .expect_err("the unsaved item is not read back")
        .into_service_error();
    assert_eq!(refused.meta().code(), Some("ServiceUnavailable"));
    assert_eq!(
        refused.meta().message(),
        Some(
            "The sandbox could not save a change to its database (database is locked), so it \
             serves nothing more: start it again to continue from what was saved."
        )
    );
    let endpoint = sandbox.running.endpoint();
    let health = send("GET", &format!("{endpoint}/_sandbox/health"), &[], "").await;
    assert_eq!(health.status, 503);
    assert_eq!(health.json()["status"], "failed");
    let lambda = send("GET", &format!("{endpoint}/2015-03-31/functions"), &[], "").await;
    assert_eq!(lambda.status, 503, "every service refuses: {}", lambda.body);

    database.execute_batch("ROLLBACK").unwrap();
    drop(database);
    sandbox.running.shutdown().await;
    let restarted = Sandbox::start_in(dir.path()).await;
    let item = restarted
        .dynamodb()
        .get_item()
        .table_name("things")
        .key("id", s("unsaved"))
        .send()
        .await
        .unwrap();
    assert_eq!(item.item, None, "what was not saved is gone");
}
