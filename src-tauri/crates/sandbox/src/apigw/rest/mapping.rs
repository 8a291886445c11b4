//! A non-proxy integration's mappings: the request template chosen by the request's content
//! type (or the body passed through, as the passthrough behaviour allows), the integration
//! response chosen by a function's error message or a backend's status, and its response
//! template chosen by the client's `Accept` — each template rendered by [`template`] over the
//! method request. What each mapping did goes to the trace for the inspector.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::matching::selection_regex;
use super::model::{Integration, IntegrationResponse, PassthroughBehavior};
use super::refusal::{Refusal, UNSUPPORTED_MEDIA_TYPE, fail, failure, unparsable_body};
use super::template::{self, Inputs, Rendered, TemplateError};
use crate::apigw::Incoming;
use crate::apigw::http::Trace;

/// What a mapping template sees of the method request, gathered once per request.
pub(super) struct MethodRequest {
    pub path: BTreeMap<String, String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// `$context`: the request context a Lambda proxy event would carry.
    pub context: Json,
    pub stage_variables: BTreeMap<String, String>,
}

impl MethodRequest {
    pub fn new(
        incoming: &Incoming<'_>,
        path: &BTreeMap<String, String>,
        context: Json,
        stage_variables: &BTreeMap<String, String>,
    ) -> Self {
        Self {
            path: path.clone(),
            query: crate::apigw::event::query_pairs(incoming.query),
            headers: crate::apigw::event::header_pairs(incoming.headers).collect(),
            context,
            stage_variables: stage_variables.clone(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn render(&self, template: &str, body: &[u8]) -> Result<Rendered, TemplateError> {
        let inputs = Inputs::new(
            body,
            &self.path,
            &self.query,
            &self.headers,
            &self.context,
            &self.stage_variables,
        );
        template::render(template, &inputs)
    }
}

/// What goes to the backend: the body, and what the template overrode.
pub(super) struct IntegrationRequest {
    pub body: Bytes,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path: Vec<(String, String)>,
}

impl IntegrationRequest {
    /// Puts what the template's `$context.requestOverride` set onto the request to an HTTP
    /// backend: headers replaced, query parameters replaced by name, `{name}`s in the URL.
    pub fn apply_overrides(
        &self,
        outgoing: &mut crate::apigw::parameter_mapping::Outgoing,
        path_parameters: &mut BTreeMap<String, String>,
        query: &[(String, String)],
    ) {
        for (name, value) in &self.headers {
            insert_header(&mut outgoing.headers, name, value);
        }
        if !self.query.is_empty() {
            let mut pairs: Vec<(String, String)> = query
                .iter()
                .filter(|(name, _)| !self.query.iter().any(|(set, _)| set == name))
                .cloned()
                .collect();
            pairs.extend(self.query.iter().cloned());
            outgoing.query = pairs;
            outgoing.query_changed = true;
        }
        path_parameters.extend(self.path.iter().cloned());
    }
}

/// Notes one mapping's work in the trace's integration record.
fn note(trace: &mut Trace, key: &str, value: Json) {
    if let Some(Json::Object(record)) = trace.integration.as_mut() {
        record.insert(key.to_owned(), value);
    }
}

/// The media type of a `Content-Type` or `Accept` value, lower-cased and without parameters.
fn media_type(value: &str) -> String {
    value
        .split([';', ','])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The request a non-proxy integration sends its backend.
pub(super) fn integration_request(
    integration: &Integration,
    incoming: &Incoming<'_>,
    request: &MethodRequest,
    trace: &mut Trace,
) -> Result<IntegrationRequest, Refusal> {
    let content_type = request
        .header("content-type")
        .map_or_else(|| "application/json".to_owned(), media_type);
    let templates = &integration.request_templates;
    let passed_through = |body: Bytes| IntegrationRequest {
        body,
        headers: Vec::new(),
        query: Vec::new(),
        path: Vec::new(),
    };
    let Some(template) = templates.get(&content_type) else {
        let passes = match integration.passthrough_behavior {
            PassthroughBehavior::WhenNoMatch => true,
            PassthroughBehavior::WhenNoTemplates => templates.is_empty(),
            PassthroughBehavior::Never => false,
        };
        if !passes {
            trace.error = Some(format!(
                "no request template for {content_type} and the passthrough behavior is {}",
                integration.passthrough_behavior
            ));
            return Err(UNSUPPORTED_MEDIA_TYPE);
        }
        note(
            trace,
            "requestMapping",
            json!({"contentType": content_type, "template": null, "why": format!("no template for {content_type}: the body passes through ({})", integration.passthrough_behavior)}),
        );
        return Ok(passed_through(incoming.body.clone()));
    };
    match request.render(template, &incoming.body) {
        Ok(rendered) => {
            note(
                trace,
                "requestMapping",
                json!({"contentType": content_type, "template": template, "output": rendered.output}),
            );
            Ok(IntegrationRequest {
                body: Bytes::from(rendered.output),
                headers: rendered.request_headers,
                query: rendered.request_querystring,
                path: rendered.request_path,
            })
        }
        Err(TemplateError::PayloadNotJson(detail)) => {
            trace.error = Some(format!(
                "the request template for {content_type} reads the body as JSON, and it is not: {detail}"
            ));
            Err(unparsable_body(&format!(
                "Could not parse payload into json: {detail}"
            )))
        }
        Err(error) => Err(failure(
            trace,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Execution failed due to configuration error: Unable to transform request: {error}"
            ),
        )),
    }
}

/// The integration response `selector` (a Lambda error's message, a backend's status, or `None`
/// for a function's success) selects: the first whose pattern matches it whole, else the
/// default (no pattern).
fn select_response<'a>(
    integration: &'a Integration,
    selector: Option<&str>,
) -> Option<(&'a IntegrationResponse, String)> {
    let has_pattern = |response: &&IntegrationResponse| {
        response
            .selection_pattern
            .as_deref()
            .is_some_and(|pattern| !pattern.is_empty())
    };
    let default = integration
        .integration_responses
        .values()
        .find(|response| !has_pattern(response))
        .map(|response| {
            (
                response,
                "the default integration response (no selection pattern)".to_owned(),
            )
        });
    let Some(selector) = selector else {
        return default;
    };
    integration
        .integration_responses
        .values()
        .filter(has_pattern)
        .find(|response| {
            response
                .selection_pattern
                .as_deref()
                .and_then(|pattern| selection_regex(pattern).ok())
                .is_some_and(|pattern| pattern.is_match(selector))
        })
        .map(|response| {
            let why = format!(
                "{selector:?} matches the selection pattern {:?}",
                response.selection_pattern.as_deref().unwrap_or_default()
            );
            (response, why)
        })
        .or(default)
}

/// A non-proxy integration's answer as the method's: the selected integration response's
/// status, its headers (from literals or the backend's headers and body) and its body (its
/// response template's output, or the backend's passed through).
pub(super) fn integration_answer(
    integration: &Integration,
    selector: Option<&str>,
    body: Bytes,
    backend_headers: &BTreeMap<String, String>,
    request: &MethodRequest,
    trace: &mut Trace,
) -> Response {
    let Some((chosen, why)) = select_response(integration, selector) else {
        return fail(
            trace,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured".into(),
        );
    };
    let mut status = chosen
        .status_code
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let (content_type, template) = response_template(chosen, request.header("accept"));
    let mut overridden_headers = Vec::new();
    let output = match template {
        Some(template) => match request.render(template, &body) {
            Ok(rendered) => {
                if let Some(code) = rendered.status.as_deref() {
                    match code
                        .trim()
                        .parse::<u16>()
                        .ok()
                        .and_then(|c| StatusCode::from_u16(c).ok())
                    {
                        Some(code) => status = code,
                        None => {
                            return fail(
                                trace,
                                StatusCode::INTERNAL_SERVER_ERROR,
                                format!(
                                    "Execution failed due to configuration error: $context.responseOverride.status {code:?} is not a status code"
                                ),
                            );
                        }
                    }
                }
                overridden_headers = rendered.response_headers;
                Bytes::from(rendered.output)
            }
            Err(error) => {
                return fail(
                    trace,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "Execution failed due to configuration error: Unable to transform response: {error}"
                    ),
                );
            }
        },
        None => body.clone(),
    };
    note(
        trace,
        "responseMapping",
        json!({
            "statusCode": chosen.status_code,
            "why": why,
            "contentType": content_type,
            "template": template,
            "output": String::from_utf8_lossy(&output),
        }),
    );
    let parsed: Option<Json> = serde_json::from_slice(&body).ok();
    let mut response = (status, output).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert("content-type", value);
    }
    let headers = response.headers_mut();
    for (target, source) in &chosen.response_parameters {
        let Some(header) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let value =
            if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                Some(literal.to_owned())
            } else if let Some(name) = source.strip_prefix("integration.response.header.") {
                backend_headers.get(&name.to_ascii_lowercase()).cloned()
            } else if let Some(field) = source.strip_prefix("integration.response.body.") {
                parsed
                    .as_ref()
                    .and_then(|json| json.pointer(&format!("/{}", field.replace('.', "/"))))
                    .map(|value| {
                        value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned)
                    })
            } else {
                None
            };
        if let Some(value) = value {
            insert_header(headers, header, &value);
        }
    }
    for (name, value) in &overridden_headers {
        insert_header(headers, name, value);
    }
    response
}

fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        axum::http::HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

/// The response template for the client's `Accept` (its first media type), else the one for
/// `application/json`, else the first; with the content type the response then carries.
fn response_template<'a>(
    response: &'a IntegrationResponse,
    accept: Option<&str>,
) -> (String, Option<&'a str>) {
    let templates: Vec<(&String, &str)> = response
        .response_templates
        .iter()
        .filter_map(|(media, template)| {
            template
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| (media, t))
        })
        .collect();
    let wanted = accept.map(media_type);
    let chosen = templates
        .iter()
        .find(|(media, _)| Some(media.as_str()) == wanted.as_deref())
        .or_else(|| {
            templates
                .iter()
                .find(|(media, _)| *media == "application/json")
        })
        .or_else(|| templates.first());
    match chosen {
        Some((media, template)) => ((*media).clone(), Some(*template)),
        None => ("application/json".to_owned(), None),
    }
}

/// A MOCK integration: the request template's `statusCode` selects the integration response.
pub(super) fn mock(
    integration: &Integration,
    incoming: &Incoming<'_>,
    request: &MethodRequest,
    trace: &mut Trace,
) -> Response {
    let mapped = match integration_request(integration, incoming, request, trace) {
        Ok(mapped) => mapped,
        Err(refusal) => return refusal.into_response(),
    };
    let status =
        serde_json::from_slice::<Json>(&mapped.body)
            .ok()
            .and_then(|request| match &request["statusCode"] {
                Json::Number(number) => number.as_u64().map(|n| n.to_string()),
                Json::String(text) => Some(text.clone()),
                _ => None,
            });
    let Some(status) = status else {
        return fail(
            trace,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the MOCK integration's request template names no statusCode, e.g. {\"statusCode\": 200}".into(),
        );
    };
    trace.integration_status = status.parse().ok();
    integration_answer(
        integration,
        Some(&status),
        Bytes::new(),
        &BTreeMap::new(),
        request,
        trace,
    )
}
