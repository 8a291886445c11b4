//! What the app holds while it runs: its data directory, the target, the sandbox it started, and
//! the engine session on the target (made on first use, remade when the target changes).

use std::sync::{Arc, Mutex, MutexGuard};

use lab_contract::{ErrorCode, ErrorDto};
use lab_engine::{DataDir, Target};
use lab_sandbox::Running;
use tauri::AppHandle;

use crate::session::Session;

#[derive(Debug)]
pub struct AppState {
    pub data_dir: DataDir,
    target: Mutex<Target>,
    sandbox: Mutex<Option<Running>>,
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    pub fn new(data_dir: DataDir, sandbox: Running) -> Self {
        Self {
            data_dir,
            target: Mutex::new(Target::Sandbox {
                endpoint: sandbox.endpoint(),
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
                endpoint: running.endpoint(),
            })
            .ok_or_else(|| ErrorDto::new(ErrorCode::TargetUnavailable, "the sandbox is stopped"))
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
            old.shutdown().await;
        }
        *slot = None;
        let dir = self.sandbox_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|error| ErrorDto::internal(&error))?;
        }
        let config = sandbox_config(dir);
        let running = lab_sandbox::start(config)
            .await
            .map_err(|error| ErrorDto::internal(&error))?;
        let target = Target::Sandbox {
            endpoint: running.endpoint(),
        };
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
            tauri::async_runtime::block_on(running.shutdown());
            tracing::info!("sandbox stopped");
        }
    }
}

/// The origins of the app's own webview (Linux and macOS, then Windows): its pages may call the
/// sandbox's AWS APIs, which no other page may.
const WEBVIEW_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

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
