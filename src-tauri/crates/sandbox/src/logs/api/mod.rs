//! One function per CloudWatch Logs operation. Requests are read into typed structures; each
//! function changes the region's groups and returns its answer and the mutations that make the
//! change durable. [`groups`] holds log groups, their retention and tags, [`streams`] log streams,
//! [`events`] putting and reading events.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::{Groups, LogEvent, LogGroup, error, invalid, stored_events};
use crate::store::{Mutation, Scope, Store};
use crate::wire::{AwsError, BodyError, parse_json_body};

mod events;
mod groups;
mod streams;

use self::events::{filter_log_events, get_log_events, put_log_events};
use self::groups::{
    create_log_group, delete_log_group, delete_retention_policy, describe_log_groups, list_tags,
    put_retention_policy, tag, untag,
};
use self::streams::{create_log_stream, delete_log_stream, describe_log_streams};

type Answer = Result<(Json, Vec<Mutation>), AwsError>;

const RETENTION_DAYS: [i64; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// How far back and ahead of now PutLogEvents accepts events.
const MAX_AGE_MILLIS: i64 = 14 * 24 * 3600 * 1000;
const MAX_AHEAD_MILLIS: i64 = 2 * 3600 * 1000;

pub fn dispatch(scope: &Scope, groups: &mut Groups, operation: &str, body: &[u8]) -> Answer {
    match operation {
        "CreateLogGroup" => create_log_group(scope, groups, parse(body)?),
        "DeleteLogGroup" => delete_log_group(scope, groups, parse(body)?),
        "DescribeLogGroups" => describe_log_groups(scope, groups, parse(body)?).map(read_only),
        "CreateLogStream" => create_log_stream(scope, groups, parse(body)?),
        "DeleteLogStream" => delete_log_stream(scope, groups, parse(body)?),
        "DescribeLogStreams" => describe_log_streams(scope, groups, parse(body)?).map(read_only),
        "PutLogEvents" => put_log_events(scope, groups, parse(body)?),
        "PutRetentionPolicy" => put_retention_policy(scope, groups, parse(body)?),
        "DeleteRetentionPolicy" => delete_retention_policy(scope, groups, parse(body)?),
        "TagResource" | "TagLogGroup" => tag(scope, groups, parse(body)?),
        "UntagResource" | "UntagLogGroup" => untag(scope, groups, parse(body)?),
        "ListTagsForResource" | "ListTagsLogGroup" => {
            list_tags(groups, parse(body)?).map(read_only)
        }
        other => Err(AwsError::unknown_operation(&format!(
            "{}{other}",
            super::TARGET_PREFIX
        ))),
    }
}

/// An operation that reads events from disk, with the groups held for reading only.
pub type Read = fn(&Scope, &Groups, &Store, &[u8]) -> Result<Json, AwsError>;

/// The operations that read events.
pub fn reader(operation: &str) -> Option<Read> {
    match operation {
        "GetLogEvents" => {
            Some(|scope, groups, store, body| get_log_events(scope, groups, store, parse(body)?))
        }
        "FilterLogEvents" => {
            Some(|scope, groups, store, body| filter_log_events(scope, groups, store, parse(body)?))
        }
        _ => None,
    }
}

fn read_only(answer: Json) -> (Json, Vec<Mutation>) {
    (answer, Vec::new())
}

/// Reads a request body into `T`, with AWS's errors for missing members and malformed JSON.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => invalid(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        )),
        BodyError::Malformed(text) => error("SerializationException", format!("Malformed request body: {text}")),
    })
}

fn group_missing() -> AwsError {
    error(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
}

fn stream_missing() -> AwsError {
    error(
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
}

fn group_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}",
        scope.region, scope.account
    )
}

fn check_group_name(name: &str) -> Result<(), AwsError> {
    let valid = !name.is_empty()
        && name.len() <= 512
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_/#".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )))
    }
}

fn check_limit(limit: Option<i64>, max: i64) -> Result<usize, AwsError> {
    match limit {
        None => Ok(max as usize),
        Some(limit) if (1..=max).contains(&limit) => Ok(limit as usize),
        Some(limit) => Err(invalid(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {}",
            if limit < 1 {
                "greater than or equal to 1".to_owned()
            } else {
                format!("less than or equal to {max}")
            }
        ))),
    }
}

fn put_group(scope: &Scope, name: &str, group: &LogGroup) -> Mutation {
    Mutation::PutLogGroup {
        scope: scope.clone(),
        name: name.to_owned(),
        definition: group.definition(),
    }
}

pub fn append_mutation(
    scope: &Scope,
    group: &str,
    stream: &str,
    first_seq: i64,
    events: &[LogEvent],
) -> Mutation {
    Mutation::AppendLogEvents {
        scope: scope.clone(),
        group: group.to_owned(),
        stream: stream.to_owned(),
        first_seq,
        events: stored_events(events),
    }
}
