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
