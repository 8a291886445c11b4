//! CloudWatch Logs (awsJson 1.1, `Logs_20140328.*`): log groups, streams and events per account
//! and region. Groups and streams (with a summary of their events) are held in memory and made
//! durable through the [`Store`]; the events themselves are only on disk, read back through the
//! store's reading connections, so memory does not grow with what functions log. Lambda
//! functions' output is written here through [`Logs::append`], as AWS writes it.

mod api;
mod filter;

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use serde_json::Value as Json;

use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredLogEvent, StoredLogGroup};
use crate::wire::AwsError;

/// The awsJson target prefix of CloudWatch Logs operations.
pub const TARGET_PREFIX: &str = "Logs_20140328.";

const NAMESPACE: &str = "com.amazonaws.logs";

pub(crate) fn error(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, code, StatusCode::BAD_REQUEST, message)
}

pub(crate) fn invalid(message: impl Into<String>) -> AwsError {
    error("InvalidParameterException", message)
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// When it happened, epoch milliseconds.
    pub timestamp: i64,
    /// When it was received, epoch milliseconds.
    pub ingestion: i64,
    pub message: String,
}

/// A stream and a summary of its events (which are on disk).
#[derive(Debug, Clone, Default)]
pub(crate) struct LogStream {
    pub created: i64,
    /// How many events it holds; the next event's sequence number.
    pub count: i64,
    /// The first and last event's timestamps, and the last one's ingestion time.
    pub first_timestamp: Option<i64>,
    pub last: Option<(i64, i64)>,
    /// The size of its messages.
    pub bytes: i64,
}

impl LogStream {
    /// Counts `events`, about to be appended, into the summary; returns the first one's
    /// sequence number.
    pub fn extend(&mut self, events: &[LogEvent]) -> i64 {
        let first_seq = self.count;
        if let (None, Some(first)) = (self.first_timestamp, events.first()) {
            self.first_timestamp = Some(first.timestamp);
        }
        if let Some(last) = events.last() {
            self.last = Some((last.timestamp, last.ingestion));
        }
        self.count += events.len() as i64;
        self.bytes += events
            .iter()
            .map(|event| event.message.len() as i64)
            .sum::<i64>();
        first_seq
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LogGroup {
    pub created: i64,
    pub retention_days: Option<i64>,
    pub tags: BTreeMap<String, String>,
    pub streams: BTreeMap<String, LogStream>,
}

impl LogGroup {
    fn definition(&self) -> String {
        serde_json::json!({
            "creationTime": self.created,
            "retentionInDays": self.retention_days,
            "tags": self.tags,
        })
        .to_string()
    }
}

pub(crate) type Groups = BTreeMap<String, LogGroup>;

/// The CloudWatch Logs service of a sandbox.
#[derive(Debug)]
pub struct Logs {
    regions: Regional<Groups>,
    store: Store,
}

/// A stored log group that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("loading log group {group}: {message}")]
pub struct LoadError {
    group: String,
    message: String,
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

impl Logs {
    pub fn load(store: Store, stored: Vec<StoredLogGroup>) -> Result<Self, LoadError> {
        let mut regions: HashMap<Scope, Groups> = HashMap::new();
        for group in stored {
            let definition: Json =
                serde_json::from_str(&group.definition).map_err(|error| LoadError {
                    group: group.name.clone(),
                    message: error.to_string(),
                })?;
            let tags = definition["tags"]
                .as_object()
                .map(|tags| {
                    tags.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            let streams = group
                .streams
                .into_iter()
                .map(|stream| {
                    let summary = LogStream {
                        created: stream.created,
                        count: stream.count,
                        first_timestamp: stream.first_timestamp,
                        last: stream.last,
                        bytes: stream.bytes,
                    };
                    (stream.name, summary)
                })
                .collect();
            regions.entry(group.scope).or_default().insert(
                group.name,
                LogGroup {
                    created: definition["creationTime"].as_i64().unwrap_or_default(),
                    retention_days: definition["retentionInDays"].as_i64(),
                    tags,
                    streams,
                },
            );
        }
        Ok(Self {
            regions: Regional::new(regions),
            store,
        })
    }

    /// Runs one operation; `operation` is the part of `X-Amz-Target` after the prefix.
    pub async fn handle(
        &self,
        scope: &Scope,
        operation: &str,
        body: &[u8],
    ) -> Result<Json, AwsError> {
        let region = self.regions.get(scope);
        if let Some(read) = api::reader(operation) {
            let groups = region
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            return read(scope, &groups, &self.store, body);
        }
        let (output, mutations) = {
            let mut groups = region
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let result = api::dispatch(scope, &mut groups, operation, body)?;
            let commit = (!result.1.is_empty()).then(|| self.store.submit(result.1));
            (result.0, commit)
        };
        if let Some(commit) = mutations {
            commit.durable().await.map_err(|error| {
                AwsError::new(
                    NAMESPACE,
                    "ServiceUnavailableException",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("The change could not be saved: {error}"),
                )
            })?;
        }
        Ok(output)
    }

    /// Appends `messages` to `group`/`stream`, creating either as needed — how Lambda's platform
    /// delivers a function's output. Returns once the events are durable.
    pub async fn append(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        messages: Vec<(i64, String)>,
    ) {
        let region = self.regions.get(scope);
        let commit = {
            let mut groups = region
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut mutations = Vec::new();
            let now = now_millis();
            let log_group = groups.entry(group.to_owned()).or_insert_with(|| {
                let created = LogGroup {
                    created: now,
                    ..LogGroup::default()
                };
                mutations.push(Mutation::PutLogGroup {
                    scope: scope.clone(),
                    name: group.to_owned(),
                    definition: created.definition(),
                });
                created
            });
            let log_stream = log_group
                .streams
                .entry(stream.to_owned())
                .or_insert_with(|| {
                    mutations.push(Mutation::PutLogStream {
                        scope: scope.clone(),
                        group: group.to_owned(),
                        name: stream.to_owned(),
                        created: now,
                    });
                    LogStream {
                        created: now,
                        ..LogStream::default()
                    }
                });
            let events: Vec<LogEvent> = messages
                .into_iter()
                .map(|(timestamp, message)| LogEvent {
                    timestamp,
                    ingestion: now,
                    message,
                })
                .collect();
            let first_seq = log_stream.extend(&events);
            mutations.push(api::append_mutation(
                scope, group, stream, first_seq, &events,
            ));
            self.store.submit(mutations)
        };
        if let Err(error) = commit.durable().await {
            tracing::error!(%error, group, stream, "saving log events failed");
        }
    }
}

pub(crate) fn stored_events(events: &[LogEvent]) -> Vec<StoredLogEvent> {
    events
        .iter()
        .map(|event| StoredLogEvent {
            timestamp: event.timestamp,
            ingestion: event.ingestion,
            message: event.message.clone(),
        })
        .collect()
}

impl Logs {
    /// Every log group of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let groups = region
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        groups
            .iter()
            .map(|(name, group)| {
                let arn = format!(
                    "arn:aws:logs:{}:{}:log-group:{name}",
                    scope.region, scope.account
                );
                (arn, group.tags.clone())
            })
            .collect()
    }
}
