//! Lambda (restJson, `/2015-03-31/…` and friends): functions per account and region, run as real
//! processes from their deployment packages, talking to the sandbox's implementation of the
//! Runtime API — the same binaries run here and on AWS.
//!
//! [`function`] holds configurations and their checks, [`package`] unpacks zips, [`environment`]
//! runs one process with its Runtime API, [`process`] keeps processes contained, [`policy`]
//! renders and checks resource policies, `control` is the control plane. This module holds the
//! model (functions, versions, aliases), routes requests, and runs invocations on warm
//! environments, delivering their output to CloudWatch Logs with the platform's START, END and
//! REPORT lines.

mod control;
pub mod environment;
pub mod function;
pub mod package;
pub mod policy;
pub(crate) mod process;

pub use process::processes_under;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;

use self::environment::{Environment, EnvironmentFailure, Launch, Outcome};
use self::function::{Configuration, not_found};
use self::policy::Statement;
use crate::logs::Logs;
use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredDefinition};
use crate::wire::AwsError;

/// The largest synchronous invocation payload (6 MB).
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;
/// The default account limit on concurrent executions.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// The most of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;

/// The warm environments of one function version. Updating or deleting the version bumps the
/// generation, so environments started for older code are stopped instead of reused.
#[derive(Debug, Default)]
struct Pool {
    idle: Mutex<Vec<Environment>>,
    generation: AtomicU64,
}

impl Pool {
    /// Stops the environments idle for longer than `limit`; returns how many.
    fn reap(&self, limit: Duration) -> usize {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let before = idle.len();
        idle.retain(|environment| environment.last_used.elapsed() <= limit);
        before - idle.len()
    }

    fn retire(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let retired: Vec<Environment> =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        drop(retired);
    }
}

/// `$LATEST` or a published version: a configuration with its code.
#[derive(Debug, Serialize, Deserialize)]
struct Deployed {
    configuration: Configuration,
    code_dir: PathBuf,
    zip_path: PathBuf,
    #[serde(skip)]
    pool: Arc<Pool>,
}

/// A named pointer to a version, optionally splitting traffic with another version.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Alias {
    name: String,
    function_version: String,
    description: String,
    weights: BTreeMap<String, f64>,
    revision_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Function {
    latest: Deployed,
    versions: BTreeMap<u32, Deployed>,
    next_version: u32,
    aliases: BTreeMap<String, Alias>,
    policy: Vec<Statement>,
    reserved_concurrency: Option<u32>,
    #[serde(skip)]
    busy: Arc<AtomicUsize>,
}

type Functions = BTreeMap<String, Function>;

/// Where the service keeps unpacked code, and the Python runtime loop it ships.
#[derive(Debug)]
struct CodeRoot {
    dir: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

/// The Lambda service of a sandbox.
#[derive(Debug)]
pub struct Lambda {
    regions: Regional<Functions>,
    logs: Arc<Logs>,
    store: Store,
    code: CodeRoot,
    endpoint: Mutex<String>,
    /// The roots function processes trust (the system's and the sandbox's authority).
    trusted_roots: Mutex<Option<PathBuf>>,
    busy: Arc<AtomicUsize>,
    concurrency_limit: AtomicUsize,
    /// Commits queued by control-plane changes, awaited before their answers go out.
    python: Mutex<PathBuf>,
    inspector: Mutex<Option<Arc<crate::inspect::Inspector>>>,
}

/// Why the Lambda service could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("preparing the Lambda code directory {dir}")]
    CodeDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the saved function {name}: {message}")]
    Load { name: String, message: String },
}

impl Lambda {
    /// Restores the functions the store holds; `data_dir` keeps their code (a temporary
    /// directory does without one).
    pub fn load(
        data_dir: Option<&Path>,
        logs: Arc<Logs>,
        store: Store,
        stored: Vec<StoredDefinition>,
    ) -> Result<Self, SetupError> {
        let code = match data_dir {
            Some(dir) => CodeRoot {
                dir: dir.join("lambda"),
                _temporary: None,
            },
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("sandbox-lambda-")
                    .tempdir()
                    .map_err(|source| SetupError::CodeDir {
                        dir: std::env::temp_dir(),
                        source,
                    })?;
                CodeRoot {
                    dir: temporary.path().to_path_buf(),
                    _temporary: Some(temporary),
                }
            }
        };
        let code_error = |source| SetupError::CodeDir {
            dir: code.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&code.dir).map_err(code_error)?;
        std::fs::write(
            code.dir.join("python_runtime.py"),
            include_str!("python_runtime.py"),
        )
        .map_err(|source| SetupError::CodeDir {
            dir: code.dir.clone(),
            source,
        })?;
        let mut regions: HashMap<Scope, Functions> = HashMap::new();
        for row in stored {
            let function: Function =
                serde_json::from_str(&row.definition).map_err(|error| SetupError::Load {
                    name: row.name.clone(),
                    message: error.to_string(),
                })?;
            regions
                .entry(row.scope)
                .or_default()
                .insert(row.name, function);
        }
        Ok(Self {
            regions: Regional::new(regions),
            logs,
            store,
            code,
            endpoint: Mutex::new(String::new()),
            trusted_roots: Mutex::new(None),
            busy: Arc::new(AtomicUsize::new(0)),
            concurrency_limit: AtomicUsize::new(DEFAULT_CONCURRENCY),
            python: Mutex::new(PathBuf::from("python3")),
            inspector: Mutex::new(None),
        })
    }

    /// The sandbox's own endpoint, given to functions as `AWS_ENDPOINT_URL`.
    pub fn set_endpoint(&self, endpoint: String) {
        *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint;
    }

    /// The roots function processes are told to trust, so https to the sandbox works.
    pub fn set_trusted_roots(&self, roots: PathBuf) {
        *self.trusted_roots.lock().unwrap_or_else(|p| p.into_inner()) = Some(roots);
    }

    /// The account's limit on concurrent executions.
    pub fn set_concurrency_limit(&self, limit: usize) {
        self.concurrency_limit.store(limit, Ordering::SeqCst);
    }

    fn concurrency_limit(&self) -> usize {
        self.concurrency_limit.load(Ordering::SeqCst)
    }

    /// Where invocations are reported for the app's inspector.
    pub fn set_inspector(&self, inspector: Arc<crate::inspect::Inspector>) {
        *self.inspector.lock().unwrap_or_else(|p| p.into_inner()) = Some(inspector);
    }

    /// The interpreter `python3.x` functions run with.
    pub fn set_python(&self, python: PathBuf) {
        *self.python.lock().unwrap_or_else(|p| p.into_inner()) = python;
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops environments that have been idle longer than `limit`, as Lambda reclaims them.
    pub fn reap_idle(&self, limit: Duration) -> usize {
        let mut stopped = 0;
        for (_, region) in self.regions.all() {
            let functions = region.read().unwrap_or_else(|p| p.into_inner());
            for function in functions.values() {
                stopped += function.latest.pool.reap(limit);
                for version in function.versions.values() {
                    stopped += version.pool.reap(limit);
                }
            }
        }
        stopped
    }

    /// Stops every environment of every function.
    pub fn stop_all(&self) {
        for (_, region) in self.regions.all() {
            let functions = region.read().unwrap_or_else(|p| p.into_inner());
            for function in functions.values() {
                function.latest.pool.retire();
                for version in function.versions.values() {
                    version.pool.retire();
                }
            }
        }
    }

    /// Whether `principal` may invoke the function named by `reference` from `source_arn`,
    /// according to its resource policy.
    pub fn allows_invoke(
        &self,
        scope: &Scope,
        reference: &str,
        principal: &str,
        source_arn: &str,
    ) -> bool {
        let (name, qualifier) = split_qualifier(reference, None);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        functions.get(&name).is_some_and(|function| {
            // A version or alias has a policy of its own: the unqualified function's does not
            // let anyone invoke it.
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            function.policy.iter().any(|statement| {
                statement.resource == resource && statement.allows_invoke(principal, source_arn)
            })
        })
    }

    /// Whether `reference` (a name or ARN, possibly qualified) names a function of `scope`,
    /// and its version or alias if it has one.
    pub fn has_function(&self, scope: &Scope, reference: &str) -> bool {
        let (name, qualifier) = split_qualifier(reference, None);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        functions
            .get(&name)
            .is_some_and(|function| match &qualifier {
                None => true,
                Some(qualifier) => {
                    function.aliases.contains_key(qualifier)
                        || qualifier
                            .parse::<u32>()
                            .is_ok_and(|number| function.versions.contains_key(&number))
                }
            })
    }

    /// Handles a restJson request; `None` if the path is not Lambda's.
    pub async fn handle(
        &self,
        scope: &Scope,
        method: &Method,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Option<Result<Response, AwsError>> {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let raw_query = query;
        let query = query_params(query);
        if let (&Method::POST, ["2015-03-31", "functions", name, "invocations"]) =
            (method, segments.as_slice())
        {
            return Some(self.invoke(scope, name, &query, headers, body).await);
        }
        let (result, commits) = crate::store::collect_commits(|| {
            self.route_control(scope, method, &segments, raw_query, &query, &body)
        });
        let result = result?;
        // A change is acknowledged only once it is saved: this request's changes, no other's.
        if let Err(error) = crate::store::all_durable(commits).await {
            return Some(Err(service_error(format!(
                "The change could not be saved: {error}"
            ))));
        }
        Some(result)
    }

    /// The control-plane operations: synchronous, each under its region's lock; `None` when
    /// the path is not one of Lambda's.
    fn route_control(
        &self,
        scope: &Scope,
        method: &Method,
        segments: &[&str],
        raw_query: Option<&str>,
        query: &HashMap<String, String>,
        body: &Bytes,
    ) -> Option<Result<Response, AwsError>> {
        let result = match (method.clone(), segments) {
            (Method::GET, ["2016-08-19", "account-settings"]) => Ok(self.account_settings(scope)),
            (Method::POST, ["2015-03-31", "functions"]) => self.create_function(scope, body),
            (Method::GET, ["2015-03-31", "functions"]) => self.list_functions(scope, query),
            (Method::GET, ["2015-03-31", "functions", name]) => {
                self.get_function(scope, name, query)
            }
            (Method::GET, ["2015-03-31", "functions", name, "configuration"]) => {
                self.get_configuration(scope, name, query)
            }
            (Method::DELETE, ["2015-03-31", "functions", name]) => {
                self.delete_function(scope, name, query)
            }
            (Method::PUT, ["2015-03-31", "functions", name, "code"]) => {
                self.update_code(scope, name, body)
            }
            (Method::PUT, ["2015-03-31", "functions", name, "configuration"]) => {
                self.update_configuration(scope, name, body)
            }
            (Method::POST, ["2015-03-31", "functions", name, "versions"]) => {
                self.publish_version(scope, name, body)
            }
            (Method::GET, ["2015-03-31", "functions", name, "versions"]) => {
                self.list_versions(scope, name)
            }
            (Method::POST, ["2015-03-31", "functions", name, "aliases"]) => {
                self.create_alias(scope, name, body)
            }
            (Method::GET, ["2015-03-31", "functions", name, "aliases"]) => {
                self.list_aliases(scope, name)
            }
            (Method::GET, ["2015-03-31", "functions", name, "aliases", alias]) => {
                self.get_alias(scope, name, alias)
            }
            (Method::PUT, ["2015-03-31", "functions", name, "aliases", alias]) => {
                self.update_alias(scope, name, alias, body)
            }
            (Method::DELETE, ["2015-03-31", "functions", name, "aliases", alias]) => {
                self.delete_alias(scope, name, alias)
            }
            (Method::POST, ["2015-03-31", "functions", name, "policy"]) => {
                self.add_permission(scope, name, query, body)
            }
            (Method::GET, ["2015-03-31", "functions", name, "policy"]) => {
                self.get_policy(scope, name, query)
            }
            (Method::DELETE, ["2015-03-31", "functions", name, "policy", sid]) => {
                self.remove_permission(scope, name, sid, query)
            }
            (Method::PUT, ["2017-10-31", "functions", name, "concurrency"]) => {
                self.put_concurrency(scope, name, body)
            }
            (Method::GET, ["2019-09-30", "functions", name, "concurrency"]) => {
                self.get_concurrency(scope, name)
            }
            (Method::DELETE, ["2017-10-31", "functions", name, "concurrency"]) => {
                self.delete_concurrency(scope, name)
            }
            (Method::POST, ["2017-03-31", "tags", arn]) => self.tag_resource(scope, arn, body),
            (Method::DELETE, ["2017-03-31", "tags", arn]) => {
                self.untag_resource(scope, arn, query_all(raw_query, "tagKeys"))
            }
            (Method::GET, ["2017-03-31", "tags", arn]) => self.list_tags(scope, arn),
            _ => return None,
        };
        Some(result)
    }

    /// Saves `name`'s definition (or its deletion) and returns once it is durable.
    fn persist(
        &self,
        scope: &Scope,
        name: &str,
        function: Option<&Function>,
    ) -> Result<(), AwsError> {
        let mutation = match function {
            Some(function) => Mutation::PutFunction {
                scope: scope.clone(),
                name: name.to_owned(),
                definition: serde_json::to_string(function)
                    .map_err(|e| service_error(e.to_string()))?,
            },
            None => Mutation::DeleteFunction {
                scope: scope.clone(),
                name: name.to_owned(),
            },
        };
        // Queued under the region's lock, so saves happen in the order of the changes;
        // `handle` awaits the commit before answering.
        self.store.submit_for_request(vec![mutation]);
        Ok(())
    }

    /// Everything one invocation of `reference` (optionally qualified) needs, read under the lock.
    fn prepare(
        &self,
        scope: &Scope,
        reference: &str,
        qualifier: Option<&String>,
    ) -> Result<(Run, Arc<AtomicUsize>, Option<u32>), AwsError> {
        let (reference, qualifier) = split_qualifier(reference, qualifier);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let name = name_of(&reference);
        let function = functions
            .get(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        let deployed = resolve(function, scope, name, qualifier.as_deref())?;
        let configuration = &deployed.configuration;
        let launch = Launch {
            function_name: configuration.name.clone(),
            function_arn: match &qualifier {
                Some(qualifier) => format!("{}:{qualifier}", configuration.arn),
                None => configuration.arn.clone(),
            },
            version: configuration.version.clone(),
            runtime: configuration.runtime.clone(),
            handler: configuration.handler.clone(),
            memory_mb: configuration.memory_mb,
            task_root: deployed.code_dir.clone(),
            variables: configuration.variables.clone(),
            region: scope.region.clone(),
            sandbox_endpoint: self.endpoint(),
            log_group: format!("/aws/lambda/{}", configuration.name),
            python_loop: self.code.dir.join("python_runtime.py"),
            python: self
                .python
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            trusted_roots: self
                .trusted_roots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        };
        let run = Run {
            inspector: self
                .inspector
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            logs: self.logs.clone(),
            scope: scope.clone(),
            timeout: Duration::from_secs(u64::from(configuration.timeout)),
            generation: deployed.pool.generation.load(Ordering::SeqCst),
            pool: deployed.pool.clone(),
            launch,
        };
        Ok((run, function.busy.clone(), function.reserved_concurrency))
    }

    /// Counts an invocation against the function's and the account's concurrency, or throttles it.
    fn admit(
        &self,
        function_busy: &Arc<AtomicUsize>,
        reserved: Option<u32>,
    ) -> Result<(BusyGuard, BusyGuard), AwsError> {
        let guards = (
            BusyGuard::acquire(function_busy),
            BusyGuard::acquire(&self.busy),
        );
        if let Some(reserved) = reserved
            && guards.0.count > reserved as usize
        {
            return Err(throttled(
                "ReservedFunctionConcurrentInvocationLimitExceeded",
            ));
        }
        if guards.1.count > self.concurrency_limit() {
            return Err(throttled("ConcurrentInvocationLimitExceeded"));
        }
        Ok(guards)
    }

    /// A synchronous invocation from another service (API Gateway): the answer's payload and
    /// whether the function failed. Throttling and a missing function are errors.
    pub async fn invoke_direct(
        &self,
        scope: &Scope,
        reference: &str,
        payload: Bytes,
    ) -> Result<(Bytes, bool), AwsError> {
        let (run, function_busy, reserved) = self.prepare(scope, reference, None)?;
        let guards = self.admit(&function_busy, reserved)?;
        let (answer, _) = run.execute(payload, false).await;
        drop(guards);
        Ok((answer.payload, answer.failed))
    }

    async fn invoke(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Response, AwsError> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let invocation_type = header("x-amz-invocation-type").unwrap_or("RequestResponse");
        if !["RequestResponse", "Event", "DryRun"].contains(&invocation_type) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
        let tail = header("x-amz-log-type") == Some("Tail");
        if body.len() > MAX_PAYLOAD {
            return Err(function::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLargeException",
                format!(
                    "Request must be smaller than {MAX_PAYLOAD} bytes for the InvokeFunction operation"
                ),
            ));
        }
        let payload = if body.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            body
        };
        // Checked without being built: a payload may nest as deep as its 6 MB allow.
        if let Err(error) = crate::wire::json_syntax::check(&payload) {
            return Err(function::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                format!(
                    "Could not parse request body into json: Could not parse payload into json: {error}"
                ),
            ));
        }
        let (run, function_busy, reserved) =
            self.prepare(scope, reference, query.get("Qualifier"))?;
        if invocation_type == "DryRun" {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let guards = self.admit(&function_busy, reserved)?;
        let executed_version = run.launch.version.clone();
        if invocation_type == "Event" {
            tokio::spawn(async move {
                // AWS retries a failed asynchronous invocation twice.
                for _ in 0..3 {
                    let (answer, _) = run.execute(payload.clone(), false).await;
                    if !answer.failed {
                        break;
                    }
                }
                drop(guards);
            });
            return Ok(StatusCode::ACCEPTED.into_response());
        }
        let (answer, log) = run.execute(payload, tail).await;
        drop(guards);
        let mut response = (StatusCode::OK, answer.payload).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&executed_version) {
            headers.insert("x-amz-executed-version", value);
        }
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if answer.failed {
            headers.insert(
                "x-amz-function-error",
                HeaderValue::from_static("Unhandled"),
            );
        }
        if let Some(log) = log {
            let start = log.len().saturating_sub(TAIL_BYTES);
            let start = (start..=log.len())
                .find(|i| log.is_char_boundary(*i))
                .unwrap_or(log.len());
            if let Ok(value) = HeaderValue::from_str(&BASE64.encode(&log.as_bytes()[start..])) {
                headers.insert("x-amz-log-result", value);
            }
        }
        Ok(response)
    }
}

fn throttled(reason: &str) -> AwsError {
    function::error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Rate Exceeded.",
    )
    .with("Reason", json!(reason))
}

fn service_error(message: String) -> AwsError {
    function::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceException",
        message,
    )
}

/// The unqualified ARN of function `name`.
fn arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        scope.region, scope.account
    )
}

/// A function name, partial ARN or full ARN (possibly qualified), reduced to the name.
fn name_of(reference: &str) -> &str {
    let rest = reference
        .rsplit_once(":function:")
        .map_or(reference, |(_, rest)| rest);
    rest.split(':').next().unwrap_or(rest)
}

/// Splits `name:qualifier` references; a `Qualifier` parameter wins.
fn split_qualifier(reference: &str, parameter: Option<&String>) -> (String, Option<String>) {
    let name = name_of(reference).to_owned();
    let in_reference = reference
        .rsplit_once(":function:")
        .map_or(reference, |(_, rest)| rest)
        .split_once(':')
        .map(|(_, qualifier)| qualifier.to_owned());
    let qualifier = parameter
        .cloned()
        .or(in_reference)
        .filter(|q| q != "$LATEST");
    (name, qualifier)
}

/// The version a qualifier names: `$LATEST`, a version number, or an alias (honouring its
/// weights).
fn resolve<'a>(
    function: &'a Function,
    scope: &Scope,
    name: &str,
    qualifier: Option<&str>,
) -> Result<&'a Deployed, AwsError> {
    let missing = || {
        not_found(&format!(
            "{}:{}",
            arn(scope, name),
            qualifier.unwrap_or("$LATEST")
        ))
    };
    let Some(qualifier) = qualifier else {
        return Ok(&function.latest);
    };
    if let Ok(number) = qualifier.parse::<u32>() {
        return function.versions.get(&number).ok_or_else(missing);
    }
    let alias = function.aliases.get(qualifier).ok_or_else(missing)?;
    let roll = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
    let mut threshold = 0.0;
    let mut chosen = &alias.function_version;
    for (version, weight) in &alias.weights {
        threshold += weight;
        if roll < threshold {
            chosen = version;
            break;
        }
    }
    match chosen.parse::<u32>() {
        Ok(number) => function.versions.get(&number).ok_or_else(missing),
        Err(_) => Ok(&function.latest),
    }
}

/// Counts a running invocation against a concurrency limit while it lives.
struct BusyGuard {
    counter: Arc<AtomicUsize>,
    /// The count including this invocation.
    count: usize,
}

impl BusyGuard {
    fn acquire(counter: &Arc<AtomicUsize>) -> Self {
        let count = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Self {
            counter: counter.clone(),
            count,
        }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What an invocation produced for the caller.
struct Answer {
    payload: Bytes,
    failed: bool,
}

/// Everything one invocation needs, independent of the service's locks.
struct Run {
    inspector: Option<Arc<crate::inspect::Inspector>>,
    logs: Arc<Logs>,
    scope: Scope,
    launch: Launch,
    timeout: Duration,
    pool: Arc<Pool>,
    generation: u64,
}

impl Run {
    async fn execute(&self, payload: Bytes, tail: bool) -> (Answer, Option<String>) {
        let reused = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let mut environment = match reused {
            Some(environment) if environment.is_alive() => environment,
            _ => {
                let (lines, receiver) = mpsc::unbounded_channel();
                let environment = Environment::start(self.launch.clone(), lines).await;
                deliver_logs(
                    self.logs.clone(),
                    self.scope.clone(),
                    self.launch.log_group.clone(),
                    environment.log_stream.clone(),
                    receiver,
                );
                environment
            }
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        environment.take_log();
        environment.record(&format!(
            "START RequestId: {request_id} Version: {}",
            self.launch.version
        ));
        let started = Instant::now();
        let event = payload.clone();
        let result = environment.invoke(&request_id, payload, self.timeout).await;
        // The invoke phase starts once init is over: a cold start's init is reported apart.
        let invoked = environment
            .ready_at()
            .map_or(started, |ready| ready.max(started));
        let duration = invoked.elapsed();
        let answer = match result {
            Ok(Outcome::Response(body)) => Answer {
                payload: body,
                failed: false,
            },
            Ok(Outcome::Error(error)) => Answer {
                payload: error.payload,
                failed: true,
            },
            Err(EnvironmentFailure::TimedOut) => {
                let message = format!(
                    "{} {request_id} Task timed out after {:.2} seconds",
                    timestamp_now(),
                    self.timeout.as_secs_f64()
                );
                environment.record(&message);
                Answer {
                    payload: Bytes::from(json!({"errorMessage": message}).to_string()),
                    failed: true,
                }
            }
            Err(EnvironmentFailure::Exited(status)) => {
                let message =
                    format!("RequestId: {request_id} Error: Runtime exited with error: {status}");
                environment.record(&message);
                Answer {
                    payload: Bytes::from(
                        json!({"errorType": "Runtime.ExitError", "errorMessage": message})
                            .to_string(),
                    ),
                    failed: true,
                }
            }
            Err(EnvironmentFailure::Init(error)) => Answer {
                payload: error.payload,
                failed: true,
            },
        };
        // Let the process's last output reach the log before the platform's closing lines.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let billed = duration.as_millis().max(1);
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            process::millis(duration),
            self.launch.memory_mb,
            environment.max_memory_mb().unwrap_or(0)
        );
        let init = environment.take_init_duration();
        let cold_start = init.is_some();
        if let Some(init) = init {
            report.push_str(&format!("\tInit Duration: {} ms", process::millis(init)));
        }
        environment.record(&format!("END RequestId: {request_id}"));
        environment.record(&report);
        let log = environment.take_log();
        if let Some(inspector) = &self.inspector {
            inspector.record(json!({
                "service": "lambda",
                "kind": "invocation",
                "region": self.scope.region,
                "function": self.launch.function_name,
                "version": self.launch.version,
                "requestId": request_id,
                "environment": environment.id,
                "coldStart": cold_start,
                "durationMs": duration.as_secs_f64() * 1000.0,
                "event": as_json(&event),
                "failed": answer.failed,
                "answer": as_json(&answer.payload),
                "log": log.lines().collect::<Vec<_>>(),
            }));
        }
        let log = tail.then_some(log);
        let current = self.pool.generation.load(Ordering::SeqCst) == self.generation;
        environment.last_used = Instant::now();
        if environment.is_alive() && current {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(environment);
        }
        (answer, log)
    }
}

/// A payload as JSON when it is JSON, else as text.
fn as_json(bytes: &Bytes) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(bytes)))
}

/// Now as `2026-11-21T12:00:00.000Z`, as the platform prefixes its messages.
fn timestamp_now() -> String {
    crate::clock::iso8601_millis(crate::clock::now_millis())
}

/// Forwards an environment's log lines to CloudWatch Logs, batching what has accumulated.
fn deliver_logs(
    logs: Arc<Logs>,
    scope: Scope,
    group: String,
    stream: String,
    mut lines: mpsc::UnboundedReceiver<(i64, String)>,
) {
    tokio::spawn(async move {
        while let Some(first) = lines.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = lines.try_recv() {
                batch.push(more);
            }
            logs.append(&scope, &group, &stream, batch).await;
        }
    });
}

fn query_params(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

/// Every value of a repeated query parameter (`tagKeys=a&tagKeys=b`).
fn query_all(query: Option<&str>, name: &str) -> Vec<String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| percent_decode(key) == name)
        .map(|(_, value)| percent_decode(value))
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space, as in query strings).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Lambda {
    /// Every function of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let functions = region
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        functions
            .values()
            .map(|function| {
                let configuration = &function.latest.configuration;
                (configuration.arn.clone(), configuration.tags.clone())
            })
            .collect()
    }
}
