//! A method's integration (what API Gateway calls, and how the request is mapped for it) and its
//! integration responses (which backend answers become which method response, and how).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::methods::status_code;
use super::{method_mut, method_of, parse};
use crate::apigw::integration_uri;
use crate::apigw::rest::model::{
    HTTP_METHODS, Integration, IntegrationResponse, IntegrationType, PassthroughBehavior,
};
use crate::apigw::rest::patch::{self, Op};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

/// API Gateway's integration timeout bounds, in milliseconds.
const TIMEOUT_MILLIS: std::ops::RangeInclusive<u32> = 50..=29_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationInput {
    #[serde(rename = "type")]
    integration_type: Option<String>,
    /// `integrationHttpMethod` in the SDKs, `httpMethod` on the wire.
    #[serde(rename = "httpMethod", alias = "integrationHttpMethod")]
    integration_http_method: Option<String>,
    uri: Option<String>,
    connection_type: Option<String>,
    credentials: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    request_templates: BTreeMap<String, String>,
    passthrough_behavior: Option<String>,
    cache_namespace: Option<String>,
    #[serde(default)]
    cache_key_parameters: Vec<String>,
    content_handling: Option<String>,
    timeout_in_millis: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationResponseInput {
    selection_pattern: Option<String>,
    #[serde(default)]
    response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    response_templates: BTreeMap<String, Option<String>>,
    content_handling: Option<String>,
}

/// Refuses a URI that API Gateway would not accept for an integration of `kind`.
fn check_uri(kind: IntegrationType, uri: Option<&str>) -> Result<(), AwsError> {
    let uri = match (kind, uri) {
        (IntegrationType::Mock, _) => return Ok(()),
        (_, None | Some("")) => {
            return Err(bad_request("Invalid integration URI specified"));
        }
        (_, Some(uri)) => uri,
    };
    let valid = match kind {
        IntegrationType::AwsProxy => {
            if !uri.contains(":lambda:") {
                return Err(bad_request(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
                ));
            }
            integration_uri::is_lambda_invocation_uri(uri)
        }
        IntegrationType::Aws => {
            if !integration_uri::is_service_uri(uri) {
                return Err(bad_request(
                    "AWS ARN for integration must contain path or action",
                ));
            }
            !uri.contains(":lambda:") || integration_uri::is_lambda_invocation_uri(uri)
        }
        IntegrationType::Http | IntegrationType::HttpProxy => {
            if !integration_uri::is_http_url(uri) {
                return Err(bad_request("Invalid HTTP endpoint specified for URI"));
            }
            true
        }
        IntegrationType::Mock => true,
    };
    if !valid {
        return Err(bad_request("Invalid integration URI specified"));
    }
    Ok(())
}

fn passthrough(text: &str) -> Result<PassthroughBehavior, AwsError> {
    PassthroughBehavior::parse(text).ok_or_else(|| {
        bad_request(format!(
            "Invalid passthrough behavior specified: {text}. Valid values are WHEN_NO_MATCH, WHEN_NO_TEMPLATES and NEVER"
        ))
    })
}

fn timeout(millis: u32) -> Result<u32, AwsError> {
    if !TIMEOUT_MILLIS.contains(&millis) {
        return Err(bad_request(format!(
            "Timeout should be between {} ms and {} ms",
            TIMEOUT_MILLIS.start(),
            TIMEOUT_MILLIS.end()
        )));
    }
    Ok(millis)
}

/// A response parameter's source: a quoted literal, or a header or the body of the backend's
/// answer.
fn check_response_parameter(key: &str, source: &str) -> Result<(), AwsError> {
    let valid_key = key.starts_with("method.response.header.");
    let valid_source = (source.len() >= 2 && source.starts_with('\'') && source.ends_with('\''))
        || source.starts_with("integration.response.header.")
        || source.starts_with("integration.response.multivalueheader.")
        || source == "integration.response.body"
        || source.starts_with("integration.response.body.")
        || source.starts_with("stageVariables.")
        || source.starts_with("context.");
    if !(valid_key && valid_source) {
        return Err(bad_request(format!(
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {key} = {source}]"
        )));
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn put_integration(&self, scope: &Scope, call: &Call) -> Answer {
        let input: PutIntegrationInput = parse(&call.body)?;
        let text = input
            .integration_type
            .as_deref()
            .ok_or_else(|| bad_request("Invalid input: type is required"))?;
        let kind = IntegrationType::parse(text).ok_or_else(|| {
            bad_request(format!(
                "Invalid integration type specified: {text}. Valid values are HTTP, HTTP_PROXY, AWS, AWS_PROXY and MOCK"
            ))
        })?;
        let http_method = match (kind, input.integration_http_method.as_deref()) {
            (IntegrationType::Mock, method) => method.map(str::to_ascii_uppercase),
            (_, None | Some("")) => {
                return Err(bad_request(
                    "Enumeration value for HttpMethod must be non-empty",
                ));
            }
            (_, Some(method)) => {
                let method = method.to_ascii_uppercase();
                if !HTTP_METHODS.contains(&method.as_str()) {
                    return Err(bad_request(format!(
                        "Invalid HttpMethod specified: {method}"
                    )));
                }
                Some(method)
            }
        };
        check_uri(kind, input.uri.as_deref())?;
        let behavior = match &input.passthrough_behavior {
            Some(text) => passthrough(text)?,
            None => PassthroughBehavior::WhenNoMatch,
        };
        let timeout_in_millis = timeout(input.timeout_in_millis.unwrap_or(29_000))?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let resource_id = call.label("resource_id").to_owned();
            let method = method_mut(api, call)?;
            let integration = Integration {
                integration_type: kind,
                http_method,
                uri: input.uri.filter(|_| kind != IntegrationType::Mock),
                connection_type: input
                    .connection_type
                    .unwrap_or_else(|| "INTERNET".to_owned()),
                credentials: input.credentials,
                request_parameters: input.request_parameters,
                request_templates: input.request_templates,
                passthrough_behavior: behavior,
                content_handling: input.content_handling,
                timeout_in_millis,
                cache_namespace: input.cache_namespace.unwrap_or(resource_id),
                cache_key_parameters: input.cache_key_parameters,
                integration_responses: BTreeMap::new(),
            };
            let shown = integration.to_json();
            method.integration = Some(integration);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn rest_get_integration(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let integration = method_of(api, call)?
                .integration
                .as_ref()
                .ok_or_else(missing::integration)?;
            Ok(Reply::ok(integration.to_json()))
        })
    }

    pub(in crate::apigw) fn rest_delete_integration(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            method_mut(api, call)?
                .integration
                .take()
                .ok_or_else(missing::integration)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        })
    }

    pub(in crate::apigw) fn rest_update_integration(&self, scope: &Scope, call: &Call) -> Answer {
        const ALLOWED: &[&str] = &[
            "/uri",
            "/httpMethod",
            "/timeoutInMillis",
            "/passthroughBehavior",
            "/contentHandling",
            "/credentials",
            "/requestTemplates/{contentType}",
            "/requestParameters/{name}",
        ];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let integration = method_mut(api, call)?
                .integration
                .as_mut()
                .ok_or_else(missing::integration)?;
            patch::each(&call.body, |operation| {
                let segments = operation.segments();
                match (operation.op, segments.as_slice()) {
                    (Op::Replace, [member]) if member == "uri" => {
                        let uri = operation.value()?;
                        check_uri(integration.integration_type, Some(uri))?;
                        integration.uri = Some(uri.to_owned());
                    }
                    (Op::Replace, [member]) if member == "httpMethod" => {
                        integration.http_method = Some(operation.value()?.to_ascii_uppercase());
                    }
                    (Op::Replace, [member]) if member == "timeoutInMillis" => {
                        integration.timeout_in_millis = timeout(operation.number()?)?;
                    }
                    (Op::Replace, [member]) if member == "passthroughBehavior" => {
                        integration.passthrough_behavior = passthrough(operation.value()?)?;
                    }
                    (_, [member]) if member == "contentHandling" => {
                        integration.content_handling =
                            operation.set_or_remove(ALLOWED)?.map(str::to_owned);
                    }
                    (_, [member]) if member == "credentials" => {
                        integration.credentials =
                            operation.set_or_remove(ALLOWED)?.map(str::to_owned);
                    }
                    (_, [member, content_type]) if member == "requestTemplates" => {
                        patch::map_entry(
                            &mut integration.request_templates,
                            content_type.clone(),
                            operation,
                            ALLOWED,
                            |value| Ok(value.to_owned()),
                        )?;
                    }
                    (_, [member, name]) if member == "requestParameters" => {
                        patch::map_entry(
                            &mut integration.request_parameters,
                            name.clone(),
                            operation,
                            ALLOWED,
                            |value| Ok(value.to_owned()),
                        )?;
                    }
                    _ => return Err(operation.unsupported(ALLOWED)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(integration.to_json()))
        })
    }

    pub(in crate::apigw) fn put_integration_response(&self, scope: &Scope, call: &Call) -> Answer {
        let code = status_code(call)?;
        let input: IntegrationResponseInput = parse(&call.body)?;
        for (key, source) in &input.response_parameters {
            check_response_parameter(key, source)?;
        }
        if let Some(pattern) = &input.selection_pattern {
            check_selection_pattern(pattern)?;
        }
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let method = method_mut(api, call)?;
            if !method.method_responses.contains_key(&code) {
                return Err(missing::response());
            }
            let integration = method
                .integration
                .as_mut()
                .ok_or_else(missing::integration)?;
            let response = IntegrationResponse {
                status_code: code.clone(),
                selection_pattern: input.selection_pattern,
                response_parameters: input.response_parameters,
                response_templates: input.response_templates,
                content_handling: input.content_handling,
            };
            let shown = response.to_json();
            integration.integration_responses.insert(code, response);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn rest_get_integration_response(
        &self,
        scope: &Scope,
        call: &Call,
    ) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let response = method_of(api, call)?
                .integration
                .as_ref()
                .ok_or_else(missing::integration)?
                .integration_responses
                .get(call.label("status_code"))
                .ok_or_else(missing::response)?;
            Ok(Reply::ok(response.to_json()))
        })
    }

    pub(in crate::apigw) fn rest_delete_integration_response(
        &self,
        scope: &Scope,
        call: &Call,
    ) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            method_mut(api, call)?
                .integration
                .as_mut()
                .ok_or_else(missing::integration)?
                .integration_responses
                .remove(call.label("status_code"))
                .ok_or_else(missing::response)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        })
    }
}

/// A selection pattern is a regular expression API Gateway matches whole against a Lambda
/// error's message or a backend's status.
fn check_selection_pattern(pattern: &str) -> Result<(), AwsError> {
    crate::apigw::rest::matching::selection_regex(pattern)
        .map(|_| ())
        .map_err(|reason| bad_request(format!("Invalid selection pattern specified: {reason}")))
}
