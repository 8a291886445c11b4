//! Log groups: create, delete, describe; retention policies; tags.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::{
    Answer, RETENTION_DAYS, check_group_name, check_limit, group_arn, group_missing, put_group,
};
use crate::logs::{Groups, LogGroup, error, invalid, now_millis};
use crate::store::{Mutation, Scope};
use crate::wire::AwsError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GroupRequest {
    log_group_name: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

pub(super) fn create_log_group(
    scope: &Scope,
    groups: &mut Groups,
    request: GroupRequest,
) -> Answer {
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

pub(super) fn delete_log_group(
    scope: &Scope,
    groups: &mut Groups,
    request: GroupRequest,
) -> Answer {
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
pub(super) struct DescribeGroupsRequest {
    log_group_name_prefix: Option<String>,
    limit: Option<i64>,
    next_token: Option<String>,
}

fn stored_bytes(group: &LogGroup) -> i64 {
    group.streams.values().map(|stream| stream.bytes).sum()
}

pub(super) fn describe_log_groups(
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
pub(super) struct RetentionRequest {
    log_group_name: String,
    retention_in_days: Option<i64>,
}

pub(super) fn put_retention_policy(
    scope: &Scope,
    groups: &mut Groups,
    request: RetentionRequest,
) -> Answer {
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

pub(super) fn delete_retention_policy(
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
pub(super) struct TagRequest {
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

pub(super) fn tag(scope: &Scope, groups: &mut Groups, request: TagRequest) -> Answer {
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

pub(super) fn untag(scope: &Scope, groups: &mut Groups, request: TagRequest) -> Answer {
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

pub(super) fn list_tags(groups: &Groups, request: TagRequest) -> Result<Json, AwsError> {
    let group = groups
        .get(&request.group_name()?)
        .ok_or_else(group_missing)?;
    Ok(json!({ "tags": group.tags }))
}
