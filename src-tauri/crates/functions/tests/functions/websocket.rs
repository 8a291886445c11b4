//! The WebSocket functions as lesson `websocket-api` deploys them: `ws-connect`,
//! `ws-disconnect` and `ws-default` behind a WebSocket API, `ws-broadcast` invoked directly, all
//! sharing the connections table — driven by real WebSocket clients.

use std::time::Duration;

use aws_sdk_apigatewayv2::types::IntegrationType;
use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::fixture::{ACCOUNT, Sandbox, host_built_zip};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const TABLE: &str = "WsConnections";

/// The lesson's setup; returns the sandbox and the stage's `ws://` URL.
async fn lesson() -> (Sandbox, String) {
    let sandbox = Sandbox::start().await;
    sandbox.create_table(TABLE, "connectionId").await;
    let env = [("TABLE_NAME", TABLE)];
    let mut arns = Vec::new();
    for (name, binary) in [
        ("WsConnect", "ws-connect"),
        ("WsDisconnect", "ws-disconnect"),
        ("WsDefault", "ws-default"),
        ("WsBroadcast", "ws-broadcast"),
    ] {
        arns.push(
            sandbox
                .deploy_with_env(name, host_built_zip(binary), &env)
                .await,
        );
    }
    let (api_id, endpoint) = sandbox.websocket_api("PositionsWebSocket").await;
    for (route_key, arn) in [
        ("$connect", &arns[0]),
        ("$disconnect", &arns[1]),
        ("$default", &arns[2]),
        ("sendmessage", &arns[2]),
    ] {
        sandbox
            .route_to(
                &api_id,
                route_key,
                IntegrationType::AwsProxy,
                &Sandbox::invocation_uri(arn),
            )
            .await;
    }
    for (index, arn) in arns[..3].iter().enumerate() {
        let source_arn = format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*");
        sandbox
            .permit_gateway(arn, &format!("websocket-{index}"), Some(source_arn))
            .await;
    }
    let url = sandbox
        .auto_deployed_stage(&api_id, &endpoint, "prod")
        .await;
    (sandbox, url)
}

async fn connect(url: &str) -> Socket {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next text frame, as JSON.
async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a frame within 20 s")
            .expect("the connection is open")
            .unwrap();
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

async fn stored_ids(sandbox: &Sandbox) -> Vec<String> {
    let scan = sandbox
        .dynamodb()
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .unwrap();
    let mut ids: Vec<String> = scan
        .items()
        .iter()
        .filter_map(|item| item.get("connectionId")?.as_s().ok().cloned())
        .collect();
    ids.sort();
    ids
}

/// Waits until the table holds `count` connections.
async fn wait_for_count(sandbox: &Sandbox, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let ids = stored_ids(sandbox).await;
        if ids.len() == count {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the table never held {count} connections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_sendmessage_broadcast_and_disconnect() {
    let (sandbox, url) = lesson().await;
    let mut first = connect(&url).await;
    let mut second = connect(&url).await;
    let stored = wait_for_count(&sandbox, 2).await;

    // "hello!" → the init message, through @connections, to the sender only.
    first.send(Message::text("hello!")).await.unwrap();
    let init = next_json(&mut first).await;
    assert_eq!(init["type"], "init");
    let first_id = init["connectionId"].as_str().unwrap().to_owned();
    assert!(stored.contains(&first_id));
    let callback = sandbox
        .dynamodb()
        .get_item()
        .table_name(TABLE)
        .key("connectionId", AttributeValue::S(first_id.clone()))
        .send()
        .await
        .unwrap();
    let callback_url = callback.item().unwrap()["callbackUrl"].as_s().unwrap();
    assert!(
        callback_url.starts_with("https://") && callback_url.ends_with("/prod"),
        "{callback_url}"
    );

    // Anything else gets help.
    second.send(Message::text("what?")).await.unwrap();
    assert_eq!(next_json(&mut second).await["type"], "help");

    // sendmessage reaches everyone.
    second
        .send(Message::text(
            json!({"action": "sendmessage", "data": "hi all"}).to_string(),
        ))
        .await
        .unwrap();
    for socket in [&mut first, &mut second] {
        let message = next_json(socket).await;
        assert_eq!(message["type"], "message");
        assert_eq!(message["data"], "hi all");
    }

    // A broadcast of positions reaches everyone; a stale entry is gone and removed.
    sandbox
        .dynamodb()
        .put_item()
        .table_name(TABLE)
        .item("connectionId", AttributeValue::S("Stale000000000A=".into()))
        .item("callbackUrl", AttributeValue::S(callback_url.to_owned()))
        .send()
        .await
        .unwrap();
    let positions = json!({"positions": [{"flight": "IB3202", "lat": 40.47, "lon": -3.56}]});
    let (error, tally) = sandbox.invoke("WsBroadcast", positions.clone()).await;
    assert_eq!(error, None, "{tally}");
    assert_eq!(
        tally,
        json!({"connections": 3, "sent": 2, "gone": 1, "failed": 0})
    );
    for socket in [&mut first, &mut second] {
        let message = next_json(socket).await;
        assert_eq!(message["type"], "positions");
        assert_eq!(message["positions"], positions["positions"]);
    }
    assert_eq!(stored_ids(&sandbox).await.len(), 2);

    // Leaving removes the connection.
    second.close(None).await.unwrap();
    let left = wait_for_count(&sandbox, 1).await;
    assert_eq!(left, [first_id]);
    let logs = sandbox.log_lines("WsDisconnect").await;
    assert!(
        logs.iter().any(|line| line.contains("disconnected")),
        "{logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_says_what_it_needs() {
    let (sandbox, _) = lesson().await;
    let (error, payload) = sandbox
        .invoke("WsBroadcast", json!({"flight": "IB3202"}))
        .await;
    assert!(error.is_some());
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .contains("\"positions\""),
        "{payload}"
    );
}
