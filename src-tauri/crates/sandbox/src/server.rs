//! The HTTP front door: sandbox-only routes under `/_sandbox/…`, everything else dispatched by AWS
//! protocol to the service that implements the operation. Operations no service implements get
//! the unknown-operation error of their protocol.

use std::sync::Arc;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::apigw::websocket::{ConnectionPath, Handshake};
use crate::apigw::{self, ApiGateway};
use crate::cognito::{self, Cognito};
use crate::dynamodb::{self, DynamoDb};
use crate::function_calls::FunctionCall;
use crate::guard::{self, Decision, Guard, Surface};
use crate::iam::{self, Iam};
use crate::inspect::Inspector;
use crate::lambda::{self, Lambda};
use crate::logs::{self, Logs};
use crate::names;
use crate::s3::{self, S3};
use crate::store::{Scope, Store};
use crate::sts;
use crate::tagging;
use crate::wire::rest::{self, Call, Route};
use crate::wire::{self, AwsError, Protocol};

/// The region used when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub(crate) struct State {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    account_id: String,
    cognito: Arc<Cognito>,
    dynamodb: Arc<DynamoDb>,
    iam: Arc<Iam>,
    logs: Arc<Logs>,
    lambda: Arc<Lambda>,
    apigw: Arc<ApiGateway>,
    inspector: Arc<Inspector>,
    s3: Arc<S3>,
    guard: Guard,
    store: Store,
}

/// The services a sandbox serves, for [`State::new`].
#[derive(Debug)]
pub(crate) struct Services {
    pub cognito: Arc<Cognito>,
    pub dynamodb: Arc<DynamoDb>,
    pub iam: Arc<Iam>,
    pub logs: Arc<Logs>,
    pub lambda: Arc<Lambda>,
    pub apigw: Arc<ApiGateway>,
    pub inspector: Arc<Inspector>,
    pub s3: Arc<S3>,
    /// The store they share: once it fails, nothing more is served.
    pub store: Store,
}

impl State {
    pub(crate) fn new(account_id: String, services: Services, guard: Guard) -> Self {
        let Services {
            cognito,
            dynamodb,
            iam,
            logs,
            lambda,
            apigw,
            inspector,
            s3,
            store,
        } = services;
        Self {
            inner: Arc::new(Inner {
                account_id,
                cognito,
                dynamodb,
                iam,
                logs,
                lambda,
                apigw,
                inspector,
                s3,
                guard,
                store,
            }),
        }
    }

    /// Where the API `api_id` lives: its id says which region holds it.
    fn api_scope(&self, api_id: &str) -> Scope {
        self.inner.apigw.scope_of(api_id).unwrap_or(Scope {
            account: self.inner.account_id.clone(),
            region: DEFAULT_REGION.to_owned(),
        })
    }
}

/// The largest request body accepted: DynamoDB's 16 MB request limit.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn router(state: State) -> Router {
    Router::new()
        .route("/_sandbox/health", get(health))
        .route(
            "/_sandbox/lambda/code/{account}/{region}/{name}",
            get(function_code),
        )
        .route("/_sandbox/inspect/history", get(inspect_history))
        .route("/_sandbox/inspect/stream", get(inspect_stream))
        .route("/_sandbox/cognito/mailbox", get(cognito_mailbox))
        .route("/{pool_id}/.well-known/jwks.json", get(cognito_jwks))
        .fallback(aws_request)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_after_store_failure,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), guard_request))
        .layer(middleware::from_fn(catch_panics))
        .with_state(state)
}

/// Once a commit has failed, memory holds a change that is not on disk: every request is refused
/// (`/_sandbox/health` says why) until the sandbox is started again from what was saved.
async fn refuse_after_store_failure(
    Extract(state): Extract<State>,
    request: Request,
    next: Next,
) -> Response {
    let Some(reason) = state.inner.store.failure() else {
        return next.run(request).await;
    };
    let request_id = wire::new_request_id();
    tracing::warn!(path = %request.uri().path(), %request_id, "refused: the store has failed");
    if request.uri().path() == "/_sandbox/health" {
        let body = serde_json::json!({"status": "failed", "reason": unsaved_message(&reason)});
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    }
    let protocol = Protocol::detect_from_headers(request.headers(), request.uri().query());
    let error = AwsError::new(
        "com.amazon.coral.service",
        "ServiceUnavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        unsaved_message(&reason),
    );
    wire::render_error(&protocol, &error, &request_id)
}

/// What a client is told once the store has failed.
fn unsaved_message(reason: &str) -> String {
    format!(
        "The sandbox could not save a change to its database ({reason}), so it serves nothing \
         more: start it again to continue from what was saved."
    )
}

/// A panic while serving one request answers that request with AWS's `InternalFailure` in its
/// protocol and is logged with the request id; the server, and every other request, go on.
async fn catch_panics(request: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    let protocol = Protocol::detect_from_headers(request.headers(), request.uri().query());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let request_id = wire::new_request_id();
            let reason = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%method, %path, %request_id, %reason, "a request panicked");
            wire::render_error(&protocol, &AwsError::internal_failure(), &request_id)
        }
    }
}

/// The Host and browser checks of [`guard`], before any route or body is looked at.
async fn guard_request(Extract(state): Extract<State>, request: Request, next: Next) -> Response {
    let surface = surface_of(&state, request.uri(), request.headers());
    let guard = &state.inner.guard;
    match guard.decide(request.method(), request.headers(), surface) {
        Decision::Serve => next.run(request).await,
        Decision::ServeWithCors(origin) => {
            let mut response = next.run(request).await;
            guard::cors_headers(&origin, response.headers_mut());
            response
        }
        Decision::Preflight(origin) => {
            let headers = guard::preflight_headers(&origin, request.headers());
            (StatusCode::OK, headers).into_response()
        }
        Decision::Refuse(refusal) => {
            tracing::warn!(
                method = %request.method(),
                path = %request.uri().path(),
                ?refusal,
                "refused a request"
            );
            if s3_address_of(&state, request.uri(), request.headers()).is_some() {
                return s3::refusal(request.method(), guard.refusal_message(&refusal));
            }
            let protocol = match surface {
                Surface::Service | Surface::Public => {
                    Protocol::detect_from_headers(request.headers(), request.uri().query())
                }
                Surface::DataPlane | Surface::Sandbox => Protocol::RestJson,
            };
            let error = AwsError::access_denied(&protocol, guard.refusal_message(&refusal));
            wire::render_error(&protocol, &error, &wire::new_request_id())
        }
    }
}

/// Which of the sandbox's surfaces a request is addressed to. `/_sandbox/` wins over the
/// host-style invoke URL, since the router serves those routes whatever the Host.
fn surface_of(state: &State, uri: &axum::http::Uri, headers: &HeaderMap) -> Surface {
    let path = uri.path();
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        return Surface::Sandbox;
    }
    // A user pool's public keys: public on AWS too, fetched by pages that check tokens.
    if path.ends_with("/.well-known/jwks.json") && path.matches('/').count() == 3 {
        return Surface::DataPlane;
    }
    if path == "/" && is_public_operation(headers) {
        return Surface::Public;
    }
    // S3's website endpoint, and anonymous S3 requests: a bucket policy decides what everyone
    // may do there, as on AWS. Signed S3 calls are a service API like any other.
    if let Some(address) = s3_address_of(state, uri, headers) {
        return match address {
            s3::Address::Website { .. } => Surface::DataPlane,
            s3::Address::Rest { .. } if s3::is_anonymous(headers, uri.query()) => {
                Surface::DataPlane
            }
            s3::Address::Rest { .. } => Surface::Service,
        };
    }
    match ApiGateway::target_of(path, headers) {
        Some((api_id, path)) if ConnectionPath::under_api(&api_id, &path).is_none() => {
            Surface::DataPlane
        }
        _ => Surface::Service,
    }
}

/// How a request addresses S3, if it does: an unsigned path is S3's only when it names a bucket
/// that exists and no invoke URL or restJson operation (by any method) is served there.
fn s3_address_of(state: &State, uri: &axum::http::Uri, headers: &HeaderMap) -> Option<s3::Address> {
    let path = uri.path();
    let claimed_elsewhere = ApiGateway::target_of(path, headers).is_some()
        || path.ends_with("/.well-known/jwks.json")
        || REST_OPERATIONS.serves_path(path);
    s3::Address::of(uri, headers, |bucket| {
        !claimed_elsewhere && state.inner.s3.has_bucket(bucket)
    })
}

/// Whether a request to `/` is a call of one of Cognito's public operations, or the preflight
/// of an awsJson call (which does not say its target; the call that follows does).
fn is_public_operation(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    let target = text(header::HeaderName::from_static("x-amz-target"));
    if !target.is_empty() {
        return crate::cognito::is_public_target(target);
    }
    text(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .split(',')
        .any(|name| name.trim().eq_ignore_ascii_case("x-amz-target"))
}

async fn health(Extract(state): Extract<State>) -> Response {
    axum::Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "accountId": state.inner.account_id,
        "services": [
            "apigatewayv2", "cognito-idp", "dynamodb", "iam", "lambda", "logs", "s3", "sts",
            "tagging",
        ],
    }))
    .into_response()
}

/// Any request outside `/_sandbox/`: identify its protocol and operation, then dispatch.
async fn aws_request(Extract(state): Extract<State>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let (method, uri, headers) = (
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.clone(),
    );
    let invoke_target = ApiGateway::target_of(uri.path(), &headers);
    let invoke_scope = |api_id: &str| state.api_scope(api_id);
    if let Some((api_id, path)) = &invoke_target
        && is_websocket_handshake(&headers)
        && state
            .inner
            .apigw
            .is_websocket_api(&invoke_scope(api_id), api_id)
    {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => {
                let handshake = Handshake {
                    path,
                    signed_path: uri.path(),
                    query: uri.query(),
                    headers: &headers,
                };
                state
                    .inner
                    .apigw
                    .accept_websocket(&invoke_scope(api_id), api_id, handshake, upgrade)
                    .await
            }
            Err(rejection) => rejection.into_response(),
        };
    }
    if let Some(address) = s3_address_of(&state, &uri, &headers) {
        // Streamed: an object's bytes go to disk as they arrive.
        return state
            .inner
            .s3
            .serve(
                address,
                (method, uri, headers),
                body,
                &state.inner.account_id,
            )
            .await;
    }
    if method == axum::http::Method::GET
        && uri.path() == "/"
        && !headers.contains_key(axum::http::header::AUTHORIZATION)
    {
        return endpoint_health(&headers);
    }
    // Read the body here, not in an extractor, so an oversized one gets AWS's answer.
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large(uri.path(), &headers);
    };
    let call = FunctionCall::begin(
        &state.inner.lambda,
        (&method, &uri, &headers, &body),
        rest_operation_name,
    );
    let inspector = state.inner.inspector.clone();
    let response = dispatch(state, method, uri, headers, body, invoke_target).await;
    match call {
        Some(call) => call.finish(response, &inspector).await,
        None => response,
    }
}

/// A request whose body has been read: an `@connections` call, a client's request to an API's
/// invoke URL, or a service API call.
async fn dispatch(
    state: State,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
    invoke_target: Option<(String, String)>,
) -> Response {
    let invoke_scope = |api_id: &str| state.api_scope(api_id);
    let management = match &invoke_target {
        Some((api_id, path)) => ConnectionPath::under_api(api_id, path),
        None => ConnectionPath::at_root(uri.path()),
    };
    if let Some(target) = management {
        let region = match &target.api_id {
            Some(api_id) => invoke_scope(api_id).region,
            None => wire::credential_scope(&headers)
                .map_or_else(|| DEFAULT_REGION.to_owned(), |scope| scope.region),
        };
        return state
            .inner
            .apigw
            .manage(&target, &region, &method, body)
            .await;
    }
    if let Some((api_id, path)) = invoke_target {
        // The invoke URL: a client's request to an API, not an AWS API call.
        let scope = invoke_scope(&api_id);
        return state
            .inner
            .apigw
            .serve(
                &scope,
                &api_id,
                crate::apigw::Incoming {
                    path: &path,
                    signed_path: uri.path(),
                    query: uri.query(),
                    method: &method,
                    headers: &headers,
                    body,
                },
            )
            .await;
    }
    // A compressed body may unpack to many times its size: it is served off the runtime too.
    if body.len() > HEAVY_BODY_BYTES || headers.contains_key(axum::http::header::CONTENT_ENCODING) {
        return on_blocking_pool(state, method, uri, headers, body).await;
    }
    service_request(state, method, uri, headers, body).await
}

/// The name of the restJson operation on `method` and `path`, if one is served there.
fn rest_operation_name(method: &axum::http::Method, path: &str) -> Option<&'static str> {
    REST_OPERATIONS
        .find(method, path)
        .map(|(operation, _)| match operation {
            RestOperation::Lambda(route) => route.operation,
            RestOperation::ApiGateway(route) => route.operation,
        })
}

/// The SigV4 signing names of the services the sandbox serves (DynamoDB, Lambda, API Gateway
/// and its management API, CloudWatch Logs, the Tagging API, IAM, STS, Cognito user pools).
const SIGNING_NAMES: [&str; 9] = [
    "cognito-idp",
    "dynamodb",
    "lambda",
    "apigateway",
    "execute-api",
    "logs",
    "tagging",
    "iam",
    "sts",
];

/// Bodies above this are parsed and served on the blocking pool (see [`on_blocking_pool`]).
const HEAVY_BODY_BYTES: usize = 256 * 1024;

/// Serves a service API request with a large body on the blocking pool, so that decoding it
/// (megabytes of JSON, base64, a zip to unpack) never holds one of the runtime's few threads:
/// the other requests, `/_sandbox/health` among them, go on being answered meanwhile.
async fn on_blocking_pool(
    state: State,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let runtime = tokio::runtime::Handle::current();
    let protocol = Protocol::detect_from_headers(&headers, uri.query());
    let work = tokio::task::spawn_blocking(move || {
        runtime.block_on(service_request(state, method, uri, headers, body))
    });
    match work.await {
        Ok(response) => response,
        Err(failure) => {
            let request_id = wire::new_request_id();
            tracing::error!(%failure, %request_id, "a request failed on the blocking pool");
            wire::render_error(&protocol, &AwsError::internal_failure(), &request_id)
        }
    }
}

/// A call to an AWS service API (not an invoke URL): identify its protocol and operation, then
/// hand it to the service.
async fn service_request(
    state: State,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let request_id = wire::new_request_id();
    let protocol = Protocol::detect(&headers, uri.query(), &body);
    let credential = wire::credential_scope(&headers);
    if let Some(service) = credential
        .as_ref()
        .map(|scope| scope.service.as_str())
        .filter(|service| !SIGNING_NAMES.contains(service))
    {
        let error = AwsError::unserved_service(service);
        return wire::render_error(&protocol, &error, &request_id);
    }
    let operation = protocol.operation_name(&method, &uri, &headers, uri.query(), &body);
    let region = credential
        .as_ref()
        .map_or_else(|| DEFAULT_REGION.to_owned(), |scope| scope.region.clone());
    if !names::is_region(&region) {
        // The region keys the state and names directories: nothing else may pass.
        let error = AwsError::invalid_region_scope(&protocol, &region);
        return wire::render_error(&protocol, &error, &request_id);
    }
    let scope = Scope {
        account: state.inner.account_id.clone(),
        region,
    };
    tracing::debug!(%method, %uri, %operation, region = %scope.region, %request_id, "request");
    match &protocol {
        Protocol::AwsJson { version } => {
            if let Some(operation) = operation.strip_prefix(dynamodb::TARGET_PREFIX) {
                let body = match wire::encoding::decode_request(&headers, body, MAX_BODY_BYTES) {
                    Ok(body) => body,
                    Err(wire::encoding::DecodeError::TooLarge) => {
                        return too_large(uri.path(), &headers);
                    }
                    // DynamoDB answers a body it cannot unpack with a 500 and does nothing.
                    Err(error) => {
                        let error = dynamodb::error::internal(error.to_string());
                        return wire::render_error(&protocol, &error, &request_id);
                    }
                };
                let result = if operation == "DescribeEndpoints" {
                    // The address the client reached (the guard has checked the Host).
                    let host = headers
                        .get(axum::http::header::HOST)
                        .and_then(|host| host.to_str().ok())
                        .unwrap_or_default();
                    Ok(dynamodb::describe_endpoints(host).to_string())
                } else {
                    state.inner.dynamodb.handle(&scope, operation, &body).await
                };
                let packing = wire::encoding::preferred(&headers);
                return json_response(version, result, &request_id, true, packing);
            }
            if let Some(operation) = operation.strip_prefix(cognito::TARGET_PREFIX) {
                let result = state.inner.cognito.handle(&scope, operation, &body).await;
                return json_response(version, as_text(result), &request_id, false, None);
            }
            if let Some(operation) = operation.strip_prefix(logs::TARGET_PREFIX) {
                let result = state.inner.logs.handle(&scope, operation, &body).await;
                return json_response(version, as_text(result), &request_id, false, None);
            }
            if let Some(operation) = operation.strip_prefix(tagging::TARGET_PREFIX) {
                let inner = &state.inner;
                let mut resources = inner.dynamodb.tagged(&scope);
                resources.extend(inner.lambda.tagged(&scope));
                resources.extend(inner.apigw.tagged(&scope));
                resources.extend(inner.apigw.rest_tagged(&scope));
                resources.extend(inner.logs.tagged(&scope));
                resources.extend(inner.cognito.tagged(&scope));
                resources.extend(inner.s3.tagged(&scope));
                let result = tagging::handle(operation, &body, resources);
                return json_response(version, as_text(result), &request_id, false, None);
            }
            wire::render_error(
                &protocol,
                &AwsError::unknown_operation(&operation),
                &request_id,
            )
        }
        Protocol::Query => match operation.as_str() {
            "GetCallerIdentity" => {
                let signer = credential
                    .as_ref()
                    .and_then(|scope| state.inner.iam.principal(&scope.access_key));
                xml_response(
                    sts::get_caller_identity(&state.inner.account_id, signer.as_ref(), &request_id),
                    &request_id,
                )
            }
            "AssumeRole" => {
                let params = wire::QueryParams::parse(uri.query(), &body);
                match state
                    .inner
                    .iam
                    .assume_role(&state.inner.account_id, &params, &request_id)
                {
                    Ok(xml) => xml_response(xml, &request_id),
                    Err(error) => wire::render_error(&protocol, &error, &request_id),
                }
            }
            action if iam::serves(action) => {
                let params = wire::QueryParams::parse(uri.query(), &body);
                match state
                    .inner
                    .iam
                    .handle(&state.inner.account_id, action, &params, &request_id)
                    .await
                {
                    Ok(xml) => xml_response(xml, &request_id),
                    Err(error) => wire::render_error(&protocol, &error, &request_id),
                }
            }
            _ => wire::render_error(
                &protocol,
                &AwsError::unknown_operation(&operation),
                &request_id,
            ),
        },
        Protocol::RestJson => {
            let Some((operation, labels)) = REST_OPERATIONS.find(&method, uri.path()) else {
                let error = if uri.path().starts_with("/v2/") {
                    apigw::routes::unserved(&method, uri.path())
                } else {
                    AwsError::unknown_rest_operation(&method, uri.path())
                };
                return wire::render_error(&protocol, &error, &request_id);
            };
            let call = Call::new(labels, uri.query(), headers, body);
            let reply = match operation {
                RestOperation::Lambda(route) => {
                    rest::serve(&*state.inner.lambda, route, &scope, &call).await
                }
                RestOperation::ApiGateway(route) => {
                    rest::serve(&*state.inner.apigw, route, &scope, &call).await
                }
            };
            match reply {
                Ok(reply) => reply.into_response(&request_id),
                Err(error) => wire::render_error(&protocol, &error, &request_id),
            }
        }
    }
}

/// A restJson operation, of whichever service serves it.
enum RestOperation {
    Lambda(&'static Route<Lambda>),
    ApiGateway(&'static Route<ApiGateway>),
}

/// Every restJson operation of every service, on AWS's request URIs: one router.
static REST_OPERATIONS: std::sync::LazyLock<rest::Router<RestOperation>> =
    std::sync::LazyLock::new(|| {
        let mut router = rest::Router::default();
        for route in lambda::routes::ROUTES {
            router.add(
                route.method.clone(),
                route.path,
                RestOperation::Lambda(route),
            );
        }
        for route in apigw::routes::ROUTES
            .iter()
            .chain(apigw::rest::routes::ROUTES)
        {
            router.add(
                route.method.clone(),
                route.path,
                RestOperation::ApiGateway(route),
            );
        }
        router
    });

/// An unsigned `GET /`: DynamoDB's endpoint health check, which names the host it was asked as.
fn endpoint_health(headers: &HeaderMap) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    (StatusCode::OK, format!("healthy: {host}")).into_response()
}

/// Whether a request asks to become a WebSocket (`Upgrade: websocket`).
fn is_websocket_handshake(headers: &HeaderMap) -> bool {
    headers
        .get("upgrade")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// The inspection feed's history: `?after=ID` for what came after a record already seen.
async fn inspect_history(
    Extract(state): Extract<State>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let after = params
        .get("after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    axum::Json(state.inner.inspector.history(after)).into_response()
}

/// What Cognito would have sent (verification codes, temporary passwords), oldest first.
async fn cognito_mailbox(Extract(state): Extract<State>) -> Response {
    axum::Json(state.inner.cognito.mailbox().messages()).into_response()
}

/// A user pool's JWKS, the keys its tokens verify with (`{issuer}/.well-known/jwks.json`).
async fn cognito_jwks(
    Extract(state): Extract<State>,
    axum::extract::Path(pool_id): axum::extract::Path<String>,
) -> Response {
    match state.inner.cognito.jwks(&state.inner.account_id, &pool_id) {
        Some(jwks) => (
            [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
            axum::Json(jwks),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(
                serde_json::json!({"message": format!("User pool {pool_id} does not exist.")}),
            ),
        )
            .into_response(),
    }
}

async fn inspect_stream(Extract(state): Extract<State>) -> Response {
    state.inner.inspector.stream().into_response()
}

/// The answer to a body over [`MAX_BODY_BYTES`], in the shape its protocol's clients expect.
fn too_large(path: &str, headers: &HeaderMap) -> Response {
    if ApiGateway::target_of(path, headers).is_some() {
        return crate::apigw::message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    }
    let protocol = Protocol::detect(headers, None, &[]);
    let error = AwsError::new(
        "com.amazon.coral.service",
        "RequestEntityTooLargeException",
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request must be smaller than {MAX_BODY_BYTES} bytes"),
    );
    wire::render_error(&protocol, &error, &wire::new_request_id())
}

/// The deployment package GetFunction's `Code.Location` points at.
async fn function_code(
    Extract(state): Extract<State>,
    axum::extract::Path((account, region, name)): axum::extract::Path<(String, String, String)>,
) -> Response {
    let valid = names::is_account_id(&account)
        && names::is_region(&region)
        && names::path_segment(&name).is_some();
    if !valid {
        return (StatusCode::NOT_FOUND, "no such function").into_response();
    }
    let scope = Scope { account, region };
    match state.inner.lambda.code_zip(&scope, &name) {
        Some(zip) => ([("content-type", "application/zip")], zip).into_response(),
        None => (StatusCode::NOT_FOUND, "no such function").into_response(),
    }
}

/// An awsJson answer with the request id; DynamoDB also sends the CRC32 of the body.
/// An operation's JSON output as the text of its answer.
fn as_text(result: Result<serde_json::Value, AwsError>) -> Result<String, AwsError> {
    result.map(|output| output.to_string())
}

fn json_response(
    version: &'static str,
    result: Result<String, AwsError>,
    request_id: &str,
    with_crc32: bool,
    packing: Option<wire::encoding::Coding>,
) -> Response {
    let (status, content_type, body) = match result {
        Ok(output) => (
            StatusCode::OK,
            format!("application/x-amz-json-{version}"),
            output,
        ),
        Err(error) => wire::error_body(&Protocol::AwsJson { version }, &error, request_id),
    };
    // An answer over the threshold goes packed when the client accepts it; the CRC32 is then
    // that of the packed bytes, which are what the client receives.
    let packed = packing
        .filter(|_| body.len() > wire::encoding::COMPRESSION_THRESHOLD)
        .and_then(|coding| Some((coding, wire::encoding::pack(coding, body.as_bytes()).ok()?)));
    let crc32 = match &packed {
        Some((_, bytes)) => crc32fast::hash(bytes),
        None => crc32fast::hash(body.as_bytes()),
    };
    let mut response = match packed {
        Some((coding, bytes)) => {
            let mut response = wire::respond_bytes(status, &content_type, bytes, request_id);
            response.headers_mut().insert(
                axum::http::header::CONTENT_ENCODING,
                HeaderValue::from_static(coding.name()),
            );
            response
        }
        None => wire::respond(status, &content_type, body, request_id),
    };
    if with_crc32 {
        let headers = response.headers_mut();
        headers.insert("x-amz-crc32", HeaderValue::from(crc32));
        // DynamoDB names itself so.
        headers.insert(
            axum::http::header::SERVER,
            HeaderValue::from_static("Server"),
        );
    }
    response
}

fn xml_response(body: String, request_id: &str) -> Response {
    wire::respond(StatusCode::OK, "text/xml", body, request_id)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    fn dynamodb_request(path: &str) -> Request {
        Request::post(path)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "DynamoDB_20120810.GetItem")
            .body(Body::empty())
            .unwrap()
    }

    async fn panicking_handler() -> &'static str {
        panic!("a bug")
    }

    #[tokio::test]
    async fn a_panic_answers_internal_failure_and_the_next_request_is_served() {
        let app = Router::new()
            .route("/boom", axum::routing::post(panicking_handler))
            .route("/fine", axum::routing::post(|| async { "fine" }))
            .layer(middleware::from_fn(catch_panics));
        let response = app
            .clone()
            .oneshot(dynamodb_request("/boom"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key("x-amzn-requestid"));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["__type"], "com.amazon.coral.service#InternalFailure");
        let response = app.oneshot(dynamodb_request("/fine")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
