//! `lab sandbox` as a process: the ready line, a clean stop on SIGTERM, and no acknowledged write
//! lost when the process is killed with SIGKILL.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

use lab_testkit::sandbox_client as client;

/// A `lab sandbox` process and the endpoint it announced.
/// `lab sandbox` running as a child process, stopped when dropped.
pub struct SandboxProcess {
    child: Child,
    pub endpoint: String,
}

impl SandboxProcess {
    pub fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("lab sandbox starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("lab sandbox prints its ready line");
        // Stop reading: the sandbox must go on serving with nobody at the other end of its pipe.
        drop(stdout);
        let endpoint = line
            .trim()
            .strip_prefix("sandbox ready at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
        Self { child, endpoint }
    }

    fn client(&self) -> Client {
        client!(aws_sdk_dynamodb, &self.endpoint)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    fn wait(mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for lab sandbox") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "lab sandbox did not exit in {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn create_table(client: &Client) {
    client
        .create_table()
        .table_name("writes")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("a valid definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("a valid key"),
        )
        .send()
        .await
        .expect("the table is created");
}

async fn all_ids(client: &Client) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name("writes")
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan works");
        for item in page.items() {
            if let Some(AttributeValue::S(id)) = item.get("id") {
                ids.insert(id.clone());
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return ids;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stops_cleanly_on_sigterm_and_keeps_its_state() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sandbox = SandboxProcess::start(dir.path());
    let client = sandbox.client();
    create_table(&client).await;
    client
        .put_item()
        .table_name("writes")
        .item("id", AttributeValue::S("kept".into()))
        .send()
        .await
        .expect("the write is acknowledged");
    sandbox.signal("TERM");
    let status = sandbox.wait(Duration::from_secs(10));
    assert!(status.success(), "exit status {status}");

    let sandbox = SandboxProcess::start(dir.path());
    assert_eq!(
        all_ids(&sandbox.client()).await,
        HashSet::from(["kept".to_owned()])
    );
    sandbox.signal("INT");
    assert!(sandbox.wait(Duration::from_secs(10)).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_write_is_lost_to_kill_9() {
    const WRITERS: usize = 8;
    const MAX_WRITES: usize = 4_000;
    const WRITE_FOR: Duration = Duration::from_millis(1500);

    let dir = tempfile::tempdir().expect("a temporary directory");
    let sandbox = SandboxProcess::start(dir.path());
    let client = sandbox.client();
    create_table(&client).await;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + WRITE_FOR;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let client = client.clone();
        let acknowledged = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..MAX_WRITES / WRITERS {
                if Instant::now() >= deadline {
                    break;
                }
                let id = format!("w{writer}-{i}");
                let result = client
                    .put_item()
                    .table_name("writes")
                    .item("id", AttributeValue::S(id.clone()))
                    .item("payload", AttributeValue::S("x".repeat(200)))
                    .send()
                    .await;
                match result {
                    Ok(_) => acknowledged.lock().expect("not poisoned").push(id),
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill the process while the writers are still writing.
    tokio::time::sleep(WRITE_FOR / 2).await;
    let mut sandbox = sandbox;
    sandbox.child.kill().expect("SIGKILL is delivered");
    sandbox.child.wait().expect("the process is reaped");
    for writer in writers {
        writer.await.expect("the writer task finishes");
    }
    let acknowledged: Vec<String> = acknowledged.lock().expect("not poisoned").clone();
    assert!(
        acknowledged.len() > 50,
        "enough writes were acknowledged before the kill to mean something ({})",
        acknowledged.len()
    );
    drop(sandbox);

    let restarted = SandboxProcess::start(dir.path());
    let stored = all_ids(&restarted.client()).await;
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes were lost, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_processes_die_with_a_killed_sandbox() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sandbox = SandboxProcess::start(dir.path());
    let lambda = client!(aws_sdk_lambda, &sandbox.endpoint);
    let zip = lab_sandbox::lambda::package::zip_files(&[(
        "app.py",
        b"def handler(event, context):\n    return 'up'\n",
        0o644,
    )]);
    lambda
        .create_function()
        .function_name("orphan-check")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role("arn:aws:iam::000000000000:role/LabRole")
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .expect("the function is created");
    lambda
        .invoke()
        .function_name("orphan-check")
        .send()
        .await
        .expect("the function runs");
    let code = dir.path().join("lambda");
    assert_eq!(
        lab_sandbox::lambda::processes_under(&code).len(),
        1,
        "a warm environment is running"
    );

    sandbox.child.kill().expect("SIGKILL is delivered");
    sandbox.child.wait().expect("the process is reaped");
    let mut left = lab_sandbox::lambda::processes_under(&code);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        left = lab_sandbox::lambda::processes_under(&code);
    }
    assert!(
        left.is_empty(),
        "function processes outlived the sandbox: {left:?}"
    );
}

/// Another program holding the database's write lock past the store's patience makes a commit
/// fail: that client gets a 500, `lab sandbox` exits saying why, and a restart shows exactly what
/// was saved. (The sandbox's own tests show that nothing is served in between.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_stops_the_sandbox_and_a_restart_shows_what_was_saved() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sandbox = SandboxProcess::start(dir.path());
    let client = sandbox.client();
    // One attempt per call: the refusal itself is what is looked at.
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    );
    create_table(&client).await;
    let put = |id: &'static str| {
        client
            .put_item()
            .table_name("writes")
            .item("id", AttributeValue::S(id.into()))
            .send()
    };
    put("saved")
        .await
        .expect("a write before the lock is saved");

    let database = rusqlite::Connection::open(dir.path().join(lab_sandbox::store::DATABASE_FILE))
        .expect("the database opens");
    database
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("another program takes the write lock");
    let failed = put("unsaved").await.expect_err("the commit fails");
    let failed = failed.into_service_error();
    assert_eq!(
        aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&failed),
        Some("InternalServerError"),
        "{failed:?}"
    );
    let status = sandbox.wait(Duration::from_secs(10));
    assert!(
        !status.success(),
        "lab sandbox exits with an error: {status}"
    );
    database
        .execute_batch("ROLLBACK")
        .expect("the other program lets go");
    drop(database);

    let restarted = SandboxProcess::start(dir.path());
    let stored = all_ids(&restarted.client()).await;
    assert_eq!(stored, HashSet::from(["saved".to_owned()]));
}
