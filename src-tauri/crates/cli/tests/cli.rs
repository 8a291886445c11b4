//! The `lab` binary as a user runs it.

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
}

#[test]
fn unknown_subcommand_fails_with_a_usage_error() {
    let output = lab(&["run", "crud-http-api"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("error:"), "{text}");
}
