//! The parameters each call accepts, named as in DynamoDB's API (and boto3): `TableName`,
//! `Item`, `Key`, `ConditionExpression`, … Anything else is refused before the call, with the
//! list of what is accepted. Attribute values stay JSON here; [`crate::table`] reads them in
//! the function's notation.
//!
//! Only the expression-style parameters are accepted; the legacy ones (`ScanFilter`,
//! `Expected`, `AttributeUpdates`, `AttributesToGet`, `ConditionalOperator`) are not.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::CallError;

/// JSON objects whose values are attribute values, not yet read.
pub type JsonItem = Map<String, Value>;

/// The parameters of one DynamoDB call.
pub trait Params: DeserializeOwned + Default {
    /// The call's name in DynamoDB's API.
    const OPERATION: &'static str;
    /// Every parameter name it accepts.
    fn accepted() -> Vec<&'static str>;
}

/// `Scan`'s parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScanParams {
    pub table_name: Option<String>,
    pub index_name: Option<String>,
    pub limit: Option<i32>,
    pub select: Option<String>,
    pub exclusive_start_key: Option<JsonItem>,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<HashMap<String, String>>,
    pub expression_attribute_values: Option<JsonItem>,
    pub consistent_read: Option<bool>,
    pub segment: Option<i32>,
    pub total_segments: Option<i32>,
    pub return_consumed_capacity: Option<String>,
}

impl Params for ScanParams {
    const OPERATION: &'static str = "Scan";
    fn accepted() -> Vec<&'static str> {
        vec![
            "TableName",
            "IndexName",
            "Limit",
            "Select",
            "ExclusiveStartKey",
            "FilterExpression",
            "ProjectionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ConsistentRead",
            "Segment",
            "TotalSegments",
            "ReturnConsumedCapacity",
        ]
    }
}

/// `GetItem`'s parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetItemParams {
    pub table_name: Option<String>,
    pub key: Option<JsonItem>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<HashMap<String, String>>,
    pub consistent_read: Option<bool>,
    pub return_consumed_capacity: Option<String>,
}

impl Params for GetItemParams {
    const OPERATION: &'static str = "GetItem";
    fn accepted() -> Vec<&'static str> {
        vec![
            "TableName",
            "Key",
            "ProjectionExpression",
            "ExpressionAttributeNames",
            "ConsistentRead",
            "ReturnConsumedCapacity",
        ]
    }
}

/// What `PutItem`, `UpdateItem` and `DeleteItem` share: a condition, and what to return.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteOptions {
    pub condition_expression: Option<String>,
    pub expression_attribute_names: Option<HashMap<String, String>>,
    pub expression_attribute_values: Option<JsonItem>,
    pub return_values: Option<String>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
    pub return_values_on_condition_check_failure: Option<String>,
}

const WRITE_OPTIONS: [&str; 7] = [
    "ConditionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ReturnValues",
    "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics",
    "ReturnValuesOnConditionCheckFailure",
];

/// `PutItem`'s parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutItemParams {
    pub table_name: Option<String>,
    pub item: Option<JsonItem>,
}

impl Params for PutItemParams {
    const OPERATION: &'static str = "PutItem";
    fn accepted() -> Vec<&'static str> {
        [&["TableName", "Item"][..], &WRITE_OPTIONS].concat()
    }
}

/// `UpdateItem`'s parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateItemParams {
    pub table_name: Option<String>,
    pub key: Option<JsonItem>,
    pub update_expression: Option<String>,
}

impl Params for UpdateItemParams {
    const OPERATION: &'static str = "UpdateItem";
    fn accepted() -> Vec<&'static str> {
        [
            &["TableName", "Key", "UpdateExpression"][..],
            &WRITE_OPTIONS,
        ]
        .concat()
    }
}

/// `DeleteItem`'s parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteItemParams {
    pub table_name: Option<String>,
    pub key: Option<JsonItem>,
}

impl Params for DeleteItemParams {
    const OPERATION: &'static str = "DeleteItem";
    fn accepted() -> Vec<&'static str> {
        [&["TableName", "Key"][..], &WRITE_OPTIONS].concat()
    }
}

/// Reads a call's parameters from JSON; `null` means none. Errors name the call and the
/// offending parameter; an unknown parameter's error lists the accepted ones.
pub fn parse<P: Params>(json: Value) -> Result<P, CallError> {
    let operation = P::OPERATION;
    let object = match &json {
        Value::Null => return Ok(P::default()),
        Value::Object(object) => object,
        _ => {
            return Err(CallError::validation(format!(
                "{operation}'s parameters must be a JSON object, like {{\"TableName\": \"…\"}}"
            )));
        }
    };
    let accepted = P::accepted();
    if let Some(unknown) = object
        .keys()
        .find(|name| !accepted.contains(&name.as_str()))
    {
        return Err(CallError::validation(format!(
            "{operation}: unknown parameter `{unknown}`; {operation} accepts {}",
            accepted.join(", ")
        )));
    }
    read(operation, json)
}

/// Reads a write's parameters and the [`WriteOptions`] among them.
pub fn parse_write<P: Params>(json: Value) -> Result<(P, WriteOptions), CallError> {
    let options = match &json {
        Value::Object(_) => read(P::OPERATION, json.clone())?,
        _ => WriteOptions::default(),
    };
    Ok((parse(json)?, options))
}

fn read<T: DeserializeOwned>(operation: &str, json: Value) -> Result<T, CallError> {
    serde_path_to_error::deserialize(json).map_err(|error| {
        let path = error.path().to_string();
        CallError::validation(format!("{operation}: {path}: {}", error.into_inner()))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn accepts_dynamodb_parameter_names() {
        let (params, write): (UpdateItemParams, _) = parse_write(json!({
                "TableName": "things", "Key": {"id": {"S": "1"}},
                "UpdateExpression": "SET n = :n", "ConditionExpression": "attribute_exists(id)",
                "ExpressionAttributeValues": {":n": {"N": "2"}}, "ReturnValues": "ALL_NEW"
        }))
        .unwrap();
        assert_eq!(params.table_name.as_deref(), Some("things"));
        assert_eq!(
            write.condition_expression.as_deref(),
            Some("attribute_exists(id)")
        );
        assert_eq!(write.return_values.as_deref(), Some("ALL_NEW"));
    }

    #[test]
    fn unknown_parameters_are_refused_with_what_is_accepted() {
        let error = parse::<ScanParams>(json!({"TableName": "t", "Limt": 1})).unwrap_err();
        assert_eq!(error.code, "ValidationException");
        assert!(
            error
                .message
                .starts_with("Scan: unknown parameter `Limt`; Scan accepts TableName, IndexName"),
            "{}",
            error.message
        );
        let error = parse::<PutItemParams>(json!({"TableName": "t", "Expected": {}})).unwrap_err();
        assert!(
            error
                .message
                .starts_with("PutItem: unknown parameter `Expected`"),
            "{}",
            error.message
        );
        assert!(
            error
                .message
                .ends_with("ReturnValuesOnConditionCheckFailure")
        );
    }

    #[test]
    fn wrong_types_name_the_parameter() {
        let error =
            parse_write::<DeleteItemParams>(json!({"ReturnValues": 1, "Key": {}})).unwrap_err();
        assert!(
            error
                .message
                .starts_with("DeleteItem: ReturnValues: invalid type: integer"),
            "{}",
            error.message
        );
        let error = parse::<ScanParams>(json!({"Limit": "ten"})).unwrap_err();
        assert!(
            error
                .message
                .starts_with("Scan: Limit: invalid type: string"),
            "{}",
            error.message
        );
        let error = parse::<ScanParams>(json!(["TableName"])).unwrap_err();
        assert!(error.message.contains("must be a JSON object"));
    }

    #[test]
    fn null_means_no_parameters() {
        let params: ScanParams = parse(Value::Null).unwrap();
        assert!(params.table_name.is_none());
    }
}
