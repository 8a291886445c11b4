//! Requests the student sends from the composer or a step's "try it".

use lab_contract::{ErrorCode, ErrorDto, ExchangeView, TryItRequest};
use tauri::AppHandle;

use crate::state::AppState;
use crate::views;

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
    Ok(views::exchange(&exchange))
}
