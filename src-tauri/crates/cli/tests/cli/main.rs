//! The `lab` binary as a user runs it.

mod sandbox;

use std::process::Command;

fn lab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .output()
        .expect("the lab binary runs")
}

#[test]
fn version_prints_the_package_version() {
    let output = lab(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("lab {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_describes_the_tool() {
    let output = lab(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Serverless Lab"), "{text}");
    assert!(text.contains("Usage: lab"), "{text}");
    assert!(text.contains("sandbox"), "{text}");
}

#[test]
fn unknown_subcommand_fails_with_a_usage_error() {
    let output = lab(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("error:"), "{text}");
}

#[test]
fn functions_lists_each_with_its_package() {
    let output = lab(&["functions"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("crud  LambdaCRUD"), "{text}");
    assert!(text.contains("ddb-manager  DynamoDBManager"), "{text}");
    assert!(text.contains("package: "), "{text}");
}

#[test]
fn a_missing_package_says_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .arg("functions")
        .env("SERVERLESS_LAB_LAMBDA_DIR", empty.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let expected = format!(
        "package: the Lambda function \"crud\" is not built (no crud/bootstrap.zip in {}): \
         run `make lambdas`",
        empty.path().display()
    );
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn functions_prints_a_function_s_sources() {
    let output = lab(&["functions", "crud", "--files"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines()
            .any(|line| line == "lambda/crud/src/handler.rs"),
        "{text}"
    );
    let output = lab(&["functions", "crud"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("// ── lambda/crud/src/main.rs ──"), "{text}");
    assert!(text.contains("lambda_runtime::run"), "{text}");
    let output = lab(&["functions", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("there is no Lambda function \"nope\""),
        "{text}"
    );
}

#[test]
fn sandbox_refuses_non_loopback_addresses_unless_told() {
    let output = lab(&["sandbox", "--listen", "0.0.0.0:0", "--in-memory"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("only listens on loopback"), "{text}");
}
