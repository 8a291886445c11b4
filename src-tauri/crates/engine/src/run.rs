//! Runs a lesson's steps in order against a target: each step's action (journaled), its
//! captured variables, and its checks — reporting each moment as an [`Event`].

use lab_functions::Artifacts;

use crate::check::{self, Verdict};
use crate::cloud::Cloud;
use crate::journal::{Journal, Scope};
use crate::lesson::action::CliContext;
use crate::lesson::{Action, Lesson, LoadTest, Step, Vars};
use crate::load::{self, SavedRun};
use crate::provision::{self, Context, ProvisionError};

/// What happens while a lesson runs, in order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    StepStarted {
        number: usize,
        total: usize,
        id: String,
        title: String,
    },
    /// The AWS CLI commands that do what the step's action does, variables filled.
    Commands {
        commands: Vec<String>,
    },
    ActionDone {
        summary: String,
        /// AWS CLI commands for what the action did beyond its usual equivalent.
        performed: Vec<String>,
        /// What the action found already there, made before the lesson, and used as it is
        /// (`table ccbda-lambda-first`): teardown keeps it.
        #[serde(skip_serializing_if = "Option::is_none")]
        adopted: Option<String>,
    },
    Captured {
        name: String,
        value: String,
    },
    Checked {
        verdict: Verdict,
    },
    StepDone {
        id: String,
    },
    /// The step's load test started; `previous` is the run it will be compared with.
    LoadStarted {
        label: String,
        method: String,
        url: String,
        vus: usize,
        duration_s: f64,
        profile: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<u64>,
    },
    /// A second of the load test.
    LoadProgress {
        snapshot: crate::load::Snapshot,
    },
    /// The load test ended; the run as it is kept.
    LoadDone {
        run: Box<crate::load::SavedRun>,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<u64>,
    },
    /// A step before the one asked for was done already, and is not run again.
    StepSkipped {
        number: usize,
        total: usize,
        id: String,
        title: String,
    },
}

/// A step failed; the lesson stops there.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The message includes the action's error, which is therefore not also its `source`:
    /// printed as a chain, it would say the same thing twice.
    #[error("step \"{step}\": {error}")]
    Action { step: String, error: ProvisionError },
    #[error("step \"{step}\": the check \"{check}\" failed: {detail}")]
    Check {
        step: String,
        check: String,
        detail: String,
    },
    #[error("step \"{step}\": the load test cannot run: {reason}")]
    Load { step: String, reason: String },
    #[error("step \"{step}\": the action's response has no {field} for {name}")]
    MissingOutput {
        step: String,
        name: String,
        field: String,
    },
    #[error("there is no step \"{0}\" in this lesson")]
    UnknownStep(String),
    #[error("{0}")]
    Choice(String),
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

impl RunError {
    /// What failed, without the step it failed in.
    pub fn detail(&self) -> String {
        match self {
            Self::Action { error, .. } => error.to_string(),
            Self::Check { check, detail, .. } => format!("the check \"{check}\" failed: {detail}"),
            other => other.to_string(),
        }
    }

    /// What the student can do about it, the same in the window and in `lab`.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Action { error, .. } => error.hint(),
            Self::Check { .. } => Some(
                "Run the step again; if it keeps failing, tear the lesson down and start over.",
            ),
            Self::Load { .. } => Some("Run the steps before it, then run this step again."),
            Self::MissingOutput { .. }
            | Self::UnknownStep(_)
            | Self::Choice(_)
            | Self::Journal(_) => None,
        }
    }
}

/// Runs a lesson.
#[derive(Debug)]
pub struct Runner<'a> {
    pub cloud: &'a Cloud,
    pub journal: &'a Journal,
    pub artifacts: &'a Artifacts,
    /// How long a step's load test lasts, instead of what the lesson says (shorter runs in
    /// class and in tests).
    pub load_duration: Option<std::time::Duration>,
}

impl Runner<'_> {
    pub fn scope(&self) -> Scope {
        self.cloud.scope()
    }

    /// The lesson's variables so far: the target's, then those saved by earlier runs.
    pub fn variables(&self, lesson: &Lesson) -> Result<Vars, RunError> {
        let mut vars = Vars::default();
        vars.set("ACCOUNT_ID", self.cloud.account.clone());
        vars.set("REGION", self.cloud.region.clone());
        vars.set(
            "WEBSITE_DOMAIN",
            crate::lesson::website::website_domain(
                &self.cloud.region,
                self.cloud.endpoint_url.as_deref(),
            ),
        );
        for (name, value) in self.journal.variables(&self.scope(), &lesson.id)? {
            vars.set(name, value);
        }
        // A choice not made yet is its first option.
        for choice in lesson.steps.iter().filter_map(|step| step.choice.as_ref()) {
            let chosen = choice.chosen(&vars).to_owned();
            vars.set(&choice.name, chosen);
        }
        Ok(vars)
    }

    /// Makes the choice `name` of `lesson` (kept for the next runs); the step that uses it
    /// applies it when it runs again.
    pub fn choose(&self, lesson: &Lesson, name: &str, value: &str) -> Result<(), RunError> {
        let choice = lesson
            .steps
            .iter()
            .filter_map(|step| step.choice.as_ref())
            .find(|choice| choice.name == name)
            .ok_or_else(|| {
                RunError::Choice(format!("lesson {} has no choice {name}", lesson.id))
            })?;
        if !choice.options.iter().any(|option| option == value) {
            return Err(RunError::Choice(format!(
                "{name} is one of {}, not \"{value}\"",
                choice.options.join(", ")
            )));
        }
        self.journal
            .set_variable(&self.scope(), &lesson.id, name, value)?;
        Ok(())
    }

    /// Runs the lesson up to and including the step `until` (the last step when there is
    /// none): each step before it that is not done yet, in order, then that step itself — again,
    /// if it was done. The same for the window's "Run to here" and `lab run --until`.
    pub async fn run(
        &self,
        lesson: &Lesson,
        until: Option<&str>,
        mut on_event: impl FnMut(Event),
    ) -> Result<Vars, RunError> {
        let last = match until {
            Some(id) => lesson
                .steps
                .iter()
                .position(|step| step.id == id)
                .ok_or_else(|| RunError::UnknownStep(id.to_owned()))?,
            None => lesson.steps.len().saturating_sub(1),
        };
        let done = self.journal.steps_done(&self.scope(), &lesson.id)?;
        let mut vars = self.variables(lesson)?;
        for (index, step) in lesson.steps.iter().enumerate().take(last + 1) {
            if index < last && done.contains(&step.id) {
                on_event(Event::StepSkipped {
                    number: index + 1,
                    total: lesson.steps.len(),
                    id: step.id.clone(),
                    title: step.title.clone(),
                });
                continue;
            }
            self.run_announced(lesson, index, &mut vars, &mut on_event)
                .await?;
        }
        Ok(vars)
    }

    /// Runs one step with the variables earlier steps saved, and marks it done.
    pub async fn run_one(
        &self,
        lesson: &Lesson,
        step_id: &str,
        mut on_event: impl FnMut(Event),
    ) -> Result<Vars, RunError> {
        let index = lesson
            .steps
            .iter()
            .position(|step| step.id == step_id)
            .ok_or_else(|| RunError::UnknownStep(step_id.to_owned()))?;
        let mut vars = self.variables(lesson)?;
        self.run_announced(lesson, index, &mut vars, &mut on_event)
            .await?;
        Ok(vars)
    }

    /// Runs the step at `index` between its started and done events, and marks it done.
    async fn run_announced(
        &self,
        lesson: &Lesson,
        index: usize,
        vars: &mut Vars,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), RunError> {
        let step = &lesson.steps[index];
        on_event(Event::StepStarted {
            number: index + 1,
            total: lesson.steps.len(),
            id: step.id.clone(),
            title: step.title.clone(),
        });
        self.run_step(lesson, step, vars, on_event).await?;
        self.journal
            .step_done(&self.scope(), &lesson.id, &step.id)?;
        on_event(Event::StepDone {
            id: step.id.clone(),
        });
        Ok(())
    }

    /// The AWS CLI commands that do what `action` does on this target, variables filled where
    /// known.
    pub fn cli_commands(&self, lesson: &Lesson, action: &Action, vars: &Vars) -> Vec<String> {
        let zip_dir = self
            .artifacts
            .dirs()
            .last()
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        let context = CliContext {
            lesson: &lesson.id,
            target: self.cloud.kind,
            region: &self.cloud.region,
            endpoint_url: self.cloud.endpoint_url.as_deref(),
            vars,
            zip_dir: &zip_dir,
        };
        action
            .cli(&context)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    async fn run_step(
        &self,
        lesson: &Lesson,
        step: &Step,
        vars: &mut Vars,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), RunError> {
        let scope = self.scope();
        if let Some(action) = &step.action {
            on_event(Event::Commands {
                commands: self.cli_commands(lesson, action, vars),
            });
            let context = Context {
                cloud: self.cloud,
                journal: self.journal,
                scope: &scope,
                lesson: &lesson.id,
                step: &step.id,
                artifacts: self.artifacts,
                site: &lesson.site,
            };
            let done = provision::perform(&context, action, vars)
                .await
                .map_err(|error| RunError::Action {
                    step: step.id.clone(),
                    error,
                })?;
            on_event(Event::ActionDone {
                summary: done.summary.clone(),
                performed: done.commands.clone(),
                adopted: done.adopted.clone(),
            });
            for (name, field) in &step.outputs {
                let pointer = format!("/{}", field.replace('.', "/"));
                let value = done
                    .response
                    .pointer(&pointer)
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| RunError::MissingOutput {
                        step: step.id.clone(),
                        name: name.clone(),
                        field: field.clone(),
                    })?;
                self.capture(lesson, vars, name, value, on_event)?;
            }
        }
        for (name, template) in &step.vars {
            let value = vars.fill_known(template);
            self.capture(lesson, vars, name, &value, on_event)?;
        }
        if let Some(load) = &step.load {
            self.load_test(step, load, vars, on_event).await?;
        }
        for check in &step.checks {
            let verdict = check::verify(self.cloud, check, vars).await;
            report_verdict(step, verdict, on_event)?;
        }
        Ok(())
    }

    /// Runs the step's load test, keeps it beside the lesson's other runs, prices it, and
    /// checks its thresholds as the step's checks.
    async fn load_test(
        &self,
        step: &Step,
        load: &LoadTest,
        vars: &Vars,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), RunError> {
        let plan = load
            .plan(|text| vars.fill_known(text), self.load_duration)
            .map_err(|reason| RunError::Load {
                step: step.id.clone(),
                reason,
            })?;
        let id = load::store::new_id();
        let data_dir = self.journal.dir();
        let previous = load::store::previous(data_dir, &plan.method, &plan.url, id).map(|r| r.id);
        on_event(Event::LoadStarted {
            label: load.label.clone(),
            method: plan.method.to_ascii_uppercase(),
            url: plan.url.clone(),
            vus: plan.vus,
            duration_s: plan.duration.as_secs_f64(),
            profile: plan.profile.to_string(),
            previous,
        });
        // Nothing stops a lesson's run but its duration.
        let (_stop, never) = tokio::sync::watch::channel(false);
        let summary = load::run(&plan, never, |snapshot| {
            on_event(Event::LoadProgress {
                snapshot: snapshot.clone(),
            });
        })
        .await
        .map_err(|error| RunError::Load {
            step: step.id.clone(),
            reason: error.to_string(),
        })?;
        let mut run = SavedRun::new(id, &plan, Some(load.label.clone()), summary);
        let function = load.function.as_deref().map(|name| vars.fill_known(name));
        run.estimate = Some(
            load::lambda_usage::estimate(
                Some(self.cloud),
                load.api_kind(),
                function.as_deref(),
                &run,
            )
            .await,
        );
        if let Err(error) = load::store::save(data_dir, &run) {
            tracing::warn!(%error, "a lesson's load run was not kept");
        }
        let verdicts: Vec<Verdict> = plan
            .thresholds
            .iter()
            .map(|threshold| {
                let passed = threshold.passed(&run.summary);
                Verdict {
                    description: format!("load test: {threshold}"),
                    passed,
                    detail: Some(threshold.measured(&run.summary)),
                }
            })
            .collect();
        on_event(Event::LoadDone {
            run: Box::new(run),
            previous,
        });
        for verdict in verdicts {
            report_verdict(step, verdict, on_event)?;
        }
        Ok(())
    }

    fn capture(
        &self,
        lesson: &Lesson,
        vars: &mut Vars,
        name: &str,
        value: &str,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), RunError> {
        vars.set(name, value);
        self.journal
            .set_variable(&self.scope(), &lesson.id, name, value)?;
        on_event(Event::Captured {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        Ok(())
    }
}

/// Reports a check's verdict; a failed one stops the step.
fn report_verdict(
    step: &Step,
    verdict: Verdict,
    on_event: &mut impl FnMut(Event),
) -> Result<(), RunError> {
    on_event(Event::Checked {
        verdict: verdict.clone(),
    });
    if verdict.passed {
        return Ok(());
    }
    Err(RunError::Check {
        step: step.id.clone(),
        check: verdict.description,
        detail: verdict.detail.unwrap_or_default(),
    })
}
