//! A diagram as a Mermaid flowchart: the picture a Markdown report carries (GitHub and most
//! Markdown viewers draw it), nodes marked by their service, classed by their state.

use std::fmt::Write as _;

use super::{Diagram, EdgeKind, NodeKind, NodeState};

/// What a node's kind is called, as its service names it.
fn service(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Client => "You",
        NodeKind::Table => "DynamoDB table",
        NodeKind::Function => "Lambda function",
        NodeKind::Role => "IAM role",
        NodeKind::HttpApi => "HTTP API",
        NodeKind::WebsocketApi => "WebSocket API",
        NodeKind::RestApi => "REST API",
        NodeKind::Route => "route",
        NodeKind::Resource => "resource",
        NodeKind::Method => "method",
        NodeKind::Stage => "stage",
        NodeKind::ApiKey => "API key",
        NodeKind::UsagePlan => "usage plan",
        NodeKind::UserPool => "Cognito user pool",
        NodeKind::Bucket => "S3 bucket",
    }
}

fn edge_label(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Calls => "calls",
        EdgeKind::Contains => "has",
        EdgeKind::Serves => "serves",
        EdgeKind::Integration => "invokes",
        EdgeKind::Permission => "may invoke",
        EdgeKind::Assumes => "runs as",
        EdgeKind::ReadsWrites => "reads/writes",
        EdgeKind::Covers => "covers",
        EdgeKind::Authorizes => "authorized by",
    }
}

fn class(state: NodeState) -> &'static str {
    match state {
        NodeState::Planned => "planned",
        NodeState::Creating => "creating",
        NodeState::Ready => "ready",
        NodeState::Failed => "failed",
        NodeState::Adopted => "adopted",
        NodeState::TornDown => "tornDown",
    }
}

/// Mermaid's text for a label: no quotes or angle brackets of its own.
fn text(label: &str) -> String {
    label
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// The diagram as a `flowchart LR` (without the fence).
pub fn flowchart(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart LR\n");
    let index = |id: &str| diagram.nodes.iter().position(|node| node.id == id);
    for (n, node) in diagram.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{n}[\"{}<br/>{}\"]:::{}",
            service(node.kind),
            text(&node.label),
            class(node.state)
        );
    }
    for edge in &diagram.edges {
        if let (Some(from), Some(to)) = (index(&edge.from), index(&edge.to)) {
            let arrow = match edge.kind {
                EdgeKind::Permission | EdgeKind::Assumes => "-.->",
                _ => "-->",
            };
            let _ = writeln!(out, "  n{from} {arrow}|{}| n{to}", edge_label(edge.kind));
        }
    }
    out.push_str(
        "  classDef ready stroke:#2a7a2a,stroke-width:2px\n\
         \x20 classDef planned stroke:#8a8f98,stroke-dasharray:5 4,opacity:0.6\n\
         \x20 classDef creating stroke:#d49b00,stroke-width:2px\n\
         \x20 classDef failed stroke:#c62828,stroke-width:2px\n\
         \x20 classDef adopted stroke:#1f6fd1,stroke-width:2px\n\
         \x20 classDef tornDown stroke:#8a8f98,opacity:0.4\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::{Edge, Node};

    #[test]
    fn nodes_edges_and_states_become_a_flowchart() {
        let node = |id: &str, kind, label: &str, state| Node {
            id: id.into(),
            kind,
            label: label.into(),
            step: None,
            state,
            physical_id: None,
        };
        let diagram = Diagram {
            nodes: vec![
                node("client", NodeKind::Client, "Client", NodeState::Ready),
                node("api:A", NodeKind::HttpApi, "A \"x\"", NodeState::Planned),
                node("function:F", NodeKind::Function, "F", NodeState::TornDown),
            ],
            edges: vec![
                Edge {
                    from: "client".into(),
                    to: "api:A".into(),
                    kind: EdgeKind::Calls,
                },
                Edge {
                    from: "api:A".into(),
                    to: "function:F".into(),
                    kind: EdgeKind::Permission,
                },
            ],
        };
        let chart = flowchart(&diagram);
        assert!(chart.starts_with("flowchart LR\n"));
        assert!(
            chart.contains("  n1[\"HTTP API<br/>A #quot;x#quot;\"]:::planned\n"),
            "{chart}"
        );
        assert!(
            chart.contains("  n2[\"Lambda function<br/>F\"]:::tornDown\n"),
            "{chart}"
        );
        assert!(chart.contains("  n0 -->|calls| n1\n"), "{chart}");
        assert!(chart.contains("  n1 -.->|may invoke| n2\n"), "{chart}");
        assert!(chart.contains("classDef tornDown"), "{chart}");
    }
}
