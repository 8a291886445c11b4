//! Lesson 1 against a real AWS account — opt-in, since it creates (and removes) real resources:
//! `make test-aws` with AWS credentials (an AWS Academy Learner Lab, `LabRole` present) runs it.

use std::process::{Command, Output};

fn lab(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .args(["--target", "aws", "--yes"])
        .env("SERVERLESS_LAB_DATA_DIR", data)
        .output()
        .expect("lab runs")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "creates real AWS resources: run with `make test-aws` (TEST_TARGET=aws)"]
fn lesson_one_on_a_real_account_runs_and_tears_down() {
    assert_eq!(
        std::env::var("TEST_TARGET").as_deref(),
        Ok("aws"),
        "set TEST_TARGET=aws to confirm this may use the AWS account"
    );
    let data = tempfile::tempdir().unwrap();
    let ran = lab(data.path(), &["run", "crud-http-api"]);
    // Tear down whatever happened, then judge the run.
    let removed = lab(data.path(), &["teardown"]);
    let ran = succeeded(&ran);
    assert!(ran.contains("answers 200"), "{ran}");
    let removed = succeeded(&removed);
    assert!(
        removed.contains("Verified: nothing of the lab is left on aws."),
        "{removed}"
    );
}
