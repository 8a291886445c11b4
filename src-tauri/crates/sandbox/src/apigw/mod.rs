//! API Gateway v2 HTTP APIs (restJson, `/v2/apis/…`): the control plane in `control`, and the
//! invoke URL — `/_aws/execute-api/{apiId}/{stage}/{path}` or host `{apiId}.execute-api.localhost`
//! — here. A request selects a route of the stage's deployment, becomes the exact proxy event AWS
//! builds (payload 2.0 or 1.0), goes to the function through the Lambda service, and the answer
//! is mapped back as AWS maps it, with AWS's error statuses.

mod api;
pub mod event;
pub mod export;
pub mod integration_uri;
pub mod model;
pub mod parameter_mapping;
mod proxy;
pub mod routes;
pub mod routing;
pub mod stage_variables;
pub mod websocket;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use self::model::{Api, Integration, Route};
use self::routing::RouteKey;
use crate::lambda::Lambda;
use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredDefinition};
use crate::wire::AwsError;

const NAMESPACE: &str = "com.amazonaws.apigatewayv2";

/// The invoke URL's path prefix, the convention other local AWS emulators use.
pub const EXECUTE_API_PREFIX: &str = "/_aws/execute-api/";

pub(crate) fn bad_request(message: impl Into<String>) -> AwsError {
    AwsError::new(
        NAMESPACE,
        "BadRequestException",
        StatusCode::BAD_REQUEST,
        message,
    )
}

pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(
        NAMESPACE,
        "NotFoundException",
        StatusCode::NOT_FOUND,
        message,
    )
}

pub(crate) fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new(
        NAMESPACE,
        "ConflictException",
        StatusCode::CONFLICT,
        message,
    )
}

type Apis = BTreeMap<String, Api>;

/// The API Gateway service of a sandbox.
#[derive(Debug)]
pub struct ApiGateway {
    regions: Regional<Apis>,
    store: Store,
    lambda: Arc<Lambda>,
    endpoint: Mutex<String>,
    logs: Mutex<Option<Arc<crate::logs::Logs>>>,
    inspector: Mutex<Option<Arc<crate::inspect::Inspector>>>,
    buckets: Mutex<HashMap<(String, String, String), Bucket>>,
    metrics: Mutex<HashMap<(String, String), StageMetrics>>,
    connections: websocket::Connections,
    websocket_limits: Mutex<websocket::Limits>,
}

/// How much of a response body the inspection feed keeps.
const RECORDED_BODY_BYTES: usize = 64 * 1024;

/// The most a client may send through the invoke URL (10 MB).
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// A stored API that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("loading API {id}: {message}")]
pub struct LoadError {
    id: String,
    message: String,
}

impl ApiGateway {
    pub fn load(
        store: Store,
        lambda: Arc<Lambda>,
        stored: Vec<StoredDefinition>,
    ) -> Result<Self, LoadError> {
        let mut regions: HashMap<Scope, Apis> = HashMap::new();
        for row in stored {
            let api: Api = serde_json::from_str(&row.definition).map_err(|error| LoadError {
                id: row.name.clone(),
                message: error.to_string(),
            })?;
            regions.entry(row.scope).or_default().insert(row.name, api);
        }
        Ok(Self {
            regions: Regional::new(regions),
            store,
            lambda,
            endpoint: Mutex::new(String::new()),
            logs: Mutex::new(None),
            inspector: Mutex::new(None),
            buckets: Mutex::new(HashMap::new()),
            metrics: Mutex::new(HashMap::new()),
            connections: websocket::Connections::default(),
            websocket_limits: Mutex::new(websocket::Limits::default()),
        })
    }

    /// Where access logs go, and where requests are reported for the app's inspector.
    pub fn set_observers(
        &self,
        logs: Arc<crate::logs::Logs>,
        inspector: Arc<crate::inspect::Inspector>,
    ) {
        *self.logs.lock().unwrap_or_else(|p| p.into_inner()) = Some(logs);
        *self.inspector.lock().unwrap_or_else(|p| p.into_inner()) = Some(inspector);
    }

    /// The idle timeout and maximum duration of WebSocket connections.
    pub fn set_websocket_limits(&self, limits: websocket::Limits) {
        *self
            .websocket_limits
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = limits;
    }

    fn websocket_limits(&self) -> websocket::Limits {
        *self
            .websocket_limits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The WebSocket clients connected to the sandbox's APIs.
    pub fn connections(&self) -> &websocket::Connections {
        &self.connections
    }

    /// Reports a record to the inspection feed, if the app is watching.
    fn record(&self, record: serde_json::Value) {
        let inspector = self
            .inspector
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(inspector) = inspector {
            inspector.record(record);
        }
    }

    pub fn set_endpoint(&self, endpoint: String) {
        *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint;
    }

    /// The base of an API's invoke URL: its `ApiEndpoint`.
    fn api_endpoint(&self, id: &str) -> String {
        let endpoint = self
            .endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        format!("{endpoint}{EXECUTE_API_PREFIX}{id}")
    }

    fn persist(&self, scope: &Scope, api: &Api) {
        if let Ok(definition) = serde_json::to_string(api) {
            self.store.submit_for_request(vec![Mutation::PutApi {
                scope: scope.clone(),
                id: api.id.clone(),
                definition,
            }]);
        }
    }

    fn persist_deletion(&self, scope: &Scope, id: &str) {
        self.store.submit_for_request(vec![Mutation::DeleteApi {
            scope: scope.clone(),
            id: id.to_owned(),
        }]);
    }

    /// Every API of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let apis = region
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        apis.values()
            .map(|api| {
                let arn = format!("arn:aws:apigateway:{}::/apis/{}", scope.region, api.id);
                (arn, api.tags.clone())
            })
            .collect()
    }

    /// The account and region that hold API `id`.
    pub fn scope_of(&self, id: &str) -> Option<Scope> {
        self.regions.all().into_iter().find_map(|(scope, apis)| {
            apis.read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(id)
                .then_some(scope)
        })
    }

    /// Which API an invoke-URL request is for: `(apiId, path after it)`, from the
    /// `/_aws/execute-api/{apiId}` prefix or the `{apiId}.execute-api.localhost` host.
    pub fn target_of(path: &str, headers: &HeaderMap) -> Option<(String, String)> {
        if let Some(rest) = path.strip_prefix(EXECUTE_API_PREFIX) {
            let (id, rest) = rest.split_once('/').unwrap_or((rest, ""));
            return Some((id.to_owned(), format!("/{rest}")));
        }
        let host = headers.get("host")?.to_str().ok()?;
        let (id, domain) = host.split_once('.')?;
        domain
            .starts_with("execute-api.localhost")
            .then(|| (id.to_owned(), path.to_owned()))
    }

    /// Serves a request to an API's invoke URL.
    pub async fn serve(&self, scope: &Scope, api_id: &str, incoming: Incoming<'_>) -> Response {
        let request_id = event::request_id();
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
            add_cors_headers(cors, incoming.headers, response.headers_mut());
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("apigw-requestid", value);
        }
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body)
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        let status = parts.status.as_u16();
        let length = body.len().to_string();
        let response_record = json!({
            "status": status,
            "headers": parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), json!(String::from_utf8_lossy(v.as_bytes()))))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
            "body": String::from_utf8_lossy(&body[..body.len().min(RECORDED_BODY_BYTES)]),
        });
        let response = Response::from_parts(parts, axum::body::Body::from(body));
        self.observe(
            scope,
            api_id,
            &incoming,
            &request_id,
            &trace,
            (status, length, response_record),
            latency,
        )
        .await;
        response
    }

    /// Counts the request in its stage's metrics, writes the access log line, and reports it.
    #[allow(clippy::too_many_arguments)]
    async fn observe(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
        trace: &Trace,
        (status, length, response_record): (u16, String, serde_json::Value),
        latency: Duration,
    ) {
        let stage = trace.stage.clone().unwrap_or_default();
        if status >= 500 {
            tracing::warn!(
                api = %api_id,
                %stage,
                route = trace.route_key.as_deref().unwrap_or("-"),
                status,
                reason = trace.error.as_deref().unwrap_or("no reason was recorded"),
                "API Gateway answered a server error"
            );
        }
        let metrics = {
            let mut all = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
            let metrics = all.entry((api_id.to_owned(), stage.clone())).or_default();
            metrics.count += 1;
            metrics.client_errors += u64::from((400..500).contains(&status));
            metrics.server_errors += u64::from(status >= 500);
            metrics.latency_ms_total += latency.as_secs_f64() * 1000.0;
            metrics.integration_latency_ms_total += trace
                .integration_latency
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
            metrics.clone()
        };
        let request = RequestContext {
            request_id,
            api_id,
            stage: &stage,
            route_key: trace.route_key.as_deref(),
            incoming,
        };
        let variables = |name: &str| -> String {
            match name {
                "status" => status.to_string(),
                "responseLength" => length.clone(),
                "responseLatency" => latency.as_millis().to_string(),
                "integrationLatency" => trace
                    .integration_latency
                    .map_or_else(|| "-".to_owned(), |d| d.as_millis().to_string()),
                "integrationStatus" => trace
                    .integration_status
                    .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                "integrationErrorMessage" => trace.error.clone().unwrap_or_else(|| "-".to_owned()),
                "requestTime" => event::request_time(),
                "requestTimeEpoch" => (std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()))
                .to_string(),
                _ => request.variable(name).unwrap_or_else(|| "-".to_owned()),
            }
        };
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let (Some(settings), Some(logs)) = (&trace.access_log, logs) {
            let destination = settings["destinationArn"].as_str().unwrap_or_default();
            let format = settings["format"].as_str().unwrap_or("$context.requestId");
            if let Some(group) = destination.split(":log-group:").nth(1) {
                let group = group.trim_end_matches(":*");
                let line = access_log_line(format, &variables);
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                logs.append(
                    scope,
                    group,
                    &format!("{api_id}_{stage}"),
                    vec![(now, line)],
                )
                .await;
            }
        }
        self.record(json!({
                "service": "apigateway",
                "kind": "request",
                "region": scope.region,
                "apiId": api_id,
                "stage": stage,
                "requestId": request_id,
                "method": incoming.method.as_str(),
                "path": incoming.path,
                "query": incoming.query,
                "routeKey": trace.route_key,
                "status": status,
                "latencyMs": latency.as_secs_f64() * 1000.0,
                "integrationLatencyMs": trace.integration_latency.map(|d| d.as_secs_f64() * 1000.0),
                "integrationStatus": trace.integration_status,
                "error": trace.error,
                "integration": trace.integration,
                "event": trace.event,
                "answer": trace.answer,
                "response": response_record,
                "metrics": metrics,
        }));
    }

    /// Whether the stage's throttling settings let one more request through on `route_key`.
    fn admit(&self, api_id: &str, stage: &model::Stage, route_key: &str) -> bool {
        let settings = stage
            .route_settings
            .get(route_key)
            .filter(|s| s.get("throttlingRateLimit").is_some())
            .unwrap_or(&stage.default_route_settings);
        let (Some(rate), Some(burst)) = (
            settings
                .get("throttlingRateLimit")
                .and_then(serde_json::Value::as_f64),
            settings
                .get("throttlingBurstLimit")
                .and_then(serde_json::Value::as_f64),
        ) else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets
            .entry((api_id.to_owned(), stage.name.clone(), route_key.to_owned()))
            .or_insert(Bucket {
                tokens: burst,
                last: std::time::Instant::now(),
            });
        let now = std::time::Instant::now();
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
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
        } = incoming;
        let (path, query, method, headers) = (*path, *query, *method, *headers);
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
                return preflight(cors, headers);
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
            Selected {
                api_id: api.id.clone(),
                stage: stage.name.clone(),
                stage_variables: stage.stage_variables.clone(),
                route,
                parameters,
                integration,
                route_path,
            }
        };
        if selected.route.authorization_type != "NONE" {
            // Authorizers are stored but not evaluated yet: refuse rather than let requests through.
            return message(StatusCode::UNAUTHORIZED, "Unauthorized");
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
        if integration.integration_type == "HTTP_PROXY" {
            let outgoing = match self.map_parameters(integration, &selected, incoming, request_id) {
                Ok(outgoing) => outgoing,
                Err(reason) => return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason),
            };
            let invoked = std::time::Instant::now();
            let forwarded = proxy::forward(
                integration,
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
        if integration.integration_type != "AWS_PROXY" {
            let reason = format!(
                "{} integrations are not served by the sandbox's HTTP APIs",
                integration.integration_type
            );
            return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
        }
        let function = integration_uri::function_of(&uri).to_owned();
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}",
            scope.region,
            scope.account,
            selected.api_id,
            selected.stage,
            match selected.route.route_key.split_once(' ') {
                Some((method, path)) => format!("{method}{path}"),
                None => selected.route.route_key.clone(),
            }
        );
        if !self.lambda.has_function(scope, &function) {
            let reason = format!("the integration's function {function} does not exist");
            return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
        }
        if !self
            .lambda
            .allows_invoke(scope, &function, "apigateway.amazonaws.com", &source_arn)
        {
            // `arn:aws:lambda:{region}:{account}:function:{name}:{qualifier}`
            let qualified = if function.split(':').count() == 8 {
                " (a version or alias has a policy of its own: add the permission with its Qualifier)"
            } else {
                ""
            };
            let reason = format!(
                "API Gateway has no permission to invoke {function} from {source_arn}: add one with AddPermission{qualified}"
            );
            return trace.failure(StatusCode::INTERNAL_SERVER_ERROR, reason);
        }
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
        let payload = if integration.payload_format_version == "1.0" {
            event::version_1(&request)
        } else {
            event::version_2(&request)
        };
        let timeout = Duration::from_millis(u64::from(integration.timeout_millis));
        let invocation =
            self.lambda
                .invoke_direct(scope, &function, Bytes::from(payload.to_string()));
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

/// What a request went through, for CORS, throttling, access logs, metrics and the inspector.
#[derive(Debug, Default)]
struct Trace {
    stage: Option<String>,
    route_key: Option<String>,
    cors: Option<serde_json::Value>,
    access_log: Option<serde_json::Value>,
    event: Option<serde_json::Value>,
    integration_latency: Option<Duration>,
    integration_status: Option<u16>,
    error: Option<String>,
    integration: Option<serde_json::Value>,
    answer: Option<serde_json::Value>,
}

impl ApiGateway {
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

/// What `$context` variables about the request read: for access log formats and parameter
/// mappings alike.
struct RequestContext<'a> {
    request_id: &'a str,
    api_id: &'a str,
    stage: &'a str,
    route_key: Option<&'a str>,
    incoming: &'a Incoming<'a>,
}

impl RequestContext<'_> {
    /// The value of `$context.{name}`, when the request has one.
    fn variable(&self, name: &str) -> Option<String> {
        let header = |name: &str| {
            self.incoming
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Some(match name {
            "requestId" | "extendedRequestId" => self.request_id.to_owned(),
            "apiId" => self.api_id.to_owned(),
            "stage" => self.stage.to_owned(),
            "routeKey" => self.route_key?.to_owned(),
            "httpMethod" => self.incoming.method.to_string(),
            "path" => self.incoming.path.to_owned(),
            "protocol" => "HTTP/1.1".to_owned(),
            "domainName" => header("host")?,
            "identity.sourceIp" => "127.0.0.1".to_owned(),
            "identity.userAgent" => header("user-agent")?,
            _ => return None,
        })
    }
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

/// A token bucket for a stage's throttling settings.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: std::time::Instant,
}

/// Request counts and latencies per stage, as CloudWatch's API Gateway metrics count them.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StageMetrics {
    count: u64,
    #[serde(rename = "4xx")]
    client_errors: u64,
    #[serde(rename = "5xx")]
    server_errors: u64,
    latency_ms_total: f64,
    integration_latency_ms_total: f64,
}

/// A client's request to an invoke URL, after the API id.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

struct Selected {
    api_id: String,
    stage: String,
    stage_variables: BTreeMap<String, String>,
    route: Route,
    parameters: BTreeMap<String, String>,
    integration: Option<Integration>,
    route_path: String,
}

/// The `Access-Control-Allow-Origin` value for `origin` under `cors`, if it is allowed.
fn allowed_origin(cors: &serde_json::Value, origin: &str) -> Option<String> {
    let origins: Vec<&str> = cors["allowOrigins"]
        .as_array()
        .map(|list| list.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    if origins.contains(&"*") {
        Some("*".to_owned())
    } else {
        origins.contains(&origin).then(|| origin.to_owned())
    }
}

fn joined(cors: &serde_json::Value, key: &str) -> Option<String> {
    let values: Vec<&str> = cors[key]
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The gateway's answer to a CORS preflight request.
fn preflight(cors: &serde_json::Value, headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let origin = headers
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(allowed) = allowed_origin(cors, origin) else {
        return response;
    };
    let map = response.headers_mut();
    let mut set = |name: &'static str, value: Option<String>| {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            map.insert(name, value);
        }
    };
    set("access-control-allow-origin", Some(allowed));
    set("access-control-allow-methods", joined(cors, "allowMethods"));
    set("access-control-allow-headers", joined(cors, "allowHeaders"));
    set(
        "access-control-expose-headers",
        joined(cors, "exposeHeaders"),
    );
    set(
        "access-control-max-age",
        cors["maxAge"].as_i64().map(|n| n.to_string()),
    );
    if cors["allowCredentials"].as_bool() == Some(true) {
        set("access-control-allow-credentials", Some("true".to_owned()));
    }
    response
}

/// With CORS configured, the gateway's headers replace whatever CORS headers the function sent.
fn add_cors_headers(cors: &serde_json::Value, request: &HeaderMap, response: &mut HeaderMap) {
    let Some(origin) = request.get("origin").and_then(|v| v.to_str().ok()) else {
        return;
    };
    let Some(allowed) = allowed_origin(cors, origin) else {
        return;
    };
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    ] {
        response.remove(name);
    }
    if let Ok(value) = HeaderValue::from_str(&allowed) {
        response.insert("access-control-allow-origin", value);
    }
    if let Some(value) = joined(cors, "exposeHeaders").and_then(|v| HeaderValue::from_str(&v).ok())
    {
        response.insert("access-control-expose-headers", value);
    }
    if cors["allowCredentials"].as_bool() == Some(true) {
        response.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
}

/// An access log line: `$context.x` variables of `format` replaced by their values.
fn access_log_line(format: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(format.len() + 64);
    let mut rest = format;
    while let Some(at) = rest.find("$context.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "$context.".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(after.len());
        let name = after[..end].trim_end_matches('.');
        out.push_str(&value(name));
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    out
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

impl crate::wire::rest::Service for ApiGateway {
    fn unsaved(&self, reason: String) -> AwsError {
        AwsError::new(
            NAMESPACE,
            "InternalServerErrorException",
            StatusCode::INTERNAL_SERVER_ERROR,
            reason,
        )
    }
}
