//! Lessons: the navigator, a lesson's steps, running them, answers.

use lab_contract::{ErrorCode, ErrorDto, LessonEvent, LessonSummary, LessonView};
use lab_engine::lesson::Lesson;
use lab_engine::run::Event;
use tauri::{AppHandle, Emitter};

use crate::session::Session;
use crate::state::AppState;
use crate::views;

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
    run_one(&app, &session, found, &step).await?;
    view(&session, found)
}

/// Runs every step not done yet, up to and including `step`.
#[tauri::command]
pub async fn run_until(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    lesson: String,
    step: String,
) -> Result<LessonView, ErrorDto> {
    let session = state.session(&app).await?;
    let found = find(&session, &lesson)?;
    let last = found
        .steps
        .iter()
        .position(|candidate| candidate.id == step)
        .ok_or_else(|| ErrorDto::new(ErrorCode::InvalidInput, format!("no step \"{step}\"")))?;
    let done = session
        .journal
        .steps_done(&session.cloud.scope(), &found.id)
        .map_err(|error| ErrorDto::internal(&error))?;
    for candidate in &found.steps[..=last] {
        if !done.contains(&candidate.id) || candidate.id == step {
            run_one(&app, &session, found, &candidate.id).await?;
        }
    }
    view(&session, found)
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
    Ok(views::lesson(session, lesson, &vars, &done, &answers))
}

async fn run_one(
    app: &AppHandle,
    session: &Session,
    lesson: &Lesson,
    step: &str,
) -> Result<(), ErrorDto> {
    let emit = |event: LessonEvent| {
        let _ = app.emit("lesson-event", event);
    };
    let mut current = step.to_owned();
    let outcome = session
        .runner()
        .run_one(lesson, step, |event| {
            let lesson = lesson.id.clone();
            emit(match event {
                Event::StepStarted { id, title, .. } => {
                    current.clone_from(&id);
                    LessonEvent::StepStarted { lesson, id, title }
                }
                Event::Commands { .. } => return,
                Event::ActionDone {
                    summary,
                    performed,
                    adopted,
                } => LessonEvent::ActionDone {
                    lesson,
                    id: current.clone(),
                    summary,
                    performed,
                    adopted,
                },
                Event::Captured { name, value } => LessonEvent::Captured {
                    lesson,
                    name,
                    value,
                },
                Event::Checked { verdict } => LessonEvent::Checked {
                    lesson,
                    id: current.clone(),
                    description: verdict.description,
                    passed: verdict.passed,
                    detail: verdict.detail,
                },
                Event::StepDone { id } => LessonEvent::StepDone { lesson, id },
            });
        })
        .await;
    match outcome {
        Ok(_) => Ok(()),
        Err(error) => {
            let code = crate::errors::run_code(&error);
            let message = error.detail();
            emit(LessonEvent::StepFailed {
                lesson: lesson.id.clone(),
                id: step.to_owned(),
                code,
                message: message.clone(),
                hint: error.hint().map(str::to_owned),
            });
            Err(ErrorDto::new(code, message))
        }
    }
}
