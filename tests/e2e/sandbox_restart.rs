//! The window survives its sandbox: the sandbox runs in a process of its own, and when that
//! process is killed the window stays open, says what happened, and the sandbox is serving again
//! on the same endpoint within seconds with everything it had saved.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::desktop::{Desktop, click, wait_for, wait_for_text};
use crate::setup_panel::{http_get, http_request};

const DYNAMODB_JSON: &str = "application/x-amz-json-1.0";

fn dynamodb(endpoint: &str, operation: &str, body: &str) -> Result<String> {
    let target = format!("DynamoDB_20120810.{operation}");
    http_request(
        endpoint,
        "POST",
        "/",
        &[("Content-Type", DYNAMODB_JSON), ("X-Amz-Target", &target)],
        body,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sandbox_is_started_again_and_the_window_says_so() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#show-app-info").await?;
    let pid = wait_for(client, "#app-sandbox-pid", 10)
        .await?
        .text()
        .await?;
    let target = wait_for(client, "#app-target", 5).await?.text().await?;
    let endpoint = target
        .strip_prefix("sandbox at ")
        .with_context(|| format!("the target is the sandbox, got {target:?}"))?
        .to_owned();
    let created = dynamodb(
        &endpoint,
        "CreateTable",
        r#"{"TableName":"survivor","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}"#,
    )?;
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");

    let killed = Command::new("kill").args(["-KILL", &pid]).status()?;
    assert!(killed.success(), "the sandbox process {pid} is killed");
    let killed_at = Instant::now();

    let notice = wait_for_text(client, "#sandbox-health", "started again").await?;
    eprintln!("the window says: {notice}");
    let back = loop {
        if let Ok(health) = http_get(&endpoint, "/_sandbox/health")
            && health.starts_with("HTTP/1.1 200")
        {
            break killed_at.elapsed();
        }
        if killed_at.elapsed() > Duration::from_secs(10) {
            bail!("the sandbox did not come back on {endpoint}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("serving again {back:?} after the kill");
    assert!(
        back < Duration::from_secs(3),
        "back within about 2 s, took {back:?}"
    );

    let tables = dynamodb(&endpoint, "ListTables", "{}")?;
    assert!(
        tables.contains("survivor"),
        "what was saved is back: {tables}"
    );
    click(client, "#show-app-info").await?;
    let new_pid = wait_for(client, "#app-sandbox-pid", 10)
        .await?
        .text()
        .await?;
    assert_ne!(new_pid, pid, "a new process serves");
    desktop.screenshot("sandbox-restarted.png").await?;
    desktop.close().await
}
