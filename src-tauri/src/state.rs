//! What the app holds while it runs: its data directory, the target, the sandbox it started, and
//! the engine session on the target (made on first use, remade when the target changes).

use std::sync::{Arc, Mutex, MutexGuard};

use lab_contract::SandboxHealth;
use lab_contract::{ErrorCode, ErrorDto};
use lab_engine::{DataDir, Target};
use lab_sandbox::supervisor::{ChildCommand, Health, Supervised, Supervisor};
use tauri::{AppHandle, Emitter};

use crate::session::Session;

#[derive(Debug)]
pub struct AppState {
    pub data_dir: DataDir,
    target: Mutex<Target>,
    sandbox: Mutex<Option<Supervised>>,
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    pub fn new(data_dir: DataDir, sandbox: Supervised) -> Self {
        Self {
            data_dir,
            target: Mutex::new(Target::Sandbox {
                endpoint: sandbox.endpoint().to_owned(),
            }),
            sandbox: Mutex::new(Some(sandbox)),
            session: tokio::sync::Mutex::new(None),
        }
    }

    /// The directory the embedded sandbox keeps its state in.
    pub fn sandbox_dir(&self) -> std::path::PathBuf {
        self.data_dir.path().join("sandbox")
    }

    pub fn target(&self) -> Target {
        locked(&self.target).clone()
    }

    /// The embedded sandbox as a target.
    pub fn sandbox_target(&self) -> Result<Target, ErrorDto> {
        locked(&self.sandbox)
            .as_ref()
            .map(|running| Target::Sandbox {
                endpoint: running.endpoint().to_owned(),
            })
            .ok_or_else(|| ErrorDto::new(ErrorCode::TargetUnavailable, "the sandbox is stopped"))
    }

    /// The sandbox process's state; `None` while it is stopped.
    pub fn sandbox_health(&self) -> Option<SandboxHealth> {
        locked(&self.sandbox)
            .as_ref()
            .map(|running| health_view(&running.health().borrow()))
    }

    /// Tells the window whenever the sandbox process ends and is started again.
    pub fn report_sandbox_health(&self, app: &AppHandle) {
        if let Some(running) = locked(&self.sandbox).as_ref() {
            forward_health(app.clone(), running.health());
        }
    }

    /// The engine session on the target, connecting on first use.
    pub async fn session(&self, app: &AppHandle) -> Result<Arc<Session>, ErrorDto> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref() {
            return Ok(session.clone());
        }
        let session = Session::open(app, &self.target(), &self.data_dir).await?;
        *slot = Some(session.clone());
        Ok(session)
    }

    /// Connects to `target` and makes it current; on failure the current target stays.
    pub async fn switch(&self, app: &AppHandle, target: Target) -> Result<(), ErrorDto> {
        let mut slot = self.session.lock().await;
        let session = Session::open(app, &target, &self.data_dir).await?;
        *slot = Some(session);
        *locked(&self.target) = target;
        Ok(())
    }

    /// Stops the embedded sandbox, wipes its state, and starts a fresh one; the journal forgets
    /// what the old one held. The target follows if it was the sandbox.
    pub async fn reset_sandbox(&self, app: &AppHandle) -> Result<(), ErrorDto> {
        let mut slot = self.session.lock().await;
        let on_sandbox = matches!(self.target(), Target::Sandbox { .. });
        let old = locked(&self.sandbox).take();
        if let Some(old) = old {
            old.stop().await;
        }
        *slot = None;
        let dir = self.sandbox_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|error| ErrorDto::internal(&error))?;
        }
        let running = start_sandbox(dir)
            .await
            .map_err(|error| ErrorDto::internal(&error))?;
        let target = Target::Sandbox {
            endpoint: running.endpoint().to_owned(),
        };
        forward_health(app.clone(), running.health());
        *locked(&self.sandbox) = Some(running);
        let session = Session::open(app, &target, &self.data_dir).await?;
        session
            .journal
            .forget(&session.cloud.scope())
            .map_err(|error| ErrorDto::internal(&error))?;
        if on_sandbox {
            *locked(&self.target) = target;
            *slot = Some(session);
        }
        Ok(())
    }

    /// Stops the embedded sandbox, waiting for in-flight requests. Safe to call twice.
    pub fn stop_sandbox(&self) {
        let running = locked(&self.sandbox).take();
        if let Some(running) = running {
            tauri::async_runtime::block_on(running.stop());
            tracing::info!("sandbox stopped");
        }
    }
}

/// The origins of the app's own webview (Linux and macOS, then Windows): its pages may call the
/// sandbox's AWS APIs, which no other page may.
const WEBVIEW_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// The flag that makes the app's executable run as its own sandbox process.
pub(crate) const SANDBOX_CHILD_FLAG: &str = "--sandbox-child";

/// Starts the app's sandbox on `data_dir`: this executable again, with [`SANDBOX_CHILD_FLAG`], in
/// a process of its own that is started again if it ends — so nothing a request does to the
/// sandbox can close the window.
pub(crate) async fn start_sandbox(
    data_dir: std::path::PathBuf,
) -> Result<Supervised, lab_sandbox::supervisor::SuperviseError> {
    Supervisor::start(ChildCommand::this_executable(
        &[SANDBOX_CHILD_FLAG],
        data_dir,
    )?)
    .await
}

/// Runs this process as the app's sandbox: `--listen ADDR --data-dir DIR` after the flag.
pub(crate) fn run_sandbox_child(args: &[String]) -> std::process::ExitCode {
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
    };
    let (Some(listen), Some(data_dir)) = (value("--listen"), value("--data-dir")) else {
        eprintln!("error: {SANDBOX_CHILD_FLAG} needs --listen ADDR and --data-dir DIR");
        return std::process::ExitCode::FAILURE;
    };
    let Ok(listen) = listen.parse() else {
        eprintln!("error: --listen {listen:?} is not an address");
        return std::process::ExitCode::FAILURE;
    };
    let config = lab_sandbox::Config {
        listen,
        ..sandbox_config(data_dir.into())
    };
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
        .and_then(|runtime| {
            runtime
                .block_on(lab_sandbox::supervisor::serve_in_foreground(
                    config,
                    |text| {
                        use std::io::Write;
                        let mut stdout = std::io::stdout().lock();
                        let _ = stdout
                            .write_all(text.as_bytes())
                            .and_then(|()| stdout.flush());
                    },
                ))
                .map_err(|error| ErrorDto::internal(&error).message)
        });
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn health_view(health: &Health) -> SandboxHealth {
    match health {
        Health::Ready { pid, restarts } => SandboxHealth::Ready {
            pid: *pid,
            restarts: *restarts,
        },
        Health::Restarting { reason, restarts } => SandboxHealth::Restarting {
            reason: reason.clone(),
            restarts: *restarts,
        },
    }
}

fn forward_health(app: AppHandle, mut health: tokio::sync::watch::Receiver<Health>) {
    tauri::async_runtime::spawn(async move {
        while health.changed().await.is_ok() {
            let view = health_view(&health.borrow_and_update());
            let _ = app.emit("sandbox-health", view);
        }
    });
}

/// How the app runs its sandbox on `data_dir`.
pub(crate) fn sandbox_config(data_dir: std::path::PathBuf) -> lab_sandbox::Config {
    lab_sandbox::Config {
        data_dir: Some(data_dir),
        // The inspector shows what each request wrote to DynamoDB.
        record_item_changes: true,
        access: lab_sandbox::Access {
            allowed_origins: WEBVIEW_ORIGINS.iter().map(|&o| o.to_owned()).collect(),
            allowed_hosts: Vec::new(),
        },
        ..lab_sandbox::Config::default()
    }
}
