//! S3's errors: a code, an HTTP status, AWS's message word for word, and the further elements
//! S3 puts in its `<Error>` document (`BucketName`, `Key`, …). Rendered by `s3::http`.

use axum::http::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct S3Error {
    pub code: &'static str,
    pub status: StatusCode,
    pub message: String,
    pub extra: Vec<(&'static str, String)>,
}

impl S3Error {
    pub fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, element: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((element, value.into()));
        self
    }

    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            "NoSuchBucket",
            StatusCode::NOT_FOUND,
            "The specified bucket does not exist",
        )
        .with("BucketName", bucket)
    }

    pub fn no_such_key(key: &str) -> Self {
        Self::new(
            "NoSuchKey",
            StatusCode::NOT_FOUND,
            "The specified key does not exist.",
        )
        .with("Key", key)
    }

    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            "NoSuchUpload",
            StatusCode::NOT_FOUND,
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
        .with("UploadId", upload_id)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new("InvalidArgument", StatusCode::BAD_REQUEST, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new("InvalidRequest", StatusCode::BAD_REQUEST, message)
    }

    pub fn malformed_xml() -> Self {
        Self::new(
            "MalformedXML",
            StatusCode::BAD_REQUEST,
            "The XML you provided was not well-formed or did not validate against our published \
             schema",
        )
    }

    pub fn access_denied() -> Self {
        Self::new("AccessDenied", StatusCode::FORBIDDEN, "Access Denied")
    }

    pub fn precondition_failed(condition: &str) -> Self {
        Self::new(
            "PreconditionFailed",
            StatusCode::PRECONDITION_FAILED,
            "At least one of the pre-conditions you specified did not hold",
        )
        .with("Condition", condition)
    }

    pub fn bad_digest(what: &str) -> Self {
        Self::new(
            "BadDigest",
            StatusCode::BAD_REQUEST,
            format!("The {what} you specified did not match the calculated checksum."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalError", StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// An operation, or a part of one, that the sandbox's S3 does not serve: said plainly.
    pub fn not_implemented(what: &str) -> Self {
        Self::new(
            "NotImplemented",
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "The sandbox's S3 does not implement {what}. It serves buckets (with website, \
                 CORS, policy, tagging and Block Public Access settings), objects, listings and \
                 multipart uploads; run this against AWS instead."
            ),
        )
    }

    /// A write the store could not make durable.
    pub fn unsaved(error: impl std::fmt::Display) -> Self {
        Self::internal(format!(
            "We encountered an internal error. Please try again. (The sandbox could not save the \
             change: {error})"
        ))
    }
}
