//! WebSocket route handlers written as for AWS: they reach `@connections` at the callback URL
//! the event names, `https://{domainName}/{stage}` — boto3 in a Python function, the Rust SDK
//! in a Rust one — and the client gets their messages. The sandbox speaks TLS on its port with a
//! certificate its function processes trust.

use std::time::Duration;

use aws_sdk_apigatewayv2::types::IntegrationType;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::fixture::{Sandbox, rust_function_zip};

/// A `$default`-style handler as AWS's examples write it.
const PYTHON_CALLBACK: &str = r#"
import boto3

def handler(event, context):
    request = event["requestContext"]
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url="https://" + request["domainName"] + "/" + request["stage"],
    )
    client.post_to_connection(
        ConnectionId=request["connectionId"],
        Data=("from python: " + event["body"]).encode(),
    )
    return {"statusCode": 200}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_reach_the_connection_at_the_https_callback_url() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start_with_python(tools.join("bin/python3")).await;
    sandbox
        .create_python_function("python-callback", PYTHON_CALLBACK)
        .await;
    sandbox
        .lambda()
        .create_function()
        .function_name("rust-callback")
        .runtime(Runtime::Providedal2023)
        .role("arn:aws:iam::000000000000:role/LabRole")
        .handler("bootstrap")
        .timeout(10)
        .code(
            FunctionCode::builder()
                .zip_file(rust_function_zip("callback-function"))
                .build(),
        )
        .send()
        .await
        .unwrap();

    let (api_id, endpoint) = sandbox.websocket_api("callbacks").await;
    for (route, function) in [("python", "python-callback"), ("rust", "rust-callback")] {
        sandbox.permit_api(function, Some(&api_id)).await;
        sandbox
            .route_to(
                &api_id,
                route,
                IntegrationType::AwsProxy,
                &Sandbox::invocation_uri(function),
            )
            .await;
    }
    let url = sandbox
        .auto_deployed_stage(&api_id, &endpoint, "prod")
        .await;

    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    for (action, expected) in [
        ("python", r#"from python: {"action":"python"}"#),
        ("rust", r#"from rust: {"action":"rust"}"#),
    ] {
        socket
            .send(Message::text(format!(r#"{{"action":"{action}"}}"#)))
            .await
            .unwrap();
        let received = loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await
                .unwrap_or_else(|_| panic!("{action}: nothing came back"))
                .unwrap()
                .unwrap();
            if let Message::Text(text) = frame {
                break text.to_string();
            }
        };
        assert_eq!(received, expected, "{action}");
    }
    let records = sandbox.inspect_history().await;
    assert!(
        records
            .iter()
            .filter(|r| r["kind"] == "connections")
            .count()
            >= 2,
        "both posts went through @connections"
    );
}
