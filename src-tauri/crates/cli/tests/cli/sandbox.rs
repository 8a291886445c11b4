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

/// `lab sandbox` running as a child process, stopped when dropped.
pub struct SandboxProcess {
    child: Child,
    pub endpoint: String,
}

impl SandboxProcess {
    pub fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    /// [`SandboxProcess::start`] with more options for `lab sandbox`.
    pub fn start_with(data_dir: &Path, options: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(options)
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

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL is delivered");
        self.child.wait().expect("the process is reaped");
    }

    fn signal(&self, name: &str) {
        assert!(kill(&[&format!("-{name}"), &self.child.id().to_string()]));
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

/// Runs kill(1) with `args`; whether it succeeded.
fn kill(args: &[&str]) -> bool {
    Command::new("kill")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .expect("kill runs")
        .success()
}

async fn create_function(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    runtime: aws_sdk_lambda::types::Runtime,
    files: &[(&str, &[u8], u32)],
) {
    let zip = lab_sandbox::lambda::package::zip_files(files);
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role("arn:aws:iam::000000000000:role/LabRole")
        .handler("app.handler")
        .timeout(30)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .expect("the function is created");
}

/// Waits until `count` processes run under `dir`, or fails saying what does.
async fn await_processes(dir: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let running = lab_sandbox::lambda::processes_under(dir);
        if running.len() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} processes under {}, found {running:?}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Neither a function's process nor anything it started outlives a killed sandbox: a handler's
/// `subprocess.Popen`, and a runtime started by a `bootstrap` shell script that does not `exec`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_processes_and_their_children_die_with_a_killed_sandbox() {
    use aws_sdk_lambda::types::Runtime;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sandbox = SandboxProcess::start(dir.path());
    let lambda = client!(aws_sdk_lambda, &sandbox.endpoint);
    create_function(
        &lambda,
        "spawns-a-child",
        Runtime::Python312,
        &[(
            "app.py",
            b"import subprocess\n\ndef handler(event, context):\n    subprocess.Popen(['sleep', '300'])\n    return 'up'\n",
            0o644,
        )],
    )
    .await;
    lambda
        .invoke()
        .function_name("spawns-a-child")
        .send()
        .await
        .expect("the function runs");
    create_function(
        &lambda,
        "shell-bootstrap",
        Runtime::Providedal2023,
        // The "runtime" the script starts without `exec` never answers: the test only needs it
        // running, a grandchild of the sandbox.
        &[("bootstrap", b"#!/bin/sh\nsleep 300\necho never\n", 0o755)],
    )
    .await;
    let pending = tokio::spawn({
        let lambda = lambda.clone();
        async move {
            lambda
                .invoke()
                .function_name("shell-bootstrap")
                .send()
                .await
        }
    });
    let code = dir.path().join("lambda");
    // The Python runtime and its `sleep`; the shell and its `sleep`.
    await_processes(&code, 4).await;

    sandbox.kill();
    pending.abort();
    let mut left = lab_sandbox::lambda::processes_under(&code);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = lab_sandbox::lambda::processes_under(&code);
    }
    assert!(
        left.is_empty(),
        "function processes outlived the sandbox: {left:?}"
    );
}

/// `lab run` and the app keep the sandbox in a supervised process: killed, it is started again
/// on the same endpoint and data directory, with what it had saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervised_sandbox_is_started_again_after_kill_9() {
    use lab_sandbox::supervisor::{ChildCommand, Health, Supervisor};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let supervised = Supervisor::start(ChildCommand {
        program: env!("CARGO_BIN_EXE_lab").into(),
        args: vec!["sandbox".into()],
        data_dir: dir.path().to_owned(),
    })
    .await
    .expect("the sandbox starts");
    let client = client!(aws_sdk_dynamodb, supervised.endpoint());
    create_table(&client).await;
    let mut health = supervised.health();
    let Health::Ready { pid, restarts: 0 } = health.borrow().clone() else {
        panic!("not ready at first: {:?}", health.borrow());
    };

    let killed = Instant::now();
    assert!(
        kill(&["-KILL", &pid.to_string()]),
        "the sandbox process is killed"
    );
    let restarted = tokio::time::timeout(
        Duration::from_secs(10),
        health.wait_for(|state| matches!(state, Health::Ready { restarts: 1, .. })),
    )
    .await
    .expect("restarted within 10 s")
    .expect("the supervisor keeps reporting")
    .clone();
    let Health::Ready { pid: new_pid, .. } = restarted else {
        unreachable!("waited for Ready");
    };
    assert_ne!(new_pid, pid);
    assert!(
        killed.elapsed() < Duration::from_secs(3),
        "back within about 2 s: {:?}",
        killed.elapsed()
    );
    let tables = client
        .list_tables()
        .send()
        .await
        .expect("the same endpoint serves again");
    assert_eq!(tables.table_names(), ["writes"]);
    supervised.stop().await;
    assert!(
        !kill(&["-0", &new_pid.to_string()]),
        "the stopped sandbox process is gone"
    );
}

/// Another program holding a database's write lock past the sandbox's patience makes a commit
/// fail, and that client gets a 500. DynamoDB's change is rolled back and the sandbox serves on;
/// a change of the shared store leaves memory ahead of disk, so `lab sandbox` exits saying why.
/// A restart shows exactly what was saved. (The sandbox's own tests show that nothing is served
/// in between.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_commits_roll_back_or_stop_the_sandbox_and_a_restart_shows_what_was_saved() {
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
    let lock = |file: &str| {
        let database =
            rusqlite::Connection::open(dir.path().join(file)).expect("the database opens");
        database
            .execute_batch("BEGIN EXCLUSIVE")
            .expect("another program takes the write lock");
        database
    };

    // DynamoDB's own database: the write is rolled back, and the sandbox serves on.
    let database = lock(lab_sandbox::dynamodb::storage::DATABASE_FILE);
    let failed = put("unsaved").await.expect_err("the commit fails");
    let failed = failed.into_service_error();
    assert_eq!(
        aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&failed),
        Some("InternalServerError"),
        "{failed:?}"
    );
    drop(database);
    put("after")
        .await
        .expect("writes work once the lock is gone");

    // The shared database: the sandbox stops, as memory is ahead of it.
    let database = lock(lab_sandbox::store::DATABASE_FILE);
    let logs = client!(aws_sdk_cloudwatchlogs, &sandbox.endpoint);
    logs.create_log_group()
        .log_group_name("unsaved")
        .send()
        .await
        .expect_err("the commit fails");
    let status = sandbox.wait(Duration::from_secs(10));
    assert!(
        !status.success(),
        "lab sandbox exits with an error: {status}"
    );
    drop(database);

    let restarted = SandboxProcess::start(dir.path());
    let stored = all_ids(&restarted.client()).await;
    assert_eq!(
        stored,
        HashSet::from(["saved".to_owned(), "after".to_owned()])
    );
    let groups = client!(aws_sdk_cloudwatchlogs, &restarted.endpoint)
        .describe_log_groups()
        .send()
        .await
        .expect("log groups are listed");
    assert!(groups.log_groups().is_empty(), "{groups:?}");
}

/// `--lambda-concurrency` sets the account's limit on concurrent executions (AWS Academy's 10
/// unless told), as GetAccountSettings reports it; a limit out of range is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_concurrency_limit_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let limit = |sandbox: &SandboxProcess| {
        let lambda = client!(aws_sdk_lambda, &sandbox.endpoint);
        async move {
            let settings = lambda.get_account_settings().send().await.unwrap();
            settings.account_limit().unwrap().concurrent_executions()
        }
    };
    let academy = SandboxProcess::start(dir.path());
    assert_eq!(limit(&academy).await, 10);
    drop(academy);
    let fresh = tempfile::tempdir().unwrap();
    let account = SandboxProcess::start_with(fresh.path(), &["--lambda-concurrency", "1000"]);
    assert_eq!(limit(&account).await, 1000);
    let refused = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["sandbox", "--in-memory", "--lambda-concurrency", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}
