//! Errors as they cross the UI boundary: a stable machine-readable `code` plus a human `message`.
//!
//! The UI switches on `code` and shows `message`; it never parses message text.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure a command met, stable across releases so the UI can react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself was wrong (a bad parameter, an unknown lesson).
    InvalidInput,
    /// The target (sandbox or AWS) could not be reached or is not running.
    TargetUnavailable,
    /// AWS (or the sandbox) refused the call; the message carries AWS's error code.
    AwsError,
    /// A Lambda function's package is not built (`make lambdas`).
    ArtifactMissing,
    /// The lesson cannot go on as asked: a step needs what an earlier step makes.
    LessonProblem,
    /// Something in the account stands in the way: a resource of the same name, made differently.
    Conflict,
    /// A step ran, but its check of the target's state failed.
    CheckFailed,
    /// Anything the user cannot fix; the message says what happened.
    Internal,
}

/// An error returned by a command: `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message} ({code:?})")]
pub struct ErrorDto {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorDto {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An internal error whose message is the whole chain of causes, outermost first.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::new(ErrorCode::Internal, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let error = ErrorDto::new(ErrorCode::TargetUnavailable, "sandbox is not running");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "target_unavailable", "message": "sandbox is not running"})
        );
    }

    #[test]
    fn internal_error_message_carries_every_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("starting the sandbox")]
        struct Outer(#[source] std::io::Error);

        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "address in use",
        ));
        let dto = ErrorDto::internal(&error);
        assert_eq!(dto.code, ErrorCode::Internal);
        assert_eq!(dto.message, "starting the sandbox: address in use");
    }
}
