//! API Gateway's own answers to a REST API request it refuses or could not serve: a status,
//! `{"message": …}` and the error type in `x-amzn-ErrorType`, as AWS words them.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::apigw::http::Trace;

/// One of API Gateway's own answers for REST APIs.
#[derive(Debug, Clone)]
pub(super) struct Refusal {
    status: StatusCode,
    message: Cow<'static, str>,
    error_type: &'static str,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [("content-type", "application/json")],
            json!({ "message": self.message }).to_string(),
        )
            .into_response();
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type),
        );
        response
    }
}

pub(super) const FORBIDDEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("Forbidden"),
    error_type: "ForbiddenException",
};

pub(super) const MISSING_TOKEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("Missing Authentication Token"),
    error_type: "MissingAuthenticationTokenException",
};

pub(super) const UNSUPPORTED_MEDIA_TYPE: Refusal = Refusal {
    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    message: Cow::Borrowed("Unsupported Media Type"),
    error_type: "UnsupportedMediaTypeException",
};

pub(super) const THROTTLED: Refusal = Refusal {
    status: StatusCode::TOO_MANY_REQUESTS,
    message: Cow::Borrowed("Too Many Requests"),
    error_type: "TooManyRequestsException",
};

pub(super) const LIMIT_EXCEEDED: Refusal = Refusal {
    status: StatusCode::TOO_MANY_REQUESTS,
    message: Cow::Borrowed("Limit Exceeded"),
    error_type: "LimitExceededException",
};

/// A request its method's validator refused: API Gateway's 400 with what was wrong.
pub(super) fn invalid_request(message: String) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message: Cow::Owned(message),
        error_type: "BadRequestException",
    }
}

/// A request body a mapping template could not read as JSON: API Gateway's 400.
pub(super) fn unparsable_body(detail: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message: Cow::Owned(format!("Could not parse request body into json: {detail}")),
        error_type: "BadRequestException",
    }
}

/// [`failure`] as the response the client gets.
pub(super) fn fail(trace: &mut Trace, status: StatusCode, reason: String) -> Response {
    failure(trace, status, reason).into_response()
}

/// What the client sees when an integration failed; `reason` goes to the inspector and logs.
pub(super) fn failure(trace: &mut Trace, status: StatusCode, reason: String) -> Refusal {
    trace.error = Some(reason);
    let internal = Cow::Borrowed("Internal server error");
    match status {
        StatusCode::GATEWAY_TIMEOUT => Refusal {
            status,
            message: Cow::Borrowed("Endpoint request timed out"),
            error_type: "IntegrationTimeoutException",
        },
        StatusCode::BAD_GATEWAY => Refusal {
            status,
            message: internal,
            error_type: "InternalServerErrorException",
        },
        _ => Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: internal,
            error_type: "InternalServerErrorException",
        },
    }
}
