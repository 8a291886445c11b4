//! Commands about the app itself.

use lab_contract::{AppInfo, ErrorDto, TargetInfo};
use lab_engine::Target;

use crate::state::AppState;

/// The app's version, data directory and target.
#[tauri::command]
pub fn app_info(state: tauri::State<'_, AppState>) -> Result<AppInfo, ErrorDto> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.data_dir.path().display().to_string(),
        target: target_info(&state.target()),
        sandbox: state.sandbox_health(),
    })
}

pub(crate) fn target_info(target: &Target) -> TargetInfo {
    match target {
        Target::Sandbox { endpoint } => TargetInfo::Sandbox {
            endpoint: endpoint.clone(),
        },
        Target::Aws { region, profile } => TargetInfo::Aws {
            region: region.clone(),
            profile: profile.clone(),
        },
    }
}

/// Opens a lesson's web page in the student's own browser (the system's default, as `xdg-open`,
/// `open` or `start` choose it; `$BROWSER` first where it is set). Only `http` and `https` URLs
/// are opened.
#[tauri::command]
pub fn open_page(url: String) -> Result<(), ErrorDto> {
    use lab_contract::ErrorCode;
    let web = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !web {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            format!("only web pages (http:// or https://) are opened, not {url:?}"),
        ));
    }
    let mut command = browser_command(&url);
    let mut child = command.spawn().map_err(|error| {
        ErrorDto::new(
            ErrorCode::Internal,
            format!(
                "could not start a browser ({:?}: {error}); open {url} yourself",
                command.get_program()
            ),
        )
    })?;
    // Reap the launcher when it exits; the browser it started lives on.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The command that opens `url` in the default browser on this system.
fn browser_command(url: &str) -> std::process::Command {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let mut command = std::process::Command::new(browser);
        command.arg(url);
        return command;
    }
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(target_os = "windows") {
        let mut start = std::process::Command::new("cmd");
        start.args(["/C", "start", ""]);
        start
    } else {
        std::process::Command::new("xdg-open")
    };
    command.arg(url);
    command
}
