//! API Gateway v2: HTTP and WebSocket APIs. [`routes`] lists the management operations on
//! AWS's request paths and `api` serves them, one function per operation, over [`model`]; the
//! invoke URL — `/_aws/execute-api/{apiId}/{stage}/{path}` or host
//! `{apiId}.execute-api.localhost` — is served by `http` (HTTP APIs) and [`websocket`]. API
//! Gateway v1's REST APIs are [`rest`], beside them on the same invoke URL. This module holds the
//! service's state, its persistence and its errors.

mod api;
pub mod event;
pub mod export;
mod http;
mod iam_auth;
pub(crate) mod identity_source;
pub mod integration_uri;
pub mod model;
pub mod parameter_mapping;
mod proxy;
pub mod rest;
pub mod routes;
pub mod routing;
pub mod stage_variables;
pub mod websocket;

pub use http::{Incoming, message};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};

use self::model::Api;
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
    rest_apis: Regional<rest::RestApis>,
    /// API keys and usage plans, and what each key used.
    usage: Regional<rest::usage::Usage>,
    store: Store,
    lambda: Arc<Lambda>,
    endpoint: Mutex<String>,
    logs: Mutex<Option<Arc<crate::logs::Logs>>>,
    /// The DynamoDB that REST APIs' AWS service integrations call.
    dynamodb: Mutex<Option<Arc<crate::dynamodb::DynamoDb>>>,
    /// The Cognito whose user pools JWT authorizers find their issuer's keys in.
    cognito: Mutex<Option<Arc<crate::cognito::Cognito>>>,
    /// IAM, whose users, sessions and policies `AWS_IAM` authorization consults.
    iam: Mutex<Option<Arc<crate::iam::Iam>>>,
    /// Lambda authorizers' decisions kept for their TTL, by API, authorizer and identity.
    authorizer_cache:
        Mutex<HashMap<String, (std::time::Instant, http::lambda_authorizer::Decision)>>,
    /// Other issuers' keys, fetched for JWT authorizers, with when.
    issuer_keys: Mutex<HashMap<String, (std::time::Instant, serde_json::Value)>>,
    feed: crate::inspect::FeedSlot,
    buckets: Mutex<HashMap<(String, String, String), http::throttle::Bucket>>,
    metrics: Mutex<HashMap<(String, String), lab_feed::StageMetrics>>,
    /// REST API stages' cached answers.
    response_cache: rest::cache::ResponseCache,
    connections: websocket::Connections,
    websocket_limits: Mutex<websocket::Limits>,
}

/// A stored API that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("loading API {id}: {message}")]
pub struct LoadError {
    id: String,
    message: String,
}

/// Stored definitions read back, by region and id.
fn by_region<T: serde::de::DeserializeOwned>(
    stored: Vec<StoredDefinition>,
) -> Result<HashMap<Scope, BTreeMap<String, T>>, LoadError> {
    let mut regions: HashMap<Scope, BTreeMap<String, T>> = HashMap::new();
    for row in stored {
        let value: T = serde_json::from_str(&row.definition).map_err(|error| LoadError {
            id: row.name.clone(),
            message: error.to_string(),
        })?;
        regions
            .entry(row.scope)
            .or_default()
            .insert(row.name, value);
    }
    Ok(regions)
}

impl ApiGateway {
    pub fn load(
        store: Store,
        lambda: Arc<Lambda>,
        stored: Vec<StoredDefinition>,
        stored_rest_apis: Vec<StoredDefinition>,
        stored_usage: Vec<StoredDefinition>,
    ) -> Result<Self, LoadError> {
        Ok(Self {
            regions: Regional::new(by_region(stored)?),
            rest_apis: Regional::new(by_region(stored_rest_apis)?),
            usage: Regional::new(
                rest::usage::load(stored_usage)
                    .map_err(|(id, message)| LoadError { id, message })?,
            ),
            store,
            lambda,
            endpoint: Mutex::new(String::new()),
            logs: Mutex::new(None),
            dynamodb: Mutex::new(None),
            cognito: Mutex::new(None),
            iam: Mutex::new(None),
            issuer_keys: Mutex::new(HashMap::new()),
            authorizer_cache: Mutex::new(HashMap::new()),
            feed: crate::inspect::FeedSlot::default(),
            buckets: Mutex::new(HashMap::new()),
            metrics: Mutex::new(HashMap::new()),
            response_cache: rest::cache::ResponseCache::default(),
            connections: websocket::Connections::default(),
            websocket_limits: Mutex::new(websocket::Limits::default()),
        })
    }

    /// Where access and execution logs go, once the sandbox has said.
    fn logs(&self) -> Option<Arc<crate::logs::Logs>> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Where access logs go, and where requests are reported for the app's inspector.
    pub fn set_observers(
        &self,
        logs: Arc<crate::logs::Logs>,
        inspector: Arc<crate::inspect::Inspector>,
    ) {
        *self.logs.lock().unwrap_or_else(|p| p.into_inner()) = Some(logs);
        self.feed.connect(inspector);
    }

    /// The sandbox's DynamoDB, which REST APIs' AWS service integrations call.
    pub fn set_dynamodb(&self, dynamodb: Arc<crate::dynamodb::DynamoDb>) {
        *self.dynamodb.lock().unwrap_or_else(|p| p.into_inner()) = Some(dynamodb);
    }

    /// The sandbox's Cognito, whose pools' keys JWT authorizers check tokens with.
    pub fn set_iam(&self, iam: Arc<crate::iam::Iam>) {
        *self.iam.lock().unwrap_or_else(|p| p.into_inner()) = Some(iam);
    }

    fn iam(&self) -> Option<Arc<crate::iam::Iam>> {
        self.iam.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_cognito(&self, cognito: Arc<crate::cognito::Cognito>) {
        *self.cognito.lock().unwrap_or_else(|p| p.into_inner()) = Some(cognito);
    }

    fn cognito(&self) -> Option<Arc<crate::cognito::Cognito>> {
        self.cognito
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn dynamodb(&self) -> Option<Arc<crate::dynamodb::DynamoDb>> {
        self.dynamodb
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
    fn record(&self, record: lab_feed::Record) {
        self.feed.record(record);
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

    /// The account and region that hold API `id`, an HTTP, WebSocket or REST API.
    pub fn scope_of(&self, id: &str) -> Option<Scope> {
        let v2 = self.regions.all().into_iter().find_map(|(scope, apis)| {
            apis.read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(id)
                .then_some(scope)
        });
        v2.or_else(|| self.rest_scope_of(id))
    }

    /// Which API an invoke-URL request is for: `(apiId, path after it)`, from the
    /// `/_aws/execute-api/{apiId}` prefix, the `{apiId}.execute-api.localhost` host, or a REST
    /// API's `/restapis/{id}/{stage}/_user_request_/…`.
    pub fn target_of(path: &str, headers: &HeaderMap) -> Option<(String, String)> {
        if let Some(target) = rest::legacy_invoke_target(path) {
            return Some(target);
        }
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
}

impl ApiGateway {
    /// The function an AWS_PROXY integration's `uri` (stage variables resolved) names, once it
    /// exists and its policy lets API Gateway invoke it from `source_arn`; otherwise why not, as
    /// the inspector and the sandbox's log say it.
    fn invocable_function(
        &self,
        scope: &Scope,
        uri: &str,
        source_arn: &str,
    ) -> Result<String, String> {
        let function = integration_uri::function_of(uri).to_owned();
        if !self.lambda.has_function(scope, &function) {
            return Err(format!(
                "the integration's function {function} does not exist"
            ));
        }
        if !self
            .lambda
            .allows_invoke(scope, &function, "apigateway.amazonaws.com", source_arn)
        {
            // `arn:aws:lambda:{region}:{account}:function:{name}:{qualifier}`
            let qualified = if function.split(':').count() == 8 {
                " (a version or alias has a policy of its own: add the permission with its Qualifier)"
            } else {
                ""
            };
            return Err(format!(
                "API Gateway has no permission to invoke {function} from {source_arn}: add one with AddPermission{qualified}"
            ));
        }
        Ok(function)
    }
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
