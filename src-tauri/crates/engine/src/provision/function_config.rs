//! `lambda.update-function-configuration`: a function's memory or timeout changed, waited for
//! until Lambda has applied it (`LastUpdateStatus` `Successful`), so the next step meets the
//! new configuration — and, for a memory change, new environments.

use aws_sdk_lambda::types::LastUpdateStatus;
use serde_json::json;

use super::{Context, Done, ProvisionError, aws_error, wait_until};

pub(super) async fn update(
    context: &Context<'_>,
    function: &str,
    memory_size: Option<i32>,
    timeout: Option<i32>,
) -> Result<Done, ProvisionError> {
    if memory_size.is_none() && timeout.is_none() {
        return Err(ProvisionError::Lesson(
            "lambda.update-function-configuration needs memory_size or timeout".to_owned(),
        ));
    }
    let lambda = &context.cloud.lambda;
    let updated = lambda
        .update_function_configuration()
        .function_name(function)
        .set_memory_size(memory_size)
        .set_timeout(timeout)
        .send()
        .await
        .map_err(|error| aws_error("UpdateFunctionConfiguration", error))?;
    wait_for_update(context, function).await?;
    let mut changes = Vec::new();
    if let Some(memory) = updated.memory_size() {
        changes.push(format!("{memory} MB of memory"));
    }
    if let Some(timeout) = updated.timeout() {
        changes.push(format!("a {timeout} s timeout"));
    }
    Ok(Done {
        summary: format!("function {function} now has {}", changes.join(" and ")),
        response: json!({
            "FunctionArn": updated.function_arn(),
            "MemorySize": updated.memory_size(),
            "Timeout": updated.timeout(),
        }),
        commands: Vec::new(),
        adopted: None,
    })
}

/// Waits until Lambda has applied the last change to `function` (`LastUpdateStatus`).
pub(super) async fn wait_for_update(
    context: &Context<'_>,
    function: &str,
) -> Result<(), ProvisionError> {
    let lambda = &context.cloud.lambda;
    wait_until(
        &format!("function {function}'s update to apply"),
        || async {
            let output = lambda
                .get_function_configuration()
                .function_name(function)
                .send()
                .await
                .map_err(|error| aws_error("GetFunctionConfiguration", error))?;
            match output.last_update_status() {
                Some(LastUpdateStatus::Successful) | None => Ok(true),
                Some(LastUpdateStatus::Failed) => Err(ProvisionError::Failed(format!(
                    "function {function}'s update failed: {}",
                    output.last_update_status_reason().unwrap_or_default()
                ))),
                _ => Ok(false),
            }
        },
    )
    .await
}
