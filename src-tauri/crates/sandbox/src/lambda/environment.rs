//! One execution environment: a function process and the Runtime API it talks to.
//!
//! Each environment has its own Runtime API listener on a loopback port, so every long poll on
//! `/next` belongs to the one process it was started for: an event is never handed to a process
//! that has died. The environment watches its process: an exit before the first `/next` is an
//! init failure, an exit during an invocation a crash. Timeouts are enforced here (the runtime
//! never does) by killing the process group. [`launch`](super::launch) starts the process and
//! [`runtime_api`](super::runtime_api) serves it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, oneshot, watch};

pub use super::launch::Launch;
use super::launch::command;
use super::process;
use super::runtime_api::{Invocation, Shared, lock, runtime_api};

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

/// How long an init phase may run (AWS's 10 seconds), apart from the function's timeout. Past
/// it, as with AWS's suppressed init, the rest of init counts against the invocation.
pub const INIT_LIMIT: Duration = Duration::from_secs(10);

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
    /// Its CPU bandwidth, emulated, when its function's share is under one vCPU and no cgroup
    /// enforces it.
    pub cpu_budget: Option<super::cpu::Budget>,
    /// The cgroup the kernel enforces its CPU share with, where the sandbox may make one.
    cpu_group: Option<super::cgroup::CpuGroup>,
    /// Whether that group's limit is set (after the first invocation).
    cpu_limited: bool,
    /// The access key id of its session credentials (closed when it is dropped).
    access_key_id: String,
    sessions: Arc<super::sessions::Sessions>,
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
        let memory_mb = launch.memory_mb;
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
        let credentials = launch.sessions.open(super::sessions::Caller {
            function: launch.function_name.clone(),
            version: launch.version.clone(),
            environment: id.clone(),
            role: launch.role.clone(),
            invocation: None,
        });
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => {
                let _ = exit_sender.send(Some(format!("no port for the Runtime API: {error}")));
                let session = (credentials.access_key_id, launch.sessions.clone());
                return Self::failed(id, log_stream, started, sender, shared, exit, session);
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

        let mut command = command(&launch, &api_address, &log_stream, &credentials);
        process::contain(&mut command);
        let mut cpu_group = None;
        let pid = match command.spawn() {
            Ok(mut child) => {
                let pid = child.id();
                if let (Some(groups), Some(pid)) = (&launch.cpu_groups, pid) {
                    match groups
                        .environment(&id)
                        .and_then(|group| group.add(pid).map(|()| group))
                    {
                        Ok(group) => cpu_group = Some(group),
                        Err(error) => {
                            tracing::warn!(%error, "no CPU cgroup for an environment: its CPU share is emulated")
                        }
                    }
                }
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
                } else if error.kind() == std::io::ErrorKind::NotFound {
                    // AWS's words for a package without `bootstrap` at its root.
                    "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
                        .to_owned()
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
            cpu_budget: cpu_group
                .is_none()
                .then(|| super::cpu::Budget::of(memory_mb))
                .flatten(),
            cpu_group,
            cpu_limited: false,
            access_key_id: credentials.access_key_id,
            sessions: launch.sessions.clone(),
        }
    }

    fn failed(
        id: String,
        log_stream: String,
        started: Instant,
        sender: mpsc::Sender<Invocation>,
        shared: Arc<Shared>,
        exit: watch::Receiver<Option<String>>,
        (access_key_id, sessions): (String, Arc<super::sessions::Sessions>),
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
            cpu_budget: None,
            cpu_group: None,
            cpu_limited: false,
            access_key_id,
            sessions,
        }
    }

    /// Its session now stands for `invocation`: requests signed with its credentials are
    /// that invocation's calls.
    pub fn begin_invocation(&self, invocation: &str) {
        self.sessions.begin(&self.access_key_id, invocation);
    }

    /// Its invocation has been answered.
    pub fn end_invocation(&self) {
        self.sessions.end(&self.access_key_id);
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

    /// The CPU time the environment's processes have used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        self.pid.and_then(super::cpu::cpu_time)
    }

    /// How long its processes have waited for their CPU quota, when a cgroup enforces it.
    pub fn throttled(&self) -> Option<Duration> {
        self.cpu_group
            .as_ref()
            .filter(|_| self.cpu_limited)
            .and_then(super::cgroup::CpuGroup::throttled)
    }

    /// Sets its cgroup's CPU limit, once its first invocation is over (init and that
    /// invocation run at full speed, as the emulation lets them).
    pub fn limit_cpu(&mut self, memory_mb: u32) {
        if self.cpu_limited {
            return;
        }
        if let Some(group) = &self.cpu_group {
            match group.limit(memory_mb) {
                Ok(()) => self.cpu_limited = true,
                Err(error) => {
                    tracing::warn!(%error, "the CPU cgroup's limit could not be set: its CPU share is emulated");
                    self.cpu_group = None;
                    self.cpu_budget = super::cpu::Budget::of(memory_mb);
                }
            }
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
        self.sessions.close(&self.access_key_id);
    }
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
