//! Lessons: what a lesson file says, read and checked.
//!
//! A lesson is one Markdown file, `lessons/<id>/lesson.md`, that an instructor writes as prose.
//! A fenced ```` ```lesson ```` block (TOML) names it; each `## ` heading starts a step, whose
//! prose runs until the next heading and whose fenced ```` ```step ```` block (TOML) says what
//! it does: an action with its parameters, outputs captured as variables, checks, "try it"
//! requests, the logs to show, questions. See `lessons/README.md` for the format.
//!
//! - [`parse`]: the file → a [`Lesson`], with every problem reported at once by file and line.
//! - [`action`]: the provisioning actions and their AWS CLI equivalents.
//! - [`cli`]: AWS CLI commands rendered for a shell.
//! - [`vars`]: `${NAME}` references.
//! - [`library`]: the lessons directory.

pub mod action;
pub mod cli;
pub mod library;
pub mod parse;
pub mod vars;

use std::fmt;
use std::path::PathBuf;

pub use action::Action;
pub use library::Library;
pub use vars::Vars;

/// A lesson, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The prose before the first step.
    pub introduction: String,
    pub steps: Vec<Step>,
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// The step's line in its file.
    pub line: usize,
    /// Markdown.
    pub prose: String,
    pub action: Option<Action>,
    /// `(VARIABLE, result field)`: what the action's result gives the lesson.
    pub outputs: Vec<(String, String)>,
    /// `(VARIABLE, template)`: variables composed from others once the step is done.
    pub vars: Vec<(String, String)>,
    pub checks: Vec<Check>,
    pub try_it: Vec<TryIt>,
    /// A CloudWatch Logs group to show (e.g. the function's).
    pub logs: Option<String>,
    pub questions: Vec<Question>,
}

/// A verification of the real state after a step.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Check {
    /// The table exists and is `ACTIVE`.
    TableActive { table: String },
    /// The function exists and is `Active`.
    FunctionActive { function: String },
    /// The API has a route with this key.
    RoutePresent { api: String, route_key: String },
    /// An HTTP request answers with `status` (and a body containing `body_contains`).
    Http {
        method: String,
        url: String,
        status: u16,
        body_contains: Option<String>,
    },
}

/// A request the student can send from the step ("try it").
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryIt {
    pub title: String,
    pub method: String,
    pub url: String,
    pub body: Option<String>,
}

/// A question whose answer is saved for the report.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub prompt: String,
}

/// Something wrong in a lesson file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Every problem found in one or more lesson files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "{count} problem{} in the lessons:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl Check {
    pub(crate) fn texts(&self) -> Vec<&str> {
        match self {
            Self::TableActive { table } => vec![table],
            Self::FunctionActive { function } => vec![function],
            Self::RoutePresent { api, route_key } => vec![api, route_key],
            Self::Http {
                method,
                url,
                body_contains,
                ..
            } => {
                let mut texts = vec![method, url];
                texts.extend(body_contains);
                texts
            }
        }
        .into_iter()
        .map(String::as_str)
        .collect()
    }
}

impl TryIt {
    pub(crate) fn texts(&self) -> Vec<&str> {
        let mut texts = vec![self.method.as_str(), self.url.as_str()];
        texts.extend(self.body.as_deref());
        texts
    }
}
