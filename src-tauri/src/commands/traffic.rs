//! Requests the student sends from the composer or a step's "try it".

use lab_contract::{ErrorCode, ErrorDto, ExchangeView, TryItRequest};
use tauri::AppHandle;

use crate::state::AppState;

/// Sends `request` and answers the recorded exchange (also sent as a `traffic` event).
#[tauri::command]
pub async fn send_request(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: TryItRequest,
) -> Result<ExchangeView, ErrorDto> {
    if !(request.url.starts_with("http://") || request.url.starts_with("https://")) {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            format!(
                "\"{}\" is not an http:// or https:// URL; run the lesson's deploy step to get \
                 the API's URL",
                request.url
            ),
        ));
    }
    let session = state.session(&app).await?;
    let body = request
        .body
        .as_deref()
        .filter(|body| !body.trim().is_empty());
    let exchange = session
        .recorder
        .send(
            &session.http,
            &request.title,
            &request.method,
            &request.url,
            body,
        )
        .await;
    Ok(lab_engine::views::inspect::exchange(&exchange))
}

/// Saves a HAR file of the captured traffic under `<data dir>/exports/` and answers its path.
#[tauri::command]
pub fn export_har(state: tauri::State<'_, AppState>, har: String) -> Result<String, ErrorDto> {
    save_export(&state, "traffic", "har", &har)
}

/// Saves the WebSocket inspector's frames (JSON) under `<data dir>/exports/` and answers its path.
#[tauri::command]
pub fn export_frames(state: tauri::State<'_, AppState>, json: String) -> Result<String, ErrorDto> {
    if serde_json::from_str::<serde_json::Value>(&json).is_err() {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            "the frames are not JSON",
        ));
    }
    save_export(&state, "websocket", "json", &json)
}

/// Writes `<data dir>/exports/<prefix>-<millis>.<extension>`; answers its path.
pub(crate) fn save_export(
    state: &AppState,
    prefix: &str,
    extension: &str,
    content: &str,
) -> Result<String, ErrorDto> {
    let dir = state.data_dir.path().join("exports");
    std::fs::create_dir_all(&dir).map_err(|error| ErrorDto::internal(&error))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis());
    let path = dir.join(format!("{prefix}-{stamp}.{extension}"));
    std::fs::write(&path, content).map_err(|error| ErrorDto::internal(&error))?;
    Ok(path.display().to_string())
}
