//! AWS_PROXY integrations of HTTP APIs: a request becomes the exact proxy event AWS builds
//! (payload 2.0 or 1.0), goes to the function through the Lambda service, and the answer is
//! mapped back as AWS maps it, with AWS's error statuses.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{Incoming, Selected, Trace, message};
use crate::apigw::model::Integration;
use crate::apigw::{ApiGateway, event};
use crate::store::Scope;

impl ApiGateway {
    /// An AWS_PROXY integration: the function must exist and let API Gateway invoke it; the
    /// request becomes the proxy event of the integration's payload format, and the function's
    /// answer is mapped back as AWS maps it — or becomes AWS's 502, 503 or 504.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn invoke_function(
        &self,
        scope: &Scope,
        selected: &Selected,
        integration: &Integration,
        uri: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &mut Trace,
    ) -> Response {
        let Incoming {
            path,
            query,
            method,
            headers,
            body,
            ..
        } = incoming;
        let (path, query, method, headers) = (*path, *query, *method, *headers);
        let source_arn = selected.route_arn(scope);
        let function = match self.invocable_function(scope, uri, &source_arn) {
            Ok(function) => function,
            Err(reason) => return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason),
        };
        let request = event::Request {
            scope,
            api_id: &selected.api_id,
            stage: &selected.stage,
            route_key: &selected.route.route_key,
            path,
            route_path: &selected.route_path,
            query,
            method: method.as_str(),
            headers,
            body,
            path_parameters: &selected.parameters,
            stage_variables: &selected.stage_variables,
            request_id,
        };
        let mut payload = if integration.payload_format_version == "1.0" {
            event::version_1(&request)
        } else {
            event::version_2(&request)
        };
        if let Some(context) = selected
            .authorization
            .as_ref()
            .and_then(|authorized| authorized.context(&integration.payload_format_version))
        {
            payload["requestContext"]["authorizer"] = context;
        }
        if let Some(super::Authorized::Iam(caller)) = &selected.authorization
            && payload["requestContext"]["identity"].is_object()
        {
            caller.fill_identity(&mut payload["requestContext"]["identity"]);
        }
        let timeout = Duration::from_millis(u64::from(integration.timeout_millis));
        let invocation =
            self.lambda
                .invoke_direct(scope, &function, Bytes::from(payload.to_string()), None);
        trace.event = Some(payload);
        let invoked = std::time::Instant::now();
        let result = tokio::time::timeout(timeout, invocation).await;
        trace.integration_latency = Some(invoked.elapsed());
        trace.integration_status = Some(match &result {
            Ok(Ok(_)) => 200,
            Ok(Err(error)) => error.status.as_u16(),
            Err(_) => 504,
        });
        if let Ok(Ok((answer, _))) = &result {
            trace.answer = Some(
                serde_json::from_slice(answer)
                    .unwrap_or_else(|_| json!(String::from_utf8_lossy(answer))),
            );
        }
        match result {
            Err(_) => trace.failure(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "{function} did not answer within the integration's timeout of {} ms",
                    integration.timeout_millis
                ),
            ),
            Ok(Err(error)) if error.code == "TooManyRequestsException" => {
                trace.error = Some(format!(
                    "Lambda throttled the invocation: {}",
                    error.message
                ));
                message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
            }
            Ok(Err(error)) => trace.failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "invoking {function} failed: {}: {}",
                    error.code, error.message
                ),
            ),
            Ok(Ok((answer, true))) => trace.failure(
                StatusCode::BAD_GATEWAY,
                format!(
                    "{function} failed: {}",
                    String::from_utf8_lossy(&answer[..answer.len().min(1024)])
                ),
            ),
            Ok(Ok((answer, false))) => {
                let mapped = if integration.payload_format_version == "1.0" {
                    event::response_1(&answer)
                } else {
                    event::response_2(&answer)
                };
                mapped.unwrap_or_else(|malformed| trace.failure(malformed.status, malformed.reason))
            }
        }
    }
}
