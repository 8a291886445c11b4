//! DynamoDB responses in the JSON shape boto3 returns: the response's members under their API
//! names (`Items`, `Count`, `LastEvaluatedKey`, `Attributes`, …), only those present, and a
//! `ResponseMetadata` with the request id DynamoDB gave the call.

use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::{Capacity, ConsumedCapacity, ItemCollectionMetrics};
use serde_json::{Map, Value};

use crate::Notation;
use crate::notation::Item;

/// Builds one response object member by member.
pub(crate) struct Response {
    notation: Notation,
    members: Map<String, Value>,
}

impl Response {
    pub(crate) fn new(notation: Notation) -> Self {
        Self {
            notation,
            members: Map::new(),
        }
    }

    pub(crate) fn value(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.members.insert(name.to_owned(), value.into());
        self
    }

    pub(crate) fn item(self, name: &str, item: Option<&Item>) -> Self {
        match item {
            Some(item) => {
                let json = self.notation.item_to_json(item);
                self.value(name, json)
            }
            None => self,
        }
    }

    pub(crate) fn items(self, name: &str, items: &[Item]) -> Self {
        let json: Vec<Value> = items
            .iter()
            .map(|item| self.notation.item_to_json(item))
            .collect();
        self.value(name, json)
    }

    pub(crate) fn consumed_capacity(self, consumed: Option<&ConsumedCapacity>) -> Self {
        match consumed {
            Some(consumed) => self.value("ConsumedCapacity", consumed_capacity(consumed)),
            None => self,
        }
    }

    pub(crate) fn item_collection_metrics(self, metrics: Option<&ItemCollectionMetrics>) -> Self {
        let Some(metrics) = metrics else {
            return self;
        };
        let mut json = Map::new();
        if let Some(key) = &metrics.item_collection_key {
            json.insert(
                "ItemCollectionKey".to_owned(),
                self.notation.item_to_json(key),
            );
        }
        if let Some(range) = &metrics.size_estimate_range_gb {
            json.insert("SizeEstimateRangeGB".to_owned(), Value::from(range.clone()));
        }
        self.value("ItemCollectionMetrics", json)
    }

    /// Finishes with the `ResponseMetadata` of the call that produced `output`.
    pub(crate) fn finish(self, output: &impl RequestId) -> Value {
        let mut members = self.members;
        let mut metadata = Map::new();
        if let Some(request_id) = output.request_id() {
            metadata.insert("RequestId".to_owned(), Value::from(request_id));
        }
        metadata.insert("HTTPStatusCode".to_owned(), Value::from(200));
        members.insert("ResponseMetadata".to_owned(), Value::Object(metadata));
        Value::Object(members)
    }
}

fn consumed_capacity(consumed: &ConsumedCapacity) -> Value {
    let mut json = Map::new();
    if let Some(table) = &consumed.table_name {
        json.insert("TableName".to_owned(), Value::from(table.as_str()));
    }
    json.extend(capacity_units(
        consumed.capacity_units,
        consumed.read_capacity_units,
        consumed.write_capacity_units,
    ));
    if let Some(table) = &consumed.table {
        json.insert("Table".to_owned(), capacity(table));
    }
    let indexes = [
        ("LocalSecondaryIndexes", &consumed.local_secondary_indexes),
        ("GlobalSecondaryIndexes", &consumed.global_secondary_indexes),
    ];
    for (name, per_index) in indexes {
        if let Some(per_index) = per_index {
            let by_name: Map<String, Value> = per_index
                .iter()
                .map(|(index, units)| (index.clone(), capacity(units)))
                .collect();
            json.insert(name.to_owned(), Value::Object(by_name));
        }
    }
    Value::Object(json)
}

fn capacity(units: &Capacity) -> Value {
    Value::Object(capacity_units(
        units.capacity_units,
        units.read_capacity_units,
        units.write_capacity_units,
    ))
}

fn capacity_units(total: Option<f64>, read: Option<f64>, write: Option<f64>) -> Map<String, Value> {
    [
        ("CapacityUnits", total),
        ("ReadCapacityUnits", read),
        ("WriteCapacityUnits", write),
    ]
    .into_iter()
    .filter_map(|(name, units)| Some((name.to_owned(), Value::from(units?))))
    .collect()
}
