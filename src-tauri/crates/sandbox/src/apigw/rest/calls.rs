//! The calls a REST API method makes to its integration: a function as a proxy (`AWS_PROXY`,
//! the payload 1.0 event) or without one (`AWS`, through the mapping templates), and an HTTP
//! backend (`HTTP`, `HTTP_PROXY`), each within the integration's timeout and with API Gateway's
//! answers when it fails.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::invoke::Selected;
use super::mapping::{self, MethodRequest};
use super::model::{Integration, IntegrationType};
use super::refusal::{Refusal, THROTTLED, fail, failure};
use crate::apigw::http::Trace;
use crate::apigw::{ApiGateway, Incoming, event, proxy};
use crate::store::Scope;

impl ApiGateway {
    /// The function an integration calls, once API Gateway may invoke it from this method.
    pub(super) fn rest_function(
        &self,
        scope: &Scope,
        selected: &Selected,
        uri: &str,
        method: &str,
    ) -> Result<String, String> {
        self.invocable_function(scope, uri, &Self::rest_source_arn(scope, selected, method))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn rest_lambda_proxy(
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
            .invoke_with_timeout(scope, &function, (bytes, request_id), integration, trace)
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

    /// Invokes `function` within the integration's timeout on behalf of request `request_id`,
    /// noting the latency and the answer.
    pub(super) async fn invoke_with_timeout(
        &self,
        scope: &Scope,
        function: &str,
        (payload, request_id): (Bytes, &str),
        integration: &Integration,
        trace: &mut Trace,
    ) -> Result<(Bytes, bool), Refusal> {
        let timeout = Duration::from_millis(u64::from(integration.timeout_in_millis));
        let invoked = std::time::Instant::now();
        let invocation = self
            .lambda
            .invoke_direct(scope, function, payload, Some(request_id));
        let result = tokio::time::timeout(timeout, invocation).await;
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

    /// A Lambda integration without a proxy: the request body (through its request template,
    /// or passed through) is the function's event, and its answer goes through the integration
    /// response its error message (or success) selects.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn rest_lambda(
        &self,
        scope: &Scope,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        request: &MethodRequest,
        trace: &mut Trace,
    ) -> Response {
        let payload = match mapping::integration_request(integration, incoming, request, trace) {
            Ok(mapped) => mapped.body,
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
        let request_id = request.context["requestId"].as_str().unwrap_or_default();
        let (answer, failed) = match self
            .invoke_with_timeout(scope, &function, (payload, request_id), integration, trace)
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
        mapping::integration_answer(
            integration,
            selector.as_deref(),
            answer,
            &BTreeMap::new(),
            request,
            trace,
        )
    }

    /// An HTTP or HTTP_PROXY integration: the request goes on to the backend; without a proxy
    /// its answer goes through the integration response its status selects.
    pub(super) async fn rest_http(
        &self,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        request: &MethodRequest,
        trace: &mut Trace,
    ) -> Response {
        let mut outgoing = crate::apigw::parameter_mapping::Outgoing::unchanged(incoming.headers);
        let mut path_parameters = selected.path_parameters.clone();
        let body = if integration.integration_type == IntegrationType::Http {
            match mapping::integration_request(integration, incoming, request, trace) {
                Ok(mapped) => {
                    mapped.apply_overrides(&mut outgoing, &mut path_parameters, &request.query);
                    mapped.body
                }
                Err(refusal) => return refusal.into_response(),
            }
        } else {
            incoming.body.clone()
        };
        let invoked = std::time::Instant::now();
        let forwarded = proxy::forward(
            proxy::Backend {
                method: integration.http_method.as_deref(),
                timeout_millis: integration.timeout_in_millis,
            },
            uri,
            &path_parameters,
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
        mapping::integration_answer(integration, Some(&status), body, &headers, request, trace)
    }

    /// An AWS service integration (`arn:aws:apigateway:{region}:{service}:action/{Action}`):
    /// the request template's output is the action's input, called as the integration's role;
    /// the service's answer goes through the integration response its status selects. The
    /// sandbox serves DynamoDB's actions; other services answer 500 with the reason.
    pub(super) async fn rest_aws_service(
        &self,
        scope: &Scope,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        request: &MethodRequest,
        trace: &mut Trace,
    ) -> Response {
        let Some((service, action)) = service_action(uri) else {
            let reason = format!(
                "the integration URI {uri} names no service action (arn:aws:apigateway:{{region}}:{{service}}:action/{{Action}})"
            );
            return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason);
        };
        let (Some(dynamodb), "dynamodb") = (self.dynamodb(), service) else {
            let reason = format!(
                "the sandbox serves AWS service integrations to DynamoDB and Lambda, not to {service}"
            );
            return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason);
        };
        if integration.credentials.is_none() {
            let reason = "Execution failed due to configuration error: an AWS service integration needs credentials (the role API Gateway calls the service as)".to_owned();
            return fail(trace, StatusCode::INTERNAL_SERVER_ERROR, reason);
        }
        let payload = match mapping::integration_request(integration, incoming, request, trace) {
            Ok(mapped) => mapped.body,
            Err(refusal) => return refusal.into_response(),
        };
        trace.event = Some(
            serde_json::from_slice(&payload)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&payload))),
        );
        let invoked = std::time::Instant::now();
        let answered = dynamodb.handle(scope, action, &payload).await;
        trace.integration_latency = Some(invoked.elapsed());
        let (status, body) = match answered {
            Ok(output) => (StatusCode::OK, Bytes::from(output)),
            Err(error) => (
                error.status,
                Bytes::from(
                    json!({
                        "__type": format!("{}#{}", error.namespace, error.code),
                        "message": error.message,
                    })
                    .to_string(),
                ),
            ),
        };
        trace.integration_status = Some(status.as_u16());
        trace.answer = Some(
            serde_json::from_slice(&body).unwrap_or_else(|_| json!(String::from_utf8_lossy(&body))),
        );
        let headers = BTreeMap::from([(
            "content-type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        )]);
        let status = status.as_u16().to_string();
        mapping::integration_answer(integration, Some(&status), body, &headers, request, trace)
    }
}

/// `(service, Action)` of an AWS service integration URI in the action form.
fn service_action(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("arn:aws:apigateway:")?;
    let mut parts = rest.splitn(3, ':');
    let (_region, service, path) = (parts.next()?, parts.next()?, parts.next()?);
    let action = path.strip_prefix("action/")?;
    (!action.is_empty() && !service.is_empty()).then_some((service, action))
}
