//! Identity-policy evaluation, as IAM does it for one action on one resource: an explicit `Deny`
//! wins, else an `Allow` is needed, else the request is implicitly denied. Statements match by
//! `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards) and `Resource`/`NotResource`.
//! A statement with a `Condition` is not applied — the sandbox does not evaluate conditions —
//! and the evaluation says so. AWS managed policies are known by ARN for the few a lab attaches;
//! any other managed policy counts as allowing nothing, and the evaluation says that too.

use serde_json::Value as Json;

/// What the policies decided, and why in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub allowed: bool,
    pub reason: String,
    /// What the sandbox could not take into account (conditions, unknown managed policies).
    pub notes: Vec<String>,
}

/// The documents of the AWS managed policies a lab attaches, by name.
fn managed_document(arn: &str) -> Option<&'static str> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    Some(match name {
        "AdministratorAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        }
        "PowerUserAccess" => {
            r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}"#
        }
        "AmazonAPIGatewayInvokeFullAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:ManageConnections"],"Resource":"arn:aws:execute-api:*:*:*"}]}"#
        }
        "AmazonAPIGatewayAdministrator" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["apigateway:*"],"Resource":"arn:aws:apigateway:*::/*"}]}"#
        }
        "service-role/AWSLambdaBasicExecutionRole" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#
        }
        "AmazonDynamoDBFullAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:*"],"Resource":"*"}]}"#
        }
        _ => return None,
    })
}

/// Evaluates `policies` (each named, with its document, or none for a managed policy known by
/// ARN) for `action` on `resource`.
pub fn evaluate(policies: &[(String, Option<String>)], action: &str, resource: &str) -> Evaluation {
    let mut notes = Vec::new();
    let mut allowed_by = None;
    for (name, document) in policies {
        let text = match document {
            Some(text) => text.as_str(),
            None => match managed_document(name) {
                Some(text) => text,
                None => {
                    notes.push(format!(
                        "the sandbox does not know the managed policy {name}: it allows nothing here"
                    ));
                    continue;
                }
            },
        };
        let Ok(parsed) = serde_json::from_str::<Json>(text) else {
            notes.push(format!("the policy {name} is not JSON"));
            continue;
        };
        let statements = match &parsed["Statement"] {
            Json::Array(many) => many.clone(),
            one @ Json::Object(_) => vec![one.clone()],
            _ => Vec::new(),
        };
        for statement in &statements {
            if !applies(statement, action, resource) {
                continue;
            }
            if statement.get("Condition").is_some() {
                notes.push(format!(
                    "a statement of {name} has a Condition, which the sandbox does not evaluate: it was not applied"
                ));
                continue;
            }
            match statement["Effect"].as_str() {
                Some("Deny") => {
                    return Evaluation {
                        allowed: false,
                        reason: format!("explicitly denied by {name}"),
                        notes,
                    };
                }
                Some("Allow") if allowed_by.is_none() => allowed_by = Some(name.clone()),
                _ => {}
            }
        }
    }
    match allowed_by {
        Some(name) => Evaluation {
            allowed: true,
            reason: format!("allowed by {name}"),
            notes,
        },
        None => Evaluation {
            allowed: false,
            reason: "no identity-based policy allows it".to_owned(),
            notes,
        },
    }
}

/// A policy member that is one string or a list of them (`Action`, `Resource`), as a list.
pub fn strings(value: &Json) -> Vec<String> {
    match value {
        Json::String(one) => vec![one.clone()],
        Json::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `statement` is about `action` on `resource`.
fn applies(statement: &Json, action: &str, resource: &str) -> bool {
    let listed = strings;
    let action = action.to_ascii_lowercase();
    let any_action = |member: &str| {
        listed(&statement[member])
            .iter()
            .any(|pattern| matches(&pattern.to_ascii_lowercase(), &action))
    };
    let any_resource = |member: &str| {
        listed(&statement[member])
            .iter()
            .any(|pattern| matches(pattern, resource))
    };
    let action_applies = if statement.get("NotAction").is_some() {
        !any_action("NotAction")
    } else {
        any_action("Action")
    };
    let resource_applies = if statement.get("NotResource").is_some() {
        !any_resource("NotResource")
    } else {
        any_resource("Resource")
    };
    action_applies && resource_applies
}

/// Whether `pattern` (with `*` and `?` wildcards) covers all of `text`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    // Two pointers, backtracking to the last `*`: linear in practice, never recursive.
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items";

    fn inline(document: &str) -> Vec<(String, Option<String>)> {
        vec![("invoke".to_owned(), Some(document.to_owned()))]
    }

    #[test]
    fn an_allow_lets_in_a_deny_wins_and_silence_denies() {
        let allow = r#"{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/*/GET/*"}]}"#;
        assert!(evaluate(&inline(allow), "execute-api:Invoke", ARN).allowed);
        let other = r#"{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/*/POST/*"}]}"#;
        let silent = evaluate(&inline(other), "execute-api:Invoke", ARN);
        assert!(!silent.allowed);
        assert_eq!(silent.reason, "no identity-based policy allows it");
        let mut both = inline(allow);
        both.push((
            "deny".to_owned(),
            Some(
                r#"{"Statement":{"Effect":"Deny","Action":"execute-api:*","Resource":"*"}}"#
                    .to_owned(),
            ),
        ));
        let denied = evaluate(&both, "execute-api:Invoke", ARN);
        assert_eq!(
            (denied.allowed, denied.reason.as_str()),
            (false, "explicitly denied by deny")
        );
    }

    #[test]
    fn managed_policies_are_known_by_arn_and_conditions_are_not_applied() {
        let managed = vec![(
            "arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess".to_owned(),
            None,
        )];
        assert!(evaluate(&managed, "execute-api:Invoke", ARN).allowed);
        let unknown = vec![("arn:aws:iam::aws:policy/SomethingElse".to_owned(), None)];
        let evaluation = evaluate(&unknown, "execute-api:Invoke", ARN);
        assert!(!evaluation.allowed);
        assert_eq!(evaluation.notes.len(), 1);
        let conditional = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
        let evaluation = evaluate(&inline(conditional), "execute-api:Invoke", ARN);
        assert!(!evaluation.allowed);
        assert!(evaluation.notes[0].contains("Condition"), "{evaluation:?}");
        let not_action = r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
        assert!(evaluate(&inline(not_action), "execute-api:Invoke", ARN).allowed);
    }
}
