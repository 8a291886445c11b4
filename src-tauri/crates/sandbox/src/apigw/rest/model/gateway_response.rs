//! Gateway responses: how a REST API words API Gateway's own answers (a missing API key, a
//! throttled request, a failed integration, …). Each response type has a default status and
//! the body `{"message":$context.error.messageString}`; an API may customize a type's status,
//! headers and body templates, or all 4xx or 5xx answers at once (`DEFAULT_4XX`, `DEFAULT_5XX`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// The body template of every response type until an API changes it.
pub const DEFAULT_TEMPLATE: &str = r#"{"message":$context.error.messageString}"#;

/// Every response type, with its default status (none for the two families).
pub const RESPONSE_TYPES: [(&str, Option<u16>); 21] = [
    ("ACCESS_DENIED", Some(403)),
    ("API_CONFIGURATION_ERROR", Some(500)),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some(500)),
    ("AUTHORIZER_FAILURE", Some(500)),
    ("BAD_REQUEST_BODY", Some(400)),
    ("BAD_REQUEST_PARAMETERS", Some(400)),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some(403)),
    ("INTEGRATION_FAILURE", Some(504)),
    ("INTEGRATION_TIMEOUT", Some(504)),
    ("INVALID_API_KEY", Some(403)),
    ("INVALID_SIGNATURE", Some(403)),
    ("MISSING_AUTHENTICATION_TOKEN", Some(403)),
    ("QUOTA_EXCEEDED", Some(429)),
    ("REQUEST_TOO_LARGE", Some(413)),
    ("RESOURCE_NOT_FOUND", Some(404)),
    ("THROTTLED", Some(429)),
    ("UNAUTHORIZED", Some(401)),
    ("UNSUPPORTED_MEDIA_TYPE", Some(415)),
    ("WAF_FILTERED", Some(403)),
];

/// Whether `name` is a response type API Gateway knows.
pub fn is_response_type(name: &str) -> bool {
    RESPONSE_TYPES.iter().any(|(known, _)| *known == name)
}

/// A response type an API customized.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// `gatewayresponse.header.{name}` → a `'literal'`, `method.request.header.{name}`,
    /// `method.request.querystring.{name}`, `method.request.path.{name}` or
    /// `stageVariables.{name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    /// Body templates by content type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
}

/// A response type as GetGatewayResponse answers it: the API's own, or the default.
pub fn to_json(response_type: &str, customized: Option<&GatewayResponse>) -> Json {
    let mut out = match customized {
        Some(response) => serde_json::to_value(response).unwrap_or_else(|_| json!({})),
        None => {
            let status = RESPONSE_TYPES
                .iter()
                .find(|(known, _)| *known == response_type)
                .and_then(|(_, status)| *status);
            let mut out = json!({
                "responseParameters": {},
                "responseTemplates": {"application/json": DEFAULT_TEMPLATE},
            });
            if let Some(status) = status {
                out["statusCode"] = json!(status.to_string());
            }
            out
        }
    };
    out["responseType"] = json!(response_type);
    out["defaultResponse"] = json!(customized.is_none());
    out
}
