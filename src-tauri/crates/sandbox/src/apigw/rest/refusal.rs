//! API Gateway's own answers to a REST API request it refuses or could not serve: a status,
//! `{"message": …}` and the error type in `x-amzn-ErrorType`, as AWS words them — each of a
//! gateway response type, which an API may word its own way ([`reword`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::model::GatewayResponse;
use super::model::gateway_response::DEFAULT_TEMPLATE;
use super::template::{self, Inputs};
use crate::apigw::Incoming;
use crate::apigw::http::Trace;

/// One of API Gateway's own answers for REST APIs.
#[derive(Debug, Clone)]
pub(super) struct Refusal {
    status: StatusCode,
    message: Cow<'static, str>,
    error_type: &'static str,
    /// The gateway response type that words it.
    response_type: &'static str,
}

/// What a response of API Gateway's own was, kept on it so that the API's gateway responses
/// can word it once the request is served.
#[derive(Debug, Clone)]
pub(super) struct OwnAnswer {
    pub response_type: &'static str,
    pub message: String,
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
        response.extensions_mut().insert(OwnAnswer {
            response_type: self.response_type,
            message: self.message.into_owned(),
        });
        response
    }
}

/// A request for an API or stage that is not there.
pub(super) const FORBIDDEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("Forbidden"),
    error_type: "ForbiddenException",
    response_type: "DEFAULT_4XX",
};

/// A request without a valid API key where its method requires one.
pub(super) const INVALID_API_KEY: Refusal = Refusal {
    response_type: "INVALID_API_KEY",
    ..FORBIDDEN
};

/// A request its method's authorization does not let in.
pub(super) const ACCESS_DENIED: Refusal = Refusal {
    response_type: "ACCESS_DENIED",
    ..FORBIDDEN
};

/// A request its authorizer did not let in: no token, a bad one, or the function said
/// `Unauthorized`.
pub(super) const UNAUTHORIZED: Refusal = Refusal {
    status: StatusCode::UNAUTHORIZED,
    message: Cow::Borrowed("Unauthorized"),
    error_type: "UnauthorizedException",
    response_type: "UNAUTHORIZED",
};

/// A request a Lambda authorizer's policy denies.
pub(super) const EXPLICIT_DENY: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("User is not authorized to access this resource with an explicit deny"),
    error_type: "AccessDeniedException",
    response_type: "ACCESS_DENIED",
};

/// A request a Lambda authorizer's policy does not allow.
pub(super) const NOT_AUTHORIZED: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("User is not authorized to access this resource"),
    error_type: "AccessDeniedException",
    response_type: "ACCESS_DENIED",
};

pub(super) const MISSING_TOKEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: Cow::Borrowed("Missing Authentication Token"),
    error_type: "MissingAuthenticationTokenException",
    response_type: "MISSING_AUTHENTICATION_TOKEN",
};

pub(super) const UNSUPPORTED_MEDIA_TYPE: Refusal = Refusal {
    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    message: Cow::Borrowed("Unsupported Media Type"),
    error_type: "UnsupportedMediaTypeException",
    response_type: "UNSUPPORTED_MEDIA_TYPE",
};

pub(super) const THROTTLED: Refusal = Refusal {
    status: StatusCode::TOO_MANY_REQUESTS,
    message: Cow::Borrowed("Too Many Requests"),
    error_type: "TooManyRequestsException",
    response_type: "THROTTLED",
};

pub(super) const LIMIT_EXCEEDED: Refusal = Refusal {
    status: StatusCode::TOO_MANY_REQUESTS,
    message: Cow::Borrowed("Limit Exceeded"),
    error_type: "LimitExceededException",
    response_type: "QUOTA_EXCEEDED",
};

/// A request `AWS_IAM` authorization refused, with API Gateway's message for why.
pub(super) fn iam(refusal: &crate::apigw::iam_auth::IamRefusal) -> Refusal {
    use crate::apigw::iam_auth::IamFailure;
    let (error_type, response_type) = match refusal.kind {
        IamFailure::MissingToken => (
            "MissingAuthenticationTokenException",
            "MISSING_AUTHENTICATION_TOKEN",
        ),
        IamFailure::InvalidToken => ("UnrecognizedClientException", "INVALID_SIGNATURE"),
        IamFailure::Expired => ("ExpiredTokenException", "EXPIRED_TOKEN"),
        IamFailure::InvalidSignature => ("InvalidSignatureException", "INVALID_SIGNATURE"),
        IamFailure::AccessDenied => ("AccessDeniedException", "ACCESS_DENIED"),
    };
    Refusal {
        status: refusal.status,
        message: Cow::Owned(refusal.message.clone()),
        error_type,
        response_type,
    }
}

/// A request missing parameters its method's validator requires: API Gateway's 400.
pub(super) fn missing_parameters(message: String) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message: Cow::Owned(message),
        error_type: "BadRequestException",
        response_type: "BAD_REQUEST_PARAMETERS",
    }
}

/// A request body its method's validator refused: API Gateway's 400.
pub(super) fn invalid_body(message: String) -> Refusal {
    Refusal {
        response_type: "BAD_REQUEST_BODY",
        ..missing_parameters(message)
    }
}

/// A request body a mapping template could not read as JSON: API Gateway's 400.
pub(super) fn unparsable_body(detail: &str) -> Refusal {
    invalid_body(format!("Could not parse request body into json: {detail}"))
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
            response_type: "INTEGRATION_TIMEOUT",
        },
        StatusCode::BAD_GATEWAY => Refusal {
            status,
            message: internal,
            error_type: "InternalServerErrorException",
            response_type: "DEFAULT_5XX",
        },
        _ => Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: internal,
            error_type: "InternalServerErrorException",
            response_type: "API_CONFIGURATION_ERROR",
        },
    }
}

/// What a gateway response's templates and header mappings read of the request.
pub(super) struct Request<'a> {
    pub incoming: &'a Incoming<'a>,
    /// `$context` (its `error` is filled in here).
    pub context: Json,
    pub stage_variables: &'a BTreeMap<String, String>,
}

/// An answer of API Gateway's own, worded by the API's gateway response for its type — or,
/// when the API left that type alone, by its `DEFAULT_4XX`/`DEFAULT_5XX` — with the response's
/// status, headers (`gatewayresponse.header.*`) and body template. Other answers pass as they
/// are.
pub(super) fn reword(
    response: Response,
    responses: &BTreeMap<String, GatewayResponse>,
    request: &Request<'_>,
) -> Response {
    let Some(own) = response.extensions().get::<OwnAnswer>().cloned() else {
        return response;
    };
    let family = if response.status().is_server_error() {
        "DEFAULT_5XX"
    } else {
        "DEFAULT_4XX"
    };
    let Some(worded) = responses
        .get(own.response_type)
        .or_else(|| responses.get(family))
    else {
        return response;
    };
    let status = worded
        .status_code
        .as_deref()
        .and_then(|status| status.parse::<u16>().ok())
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(response.status());
    let mut context = request.context.clone();
    context["error"] = json!({
        "message": own.message,
        "messageString": Json::String(own.message.clone()).to_string(),
        "responseType": own.response_type,
    });
    let template = worded
        .response_templates
        .get("application/json")
        .or_else(|| worded.response_templates.values().next())
        .map_or(DEFAULT_TEMPLATE, String::as_str);
    let headers: Vec<(String, String)> =
        crate::apigw::event::header_pairs(request.incoming.headers).collect();
    let querystring: Vec<(String, String)> =
        form_urlencoded::parse(request.incoming.query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let no_path = BTreeMap::new();
    let inputs = Inputs::new(
        b"",
        &no_path,
        &querystring,
        &headers,
        &context,
        request.stage_variables,
    );
    let body = match template::render(template, &inputs) {
        Ok(rendered) => rendered.output,
        Err(error) => {
            tracing::warn!(%error, response_type = own.response_type, "a gateway response's template failed; answering with the default body");
            json!({ "message": own.message }).to_string()
        }
    };
    let (mut parts, _) = response.into_parts();
    parts.status = status;
    for (target, source) in &worded.response_parameters {
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else {
            continue;
        };
        let value = mapped_value(source, &headers, &querystring, request.stage_variables);
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.as_bytes()),
            value.map(|value| HeaderValue::from_str(&value)),
        ) {
            parts.headers.insert(name, value);
        }
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A header mapping's value: a `'literal'`, or a request header, query parameter or stage
/// variable.
fn mapped_value(
    source: &str,
    headers: &[(String, String)],
    querystring: &[(String, String)],
    stage_variables: &BTreeMap<String, String>,
) -> Option<String> {
    if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(literal.to_owned());
    }
    let find = |pairs: &[(String, String)], name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    };
    if let Some(name) = source.strip_prefix("method.request.header.") {
        find(headers, name)
    } else if let Some(name) = source.strip_prefix("method.request.querystring.") {
        querystring
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    } else if let Some(name) = source.strip_prefix("stageVariables.") {
        stage_variables.get(name).cloned()
    } else {
        None
    }
}
