//! One function per CloudWatch Logs operation. Requests are read into typed structures; each
//! function changes the region's groups and returns its answer and the mutations that make the
//! change durable.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json, json};

use super::filter::FilterPattern;
use super::{Groups, LogEvent, LogGroup, LogStream, error, invalid, now_millis, stored_events};
use crate::store::{Mutation, Scope, Store};
use crate::wire::{AwsError, BodyError, parse_json_body};

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupRequest {
    log_group_name: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

fn create_log_group(scope: &Scope, groups: &mut Groups, request: GroupRequest) -> Answer {
    check_group_name(&request.log_group_name)?;
    if groups.contains_key(&request.log_group_name) {
        return Err(error(
            "ResourceAlreadyExistsException",
            "The specified log group already exists",
        ));
    }
    let group = LogGroup {
        created: now_millis(),
        tags: request.tags,
        ..LogGroup::default()
    };
    let mutation = put_group(scope, &request.log_group_name, &group);
    groups.insert(request.log_group_name, group);
    Ok((json!({}), vec![mutation]))
}

fn delete_log_group(scope: &Scope, groups: &mut Groups, request: GroupRequest) -> Answer {
    groups
        .remove(&request.log_group_name)
        .ok_or_else(group_missing)?;
    Ok((
        json!({}),
        vec![Mutation::DeleteLogGroup {
            scope: scope.clone(),
            name: request.log_group_name,
        }],
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeGroupsRequest {
    log_group_name_prefix: Option<String>,
    limit: Option<i64>,
    next_token: Option<String>,
}

fn stored_bytes(group: &LogGroup) -> i64 {
    group.streams.values().map(|stream| stream.bytes).sum()
}

fn describe_log_groups(
    scope: &Scope,
    groups: &Groups,
    request: DescribeGroupsRequest,
) -> Result<Json, AwsError> {
    let limit = check_limit(request.limit, 50)?;
    let prefix = request.log_group_name_prefix.unwrap_or_default();
    let mut matching = groups
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .filter(|(name, _)| {
            request
                .next_token
                .as_ref()
                .is_none_or(|after| *name > after)
        });
    let page: Vec<(&String, &LogGroup)> = matching.by_ref().take(limit).collect();
    let mut answer = Map::new();
    answer.insert(
        "logGroups".into(),
        page.iter()
            .map(|(name, group)| {
                let mut described = json!({
                    "logGroupName": name,
                    "creationTime": group.created,
                    "metricFilterCount": 0,
                    "arn": format!("{}:*", group_arn(scope, name)),
                    "logGroupArn": group_arn(scope, name),
                    "storedBytes": stored_bytes(group),
                    "logGroupClass": "STANDARD",
                });
                if let Some(days) = group.retention_days {
                    described["retentionInDays"] = json!(days);
                }
                described
            })
            .collect(),
    );
    if matching.next().is_some()
        && let Some((last, _)) = page.last()
    {
        answer.insert("nextToken".into(), json!(last));
    }
    Ok(Json::Object(answer))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamRequest {
    log_group_name: String,
    log_stream_name: String,
}

fn create_log_stream(scope: &Scope, groups: &mut Groups, request: StreamRequest) -> Answer {
    let name = &request.log_stream_name;
    if name.is_empty() || name.len() > 512 || name.contains([':', '*']) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"
        )));
    }
    let group = groups
        .get_mut(&request.log_group_name)
        .ok_or_else(group_missing)?;
    if group.streams.contains_key(name) {
        return Err(error(
            "ResourceAlreadyExistsException",
            "The specified log stream already exists",
        ));
    }
    let created = now_millis();
    group.streams.insert(
        name.clone(),
        LogStream {
            created,
            ..LogStream::default()
        },
    );
    Ok((
        json!({}),
        vec![Mutation::PutLogStream {
            scope: scope.clone(),
            group: request.log_group_name,
            name: request.log_stream_name,
            created,
        }],
    ))
}

fn delete_log_stream(scope: &Scope, groups: &mut Groups, request: StreamRequest) -> Answer {
    let group = groups
        .get_mut(&request.log_group_name)
        .ok_or_else(group_missing)?;
    group
        .streams
        .remove(&request.log_stream_name)
        .ok_or_else(stream_missing)?;
    Ok((
        json!({}),
        vec![Mutation::DeleteLogStream {
            scope: scope.clone(),
            group: request.log_group_name,
            name: request.log_stream_name,
        }],
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeStreamsRequest {
    log_group_name: String,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    #[serde(default)]
    descending: bool,
    limit: Option<i64>,
    next_token: Option<String>,
}

fn describe_log_streams(
    scope: &Scope,
    groups: &Groups,
    request: DescribeStreamsRequest,
) -> Result<Json, AwsError> {
    let limit = check_limit(request.limit, 50)?;
    let group = groups
        .get(&request.log_group_name)
        .ok_or_else(group_missing)?;
    let by_time = match request.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(invalid(format!(
                "1 validation error detected: Value '{other}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"
            )));
        }
    };
    if by_time && request.log_stream_name_prefix.is_some() {
        return Err(invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let prefix = request.log_stream_name_prefix.unwrap_or_default();
    let mut streams: Vec<(&String, &LogStream)> = group
        .streams
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .collect();
    if by_time {
        streams.sort_by_key(|(name, stream)| {
            (stream.last.map(|(timestamp, _)| timestamp), (*name).clone())
        });
    }
    if request.descending {
        streams.reverse();
    }
    let offset: usize = request
        .next_token
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Json> = streams
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(name, stream)| {
            let mut described = json!({
                "logStreamName": name,
                "creationTime": stream.created,
                "arn": format!("{}:log-stream:{name}", group_arn(scope, &request.log_group_name)),
                "storedBytes": 0,
                "uploadSequenceToken": format!("{:056}", stream.count),
            });
            if let (Some(first), Some((last, ingestion))) = (stream.first_timestamp, stream.last) {
                described["firstEventTimestamp"] = json!(first);
                described["lastEventTimestamp"] = json!(last);
                described["lastIngestionTime"] = json!(ingestion);
            }
            described
        })
        .collect();
    let mut answer = json!({ "logStreams": page });
    if offset + limit < streams.len() {
        answer["nextToken"] = json!((offset + limit).to_string());
    }
    Ok(answer)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputEvent {
    timestamp: i64,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutEventsRequest {
    log_group_name: String,
    log_stream_name: String,
    log_events: Vec<InputEvent>,
}

fn put_log_events(scope: &Scope, groups: &mut Groups, request: PutEventsRequest) -> Answer {
    if request.log_events.is_empty() || request.log_events.len() > 10_000 {
        return Err(invalid(
            "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and 10000",
        ));
    }
    if request
        .log_events
        .windows(2)
        .any(|pair| pair[1].timestamp < pair[0].timestamp)
    {
        return Err(invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    let group = groups
        .get_mut(&request.log_group_name)
        .ok_or_else(group_missing)?;
    let stream = group
        .streams
        .get_mut(&request.log_stream_name)
        .ok_or_else(stream_missing)?;
    let now = now_millis();
    let mut rejected = Map::new();
    let mut accepted = Vec::new();
    for (index, event) in request.log_events.into_iter().enumerate() {
        if event.timestamp < now - MAX_AGE_MILLIS {
            rejected.insert("tooOldLogEventEndIndex".into(), json!(index + 1));
        } else if event.timestamp > now + MAX_AHEAD_MILLIS {
            rejected
                .entry("tooNewLogEventStartIndex")
                .or_insert(json!(index));
        } else {
            accepted.push(LogEvent {
                timestamp: event.timestamp,
                ingestion: now,
                message: event.message,
            });
        }
    }
    let first_seq = stream.extend(&accepted);
    let mutation = append_mutation(
        scope,
        &request.log_group_name,
        &request.log_stream_name,
        first_seq,
        &accepted,
    );
    let mut answer = json!({ "nextSequenceToken": format!("{:056}", stream.count) });
    if !rejected.is_empty() {
        answer["rejectedLogEventsInfo"] = Json::Object(rejected);
    }
    Ok((answer, vec![mutation]))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetEventsRequest {
    log_group_name: String,
    log_stream_name: String,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<i64>,
    start_from_head: Option<bool>,
}

fn output_event(event: &LogEvent) -> Json {
    json!({"timestamp": event.timestamp, "message": event.message, "ingestionTime": event.ingestion})
}

fn read_failed(error: crate::store::StoreError) -> AwsError {
    tracing::error!(%error, "reading log events failed");
    AwsError::new(
        super::NAMESPACE,
        "ServiceUnavailableException",
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("The log events could not be read: {error}"),
    )
}

/// A stored event as a row gives it: sequence number, timestamp, ingestion time, message.
fn event_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, LogEvent)> {
    Ok((
        row.get(0)?,
        LogEvent {
            timestamp: row.get(1)?,
            ingestion: row.get(2)?,
            message: row.get(3)?,
        },
    ))
}

/// GetLogEvents: a page of one stream's events in the order they were put, within the time
/// range. Tokens name a sequence number: `f/N` reads from event N on, `b/N` the page before it.
fn get_log_events(
    scope: &Scope,
    groups: &Groups,
    store: &Store,
    request: GetEventsRequest,
) -> Result<Json, AwsError> {
    let limit = check_limit(request.limit, 10_000)?;
    let group = groups
        .get(&request.log_group_name)
        .ok_or_else(group_missing)?;
    let stream = group
        .streams
        .get(&request.log_stream_name)
        .ok_or_else(stream_missing)?;
    let token = |text: &str, prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| invalid("The specified nextToken is invalid."))
    };
    // Forward from a sequence number, or backward from before one.
    let (forward, at) = match request.next_token.as_deref() {
        Some(text) if text.starts_with("f/") => (true, token(text, "f/")?),
        Some(text) if text.starts_with("b/") => (false, token(text, "b/")?),
        Some(_) => return Err(invalid("The specified nextToken is invalid.")),
        None if request.start_from_head.unwrap_or(false) => (true, 0),
        None => (false, stream.count),
    };
    let sql = if forward {
        "SELECT seq, timestamp, ingestion, message FROM logs_events
         WHERE account = ?1 AND region = ?2 AND log_group = ?3 AND stream = ?4 AND seq >= ?5
           AND timestamp >= ?6 AND timestamp < ?7 ORDER BY seq LIMIT ?8"
    } else {
        "SELECT seq, timestamp, ingestion, message FROM logs_events
         WHERE account = ?1 AND region = ?2 AND log_group = ?3 AND stream = ?4 AND seq < ?5
           AND timestamp >= ?6 AND timestamp < ?7 ORDER BY seq DESC LIMIT ?8"
    };
    let mut events = store
        .read(|connection| {
            connection
                .prepare_cached(sql)?
                .query_map(
                    rusqlite::params![
                        scope.account,
                        scope.region,
                        request.log_group_name,
                        request.log_stream_name,
                        at,
                        request.start_time.unwrap_or(i64::MIN),
                        request.end_time.unwrap_or(i64::MAX),
                        limit as i64
                    ],
                    event_of,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(read_failed)?;
    if !forward {
        events.reverse();
    }
    let (from, to) = match (events.first(), events.last()) {
        (Some((first, _)), Some((last, _))) => (*first, last + 1),
        _ => (at, at),
    };
    Ok(json!({
        "events": events.iter().map(|(_, event)| output_event(event)).collect::<Vec<_>>(),
        "nextForwardToken": format!("f/{to:056}"),
        "nextBackwardToken": format!("b/{from:056}"),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilterRequest {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

/// Where a FilterLogEvents page resumes: after the event at this time, stream and sequence
/// number (the order pages are read in).
fn filter_token(text: &str) -> Result<(i64, i64, String), AwsError> {
    let invalid_token = || invalid("The specified nextToken is invalid.");
    let mut parts = text.splitn(3, ':');
    let timestamp = parts.next().and_then(|part| part.parse().ok());
    let seq = parts.next().and_then(|part| part.parse().ok());
    match (timestamp, seq, parts.next()) {
        (Some(timestamp), Some(seq), Some(stream)) => Ok((timestamp, seq, stream.to_owned())),
        _ => Err(invalid_token()),
    }
}

fn filter_log_events(
    scope: &Scope,
    groups: &Groups,
    store: &Store,
    request: FilterRequest,
) -> Result<Json, AwsError> {
    let limit = check_limit(request.limit, 10_000)?;
    let name = request
        .log_group_name
        .or_else(|| {
            request.log_group_identifier.map(|id| {
                id.rsplit(':')
                    .find(|p| !p.is_empty() && *p != "*")
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .ok_or_else(|| invalid("Either logGroupName or logGroupIdentifier must be specified"))?;
    if request.log_stream_names.is_some() && request.log_stream_name_prefix.is_some() {
        return Err(invalid(
            "Cannot specify both logStreamNames and logStreamNamePrefix",
        ));
    }
    let group = groups.get(&name).ok_or_else(group_missing)?;
    let pattern = FilterPattern::parse(request.filter_pattern.as_deref().unwrap_or_default())
        .map_err(invalid)?;
    let searched = |stream: &str| {
        request
            .log_stream_names
            .as_ref()
            .is_none_or(|names| names.iter().any(|name| name == stream))
            && request
                .log_stream_name_prefix
                .as_ref()
                .is_none_or(|prefix| stream.starts_with(prefix.as_str()))
    };
    let streams: Vec<&String> = group
        .streams
        .keys()
        .filter(|stream| searched(stream))
        .collect();
    let (after_time, after_seq, after_stream) = match request.next_token.as_deref() {
        Some(token) => filter_token(token)?,
        None => (i64::MIN, -1, String::new()),
    };
    // Reads in time order until a page and one more match are found (to know whether there is
    // a next page); only the page is kept.
    let (page, more) = store
        .read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT seq, timestamp, ingestion, message, stream FROM logs_events
                 WHERE account = ?1 AND region = ?2 AND log_group = ?3
                   AND timestamp >= ?4 AND timestamp <= ?5
                   AND (timestamp, stream, seq) > (?6, ?7, ?8)
                 ORDER BY timestamp, stream, seq",
            )?;
            let mut rows = statement.query(rusqlite::params![
                scope.account,
                scope.region,
                name,
                request.start_time.unwrap_or(i64::MIN).max(after_time),
                request.end_time.unwrap_or(i64::MAX),
                after_time,
                after_stream,
                after_seq
            ])?;
            let mut page: Vec<(String, i64, LogEvent)> = Vec::new();
            while let Some(row) = rows.next()? {
                let stream: String = row.get(4)?;
                if !searched(&stream) {
                    continue;
                }
                let (seq, event) = event_of(row)?;
                if !pattern.matches(&event.message) {
                    continue;
                }
                if page.len() == limit {
                    return Ok((page, true));
                }
                page.push((stream, seq, event));
            }
            Ok((page, false))
        })
        .map_err(read_failed)?;
    let events: Vec<Json> = page
        .iter()
        .map(|(stream, seq, event)| {
            json!({
                "logStreamName": stream,
                "timestamp": event.timestamp,
                "message": event.message,
                "ingestionTime": event.ingestion,
                "eventId": format!("{:020}{seq:036}", event.timestamp),
            })
        })
        .collect();
    let mut answer = json!({
        "events": events,
        "searchedLogStreams": streams
            .iter()
            .map(|stream| json!({"logStreamName": stream, "searchedCompletely": true}))
            .collect::<Vec<_>>(),
    });
    if let (true, Some((stream, seq, event))) = (more, page.last()) {
        answer["nextToken"] = json!(format!("{}:{seq}:{stream}", event.timestamp));
    }
    Ok(answer)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetentionRequest {
    log_group_name: String,
    retention_in_days: Option<i64>,
}

fn put_retention_policy(scope: &Scope, groups: &mut Groups, request: RetentionRequest) -> Answer {
    let days = request.retention_in_days.ok_or_else(|| {
        invalid("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
    })?;
    if !RETENTION_DAYS.contains(&days) {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
        return Err(invalid(format!(
            "1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        )));
    }
    let group = groups
        .get_mut(&request.log_group_name)
        .ok_or_else(group_missing)?;
    group.retention_days = Some(days);
    Ok((
        json!({}),
        vec![put_group(scope, &request.log_group_name, group)],
    ))
}

fn delete_retention_policy(
    scope: &Scope,
    groups: &mut Groups,
    request: RetentionRequest,
) -> Answer {
    let group = groups
        .get_mut(&request.log_group_name)
        .ok_or_else(group_missing)?;
    group.retention_days = None;
    Ok((
        json!({}),
        vec![put_group(scope, &request.log_group_name, group)],
    ))
}

/// A tagging request names the group by ARN (TagResource) or by name (the older TagLogGroup).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagRequest {
    resource_arn: Option<String>,
    log_group_name: Option<String>,
    tags: Option<Json>,
    tag_keys: Option<Vec<String>>,
}

impl TagRequest {
    fn group_name(&self) -> Result<String, AwsError> {
        if let Some(name) = &self.log_group_name {
            return Ok(name.clone());
        }
        let arn = self.resource_arn.as_deref().ok_or_else(|| {
            invalid("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
        })?;
        arn.split(":log-group:")
            .nth(1)
            .map(|rest| rest.trim_end_matches(":*").to_owned())
            .filter(|name| !name.is_empty())
            .ok_or_else(|| invalid(format!("Invalid resourceArn: {arn}")))
    }
}

fn tag(scope: &Scope, groups: &mut Groups, request: TagRequest) -> Answer {
    let name = request.group_name()?;
    let group = groups.get_mut(&name).ok_or_else(group_missing)?;
    if let Some(Json::Object(tags)) = &request.tags {
        for (key, value) in tags {
            group
                .tags
                .insert(key.clone(), value.as_str().unwrap_or_default().to_owned());
        }
    }
    Ok((json!({}), vec![put_group(scope, &name, group)]))
}

fn untag(scope: &Scope, groups: &mut Groups, request: TagRequest) -> Answer {
    let name = request.group_name()?;
    let group = groups.get_mut(&name).ok_or_else(group_missing)?;
    // UntagLogGroup names the keys in `tags`; UntagResource in `tagKeys`.
    let keys: Vec<String> = match (&request.tag_keys, &request.tags) {
        (Some(keys), _) => keys.clone(),
        (None, Some(Json::Array(keys))) => keys
            .iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    for key in keys {
        group.tags.remove(&key);
    }
    Ok((json!({}), vec![put_group(scope, &name, group)]))
}

fn list_tags(groups: &Groups, request: TagRequest) -> Result<Json, AwsError> {
    let group = groups
        .get(&request.group_name()?)
        .ok_or_else(group_missing)?;
    Ok(json!({ "tags": group.tags }))
}
