//! DynamoDB's errors: the `com.amazonaws.dynamodb.v20120810` namespace and the exact messages.

use axum::http::StatusCode;

use crate::wire::AwsError;

pub const NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

fn error(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, code, StatusCode::BAD_REQUEST, message)
}

pub fn validation(message: impl Into<String>) -> AwsError {
    error("ValidationException", message)
}

pub fn serialization(message: impl Into<String>) -> AwsError {
    error("SerializationException", message)
}

pub fn resource_not_found(message: impl Into<String>) -> AwsError {
    error("ResourceNotFoundException", message)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    error("LimitExceededException", message)
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    error("ResourceInUseException", message)
}

pub fn conditional_check_failed() -> AwsError {
    error(
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
}

pub fn internal(message: impl Into<String>) -> AwsError {
    AwsError::new(
        NAMESPACE,
        "InternalServerError",
        StatusCode::INTERNAL_SERVER_ERROR,
        message,
    )
}

pub fn transaction_canceled(codes: &str) -> AwsError {
    error(
        "TransactionCanceledException",
        format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
        ),
    )
}

pub fn idempotent_parameter_mismatch() -> AwsError {
    error(
        "IdempotentParameterMismatchException",
        "The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.",
    )
}

/// The prefix of AWS's parameter-validation layer.
const DETECTED: &str = "1 validation error detected: ";

/// How `operation` reports `error`. AWS's item writes (PutItem, UpdateItem, DeleteItem) and
/// Query report some of their checks through the layer that reports parameter constraints, with
/// its "1 validation error detected: " in front; the same checks made by other operations
/// (Scan, GetItem, BatchGetItem, the transactions) keep the bare message.
pub fn as_reported_by(operation: &str, mut error: AwsError) -> AwsError {
    if error.code != "ValidationException" || error.message.starts_with(DETECTED) {
        return error;
    }
    let message = error.message.as_str();
    let prefixed = match operation {
        "PutItem" | "UpdateItem" | "DeleteItem" => {
            message.starts_with("Value provided in ExpressionAttribute")
                || message.starts_with("ExpressionAttributeValues must not be empty")
                || message.starts_with("ExpressionAttributeNames must not be empty")
                || message.starts_with("Invalid UpdateExpression: The expression can not be empty;")
                || message.starts_with("Invalid UpdateExpression: Two document paths overlap")
                || (message.starts_with("Invalid UpdateExpression: The \"")
                    && message.ends_with("section can only be used once in an update expression;"))
                || empty_set(message).is_some()
        }
        "Query" => {
            message.starts_with("Must specify the AttributesToGet or ProjectionExpression")
                || message.starts_with("Cannot specify the ")
                || message.starts_with("ALL_PROJECTED_ATTRIBUTES can be used only")
        }
        _ => false,
    };
    if prefixed {
        // The writes' layer names the empty set without saying where it came from.
        let message = empty_set(message).unwrap_or(message);
        error.message = format!("{DETECTED}{message}");
    }
    error
}

const EMPTY_SET: &str = "One or more parameter values were invalid: An ";
const NOT_EMPTY: &str = " set  may not be empty";

/// The "…An string set  may not be empty" part of an empty-set error, if it is one.
fn empty_set(message: &str) -> Option<&str> {
    let start = message.find(EMPTY_SET)?;
    let end = start + message[start..].find(NOT_EMPTY)? + NOT_EMPTY.len();
    Some(&message[start..end])
}
