//! A trivial Lambda function built with `lambda_runtime`, as real Rust functions are. The
//! sandbox's tests deploy it as `bootstrap` to check the Runtime API against the runtime library
//! AWS's Rust functions use; the benchmarks time it.
//!
//! A direct event is echoed with the request id, unless it asks for a failure (`{"fail":
//! "message"}`) or a panic (`{"panic": true}`). An API Gateway event (it has `rawPath`) does one
//! DynamoDB GetItem — table and key from the query string (`?table=T&id=K`) — and answers with
//! the item. Like any function it reads only the standard AWS environment.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

/// A DynamoDB client from the standard environment: `AWS_REGION`, the credentials, and
/// `AWS_ENDPOINT_URL` when one is set.
fn dynamodb_from_env() -> aws_sdk_dynamodb::Client {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let mut config = aws_sdk_dynamodb::Config::builder()
        .region(aws_sdk_dynamodb::config::Region::new(var("AWS_REGION")))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            var("AWS_ACCESS_KEY_ID"),
            var("AWS_SECRET_ACCESS_KEY"),
            std::env::var("AWS_SESSION_TOKEN").ok(),
            None,
            "environment",
        ));
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

async fn get_item(client: &aws_sdk_dynamodb::Client, event: &Value) -> Result<Value, Error> {
    let query = &event["queryStringParameters"];
    let (Some(table), Some(id)) = (query["table"].as_str(), query["id"].as_str()) else {
        return Ok(json!({"statusCode": 400, "body": "{\"error\": \"?table=…&id=… required\"}"}));
    };
    let item = client
        .get_item()
        .table_name(table)
        .key("id", AttributeValue::S(id.to_owned()))
        .send()
        .await?
        .item
        .unwrap_or_default();
    let plain: serde_json::Map<String, Value> = item
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), json!(value.as_s().ok()?))))
        .collect();
    Ok(json!({"statusCode": 200, "body": Value::Object(plain).to_string()}))
}

async fn handler(
    client: &aws_sdk_dynamodb::Client,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    if event.payload.get("rawPath").is_some() {
        return get_item(client, &event.payload).await;
    }
    if let Some(message) = event.payload.get("fail").and_then(Value::as_str) {
        return Err(message.into());
    }
    if event.payload.get("panic").is_some() {
        panic!("asked to panic");
    }
    Ok(json!({"echo": event.payload, "requestId": event.context.request_id}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = dynamodb_from_env();
    lambda_runtime::run(service_fn(|event| handler(&client, event))).await
}
