//! Settings: which cloud lessons run against, AWS Academy credentials, a fresh sandbox.

use lab_contract::{ErrorCode, ErrorDto, Settings, TargetChoice};
use lab_engine::Target;
use lab_engine::academy::{AcademyCredentials, Keychain};
use tauri::AppHandle;

use crate::commands::app::target_info;
use crate::state::AppState;

/// The current target and whether Learner Lab credentials are saved.
#[tauri::command]
pub async fn settings(state: tauri::State<'_, AppState>) -> Result<Settings, ErrorDto> {
    Ok(current(&state).await)
}

/// Switches the target; the new one must answer (its account is asked) before it is used.
#[tauri::command]
pub async fn set_target(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    choice: TargetChoice,
) -> Result<Settings, ErrorDto> {
    let target = match choice {
        TargetChoice::Sandbox => state.sandbox_target()?,
        TargetChoice::Aws { profile, region } => Target::Aws {
            profile: profile.filter(|p| !p.trim().is_empty()),
            region: region.filter(|r| !r.trim().is_empty()),
        },
    };
    state.switch(&app, target).await?;
    Ok(current(&state).await)
}

/// Keeps the "AWS Details" block pasted from the Learner Lab in the OS keychain.
#[tauri::command]
pub async fn save_academy_credentials(
    state: tauri::State<'_, AppState>,
    text: String,
) -> Result<Settings, ErrorDto> {
    let credentials = AcademyCredentials::parse(&text)
        .map_err(|error| ErrorDto::new(ErrorCode::InvalidInput, error.to_string()))?;
    keychain_blocking(move |keychain| keychain.save(&credentials)).await?;
    Ok(current(&state).await)
}

/// Forgets the saved Learner Lab credentials.
#[tauri::command]
pub async fn clear_academy_credentials(
    state: tauri::State<'_, AppState>,
) -> Result<Settings, ErrorDto> {
    keychain_blocking(|keychain| keychain.clear()).await?;
    Ok(current(&state).await)
}

/// Wipes the embedded sandbox and starts a fresh one.
#[tauri::command]
pub async fn reset_sandbox(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Settings, ErrorDto> {
    state.reset_sandbox(&app).await?;
    Ok(current(&state).await)
}

async fn current(state: &AppState) -> Settings {
    let saved = keychain_blocking(|keychain| keychain.load()).await;
    let (academy_key, keychain_problem) = match saved {
        Ok(credentials) => (credentials.map(|c| c.masked_key()), None),
        Err(error) => (None, Some(error.message)),
    };
    Settings {
        target: target_info(&state.target()),
        academy_key,
        keychain_problem,
    }
}

/// Runs `work` on the keychain off the async runtime (the Secret Service call blocks).
async fn keychain_blocking<T: Send + 'static>(
    work: impl FnOnce(&Keychain) -> Result<T, lab_engine::academy::CredentialsError> + Send + 'static,
) -> Result<T, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let keychain = Keychain::open()?;
        work(&keychain)
    })
    .await
    .map_err(|error| ErrorDto::new(ErrorCode::Internal, error.to_string()))?
    .map_err(|error| ErrorDto::new(ErrorCode::TargetUnavailable, error.to_string()))
}
