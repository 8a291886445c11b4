//! `iam.execution-role`: finds the role the lesson's functions run as, or creates one.
//!
//! `LabRole` exists in AWS Academy (where nobody may create roles) and in the sandbox, and is
//! used as it is. In any other account the engine creates a role under the path
//! `/serverless-lab/` that Lambda may assume, with one inline policy allowing only what the
//! lesson needs — its tables' items and its functions' log streams — and journals it so that
//! teardown removes it last.

use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use super::{Context, Done, ProvisionError, aws_error, code_of};
use crate::journal::Kind;
use crate::lesson::action::ExecutionRole;
use crate::lesson::cli::CliCommand;

/// The IAM path of every role the engine creates; teardown's sweep lists roles under it.
pub const ROLE_PATH: &str = "/serverless-lab/";

/// The name of the inline policy on a created role.
pub const POLICY_NAME: &str = "serverless-lab-access";

/// Lambda may assume the role, nobody else.
pub const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The item-level DynamoDB actions the lab's functions use.
const TABLE_ACTIONS: [&str; 9] = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

/// The role's parameters with every variable filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub create: String,
    pub tables: Vec<String>,
    pub functions: Vec<String>,
    pub manage_connections: bool,
}

/// The inline policy: the tables' items (and their indexes), the functions' log groups, and —
/// for functions that talk to WebSocket clients — the `@connections` API of the account's APIs
/// in the region (the API does not exist yet when the role is made).
pub fn access_policy(
    account: &str,
    region: &str,
    tables: &[String],
    functions: &[String],
    manage_connections: bool,
) -> Value {
    let mut statements = Vec::new();
    if !tables.is_empty() {
        let resources: Vec<String> = tables
            .iter()
            .flat_map(|table| {
                let arn = format!("arn:aws:dynamodb:{region}:{account}:table/{table}");
                [format!("{arn}/index/*"), arn]
            })
            .collect();
        statements.push(json!({
            "Sid": "LessonTables",
            "Effect": "Allow",
            "Action": TABLE_ACTIONS,
            "Resource": resources,
        }));
    }
    if !functions.is_empty() {
        let groups: Vec<String> = functions
            .iter()
            .flat_map(|function| {
                let group =
                    format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function}");
                [group.clone(), format!("{group}:*")]
            })
            .collect();
        statements.push(json!({
            "Sid": "FunctionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": groups,
        }));
    }
    if manage_connections {
        statements.push(json!({
            "Sid": "WebSocketConnections",
            "Effect": "Allow",
            "Action": "execute-api:ManageConnections",
            "Resource": format!("arn:aws:execute-api:{region}:{account}:*/*/*/@connections/*"),
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Uses `wanted.name` when it exists, else creates (or adopts an earlier run's) `wanted.create`.
pub(super) async fn ensure(
    context: &Context<'_>,
    _action: &ExecutionRole,
    wanted: &Wanted,
) -> Result<Done, ProvisionError> {
    let iam = &context.cloud.iam;
    match iam.get_role().role_name(&wanted.name).send().await {
        Ok(found) => {
            let arn = found
                .role()
                .map(|role| role.arn().to_owned())
                .unwrap_or_default();
            return Ok(done(
                &wanted.name,
                &arn,
                format!("functions run as {} ({arn})", wanted.name),
                Vec::new(),
            ));
        }
        // AWS Academy lets students pass LabRole but not always read it: it is there.
        Err(error) if code_of(&error) == Some("AccessDenied") => {
            let arn = format!(
                "arn:aws:iam::{}:role/{}",
                context.cloud.account, wanted.name
            );
            return Ok(done(
                &wanted.name,
                &arn,
                format!(
                    "functions run as {} ({arn}); this account may not read roles",
                    wanted.name
                ),
                Vec::new(),
            ));
        }
        Err(error) if code_of(&error) == Some("NoSuchEntity") => {}
        Err(error) => return Err(aws_error("GetRole", error)),
    }
    let policy = access_policy(
        &context.cloud.account,
        &context.cloud.region,
        &wanted.tables,
        &wanted.functions,
        wanted.manage_connections,
    )
    .to_string();
    let arn = match iam.get_role().role_name(&wanted.create).send().await {
        Ok(found) => {
            let role = found.role();
            if role.map(|role| role.path()) != Some(ROLE_PATH) {
                return Err(ProvisionError::Conflict(format!(
                    "a role named {} exists already and was not made by this app (its path is \
                     not {ROLE_PATH}): name another role in the lesson's `create`",
                    wanted.create
                )));
            }
            context.reclaim(Kind::Role, &wanted.create, &wanted.create)?;
            role.map(|role| role.arn().to_owned()).unwrap_or_default()
        }
        Err(error) if code_of(&error) == Some("NoSuchEntity") => {
            context
                .journaled(Kind::Role, &wanted.create, Some(&wanted.create), async {
                    let mut request = iam
                        .create_role()
                        .role_name(&wanted.create)
                        .path(ROLE_PATH)
                        .assume_role_policy_document(TRUST_POLICY)
                        .description(format!(
                            "Runs the functions of the lesson {}",
                            context.lesson
                        ));
                    for (key, value) in context.tags() {
                        let tag = Tag::builder()
                            .key(key)
                            .value(value)
                            .build()
                            .map_err(|error| ProvisionError::Failed(error.to_string()))?;
                        request = request.tags(tag);
                    }
                    let output = request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateRole", error))?;
                    let arn = output
                        .role()
                        .map(|role| role.arn().to_owned())
                        .unwrap_or_default();
                    Ok((arn, None))
                })
                .await?
        }
        Err(error) => return Err(aws_error("GetRole", error)),
    };
    // Written every time, so the policy follows the lesson's tables and functions.
    iam.put_role_policy()
        .role_name(&wanted.create)
        .policy_name(POLICY_NAME)
        .policy_document(&policy)
        .send()
        .await
        .map_err(|error| aws_error("PutRolePolicy", error))?;
    let commands = creation_commands(context, wanted, &policy);
    Ok(done(
        &wanted.create,
        &arn,
        format!(
            "{} does not exist here: created {} ({arn}), allowed only the lesson's tables and logs",
            wanted.name, wanted.create
        ),
        commands,
    ))
}

fn done(name: &str, arn: &str, summary: String, commands: Vec<String>) -> Done {
    Done {
        summary,
        response: json!({"Role": {"Arn": arn, "RoleName": name}}),
        commands,
        adopted: None,
    }
}

/// The AWS CLI commands that create the role as the engine did.
fn creation_commands(context: &Context<'_>, wanted: &Wanted, policy: &str) -> Vec<String> {
    let tags = context
        .tags()
        .iter()
        .map(|(key, value)| format!("Key={key},Value={value}"))
        .collect::<Vec<_>>();
    [
        CliCommand::new("iam", "create-role")
            .arg("role-name", &wanted.create)
            .arg("path", ROLE_PATH)
            .arg("assume-role-policy-document", TRUST_POLICY)
            .args("tags", tags),
        CliCommand::new("iam", "put-role-policy")
            .arg("role-name", &wanted.create)
            .arg("policy-name", POLICY_NAME)
            .arg("policy-document", policy),
    ]
    .into_iter()
    .map(|command| {
        command
            .arg("region", &context.cloud.region)
            .arg_opt("endpoint-url", context.cloud.endpoint_url.as_deref())
            .to_string()
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_policy_names_only_the_lessons_tables_and_log_groups() {
        let policy = access_policy(
            "123456789012",
            "us-east-1",
            &["items".to_owned()],
            &["LambdaCRUD".to_owned()],
            false,
        );
        let tables = &policy["Statement"][0];
        assert_eq!(
            tables["Resource"],
            json!([
                "arn:aws:dynamodb:us-east-1:123456789012:table/items/index/*",
                "arn:aws:dynamodb:us-east-1:123456789012:table/items"
            ])
        );
        let actions = tables["Action"].as_array().unwrap();
        assert!(actions.iter().all(|action| {
            let action = action.as_str().unwrap();
            action.starts_with("dynamodb:") && !action.contains("Table")
                || action == "dynamodb:DescribeTable"
        }));
        let logs = &policy["Statement"][1];
        assert_eq!(
            logs["Resource"][1],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/LambdaCRUD:*"
        );
        assert!(
            !policy.to_string().contains("\"*\""),
            "no wildcard resource: {policy}"
        );
    }

    #[test]
    fn a_lesson_without_tables_or_functions_gets_no_statements() {
        let policy = access_policy("1", "r", &[], &[], false);
        assert_eq!(policy["Statement"], json!([]));
    }

    #[test]
    fn websocket_functions_may_manage_connections_of_the_accounts_apis() {
        let policy = access_policy("123456789012", "us-east-1", &[], &[], true);
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Action"], "execute-api:ManageConnections");
        assert_eq!(
            statement["Resource"],
            "arn:aws:execute-api:us-east-1:123456789012:*/*/*/@connections/*"
        );
    }
}
