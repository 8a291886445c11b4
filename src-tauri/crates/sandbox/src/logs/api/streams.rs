//! Log streams: create, delete, describe.

use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::{Answer, check_limit, group_arn, group_missing, stream_missing};
use crate::logs::{Groups, LogStream, error, invalid, now_millis};
use crate::store::{Mutation, Scope};
use crate::wire::AwsError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StreamRequest {
    log_group_name: String,
    log_stream_name: String,
}

pub(super) fn create_log_stream(
    scope: &Scope,
    groups: &mut Groups,
    request: StreamRequest,
) -> Answer {
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

pub(super) fn delete_log_stream(
    scope: &Scope,
    groups: &mut Groups,
    request: StreamRequest,
) -> Answer {
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
pub(super) struct DescribeStreamsRequest {
    log_group_name: String,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    #[serde(default)]
    descending: bool,
    limit: Option<i64>,
    next_token: Option<String>,
}

pub(super) fn describe_log_streams(
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
