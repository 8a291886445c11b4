//! What the test suites share (a dev-dependency only): AWS SDK clients pointed at a sandbox,
//! and where the outside tools the tests drive it with are installed.

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
