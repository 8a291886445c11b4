//! One error type for every way a call can fail, named by the AWS error code a student would
//! look up: what DynamoDB answered (`ResourceNotFoundException`, `ValidationException`,
//! `ConditionalCheckFailedException`, …), or the code DynamoDB uses for the same mistake when
//! the function itself finds it before calling (a body that is not JSON, a parameter of the
//! wrong type).

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use serde_json::{Value, json};

/// A failed call: its AWS error code, a message, and the HTTP status to answer with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CallError {
    /// The AWS error code, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
    /// 400 for the caller's mistakes, 5xx when DynamoDB failed or could not be reached.
    pub status: u16,
}

impl CallError {
    /// The request's parameters break a rule.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::bad_request("ValidationException", message)
    }

    /// The request could not be read at all (not JSON, or not the expected shape).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::bad_request("SerializationException", message)
    }

    fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            status: 400,
        }
    }

    /// The error body the HTTP functions answer with: `{"error": code, "message": …}`.
    pub fn to_json(&self) -> Value {
        json!({"error": self.code, "message": self.message})
    }
}

/// A value written against its notation is the caller's mistake, as DynamoDB calls it.
impl From<attribute_notation::NotationError> for CallError {
    fn from(error: attribute_notation::NotationError) -> Self {
        Self::validation(error.0)
    }
}

impl<E> From<SdkError<E, HttpResponse>> for CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn from(error: SdkError<E, HttpResponse>) -> Self {
        match &error {
            SdkError::ServiceError(failure) => {
                let service_error = failure.err();
                let server_side = failure.raw().status().is_server_error();
                Self {
                    code: service_error.code().unwrap_or("UnknownError").to_owned(),
                    message: service_error.message().unwrap_or_default().to_owned(),
                    status: if server_side { 500 } else { 400 },
                }
            }
            // The SDK refused to build the request (a required parameter is missing).
            SdkError::ConstructionFailure(_) => Self::validation(format!(
                "the request cannot be sent: {}",
                DisplayErrorContext(&error)
            )),
            // No answer from DynamoDB: unreachable, timed out, or an unreadable response.
            _ => Self {
                code: "ServiceUnavailable".to_owned(),
                message: format!(
                    "DynamoDB could not be reached: {}",
                    DisplayErrorContext(&error)
                ),
                status: 503,
            },
        }
    }
}

/// Functions invoked directly report a failure as a Lambda function error whose type is the
/// AWS error code, and whose message starts with it too (as boto3's `ClientError` messages name
/// their code): API Gateway selects a non-proxy integration response by the message alone.
impl From<CallError> for lambda_runtime::Diagnostic {
    fn from(error: CallError) -> Self {
        Self {
            error_message: format!("{}: {}", error.code, error.message),
            error_type: error.code,
        }
    }
}
