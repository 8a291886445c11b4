//! The desktop app: thin glue between the UI and the engine.
//!
//! It resolves the data directory, starts the sandbox as a supervised process of its own (this
//! executable with `--sandbox-child`) on a free loopback port, hands
//! the engine the sandbox's endpoint, and exposes the engine to the UI as Tauri commands. Commands
//! take and return `lab-contract` DTOs; errors cross as `{code, message}`. No logic lives here
//! that the CLI would also need.

mod commands;
mod session;
mod state;

use std::io::IsTerminal;
use std::process::ExitCode;

use tauri::Manager;

use crate::state::AppState;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("finding the data directory")]
    DataDir(#[from] lab_engine::Error),
    #[error("starting the sandbox")]
    Sandbox(#[from] lab_sandbox::supervisor::SuperviseError),
    #[error("starting the window")]
    Tauri(#[from] tauri::Error),
}

/// Starts the desktop app and returns when its last window closes.
pub fn run() -> ExitCode {
    init_tracing();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(state::SANDBOX_CHILD_FLAG) {
        return state::run_sandbox_child(&args[2..]);
    }
    match build_app() {
        Ok(app) => {
            app.run(|handle, event| {
                if let tauri::RunEvent::Exit = event {
                    handle.state::<AppState>().stop_sandbox();
                }
            });
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(error = %error_chain(&error), "Serverless Lab could not start");
            eprintln!("Serverless Lab could not start: {}", error_chain(&error));
            ExitCode::FAILURE
        }
    }
}

fn build_app() -> Result<tauri::App, StartError> {
    let data_dir = lab_engine::DataDir::resolve()?;
    let sandbox =
        tauri::async_runtime::block_on(state::start_sandbox(data_dir.path().join("sandbox")))?;
    tracing::info!(data_dir = %data_dir.path().display(), endpoint = %sandbox.endpoint(), "starting");
    let state = AppState::new(data_dir, sandbox);
    let app = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::open_page,
            commands::lessons::lessons,
            commands::lessons::lesson,
            commands::lessons::run_step,
            commands::lessons::run_until,
            commands::lessons::answer,
            commands::lessons::choose,
            commands::lessons::diagram,
            commands::lessons::export_report,
            commands::traffic::send_request,
            commands::identity::sign_in_user,
            commands::traffic::waterfall,
            commands::traffic::export_diagram,
            commands::traffic::export_har,
            commands::traffic::export_frames,
            commands::load::load_start,
            commands::load::load_stop,
            commands::load::load_runs,
            commands::load::load_export,
            commands::websocket::ws_connect,
            commands::websocket::ws_send,
            commands::websocket::invoke_function,
            commands::resources::resources,
            commands::resources::describe_resource,
            commands::resources::tear_down,
            commands::functions::function_sources,
            commands::data::tables,
            commands::data::scan_items,
            commands::settings::settings,
            commands::settings::set_target,
            commands::settings::save_academy_credentials,
            commands::settings::clear_academy_credentials,
            commands::settings::reset_sandbox,
        ])
        .build(tauri::generate_context!())?;
    app.state::<AppState>().report_sandbox_health(app.handle());
    Ok(app)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second initialisation (e.g. in tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    lab_contract::ErrorDto::internal(error).message
}
