//! API Gateway v2 HTTP APIs (restJson, `/v2/apis/…`): the control plane in `control`, and the
//! invoke URL — `/_aws/execute-api/{apiId}/{stage}/{path}` or host `{apiId}.execute-api.localhost`
//! — here. A request selects a route of the stage's deployment, becomes the exact proxy event AWS
//! builds (payload 2.0 or 1.0), goes to the function through the Lambda service, and the answer
//! is mapped back as AWS maps it, with AWS's error statuses.

mod control;
pub mod event;
pub mod model;
pub mod routing;

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
use crate::store::{Commit, Mutation, Scope, Store, StoredDefinition};
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
    commits: Mutex<Vec<Commit>>,
}

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
            commits: Mutex::new(Vec::new()),
        })
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
            let commit = self.store.submit(vec![Mutation::PutApi {
                scope: scope.clone(),
                id: api.id.clone(),
                definition,
            }]);
            self.commits
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(commit);
        }
    }

    fn persist_deletion(&self, scope: &Scope, id: &str) {
        let commit = self.store.submit(vec![Mutation::DeleteApi {
            scope: scope.clone(),
            id: id.to_owned(),
        }]);
        self.commits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(commit);
    }

    /// Waits for queued changes to be saved.
    async fn flush(&self) -> Result<(), AwsError> {
        let commits = std::mem::take(&mut *self.commits.lock().unwrap_or_else(|p| p.into_inner()));
        for commit in commits {
            commit.durable().await.map_err(|error| {
                AwsError::new(
                    NAMESPACE,
                    "InternalServerErrorException",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("The change could not be saved: {error}"),
                )
            })?;
        }
        Ok(())
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
        let mut response = self
            .route_request(scope, api_id, &incoming, &request_id)
            .await;
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("apigw-requestid", value);
        }
        response
    }

    async fn route_request(
        &self,
        scope: &Scope,
        api_id: &str,
        incoming: &Incoming<'_>,
        request_id: &str,
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
            return message(StatusCode::NOT_FOUND, "Not Found");
        };
        if integration.integration_type != "AWS_PROXY" {
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        let uri = integration.integration_uri.clone().unwrap_or_default();
        let function = function_of(&uri);
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
        if !self
            .lambda
            .allows_invoke(scope, &function, "apigateway.amazonaws.com", &source_arn)
        {
            tracing::info!(%function, %source_arn, "API Gateway may not invoke the function: no permission");
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
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
        match tokio::time::timeout(timeout, invocation).await {
            Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Ok(Err(error)) if error.code == "TooManyRequestsException" => {
                message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
            }
            Ok(Err(_)) => message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            Ok(Ok((_, true))) => message(StatusCode::BAD_GATEWAY, "Internal Server Error"),
            Ok(Ok((answer, false))) => {
                let mapped = if integration.payload_format_version == "1.0" {
                    event::response_1(&answer)
                } else {
                    event::response_2(&answer)
                };
                mapped.unwrap_or_else(|status| message(status, "Internal Server Error"))
            }
        }
    }
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

/// The function an AWS_PROXY integration URI names: a function ARN (possibly qualified) or
/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`.
pub fn function_of(uri: &str) -> String {
    match uri.split_once("/functions/") {
        Some((_, rest)) if uri.starts_with("arn:aws:apigateway:") => {
            rest.trim_end_matches("/invocations").to_owned()
        }
        _ => uri.to_owned(),
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
