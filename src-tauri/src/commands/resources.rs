//! The resources the lab made on the target, and tearing them all down.

use lab_contract::{ErrorCode, ErrorDto, ResourceDescription, ResourceView, TeardownView};
use lab_engine::describe::{self, DescribeError};
use lab_engine::teardown::{self, TeardownError};
use tauri::{AppHandle, Emitter};

use crate::state::AppState;
use lab_engine::views::resources;

/// What teardown would remove (the journal's resources and lab resources found by their tags),
/// then what it keeps (resources that existed before the lessons).
#[tauri::command]
pub async fn resources(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<ResourceView>, ErrorDto> {
    let session = state.session(&app).await?;
    let plan = teardown::plan(&session.cloud, &session.journal, &session.cloud.scope())
        .await
        .map_err(|error| teardown_error(&error))?;
    Ok(plan
        .removals
        .iter()
        .map(resources::planned)
        .chain(plan.kept.iter().map(resources::kept))
        .collect())
}

/// One resource as the target reports it (a diagram node's `kind` and `id` on the target).
#[tauri::command]
pub async fn describe_resource(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    kind: String,
    id: String,
) -> Result<ResourceDescription, ErrorDto> {
    let session = state.session(&app).await?;
    match describe::describe(&session.cloud, &kind, &id).await {
        Ok(described) => Ok(ResourceDescription {
            operation: described.operation,
            body: described.body,
        }),
        Err(error @ DescribeError::NotDescribable(_)) => {
            Err(ErrorDto::new(ErrorCode::InvalidInput, error.to_string()))
        }
        Err(error @ DescribeError::Failed { .. }) => {
            Err(ErrorDto::new(ErrorCode::AwsError, error.to_string()))
        }
        Err(error @ DescribeError::NotCaptured { .. }) => Err(ErrorDto::internal(&error)),
    }
}

/// Removes everything the lab created, and the kept resources named in `delete_adopted` (the
/// student confirmed each), sending each removal as a `teardown-progress` event.
#[tauri::command]
pub async fn tear_down(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    delete_adopted: Vec<String>,
) -> Result<TeardownView, ErrorDto> {
    let session = state.session(&app).await?;
    let scope = session.cloud.scope();
    let mut plan = teardown::plan(&session.cloud, &session.journal, &scope)
        .await
        .map_err(|error| teardown_error(&error))?;
    plan.delete_adopted(&delete_adopted)
        .map_err(|error| teardown_error(&error))?;
    let report = teardown::teardown(&session.cloud, &session.journal, &scope, plan, |removal| {
        let _ = app.emit("teardown-progress", resources::removal(removal));
    })
    .await
    .map_err(|error| teardown_error(&error))?;
    Ok(TeardownView {
        complete: report.complete(),
        removals: report.removals.iter().map(resources::removal).collect(),
        kept: report.kept.iter().map(resources::kept).collect(),
        leftovers: report.leftovers,
    })
}

fn teardown_error(error: &TeardownError) -> ErrorDto {
    match error {
        TeardownError::Sweep(_) => ErrorDto::new(ErrorCode::TargetUnavailable, error.to_string()),
        TeardownError::NotKept { .. } => ErrorDto::new(ErrorCode::InvalidInput, error.to_string()),
        TeardownError::Journal(_) => ErrorDto::internal(error),
    }
}
