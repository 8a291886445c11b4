//! Log events: PutLogEvents (with AWS's limits on batches and timestamps), GetLogEvents and
//! FilterLogEvents, which read them from disk page by page.

use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::{
    Answer, MAX_AGE_MILLIS, MAX_AHEAD_MILLIS, append_mutation, check_limit, group_missing,
    stream_missing,
};
use crate::logs::filter::FilterPattern;
use crate::logs::{Groups, LogEvent, invalid, now_millis};
use crate::store::{Scope, Store};
use crate::wire::AwsError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InputEvent {
    timestamp: i64,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PutEventsRequest {
    log_group_name: String,
    log_stream_name: String,
    log_events: Vec<InputEvent>,
}

pub(super) fn put_log_events(
    scope: &Scope,
    groups: &mut Groups,
    request: PutEventsRequest,
) -> Answer {
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
pub(super) struct GetEventsRequest {
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
        crate::logs::NAMESPACE,
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
pub(super) fn get_log_events(
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
pub(super) struct FilterRequest {
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

pub(super) fn filter_log_events(
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
