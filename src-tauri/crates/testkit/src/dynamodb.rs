//! DynamoDB set-ups and readings the tests share.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

pub fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .expect("an attribute definition")
}

pub fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("a key element")
}

pub fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

pub fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.to_owned())
}

/// Creates an on-demand table keyed by `hash` (S) and, if given, `range` (N).
pub async fn create_table(client: &Client, name: &str, hash: &str, range: Option<&str>) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(hash, ScalarAttributeType::S))
        .key_schema(key(hash, KeyType::Hash));
    if let Some(range) = range {
        request = request
            .attribute_definitions(attribute(range, ScalarAttributeType::N))
            .key_schema(key(range, KeyType::Range));
    }
    request.send().await.expect("the table is created");
}

/// The error code and message of a failed SDK call.
pub fn error_of<E, R>(
    result: Result<R, SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
) -> (String, String)
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let error = result.expect_err("the call fails");
    let meta = ProvideErrorMetadata::meta(&error);
    (
        meta.code().unwrap_or_default().to_owned(),
        meta.message().unwrap_or_default().to_owned(),
    )
}
