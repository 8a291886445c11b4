//! What the test suites share (a dev-dependency only): one sandbox fixture ([`Sandbox`]) with
//! AWS SDK clients and the set-ups tests keep needing (a function from a package or a Python
//! handler, an API with a route, the lab's HTTP API), DynamoDB helpers ([`dynamodb`]), and
//! where the outside tools the tests drive it with are installed.

pub mod dynamodb;
pub mod lambda;
mod sandbox;

pub use sandbox::{ACCOUNT, Sandbox, spawn_backend};

use std::path::PathBuf;

/// A client of the SDK crate `$sdk` for the sandbox at `$endpoint` (in `$region`, default
/// `us-east-1`), with throwaway credentials.
#[macro_export]
macro_rules! sandbox_client {
    ($sdk:ident, $endpoint:expr) => {
        $crate::sandbox_client!($sdk, $endpoint, "us-east-1")
    };
    ($sdk:ident, $endpoint:expr, $region:expr) => {{
        let config = $sdk::Config::builder()
            .endpoint_url($endpoint)
            .region($sdk::config::Region::new($region.to_owned()))
            .credentials_provider($sdk::config::Credentials::new(
                "AKIDSANDBOX",
                "sandbox-secret",
                None,
                None,
                "tests",
            ))
            .build();
        $sdk::Client::from_conf(config)
    }};
}

/// A Rust binary `$binary` of the workspace package `$package`, built (debug) by the cargo
/// running the tests into their target directory, zipped as a `provided` runtime's
/// `bootstrap`. Expanded in the test crate, which knows both.
#[macro_export]
macro_rules! bootstrap_zip {
    ($package:expr, $binary:expr) => {{
        let target = ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the target directory")
            .to_path_buf();
        let status = ::std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", $package])
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {} failed", $package);
        let binary =
            ::std::fs::read(target.join("debug").join($binary)).expect("the function is built");
        ::lab_sandbox::lambda::package::zip_files(&[("bootstrap", &binary, 0o755)])
    }};
}

/// The virtual environment holding the AWS CLI, boto3 and cargo-lambda (`make deps-test`
/// installs it): `$SERVERLESS_LAB_PYTHON_TOOLS`, else `~/.cache/serverless-lab/python`.
/// Panics, saying how to install it, when the AWS CLI is not there.
pub fn python_tools() -> PathBuf {
    let dir = std::env::var_os("SERVERLESS_LAB_PYTHON_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            home.join(".cache/serverless-lab/python")
        });
    assert!(
        dir.join("bin/aws").is_file(),
        "the AWS CLI is not installed in {}: run `make deps-test`",
        dir.display()
    );
    dir
}
