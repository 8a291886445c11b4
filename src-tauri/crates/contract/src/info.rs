//! What the app tells the UI about itself: version, where it keeps data, which cloud it talks to.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The answer of the `app_info` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    /// The app's version, as in its Cargo manifest.
    pub version: String,
    /// The directory holding the app's own data (sandbox state, journals, answers).
    pub data_dir: String,
    /// The cloud the lessons run against.
    pub target: TargetInfo,
    /// The app's own sandbox process; `None` while it is stopped.
    pub sandbox: Option<SandboxHealth>,
}

/// The app's sandbox, which runs in a process of its own and is started again if it ends
/// (sent as the `sandbox-health` event whenever it changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SandboxHealth {
    /// Serving; `restarts` counts the times it had to be started again.
    Ready { pid: u32, restarts: u32 },
    /// Its process ended unexpectedly (`reason` in plain words) and is being started again.
    Restarting { reason: String, restarts: u32 },
}

/// The cloud the engine talks to. Both go through the same AWS SDK code; only the endpoint and
/// the credentials differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetInfo {
    /// The embedded local cloud, reachable at `endpoint` on loopback.
    Sandbox { endpoint: String },
    /// A real AWS account.
    Aws {
        region: Option<String>,
        profile: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_is_tagged_by_kind() {
        let target = TargetInfo::Sandbox {
            endpoint: "http://127.0.0.1:4566".into(),
        };
        assert_eq!(
            serde_json::to_value(&target).unwrap(),
            serde_json::json!({"kind": "sandbox", "endpoint": "http://127.0.0.1:4566"})
        );
    }
}
