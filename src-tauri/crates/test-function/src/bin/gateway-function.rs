//! A Rust Lambda function for API Gateway (lambda_runtime): each request does one DynamoDB
//! GetItem — table and key from the query string (`?table=T&id=K`) — and answers with the item.
//! The sandbox's gateway benchmark deploys it. Like any function it reads only the standard AWS
//! environment (`AWS_REGION`, the credentials, `AWS_ENDPOINT_URL` when set).

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

/// A DynamoDB client from the standard environment.
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

async fn handler(
    client: &aws_sdk_dynamodb::Client,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let query = &event.payload["queryStringParameters"];
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

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = dynamodb_from_env();
    lambda_runtime::run(service_fn(|event| handler(&client, event))).await
}
