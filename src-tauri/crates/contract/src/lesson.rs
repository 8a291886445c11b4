//! Lessons as the UI shows them, and what happens while one runs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A lesson in the navigator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LessonSummary {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: u32,
    /// Steps done on the current target.
    pub done: u32,
}

/// A lesson with its steps, rendered for the current target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LessonView {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Markdown: the prose before the first step.
    pub introduction: String,
    pub steps: Vec<StepView>,
    /// The lesson's variables so far (`ACCOUNT_ID`, `LAMBDA_ARN`, `API_ID`, …).
    pub variables: Vec<Variable>,
    /// The lab functions the lesson deploys (crates under `lambda/`), for the source viewer.
    pub functions: Vec<String>,
    /// The lesson's web page (its `site/` folder: paths under it, and the text as written,
    /// variables unfilled), for the source viewer; empty when the lesson has none.
    pub site: Vec<crate::SourceFileView>,
    /// Where the steps run: `sandbox` or `aws`, with the account and region.
    pub target: LessonTarget,
}

/// The account a lesson's steps create resources in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LessonTarget {
    /// `sandbox` or `aws`.
    pub kind: String,
    pub account: String,
    pub region: String,
}

/// One lesson variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepView {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub prose: String,
    /// A choice the student makes for the step (which code to deploy, say).
    pub choice: Option<ChoiceView>,
    /// The action's name (`dynamodb.create-table`); none for a step that only explains.
    pub action: Option<String>,
    /// The AWS CLI commands that do what the action does, variables filled where known.
    pub commands: Vec<String>,
    /// The variables the step captures.
    pub outputs: Vec<String>,
    /// What the step verifies, in words.
    pub checks: Vec<String>,
    pub try_it: Vec<TryItView>,
    /// The log group to show, if any.
    pub logs: Option<String>,
    /// A web page the step puts online, its URL filled in once known (`None` before).
    pub page: Option<String>,
    pub questions: Vec<QuestionView>,
    /// Done on the current target.
    pub done: bool,
}

/// A step's choice: the variable it sets, its options, and the one chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChoiceView {
    pub name: String,
    pub prompt: String,
    pub options: Vec<ChoiceOption>,
    pub chosen: String,
}

/// One option of a choice: its value and what it is, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// Something the student can try, variables filled where known: an HTTP request
/// (`kind` `http`: `method`, `url`, `body`), a WebSocket connection (`websocket`: `url`, and the
/// first message in `body`), or an invocation (`invoke`: `function` with the event in `body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TryItView {
    pub title: String,
    pub kind: String,
    pub method: Option<String>,
    pub url: Option<String>,
    pub body: Option<String>,
    pub function: Option<String>,
}

/// A question with the answer saved so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuestionView {
    pub id: String,
    pub prompt: String,
    pub answer: Option<String>,
}

/// What happens while a lesson runs, sent as the `lesson-event` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LessonEvent {
    StepStarted {
        lesson: String,
        id: String,
        title: String,
    },
    ActionDone {
        lesson: String,
        id: String,
        summary: String,
        /// AWS CLI commands for what the action did beyond its usual equivalent.
        performed: Vec<String>,
        /// What the action found already there, made before the lesson, and used as it is
        /// (`table ccbda-lambda-first`): teardown keeps it.
        adopted: Option<String>,
    },
    Captured {
        lesson: String,
        name: String,
        value: String,
    },
    Checked {
        lesson: String,
        id: String,
        description: String,
        passed: bool,
        detail: Option<String>,
    },
    StepDone {
        lesson: String,
        id: String,
    },
    StepFailed {
        lesson: String,
        id: String,
        /// What kind of failure: the window offers a remedy by it.
        code: crate::ErrorCode,
        /// What went wrong, in plain words.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
}
