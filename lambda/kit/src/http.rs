//! API Gateway HTTP APIs (payload format 2.0): reading a request's JSON body, and answering
//! with JSON that a browser page on another origin may read (CORS).

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use crate::CallError;

/// The CORS answer of one function: any origin, `Content-Type` allowed, and its methods.
#[derive(Debug, Clone, Copy)]
pub struct Cors {
    /// The methods a browser may use, e.g. `"GET, POST, OPTIONS"`.
    pub allow_methods: &'static str,
}

impl Cors {
    /// A JSON reply; `status` is a number, as API Gateway expects.
    pub fn json(&self, status: u16, body: &Value) -> ApiGatewayV2httpResponse {
        let mut reply = self.empty(status);
        reply.body = Some(Body::Text(body.to_string()));
        reply
    }

    /// A failed call as `{"error": "<AWS error code>", "message": "…"}`.
    pub fn error(&self, error: &CallError) -> ApiGatewayV2httpResponse {
        self.json(error.status, &error.to_json())
    }

    /// A reply without a body (the answer to a CORS preflight `OPTIONS`).
    pub fn empty(&self, status: u16) -> ApiGatewayV2httpResponse {
        let mut reply = ApiGatewayV2httpResponse::default();
        reply.status_code = i64::from(status);
        reply.headers = self.headers();
        reply
    }

    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(self.allow_methods),
        );
        headers
    }
}

/// The request's body as JSON: `None` when there is none, an error when it is not JSON.
/// API Gateway base64-encodes bodies it does not take for text; those are decoded first.
pub fn json_body(request: &ApiGatewayV2httpRequest) -> Result<Option<Value>, CallError> {
    let Some(body) = request
        .body
        .as_deref()
        .filter(|body| !body.trim().is_empty())
    else {
        return Ok(None);
    };
    let bytes = if request.is_base64_encoded {
        BASE64.decode(body).map_err(|error| {
            CallError::serialization(format!("the body is marked base64 but is not: {error}"))
        })?
    } else {
        body.as_bytes().to_vec()
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|error| CallError::serialization(format!("the body is not valid JSON: {error}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CORS: Cors = Cors {
        allow_methods: "GET, OPTIONS",
    };

    fn request(body: Option<&str>, base64: bool) -> ApiGatewayV2httpRequest {
        let mut request = ApiGatewayV2httpRequest::default();
        request.body = body.map(str::to_owned);
        request.is_base64_encoded = base64;
        request
    }

    #[test]
    fn replies_carry_cors_headers_and_a_numeric_status() {
        let reply = CORS.json(200, &json!({"Count": 0}));
        let wire = serde_json::to_value(&reply).unwrap();
        assert_eq!(wire["statusCode"], json!(200));
        assert_eq!(wire["body"], json!(r#"{"Count":0}"#));
        assert_eq!(wire["headers"]["access-control-allow-origin"], "*");
        assert_eq!(
            wire["headers"]["access-control-allow-methods"],
            "GET, OPTIONS"
        );
        assert_eq!(wire["headers"]["content-type"], "application/json");
    }

    #[test]
    fn errors_become_their_code_and_message() {
        let reply = CORS.error(&CallError::validation("no table"));
        assert_eq!(reply.status_code, 400);
        let Some(Body::Text(body)) = reply.body else {
            panic!("a text body")
        };
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"error": "ValidationException", "message": "no table"})
        );
    }

    #[test]
    fn bodies_are_read_as_json_plain_or_base64() {
        assert_eq!(json_body(&request(None, false)).unwrap(), None);
        assert_eq!(json_body(&request(Some("  "), false)).unwrap(), None);
        assert_eq!(
            json_body(&request(Some(r#"{"a":1}"#), false)).unwrap(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            json_body(&request(Some("eyJhIjoxfQ=="), true)).unwrap(),
            Some(json!({"a": 1}))
        );
        let error = json_body(&request(Some("{oops"), false)).unwrap_err();
        assert_eq!(error.code, "SerializationException");
        assert!(error.message.starts_with("the body is not valid JSON"));
    }
}
