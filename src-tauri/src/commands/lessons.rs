//! Lessons: the navigator, a lesson's steps, running them, answers.

use lab_contract::{DiagramView, ErrorCode, ErrorDto, LessonSummary, LessonView};
use lab_engine::lesson::Lesson;
use lab_engine::views::{self, RunEvents, errors};
use tauri::{AppHandle, Emitter};

use crate::session::Session;
use crate::state::AppState;

/// Every lesson with its progress on the target.
#[tauri::command]
pub async fn lessons(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<LessonSummary>, ErrorDto> {
    let session = state.session(&app).await?;
    let scope = session.cloud.scope();
    session
        .library
        .lessons
        .iter()
        .map(|lesson| {
            let done = session
                .journal
                .steps_done(&scope, &lesson.id)
                .map_err(|error| ErrorDto::internal(&error))?;
            Ok(LessonSummary {
                id: lesson.id.clone(),
                title: lesson.title.clone(),
                summary: lesson.summary.clone(),
                steps: count(lesson.steps.len()),
                done: count(done.len()),
            })
        })
        .collect()
}

/// One lesson, rendered with the variables so far.
#[tauri::command]
pub async fn lesson(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    id: String,
) -> Result<LessonView, ErrorDto> {
    let session = state.session(&app).await?;
    let lesson = find(&session, &id)?;
    view(&session, lesson)
}

/// Runs one step, streaming `lesson-event`s; answers the lesson as it is afterwards. A failed
/// step is reported as a `step_failed` event and in the error.
#[tauri::command]
pub async fn run_step(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    step: String,
) -> Result<LessonView, ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    run(&app, &session, found, &step, Scope::One).await?;
    view(&session, found)
}

/// Runs the lesson up to and including `step`, as the engine does it: the steps before it that
/// are not done yet, then `step` itself.
#[tauri::command]
pub async fn run_until(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    step: String,
) -> Result<LessonView, ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    if !found.steps.iter().any(|candidate| candidate.id == step) {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            format!("no step \"{step}\""),
        ));
    }
    run(&app, &session, found, &step, Scope::UpTo).await?;
    view(&session, found)
}

/// Makes a step's choice (which code a function is deployed from, say); answers the lesson as
/// it is afterwards. The step applies it when it runs again.
#[tauri::command]
pub async fn choose(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    name: String,
    value: String,
) -> Result<LessonView, ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    session
        .runner()
        .choose(found, &name, &value)
        .map_err(|error| ErrorDto::new(errors::run_code(&error), error.to_string()))?;
    view(&session, found)
}

/// The lesson's architecture diagram as the run has it on the target; `failed` is the step the
/// window saw fail, if any.
#[tauri::command]
pub async fn diagram(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    failed: Option<String>,
) -> Result<DiagramView, ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    let runner = session.runner();
    let internal = |error: lab_engine::journal::JournalError| ErrorDto::internal(&error);
    let scope = runner.scope();
    let done = session
        .journal
        .steps_done(&scope, &lesson)
        .map_err(internal)?;
    let resources = session.journal.history(&scope, &lesson).map_err(internal)?;
    let vars = runner
        .variables(found)
        .map_err(|error| ErrorDto::new(errors::run_code(&error), error.to_string()))?;
    let progress = lab_engine::diagram::Progress {
        done: &done,
        failed: failed.as_deref(),
        resources: &resources,
    };
    Ok(lab_engine::diagram::build(found, &vars, &progress).view())
}

/// Saves the report (`lab report`'s Markdown: progress, time spent, each lesson's diagram as a
/// Mermaid flowchart with a table of what it built, the answers) under `<data dir>/exports/` and
/// answers its path.
#[tauri::command]
pub async fn export_report(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<String, ErrorDto> {
    let session = state.session(&app).await?;
    let page = lab_engine::report::markdown(&session.library, &session.journal)
        .map_err(|error| ErrorDto::internal(&error))?;
    super::traffic::save_export(&state, "report", "md", page.as_bytes())
}

/// Saves the answer to a lesson's question.
#[tauri::command]
pub async fn answer(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    question: String,
    text: String,
) -> Result<(), ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    let known = found
        .steps
        .iter()
        .flat_map(|step| &step.questions)
        .any(|candidate| candidate.id == question);
    if !known {
        return Err(ErrorDto::new(
            ErrorCode::InvalidInput,
            format!("the lesson {lesson} has no question \"{question}\""),
        ));
    }
    session
        .journal
        .set_answer(&lesson, &question, &text)
        .map_err(|error| ErrorDto::internal(&error))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn find<'a>(session: &'a Session, id: &str) -> Result<&'a Lesson, ErrorDto> {
    session.library.get(id).ok_or_else(|| {
        ErrorDto::new(
            ErrorCode::InvalidInput,
            format!("there is no lesson \"{id}\""),
        )
    })
}

fn view(session: &Session, lesson: &Lesson) -> Result<LessonView, ErrorDto> {
    let vars = session
        .runner()
        .variables(lesson)
        .map_err(|error| ErrorDto::internal(&error))?;
    let scope = session.cloud.scope();
    let done = session
        .journal
        .steps_done(&scope, &lesson.id)
        .map_err(|error| ErrorDto::internal(&error))?;
    let answers = session
        .journal
        .answers(&lesson.id)
        .map_err(|error| ErrorDto::internal(&error))?;
    Ok(views::lesson(
        &session.runner(),
        lesson,
        &vars,
        &done,
        &answers,
    ))
}

/// How much of a lesson a command runs.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// The step alone.
    One,
    /// The lesson up to and including the step.
    UpTo,
}

/// Runs `step` (or the lesson up to it), forwarding its events as `lesson-event`s; a failure is
/// a `step_failed` event and the command's error.
async fn run(
    app: &AppHandle,
    session: &Session,
    lesson: &Lesson,
    step: &str,
    scope: Scope,
) -> Result<(), ErrorDto> {
    let events = std::sync::Mutex::new(RunEvents::new(lesson, step));
    let forward = |event| {
        if let Some(load) = views::load::event(&event) {
            let _ = app.emit("load-event", load);
        }
        let view = events.lock().unwrap_or_else(|p| p.into_inner()).view(event);
        if let Some(view) = view {
            let _ = app.emit("lesson-event", view);
        }
    };
    let runner = session.runner();
    let outcome = match scope {
        Scope::One => runner.run_one(lesson, step, forward).await,
        Scope::UpTo => runner.run(lesson, Some(step), forward).await,
    };
    outcome.map(drop).map_err(|error| {
        let failed = events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failed(&error);
        let _ = app.emit("lesson-event", failed);
        ErrorDto::new(errors::run_code(&error), error.detail())
    })
}
