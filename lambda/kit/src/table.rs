//! Runs DynamoDB calls described in JSON with the AWS SDK for Rust.
//!
//! Each method takes the call's parameters as JSON (see [`crate::params`]), reads the
//! attribute values in the function's [`Notation`], sends the call, and returns the response
//! as boto3 shows it. Whatever DynamoDB itself checks (table names, expressions, key schemas,
//! enum values such as `ReturnValues`) is left to DynamoDB, so its own error codes and
//! messages reach the caller.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{
    ConsumedCapacity, ItemCollectionMetrics, ReturnConsumedCapacity, ReturnItemCollectionMetrics,
    ReturnValue, ReturnValuesOnConditionCheckFailure, Select,
};
use serde_json::Value;

use crate::notation::Item;
use crate::params::{
    self, DeleteItemParams, GetItemParams, JsonItem, PutItemParams, ScanParams, UpdateItemParams,
};
use crate::response::Response;
use crate::{CallError, Notation};

/// Sets what the three writes share ([`params::WriteOptions`]) on a request. The SDK gives each
/// write its own request builder type, with the same setters, hence a macro.
macro_rules! with_write_options {
    ($dynamo:expr, $request:expr, $options:expr) => {{
        let options = $options;
        $request
            .set_condition_expression(options.condition_expression)
            .set_expression_attribute_names(options.expression_attribute_names)
            .set_expression_attribute_values($dynamo.item(
                "ExpressionAttributeValues",
                options.expression_attribute_values,
            )?)
            .set_return_values(options.return_values.as_deref().map(ReturnValue::from))
            .set_return_consumed_capacity(consumed(options.return_consumed_capacity))
            .set_return_item_collection_metrics(
                options
                    .return_item_collection_metrics
                    .as_deref()
                    .map(ReturnItemCollectionMetrics::from),
            )
            .set_return_values_on_condition_check_failure(
                options
                    .return_values_on_condition_check_failure
                    .as_deref()
                    .map(ReturnValuesOnConditionCheckFailure::from),
            )
    }};
}

/// What the outputs of the three writes have in common.
trait WriteOutput: RequestId {
    fn parts(
        &self,
    ) -> (
        Option<&Item>,
        Option<&ConsumedCapacity>,
        Option<&ItemCollectionMetrics>,
    );
}

macro_rules! impl_write_output {
    ($($output:ty),*) => {$(
        impl WriteOutput for $output {
            fn parts(
                &self,
            ) -> (
                Option<&Item>,
                Option<&ConsumedCapacity>,
                Option<&ItemCollectionMetrics>,
            ) {
                (
                    self.attributes.as_ref(),
                    self.consumed_capacity.as_ref(),
                    self.item_collection_metrics.as_ref(),
                )
            }
        }
    )*};
}

impl_write_output!(PutItemOutput, UpdateItemOutput, DeleteItemOutput);

/// A DynamoDB client plus the notation the function's callers write attribute values in.
#[derive(Debug, Clone)]
pub struct Dynamo {
    client: Client,
    notation: Notation,
}

impl Dynamo {
    pub fn new(client: Client, notation: Notation) -> Self {
        Self { client, notation }
    }

    /// `Scan`: `Items`, `Count`, `ScannedCount` and, when there is more, `LastEvaluatedKey`.
    pub async fn scan(&self, params: Value) -> Result<Value, CallError> {
        let params: ScanParams = params::parse(params)?;
        let output = self
            .client
            .scan()
            .table_name(required_table("Scan", params.table_name)?)
            .set_index_name(params.index_name)
            .set_limit(params.limit)
            .set_select(params.select.as_deref().map(Select::from))
            .set_exclusive_start_key(self.item("ExclusiveStartKey", params.exclusive_start_key)?)
            .set_filter_expression(params.filter_expression)
            .set_projection_expression(params.projection_expression)
            .set_expression_attribute_names(params.expression_attribute_names)
            .set_expression_attribute_values(self.item(
                "ExpressionAttributeValues",
                params.expression_attribute_values,
            )?)
            .set_consistent_read(params.consistent_read)
            .set_segment(params.segment)
            .set_total_segments(params.total_segments)
            .set_return_consumed_capacity(consumed(params.return_consumed_capacity))
            .send()
            .await?;
        Ok(Response::new(self.notation)
            .items("Items", output.items())
            .value("Count", output.count)
            .value("ScannedCount", output.scanned_count)
            .item("LastEvaluatedKey", output.last_evaluated_key.as_ref())
            .consumed_capacity(output.consumed_capacity.as_ref())
            .finish(&output))
    }

    /// `GetItem`: `Item` when it exists.
    pub async fn get_item(&self, params: Value) -> Result<Value, CallError> {
        let params: GetItemParams = params::parse(params)?;
        let output = self
            .client
            .get_item()
            .table_name(required_table("GetItem", params.table_name)?)
            .set_key(self.item("Key", params.key)?)
            .set_projection_expression(params.projection_expression)
            .set_expression_attribute_names(params.expression_attribute_names)
            .set_consistent_read(params.consistent_read)
            .set_return_consumed_capacity(consumed(params.return_consumed_capacity))
            .send()
            .await?;
        Ok(Response::new(self.notation)
            .item("Item", output.item.as_ref())
            .consumed_capacity(output.consumed_capacity.as_ref())
            .finish(&output))
    }

    /// `PutItem`: `Attributes` when `ReturnValues` asks for them.
    pub async fn put_item(&self, params: Value) -> Result<Value, CallError> {
        let (params, write): (PutItemParams, _) = params::parse_write(params)?;
        let request = self
            .client
            .put_item()
            .table_name(required_table("PutItem", params.table_name)?)
            .set_item(self.item("Item", params.item)?);
        let output = with_write_options!(self, request, write).send().await?;
        Ok(self.write_response(&output))
    }

    /// `UpdateItem`: `Attributes` when `ReturnValues` asks for them.
    pub async fn update_item(&self, params: Value) -> Result<Value, CallError> {
        let (params, write): (UpdateItemParams, _) = params::parse_write(params)?;
        let request = self
            .client
            .update_item()
            .table_name(required_table("UpdateItem", params.table_name)?)
            .set_key(self.item("Key", params.key)?)
            .set_update_expression(params.update_expression);
        let output = with_write_options!(self, request, write).send().await?;
        Ok(self.write_response(&output))
    }

    /// `DeleteItem`: `Attributes` when `ReturnValues` asks for them.
    pub async fn delete_item(&self, params: Value) -> Result<Value, CallError> {
        let (params, write): (DeleteItemParams, _) = params::parse_write(params)?;
        let request = self
            .client
            .delete_item()
            .table_name(required_table("DeleteItem", params.table_name)?)
            .set_key(self.item("Key", params.key)?);
        let output = with_write_options!(self, request, write).send().await?;
        Ok(self.write_response(&output))
    }

    /// The three writes answer alike.
    fn write_response(&self, output: &impl WriteOutput) -> Value {
        let (attributes, consumed, metrics) = output.parts();
        Response::new(self.notation)
            .item("Attributes", attributes)
            .consumed_capacity(consumed)
            .item_collection_metrics(metrics)
            .finish(output)
    }

    fn item(&self, name: &str, json: Option<JsonItem>) -> Result<Option<Item>, CallError> {
        json.map(|json| self.notation.item_from_json(name, json))
            .transpose()
            .map_err(CallError::from)
    }
}

/// `TableName` is the one parameter the SDK itself insists on (it picks the endpoint).
fn required_table(operation: &str, table_name: Option<String>) -> Result<String, CallError> {
    table_name.ok_or_else(|| {
        CallError::validation(format!(
            "{operation} needs a TableName: 1 validation error detected: Value null at \
             'tableName' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn consumed(value: Option<String>) -> Option<ReturnConsumedCapacity> {
    value.as_deref().map(ReturnConsumedCapacity::from)
}
