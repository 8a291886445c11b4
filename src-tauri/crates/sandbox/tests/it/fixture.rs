//! The shared sandbox fixture (`lab-testkit`), and the one set-up only these tests need.

pub use lab_testkit::Sandbox;
pub use lab_testkit::dynamodb::{attribute, create_table, error_of, key, n, s};
pub use lab_testkit::spawn_backend;

/// A binary of `lab-test-function` (lambda_runtime), built on demand with the cargo running us
/// and zipped as a `provided` runtime's `bootstrap`.
pub fn rust_function_zip(binary: &str) -> aws_sdk_lambda::primitives::Blob {
    aws_sdk_lambda::primitives::Blob::new(lab_testkit::bootstrap_zip!("lab-test-function", binary))
}
