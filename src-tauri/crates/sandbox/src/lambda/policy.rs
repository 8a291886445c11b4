//! Resource-based policies: the statements AddPermission creates, rendered as AWS renders them,
//! and the check API Gateway makes before invoking a function.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// The body of AddPermission.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionInput {
    pub statement_id: String,
    pub action: String,
    pub principal: String,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub principal_org_i_d: Option<String>,
    pub function_url_auth_type: Option<String>,
}

/// The `Resource` of a statement in the policy of the function at `function_arn`, or of its
/// version or alias `qualifier` (`$LATEST` is the function's own).
pub fn resource_of(function_arn: &str, qualifier: Option<&str>) -> String {
    match qualifier.filter(|q| *q != "$LATEST") {
        Some(qualifier) => format!("{function_arn}:{qualifier}"),
        None => function_arn.to_owned(),
    }
}

/// One statement of a function's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sid: String,
    pub action: String,
    pub principal: String,
    pub resource: String,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
}

impl Statement {
    pub fn new(input: &AddPermissionInput, resource: String) -> Self {
        Self {
            sid: input.statement_id.clone(),
            action: input.action.clone(),
            principal: input.principal.clone(),
            resource,
            source_arn: input.source_arn.clone(),
            source_account: input.source_account.clone(),
        }
    }

    /// The statement as AWS renders it in a policy document.
    pub fn to_json(&self) -> Json {
        let principal = if self.principal == "*" {
            json!("*")
        } else if self.principal.len() == 12 && self.principal.bytes().all(|b| b.is_ascii_digit()) {
            json!({"AWS": format!("arn:aws:iam::{}:root", self.principal)})
        } else if self.principal.starts_with("arn:") {
            json!({"AWS": self.principal})
        } else {
            json!({"Service": self.principal})
        };
        let mut statement = json!({
            "Sid": self.sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": self.action,
            "Resource": self.resource,
        });
        let mut condition: BTreeMap<&str, Json> = BTreeMap::new();
        if let Some(account) = &self.source_account {
            condition.insert("StringEquals", json!({"AWS:SourceAccount": account}));
        }
        if let Some(arn) = &self.source_arn {
            condition.insert("ArnLike", json!({"AWS:SourceArn": arn}));
        }
        if !condition.is_empty() {
            statement["Condition"] = json!(condition);
        }
        statement
    }

    /// Whether this statement lets `principal` (a service) invoke the function from `source_arn`.
    pub fn allows_invoke(&self, principal: &str, source_arn: &str) -> bool {
        let action = matches!(
            self.action.as_str(),
            "lambda:InvokeFunction" | "lambda:*" | "*"
        );
        let who = self.principal == principal || self.principal == "*";
        let from = self
            .source_arn
            .as_deref()
            .is_none_or(|pattern| arn_like(pattern, source_arn));
        action && who && from
    }
}

/// The policy document: `{"Version", "Id", "Statement": [...]}`.
pub fn document(statements: &[Statement]) -> String {
    json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": statements.iter().map(Statement::to_json).collect::<Vec<_>>(),
    })
    .to_string()
}

/// IAM's `ArnLike`: `*` matches any run of characters, `?` any one character.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    let (pattern, value): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), value.chars().collect());
    let (mut p, mut v) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while v < value.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = v;
            p += 1;
        } else if p < pattern.len() && (pattern[p] == '?' || pattern[p] == value[v]) {
            p += 1;
            v += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            v = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_like_matches_wildcards() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/";
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*/*/*",
            "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/x"
        ));
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*",
            arn
        ));
        assert!(!arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:other/*",
            arn
        ));
        assert!(arn_like("arn:aws:execute-api:us-east-?:*", arn));
    }

    #[test]
    fn statements_render_as_aws_renders_them() {
        let input = AddPermissionInput {
            statement_id: "apigateway-invoke".into(),
            action: "lambda:InvokeFunction".into(),
            principal: "apigateway.amazonaws.com".into(),
            source_arn: Some("arn:aws:execute-api:us-east-1:000000000000:abc/*".into()),
            source_account: None,
            principal_org_i_d: None,
            function_url_auth_type: None,
        };
        let statement = Statement::new(
            &input,
            "arn:aws:lambda:us-east-1:000000000000:function:f".into(),
        );
        assert_eq!(
            statement.to_json(),
            json!({
                "Sid": "apigateway-invoke",
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
                "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*"}},
            })
        );
        assert!(statement.allows_invoke(
            "apigateway.amazonaws.com",
            "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/"
        ));
        assert!(!statement.allows_invoke(
            "events.amazonaws.com",
            "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/"
        ));
    }
}
