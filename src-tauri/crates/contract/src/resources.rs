//! The resources the lab made on the current target, and their teardown.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A resource the journal holds (or teardown found by its tags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResourceView {
    /// `usage-plan`, `api-key`, `api`, `rest-api`, `permission`, `function`, `log-group`, `table`,
    /// `role`.
    pub kind: String,
    pub name: String,
    pub lesson: String,
    pub step: String,
    /// `intent`, `created`, `adopted`.
    pub state: String,
    /// False for a lab resource found by its tags that the journal does not know.
    pub journaled: bool,
    /// True when it existed before the lesson (adopted): teardown keeps it unless asked for it
    /// by name.
    pub kept: bool,
    /// For a kept resource, what deleting it would also delete (`3 items`).
    pub holds: Option<String>,
}

/// One resource's removal, sent as the `teardown-progress` event while teardown runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RemovalView {
    pub resource: ResourceView,
    /// `deleted`, `already-gone` or `failed`.
    pub outcome: String,
    pub reason: Option<String>,
}

/// The whole teardown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TeardownView {
    pub removals: Vec<RemovalView>,
    /// What it kept: resources that existed before the lessons.
    pub kept: Vec<ResourceView>,
    /// Lab resources still on the target afterwards.
    pub leftovers: Vec<String>,
    pub complete: bool,
}

/// A lab function's Rust sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FunctionSources {
    pub name: String,
    pub description: String,
    pub files: Vec<SourceFileView>,
}

/// One file of a function's crate (or of the shared kit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourceFileView {
    /// e.g. `lambda/crud/src/handler.rs`.
    pub path: String,
    pub text: String,
}

/// One page of a table's items, for the data view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ItemPage {
    pub table: String,
    /// The key attributes, partition key first.
    pub key: Vec<String>,
    /// Each item in DynamoDB JSON, pretty-printed.
    pub items: Vec<String>,
    /// The same items in plain JSON, pretty-printed.
    pub plain: Vec<String>,
    /// Where the next page starts (DynamoDB JSON), to pass back as `start`.
    pub next: Option<String>,
}

/// A resource as the target reports it: the describe call for its kind and the service's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResourceDescription {
    /// `DynamoDB DescribeTable`.
    pub operation: String,
    /// The service's answer (JSON pretty-printed; IAM's XML as it came), secrets hidden.
    pub body: String,
}
