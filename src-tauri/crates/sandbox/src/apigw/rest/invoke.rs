//! A REST API's data plane: a request to its invoke URL finds its stage (or, for a share of the
//! traffic, the stage's canary), the deployed resource and method it selects, and calls the
//! method's integration — a function as a proxy (`AWS_PROXY`, the payload 1.0 event), a function
//! without one (`AWS`, the body passed through), an HTTP backend, or nothing (`MOCK`) — answering
//! with API Gateway's own errors where AWS does. Mapping templates that compute (`$…`, `#…`) are
//! not run yet: a method that needs one answers 500 and the inspector says why.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::matching::{self, selection_regex};
use super::model::{
    AuthorizationType, Integration, IntegrationResponse, IntegrationType, Method,
    PassthroughBehavior,
};
use crate::apigw::http::Trace;
use crate::apigw::{ApiGateway, Incoming, event, proxy, stage_variables};
use crate::store::Scope;

/// What a request selected: where it is served from and what it calls.
struct Selected {
    api_id: String,
    stage: String,
    /// Whether the stage's canary serves the request.
    canary: bool,
    variables: BTreeMap<String, String>,
    resource_id: String,
    resource_path: String,
    path_parameters: BTreeMap<String, String>,
    method: Method,
}

/// One of API Gateway's own answers for REST APIs: a status, its `{"message": …}` and the
/// error type it names in `x-amzn-ErrorType`.
#[derive(Debug, Clone, Copy)]
struct Refusal {
    status: StatusCode,
    message: &'static str,
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

const FORBIDDEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: "Forbidden",
    error_type: "ForbiddenException",
};

const MISSING_TOKEN: Refusal = Refusal {
    status: StatusCode::FORBIDDEN,
    message: "Missing Authentication Token",
    error_type: "MissingAuthenticationTokenException",
};

const UNSUPPORTED_MEDIA_TYPE: Refusal = Refusal {
    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    message: "Unsupported Media Type",
    error_type: "UnsupportedMediaTypeException",
};

const THROTTLED: Refusal = Refusal {
    status: StatusCode::TOO_MANY_REQUESTS,
    message: "Too Many Requests",
    error_type: "TooManyRequestsException",
};

/// [`failure`] as the response the client gets.
fn fail(trace: &mut Trace, status: StatusCode, reason: String) -> Response {
    failure(trace, status, reason).into_response()
}

/// What the client sees when an integration failed; `reason` goes to the inspector and logs.
fn failure(trace: &mut Trace, status: StatusCode, reason: String) -> Refusal {
    trace.error = Some(reason);
    match status {
        StatusCode::GATEWAY_TIMEOUT => Refusal {
            status,
            message: "Endpoint request timed out",
            error_type: "IntegrationTimeoutException",
        },
        StatusCode::BAD_GATEWAY => Refusal {
            status,
            message: "Internal server error",
            error_type: "InternalServerErrorException",
        },
        _ => Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Internal server error",
            error_type: "InternalServerErrorException",
        },
    }
}

/// Whether a mapping template computes anything (references or directives), which the sandbox
/// does not evaluate yet; a template without either is its own output.
fn computes(template: &str) -> bool {
    template.contains('$') || template.contains('#')
}

/// A fraction in [0, 100) drawn per request, for the canary's share.
fn percent_draw() -> f64 {
    let value = uuid::Uuid::new_v4().as_u128() as u64;
    (value % 1_000_000) as f64 / 10_000.0
}

impl ApiGateway {
    /// Serves a request to a REST API's invoke URL; `incoming.path` starts with the stage.
    pub(in crate::apigw) async fn route_rest_request(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        let selected = match self.select_rest(scope, api_id, incoming, trace) {
            Ok(selected) => selected,
            Err(refusal) => return refusal.into_response(),
        };
        match selected.method.authorization_type {
            AuthorizationType::None => {}
            AuthorizationType::AwsIam if !incoming.headers.contains_key("authorization") => {
                trace.error = Some("the method needs a SigV4-signed request (AWS_IAM)".into());
                return MISSING_TOKEN.into_response();
            }
            other => {
                trace.error = Some(format!(
                    "{other} authorization is not evaluated by the sandbox yet, so the request is refused"
                ));
                return FORBIDDEN.into_response();
            }
        }
        if selected.method.api_key_required {
            trace.error = Some(
                "the method requires an API key, and the sandbox keeps no API keys yet".into(),
            );
            return FORBIDDEN.into_response();
        }
        let Some(integration) = selected.method.integration.clone() else {
            let reason = "the method has no integration".to_owned();
            return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason);
        };
        let mut shown = integration.to_json();
        shown["servedBy"] = json!(if selected.canary { "canary" } else { "stage" });
        trace.integration = Some(shown);
        let uri = match stage_variables::substitute(
            integration.uri.as_deref().unwrap_or_default(),
            &selected.stage,
            &selected.variables,
        ) {
            Ok(uri) => uri,
            Err(unresolved) => {
                return fail(
                    trace,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    unresolved.to_string(),
                );
            }
        };
        match integration.integration_type {
            IntegrationType::AwsProxy => {
                self.rest_lambda_proxy(
                    scope,
                    &selected,
                    &integration,
                    &uri,
                    incoming,
                    request_id,
                    trace,
                )
                .await
            }
            IntegrationType::Aws if uri.contains(":lambda:path/") => {
                self.rest_lambda(scope, &selected, &integration, &uri, incoming, trace)
                    .await
            }
            IntegrationType::Aws => {
                let reason = format!(
                    "AWS service integrations other than Lambda ({uri}) are not served by the sandbox"
                );
                fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason)
            }
            IntegrationType::HttpProxy | IntegrationType::Http => {
                self.rest_http(&selected, &integration, &uri, incoming, trace)
                    .await
            }
            IntegrationType::Mock => rest_mock(&integration, incoming, trace),
        }
    }

    /// The stage, deployment, resource and method a request selects, or API Gateway's answer
    /// when it selects none.
    fn select_rest(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        trace: &mut Trace,
    ) -> Result<Selected, Refusal> {
        let region = self.rest_apis.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let api = apis
            .get(api_id)
            .filter(|api| !api.disable_execute_api_endpoint)
            .ok_or(FORBIDDEN)?;
        let trimmed = incoming.path.trim_start_matches('/');
        let (stage_name, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let stage = api.stages.get(stage_name).ok_or(FORBIDDEN)?;
        trace.stage = Some(stage.stage_name.clone());
        let mut variables = stage.variables.clone();
        let mut deployment_id = &stage.deployment_id;
        let mut canary = false;
        if let Some(settings) = &stage.canary_settings
            && let Some(id) = &settings.deployment_id
            && percent_draw() < settings.percent_traffic
        {
            deployment_id = id;
            canary = true;
            variables.extend(settings.stage_variable_overrides.clone());
        }
        let deployment = api.deployments.get(deployment_id).ok_or(FORBIDDEN)?;
        let path = crate::wire::percent::decode(&format!("/{rest}"));
        let matched = matching::select(&deployment.resources, &api.root_resource_id, &path)
            .ok_or(MISSING_TOKEN)?;
        let resource = &deployment.resources[&matched.resource_id];
        let method_name = incoming.method.as_str().to_ascii_uppercase();
        let method = resource
            .methods
            .get(&method_name)
            .or_else(|| resource.methods.get("ANY"))
            .ok_or(MISSING_TOKEN)?;
        let resource_path = super::model::path_in(&deployment.resources, &resource.id);
        trace.route_key = Some(format!("{method_name} {resource_path}"));
        Ok(Selected {
            api_id: api.id.clone(),
            stage: stage.stage_name.clone(),
            canary,
            variables,
            resource_id: resource.id.clone(),
            resource_path,
            path_parameters: matched.path_parameters,
            method: method.clone(),
        })
    }

    /// The ARN API Gateway presents to Lambda for a request: `…:{api}/{stage}/{METHOD}{path}`.
    fn rest_source_arn(scope: &Scope, selected: &Selected, method: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{method}{}",
            scope.region, scope.account, selected.api_id, selected.stage, selected.resource_path
        )
    }

    /// The payload 1.0 proxy event of a REST API, field for field.
    fn rest_event(
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> Json {
        let method = incoming.method.as_str();
        let route_key = format!("{method} {}", selected.resource_path);
        let route_path = format!(
            "/{}",
            incoming
                .path
                .trim_start_matches('/')
                .split_once('/')
                .map_or("", |(_, rest)| rest)
        );
        let request = event::Request {
            scope,
            api_id: &selected.api_id,
            stage: &selected.stage,
            route_key: &route_key,
            path: &route_path,
            route_path: &route_path,
            query: incoming.query,
            method,
            headers: incoming.headers,
            body: &incoming.body,
            path_parameters: &selected.path_parameters,
            stage_variables: &selected.variables,
            request_id,
        };
        let mut payload = event::version_1(&request);
        if let Some(object) = payload.as_object_mut() {
            object.remove("version");
        }
        payload["requestContext"]["resourceId"] = json!(selected.resource_id);
        payload["requestContext"]["path"] = json!(format!("/{}{route_path}", selected.stage));
        payload
    }

    /// The function an integration calls, once API Gateway may invoke it from this method.
    fn rest_function(
        &self,
        scope: &Scope,
        selected: &Selected,
        uri: &str,
        method: &str,
    ) -> Result<String, String> {
        self.invocable_function(scope, uri, &Self::rest_source_arn(scope, selected, method))
    }

    #[allow(clippy::too_many_arguments)]
    async fn rest_lambda_proxy(
        &self,
        scope: &Scope,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        let function = match self.rest_function(scope, selected, uri, incoming.method.as_str()) {
            Ok(function) => function,
            Err(reason) => return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason),
        };
        let payload = Self::rest_event(scope, selected, incoming, request_id);
        let bytes = Bytes::from(payload.to_string());
        trace.event = Some(payload);
        match self
            .invoke_with_timeout(scope, &function, bytes, integration, trace)
            .await
        {
            Err(refusal) => refusal.into_response(),
            Ok((answer, true)) => fail(
                trace,
                StatusCode::BAD_GATEWAY,
                format!(
                    "{function} failed: {}",
                    String::from_utf8_lossy(&answer[..answer.len().min(1024)])
                ),
            ),
            Ok((answer, false)) => event::response_1(&answer)
                .unwrap_or_else(|malformed| fail(trace, StatusCode::BAD_GATEWAY, malformed.reason)),
        }
    }

    /// Invokes `function` within the integration's timeout, noting the latency and the answer.
    async fn invoke_with_timeout(
        &self,
        scope: &Scope,
        function: &str,
        payload: Bytes,
        integration: &Integration,
        trace: &mut Trace,
    ) -> Result<(Bytes, bool), Refusal> {
        let timeout = Duration::from_millis(u64::from(integration.timeout_in_millis));
        let invoked = std::time::Instant::now();
        let result =
            tokio::time::timeout(timeout, self.lambda.invoke_direct(scope, function, payload))
                .await;
        trace.integration_latency = Some(invoked.elapsed());
        trace.integration_status = Some(match &result {
            Ok(Ok(_)) => 200,
            Ok(Err(error)) => error.status.as_u16(),
            Err(_) => 504,
        });
        match result {
            Err(_) => Err(failure(
                trace,
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "{function} did not answer within the integration's timeout of {} ms",
                    integration.timeout_in_millis
                ),
            )),
            Ok(Err(error)) if error.code == "TooManyRequestsException" => {
                trace.error = Some(format!(
                    "Lambda throttled the invocation: {}",
                    error.message
                ));
                Err(THROTTLED)
            }
            Ok(Err(error)) => Err(failure(
                trace,
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "invoking {function} failed: {}: {}",
                    error.code, error.message
                ),
            )),
            Ok(Ok((answer, failed))) => {
                trace.answer = Some(
                    serde_json::from_slice(&answer)
                        .unwrap_or_else(|_| json!(String::from_utf8_lossy(&answer))),
                );
                Ok((answer, failed))
            }
        }
    }

    /// A Lambda integration without a proxy: the request body (through a template that does
    /// not compute, or passed through) is the function's event, and its answer goes through the
    /// integration response its error message (or success) selects.
    async fn rest_lambda(
        &self,
        scope: &Scope,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        trace: &mut Trace,
    ) -> Response {
        let payload = match request_body(integration, incoming, trace) {
            Ok(payload) => payload,
            Err(refusal) => return refusal.into_response(),
        };
        let function = match self.rest_function(scope, selected, uri, incoming.method.as_str()) {
            Ok(function) => function,
            Err(reason) => return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason),
        };
        trace.event = Some(
            serde_json::from_slice(&payload)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&payload))),
        );
        let (answer, failed) = match self
            .invoke_with_timeout(scope, &function, payload, integration, trace)
            .await
        {
            Ok(result) => result,
            Err(refusal) => return refusal.into_response(),
        };
        // A function's error is selected by its `errorMessage`; a success by the default.
        let selector = failed.then(|| {
            serde_json::from_slice::<Json>(&answer)
                .ok()
                .and_then(|error| error["errorMessage"].as_str().map(str::to_owned))
                .unwrap_or_default()
        });
        integration_answer(
            integration,
            selector.as_deref(),
            answer,
            &BTreeMap::new(),
            trace,
        )
    }

    /// An HTTP or HTTP_PROXY integration: the request goes on to the backend; without a proxy
    /// its answer goes through the integration response its status selects.
    async fn rest_http(
        &self,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        trace: &mut Trace,
    ) -> Response {
        let body = if integration.integration_type == IntegrationType::Http {
            match request_body(integration, incoming, trace) {
                Ok(body) => body,
                Err(refusal) => return refusal.into_response(),
            }
        } else {
            incoming.body.clone()
        };
        let outgoing = crate::apigw::parameter_mapping::Outgoing::unchanged(incoming.headers);
        let invoked = std::time::Instant::now();
        let forwarded = proxy::forward(
            proxy::Backend {
                method: integration.http_method.as_deref(),
                timeout_millis: integration.timeout_in_millis,
            },
            uri,
            &selected.path_parameters,
            incoming.method,
            incoming.query,
            outgoing,
            body,
        )
        .await;
        trace.integration_latency = Some(invoked.elapsed());
        let response = match forwarded {
            Ok(response) => response,
            Err(failed) => return fail(trace, failed.status, failed.reason),
        };
        trace.integration_status = Some(response.status().as_u16());
        if integration.integration_type == IntegrationType::HttpProxy {
            return response;
        }
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body)
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        let headers: BTreeMap<String, String> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let status = parts.status.as_u16().to_string();
        integration_answer(integration, Some(&status), body, &headers, trace)
    }
}

/// The body a non-proxy integration sends its backend: the request template for the request's
/// content type (when it computes nothing), or the body passed through as the passthrough
/// behaviour allows.
fn request_body(
    integration: &Integration,
    incoming: &Incoming<'_>,
    trace: &mut Trace,
) -> Result<Bytes, Refusal> {
    let content_type = incoming
        .headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map_or_else(
            || "application/json".to_owned(),
            |v| v.trim().to_ascii_lowercase(),
        );
    let templates = &integration.request_templates;
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
        return Ok(incoming.body.clone());
    };
    if computes(template) {
        return Err(failure(
            trace,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "the request template for {content_type} uses $ or # (Velocity), which the sandbox does not evaluate yet"
            ),
        ));
    }
    Ok(Bytes::from(template.clone()))
}

/// The integration response `selector` (a Lambda error's message, a backend's status, or `None`
/// for a function's success) selects: the first whose pattern matches it whole, else the
/// default (no pattern).
fn select_response<'a>(
    integration: &'a Integration,
    selector: Option<&str>,
) -> Option<&'a IntegrationResponse> {
    let default = integration.integration_responses.values().find(|response| {
        response
            .selection_pattern
            .as_deref()
            .is_none_or(str::is_empty)
    });
    let Some(selector) = selector else {
        return default;
    };
    integration
        .integration_responses
        .values()
        .filter(|response| {
            response
                .selection_pattern
                .as_deref()
                .is_some_and(|p| !p.is_empty())
        })
        .find(|response| {
            response
                .selection_pattern
                .as_deref()
                .and_then(|pattern| selection_regex(pattern).ok())
                .is_some_and(|pattern| pattern.is_match(selector))
        })
        .or(default)
}

/// A non-proxy integration's answer as the method's: the selected integration response's
/// status, its headers (from literals or the backend's headers and body) and its body (the
/// response template's, when it computes nothing, or the backend's passed through).
fn integration_answer(
    integration: &Integration,
    selector: Option<&str>,
    body: Bytes,
    backend_headers: &BTreeMap<String, String>,
    trace: &mut Trace,
) -> Response {
    let Some(chosen) = select_response(integration, selector) else {
        return fail(
            trace,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured".into(),
        );
    };
    let status = chosen
        .status_code
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let body = match chosen.response_templates.get("application/json") {
        Some(Some(template)) if !template.is_empty() => {
            if computes(template) {
                return fail(
                    trace,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "the integration response {}'s template uses $ or # (Velocity), which the sandbox does not evaluate yet",
                        chosen.status_code
                    ),
                );
            }
            Bytes::from(template.clone())
        }
        _ => body,
    };
    let parsed: Option<Json> = serde_json::from_slice(&body).ok();
    let mut response = (status, [("content-type", "application/json")], body).into_response();
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
        if let (Some(value), Ok(name)) =
            (value, axum::http::HeaderName::from_bytes(header.as_bytes()))
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A MOCK integration: the request template's `statusCode` selects the integration response.
fn rest_mock(integration: &Integration, incoming: &Incoming<'_>, trace: &mut Trace) -> Response {
    let template = match request_body(integration, incoming, trace) {
        Ok(template) => template,
        Err(refusal) => return refusal.into_response(),
    };
    let status = serde_json::from_slice::<Json>(&template).ok().and_then(
        |request| match &request["statusCode"] {
            Json::Number(number) => number.as_u64().map(|n| n.to_string()),
            Json::String(text) => Some(text.clone()),
            _ => None,
        },
    );
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
        trace,
    )
}
