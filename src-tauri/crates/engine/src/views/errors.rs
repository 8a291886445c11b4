//! The engine's errors as the window receives them: each kind of failure gets its
//! [`ErrorCode`] here, from the error's variant — never from its message.

use crate::data::DataError;
use crate::provision::ProvisionError;
use crate::run::RunError;
use lab_contract::{ErrorCode, ErrorDto};

/// The code of a failed call to the target.
pub fn provision_code(error: &ProvisionError) -> ErrorCode {
    match error {
        ProvisionError::Aws { .. } => ErrorCode::AwsError,
        ProvisionError::Unreachable { .. } => ErrorCode::TargetUnavailable,
        ProvisionError::ArtifactMissing(_) => ErrorCode::ArtifactMissing,
        ProvisionError::Lesson(_) => ErrorCode::LessonProblem,
        ProvisionError::Conflict(_) => ErrorCode::Conflict,
        ProvisionError::Failed(_) => ErrorCode::Internal,
    }
}

pub fn provision(error: &ProvisionError) -> ErrorDto {
    ErrorDto::new(provision_code(error), error.to_string())
}

/// The code of a failed step.
pub fn run_code(error: &RunError) -> ErrorCode {
    match error {
        RunError::Action { error, .. } => provision_code(error),
        RunError::Check { .. } => ErrorCode::CheckFailed,
        RunError::MissingOutput { .. } | RunError::Load { .. } => ErrorCode::LessonProblem,
        RunError::UnknownStep(_) | RunError::Choice(_) => ErrorCode::InvalidInput,
        RunError::Journal(_) => ErrorCode::Internal,
    }
}

pub fn data(error: &DataError) -> ErrorDto {
    match error {
        DataError::BadStartKey(_) => ErrorDto::new(ErrorCode::InvalidInput, error.to_string()),
        DataError::Call(call) => provision(call),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_is_coded_by_what_failed() {
        let missing = RunError::Action {
            step: "function".into(),
            error: ProvisionError::ArtifactMissing("no package".into()),
        };
        assert_eq!(run_code(&missing), ErrorCode::ArtifactMissing);
        let refused = RunError::Action {
            step: "table".into(),
            error: ProvisionError::Aws {
                operation: "CreateTable".into(),
                code: "AccessDeniedException".into(),
                message: "not allowed".into(),
            },
        };
        assert_eq!(run_code(&refused), ErrorCode::AwsError);
        let check = RunError::Check {
            step: "s".into(),
            check: "c".into(),
            detail: "d".into(),
        };
        assert_eq!(run_code(&check), ErrorCode::CheckFailed);
        assert_eq!(
            run_code(&RunError::UnknownStep("x".into())),
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn a_bad_start_key_is_the_callers_and_a_refused_scan_is_aws_s() {
        assert_eq!(
            data(&DataError::BadStartKey("not 3".into())).code,
            ErrorCode::InvalidInput
        );
        let unreachable = DataError::Call(ProvisionError::Unreachable {
            operation: "Scan".into(),
            message: "connection refused".into(),
        });
        assert_eq!(data(&unreachable).code, ErrorCode::TargetUnavailable);
    }
}
