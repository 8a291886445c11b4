//! One execution environment: a function process and the Runtime API it talks to.
//!
//! Each environment has its own Runtime API listener on a loopback port, so every long poll on
//! `/next` belongs to the one process it was started for: an event is never handed to a process
//! that has died. The environment watches its process: an exit before the first `/next` is an
//! init failure, an exit during an invocation a crash. Timeouts are enforced here (the runtime
//! never does) by killing the process group.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, oneshot, watch};

use super::process;
use crate::guard::{Access, Decision, Guard, Surface};

/// What a process needs to start: the environment AWS gives a function.
#[derive(Debug, Clone)]
pub struct Launch {
    pub function_name: String,
    pub function_arn: String,
    pub version: String,
    pub runtime: String,
    pub handler: String,
    pub memory_mb: u32,
    pub task_root: PathBuf,
    pub variables: BTreeMap<String, String>,
    pub region: String,
    pub sandbox_endpoint: String,
    pub log_group: String,
    /// The Python runtime-interface loop the sandbox ships, for `python3.x` runtimes.
    pub python_loop: PathBuf,
    /// The interpreter that runs it.
    pub python: PathBuf,
    /// Roots that include the sandbox's certificate authority, so that code calling the
    /// sandbox over https (as code written for AWS does) trusts it.
    pub trusted_roots: Option<PathBuf>,
}

/// An error a function (or its runtime) reported, as AWS returns it to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// The JSON payload: `{"errorMessage", "errorType", ...}`.
    pub payload: Bytes,
}

impl FunctionError {
    pub fn new(error_type: &str, message: &str) -> Self {
        Self {
            payload: Bytes::from(
                serde_json::json!({"errorMessage": message, "errorType": error_type}).to_string(),
            ),
        }
    }
}

/// How one invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler's answer.
    Response(Bytes),
    /// The handler (or runtime) reported an error, or the platform did (timeout, crash, init).
    Error(FunctionError),
}

struct Invocation {
    request_id: String,
    payload: Bytes,
    /// The function's timeout: the deadline is set when the process takes the event.
    timeout: Duration,
    done: oneshot::Sender<Outcome>,
}

/// How long an init phase may run (AWS's 10 seconds), apart from the function's timeout. Past
/// it, as with AWS's suppressed init, the rest of init counts against the invocation.
pub const INIT_LIMIT: Duration = Duration::from_secs(10);

/// State shared between the Runtime API handlers and the environment's owner.
struct Shared {
    launch: Launch,
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    /// Set once the process first asks for work: the end of its init phase.
    ready: watch::Sender<Option<Instant>>,
    init_error: Mutex<Option<FunctionError>>,
    /// Lines the process wrote during the current invocation (for `LogType: Tail`).
    current_log: Mutex<String>,
    log_lines: mpsc::UnboundedSender<(i64, String)>,
}

/// Why an environment could not serve an invocation; it is finished after any of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvironmentFailure {
    /// The process never started or exited before its first `/next`.
    Init(FunctionError),
    /// The process exited during the invocation.
    Exited(String),
    /// The invocation ran past the function's timeout.
    TimedOut,
}

/// A running execution environment.
pub struct Environment {
    pub id: String,
    pub log_stream: String,
    started: Instant,
    init_duration: Option<Duration>,
    /// Whether the init duration was measured (it is reported once, on the first invocation).
    init_measured: bool,
    sender: mpsc::Sender<Invocation>,
    shared: Arc<Shared>,
    pid: Option<u32>,
    exit: watch::Receiver<Option<String>>,
    server: tokio::task::JoinHandle<()>,
    dead: bool,
    /// When the environment last finished an invocation.
    pub last_used: Instant,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .field("dead", &self.dead)
            .finish()
    }
}

/// The stream name AWS gives an environment's logs: `YYYY/MM/DD/[$LATEST]<32 hex>`.
fn log_stream_name(version: &str, id: &str) -> String {
    let today = crate::clock::Civil::now();
    format!(
        "{:04}/{:02}/{:02}/[{version}]{id}",
        today.year, today.month, today.day
    )
}

impl Environment {
    /// Starts the process and its Runtime API; `log_lines` receives everything to be logged.
    pub async fn start(launch: Launch, log_lines: mpsc::UnboundedSender<(i64, String)>) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let log_stream = log_stream_name(&launch.version, &id);
        let (sender, receiver) = mpsc::channel(1);
        let (ready, _) = watch::channel(None);
        let shared = Arc::new(Shared {
            launch: launch.clone(),
            queue: tokio::sync::Mutex::new(receiver),
            pending: Mutex::new(HashMap::new()),
            ready,
            init_error: Mutex::new(None),
            current_log: Mutex::new(String::new()),
            log_lines,
        });
        let (exit_sender, exit) = watch::channel(None);
        let started = Instant::now();
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => {
                let _ = exit_sender.send(Some(format!("no port for the Runtime API: {error}")));
                return Self::failed(id, log_stream, started, sender, shared, exit);
            }
        };
        let api_address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let port = listener.local_addr().map_or(0, |a| a.port());
        let router = runtime_api(shared.clone(), port);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let mut command = command(&launch, &api_address, &log_stream);
        process::contain(&mut command);
        let pid = match command.spawn() {
            Ok(mut child) => {
                let pid = child.id();
                for stream in [
                    child
                        .stdout
                        .take()
                        .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                    child
                        .stderr
                        .take()
                        .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                ]
                .into_iter()
                .flatten()
                {
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        let mut lines = BufReader::new(stream).lines();
                        while let Ok(Some(line)) = lines.next_line().await {
                            shared.record(&line);
                        }
                    });
                }
                tokio::spawn(async move {
                    let status = child.wait().await;
                    let text = match status {
                        Ok(status) => match (
                            status.code(),
                            std::os::unix::process::ExitStatusExt::signal(&status),
                        ) {
                            (Some(code), _) => format!("exit status {code}"),
                            (None, Some(signal)) => format!("signal: {}", signal_name(signal)),
                            _ => "unknown exit".to_owned(),
                        },
                        Err(error) => format!("wait failed: {error}"),
                    };
                    // The runtime ended: so does its environment, with whatever it started.
                    if let Some(pid) = pid {
                        process::kill_group(pid);
                    }
                    let _ = exit_sender.send(Some(text));
                });
                pid
            }
            Err(error) => {
                let reason = if launch.runtime.starts_with("python") {
                    format!(
                        "The sandbox runs {} functions with this machine's Python ({}), which could not be started: {error}. Install Python 3 to run them.",
                        launch.runtime,
                        launch.python.display()
                    )
                } else {
                    format!("Couldn't start the function's bootstrap: {error}")
                };
                *lock(&shared.init_error) =
                    Some(FunctionError::new("Runtime.InvalidEntrypoint", &reason));
                shared.record(&reason);
                let _ = exit_sender.send(Some("not started".to_owned()));
                None
            }
        };
        Self {
            id,
            log_stream,
            started,
            init_duration: None,
            init_measured: false,
            sender,
            shared,
            pid,
            exit,
            server,
            dead: false,
            last_used: Instant::now(),
        }
    }

    fn failed(
        id: String,
        log_stream: String,
        started: Instant,
        sender: mpsc::Sender<Invocation>,
        shared: Arc<Shared>,
        exit: watch::Receiver<Option<String>>,
    ) -> Self {
        Self {
            id,
            log_stream,
            started,
            init_duration: None,
            init_measured: false,
            sender,
            shared,
            pid: None,
            exit,
            server: tokio::spawn(async {}),
            dead: true,
            last_used: started,
        }
    }

    /// Whether the environment can take another invocation.
    pub fn is_alive(&self) -> bool {
        !self.dead && self.exit.borrow().is_none()
    }

    /// When the process finished its init phase (first asked for an event), if it has.
    pub fn ready_at(&self) -> Option<Instant> {
        *self.shared.ready.borrow()
    }

    /// The init duration, once known, for the first invocation's REPORT line.
    pub fn take_init_duration(&mut self) -> Option<Duration> {
        self.init_duration.take()
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The lines logged since the last call (the current invocation's output).
    pub fn take_log(&self) -> String {
        std::mem::take(&mut *lock(&self.shared.current_log))
    }

    /// Logs a platform line (START, END, REPORT, timeouts).
    pub fn record(&self, line: &str) {
        self.shared.record(line);
    }

    /// Runs one invocation to its end, or fails the environment trying.
    pub async fn invoke(
        &mut self,
        request_id: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<Outcome, EnvironmentFailure> {
        let (done, mut outcome) = oneshot::channel();
        let invocation = Invocation {
            request_id: request_id.to_owned(),
            payload,
            timeout,
            done,
        };
        if self.sender.send(invocation).await.is_err() {
            self.dead = true;
            return Err(EnvironmentFailure::Exited(
                "the Runtime API is gone".to_owned(),
            ));
        }
        let mut exit = self.exit.clone();
        let mut ready = self.shared.ready.subscribe();
        // A new process first has its init phase, with a limit of its own; the function's
        // timeout runs from when the process takes the event.
        let mut initialising = ready.borrow().is_none();
        let sleep = tokio::time::sleep_until(if initialising {
            (self.started + INIT_LIMIT).into()
        } else {
            (Instant::now() + timeout).into()
        });
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                result = &mut outcome => {
                    self.note_ready();
                    return match result {
                        Ok(outcome) => Ok(outcome),
                        Err(_) => {
                            self.dead = true;
                            Err(EnvironmentFailure::Exited("the invocation was dropped".to_owned()))
                        }
                    };
                }
                changed = ready.changed(), if ready.borrow().is_none() => {
                    if changed.is_ok() {
                        self.note_ready();
                        if initialising {
                            initialising = false;
                            sleep.as_mut().reset((Instant::now() + timeout).into());
                        }
                    }
                }
                changed = exit.changed() => {
                    if changed.is_err() {
                        continue;
                    }
                    // Give a response posted just before exiting the chance to arrive first.
                    if let Ok(Ok(outcome)) = tokio::time::timeout(Duration::from_millis(20), &mut outcome).await {
                        self.dead = true;
                        return Ok(outcome);
                    }
                    self.dead = true;
                    let status = exit.borrow().clone().unwrap_or_default();
                    let initialised = self.shared.ready.borrow().is_some();
                    return Err(if initialised {
                        EnvironmentFailure::Exited(status)
                    } else {
                        let error = lock(&self.shared.init_error).clone().unwrap_or_else(|| {
                            FunctionError::new(
                                "Runtime.InitError",
                                &format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
                            )
                        });
                        EnvironmentFailure::Init(error)
                    });
                }
                () = &mut sleep => {
                    if !initialising {
                        self.stop();
                        return Err(EnvironmentFailure::TimedOut);
                    }
                    // Init ran past its limit: what is left of it counts against the invocation.
                    initialising = false;
                    self.shared.record(&format!(
                        "INIT_REPORT Init Duration: {} ms\tPhase: init\tStatus: timeout",
                        process::millis(INIT_LIMIT)
                    ));
                    sleep.as_mut().reset((Instant::now() + timeout).into());
                }
            }
        }
    }

    fn note_ready(&mut self) {
        if !self.init_measured
            && let Some(at) = *self.shared.ready.borrow()
        {
            self.init_duration = Some(at.duration_since(self.started));
            self.init_measured = true;
        }
    }

    /// Peak memory of the process, in MB.
    pub fn max_memory_mb(&self) -> Option<u64> {
        self.pid.and_then(process::peak_memory_mb)
    }

    /// Kills the process group and the Runtime API.
    pub fn stop(&mut self) {
        self.dead = true;
        if let Some(pid) = self.pid.take() {
            process::kill_group(pid);
        }
        self.server.abort();
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn record(&self, line: &str) {
        let mut current = lock(&self.current_log);
        current.push_str(line);
        current.push('\n');
        let _ = self
            .log_lines
            .send((crate::clock::now_millis(), line.to_owned()));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => "killed",
        libc::SIGSEGV => "segmentation fault",
        libc::SIGABRT => "aborted",
        libc::SIGTERM => "terminated",
        _ => "signal",
    }
}

/// The process to start, with the environment AWS sets for a function.
fn command(launch: &Launch, api_address: &str, log_stream: &str) -> tokio::process::Command {
    let mut command = if launch.runtime.starts_with("python") {
        let mut command = tokio::process::Command::new(&launch.python);
        command.arg("-u").arg(&launch.python_loop);
        command
    } else {
        tokio::process::Command::new(launch.task_root.join("bootstrap"))
    };
    command
        .env_clear()
        .current_dir(&launch.task_root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The function's own variables first: the reserved ones below cannot be overridden.
    for (key, value) in &launch.variables {
        command.env(key, value);
    }
    let host_path =
        std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned());
    let fixed = [
        ("AWS_LAMBDA_RUNTIME_API", api_address.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", launch.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", launch.version.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            launch.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_LOG_GROUP_NAME", launch.log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_REGION", launch.region.clone()),
        ("AWS_DEFAULT_REGION", launch.region.clone()),
        (
            "AWS_EXECUTION_ENV",
            format!("AWS_Lambda_{}", launch.runtime),
        ),
        ("_HANDLER", launch.handler.clone()),
        ("LAMBDA_TASK_ROOT", launch.task_root.display().to_string()),
        ("LAMBDA_RUNTIME_DIR", launch.task_root.display().to_string()),
        ("AWS_ACCESS_KEY_ID", "ASIASANDBOXFUNCTION0".to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "sandbox-function-secret".to_owned(),
        ),
        ("AWS_SESSION_TOKEN", "sandbox-function-session".to_owned()),
        ("AWS_ENDPOINT_URL", launch.sandbox_endpoint.clone()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", host_path),
    ];
    for (key, value) in fixed {
        command.env(key, value);
    }
    // Unless the function names roots of its own.
    if let Some(roots) = &launch.trusted_roots {
        for variable in crate::tls::TRUST_VARIABLES {
            if !launch.variables.contains_key(variable) {
                command.env(variable, roots);
            }
        }
    }
    command
}

/// The Runtime API of one environment on `port`. Only its own process talks to it: a request
/// from a web page or addressed to another name (DNS rebinding) is refused, as at the front door.
fn runtime_api(shared: Arc<Shared>, port: u16) -> Router {
    let guard = Arc::new(Guard::new(port, &Access::default()));
    let only_the_function = axum::middleware::from_fn(move |request: Request, next: Next| {
        let guard = guard.clone();
        async move {
            match guard.decide(request.method(), request.headers(), Surface::Service) {
                Decision::Serve => next.run(request).await,
                _ => StatusCode::FORBIDDEN.into_response(),
            }
        }
    });
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(only_the_function)
        .with_state(shared)
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    shared.ready.send_if_modified(|ready| {
        if ready.is_none() {
            *ready = Some(Instant::now());
            true
        } else {
            false
        }
    });
    let invocation = shared.queue.lock().await.recv().await;
    let Some(invocation) = invocation else {
        return (StatusCode::GONE, "the environment is shutting down").into_response();
    };
    lock(&shared.pending).insert(invocation.request_id.clone(), invocation.done);
    let deadline_ms = (SystemTime::now() + invocation.timeout)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let trace = format!(
        "Root={};Parent={};Sampled=0",
        crate::wire::new_trace_root(),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    (
        StatusCode::OK,
        [
            ("content-type", "application/json".to_owned()),
            ("lambda-runtime-aws-request-id", invocation.request_id),
            ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                shared.launch.function_arn.clone(),
            ),
            ("lambda-runtime-trace-id", trace),
        ],
        invocation.payload,
    )
        .into_response()
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    match lock(&shared.pending).remove(id) {
        Some(done) => {
            let _ = done.send(outcome);
            (StatusCode::ACCEPTED, axum::Json(serde_json::json!({"status": "OK"}))).into_response()
        }
        // Too late (timed out) or never handed out.
        None => (
            StatusCode::GONE,
            axum::Json(serde_json::json!({"errorMessage": format!("Invalid request ID: {id}"), "errorType": "InvalidRequestID"})),
        )
            .into_response(),
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&shared, &id, Outcome::Response(body))
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish(&shared, &id, Outcome::Error(error_payload(&headers, body)))
}

async fn init_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *lock(&shared.init_error) = Some(error_payload(&headers, body));
    (
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({"status": "OK"})),
    )
        .into_response()
}

/// The error a runtime posted; a body that is not an error object is wrapped in one, with the
/// type from the `Lambda-Runtime-Function-Error-Type` header.
fn error_payload(headers: &HeaderMap, body: Bytes) -> FunctionError {
    let is_error_object = serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|value| value.get("errorMessage").is_some() || value.get("errorType").is_some());
    if is_error_object {
        return FunctionError { payload: body };
    }
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("Unhandled");
    FunctionError::new(error_type, &String::from_utf8_lossy(&body))
}
