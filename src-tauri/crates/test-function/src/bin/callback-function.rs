//! A Rust WebSocket route handler written as for AWS: it answers the sender through API
//! Gateway's management API at the callback URL the event names, `https://{domainName}/{stage}`,
//! with the SDK's default configuration. The sandbox's tests deploy it to show that such code
//! runs unchanged against the sandbox (which speaks TLS with a certificate its functions trust).

use aws_sdk_apigatewaymanagement::primitives::Blob;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(
    config: &aws_config::SdkConfig,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let context = &event.payload["requestContext"];
    let (Some(domain), Some(stage), Some(connection)) = (
        context["domainName"].as_str(),
        context["stage"].as_str(),
        context["connectionId"].as_str(),
    ) else {
        return Err(
            "not a WebSocket event: requestContext lacks domainName, stage or connectionId".into(),
        );
    };
    let management = aws_sdk_apigatewaymanagement::config::Builder::from(config)
        .endpoint_url(format!("https://{domain}/{stage}"))
        .build();
    let body = event.payload["body"].as_str().unwrap_or_default();
    aws_sdk_apigatewaymanagement::Client::from_conf(management)
        .post_to_connection()
        .connection_id(connection)
        .data(Blob::new(format!("from rust: {body}")))
        .send()
        .await?;
    Ok(json!({"statusCode": 200}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    lambda_runtime::run(service_fn(|event| handler(&config, event))).await
}
