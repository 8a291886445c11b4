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
