//! The lab engine: what a lesson runs against ([`Target`]), where the app keeps its data
//! ([`DataDir`]), the [`lesson`]s, and — as they arrive — provisioning, the journal and
//! teardown.
//!
//! The engine reaches the cloud only through AWS endpoints: for the sandbox it is handed an
//! endpoint URL, never the sandbox's internals. It must not depend on Tauri.

pub mod academy;
pub mod check;
pub mod cloud;
pub mod data;
mod data_dir;
pub mod describe;
pub mod diagram;
pub mod journal;
pub mod lesson;
pub mod load;
pub mod localhost;
pub mod provision;
pub mod report;
pub mod run;
pub mod server_feed;
mod target;
pub mod teardown;
pub mod traffic;
pub mod views;
pub mod waterfall;
pub mod websocket;

pub use data_dir::{DATA_DIR_ENV, DataDir};
/// The records of the sandbox's inspection feed, as [`server_feed`] reads them.
pub use lab_feed as feed;
pub use target::Target;

/// Everything that can go wrong in the engine, with what a human needs to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no home directory found to keep the app's data in; set {DATA_DIR_ENV}")]
    NoHomeDir,
    #[error("creating the data directory {path}")]
    CreateDataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    /// The engine reads attribute values with the lab's notation crate alone: nothing of the
    /// Lambda functions' runtime comes into the app and the CLI through it.
    #[test]
    fn no_lambda_runtime_among_the_dependencies() {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "--quiet",
                "-p",
                "lab-engine",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        assert!(tree.contains("attribute-notation"), "{tree}");
        for unwanted in ["lambda_runtime ", "lambda-kit "] {
            assert!(!tree.contains(unwanted), "{unwanted}in:\n{tree}");
        }
    }
}
