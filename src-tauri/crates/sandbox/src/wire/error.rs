//! [`AwsError`]: the one error type of every service operation, and how each protocol renders it.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Protocol;
use super::query::xml_escape;

/// The XML namespace of STS, for query errors of no particular service.
const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An error as AWS reports it: a code (`ResourceNotFoundException`), an HTTP status and a message
/// that matches AWS's word for word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    pub code: &'static str,
    pub status: StatusCode,
    pub message: String,
    /// The namespace awsJson services put before the code in `__type`.
    pub namespace: &'static str,
    /// Further members of the error body, e.g. the `Item` of a failed condition check.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

const CORAL_NAMESPACE: &str = "com.amazon.coral.service";

impl AwsError {
    pub fn new(
        namespace: &'static str,
        code: &'static str,
        status: StatusCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            status,
            message: message.into(),
            namespace,
            extra: serde_json::Map::new(),
        }
    }

    /// Adds a member to the error body.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// An awsJson or query operation this sandbox does not know.
    pub fn unknown_operation(operation: &str) -> Self {
        Self::new(
            CORAL_NAMESPACE,
            "UnknownOperationException",
            StatusCode::BAD_REQUEST,
            format!("The operation {operation:?} is not supported by the sandbox."),
        )
    }

    /// A call signed for an AWS service the sandbox does not have (`service` is its signing
    /// name): said plainly rather than as an unknown operation of another service.
    pub fn unserved_service(service: &str) -> Self {
        Self::new(
            CORAL_NAMESPACE,
            "NotImplemented",
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "The sandbox has no {service} service: it serves DynamoDB, Lambda, API Gateway \
                 (HTTP, WebSocket and REST APIs), CloudWatch Logs, IAM, STS, Cognito user pools, \
                 S3 and the Resource Groups Tagging API. Run this against AWS instead."
            ),
        )
    }

    /// A request the sandbox refuses to serve (a web page's, or one addressed to a foreign
    /// host), coded as `protocol`'s services code access denials.
    pub fn access_denied(protocol: &Protocol, message: impl Into<String>) -> Self {
        match protocol {
            Protocol::Query => Self::new(
                STS_NAMESPACE,
                "AccessDenied",
                StatusCode::FORBIDDEN,
                message,
            ),
            _ => Self::new(
                CORAL_NAMESPACE,
                "AccessDeniedException",
                StatusCode::FORBIDDEN,
                message,
            ),
        }
    }

    /// A SigV4 credential scope whose region is not an AWS region, as AWS answers it.
    pub fn invalid_region_scope(protocol: &Protocol, region: &str) -> Self {
        let shown: String = region.chars().take(64).collect();
        let message = format!("Credential should be scoped to a valid region, not '{shown}'.");
        match protocol {
            Protocol::Query => Self::new(
                STS_NAMESPACE,
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                message,
            ),
            Protocol::AwsJson { .. } => Self::new(
                CORAL_NAMESPACE,
                "InvalidSignatureException",
                StatusCode::BAD_REQUEST,
                message,
            ),
            Protocol::RestJson => Self::new(
                CORAL_NAMESPACE,
                "InvalidSignatureException",
                StatusCode::FORBIDDEN,
                message,
            ),
        }
    }

    /// AWS's answer when processing a request failed inside the service.
    pub fn internal_failure() -> Self {
        Self::new(
            CORAL_NAMESPACE,
            "InternalFailure",
            StatusCode::INTERNAL_SERVER_ERROR,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    /// A restJson method and path that matches no operation.
    pub fn unknown_rest_operation(method: &Method, path: &str) -> Self {
        Self::new(
            CORAL_NAMESPACE,
            "UnknownOperationException",
            StatusCode::NOT_FOUND,
            format!("No operation matches {method} {path} in the sandbox."),
        )
    }
}

/// A response with the content type and request id header every AWS answer carries.
pub fn respond(status: StatusCode, content_type: &str, body: String, request_id: &str) -> Response {
    respond_bytes(status, content_type, body.into_bytes(), request_id)
}

/// Like [`respond`], for a body that is not text (a packed one).
pub fn respond_bytes(
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
    request_id: &str,
) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// The status, content type and body of `error` as `protocol`'s clients parse it.
pub fn error_body(
    protocol: &Protocol,
    error: &AwsError,
    request_id: &str,
) -> (StatusCode, String, String) {
    let (content_type, body) = match protocol {
        Protocol::AwsJson { version } => {
            let mut body = serde_json::Map::new();
            body.insert(
                "__type".to_owned(),
                format!("{}#{}", error.namespace, error.code).into(),
            );
            // Some errors (a body that is not JSON) come without a message, as AWS sends them.
            if !error.message.is_empty() {
                body.insert("message".to_owned(), error.message.clone().into());
            }
            body.extend(error.extra.clone());
            (
                format!("application/x-amz-json-{version}"),
                serde_json::Value::Object(body).to_string(),
            )
        }
        Protocol::RestJson => {
            let mut body = serde_json::Map::new();
            body.insert("message".to_owned(), error.message.clone().into());
            body.extend(error.extra.clone());
            (
                "application/json".to_owned(),
                serde_json::Value::Object(body).to_string(),
            )
        }
        Protocol::Query => ("text/xml".to_owned(), query_error_xml(error, request_id)),
    };
    (error.status, content_type, body)
}

/// Renders `error` as `protocol`'s clients parse it, with the request id header AWS sends.
pub fn render_error(protocol: &Protocol, error: &AwsError, request_id: &str) -> Response {
    let (status, content_type, body) = error_body(protocol, error, request_id);
    let mut response = respond(status, &content_type, body, request_id);
    let headers = response.headers_mut();
    if matches!(protocol, Protocol::RestJson)
        && let Ok(value) = HeaderValue::from_str(error.code)
    {
        headers.insert("x-amzn-errortype", value);
    }
    response
}

fn query_error_xml(error: &AwsError, request_id: &str) -> String {
    let kind = if error.status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let code = match error.code {
        "UnknownOperationException" => "InvalidAction",
        other => other,
    };
    // Query services name their XML namespace where awsJson ones name a type prefix.
    let namespace = if error.namespace.starts_with("https://") {
        error.namespace
    } else {
        STS_NAMESPACE
    };
    format!(
        "<ErrorResponse xmlns=\"{namespace}\">\
         <Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        xml_escape(&error.message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_errors_name_the_sender() {
        let xml = query_error_xml(&AwsError::unknown_operation("Nope"), "req-1");
        assert!(
            xml.contains("<Type>Sender</Type><Code>InvalidAction</Code>"),
            "{xml}"
        );
        assert!(xml.contains("<RequestId>req-1</RequestId>"), "{xml}");
    }
}
