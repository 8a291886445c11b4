//! DynamoDB's validation rules through boto3: secondary index keys, key sizes, CreateTable's
//! key types and local indexes, `Select`, the item writes' and Query's prefixed messages, `<>`
//! on missing attributes, tables named by ARN. The cases are in `dynamodb_rules.py`, which
//! prints every rule the sandbox breaks.

use crate::fixture::Sandbox;
use crate::outside_clients::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_meets_dynamodbs_validation_rules() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let home = tempfile::tempdir().expect("a temporary directory");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/dynamodb_rules.py");
    let output = run(
        tools.join("bin/python3"),
        &[script, &sandbox.running.endpoint()],
        home.path(),
    );
    assert!(
        output.status.success(),
        "rules broken:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
