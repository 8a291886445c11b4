//! The HTTP APIs' data plane: a request to an invoke URL finds its stage, the deployment the
//! stage serves and the route the request matches; CORS preflights are answered here
//! ([`cors`]), throttling applied ([`throttle`]); the integration is called — an HTTP backend
//! (`proxy`) or a function ([`lambda_proxy`]); and every request is counted, logged and
//! reported ([`observe`]).

mod context;
pub mod cors;
pub(in crate::apigw) mod jwt;
pub(in crate::apigw) mod lambda_authorizer;
pub mod lambda_proxy;
pub mod observe;
pub mod throttle;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use self::context::RequestContext;
use super::model::{
    AccessLogSettings, AuthorizationType, Cors, Integration, IntegrationType, Route,
};
use super::routing::{self, RouteKey};
use super::{ApiGateway, event, parameter_mapping, proxy, stage_variables};
use crate::store::Scope;

/// How much of a response body the inspection feed keeps.
const RECORDED_BODY_BYTES: usize = 64 * 1024;

/// The most a client may send through the invoke URL (10 MB).
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// A client's request to an invoke URL, after the API id.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub path: &'a str,
    /// The path as the client sent it (what a SigV4 signature covers).
    pub signed_path: &'a str,
    pub query: Option<&'a str>,
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

/// The stage, route and integration a request selected.
pub(super) struct Selected {
    api_id: String,
    stage: String,
    stage_variables: BTreeMap<String, String>,
    route: Route,
    parameters: BTreeMap<String, String>,
    integration: Option<Integration>,
    route_path: String,
    /// The authorizer the route names, as deployed.
    authorizer: Option<super::model::Authorizer>,
    /// What the route's authorizer let through, for the integration.
    authorization: Option<Authorized>,
}

impl Selected {
    /// The route's ARN, as permissions and authorizer policies name it:
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/GET/items` (`…/$default` for the
    /// default route).
    pub(super) fn route_arn(&self, scope: &Scope) -> String {
        let route = match self.route.route_key.split_once(' ') {
            Some((method, path)) => format!("{method}{path}"),
            None => self.route.route_key.clone(),
        };
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{route}",
            scope.region, scope.account, self.api_id, self.stage
        )
    }
}

/// A request an authorizer let in.
#[derive(Debug)]
pub(super) enum Authorized {
    Jwt(jwt::Allowed),
    Lambda(lambda_authorizer::Decision),
    Iam(super::iam_auth::IamCaller),
}

impl Authorized {
    /// `requestContext.authorizer` of an integration payload of `version`.
    pub fn context(&self, version: &str) -> Option<serde_json::Value> {
        match self {
            Self::Jwt(allowed) => Some(allowed.context(version)),
            Self::Lambda(decision) => decision.context(version),
            // Payload 1.0 carries the caller in `requestContext.identity` instead.
            Self::Iam(caller) => (version != "1.0").then(|| caller.authorizer_context()),
        }
    }
}

/// What a request went through, for CORS, throttling, access logs, metrics and the inspector.
#[derive(Debug, Default)]
pub(in crate::apigw) struct Trace {
    pub stage: Option<String>,
    pub route_key: Option<String>,
    pub cors: Option<Cors>,
    pub access_log: Option<AccessLogSettings>,
    pub event: Option<serde_json::Value>,
    pub integration_latency: Option<Duration>,
    pub integration_status: Option<u16>,
    pub error: Option<String>,
    pub integration: Option<serde_json::Value>,
    pub answer: Option<serde_json::Value>,
    /// A REST API stage's execution logging for the method, when it is on.
    pub execution_log: Option<crate::apigw::rest::execution_log::Logging>,
    /// How a REST API request met its stage's cache, when the method's answers are cached.
    pub cache: Option<crate::apigw::rest::cache::CacheUse>,
    /// What the route's authorizer decided and why.
    pub authorizer: Option<serde_json::Value>,
}

impl Trace {
    /// API Gateway's answer for a failed integration, with `reason` kept for the access log's
    /// `$context.integrationErrorMessage` and the inspector.
    fn failure(&mut self, status: StatusCode, reason: String) -> Response {
        self.error = Some(reason);
        let text = match status {
            StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
            StatusCode::GATEWAY_TIMEOUT => "Gateway Timeout",
            _ => "Internal Server Error",
        };
        message(status, text)
    }
}

impl ApiGateway {
    /// Serves a request to an API's invoke URL.
    pub async fn serve(&self, scope: &Scope, api_id: &str, incoming: Incoming<'_>) -> Response {
        // REST APIs name a request by a UUID (`x-amzn-RequestId`) and an extended id
        // (`x-amz-apigw-id`); HTTP APIs by one short id (`apigw-requestid`).
        let rest = self.is_rest_api(scope, api_id);
        let request_id = if rest {
            event::rest_request_id()
        } else {
            event::request_id()
        };
        let started = std::time::Instant::now();
        let mut trace = Trace::default();
        let mut response = if incoming.body.len() > MAX_REQUEST_BYTES {
            message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large")
        } else {
            self.route_request(scope, api_id, &incoming, &request_id, &mut trace)
                .await
        };
        let latency = started.elapsed();
        if let Some(cors) = &trace.cors {
            cors::add_headers(cors, incoming.headers, response.headers_mut());
        }
        let ids = if rest {
            vec![
                ("x-amzn-requestid", request_id.clone()),
                ("x-amz-apigw-id", event::extended_request_id(&request_id)),
            ]
        } else {
            vec![("apigw-requestid", request_id.clone())]
        };
        for (name, id) in ids {
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(name, value);
            }
        }
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body)
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        let status = parts.status.as_u16();
        let length = body.len().to_string();
        let recorded = lab_feed::RecordedResponse {
            status,
            headers: event::header_pairs(&parts.headers).collect(),
            body: String::from_utf8_lossy(&body[..body.len().min(RECORDED_BODY_BYTES)])
                .into_owned(),
        };
        let response = Response::from_parts(parts, axum::body::Body::from(body));
        self.observe(
            scope,
            api_id,
            &incoming,
            &request_id,
            &trace,
            (length, recorded),
            latency,
        )
        .await;
        response
    }

    async fn route_request(
        &self,
        scope: &Scope,
        api_id: &str,
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
        if self.is_rest_api(scope, api_id) {
            return self
                .route_rest_request(scope, api_id, incoming, request_id, trace)
                .await;
        }
        // Find the stage and the deployment it serves.
        let selected = {
            let region = self.regions.get(scope);
            let apis = region.read().unwrap_or_else(|p| p.into_inner());
            let Some(api) = apis
                .get(api_id)
                .filter(|api| !api.disable_execute_api_endpoint)
            else {
                return message(StatusCode::NOT_FOUND, "Not Found");
            };
            if api.is_websocket() {
                // A plain HTTP request to a WebSocket API: only a handshake is accepted here.
                return message(StatusCode::UPGRADE_REQUIRED, "Upgrade Required");
            }
            let first = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            let (stage, route_path) = match api.stages.get(first) {
                Some(stage) if first != "$default" => {
                    let rest = &path.trim_start_matches('/')[first.len()..];
                    (
                        stage,
                        if rest.is_empty() {
                            "/".to_owned()
                        } else {
                            rest.to_owned()
                        },
                    )
                }
                _ => match api.stages.get("$default") {
                    Some(stage) => (stage, path.to_owned()),
                    None => return message(StatusCode::NOT_FOUND, "Not Found"),
                },
            };
            trace.stage = Some(stage.name.clone());
            trace.cors = api.cors.clone();
            trace.access_log = stage.access_log_settings.clone();
            if let Some(cors) = &api.cors
                && method == Method::OPTIONS
                && headers.contains_key("access-control-request-method")
            {
                // API Gateway answers CORS preflight requests itself.
                return cors::preflight(cors, headers);
            }
            let Some(deployment) = stage
                .deployment_id
                .as_ref()
                .and_then(|id| api.deployments.get(id))
            else {
                return message(StatusCode::NOT_FOUND, "Not Found");
            };
            let keys: Vec<RouteKey> = deployment
                .snapshot
                .routes
                .iter()
                .map(|route| RouteKey::parse(&route.route_key).unwrap_or(RouteKey::Default))
                .collect();
            let Some((index, parameters)) = routing::select(&keys, method.as_str(), &route_path)
            else {
                return message(StatusCode::NOT_FOUND, "Not Found");
            };
            let route: Route = deployment.snapshot.routes[index].clone();
            trace.route_key = Some(route.route_key.clone());
            if !self.admit(&api.id, stage, &route.route_key) {
                return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            }
            let integration: Option<Integration> = route
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("integrations/"))
                .and_then(|id| deployment.snapshot.integrations.get(id))
                .cloned();
            let authorizer = route
                .authorizer_id
                .as_ref()
                .and_then(|id| deployment.snapshot.authorizers.get(id))
                .cloned();
            Selected {
                api_id: api.id.clone(),
                stage: stage.name.clone(),
                stage_variables: stage.stage_variables.clone(),
                route,
                parameters,
                integration,
                route_path,
                authorizer,
                authorization: None,
            }
        };
        let mut selected = selected;
        match selected.route.authorization_type {
            AuthorizationType::None => {}
            AuthorizationType::Jwt => {
                match self.authorize_jwt(scope, &selected, headers, query).await {
                    Ok(allowed) => {
                        trace.authorizer = Some(json!({
                            "type": "JWT", "decision": "allowed", "claims": allowed.claims,
                        }));
                        selected.authorization = Some(Authorized::Jwt(allowed));
                    }
                    Err(refused) => {
                        let mut decided = json!({
                            "type": "JWT", "decision": "refused", "reason": refused.reason,
                        });
                        if let Some(claims) = &refused.presented {
                            decided["claims"] = claims.clone();
                            decided["note"] = json!(jwt::PRESENTED);
                        }
                        trace.authorizer = Some(decided);
                        trace.error =
                            Some(format!("the JWT authorizer refused: {}", refused.reason));
                        return jwt_refusal(&refused);
                    }
                }
            }
            AuthorizationType::Custom => {
                let decision = self
                    .authorize_with_lambda(scope, &selected, incoming, request_id)
                    .await;
                match decision {
                    lambda_authorizer::Decision::Allowed { ref context, .. } => {
                        trace.authorizer = Some(json!({
                            "type": "REQUEST", "decision": "allowed", "context": context,
                        }));
                        selected.authorization = Some(Authorized::Lambda(decision));
                    }
                    lambda_authorizer::Decision::Refused { status, reason } => {
                        trace.authorizer = Some(json!({
                            "type": "REQUEST", "decision": "refused", "reason": reason,
                        }));
                        trace.error = Some(format!("the Lambda authorizer refused: {reason}"));
                        let text = if status == StatusCode::FORBIDDEN {
                            "Forbidden"
                        } else {
                            "Unauthorized"
                        };
                        return message(status, text);
                    }
                    lambda_authorizer::Decision::Failed(reason) => {
                        trace.authorizer = Some(json!({
                            "type": "REQUEST", "decision": "failed", "reason": reason,
                        }));
                        return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
                    }
                }
            }
            AuthorizationType::AwsIam => {
                let resource_arn = format!(
                    "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
                    scope.region,
                    scope.account,
                    selected.api_id,
                    selected.stage,
                    method,
                    selected.route_path
                );
                let request =
                    super::iam_auth::IamRequest::of(incoming, &resource_arn, &scope.region);
                match self.authorize_iam(&request) {
                    Ok(caller) => {
                        trace.authorizer = Some(caller.feed());
                        selected.authorization = Some(Authorized::Iam(caller));
                    }
                    Err(refusal) => {
                        trace.authorizer = Some(refusal.feed());
                        trace.error =
                            Some(format!("AWS_IAM authorization refused: {}", refusal.reason));
                        // HTTP APIs answer every IAM refusal with a bare 403.
                        return message(refusal.status, "Forbidden");
                    }
                }
            }
        }
        let Some(integration) = &selected.integration else {
            // A route without a target (or whose integration was deleted) has nothing to call.
            let reason = match &selected.route.target {
                None => format!(
                    "route {} has no target: attach an integration (Target integrations/ID) and deploy",
                    selected.route.route_key
                ),
                Some(target) => format!(
                    "route {}'s target {target} is not an integration of the deployment stage {} serves",
                    selected.route.route_key, selected.stage
                ),
            };
            return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
        };
        trace.integration = Some(integration.to_json());
        let uri = match stage_variables::substitute(
            integration.integration_uri.as_deref().unwrap_or_default(),
            &selected.stage,
            &selected.stage_variables,
        ) {
            Ok(uri) => uri,
            Err(unresolved) => {
                return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, unresolved.to_string());
            }
        };
        if integration.integration_type == IntegrationType::HttpProxy {
            let outgoing = match self.map_parameters(integration, &selected, incoming, request_id) {
                Ok(outgoing) => outgoing,
                Err(reason) => return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason),
            };
            let invoked = std::time::Instant::now();
            let forwarded = proxy::forward(
                proxy::Backend {
                    method: integration.integration_method.as_deref(),
                    timeout_millis: integration.timeout_millis,
                },
                &uri,
                &selected.parameters,
                method,
                query,
                outgoing,
                body.clone(),
            )
            .await;
            trace.integration_latency = Some(invoked.elapsed());
            return match forwarded {
                Ok(response) => {
                    trace.integration_status = Some(response.status().as_u16());
                    response
                }
                Err(failed) => trace.failure(failed.status, failed.reason),
            };
        }
        if integration.integration_type != IntegrationType::AwsProxy {
            let reason = format!(
                "{} integrations are not served by the sandbox's HTTP APIs",
                integration.integration_type
            );
            return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
        }
        self.invoke_function(
            scope,
            &selected,
            integration,
            &uri,
            incoming,
            request_id,
            trace,
        )
        .await
    }

    /// The request as an HTTP_PROXY integration's parameter mappings change it.
    fn map_parameters(
        &self,
        integration: &Integration,
        selected: &Selected,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> Result<parameter_mapping::Outgoing, String> {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(incoming.query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let mappings = integration
            .request_parameters
            .iter()
            .map(|(key, value)| parameter_mapping::parse(key, value))
            .collect::<Result<Vec<_>, _>>()?;
        let request = RequestContext {
            request_id,
            api_id: &selected.api_id,
            stage: &selected.stage,
            route_key: Some(&selected.route.route_key),
            incoming,
        };
        let context = |name: &str| request.variable(name).unwrap_or_default();
        parameter_mapping::apply(
            &mappings,
            &parameter_mapping::Request {
                headers: incoming.headers,
                query: &query,
                body: &incoming.body,
                path: &selected.route_path,
                path_parameters: &selected.parameters,
                stage: &selected.stage,
                stage_variables: &selected.stage_variables,
                context: &context,
            },
        )
    }
}

/// API Gateway's `{"message": …}` answers.
pub fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

/// API Gateway's answer when a JWT authorizer refuses a request.
fn jwt_refusal(refused: &jwt::Refused) -> Response {
    if refused.status == StatusCode::FORBIDDEN {
        return message(StatusCode::FORBIDDEN, "Forbidden");
    }
    let mut response = message(StatusCode::UNAUTHORIZED, "Unauthorized");
    if let Ok(value) = HeaderValue::from_str(&refused.challenge()) {
        response
            .headers_mut()
            .insert(axum::http::header::WWW_AUTHENTICATE, value);
    }
    response
}
