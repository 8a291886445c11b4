//! Declares the app's commands so Tauri generates one `allow-<command>` permission per command.
//! Nothing is reachable from the UI unless `capabilities/` grants it.

/// Every `#[tauri::command]` the app registers.
const COMMANDS: &[&str] = &[
    "app_info",
    "open_page",
    "lessons",
    "lesson",
    "run_step",
    "run_until",
    "answer",
    "export_report",
    "choose",
    "diagram",
    "send_request",
    "sign_in_user",
    "waterfall",
    "export_diagram",
    "export_har",
    "export_frames",
    "resources",
    "describe_resource",
    "tear_down",
    "function_sources",
    "tables",
    "scan_items",
    "settings",
    "set_target",
    "save_academy_credentials",
    "clear_academy_credentials",
    "reset_sandbox",
    "load_start",
    "load_stop",
    "load_runs",
    "load_export",
    "ws_connect",
    "ws_send",
    "invoke_function",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build script failed: {error:#}");
    }
}
