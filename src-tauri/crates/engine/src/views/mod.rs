//! The engine's values as the window sees them: `lab-contract` DTOs, made here once for the
//! app (which only translates commands and forwards these) — a lesson with its steps
//! ([`lesson`]), the events of a run ([`RunEvents`]), error codes ([`errors`]), inspector
//! records ([`inspect`]) and resources ([`resources`]).

pub mod errors;
pub mod inspect;
pub mod load;
pub mod resources;

use lab_contract::{
    ChoiceOption, ChoiceView, LessonEvent, LessonTarget, LessonView, QuestionView, StepView,
    TryItView, Variable,
};

use crate::check;
use crate::lesson::action::Action;
use crate::lesson::{Lesson, Vars};
use crate::run::{Event, RunError, Runner};

/// A lesson with its steps rendered for the session's target and the variables so far.
pub fn lesson(
    runner: &Runner<'_>,
    lesson: &Lesson,
    vars: &Vars,
    done: &[String],
    answers: &[(String, String)],
) -> LessonView {
    let cloud = runner.cloud;
    let steps = lesson
        .steps
        .iter()
        .map(|step| StepView {
            id: step.id.clone(),
            title: step.title.clone(),
            prose: step.prose.clone(),
            choice: step.choice.as_ref().map(|choice| ChoiceView {
                name: choice.name.clone(),
                prompt: choice.prompt.clone(),
                options: choice
                    .options
                    .iter()
                    .map(|value| ChoiceOption {
                        value: value.clone(),
                        // A lab function is described by its own sources.
                        label: lab_functions::Function::named(value).map_or_else(
                            |_| value.clone(),
                            |f| format!("{value} — {}", f.description()),
                        ),
                    })
                    .collect(),
                chosen: choice.chosen(vars).to_owned(),
            }),
            action: step.action.as_ref().map(|action| action.name().to_owned()),
            commands: step
                .action
                .as_ref()
                .map(|action| runner.cli_commands(lesson, action, vars))
                .unwrap_or_default(),
            outputs: step.outputs.iter().map(|(name, _)| name.clone()).collect(),
            checks: step
                .checks
                .iter()
                .map(|one| check::describe(one, vars))
                .collect(),
            try_it: step
                .try_it
                .iter()
                .map(|request| TryItView {
                    title: request.title.clone(),
                    kind: request.kind.as_str().to_owned(),
                    method: request.method.clone(),
                    url: request.url.as_deref().map(|url| vars.fill_known(url)),
                    body: request.body.as_deref().map(|body| vars.fill_known(body)),
                    function: request.function.as_deref().map(|f| vars.fill_known(f)),
                })
                .collect(),
            logs: step.logs.as_deref().map(|group| vars.fill_known(group)),
            page: step.page.as_deref().and_then(|page| vars.fill(page).ok()),
            questions: step
                .questions
                .iter()
                .map(|question| QuestionView {
                    id: question.id.clone(),
                    prompt: question.prompt.clone(),
                    answer: answers
                        .iter()
                        .find(|(id, _)| id == &question.id)
                        .map(|(_, answer)| answer.clone()),
                })
                .collect(),
            done: done.contains(&step.id),
        })
        .collect();
    let functions = lesson
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Some(Action::CreateFunction(function)) => Some(function.code.clone()),
            _ => None,
        })
        // A function deployed from a choice: each of its options, the chosen one first.
        .flat_map(|code| {
            let choice = lesson
                .steps
                .iter()
                .filter_map(|step| step.choice.as_ref())
                .find(|choice| code == format!("${{{}}}", choice.name));
            match choice {
                Some(choice) => {
                    let chosen = choice.chosen(vars).to_owned();
                    let mut codes = vec![chosen.clone()];
                    codes.extend(choice.options.iter().filter(|o| **o != chosen).cloned());
                    codes
                }
                None => vec![vars.fill_known(&code)],
            }
        })
        .collect();
    LessonView {
        id: lesson.id.clone(),
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        introduction: lesson.introduction.clone(),
        steps,
        variables: vars
            .iter()
            .map(|(name, value)| Variable {
                name: name.to_owned(),
                value: value.to_owned(),
            })
            .collect(),
        functions,
        site: lesson
            .site
            .iter()
            .filter(|file| crate::lesson::website::is_text(&file.path))
            .map(|file| lab_contract::SourceFileView {
                path: format!("site/{}", file.path),
                text: String::from_utf8_lossy(&file.bytes).into_owned(),
            })
            .collect(),
        target: LessonTarget {
            kind: cloud.kind.to_owned(),
            account: cloud.account.clone(),
            region: cloud.region.clone(),
        },
    }
}

/// Turns the events of one run of `lesson` into the window's `lesson-event`s, remembering the
/// step under way (the engine's events after `StepStarted` do not repeat it).
#[derive(Debug)]
pub struct RunEvents {
    lesson: String,
    current: String,
}

impl RunEvents {
    /// The events of a run of `lesson` that starts with `step`.
    pub fn new(lesson: &Lesson, step: &str) -> Self {
        Self {
            lesson: lesson.id.clone(),
            current: step.to_owned(),
        }
    }

    /// The window's event for `event`; none for what the window does not show.
    pub fn view(&mut self, event: Event) -> Option<LessonEvent> {
        let lesson = self.lesson.clone();
        Some(match event {
            Event::StepStarted { id, title, .. } => {
                self.current.clone_from(&id);
                LessonEvent::StepStarted { lesson, id, title }
            }
            // The load test's events go out as `load-event`s (`load::event`).
            Event::Commands { .. }
            | Event::StepSkipped { .. }
            | Event::LoadStarted { .. }
            | Event::LoadProgress { .. }
            | Event::LoadDone { .. } => return None,
            Event::ActionDone {
                summary,
                performed,
                adopted,
            } => LessonEvent::ActionDone {
                lesson,
                id: self.current.clone(),
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
                id: self.current.clone(),
                description: verdict.description,
                passed: verdict.passed,
                detail: verdict.detail,
            },
            Event::StepDone { id } => LessonEvent::StepDone { lesson, id },
        })
    }

    /// The event for the run's failure, in the step under way.
    pub fn failed(&self, error: &RunError) -> LessonEvent {
        LessonEvent::StepFailed {
            lesson: self.lesson.clone(),
            id: self.current.clone(),
            code: errors::run_code(error),
            message: error.detail(),
            hint: error.hint().map(str::to_owned),
        }
    }
}
