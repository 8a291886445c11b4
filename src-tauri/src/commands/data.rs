//! The data view: the target's DynamoDB tables and their items, a page at a time.

use lab_contract::{ErrorCode, ErrorDto, ItemPage};
use lab_engine::data;
use tauri::AppHandle;

use crate::state::AppState;

/// The tables of the target.
#[tauri::command]
pub async fn tables(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<String>, ErrorDto> {
    let session = state.session(&app).await?;
    data::tables(&session.cloud)
        .await
        .map_err(|error| lab_engine::views::errors::provision(&error))
}

/// A page of `table`'s items, from `start` (the `next` of the page before).
#[tauri::command]
pub async fn scan_items(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    table: String,
    limit: i32,
    start: Option<String>,
) -> Result<ItemPage, ErrorDto> {
    let start = start
        .map(|text| {
            serde_json::from_str(&text).map_err(|error| {
                ErrorDto::new(
                    ErrorCode::InvalidInput,
                    format!("the start key is not JSON: {error}"),
                )
            })
        })
        .transpose()?;
    let session = state.session(&app).await?;
    let page = data::scan(&session.cloud, &table, limit, start.as_ref())
        .await
        .map_err(|error| lab_engine::views::errors::data(&error))?;
    let pretty =
        |value: &serde_json::Value| serde_json::to_string_pretty(value).unwrap_or_default();
    Ok(ItemPage {
        table,
        key: page.key,
        items: page.items.iter().map(pretty).collect(),
        plain: page.plain.iter().map(pretty).collect(),
        next: page.next.as_ref().map(serde_json::Value::to_string),
    })
}
