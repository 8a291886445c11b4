//! The settings the window can change: the target, AWS Academy credentials, the sandbox.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TargetInfo;

/// What the settings panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    pub target: TargetInfo,
    /// The saved AWS Academy credentials' access key, masked (`ASIA…WXYZ`); none when nothing
    /// is saved.
    pub academy_key: Option<String>,
    /// Why the keychain could not be read, if it could not.
    pub keychain_problem: Option<String>,
}

/// The target to switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetChoice {
    Sandbox,
    Aws {
        profile: Option<String>,
        region: Option<String>,
    },
}
