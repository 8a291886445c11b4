//! What the app holds while it runs: its data directory, the target, the sandbox it started, and
//! the engine session (made on first use).

use std::sync::{Arc, Mutex};

use lab_contract::ErrorDto;
use lab_engine::{DataDir, Target};
use lab_sandbox::Running;
use tauri::AppHandle;

use crate::session::Session;

#[derive(Debug)]
pub struct AppState {
    pub data_dir: DataDir,
    pub target: Target,
    sandbox: Mutex<Option<Running>>,
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
}

impl AppState {
    pub fn new(data_dir: DataDir, sandbox: Running) -> Self {
        Self {
            data_dir,
            target: Target::Sandbox {
                endpoint: sandbox.endpoint(),
            },
            sandbox: Mutex::new(Some(sandbox)),
            session: tokio::sync::Mutex::new(None),
        }
    }

    /// The engine session on the target, connecting on first use.
    pub async fn session(&self, app: &AppHandle) -> Result<Arc<Session>, ErrorDto> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref() {
            return Ok(session.clone());
        }
        let session = Session::open(app, &self.target, &self.data_dir).await?;
        *slot = Some(session.clone());
        Ok(session)
    }

    /// Stops the embedded sandbox, waiting for in-flight requests. Safe to call twice.
    pub fn stop_sandbox(&self) {
        let running = match self.sandbox.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(running) = running {
            tauri::async_runtime::block_on(running.shutdown());
            tracing::info!("sandbox stopped");
        }
    }
}
