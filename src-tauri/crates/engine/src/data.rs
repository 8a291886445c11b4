//! The lab's DynamoDB data as the console's item explorer shows it: the target's tables and a
//! table's items a page at a time, in DynamoDB JSON and in plain JSON.

use attribute_notation::Notation;
use serde_json::Value;

use crate::cloud::Cloud;
use crate::provision::{ProvisionError, aws_error};

/// The most items one page holds.
pub const MAX_PAGE: i32 = 100;

/// One page of a table's items.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Each item in DynamoDB JSON (`{"thingID": {"S": "lamp"}}`).
    pub items: Vec<Value>,
    /// The same items in plain JSON (`{"thingID": "lamp"}`).
    pub plain: Vec<Value>,
    /// Where the next page starts (DynamoDB JSON), if there is one.
    pub next: Option<Value>,
    /// The table's key attributes, partition key first.
    pub key: Vec<String>,
}

/// Why a table's items could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The page to start from is not a key.
    #[error("a start key is a JSON object of DynamoDB JSON attributes: {0}")]
    BadStartKey(String),
    #[error(transparent)]
    Call(#[from] ProvisionError),
}

/// The tables of the target's account and region.
pub async fn tables(cloud: &Cloud) -> Result<Vec<String>, ProvisionError> {
    let mut names = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let page = cloud
            .dynamodb
            .list_tables()
            .set_exclusive_start_table_name(start.clone())
            .send()
            .await
            .map_err(|error| aws_error("ListTables", error))?;
        names.extend(page.table_names().iter().cloned());
        start = page.last_evaluated_table_name().map(str::to_owned);
        if start.is_none() {
            return Ok(names);
        }
    }
}

/// A page of `table`'s items from `start` (a `next` of an earlier page), at most `limit`.
pub async fn scan(
    cloud: &Cloud,
    table: &str,
    limit: i32,
    start: Option<&Value>,
) -> Result<Page, DataError> {
    let start_key = match start {
        Some(Value::Object(key)) => Some(
            Notation::DynamoDbJson
                .item_from_json("ExclusiveStartKey", key.clone())
                .map_err(|error| DataError::BadStartKey(error.to_string()))?,
        ),
        Some(other) => return Err(DataError::BadStartKey(format!("not {other}"))),
        None => None,
    };
    let description = cloud
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|error| aws_error("DescribeTable", error))?;
    let key = description
        .table()
        .map(|table| {
            table
                .key_schema()
                .iter()
                .map(|element| element.attribute_name().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let output = cloud
        .dynamodb
        .scan()
        .table_name(table)
        .limit(limit.clamp(1, MAX_PAGE))
        .set_exclusive_start_key(start_key)
        .send()
        .await
        .map_err(|error| aws_error("Scan", error))?;
    let items = output.items();
    Ok(Page {
        items: items
            .iter()
            .map(|item| Notation::DynamoDbJson.item_to_json(item))
            .collect(),
        plain: items
            .iter()
            .map(|item| Notation::Plain.item_to_json(item))
            .collect(),
        next: output
            .last_evaluated_key()
            .map(|key| Notation::DynamoDbJson.item_to_json(key)),
        key,
    })
}
