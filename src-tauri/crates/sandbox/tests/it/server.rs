//! The server core: health, protocol-shaped errors, loopback only, shutdown.

use lab_sandbox::{Config, Error, start};

use crate::client::send;

#[tokio::test]
async fn health_answers_with_the_account() {
    let sandbox = start(Config::default()).await.unwrap();
    let reply = send(
        "GET",
        &format!("{}/_sandbox/health", sandbox.endpoint()),
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["accountId"], "000000000000");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_aws_json_operation_gets_the_coral_error_shape() {
    let sandbox = start(Config::default()).await.unwrap();
    let reply = send(
        "POST",
        &format!("{}/", sandbox.endpoint()),
        &[
            ("x-amz-target", "DynamoDB_20120810.NoSuchOperation"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        "{}",
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert!(
        reply
            .header("x-amzn-requestid")
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(
        reply.json()["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_query_action_gets_an_xml_error() {
    let sandbox = start(Config::default()).await.unwrap();
    let reply = send(
        "POST",
        &format!("{}/", sandbox.endpoint()),
        &[("content-type", "application/x-www-form-urlencoded")],
        "Action=NoSuchAction&Version=2011-06-15",
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("<Code>InvalidAction</Code>"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("NoSuchAction"), "{}", reply.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_rest_path_is_an_aws_error_not_an_html_404() {
    let sandbox = start(Config::default()).await.unwrap();
    let reply = send(
        "GET",
        &format!("{}/2099-01-01/no-such-api", sandbox.endpoint()),
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("UnknownOperationException")
    );
    assert!(reply.json()["message"].as_str().is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refuses_to_listen_beyond_loopback() {
    let config = Config {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Config::default()
    };
    let error = start(config).await.unwrap_err();
    assert!(matches!(error, Error::NotLoopback { .. }), "{error}");
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let sandbox = start(Config::default()).await.unwrap();
    let addr = sandbox.local_addr();
    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn an_oversized_body_gets_an_aws_shaped_413() {
    let sandbox = start(Config::default()).await.unwrap();
    let huge = "x".repeat(16 * 1024 * 1024 + 1);
    let reply = send(
        "POST",
        &format!("{}/", sandbox.endpoint()),
        &[
            ("x-amz-target", "DynamoDB_20120810.PutItem"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        &huge,
    )
    .await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.json()["__type"],
        "com.amazon.coral.service#RequestEntityTooLargeException"
    );
    sandbox.shutdown().await;
}
