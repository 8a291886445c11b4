//! Builds a [`Diagram`] from a lesson: each action adds the nodes it makes and the edges its
//! parameters name — a `${VAR}` in a parameter points at the node whose step's outputs define
//! `VAR` (`${LAMBDA_ARN}` is the function, `${API_ID}` the API) — then each node takes the state
//! the run gives it.

use std::collections::HashMap;

use super::{Diagram, Edge, EdgeKind, Node, NodeKind, NodeState, Progress};
use crate::journal::{Kind, State};
use crate::lesson::action::Action;
use crate::lesson::{Lesson, Step, Vars};

const CLIENT: &str = "client";

#[derive(Default)]
struct Builder {
    diagram: Diagram,
    /// `VAR` → the node whose step defines it.
    by_var: HashMap<String, String>,
    /// An integration's id variable → the function it calls.
    integrations: HashMap<String, String>,
    /// A REST resource's id variable → its API's label and its path.
    paths: HashMap<String, (String, String)>,
    /// A role node → the tables it lets its functions use.
    role_tables: HashMap<String, Vec<String>>,
    /// Permissions, drawn once every API is known (a lesson may grant one before it makes the
    /// API): the function, the source ARN, the principal.
    permissions: Vec<(String, Option<String>, String)>,
}

impl Builder {
    fn node(&mut self, kind: NodeKind, id: String, label: String, step: &Step) -> String {
        if self.diagram.node(&id).is_none() {
            self.diagram.nodes.push(Node {
                id: id.clone(),
                kind,
                label,
                step: Some(step.id.clone()),
                state: NodeState::Planned,
                physical_id: None,
            });
        }
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if !self.diagram.has_edge(from, to, kind) {
            self.diagram.edges.push(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                kind,
            });
        }
    }

    fn client(&mut self) {
        if self.diagram.node(CLIENT).is_none() {
            self.diagram.nodes.insert(
                0,
                Node {
                    id: CLIENT.to_owned(),
                    kind: NodeKind::Client,
                    label: "Client".to_owned(),
                    step: None,
                    state: NodeState::Ready,
                    physical_id: None,
                },
            );
        }
    }

    /// The nodes a parameter's `${VAR}`s point at.
    fn refs(&self, text: &str) -> Vec<String> {
        references(text)
            .filter_map(|name| self.by_var.get(name).cloned())
            .collect()
    }

    /// The outputs of `step` point at `node`.
    fn defines(&mut self, step: &Step, node: &str) {
        for (name, _) in &step.outputs {
            self.by_var.insert(name.clone(), node.to_owned());
        }
    }
}

/// The `NAME`s of a text's `${NAME}` references.
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// The lesson's diagram as the run has it so far.
pub fn build(lesson: &Lesson, vars: &Vars, progress: &Progress<'_>) -> Diagram {
    let fill = |text: &str| vars.fill_known(text);
    let mut b = Builder::default();
    for step in &lesson.steps {
        let Some(action) = &step.action else {
            continue;
        };
        match action {
            Action::ExecutionRole(a) => {
                let role = b.node(NodeKind::Role, "role:execution".into(), fill(&a.name), step);
                b.defines(step, &role);
                let tables = a
                    .tables
                    .iter()
                    .map(|table| format!("table:{}", fill(table)));
                b.role_tables.insert(role, tables.collect());
            }
            Action::CreateTable(a) => {
                let table = fill(&a.table);
                let id = b.node(NodeKind::Table, format!("table:{table}"), table, step);
                b.defines(step, &id);
            }
            Action::CreateFunction(a) => {
                let name = fill(&a.name);
                let function = b.node(NodeKind::Function, format!("function:{name}"), name, step);
                b.defines(step, &function);
                // Its role: the role step's node, through `${ROLE_ARN}`, or the execution role
                // named as it is (`LabRole`).
                let role = b
                    .refs(&a.role)
                    .into_iter()
                    .next()
                    .or_else(|| b.diagram.node("role:execution").map(|node| node.id.clone()));
                if let Some(role) = role {
                    b.edge(&function, &role, EdgeKind::Assumes);
                    let mut tables = b.role_tables.get(&role).cloned().unwrap_or_default();
                    // A table named in its environment (TABLE_NAME) is one it uses too.
                    tables.extend(
                        a.environment
                            .values()
                            .map(|value| format!("table:{}", fill(value))),
                    );
                    for table in tables {
                        if b.diagram.node(&table).is_some() {
                            b.edge(&function, &table, EdgeKind::ReadsWrites);
                        }
                    }
                }
            }
            Action::AddPermission(a) => {
                let function = format!("function:{}", fill(&a.function));
                b.permissions
                    .push((function, a.source_arn.clone(), fill(&a.principal)));
            }
            Action::CreateApi(a) => {
                let kind = if a.protocol.eq_ignore_ascii_case("WEBSOCKET") {
                    NodeKind::WebsocketApi
                } else {
                    NodeKind::HttpApi
                };
                let name = fill(&a.name);
                let api = b.node(kind, format!("api:{name}"), name, step);
                b.defines(step, &api);
                b.client();
                b.edge(CLIENT, &api, EdgeKind::Calls);
            }
            Action::CreateIntegration(a) => {
                if let Some(function) = b.refs(&a.uri).into_iter().next() {
                    for (name, _) in &step.outputs {
                        b.integrations.insert(name.clone(), function.clone());
                    }
                }
            }
            Action::CreateRoutes(a) => {
                let Some(api) = b.refs(&a.api).into_iter().next() else {
                    continue;
                };
                let api_label = label_of(&b, &api);
                let target =
                    references(&a.target).find_map(|name| b.integrations.get(name).cloned());
                for key in &a.route_keys {
                    let key = fill(key);
                    let route = b.node(
                        NodeKind::Route,
                        format!("route:{api_label}:{key}"),
                        key,
                        step,
                    );
                    b.edge(&api, &route, EdgeKind::Contains);
                    if let Some(function) = &target {
                        b.edge(&route, function, EdgeKind::Integration);
                    }
                    for trusted in a
                        .authorizer
                        .as_deref()
                        .map(|id| b.refs(id))
                        .unwrap_or_default()
                    {
                        b.edge(&route, &trusted, EdgeKind::Authorizes);
                    }
                }
            }
            Action::CreateStage(a) => stage(&mut b, step, &a.api, &fill(&a.stage)),
            Action::CreateDeployment(a) => stage(&mut b, step, &a.api, &fill(&a.stage)),
            Action::CreateRestApi(a) => {
                let name = fill(&a.name);
                let api = b.node(
                    NodeKind::RestApi,
                    format!("rest-api:{name}"),
                    name.clone(),
                    step,
                );
                b.defines(step, &api);
                b.client();
                b.edge(CLIENT, &api, EdgeKind::Calls);
                // The root resource's id is one of its outputs (`rootResourceId`).
                for (var, field) in &step.outputs {
                    if field == "rootResourceId" {
                        b.paths.insert(var.clone(), (name.clone(), String::new()));
                    }
                }
            }
            Action::CreateResource(a) => {
                let parent_var = references(&a.parent).next().map(str::to_owned);
                let Some((api_label, parent_path)) = parent_var
                    .as_deref()
                    .and_then(|var| b.paths.get(var).cloned())
                else {
                    continue;
                };
                let path = format!("{parent_path}/{}", fill(&a.path_part));
                let parent = if parent_path.is_empty() {
                    format!("rest-api:{api_label}")
                } else {
                    format!("resource:{api_label}:{parent_path}")
                };
                let resource = b.node(
                    NodeKind::Resource,
                    format!("resource:{api_label}:{path}"),
                    path.clone(),
                    step,
                );
                b.edge(&parent, &resource, EdgeKind::Contains);
                for (var, _) in &step.outputs {
                    b.paths
                        .insert(var.clone(), (api_label.clone(), path.clone()));
                }
            }
            Action::PutMethod(a) => {
                if let Some((api_label, path)) = resource_of(&b, &a.resource) {
                    let method = fill(&a.method).to_ascii_uppercase();
                    let id = b.node(
                        NodeKind::Method,
                        format!("method:{api_label}:{path}:{method}"),
                        format!("{method} {path}"),
                        step,
                    );
                    b.edge(
                        &format!("resource:{api_label}:{path}"),
                        &id,
                        EdgeKind::Contains,
                    );
                    for trusted in a
                        .authorizer
                        .as_deref()
                        .map(|id| b.refs(id))
                        .unwrap_or_default()
                    {
                        b.edge(&id, &trusted, EdgeKind::Authorizes);
                    }
                }
            }
            Action::PutIntegration(a) => {
                if let Some((api_label, path)) = resource_of(&b, &a.resource) {
                    let method = fill(&a.method).to_ascii_uppercase();
                    let from = format!("method:{api_label}:{path}:{method}");
                    for target in a.uri.as_deref().map(|uri| b.refs(uri)).unwrap_or_default() {
                        b.edge(&from, &target, EdgeKind::Integration);
                    }
                }
            }
            Action::CreateRestDeployment(a) => {
                if let Some(stage_name) = &a.stage {
                    stage(&mut b, step, &a.api, &fill(stage_name));
                }
            }
            Action::CreateRestStage(a) => stage(&mut b, step, &a.api, &fill(&a.stage)),
            Action::CreateApiKey(a) => {
                let name = fill(&a.name);
                let key = b.node(NodeKind::ApiKey, format!("api-key:{name}"), name, step);
                b.defines(step, &key);
            }
            Action::CreateUsagePlan(a) => {
                let name = fill(&a.name);
                let plan = b.node(
                    NodeKind::UsagePlan,
                    format!("usage-plan:{name}"),
                    name,
                    step,
                );
                b.defines(step, &plan);
                for stage_ref in &a.stages {
                    let stage_name = stage_ref.rsplit(':').next().unwrap_or_default();
                    for api in b.refs(stage_ref) {
                        let stage = format!("stage:{}:{stage_name}", label_of(&b, &api));
                        b.edge(&plan, &stage, EdgeKind::Covers);
                    }
                }
            }
            Action::CreateUsagePlanKey(a) => {
                let plan = b.refs(&a.plan).into_iter().next();
                let key = b.refs(&a.key).into_iter().next();
                if let (Some(plan), Some(key)) = (plan, key) {
                    b.edge(&key, &plan, EdgeKind::Covers);
                }
            }
            Action::UpdateFunctionConfiguration(_) | Action::SignUp(_) => {}
            Action::CreateBucket(a) => {
                let name = fill(&a.bucket);
                let bucket = b.node(NodeKind::Bucket, format!("bucket:{name}"), name, step);
                b.defines(step, &bucket);
            }
            // Hosting, its policy and the page's files make the bucket a website; no new node.
            Action::PutBucketWebsite(_) | Action::PutBucketPolicy(_) | Action::UploadSite(_) => {}
            Action::CreateUserPool(a) => {
                let name = fill(&a.name);
                let pool = b.node(NodeKind::UserPool, format!("user-pool:{name}"), name, step);
                b.defines(step, &pool);
            }
            // A client's id names its pool; an authorizer's id names what it trusts: the pool
            // whose client its audience is, or its function.
            Action::CreateUserPoolClient(a) => {
                if let Some(pool) = b.refs(&a.pool).into_iter().next() {
                    b.defines(step, &pool);
                }
            }
            Action::CreateAuthorizer(a) => {
                let trusted = a
                    .audience
                    .iter()
                    .chain(&a.issuer)
                    .chain(&a.uri)
                    .find_map(|text| b.refs(text).into_iter().next());
                if let Some(trusted) = trusted {
                    b.defines(step, &trusted);
                }
            }
            Action::CreateRestAuthorizer(a) => {
                let trusted = a
                    .provider_arns
                    .iter()
                    .chain(&a.uri)
                    .find_map(|text| b.refs(text).into_iter().next());
                if let Some(trusted) = trusted {
                    b.defines(step, &trusted);
                }
            }
        }
    }
    // A permission names its API by the source ARN, or — without one — lets API Gateway as a
    // whole invoke the function: every API of the lesson.
    for (function, source_arn, principal) in std::mem::take(&mut b.permissions) {
        let mut apis = source_arn
            .as_deref()
            .map(|arn| b.refs(arn))
            .unwrap_or_default();
        if apis.is_empty() && principal.starts_with("apigateway.") {
            apis = b
                .diagram
                .nodes
                .iter()
                .filter(|node| {
                    matches!(
                        node.kind,
                        NodeKind::HttpApi | NodeKind::WebsocketApi | NodeKind::RestApi
                    )
                })
                .map(|node| node.id.clone())
                .collect();
        }
        for api in apis {
            b.edge(&api, &function, EdgeKind::Permission);
        }
    }
    let mut diagram = b.diagram;
    for node in &mut diagram.nodes {
        node.state = state_of(node, progress);
        node.physical_id = row_of(node, progress).and_then(|row| row.physical_id.clone());
    }
    diagram
}

/// A stage node for the API `api` (a `${VAR}`) refers to, served by it.
fn stage(b: &mut Builder, step: &Step, api: &str, stage_name: &str) {
    let Some(api) = b.refs(api).into_iter().next() else {
        return;
    };
    let id = format!("stage:{}:{stage_name}", label_of(b, &api));
    let stage = b.node(NodeKind::Stage, id, stage_name.to_owned(), step);
    b.edge(&stage, &api, EdgeKind::Serves);
}

fn label_of(b: &Builder, node: &str) -> String {
    b.diagram
        .node(node)
        .map_or_else(|| node.to_owned(), |node| node.label.clone())
}

/// The REST API and path a resource parameter (`${RESOURCE_ID}`) names.
fn resource_of(b: &Builder, text: &str) -> Option<(String, String)> {
    references(text).find_map(|var| b.paths.get(var).cloned())
}

/// The journal's kind for a node's kind, where the journal keeps such resources.
fn journal_kind(kind: NodeKind) -> Option<Kind> {
    Some(match kind {
        NodeKind::Table => Kind::Table,
        NodeKind::Function => Kind::Function,
        NodeKind::Role => Kind::Role,
        NodeKind::HttpApi | NodeKind::WebsocketApi => Kind::Api,
        NodeKind::RestApi => Kind::RestApi,
        NodeKind::ApiKey => Kind::ApiKey,
        NodeKind::UsagePlan => Kind::UsagePlan,
        NodeKind::UserPool => Kind::UserPool,
        NodeKind::Bucket => Kind::Bucket,
        _ => return None,
    })
}

/// The journal's latest row of a node's resource, where the journal keeps such resources.
fn row_of<'a>(node: &Node, progress: &Progress<'a>) -> Option<&'a crate::journal::Resource> {
    let step = node.step.as_ref()?;
    let kind = journal_kind(node.kind)?;
    progress
        .resources
        .iter()
        .filter(|row| row.kind == kind && (row.label == node.label || row.step == *step))
        .max_by_key(|row| row.id)
}

/// A node's state: from the journal's row of its resource where there is one, else from its
/// step (a sub-resource — route, method, stage — follows its step and its API's row).
fn state_of(node: &Node, progress: &Progress<'_>) -> NodeState {
    let Some(step) = &node.step else {
        return NodeState::Ready;
    };
    if progress.failed == Some(step.as_str()) {
        return NodeState::Failed;
    }
    match row_of(node, progress).map(|row| row.state) {
        Some(State::Intent) => NodeState::Creating,
        Some(State::Created) => NodeState::Ready,
        Some(State::Adopted) => NodeState::Adopted,
        Some(State::Deleted) => NodeState::TornDown,
        None if progress.done.iter().any(|done| done == step) => NodeState::Ready,
        None => {
            // A sub-resource of an API that teardown removed went with it.
            let api_gone = progress.resources.iter().any(|row| {
                matches!(row.kind, Kind::Api | Kind::RestApi) && row.state == State::Deleted
            });
            if api_gone && journal_kind(node.kind).is_none() {
                NodeState::TornDown
            } else {
                NodeState::Planned
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Resource;
    use crate::lesson::Library;

    fn lesson(id: &str) -> Lesson {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../lessons"));
        let library = Library::load(dir).unwrap();
        library.get(id).unwrap().clone()
    }

    fn planned(id: &str) -> Diagram {
        build(&lesson(id), &Vars::default(), &Progress::default())
    }

    fn row(id: i64, kind: Kind, label: &str, step: &str, state: State) -> Resource {
        Resource {
            id,
            kind,
            label: label.into(),
            physical_id: Some(label.into()),
            lesson: "l".into(),
            step: step.into(),
            state,
            updated_at: String::new(),
        }
    }

    #[test]
    fn lesson_one_is_a_client_an_http_api_its_routes_a_function_and_a_table() {
        let diagram = planned("crud-http-api");
        let kinds: Vec<_> = diagram.nodes.iter().map(|node| node.kind).collect();
        assert!(kinds.contains(&NodeKind::Client) && kinds.contains(&NodeKind::HttpApi));
        let api = diagram
            .nodes
            .iter()
            .find(|node| node.kind == NodeKind::HttpApi)
            .unwrap();
        let function = diagram
            .nodes
            .iter()
            .find(|node| node.kind == NodeKind::Function)
            .unwrap();
        let table = diagram
            .nodes
            .iter()
            .find(|node| node.kind == NodeKind::Table)
            .unwrap();
        assert!(diagram.has_edge(CLIENT, &api.id, EdgeKind::Calls));
        assert!(
            diagram.has_edge(&function.id, &table.id, EdgeKind::ReadsWrites),
            "{diagram:#?}"
        );
        let routes: Vec<_> = diagram
            .nodes
            .iter()
            .filter(|node| node.kind == NodeKind::Route)
            .collect();
        assert!(!routes.is_empty());
        for route in routes {
            assert!(diagram.has_edge(&api.id, &route.id, EdgeKind::Contains));
            assert!(
                diagram.has_edge(&route.id, &function.id, EdgeKind::Integration),
                "{} reaches the function",
                route.id
            );
        }
        assert!(
            diagram.has_edge(&api.id, &function.id, EdgeKind::Permission),
            "{diagram:#?}"
        );
        assert!(
            diagram
                .nodes
                .iter()
                .all(|node| node.kind == NodeKind::Client || node.state == NodeState::Planned)
        );
    }

    #[test]
    fn lesson_three_is_a_rest_api_s_method_calling_the_function() {
        let diagram = planned("dynamodb-manager");
        let method = diagram
            .node("method:DynamoDBOperations:/DynamoDBManager:POST")
            .expect("the method");
        assert_eq!(method.label, "POST /DynamoDBManager");
        assert!(diagram.has_edge(
            "rest-api:DynamoDBOperations",
            "resource:DynamoDBOperations:/DynamoDBManager",
            EdgeKind::Contains
        ));
        assert!(diagram.has_edge(
            "resource:DynamoDBOperations:/DynamoDBManager",
            &method.id,
            EdgeKind::Contains
        ));
        assert!(diagram.has_edge(
            &method.id,
            "function:LambdaFunctionOverHttps",
            EdgeKind::Integration
        ));
        assert!(diagram.has_edge(
            "function:LambdaFunctionOverHttps",
            "table:lambda-apigateway",
            EdgeKind::ReadsWrites
        ));
        assert!(diagram.has_edge(
            "stage:DynamoDBOperations:Prod",
            "rest-api:DynamoDBOperations",
            EdgeKind::Serves
        ));
    }

    #[test]
    fn lesson_two_routes_reach_their_own_functions() {
        let diagram = planned("websocket-api");
        let api = diagram
            .nodes
            .iter()
            .find(|node| node.kind == NodeKind::WebsocketApi)
            .expect("a WebSocket API");
        let routes: Vec<_> = diagram
            .edges
            .iter()
            .filter(|edge| edge.from.starts_with("route:") && edge.kind == EdgeKind::Integration)
            .map(|edge| {
                (
                    edge.from.rsplit(':').next().unwrap_or_default(),
                    edge.to.as_str(),
                )
            })
            .collect();
        assert!(
            routes.contains(&("$connect", "function:WsConnect")),
            "{routes:?}"
        );
        assert!(
            routes.contains(&("$disconnect", "function:WsDisconnect")),
            "{routes:?}"
        );
        assert!(
            routes.contains(&("$default", "function:WsDefault")),
            "{routes:?}"
        );
        assert!(diagram.has_edge(CLIENT, &api.id, EdgeKind::Calls));
    }

    #[test]
    fn states_follow_the_run_and_the_teardown() {
        let lesson = lesson("dynamodb-manager");
        let done: Vec<String> = ["table", "role", "function"].map(String::from).to_vec();
        let rows = [
            row(1, Kind::Table, "lambda-apigateway", "table", State::Created),
            row(
                2,
                Kind::Function,
                "LambdaFunctionOverHttps",
                "function",
                State::Created,
            ),
            row(3, Kind::RestApi, "DynamoDBOperations", "api", State::Intent),
        ];
        let progress = Progress {
            done: &done,
            failed: Some("api"),
            resources: &rows,
        };
        let diagram = build(&lesson, &Vars::default(), &progress);
        let state = |id: &str| diagram.node(id).map(|node| node.state);
        assert_eq!(state("table:lambda-apigateway"), Some(NodeState::Ready));
        assert_eq!(
            state("role:execution"),
            Some(NodeState::Ready),
            "LabRole, not journaled"
        );
        assert_eq!(
            state("rest-api:DynamoDBOperations"),
            Some(NodeState::Failed)
        );
        assert_eq!(
            state("resource:DynamoDBOperations:/DynamoDBManager"),
            Some(NodeState::Planned)
        );

        let torn = [
            row(4, Kind::Table, "lambda-apigateway", "table", State::Deleted),
            row(
                5,
                Kind::RestApi,
                "DynamoDBOperations",
                "api",
                State::Deleted,
            ),
        ];
        let after = Progress {
            done: &[],
            failed: None,
            resources: &torn,
        };
        let diagram = build(&lesson, &Vars::default(), &after);
        let state = |id: &str| diagram.node(id).map(|node| node.state);
        assert_eq!(state("table:lambda-apigateway"), Some(NodeState::TornDown));
        assert_eq!(
            state("rest-api:DynamoDBOperations"),
            Some(NodeState::TornDown)
        );
        assert_eq!(
            state("method:DynamoDBOperations:/DynamoDBManager:POST"),
            Some(NodeState::TornDown),
            "the API's methods went with it"
        );
    }
}
