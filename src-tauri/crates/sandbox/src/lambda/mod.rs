//! Lambda (restJson, `/2015-03-31/…`): functions per account and region, run as real processes
//! from their deployment packages, talking to the sandbox's implementation of the Runtime API —
//! the same binaries run here and on AWS.
//!
//! [`function`] holds configurations and their checks, [`package`] unpacks zips, [`environment`]
//! runs one process with its Runtime API, [`process`] keeps processes contained. This module
//! routes requests, keeps the warm environments of each function, and delivers their output to
//! CloudWatch Logs with the platform's START, END and REPORT lines.

pub mod environment;
pub mod function;
pub mod package;
mod process;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;

use self::environment::{Environment, EnvironmentFailure, Launch, Outcome};
use self::function::{
    Configuration, CreateInput, UpdateConfigurationInput, error, invalid_parameter, not_found,
};
use crate::logs::Logs;
use crate::regional::Regional;
use crate::store::Scope;
use crate::wire::AwsError;

/// The largest synchronous invocation payload (6 MB).
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;
/// The default account limit on concurrent executions.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// The most of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;

/// A function's warm environments. Updating or deleting the function bumps the generation, so
/// environments started for older code are stopped instead of reused.
#[derive(Debug, Default)]
struct Pool {
    idle: Mutex<Vec<Environment>>,
    generation: AtomicU64,
}

impl Pool {
    fn retire(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let retired: Vec<Environment> =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        drop(retired);
    }
}

#[derive(Debug)]
struct Function {
    configuration: Configuration,
    code_dir: PathBuf,
    zip_path: PathBuf,
    pool: Arc<Pool>,
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
    code: CodeRoot,
    endpoint: Mutex<String>,
    busy: Arc<AtomicUsize>,
    concurrency_limit: usize,
}

/// Why the Lambda service could not start.
#[derive(Debug, thiserror::Error)]
#[error("preparing the Lambda code directory {dir}")]
pub struct SetupError {
    dir: PathBuf,
    #[source]
    source: std::io::Error,
}

fn function_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> AwsError {
    error(status, code, message)
}

impl Lambda {
    /// `data_dir` keeps unpacked code; without one a temporary directory does.
    pub fn new(data_dir: Option<&std::path::Path>, logs: Arc<Logs>) -> Result<Self, SetupError> {
        let code = match data_dir {
            Some(dir) => CodeRoot {
                dir: dir.join("lambda"),
                _temporary: None,
            },
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("sandbox-lambda-")
                    .tempdir()
                    .map_err(|source| SetupError {
                        dir: std::env::temp_dir(),
                        source,
                    })?;
                CodeRoot {
                    dir: temporary.path().to_path_buf(),
                    _temporary: Some(temporary),
                }
            }
        };
        std::fs::create_dir_all(&code.dir).map_err(|source| SetupError {
            dir: code.dir.clone(),
            source,
        })?;
        std::fs::write(
            code.dir.join("python_runtime.py"),
            include_str!("python_runtime.py"),
        )
        .map_err(|source| SetupError {
            dir: code.dir.clone(),
            source,
        })?;
        Ok(Self {
            regions: Regional::default(),
            logs,
            code,
            endpoint: Mutex::new(String::new()),
            busy: Arc::new(AtomicUsize::new(0)),
            concurrency_limit: DEFAULT_CONCURRENCY,
        })
    }

    /// The sandbox's own endpoint, given to functions as `AWS_ENDPOINT_URL`.
    pub fn set_endpoint(&self, endpoint: String) {
        *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint;
    }

    /// Stops every environment of every function.
    pub fn stop_all(&self) {
        for (_, region) in self.regions.all() {
            let functions = region.read().unwrap_or_else(|p| p.into_inner());
            for function in functions.values() {
                function.pool.retire();
            }
        }
    }

    fn arn(scope: &Scope, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            scope.region, scope.account
        )
    }

    /// Handles a restJson request under `/2015-03-31/` or `/2016-08-19/`; `None` if the path is
    /// not Lambda's.
    pub async fn handle(
        &self,
        scope: &Scope,
        method: &Method,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Option<Result<Response, AwsError>> {
        if path.trim_end_matches('/') == "/2016-08-19/account-settings" && method == Method::GET {
            return Some(Ok(self.account_settings(scope)));
        }
        let rest = path.strip_prefix("/2015-03-31/functions")?;
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        Some(match (method.clone(), segments.as_slice()) {
            (Method::POST, []) => self.create_function(scope, &body),
            (Method::GET, []) => self.list_functions(scope, query),
            (Method::GET, [name]) => self.get_function(scope, name),
            (Method::GET, [name, "configuration"]) => self.get_configuration(scope, name),
            (Method::DELETE, [name]) => self.delete_function(scope, name),
            (Method::PUT, [name, "code"]) => self.update_code(scope, name, &body),
            (Method::PUT, [name, "configuration"]) => self.update_configuration(scope, name, &body),
            (Method::POST, [name, "invocations"]) => {
                self.invoke(scope, name, query, headers, body).await
            }
            _ => return None,
        })
    }

    /// A function name, partial ARN or full ARN, reduced to the name.
    fn name_of(reference: &str) -> &str {
        reference
            .rsplit(":function:")
            .next()
            .map_or(reference, |rest| rest.split(':').next().unwrap_or(rest))
    }

    fn create_function(&self, scope: &Scope, body: &[u8]) -> Result<Response, AwsError> {
        let input: CreateInput = parse(body)?;
        let mut configuration =
            Configuration::from_create(&input, Self::arn(scope, &input.function_name))?;
        let zip = decode_zip(input.code.as_ref())?;
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        if functions.contains_key(&configuration.name) {
            return Err(function_error(
                StatusCode::CONFLICT,
                "ResourceConflictException",
                format!("Function already exist: {}", configuration.name),
            ));
        }
        let function = self.install(scope, &mut configuration, &zip, Arc::new(Pool::default()))?;
        let answer = configuration.to_json("Pending", "InProgress");
        functions.insert(configuration.name.clone(), function);
        Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
    }

    /// Unpacks and checks `zip` for `configuration`'s runtime and handler.
    fn install(
        &self,
        scope: &Scope,
        configuration: &mut Configuration,
        zip: &[u8],
        pool: Arc<Pool>,
    ) -> Result<Function, AwsError> {
        let sha = package::code_sha256(zip);
        let digest: String = sha
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        let base = self
            .code
            .dir
            .join(&scope.account)
            .join(&scope.region)
            .join(&configuration.name);
        let code_dir = base.join(&digest);
        let unpacked =
            package::unpack(zip, &code_dir).map_err(|e| invalid_parameter(e.to_string()))?;
        check_entrypoint(configuration, &unpacked.dir)?;
        let zip_path = base.join(format!("{digest}.zip"));
        std::fs::write(&zip_path, zip).map_err(|e| {
            function::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                e.to_string(),
            )
        })?;
        configuration.code_sha256 = unpacked.sha256;
        configuration.code_size = unpacked.size;
        Ok(Function {
            configuration: configuration.clone(),
            code_dir,
            zip_path,
            pool,
        })
    }

    fn with_function<T>(
        &self,
        scope: &Scope,
        reference: &str,
        read: impl FnOnce(&mut Function) -> T,
    ) -> Result<T, AwsError> {
        let name = Self::name_of(reference);
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        let function = functions
            .get_mut(name)
            .ok_or_else(|| not_found(&Self::arn(scope, name)))?;
        Ok(read(function))
    }

    /// Packages are unpacked and checked before a request returns, so a function is `Active`
    /// from its first read on (the create and update answers say `Pending`/`InProgress`, as AWS's do).
    fn state_json(function: &mut Function) -> Json {
        function.configuration.to_json("Active", "Successful")
    }

    fn get_configuration(&self, scope: &Scope, reference: &str) -> Result<Response, AwsError> {
        let answer = self.with_function(scope, reference, Self::state_json)?;
        Ok(axum::Json(answer).into_response())
    }

    fn get_function(&self, scope: &Scope, reference: &str) -> Result<Response, AwsError> {
        let endpoint = self
            .endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let answer = self.with_function(scope, reference, |function| {
            json!({
                "Configuration": Self::state_json(function),
                "Code": {
                    "RepositoryType": "S3",
                    "Location": format!(
                        "{endpoint}/_sandbox/lambda/code/{}/{}/{}",
                        scope.account, scope.region, function.configuration.name
                    ),
                },
                "Tags": function.configuration.tags,
            })
        })?;
        Ok(axum::Json(answer).into_response())
    }

    /// The zip of a function, served at the `Code.Location` GetFunction gives.
    pub fn code_zip(&self, scope: &Scope, name: &str) -> Option<Vec<u8>> {
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        std::fs::read(&functions.get(name)?.zip_path).ok()
    }

    fn list_functions(&self, scope: &Scope, query: Option<&str>) -> Result<Response, AwsError> {
        let params = query_params(query);
        let max = match params.get("MaxItems") {
            Some(text) => text.parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
                function::validation(format!(
                    "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000"
                ))
            })?,
            None => 50,
        };
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        let marker = params.get("Marker").cloned();
        let mut names = functions
            .keys()
            .filter(|n| marker.as_ref().is_none_or(|m| *n > m))
            .cloned()
            .collect::<Vec<_>>()
            .into_iter();
        let page: Vec<String> = names.by_ref().take(max).collect();
        let configurations: Vec<Json> = page
            .iter()
            .filter_map(|name| functions.get_mut(name).map(Self::state_json))
            .collect();
        let mut answer = json!({ "Functions": configurations });
        if names.next().is_some()
            && let Some(last) = page.last()
        {
            answer["NextMarker"] = json!(last);
        }
        Ok(axum::Json(answer).into_response())
    }

    fn delete_function(&self, scope: &Scope, reference: &str) -> Result<Response, AwsError> {
        let name = Self::name_of(reference);
        let region = self.regions.get(scope);
        let removed = region
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        let function = removed.ok_or_else(|| not_found(&Self::arn(scope, name)))?;
        function.pool.retire();
        // The log group stays, as on AWS.
        if let Some(parent) = function.code_dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    }

    fn update_code(
        &self,
        scope: &Scope,
        reference: &str,
        body: &[u8],
    ) -> Result<Response, AwsError> {
        let input: function::CodeInput = parse(body)?;
        let zip = decode_zip(Some(&input))?;
        let name = Self::name_of(reference);
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        let current = functions
            .get(name)
            .ok_or_else(|| not_found(&Self::arn(scope, name)))?;
        let mut configuration = current.configuration.clone();
        configuration.last_modified = function::last_modified_now();
        configuration.revision_id = uuid::Uuid::new_v4().to_string();
        let pool = current.pool.clone();
        let function = self.install(scope, &mut configuration, &zip, pool.clone())?;
        pool.retire();
        functions.insert(name.to_owned(), function);
        Ok(axum::Json(configuration.to_json("Active", "InProgress")).into_response())
    }

    fn update_configuration(
        &self,
        scope: &Scope,
        reference: &str,
        body: &[u8],
    ) -> Result<Response, AwsError> {
        let input: UpdateConfigurationInput = parse(body)?;
        let answer = self.with_function(scope, reference, |function| {
            let mut configuration = function.configuration.clone();
            configuration.update(&input)?;
            check_entrypoint(&configuration, &function.code_dir)?;
            function.configuration = configuration;
            function.pool.retire();
            Ok::<_, AwsError>(function.configuration.to_json("Active", "InProgress"))
        })??;
        Ok(axum::Json(answer).into_response())
    }

    fn account_settings(&self, scope: &Scope) -> Response {
        let region = self.regions.get(scope);
        let count = region.read().unwrap_or_else(|p| p.into_inner()).len();
        axum::Json(json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800_u64,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": self.concurrency_limit,
                "UnreservedConcurrentExecutions": self.concurrency_limit,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        }))
        .into_response()
    }

    async fn invoke(
        &self,
        scope: &Scope,
        reference: &str,
        query: Option<&str>,
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
        if let Some(qualifier) = query_params(query).get("Qualifier")
            && qualifier != "$LATEST"
        {
            let name = Self::name_of(reference);
            return Err(not_found(&format!(
                "{}:{qualifier}",
                Self::arn(scope, name)
            )));
        }
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
        if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
            return Err(function::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                format!(
                    "Could not parse request body into json: Could not parse payload into json: {error}"
                ),
            ));
        }
        let (launch, timeout, pool, generation) =
            self.with_function(scope, reference, |function| {
                let configuration = &function.configuration;
                let launch = Launch {
                    function_name: configuration.name.clone(),
                    function_arn: configuration.arn.clone(),
                    version: "$LATEST".to_owned(),
                    runtime: configuration.runtime.clone(),
                    handler: configuration.handler.clone(),
                    memory_mb: configuration.memory_mb,
                    task_root: function.code_dir.clone(),
                    variables: configuration.variables.clone(),
                    region: scope.region.clone(),
                    sandbox_endpoint: self
                        .endpoint
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone(),
                    log_group: format!("/aws/lambda/{}", configuration.name),
                    python_loop: self.code.dir.join("python_runtime.py"),
                };
                (
                    launch,
                    Duration::from_secs(u64::from(configuration.timeout)),
                    function.pool.clone(),
                    function.pool.generation.load(Ordering::SeqCst),
                )
            })?;
        if invocation_type == "DryRun" {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let guard = BusyGuard(self.busy.clone());
        if self.busy.fetch_add(1, Ordering::SeqCst) >= self.concurrency_limit {
            return Err(function::error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Rate Exceeded.",
            )
            .with("Reason", json!("ConcurrentInvocationLimitExceeded")));
        }
        let run = Run {
            logs: self.logs.clone(),
            scope: scope.clone(),
            launch,
            timeout,
            pool,
            generation,
        };
        if invocation_type == "Event" {
            tokio::spawn(async move {
                // AWS retries a failed asynchronous invocation twice.
                for _ in 0..3 {
                    let (outcome, _) = run.execute(payload.clone(), false).await;
                    if !outcome.failed {
                        break;
                    }
                }
                drop(guard);
            });
            let mut response = StatusCode::ACCEPTED.into_response();
            response
                .headers_mut()
                .insert("x-amzn-requestid", HeaderValue::from_static("event"));
            return Ok(response);
        }
        let (result, log) = run.execute(payload, tail).await;
        drop(guard);
        let mut response = (StatusCode::OK, result.payload).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "x-amz-executed-version",
            HeaderValue::from_static("$LATEST"),
        );
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if result.failed {
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

/// Counts a running invocation against the concurrency limit while it lives.
struct BusyGuard(Arc<AtomicUsize>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What an invocation produced for the caller.
struct Answer {
    payload: Bytes,
    failed: bool,
}

/// Everything one invocation needs, independent of the service's locks.
struct Run {
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
        environment.record(&format!("START RequestId: {request_id} Version: $LATEST"));
        let started = Instant::now();
        let result = environment.invoke(&request_id, payload, self.timeout).await;
        let duration = started.elapsed();
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
        if let Some(init) = environment.take_init_duration() {
            report.push_str(&format!("\tInit Duration: {} ms", process::millis(init)));
        }
        environment.record(&format!("END RequestId: {request_id}"));
        environment.record(&report);
        let log = tail.then(|| environment.take_log());
        let current = self.pool.generation.load(Ordering::SeqCst) == self.generation;
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

/// Now as `2026-11-21T12:00:00.000Z`, as the platform prefixes its messages.
fn timestamp_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (year, month, day) = environment::civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_millis()
    )
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

/// A provided runtime needs `bootstrap`; a Python one the handler's module file.
fn check_entrypoint(
    configuration: &Configuration,
    code_dir: &std::path::Path,
) -> Result<(), AwsError> {
    if configuration.runtime.starts_with("provided") {
        if !code_dir.join("bootstrap").is_file() {
            return Err(invalid_parameter(
                "The deployment package has no bootstrap file at its root: provided runtimes run ./bootstrap.",
            ));
        }
        return Ok(());
    }
    let module = configuration
        .handler
        .rsplit_once('.')
        .map_or("", |(module, _)| module);
    if module.is_empty() || !code_dir.join(format!("{module}.py")).is_file() {
        return Err(invalid_parameter(format!(
            "The handler {} does not name a module in the deployment package (expected {module}.py at its root).",
            configuration.handler
        )));
    }
    Ok(())
}

fn decode_zip(code: Option<&function::CodeInput>) -> Result<Vec<u8>, AwsError> {
    let code = code.ok_or_else(|| {
        function::validation("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
    })?;
    if code.s3_bucket.is_some() || code.image_uri.is_some() {
        return Err(invalid_parameter(
            "The sandbox takes code as ZipFile (fileb:// with the AWS CLI); S3 and image locations are not available offline.",
        ));
    }
    let text = code
        .zip_file
        .as_deref()
        .ok_or_else(|| invalid_parameter("Please provide a source for function code."))?;
    BASE64.decode(text).map_err(|_| {
        invalid_parameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    })
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    serde_json::from_slice(body).map_err(|failure| {
        let text = failure.to_string();
        match text.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            Some(field) => {
                let mut chars = field.chars();
                let camel: String = chars.next().map(|c| c.to_ascii_lowercase()).into_iter().chain(chars).collect();
                function::validation(format!(
                    "1 validation error detected: Value null at '{camel}' failed to satisfy constraint: Member must not be null"
                ))
            }
            None => function::error(StatusCode::BAD_REQUEST, "InvalidRequestContentException", format!("Could not parse request body into json: {text}")),
        }
    })
}

fn query_params(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

fn percent_decode(text: &str) -> String {
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
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
