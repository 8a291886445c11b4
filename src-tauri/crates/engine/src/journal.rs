//! The journal: what the engine created, where, for which lesson step — in SQLite in the data
//! directory, shared by the app and the CLI.
//!
//! A create is written as an *intent* before the call and completed with its outcome after, so a
//! crash between the two still leaves a row teardown can follow. Progress (steps done, the
//! variables they captured) lives here too, so a lesson resumes where it stopped.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// Where one target's rows belong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Scope {
    pub target: String,
    pub account: String,
    pub region: String,
}

/// A kind of resource, in teardown order (earlier kinds are removed first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An API Gateway usage plan (its API stages let go before it is deleted).
    UsagePlan,
    /// An API Gateway API key.
    ApiKey,
    /// A Cognito user pool, with its app clients and users (after the APIs whose authorizers
    /// name it).
    UserPool,
    /// An API Gateway API, with its routes, integrations, stages and deployments.
    Api,
    /// An API Gateway REST API (v1), with its resources, methods, deployments and stages.
    RestApi,
    /// A statement of a function's resource policy (`name` = `function/statement`).
    Permission,
    Function,
    LogGroup,
    /// An S3 bucket, emptied before it is deleted.
    Bucket,
    Table,
    /// An IAM execution role the engine created, with its inline policy.
    Role,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsagePlan => "usage-plan",
            Self::ApiKey => "api-key",
            Self::UserPool => "user-pool",
            Self::Api => "api",
            Self::RestApi => "rest-api",
            Self::Permission => "permission",
            Self::Function => "function",
            Self::LogGroup => "log-group",
            Self::Bucket => "bucket",
            Self::Table => "table",
            Self::Role => "role",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::UsagePlan,
            Self::ApiKey,
            Self::UserPool,
            Self::Api,
            Self::RestApi,
            Self::Permission,
            Self::Function,
            Self::LogGroup,
            Self::Bucket,
            Self::Table,
            Self::Role,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// A lesson's progress on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub scope: Scope,
    pub steps_done: usize,
    /// When the first and the last step were done (RFC 3339).
    pub first: String,
    pub last: String,
    /// Whole minutes from the first to the last.
    pub minutes: i64,
}

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// The create was about to be sent; its outcome is unknown.
    Intent,
    Created,
    /// It existed before the lesson (the student's own, not tagged by the lab) and the lesson
    /// uses it as it is: teardown keeps it unless asked by name to delete it.
    Adopted,
    Deleted,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intent => "intent",
            Self::Created => "created",
            Self::Adopted => "adopted",
            Self::Deleted => "deleted",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "created" => Self::Created,
            "adopted" => Self::Adopted,
            "deleted" => Self::Deleted,
            _ => Self::Intent,
        }
    }
}

/// One recorded resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resource {
    pub id: i64,
    pub kind: Kind,
    /// The name the lesson gave it (`CrudHttpAPI`, `LambdaCRUD`, …).
    pub label: String,
    /// What identifies it to AWS once known: table/function name, API id, log group name.
    pub physical_id: Option<String>,
    pub lesson: String,
    pub step: String,
    pub state: State,
    pub updated_at: String,
}

/// The journal could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the journal at {path}: {source}")]
pub struct JournalError {
    path: String,
    #[source]
    source: rusqlite::Error,
}

/// The journal database.
#[derive(Debug)]
pub struct Journal {
    connection: Mutex<Connection>,
    path: String,
    /// The data directory it lives in, beside what else the lab keeps there.
    dir: std::path::PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    kind TEXT NOT NULL, label TEXT NOT NULL, physical_id TEXT,
    lesson TEXT NOT NULL, step TEXT NOT NULL,
    state TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS progress (
    target TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    lesson TEXT NOT NULL, step TEXT NOT NULL, completed_at TEXT NOT NULL,
    PRIMARY KEY (target, account, region, lesson, step)
);
CREATE TABLE IF NOT EXISTS answers (
    lesson TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (lesson, question)
);
CREATE TABLE IF NOT EXISTS variables (
    target TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    lesson TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (target, account, region, lesson, name)
);
";

impl Journal {
    /// Opens (creating if needed) `journal.sqlite` in `dir`.
    pub fn open(dir: &Path) -> Result<Self, JournalError> {
        let path = dir.join("journal.sqlite");
        let display = path.display().to_string();
        let fail = |source| JournalError {
            path: display.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(fail)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")
            .map_err(fail)?;
        connection.execute_batch(SCHEMA).map_err(fail)?;
        Ok(Self {
            connection: Mutex::new(connection),
            path: display,
            dir: dir.to_owned(),
        })
    }

    /// The data directory the journal is kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&connection).map_err(|source| JournalError {
            path: self.path.clone(),
            source,
        })
    }

    /// Records that `label` is about to be created; returns the row to complete.
    pub fn intent(
        &self,
        scope: &Scope,
        kind: Kind,
        label: &str,
        physical_id: Option<&str>,
        lesson: &str,
        step: &str,
    ) -> Result<i64, JournalError> {
        self.with(|db| {
            db.execute(
                "INSERT INTO resources (target, account, region, kind, label, physical_id, lesson, \
                 step, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
                 'intent', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), \
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                params![
                    scope.target,
                    scope.account,
                    scope.region,
                    kind.as_str(),
                    label,
                    physical_id,
                    lesson,
                    step
                ],
            )?;
            Ok(db.last_insert_rowid())
        })
    }

    /// Completes a row: its state and, once known, its physical id.
    pub fn complete(
        &self,
        id: i64,
        state: State,
        physical_id: Option<&str>,
    ) -> Result<(), JournalError> {
        self.with(|db| {
            db.execute(
                "UPDATE resources SET state = ?2, physical_id = COALESCE(?3, physical_id), \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                params![id, state.as_str(), physical_id],
            )
            .map(drop)
        })
    }

    /// Every resource not yet deleted on `scope`, in teardown order (newest first within a kind).
    pub fn live(&self, scope: &Scope) -> Result<Vec<Resource>, JournalError> {
        let mut resources = self.rows(
            scope,
            "WHERE target = ?1 AND account = ?2 AND region = ?3 AND state != 'deleted' \
             ORDER BY id DESC",
            None,
        )?;
        resources.sort_by_key(|resource| resource.kind);
        Ok(resources)
    }

    /// The latest row of each resource `lesson` made on `scope`, deleted ones included: what the
    /// lesson's diagram shows.
    pub fn history(&self, scope: &Scope, lesson: &str) -> Result<Vec<Resource>, JournalError> {
        self.rows(
            scope,
            "WHERE id IN (SELECT MAX(id) FROM resources WHERE target = ?1 AND account = ?2 \
             AND region = ?3 AND lesson = ?4 GROUP BY kind, label) ORDER BY id",
            Some(lesson),
        )
    }

    /// The resources `clause` selects (its `?1`–`?3` the scope, `?4` the lesson if given).
    fn rows(
        &self,
        scope: &Scope,
        clause: &str,
        lesson: Option<&str>,
    ) -> Result<Vec<Resource>, JournalError> {
        let resources = self.with(|db| {
            let mut statement = db.prepare(&format!(
                "SELECT id, kind, label, physical_id, lesson, step, state, updated_at FROM resources \
                 {clause}"
            ))?;
            let scope_params = params![scope.target, scope.account, scope.region];
            let lesson_params = params![
                scope.target,
                scope.account,
                scope.region,
                lesson.unwrap_or_default()
            ];
            let rows = statement.query_map(
                if lesson.is_some() {
                    lesson_params
                } else {
                    scope_params
                },
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, String>(7)?,
                    ))
                },
            )?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?
        .into_iter()
        .filter_map(
            |(id, kind, label, physical_id, lesson, step, state, updated_at)| {
                Some(Resource {
                    id,
                    kind: Kind::parse(&kind)?,
                    label,
                    physical_id,
                    lesson,
                    step,
                    state: State::parse(&state),
                    updated_at,
                })
            },
        )
        .collect::<Vec<_>>();
        Ok(resources)
    }

    /// Marks a step of a lesson done.
    pub fn step_done(&self, scope: &Scope, lesson: &str, step: &str) -> Result<(), JournalError> {
        self.with(|db| {
            db.execute(
                "INSERT OR REPLACE INTO progress VALUES (?1, ?2, ?3, ?4, ?5, \
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                params![scope.target, scope.account, scope.region, lesson, step],
            )
            .map(drop)
        })
    }

    /// The steps of `lesson` done on `scope`.
    pub fn steps_done(&self, scope: &Scope, lesson: &str) -> Result<Vec<String>, JournalError> {
        self.with(|db| {
            let mut statement = db.prepare(
                "SELECT step FROM progress WHERE target = ?1 AND account = ?2 AND region = ?3 \
                 AND lesson = ?4 ORDER BY completed_at",
            )?;
            let rows = statement.query_map(
                params![scope.target, scope.account, scope.region, lesson],
                |row| row.get(0),
            )?;
            rows.collect()
        })
    }

    /// Saves a lesson variable.
    pub fn set_variable(
        &self,
        scope: &Scope,
        lesson: &str,
        name: &str,
        value: &str,
    ) -> Result<(), JournalError> {
        self.with(|db| {
            db.execute(
                "INSERT OR REPLACE INTO variables VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    scope.target,
                    scope.account,
                    scope.region,
                    lesson,
                    name,
                    value
                ],
            )
            .map(drop)
        })
    }

    /// The variables saved for `lesson`.
    pub fn variables(
        &self,
        scope: &Scope,
        lesson: &str,
    ) -> Result<Vec<(String, String)>, JournalError> {
        self.with(|db| {
            let mut statement = db.prepare(
                "SELECT name, value FROM variables WHERE target = ?1 AND account = ?2 AND \
                 region = ?3 AND lesson = ?4 ORDER BY name",
            )?;
            let rows = statement.query_map(
                params![scope.target, scope.account, scope.region, lesson],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            rows.collect()
        })
    }

    /// Saves the student's answer to a lesson's question (answers belong to the student, not to
    /// a target).
    pub fn set_answer(
        &self,
        lesson: &str,
        question: &str,
        answer: &str,
    ) -> Result<(), JournalError> {
        self.with(|db| {
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?1, ?2, ?3, \
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                params![lesson, question, answer],
            )
            .map(drop)
        })
    }

    /// The answers saved for `lesson`, by question id.
    pub fn answers(&self, lesson: &str) -> Result<Vec<(String, String)>, JournalError> {
        self.with(|db| {
            let mut statement =
                db.prepare("SELECT question, answer FROM answers WHERE lesson = ?1")?;
            let rows =
                statement.query_map(params![lesson], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })
    }

    /// For each target where `lesson` has progress: the target, how many steps are done, and
    /// when the first and the last were done.
    pub fn progress(&self, lesson: &str) -> Result<Vec<Progress>, JournalError> {
        self.with(|db| {
            let mut statement = db.prepare(
                "SELECT target, account, region, COUNT(*), MIN(completed_at), MAX(completed_at), \
                 CAST((julianday(MAX(completed_at)) - julianday(MIN(completed_at))) * 1440 AS INTEGER) \
                 FROM progress WHERE lesson = ?1 GROUP BY target, account, region ORDER BY 5",
            )?;
            let rows = statement.query_map(params![lesson], |row| {
                Ok(Progress {
                    scope: Scope {
                        target: row.get(0)?,
                        account: row.get(1)?,
                        region: row.get(2)?,
                    },
                    steps_done: row.get::<_, i64>(3)? as usize,
                    first: row.get(4)?,
                    last: row.get(5)?,
                    minutes: row.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Forgets progress and variables on `scope` (after a teardown: the lessons start over).
    pub fn reset_progress(&self, scope: &Scope) -> Result<(), JournalError> {
        self.with(|db| {
            for table in ["progress", "variables"] {
                db.execute(
                    &format!(
                        "DELETE FROM {table} WHERE target = ?1 AND account = ?2 AND region = ?3"
                    ),
                    params![scope.target, scope.account, scope.region],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets everything of `scope`: its resources are gone (the target was wiped), and its
    /// progress and variables start over. Answers are kept.
    pub fn forget(&self, scope: &Scope) -> Result<(), JournalError> {
        self.with(|db| {
            db.execute(
                "UPDATE resources SET state = 'deleted', updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                 WHERE target = ?1 AND account = ?2 AND region = ?3 AND state != 'deleted'",
                params![scope.target, scope.account, scope.region],
            )?;
            Ok(())
        })?;
        self.reset_progress(scope)
    }

    /// Whether `scope` has a live resource of `kind` called `physical_id` (for adoption).
    pub fn has_live(
        &self,
        scope: &Scope,
        kind: Kind,
        physical_id: &str,
    ) -> Result<bool, JournalError> {
        Ok(self.live_state(scope, kind, physical_id)?.is_some())
    }

    /// The state of `scope`'s live resource of `kind` called `physical_id`, if there is one.
    pub fn live_state(
        &self,
        scope: &Scope,
        kind: Kind,
        physical_id: &str,
    ) -> Result<Option<State>, JournalError> {
        self.with(|db| {
            db.query_row(
                "SELECT state FROM resources WHERE target = ?1 AND account = ?2 AND region = ?3 \
                 AND kind = ?4 AND physical_id = ?5 AND state != 'deleted' ORDER BY id DESC LIMIT 1",
                params![
                    scope.target,
                    scope.account,
                    scope.region,
                    kind.as_str(),
                    physical_id
                ],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map(|state| state.as_deref().map(State::parse))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            target: "sandbox".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn intents_survive_and_live_rows_come_in_teardown_order() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let table = journal
            .intent(&scope(), Kind::Table, "t", Some("t"), "l", "table")
            .unwrap();
        journal.complete(table, State::Created, None).unwrap();
        let api = journal
            .intent(&scope(), Kind::Api, "CrudHttpAPI", None, "l", "api")
            .unwrap();
        drop(journal);

        // Reopened as after a crash: the API's intent is still there, first in line.
        let journal = Journal::open(dir.path()).unwrap();
        let live = journal.live(&scope()).unwrap();
        assert_eq!(live.len(), 2);
        assert_eq!((live[0].kind, live[0].state), (Kind::Api, State::Intent));
        assert_eq!(live[0].physical_id, None);
        journal.complete(api, State::Created, Some("a1b2")).unwrap();
        assert_eq!(
            journal.live(&scope()).unwrap()[0].physical_id.as_deref(),
            Some("a1b2")
        );
        journal.complete(table, State::Deleted, None).unwrap();
        assert_eq!(journal.live(&scope()).unwrap().len(), 1);
        assert!(journal.has_live(&scope(), Kind::Api, "a1b2").unwrap());
    }

    #[test]
    fn a_lesson_s_history_is_the_latest_row_of_each_resource_deleted_ones_included() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let first = journal
            .intent(&scope(), Kind::Table, "t", Some("t"), "l", "table")
            .unwrap();
        journal.complete(first, State::Deleted, None).unwrap();
        let again = journal
            .intent(&scope(), Kind::Table, "t", Some("t"), "l", "table")
            .unwrap();
        journal.complete(again, State::Created, None).unwrap();
        let function = journal
            .intent(&scope(), Kind::Function, "f", Some("f"), "l", "function")
            .unwrap();
        journal.complete(function, State::Deleted, None).unwrap();
        journal
            .intent(
                &scope(),
                Kind::Table,
                "other",
                None,
                "another-lesson",
                "table",
            )
            .unwrap();
        let history = journal.history(&scope(), "l").unwrap();
        let seen: Vec<_> = history
            .iter()
            .map(|row| (row.label.as_str(), row.state))
            .collect();
        assert_eq!(seen, [("t", State::Created), ("f", State::Deleted)]);
    }

    #[test]
    fn progress_and_variables_are_kept_per_scope() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.step_done(&scope(), "l", "table").unwrap();
        journal.set_variable(&scope(), "l", "API_ID", "x").unwrap();
        let other = Scope {
            region: "eu-west-1".into(),
            ..scope()
        };
        assert_eq!(journal.steps_done(&scope(), "l").unwrap(), ["table"]);
        assert!(journal.steps_done(&other, "l").unwrap().is_empty());
        assert_eq!(
            journal.variables(&scope(), "l").unwrap(),
            [("API_ID".to_owned(), "x".to_owned())]
        );
        journal.reset_progress(&scope()).unwrap();
        assert!(journal.steps_done(&scope(), "l").unwrap().is_empty());
    }

    #[test]
    fn timestamps_are_utc_dates() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.step_done(&scope(), "l", "table").unwrap();
        let progress = journal.progress("l").unwrap();
        let stamp = &progress[0].first;
        assert!(
            stamp.len() == 20 && stamp.ends_with('Z') && &stamp[10..11] == "T",
            "{stamp}"
        );
        assert_eq!(progress[0].minutes, 0);
    }
}
