//! Resource policies: AddPermission, GetPolicy, RemovePermission. The function, each version
//! and each alias has a policy of its own, as on AWS.

use axum::http::StatusCode;
use serde_json::json;

use super::versions::deployed_for;
use super::{Answer, parse};
use crate::lambda::function::{self, error};
use crate::lambda::policy::{self, AddPermissionInput, Statement};
use crate::lambda::{Lambda, split_qualifier};
use crate::store::Scope;
use crate::wire::Reply;
use crate::wire::rest::Call;

impl Lambda {
    pub(in crate::lambda) fn add_permission(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
        let input: AddPermissionInput = parse(body)?;
        if input.statement_id.len() > 100 {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'statementId' failed to satisfy constraint: Member must have length less than or equal to 100",
                input.statement_id
            )));
        }
        if !function::is_identifier(&input.statement_id, 100) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
                input.statement_id
            )));
        }
        if !input.action.starts_with("lambda:") && input.action != "*" {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
                input.action
            )));
        }
        let (_, qualifier) = split_qualifier(reference, call.query("Qualifier"));
        let answer = self.change(scope, reference, |function| {
            if let Some(qualifier) = &qualifier {
                deployed_for(function, scope, reference, Some(qualifier))?;
            }
            let resource = policy::resource_of(
                &function.latest.configuration.arn,
                qualifier.as_deref(),
            );
            if function
                .policy
                .iter()
                .any(|s| s.sid == input.statement_id && s.resource == resource)
            {
                return Err(error(
                    StatusCode::CONFLICT,
                    "ResourceConflictException",
                    "The statement id (sid) provided already exists. Please choose a new statement id, or remove the existing statement.",
                ));
            }
            let statement = Statement::new(&input, resource);
            let answer = json!({ "Statement": statement.to_json().to_string() });
            function.policy.push(statement);
            Ok(answer)
        })?;
        Ok(Reply::created(answer))
    }

    /// The policy of the function, or of the version or alias `Qualifier` names: each has its
    /// own, as on AWS.
    pub(in crate::lambda) fn get_policy(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let (_, qualifier) = split_qualifier(reference, call.query("Qualifier"));
        let answer = self.read(scope, reference, |function| {
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            let statements: Vec<Statement> = function
                .policy
                .iter()
                .filter(|s| s.resource == resource)
                .cloned()
                .collect();
            if statements.is_empty() {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    "The resource you requested does not exist.",
                ));
            }
            Ok(json!({
                "Policy": policy::document(&statements),
                "RevisionId": function.latest.configuration.revision_id,
            }))
        })??;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn remove_permission(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, sid) = (call.label("FunctionName"), call.label("StatementId"));
        let (_, qualifier) = split_qualifier(reference, call.query("Qualifier"));
        self.change(scope, reference, |function| {
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            let before = function.policy.len();
            function
                .policy
                .retain(|s| s.sid != sid || s.resource != resource);
            if function.policy.len() == before {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    format!("Statement {sid} is not found in resource policy."),
                ));
            }
            Ok(())
        })?;
        Ok(Reply::no_content())
    }
}
