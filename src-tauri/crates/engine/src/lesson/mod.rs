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
//! - [`load_test`]: a step's load test.

pub mod action;
pub mod cli;
pub mod identity;
pub mod library;
pub mod load_test;
pub mod parse;
pub mod vars;
pub mod website;

use std::fmt;
use std::path::PathBuf;

pub use action::Action;
pub use library::Library;
pub use load_test::LoadTest;
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
    /// The lesson's web page: the files under its `site/` folder, read with the lesson.
    pub site: Vec<SiteFile>,
}

/// One file of a lesson's web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Its path inside `site/`, with `/` between folders (`js/app.js`).
    pub path: String,
    pub bytes: Vec<u8>,
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
    /// A choice the student makes before the action, kept as a variable the action can use.
    pub choice: Option<Choice>,
    pub action: Option<Action>,
    /// `(VARIABLE, result field)`: what the action's result gives the lesson.
    pub outputs: Vec<(String, String)>,
    /// `(VARIABLE, template)`: variables composed from others once the step is done.
    pub vars: Vec<(String, String)>,
    pub checks: Vec<Check>,
    pub try_it: Vec<TryIt>,
    /// A load test run after the action, its thresholds checked with the checks.
    pub load: Option<LoadTest>,
    /// A CloudWatch Logs group to show (e.g. the function's).
    pub logs: Option<String>,
    /// A web page the step puts online, for the student to open in a browser (its URL).
    pub page: Option<String>,
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
    /// An HTTP request (with `body`, if given) answers with `status` (and a body containing
    /// `body_contains`).
    Http {
        method: String,
        url: String,
        #[serde(default)]
        body: Option<String>,
        status: u16,
        body_contains: Option<String>,
    },
    /// A WebSocket client connects to `url`, sends `send` (if given) and receives a frame
    /// containing `frame_contains` within ten seconds.
    Websocket {
        url: String,
        send: Option<String>,
        frame_contains: String,
    },
    /// Invoking `function` with `payload` succeeds with an answer containing `body_contains`.
    Invoke {
        function: String,
        payload: String,
        body_contains: Option<String>,
    },
}

/// Something the student can do from the step ("try it"): an HTTP request, a WebSocket
/// connection, or invoking a function.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryIt {
    pub title: String,
    #[serde(default)]
    pub kind: TryKind,
    /// HTTP: the method.
    #[serde(default)]
    pub method: Option<String>,
    /// HTTP and WebSocket: where to.
    #[serde(default)]
    pub url: Option<String>,
    /// HTTP: the request body; WebSocket: the first message; invoke: the event.
    pub body: Option<String>,
    /// Invoke: the function.
    #[serde(default)]
    pub function: Option<String>,
}

/// What kind of "try it" a [`TryIt`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TryKind {
    #[default]
    Http,
    Websocket,
    Invoke,
}

impl TryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Websocket => "websocket",
            Self::Invoke => "invoke",
        }
    }
}

/// A choice the student makes for a step (`[choice]`): a variable with a few allowed values,
/// the first one unless the student picks another — which code a function is deployed from,
/// say. It is defined from its step on.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub name: String,
    pub prompt: String,
    pub options: Vec<String>,
}

impl Choice {
    /// What is wrong with it, in words.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !vars::is_name(&self.name) {
            problems.push(format!(
                "choice variable \"{}\" must be UPPER_CASE",
                self.name
            ));
        }
        if self.options.is_empty() {
            problems.push(format!("choice {} has no options", self.name));
        }
        let mut seen = std::collections::HashSet::new();
        for option in &self.options {
            if !seen.insert(option) {
                problems.push(format!("choice {} lists \"{option}\" twice", self.name));
            }
        }
        problems
    }

    /// What the student chose, or the first option.
    pub fn chosen<'a>(&'a self, vars: &'a Vars) -> &'a str {
        vars.get(&self.name)
            .filter(|value| self.options.iter().any(|option| option == value))
            .or(self.options.first().map(String::as_str))
            .unwrap_or_default()
    }
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
                body,
                body_contains,
                ..
            } => {
                let mut texts = vec![method, url];
                texts.extend(body);
                texts.extend(body_contains);
                texts
            }
            Self::Websocket {
                url,
                send,
                frame_contains,
            } => {
                let mut texts = vec![url, frame_contains];
                texts.extend(send);
                texts
            }
            Self::Invoke {
                function,
                payload,
                body_contains,
            } => {
                let mut texts = vec![function, payload];
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
        [&self.method, &self.url, &self.body, &self.function]
            .into_iter()
            .filter_map(|text| text.as_deref())
            .collect()
    }

    /// What it does, in one line (variables as written): `GET ${URL}`, `WebSocket ${WS_URL}`,
    /// `invoke WsBroadcast`.
    pub fn summary(&self) -> String {
        let text = |field: &Option<String>| field.clone().unwrap_or_default();
        match self.kind {
            TryKind::Http => format!("{} {}", text(&self.method), text(&self.url)),
            TryKind::Websocket => format!("WebSocket {}", text(&self.url)),
            TryKind::Invoke => format!("invoke {}", text(&self.function)),
        }
    }

    /// What the kind requires and forbids, in words, when the fields do not fit it.
    pub(crate) fn shape_problem(&self) -> Option<String> {
        let has = |field: &Option<String>| field.is_some();
        // (field, present) pairs: what the kind needs, and what it has no use for.
        type Fields<'a> = &'a [(&'a str, bool)];
        let (needs, forbids): (Fields<'_>, Fields<'_>) = match self.kind {
            TryKind::Http => (
                &[("method", has(&self.method)), ("url", has(&self.url))],
                &[("function", has(&self.function))],
            ),
            TryKind::Websocket => (
                &[("url", has(&self.url))],
                &[
                    ("method", has(&self.method)),
                    ("function", has(&self.function)),
                ],
            ),
            TryKind::Invoke => (
                &[("function", has(&self.function))],
                &[("method", has(&self.method)), ("url", has(&self.url))],
            ),
        };
        let kind = self.kind.as_str();
        if let Some((field, _)) = needs.iter().find(|(_, present)| !present) {
            return Some(format!(
                "try-it \"{}\" ({kind}) needs `{field}`",
                self.title
            ));
        }
        forbids
            .iter()
            .find(|(_, present)| *present)
            .map(|(field, _)| format!("try-it \"{}\" ({kind}) takes no `{field}`", self.title))
    }
}
