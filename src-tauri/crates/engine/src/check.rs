//! Verifies the real state a step's checks describe.

use aws_sdk_dynamodb::types::TableStatus;
use aws_sdk_lambda::types::State as FunctionState;

use crate::cloud::{Cloud, describe_error};
use crate::lesson::{Check, Vars};

/// A check's verdict: what it looked at, and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub description: String,
    pub passed: bool,
    /// What was found, when the check failed.
    pub detail: Option<String>,
}

/// Looks at the target and says whether `check` holds.
pub async fn verify(cloud: &Cloud, check: &Check, vars: &Vars) -> Verdict {
    let fill = |text: &str| vars.fill_known(text);
    let outcome = match check {
        Check::TableActive { table } => {
            let table = fill(table);
            match cloud
                .dynamodb
                .describe_table()
                .table_name(&table)
                .send()
                .await
            {
                Ok(output) => match output.table().and_then(|t| t.table_status()) {
                    Some(TableStatus::Active) => Ok(()),
                    status => Err(format!("status {status:?}")),
                },
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::FunctionActive { function } => {
            let function = fill(function);
            match cloud
                .lambda
                .get_function_configuration()
                .function_name(&function)
                .send()
                .await
            {
                Ok(output) => match output.state() {
                    Some(FunctionState::Active) => Ok(()),
                    state => Err(format!("state {state:?}")),
                },
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::RoutePresent { api, route_key } => {
            let (api, route_key) = (fill(api), fill(route_key));
            match cloud.apigw.get_routes().api_id(&api).send().await {
                Ok(output)
                    if output
                        .items()
                        .iter()
                        .any(|r| r.route_key() == Some(&route_key)) =>
                {
                    Ok(())
                }
                Ok(output) => Err(format!(
                    "the routes are: {}",
                    output
                        .items()
                        .iter()
                        .filter_map(|route| route.route_key())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(error) => Err(describe_error(&error)),
            }
        }
        Check::Http {
            method,
            url,
            status,
            body_contains,
        } => http_check(method, &fill(url), *status, body_contains.as_deref()).await,
    };
    Verdict {
        description: describe(check, vars),
        passed: outcome.is_ok(),
        detail: outcome.err(),
    }
}

/// What `check` verifies, in words, variables filled where known.
pub fn describe(check: &Check, vars: &Vars) -> String {
    let fill = |text: &str| vars.fill_known(text);
    match check {
        Check::TableActive { table } => format!("table {} is ACTIVE", fill(table)),
        Check::FunctionActive { function } => format!("function {} is Active", fill(function)),
        Check::RoutePresent { api, route_key } => {
            format!("API {} has route {}", fill(api), fill(route_key))
        }
        Check::Http {
            method,
            url,
            status,
            ..
        } => format!("{method} {} answers {status}", fill(url)),
    }
}

async fn http_check(
    method: &str,
    url: &str,
    status: u16,
    body_contains: Option<&str>,
) -> Result<(), String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let response = reqwest::Client::new()
        .request(method, url)
        .send()
        .await
        .map_err(|error| format!("no answer: {error}"))?;
    let got = response.status().as_u16();
    let body = response.text().await.map_err(|error| error.to_string())?;
    if got != status {
        return Err(format!("answered {got}: {body}"));
    }
    match body_contains {
        Some(expected) if !body.contains(expected) => {
            Err(format!("the body lacks {expected}: {body}"))
        }
        _ => Ok(()),
    }
}
