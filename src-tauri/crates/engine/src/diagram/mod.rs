//! The lab as a picture: a lesson's resources as nodes and what connects them as edges, derived
//! from the lesson's steps — each action's parameters, the variables its outputs define and the
//! later parameters that use them — not drawn by hand per lesson; each node's state follows the
//! run (the steps done or failed, and the journal's rows: created, adopted, torn down).

mod derive;
pub mod mermaid;

use serde::Serialize;

pub use derive::build;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// Whoever sends the requests: a browser, curl, the load tester.
    Client,
    Table,
    Function,
    Role,
    HttpApi,
    WebsocketApi,
    RestApi,
    /// An HTTP or WebSocket API's route.
    Route,
    /// A REST API's resource (a path).
    Resource,
    /// A REST API's method on a resource.
    Method,
    Stage,
    ApiKey,
    UsagePlan,
    /// A Cognito user pool (with its app clients and users).
    UserPool,
    /// An S3 bucket (a lesson's web page).
    Bucket,
}

/// Where a node's resource stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeState {
    /// Its step has not run.
    Planned,
    /// Its create was sent; the outcome is not known yet.
    Creating,
    Ready,
    /// Its step failed.
    Failed,
    /// It existed before the lesson and is used as it is.
    Adopted,
    /// Teardown removed it.
    TornDown,
}

/// One resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// `function:LambdaCRUD`, `route:CrudHttpAPI:GET /items`.
    pub id: String,
    pub kind: NodeKind,
    /// Its name as the lesson gives it.
    pub label: String,
    /// The step that makes it (none for the client).
    pub step: Option<String>,
    pub state: NodeState,
    /// What identifies it on the target (table or function name, API id), once the journal
    /// knows it.
    pub physical_id: Option<String>,
}

/// What connects two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// A client sends requests to an API.
    Calls,
    /// An API holds a route, resource or method; a resource holds a sub-resource or method.
    Contains,
    /// A stage serves an API.
    Serves,
    /// A route or method calls a function.
    Integration,
    /// A function's resource policy lets an API invoke it.
    Permission,
    /// A function runs as a role.
    Assumes,
    /// A function reads and writes a table.
    ReadsWrites,
    /// A usage plan covers a stage; a key belongs to a plan.
    Covers,
    /// A route or method lets in who its authorizer accepts: a user pool's users, or those a
    /// function says yes to.
    Authorizes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

/// A lesson's diagram.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagram {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Diagram {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    pub fn has_edge(&self, from: &str, to: &str, kind: EdgeKind) -> bool {
        self.edges
            .iter()
            .any(|edge| edge.from == from && edge.to == to && edge.kind == kind)
    }
}

/// How far a lesson has come on a target: what the diagram's states follow.
#[derive(Debug, Clone, Default)]
pub struct Progress<'a> {
    pub done: &'a [String],
    pub failed: Option<&'a str>,
    /// The journal's rows of the lesson, the latest per resource, torn-down ones included.
    pub resources: &'a [crate::journal::Resource],
}

impl Diagram {
    /// As the window's DTO.
    pub fn view(&self) -> lab_contract::DiagramView {
        lab_contract::DiagramView {
            nodes: self
                .nodes
                .iter()
                .map(|node| lab_contract::DiagramNode {
                    id: node.id.clone(),
                    kind: serde_name(&node.kind),
                    label: node.label.clone(),
                    step: node.step.clone(),
                    state: serde_name(&node.state),
                    physical_id: node.physical_id.clone(),
                })
                .collect(),
            edges: self
                .edges
                .iter()
                .map(|edge| lab_contract::DiagramEdge {
                    from: edge.from.clone(),
                    to: edge.to.clone(),
                    kind: serde_name(&edge.kind),
                })
                .collect(),
        }
    }
}

/// A unit enum's serde name (`http-api`, `torn-down`).
fn serde_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}
