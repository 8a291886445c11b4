//! `LambdaCRUD`, the function behind the lab's CRUD HTTP API (API Gateway payload format 2.0).
//! See [`handler`] for what each request does.
//!
//! The DynamoDB client is built once, from the standard AWS environment (`AWS_REGION`, the
//! credentials Lambda provides, `AWS_ENDPOINT_URL` when set), and serves every invocation.
//! Logs go to standard output, which Lambda sends to CloudWatch Logs.

mod handler;

use lambda_kit::{Dynamo, Notation};
use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = aws_config::load_from_env().await;
    let table = Dynamo::new(
        aws_sdk_dynamodb::Client::new(&config),
        Notation::DynamoDbJson,
    );
    lambda_runtime::run(service_fn(|event| handler::handle(&table, event))).await
}
