//! Why an action (or any other call to the target) failed, by kind, so that the app and the CLI
//! can say what to do without reading the message: AWS refused it (with AWS's error code), the
//! target did not answer, a function's package is not built, the lesson asks for something it
//! cannot have, something in the account stands in the way, or it did not work out otherwise.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::result::CreateUnhandledError;

/// An action failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    /// AWS (or the sandbox) answered with an error.
    #[error("{operation} failed: {code}: {message}")]
    Aws {
        operation: String,
        /// AWS's error code (`ResourceInUseException`).
        code: String,
        message: String,
    },
    /// The call never got an answer: the target is not running, not reachable, or too slow.
    #[error("{operation} failed: {message}")]
    Unreachable { operation: String, message: String },
    /// A Lambda function's package is not built (or not usable).
    #[error("{0}")]
    ArtifactMissing(String),
    /// The lesson asks for something it cannot have yet (a variable no step has set).
    #[error("{0}")]
    Lesson(String),
    /// Something in the account stands in the way (a resource of the same name, made
    /// differently).
    #[error("{0}")]
    Conflict(String),
    /// Anything else: a resource that never became ready, the journal failing.
    #[error("{0}")]
    Failed(String),
}

impl ProvisionError {
    /// AWS's error code, when AWS answered with one.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    /// What the student can do about it, for the errors a lab meets.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Aws { code, .. } => aws_hint(code),
            Self::Unreachable { .. } => Some(
                "The target did not answer. The sandbox starts again by itself if it stopped: \
                 run the step again in a moment. On AWS, check the network and the region in \
                 Settings.",
            ),
            Self::ArtifactMissing(_) => Some(
                "The lab's functions are not packaged yet: run `make lambdas` in the project, \
                 then run the step again.",
            ),
            Self::Lesson(_) => Some("Run the earlier steps of the lesson first, in order."),
            Self::Conflict(_) | Self::Failed(_) => None,
        }
    }
}

/// What to do about AWS's error `code`.
fn aws_hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            "The credentials may not do this. In AWS Academy, make sure the Learner Lab is \
             started and use LabRole; elsewhere, ask for the permission the message names."
        }
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException" => {
            "The credentials have expired: in AWS Academy open the Learner Lab, click \"AWS \
             Details\" and paste the new ones in Settings."
        }
        "ResourceInUseException" | "ResourceConflictException" | "ConflictException" => {
            "Something with this name exists or is still changing: wait a few seconds and \
             run the step again, or tear the lesson down first."
        }
        "ThrottlingException" | "TooManyRequestsException" | "Throttling" => {
            "AWS is limiting the request rate: wait a moment and run the step again."
        }
        "LimitExceededException" => {
            "An account limit was reached: tear down what earlier lessons left and try again."
        }
        "InvalidParameterValueException" | "ValidationException" | "BadRequestException" => {
            "A parameter was refused: check the lesson's variables (earlier steps may need \
             to run again)."
        }
        _ => return None,
    })
}

/// A failed SDK call of `operation`, by kind: no answer at all, or AWS's error.
pub fn aws_error<E, R>(operation: &str, error: SdkError<E, R>) -> ProvisionError
where
    E: ProvideErrorMetadata + CreateUnhandledError + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &error {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => ProvisionError::Unreachable {
            operation: operation.to_owned(),
            message: DisplayErrorContext(&error).to_string(),
        },
        _ => service_error(operation, error.into_service_error()),
    }
}

/// AWS's error `error` of `operation`; one without a code (an answer that could not be read)
/// is a failure of its own.
pub fn service_error<E>(operation: &str, error: E) -> ProvisionError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let message = error
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| DisplayErrorContext(&error).to_string());
    match error.code() {
        Some(code) => ProvisionError::Aws {
            operation: operation.to_owned(),
            code: code.to_owned(),
            message,
        },
        None => ProvisionError::Failed(format!("{operation} failed: {message}")),
    }
}

impl From<lab_functions::ArtifactError> for ProvisionError {
    fn from(error: lab_functions::ArtifactError) -> Self {
        match error {
            lab_functions::ArtifactError::Read { .. } => Self::Failed(error.to_string()),
            _ => Self::ArtifactMissing(error.to_string()),
        }
    }
}

impl From<crate::journal::JournalError> for ProvisionError {
    fn from(error: crate::journal::JournalError) -> Self {
        Self::Failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_says_what_to_do_without_reading_its_message() {
        let aws = ProvisionError::Aws {
            operation: "CreateTable".into(),
            code: "ExpiredTokenException".into(),
            message: "The security token included in the request is expired".into(),
        };
        assert_eq!(aws.aws_code(), Some("ExpiredTokenException"));
        assert!(aws.hint().unwrap().contains("expired"));
        assert_eq!(
            aws.to_string(),
            "CreateTable failed: ExpiredTokenException: The security token included in the request is expired"
        );
        let missing = ProvisionError::ArtifactMissing("no package".into());
        assert!(missing.hint().unwrap().contains("make lambdas"));
        assert!(
            ProvisionError::Unreachable {
                operation: "GetRole".into(),
                message: "connection refused".into()
            }
            .hint()
            .is_some()
        );
        assert_eq!(ProvisionError::Failed("timed out".into()).hint(), None);
    }
}
