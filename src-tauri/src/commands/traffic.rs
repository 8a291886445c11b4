//! Requests the student sends from the composer or a step's "try it".

use lab_contract::{
    ErrorCode, ErrorDto, ExchangeView, TryItRequest, WaterfallRequest, WaterfallView,
};
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
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|header| !header.name.trim().is_empty())
        .map(|header| (header.name.trim().to_owned(), header.value.clone()))
        .collect();
    let exchange = session
        .recorder
        .send(
            &session.http,
            lab_engine::traffic::TryIt {
                title: &request.title,
                method: &request.method,
                url: &request.url,
                body,
                headers: &headers,
            },
        )
        .await;
    Ok(lab_engine::views::inspect::exchange(&exchange))
}

/// One request's timeline across the services, from the sandbox's feed records the session
/// keeps (on AWS there are none: the timeline says so).
#[tauri::command]
pub async fn waterfall(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: WaterfallRequest,
) -> Result<WaterfallView, ErrorDto> {
    let session = state.session(&app).await?;
    let records: Vec<_> = session
        .records
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .cloned()
        .collect();
    Ok(lab_engine::waterfall::build(&request, &records))
}

/// Saves the lesson's diagram, drawn by the window, under `<data dir>/exports/` and answers
/// its path: `svg` as its SVG text, `png` as base64.
#[tauri::command]
pub fn export_diagram(
    state: tauri::State<'_, AppState>,
    lesson: String,
    format: String,
    data: String,
) -> Result<String, ErrorDto> {
    let invalid = |what: &str| ErrorDto::new(ErrorCode::InvalidInput, what.to_owned());
    if !lesson
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(invalid("a lesson's id is letters, digits and dashes"));
    }
    let prefix = format!("diagram-{lesson}");
    match format.as_str() {
        "svg" if data.trim_start().starts_with("<svg") => {
            save_export(&state, &prefix, "svg", data.as_bytes())
        }
        "svg" => Err(invalid("the diagram is not SVG")),
        "png" => {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|error| invalid(&format!("the PNG is not base64: {error}")))?;
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(invalid("the image is not a PNG"));
            }
            save_export(&state, &prefix, "png", &bytes)
        }
        other => Err(invalid(&format!(
            "a diagram exports as svg or png, not {other}"
        ))),
    }
}

/// Saves a HAR file of the captured traffic under `<data dir>/exports/` and answers its path.
#[tauri::command]
pub fn export_har(state: tauri::State<'_, AppState>, har: String) -> Result<String, ErrorDto> {
    save_export(&state, "traffic", "har", har.as_bytes())
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
    save_export(&state, "websocket", "json", json.as_bytes())
}

/// Writes `<data dir>/exports/<prefix>-<millis>.<extension>`; answers its path.
pub(crate) fn save_export(
    state: &AppState,
    prefix: &str,
    extension: &str,
    content: &[u8],
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
