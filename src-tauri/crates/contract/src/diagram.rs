//! A lesson's architecture diagram: its resources and what connects them, each with its state.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One resource of the diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiagramNode {
    /// `function:LambdaCRUD`.
    pub id: String,
    /// `client`, `table`, `function`, `role`, `http-api`, `websocket-api`, `rest-api`, `route`,
    /// `resource`, `method`, `stage`, `api-key`, `usage-plan`.
    pub kind: String,
    pub label: String,
    /// The step that makes it.
    pub step: Option<String>,
    /// `planned`, `creating`, `ready`, `failed`, `adopted`, `torn-down`.
    pub state: String,
    /// What identifies it on the target (table or function name, API id), once known: how a
    /// request's waterfall finds the nodes it went through.
    pub physical_id: Option<String>,
}

/// What connects two resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiagramEdge {
    pub from: String,
    pub to: String,
    /// `calls`, `contains`, `serves`, `integration`, `permission`, `assumes`, `reads-writes`,
    /// `covers`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiagramView {
    pub nodes: Vec<DiagramNode>,
    pub edges: Vec<DiagramEdge>,
}
