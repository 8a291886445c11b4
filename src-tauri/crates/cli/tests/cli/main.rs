//! The `lab` binary as a user runs it.
#![allow(clippy::unwrap_used)]

mod browser;
mod cognito_browser;
mod control_plane;
mod describe;
mod identity_lessons;
mod lesson_cli;
mod lesson_pages;
mod lesson_run;
mod load;
mod real_aws;
mod rest_lessons;
mod sandbox;
mod traffic;
mod web;

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
fn lessons_lists_the_shipped_lessons() {
    let output = lab(&["lessons"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("crud-http-api  A CRUD API"), "{text}");
    assert!(text.contains("16 steps."), "{text}");
}

#[test]
fn a_lesson_shows_its_steps_with_their_cli_commands() {
    let output = lab(&["lessons", "crud-http-api"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("1. Create the table  [table]"), "{text}");
    assert!(
        text.contains("    aws dynamodb create-table \\\n      --table-name ccbda-lambda-first"),
        "{text}"
    );
    assert!(
        text.contains("--integration-uri \"${LAMBDA_ARN}\""),
        "{text}"
    );
    assert!(text.contains("--route-key 'OPTIONS /'"), "{text}");
    assert!(
        text.contains("--zip-file fileb://target/lambda/crud/bootstrap.zip"),
        "{text}"
    );
    assert!(text.contains("→ URL = ${API_ENDPOINT}/prod/"), "{text}");
    assert!(text.contains("Q811: Assess"), "{text}");
    let output = lab(&["lessons", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "there is no lesson \"nope\" (there are: crud-http-api, dynamodb-manager, websocket-api)"
    ));
}

#[test]
fn broken_lessons_are_reported_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("broken")).unwrap();
    let lesson = "# Broken\n\n```lesson\nid = \"broken\"\nsummary = \"s\"\n```\n\n## One\n\n```step\nid = \"one\"\naction = \"sqs.create-queue\"\n```\n";
    std::fs::write(dir.path().join("broken/lesson.md"), lesson).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["lessons", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "1 problem in the lessons:\n  {}:10: step \"one\": unknown action \"sqs.create-queue\"",
        dir.path().join("broken/lesson.md").display()
    );
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn credentials_without_a_keychain_say_what_to_do_instead() {
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["credentials", "show"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("the OS keychain is not available"), "{text}");
    assert!(text.contains("~/.aws/credentials"), "{text}");
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
