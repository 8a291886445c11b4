//! The WebSocket inspector's connections, and invoking a function from a step's "try it".

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use lab_contract::{
    ErrorCode, ErrorDto, InvokeRequest, InvokeResultView, WsConnectRequest, WsConnectionView,
    WsSendRequest,
};
use lab_engine::websocket::{self, ClientError, Outgoing};
use tauri::AppHandle;

use crate::state::AppState;

/// Connects to a WebSocket API; its frames arrive as `ws-frame` events.
#[tauri::command]
pub async fn ws_connect(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: WsConnectRequest,
) -> Result<WsConnectionView, ErrorDto> {
    let session = state.session(&app).await?;
    let headers: Vec<(String, String)> = request
        .headers
        .into_iter()
        .filter(|header| !header.name.trim().is_empty())
        .map(|header| (header.name, header.value))
        .collect();
    let client = websocket::connect(request.url.trim(), &headers, session.frames.clone())
        .await
        .map_err(|error| {
            let code = match error {
                ClientError::BadUrl { .. } | ClientError::BadHeader { .. } => {
                    ErrorCode::InvalidInput
                }
                _ => ErrorCode::TargetUnavailable,
            };
            ErrorDto::new(code, error.to_string())
        })?;
    let view = WsConnectionView {
        client: u32::try_from(client.id).unwrap_or(u32::MAX),
        url: client.url.clone(),
        tag: client.tag.clone(),
    };
    let mut open = session
        .websockets
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    open.retain(|_, client| client.is_open());
    open.insert(client.id, client);
    Ok(view)
}

/// Sends a frame on an open connection.
#[tauri::command]
pub async fn ws_send(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: WsSendRequest,
) -> Result<(), ErrorDto> {
    let session = state.session(&app).await?;
    let client = session
        .websockets
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&u64::from(request.client))
        .cloned()
        .ok_or_else(|| ErrorDto::new(ErrorCode::InvalidInput, "that connection is closed"))?;
    let decode = |text: Option<String>| {
        BASE64
            .decode(text.unwrap_or_default().trim())
            .map_err(|error| {
                ErrorDto::new(
                    ErrorCode::InvalidInput,
                    format!("the binary payload is not base64: {error}"),
                )
            })
    };
    let outgoing = match request.opcode.as_str() {
        "text" => Outgoing::Text(request.text.unwrap_or_default()),
        "binary" => Outgoing::Binary(decode(request.base64)?),
        "ping" => Outgoing::Ping(Vec::new()),
        "close" => Outgoing::Close {
            code: request.close_code.unwrap_or(1000),
            reason: request.close_reason.unwrap_or_default(),
        },
        other => {
            return Err(ErrorDto::new(
                ErrorCode::InvalidInput,
                format!("unknown frame kind \"{other}\": text, binary, ping or close"),
            ));
        }
    };
    client
        .send(outgoing)
        .await
        .map_err(|error| ErrorDto::new(ErrorCode::InvalidInput, error.to_string()))
}

/// Invokes a function with an event (the broadcast of lesson `websocket-api`).
#[tauri::command]
pub async fn invoke_function(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    request: InvokeRequest,
) -> Result<InvokeResultView, ErrorDto> {
    if serde_json::from_str::<serde_json::Value>(&request.payload).is_err() {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            "the event is not JSON",
        ));
    }
    let session = state.session(&app).await?;
    let started = std::time::Instant::now();
    let invocation = session
        .cloud
        .invoke(&request.function, &request.payload)
        .await
        .map_err(|error| lab_engine::views::errors::provision(&error))?;
    Ok(InvokeResultView {
        function: request.function,
        function_error: invocation.function_error,
        payload: invocation.payload,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}
