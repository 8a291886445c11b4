//! The zips `make lambdas` builds for AWS (cargo-lambda, zig, an old glibc): loadable on
//! Amazon Linux 2023, and running in the sandbox too.

use lab_functions::{Artifacts, Function};
use serde_json::json;

use crate::fixture::{Sandbox, send};

/// Amazon Linux 2023, the OS of `provided.al2023`, ships glibc 2.34.
const AL2023_GLIBC: (u32, u32) = (2, 34);

fn packages() -> Vec<(Function, lab_functions::Package)> {
    let artifacts = Artifacts::discover();
    // Python functions are their sources: nothing is built for them.
    Function::all()
        .filter(|function| !function.is_python())
        .map(|function| {
            let package = artifacts
                .load(function.name())
                .unwrap_or_else(|error| panic!("{error}"));
            (function, package)
        })
        .collect()
}

/// The newest `GLIBC_x.y` symbol version the binary needs, read by `readelf`.
fn required_glibc(binary: &[u8]) -> (u32, u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bootstrap");
    std::fs::write(&path, binary).unwrap();
    let output = std::process::Command::new("readelf")
        .arg("-V")
        .arg(&path)
        .output()
        .expect("readelf (binutils) is installed");
    assert!(output.status.success(), "readelf failed");
    String::from_utf8_lossy(&output.stdout)
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|version| {
            let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
        .expect("the binary links glibc")
}

#[test]
fn packages_load_on_amazon_linux_2023() {
    for (function, package) in packages() {
        let needed = required_glibc(&package.bootstrap().unwrap());
        assert!(
            needed <= AL2023_GLIBC,
            "{} needs glibc {}.{}, newer than Amazon Linux 2023's",
            function.name(),
            needed.0,
            needed.1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_run_in_the_sandbox() {
    let sandbox = Sandbox::start().await;
    sandbox.create_table("things", "thingID").await;
    let mut arns = std::collections::HashMap::new();
    for (function, package) in packages() {
        arns.insert(
            function.name(),
            sandbox.deploy(function.name(), package.zip).await,
        );
    }
    let (error, pong) = sandbox
        .invoke("ddb-manager", json!({"operation": "ping"}))
        .await;
    assert_eq!((error, pong), (None, json!("pong")));
    let url = sandbox.http_api(&arns["crud"], &["GET /"]).await;
    let listed = send("GET", &format!("{url}/?TableName=things"), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()["Count"], json!(0));
}
