//! The sandbox in a process of its own, kept running. The app and `lab run` start the sandbox
//! through [`Supervisor::start`] instead of in their own process: a request that kills the
//! sandbox (or a failed commit, which stops it on purpose) then takes down only that child, which
//! is started again on the same data directory and the same port within moments, its state read
//! back from what was saved. Its function processes live in its process group and die with it.
//!
//! The child is any program that takes `--listen ADDR --data-dir DIR` and prints
//! [`READY_PREFIX`]`URL` as its first line on stdout once it accepts connections — `lab sandbox`,
//! or the app's own executable run with its sandbox flag; see [`serve_in_foreground`].

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// What a child prints, followed by its endpoint, once it is ready.
pub const READY_PREFIX: &str = "sandbox ready at ";

/// How long a child may take to print its ready line.
const READY_PATIENCE: Duration = Duration::from_secs(30);

/// How long to wait before restarting a child that died soon after starting, doubled each time
/// in a row, up to [`MAX_BACKOFF`]; a child that ran a while is restarted at once.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const RAN_A_WHILE: Duration = Duration::from_secs(10);

/// How long a stopping child gets to finish its requests and commits after SIGTERM.
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// Why the sandbox could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    #[error("starting the sandbox process {program}")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the sandbox process did not become ready: {0}")]
    NotReady(String),
}

/// How to start the child: the program and the arguments before `--listen`.
#[derive(Debug, Clone)]
pub struct ChildCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub data_dir: PathBuf,
}

impl ChildCommand {
    /// This very executable, run with `args` (its sandbox subcommand or flag) on `data_dir`.
    pub fn this_executable(args: &[&str], data_dir: PathBuf) -> Result<Self, SuperviseError> {
        let program = std::env::current_exe().map_err(|source| SuperviseError::Spawn {
            program: "this executable".into(),
            source,
        })?;
        Ok(Self {
            program,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            data_dir,
        })
    }
}

/// The supervised sandbox's state, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Serving; `restarts` counts the times it had to be started again.
    Ready { pid: u32, restarts: u32 },
    /// The process ended unexpectedly and is being started again.
    Restarting { reason: String, restarts: u32 },
}

/// A supervised sandbox; stop it with [`Supervised::stop`] (dropping it kills the child).
#[derive(Debug)]
pub struct Supervised {
    endpoint: String,
    health: watch::Receiver<Health>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts and watches the child.
#[derive(Debug)]
pub struct Supervisor;

impl Supervisor {
    /// Starts the child on a free loopback port and returns once it is ready. From then on it is
    /// restarted on the same port whenever it ends without being asked to.
    pub async fn start(command: ChildCommand) -> Result<Supervised, SuperviseError> {
        let (child, endpoint, stderr_tail) = spawn(&command, "127.0.0.1:0").await?;
        let listen = endpoint.trim_start_matches("http://").to_owned();
        let pid = child.id().unwrap_or_default();
        let (report, health) = watch::channel(Health::Ready { pid, restarts: 0 });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(watch_over(
            command,
            listen,
            child,
            stderr_tail,
            report,
            stopped,
        ));
        Ok(Supervised {
            endpoint,
            health,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl Supervised {
    /// The endpoint URL; the same across restarts.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The current state, and a way to follow it.
    pub fn health(&self) -> watch::Receiver<Health> {
        self.health.clone()
    }

    /// Asks the child to stop (SIGTERM: it finishes its requests and commits) and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // The child was spawned with kill-on-drop: aborting the task that owns it kills it.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The last line the child wrote to stderr, for saying why it ended.
type StderrTail = std::sync::Arc<std::sync::Mutex<String>>;

async fn spawn(
    command: &ChildCommand,
    listen: &str,
) -> Result<(tokio::process::Child, String, StderrTail), SuperviseError> {
    let mut process = tokio::process::Command::new(&command.program);
    process
        .args(&command.args)
        .args(["--listen", listen, "--data-dir"])
        .arg(&command.data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::lambda::process::contain(&mut process);
    let mut child = process.spawn().map_err(|source| SuperviseError::Spawn {
        program: command.program.clone(),
        source,
    })?;
    let tail = StderrTail::default();
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(relay_stderr(stderr, tail.clone()));
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| SuperviseError::NotReady("its output is not piped".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(READY_PATIENCE, lines.next_line()).await;
    let endpoint = match first {
        Ok(Ok(Some(line))) => line
            .trim()
            .strip_prefix(READY_PREFIX)
            .map(str::to_owned)
            .ok_or_else(|| SuperviseError::NotReady(format!("it printed {line:?}")))?,
        Ok(Ok(None)) | Ok(Err(_)) => {
            let status = child.wait().await.ok();
            let why = last_words(&tail).unwrap_or_else(|| describe(status));
            return Err(SuperviseError::NotReady(why));
        }
        Err(_) => {
            return Err(SuperviseError::NotReady(format!(
                "not within {READY_PATIENCE:?}"
            )));
        }
    };
    // The rest of its output is the child's own business.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, endpoint, tail))
}

/// Copies the child's stderr to ours, remembering the last line.
async fn relay_stderr(stderr: tokio::process::ChildStderr, tail: StderrTail) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("{line}");
        if !line.trim().is_empty() {
            *tail.lock().unwrap_or_else(|p| p.into_inner()) = line;
        }
    }
}

fn last_words(tail: &StderrTail) -> Option<String> {
    let line = tail.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let line = line.trim().strip_prefix("error: ").unwrap_or(line.trim());
    (!line.is_empty()).then(|| line.to_owned())
}

/// An exit status in words: "killed by signal 9 (SIGKILL)", "exited with status 1".
fn describe(status: Option<std::process::ExitStatus>) -> String {
    let Some(status) = status else {
        return "it ended for an unknown reason".into();
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGABRT => " (SIGABRT, an abort)",
                libc::SIGTERM => " (SIGTERM)",
                _ => "",
            };
            return format!("it was killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("it exited with status {code}"),
        None => "it ended for an unknown reason".into(),
    }
}

async fn watch_over(
    command: ChildCommand,
    listen: String,
    mut child: tokio::process::Child,
    mut tail: StderrTail,
    report: watch::Sender<Health>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut restarts = 0;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let started = Instant::now();
        let status = tokio::select! {
            status = child.wait() => status.ok(),
            _ = &mut stopped => {
                stop_child(&mut child).await;
                return;
            }
        };
        let reason = last_words(&tail)
            .filter(|words| words.contains("could not save"))
            .unwrap_or_else(|| describe(status));
        restarts += 1;
        tracing::error!(%reason, restarts, "the sandbox process ended; starting it again");
        report.send_replace(Health::Restarting {
            reason: reason.clone(),
            restarts,
        });
        if started.elapsed() >= RAN_A_WHILE {
            backoff = FIRST_BACKOFF;
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = &mut stopped => return,
            }
            match spawn(&command, &listen).await {
                Ok((next, _, next_tail)) => {
                    child = next;
                    tail = next_tail;
                    let pid = child.id().unwrap_or_default();
                    tracing::info!(pid, restarts, "the sandbox process is serving again");
                    report.send_replace(Health::Ready { pid, restarts });
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, "restarting the sandbox process failed");
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        if started.elapsed() < RAN_A_WHILE {
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

/// SIGTERM, then SIGKILL for its whole group if it does not stop in time.
async fn stop_child(child: &mut tokio::process::Child) {
    let Some(pid) = child.id() else {
        return;
    };
    crate::lambda::process::terminate(pid);
    if tokio::time::timeout(STOP_PATIENCE, child.wait())
        .await
        .is_err()
    {
        tracing::warn!(pid, "the sandbox process did not stop in time; killing it");
    }
    crate::lambda::process::kill_group(pid);
    let _ = child.wait().await;
}

/// Runs a sandbox in the foreground of this process, as a supervised child does: prints
/// [`READY_PREFIX`]`URL` once it accepts connections, and serves until SIGTERM or Ctrl-C (a clean
/// stop) or until a commit fails (an error saying why, so the supervisor starts it again).
pub async fn serve_in_foreground(
    config: crate::Config,
    announce: impl Fn(&str),
) -> Result<(), ForegroundError> {
    let data_dir = config.data_dir.clone();
    let sandbox = crate::start(config).await.map_err(ForegroundError::Start)?;
    let state = match &data_dir {
        Some(dir) => format!("state kept in {}", dir.display()),
        None => "state kept in memory only".to_owned(),
    };
    announce(&format!("{READY_PREFIX}{}\n{state}\n", sandbox.endpoint()));
    tokio::select! {
        stopped = stop_signal() => {
            sandbox.shutdown().await;
            stopped.map_err(ForegroundError::Signal)
        }
        reason = sandbox.failed() => {
            sandbox.shutdown().await;
            Err(ForegroundError::Unsaved(reason))
        }
    }
}

/// Why a foreground sandbox ended other than by being stopped.
#[derive(Debug, thiserror::Error)]
pub enum ForegroundError {
    #[error("starting the sandbox")]
    Start(#[source] crate::Error),
    #[error("listening for the stop signal")]
    Signal(#[source] std::io::Error),
    #[error(
        "the sandbox stopped because it could not save a change to its database: {0}. Nothing \
         unsaved was served; start it again to continue from what was saved."
    )]
    Unsaved(String),
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}
