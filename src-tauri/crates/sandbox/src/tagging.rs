//! The Resource Groups Tagging API's `GetResources`: every tagged resource of an account and
//! region across the sandbox's services (DynamoDB tables, Lambda functions, API Gateway APIs,
//! CloudWatch Logs groups), filtered by tags and resource types, paged. Teardown uses it to find
//! lab resources no journal knows about.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::wire::{AwsError, BodyError, parse_json_body};

/// The `X-Amz-Target` prefix of the service (awsJson 1.1).
pub const TARGET_PREFIX: &str = "ResourceGroupsTaggingAPI_20170126.";

const NAMESPACE: &str = "com.amazonaws.resourcegroupstaggingapi";
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetResourcesInput {
    #[serde(default)]
    tag_filters: Vec<TagFilter>,
    #[serde(default)]
    resource_type_filters: Vec<String>,
    resources_per_page: Option<i64>,
    pagination_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagFilter {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(
        NAMESPACE,
        "InvalidParameterException",
        StatusCode::BAD_REQUEST,
        message,
    )
}

/// Handles one operation over `resources`: `(ARN, tags)` of everything in the caller's account
/// and region.
pub fn handle(
    operation: &str,
    body: &[u8],
    resources: Vec<(String, BTreeMap<String, String>)>,
) -> Result<Json, AwsError> {
    if operation != "GetResources" {
        return Err(AwsError::unknown_operation(operation));
    }
    let input: GetResourcesInput = parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => invalid(format!("{field} is required")),
        BodyError::Malformed(text) => AwsError::new(
            NAMESPACE,
            "SerializationException",
            StatusCode::BAD_REQUEST,
            format!("Malformed request body: {text}"),
        ),
    })?;
    let per_page = match input.resources_per_page {
        None => DEFAULT_PAGE,
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "ResourcesPerPage must be between 1 and {MAX_PAGE}, not {n}"
            )));
        }
    };
    let start = match input.pagination_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| invalid("The PaginationToken is not valid"))?,
    };
    let mut matching: Vec<(String, BTreeMap<String, String>)> = resources
        .into_iter()
        .filter(|(arn, tags)| {
            !tags.is_empty()
                && type_matches(arn, &input.resource_type_filters)
                && input.tag_filters.iter().all(|filter| {
                    tags.get(&filter.key).is_some_and(|value| {
                        filter.values.is_empty() || filter.values.contains(value)
                    })
                })
        })
        .collect();
    matching.sort();
    let page: Vec<Json> = matching
        .iter()
        .skip(start)
        .take(per_page)
        .map(|(arn, tags)| {
            let tags: Vec<Json> = tags
                .iter()
                .map(|(key, value)| json!({"Key": key, "Value": value}))
                .collect();
            json!({"ResourceARN": arn, "Tags": tags})
        })
        .collect();
    let next = start + page.len();
    let token = if next < matching.len() {
        next.to_string()
    } else {
        String::new()
    };
    Ok(json!({"PaginationToken": token, "ResourceTagMappingList": page}))
}

/// Whether the ARN is of one of the `service[:type]` filters (all types when none).
fn type_matches(arn: &str, filters: &[String]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default();
    let resource = parts.nth(2).unwrap_or_default();
    let resource_type = resource
        .trim_start_matches('/')
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    filters.iter().any(|filter| match filter.split_once(':') {
        Some((filter_service, filter_type)) => {
            filter_service == service && filter_type == resource_type
        }
        None => filter == service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources() -> Vec<(String, BTreeMap<String, String>)> {
        let lab = |lesson: &str| {
            BTreeMap::from([
                ("serverless-lab:lesson".to_owned(), lesson.to_owned()),
                ("serverless-lab:target".to_owned(), "sandbox".to_owned()),
            ])
        };
        vec![
            (
                "arn:aws:dynamodb:us-east-1:000000000000:table/things".into(),
                lab("crud-http-api"),
            ),
            (
                "arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD".into(),
                lab("crud-http-api"),
            ),
            (
                "arn:aws:apigateway:us-east-1::/apis/a1b2".into(),
                lab("websocket-api"),
            ),
            (
                "arn:aws:dynamodb:us-east-1:000000000000:table/untagged".into(),
                BTreeMap::new(),
            ),
            (
                "arn:aws:logs:us-east-1:000000000000:log-group:/mine".into(),
                BTreeMap::from([("team".to_owned(), "blue".to_owned())]),
            ),
        ]
    }

    fn arns(body: &str) -> Vec<String> {
        let output = handle("GetResources", body.as_bytes(), resources()).unwrap();
        output["ResourceTagMappingList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|mapping| mapping["ResourceARN"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn filters_by_tag_key_and_values() {
        assert_eq!(arns("{}").len(), 4, "untagged resources are left out");
        assert_eq!(
            arns(r#"{"TagFilters": [{"Key": "serverless-lab:lesson"}]}"#).len(),
            3
        );
        assert_eq!(
            arns(
                r#"{"TagFilters": [{"Key": "serverless-lab:lesson", "Values": ["websocket-api"]}]}"#
            ),
            ["arn:aws:apigateway:us-east-1::/apis/a1b2"]
        );
    }

    #[test]
    fn filters_by_resource_type() {
        assert_eq!(
            arns(r#"{"ResourceTypeFilters": ["dynamodb:table", "lambda"]}"#),
            [
                "arn:aws:dynamodb:us-east-1:000000000000:table/things",
                "arn:aws:lambda:us-east-1:000000000000:function:LambdaCRUD"
            ]
        );
        assert_eq!(
            arns(r#"{"ResourceTypeFilters": ["apigateway:apis"]}"#).len(),
            1
        );
        assert_eq!(
            arns(r#"{"ResourceTypeFilters": ["logs:log-group"]}"#).len(),
            1
        );
    }

    #[test]
    fn pages_with_a_token() {
        let first = handle("GetResources", br#"{"ResourcesPerPage": 3}"#, resources()).unwrap();
        assert_eq!(first["ResourceTagMappingList"].as_array().unwrap().len(), 3);
        assert_eq!(first["PaginationToken"], "3");
        let body = r#"{"ResourcesPerPage": 3, "PaginationToken": "3"}"#;
        let second = handle("GetResources", body.as_bytes(), resources()).unwrap();
        assert_eq!(
            second["ResourceTagMappingList"].as_array().unwrap().len(),
            1
        );
        assert_eq!(second["PaginationToken"], "");
        let error = handle("GetResources", br#"{"ResourcesPerPage": 0}"#, resources()).unwrap_err();
        assert_eq!(error.code, "InvalidParameterException");
    }
}
