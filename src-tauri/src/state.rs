//! What the app holds while it runs: its data directory, the target, and the sandbox it started.

use std::sync::Mutex;

use lab_engine::{DataDir, Target};
use lab_sandbox::Running;

#[derive(Debug)]
pub struct AppState {
    pub data_dir: DataDir,
    pub target: Target,
    sandbox: Mutex<Option<Running>>,
}

impl AppState {
    pub fn new(data_dir: DataDir, sandbox: Running) -> Self {
        Self {
            data_dir,
            target: Target::Sandbox {
                endpoint: sandbox.endpoint(),
            },
            sandbox: Mutex::new(Some(sandbox)),
        }
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
