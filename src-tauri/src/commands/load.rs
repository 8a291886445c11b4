//! The Load panel: start a load test (its seconds sent as `load-event`s, as a lesson's load
//! steps send theirs), stop it, the runs kept, and a run exported as JSON or as a self-contained
//! HTML report.

use std::time::Duration;

use lab_contract::{ErrorCode, ErrorDto, LoadEvent, LoadPlanDto, LoadRunView};
use lab_engine::load::{self, Plan, SavedRun, Threshold};
use lab_engine::views;
use tauri::{AppHandle, Emitter};

use crate::state::AppState;

/// The most runs the panel lists.
const LISTED: usize = 50;

fn invalid(message: impl Into<String>) -> ErrorDto {
    ErrorDto::new(ErrorCode::InvalidInput, message)
}

fn plan(dto: &LoadPlanDto) -> Result<Plan, ErrorDto> {
    if !dto.duration_s.is_finite() || dto.duration_s <= 0.0 {
        return Err(invalid("a run lasts from 1 second to an hour"));
    }
    let mut plan = Plan::new(
        &dto.method,
        dto.url.trim(),
        dto.vus as usize,
        Duration::from_secs_f64(dto.duration_s.min(load::MAX_DURATION.as_secs_f64() + 1.0)),
    );
    plan.body = dto.body.clone().filter(|body| !body.is_empty());
    for line in dto.headers.iter().filter(|line| !line.trim().is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("header {line:?} is not `Name: value`")))?;
        plan.headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    plan.profile = dto
        .profile
        .parse()
        .map_err(|error: load::profile::UnknownProfile| invalid(error.to_string()))?;
    plan.thresholds = dto
        .thresholds
        .iter()
        .filter(|text| !text.trim().is_empty())
        .map(|text| Threshold::parse(text).map_err(|error| invalid(error.to_string())))
        .collect::<Result<_, _>>()?;
    load::check(&plan).map_err(|error| invalid(error.to_string()))?;
    Ok(plan)
}

/// Runs `plan` to its end (or until `load_stop`), sending each second as a `load-event`;
/// answers the run as kept.
#[tauri::command]
pub async fn load_start(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    plan: LoadPlanDto,
) -> Result<LoadRunView, ErrorDto> {
    let dto = plan;
    let plan = self::plan(&dto)?;
    let api = dto.api.parse().map_err(invalid)?;
    let session = state.session(&app).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    {
        let mut running = session
            .load_stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if running.is_some() {
            return Err(ErrorDto::new(
                ErrorCode::Conflict,
                "a load test is running: stop it first",
            ));
        }
        *running = Some(stop_tx);
    }
    let data_dir = session.journal.dir().to_owned();
    let id = load::store::new_id();
    let previous = load::store::previous(&data_dir, &plan.method, &plan.url, id).map(|r| r.id);
    let name = dto.label.clone().filter(|label| !label.trim().is_empty());
    let _ = app.emit(
        "load-event",
        LoadEvent::Started {
            name: name.clone().unwrap_or_else(|| "this run".to_owned()),
            method: plan.method.to_ascii_uppercase(),
            url: plan.url.clone(),
            vus: dto.vus,
            duration_s: plan.duration.as_secs_f64(),
            profile: plan.profile.to_string(),
            previous: previous.map(|id| id as f64),
        },
    );
    let outcome = load::run(&plan, stop_rx, |snapshot| {
        let _ = app.emit(
            "load-event",
            LoadEvent::Progress {
                snapshot: views::load::snapshot(snapshot),
            },
        );
    })
    .await;
    *session
        .load_stop
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    let summary = outcome.map_err(|error| {
        let message = error.to_string();
        let _ = app.emit(
            "load-event",
            LoadEvent::Failed {
                message: message.clone(),
            },
        );
        invalid(message)
    })?;
    let mut run = SavedRun::new(id, &plan, name, summary);
    let function = dto.function.as_deref().filter(|f| !f.trim().is_empty());
    run.estimate =
        Some(load::lambda_usage::estimate(Some(&session.cloud), api, function, &run).await);
    if let Err(error) = load::store::save(&data_dir, &run) {
        tracing::warn!(%error, "the load run was not kept");
    }
    let view = views::load::run(&run);
    let _ = app.emit(
        "load-event",
        LoadEvent::Finished {
            run: Box::new(view.clone()),
            previous: previous.map(|id| id as f64),
        },
    );
    Ok(view)
}

/// Stops the run under way (its summary covers what it measured so far).
#[tauri::command]
pub async fn load_stop(app: AppHandle, state: tauri::State<'_, AppState>) -> Result<(), ErrorDto> {
    let session = state.session(&app).await?;
    if let Some(stop) = session
        .load_stop
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
    {
        let _ = stop.send(true);
    }
    Ok(())
}

/// The runs kept, newest first.
#[tauri::command]
pub async fn load_runs(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<LoadRunView>, ErrorDto> {
    let session = state.session(&app).await?;
    Ok(load::store::list(session.journal.dir())
        .iter()
        .rev()
        .take(LISTED)
        .map(views::load::run)
        .collect())
}

/// Writes run `id` (with the run it is compared with) under `<data dir>/exports/` as `html` or
/// `json`; answers the file's path.
#[tauri::command]
pub async fn load_export(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    id: f64,
    format: String,
) -> Result<String, ErrorDto> {
    let session = state.session(&app).await?;
    let dir = session.journal.dir();
    let run = load::store::get(dir, id as u64)
        .ok_or_else(|| invalid(format!("there is no kept run {id}")))?;
    let previous = load::store::previous(dir, &run.method, &run.url, run.id);
    let content = match format.as_str() {
        "html" => load::report::html(&run, previous.as_ref()),
        "json" => load::report::json(&run, previous.as_ref()),
        other => {
            return Err(invalid(format!(
                "{other:?} is not an export format (html, json)"
            )));
        }
    };
    super::traffic::save_export(&state, "load", &format, content.as_bytes())
}
