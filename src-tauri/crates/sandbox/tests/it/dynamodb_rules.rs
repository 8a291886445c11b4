//! DynamoDB's rules through boto3. `dynamodb_rules.py` holds the validation rules (secondary
//! index keys, key sizes, CreateTable's key types and local indexes, `Select`, the prefixed
//! messages, `<>` on missing attributes, tables named by ARN); `dynamodb_semantics.py` what the
//! operations mean (set equality, function operands, update paths, the legacy parameters, key
//! conditions, consumed capacity, UpdateTable's index rules, tags, time to live). Each prints
//! every rule the sandbox breaks.

use crate::fixture::Sandbox;
use crate::outside_clients::run;

/// Runs one of the rule scripts beside this file against a fresh sandbox.
async fn rules_hold(script: &str) {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let home = tempfile::tempdir().expect("a temporary directory");
    let script = format!("{}/tests/it/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = run(
        tools.join("bin/python3"),
        &[script.as_str(), &sandbox.running.endpoint()],
        home.path(),
    );
    assert!(
        output.status.success(),
        "rules broken:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_meets_dynamodbs_validation_rules() {
    rules_hold("dynamodb_rules.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_meets_dynamodbs_semantics() {
    rules_hold("dynamodb_semantics.py").await;
}
