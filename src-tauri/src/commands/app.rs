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
