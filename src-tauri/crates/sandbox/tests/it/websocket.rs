//! The WebSocket data plane through real clients: tokio-tungstenite connects to an API's invoke
//! URL, functions get AWS's events, and the AWS SDK's management client posts to, describes and
//! disconnects clients through `@connections`.

use std::time::Duration;

use aws_sdk_apigatewayv2::types::IntegrationType;
use futures_util::{SinkExt, StreamExt};
use lab_sandbox::Config;
use lab_sandbox::apigw::websocket::Limits;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::fixture::Sandbox;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Refuses or accepts connections as the query asks, fails on "fail", and answers every message
/// with the route and the event it got.
const HANDLER: &str = r#"
import json

def handler(event, context):
    route = event["requestContext"]["routeKey"]
    if route == "$connect":
        query = event.get("queryStringParameters") or {}
        if query.get("deny"):
            return {"statusCode": 401, "body": "not you"}
        if query.get("broken"):
            return None
        return {"statusCode": 200}
    if route == "$disconnect":
        return {"statusCode": 200}
    if event.get("body") == "fail":
        raise RuntimeError("asked to fail")
    return {"statusCode": 200, "body": json.dumps({"route": route, "event": event})}
"#;

struct Setup {
    sandbox: Sandbox,
    api_id: String,
    /// `ws://…/_aws/execute-api/{apiId}/prod`.
    url: String,
}

/// A WebSocket API whose routes all go to [`HANDLER`]; `echo` and `$default` are two-way.
async fn setup_with(config: Config, routes: &[&str], permit: bool) -> Setup {
    let sandbox = Sandbox::start_with(config).await;
    sandbox.create_python_function("ws", HANDLER).await;
    let apigw = sandbox.apigw();
    let (api_id, endpoint) = sandbox.websocket_api("Positions").await;
    if permit {
        sandbox.permit_api("ws", Some(&api_id)).await;
    }
    let integration = apigw
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(Sandbox::invocation_uri("ws"))
        .send()
        .await
        .unwrap();
    let target = format!("integrations/{}", integration.integration_id().unwrap());
    for key in routes {
        let two_way = matches!(*key, "echo" | "$default");
        let mut request = apigw
            .create_route()
            .api_id(&api_id)
            .route_key(*key)
            .target(&target);
        if two_way {
            request = request.route_response_selection_expression("$default");
        }
        let route = request.send().await.unwrap();
        if two_way {
            apigw
                .create_route_response()
                .api_id(&api_id)
                .route_id(route.route_id().unwrap())
                .route_response_key("$default")
                .send()
                .await
                .unwrap();
        }
    }
    let url = sandbox
        .auto_deployed_stage(&api_id, &endpoint, "prod")
        .await;
    Setup {
        sandbox,
        api_id,
        url,
    }
}

const ALL_ROUTES: &[&str] = &["$connect", "$disconnect", "$default", "echo", "sendmessage"];

async fn setup() -> Setup {
    setup_with(Config::default(), ALL_ROUTES, true).await
}

async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Socket, WsError> {
    let mut request = url.into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The next data frame, as text.
async fn next_text(socket: &mut Socket) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame arrives within 10 s")
            .expect("the connection is open")
            .expect("the frame is read");
        match frame {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Binary(bytes) => return String::from_utf8_lossy(&bytes).into_owned(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a data frame, got {other:?}"),
        }
    }
}

/// Reads until the server closes the connection; returns its close frame.
async fn close_frame(socket: &mut Socket) -> Option<CloseFrame> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the server closes within 10 s");
        match frame {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// Waits for the inspection record of `event_type` on connection `id`.
async fn record_of(sandbox: &Sandbox, id: &str, event_type: &str) -> Value {
    for _ in 0..100 {
        let found = sandbox.inspect_history().await.into_iter().find(|record| {
            record["kind"] == "websocket"
                && record["connectionId"] == id
                && record["eventType"] == event_type
        });
        if let Some(record) = found {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {event_type} record for connection {id}");
}

/// A client connected as `lab-test`, and its connection id (from an echo).
async fn connected(url: &str) -> (Socket, String) {
    let mut socket = connect(url, &[("user-agent", "lab-test")]).await.unwrap();
    let id = echo(&mut socket).await["requestContext"]["connectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    (socket, id)
}

/// Sends `{"action":"echo"}` and returns the event the function got.
async fn echo(socket: &mut Socket) -> Value {
    socket
        .send(Message::text(r#"{"action":"echo"}"#))
        .await
        .unwrap();
    let reply: Value = serde_json::from_str(&next_text(socket).await).unwrap();
    assert_eq!(reply["route"], "echo");
    reply["event"].clone()
}

#[tokio::test]
async fn connect_passes_the_handshake_and_messages_follow_the_selection_expression() {
    let setup = setup().await;
    let mut socket = connect(
        &format!("{}?room=blue&room=red", setup.url),
        &[("x-lab", "yes"), ("user-agent", "lab-test")],
    )
    .await
    .unwrap();

    let event = echo(&mut socket).await;
    let context = &event["requestContext"];
    let id = context["connectionId"].as_str().unwrap().to_owned();
    assert_eq!(context["eventType"], "MESSAGE");
    assert_eq!(context["routeKey"], "echo");
    assert_eq!(context["messageDirection"], "IN");
    assert_eq!(context["stage"], "prod");
    assert_eq!(context["apiId"], setup.api_id.as_str());
    assert_eq!(context["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["identity"]["userAgent"], "lab-test");
    for field in [
        "messageId",
        "requestId",
        "extendedRequestId",
        "requestTime",
        "domainName",
    ] {
        assert!(context[field].is_string(), "{field} in {context}");
    }
    assert!(context["connectedAt"].is_i64() && context["requestTimeEpoch"].is_i64());
    assert_eq!(event["body"], r#"{"action":"echo"}"#);
    assert_eq!(event["isBase64Encoded"], false);

    // $connect saw the handshake's headers and query string.
    let connected = record_of(&setup.sandbox, &id, "CONNECT").await;
    assert_eq!(connected["status"], 101);
    let connect_event = &connected["event"];
    assert_eq!(connect_event["requestContext"]["eventType"], "CONNECT");
    assert_eq!(connect_event["headers"]["x-lab"], "yes");
    assert_eq!(connect_event["queryStringParameters"]["room"], "red");
    assert_eq!(
        connect_event["multiValueQueryStringParameters"]["room"],
        json!(["blue", "red"])
    );

    // Not JSON, or no route with that action: $default (two-way here).
    for message in ["hello!", r#"{"action":"nobody"}"#] {
        socket.send(Message::text(message)).await.unwrap();
        let reply: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
        assert_eq!(reply["route"], "$default", "{message}");
        assert_eq!(reply["event"]["body"], message);
    }
    // Binary frames cannot be evaluated: $default, base64-encoded.
    socket.send(Message::binary(vec![0u8, 1, 2])).await.unwrap();
    let reply: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(reply["route"], "$default");
    assert_eq!(reply["event"]["body"], "AAEC");
    assert_eq!(reply["event"]["isBase64Encoded"], true);

    // A one-way route answers nothing; the next two-way answer is the echo's.
    socket
        .send(Message::text(r#"{"action":"sendmessage","data":"hi"}"#))
        .await
        .unwrap();
    echo(&mut socket).await;
    let history = setup.sandbox.inspect_history().await;
    let routed = history
        .iter()
        .find(|r| r["eventType"] == "MESSAGE" && r["routeKey"] == "sendmessage")
        .expect("the one-way message was routed");
    assert_eq!(routed["selection"]["value"], "sendmessage");
    assert!(
        routed["reply"].is_null(),
        "a one-way route sends nothing back"
    );

    // A failing function: AWS's error frame.
    socket.send(Message::text("fail")).await.unwrap();
    let error: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(error["message"], "Internal server error");
    assert_eq!(error["connectionId"], id.as_str());
    assert!(error["requestId"].is_string());

    socket
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }))
        .await
        .unwrap();
    let disconnected = record_of(&setup.sandbox, &id, "DISCONNECT").await;
    assert_eq!(
        disconnected["close"],
        json!({"code": 1000, "reason": "bye"})
    );
    let disconnect_event = &disconnected["event"]["requestContext"];
    assert_eq!(disconnect_event["eventType"], "DISCONNECT");
    assert_eq!(disconnect_event["disconnectStatusCode"], 1000);
    assert_eq!(disconnect_event["disconnectReason"], "bye");
}

#[tokio::test]
async fn connect_refuses_the_handshake_as_aws_does() {
    let setup = setup().await;
    let status_of = |result: Result<Socket, WsError>| match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected the handshake to be refused"),
    };
    // The function's status refuses the connection.
    assert_eq!(
        status_of(connect(&format!("{}?deny=1", setup.url), &[]).await),
        401
    );
    // An answer without a statusCode is the integration's failure.
    assert_eq!(
        status_of(connect(&format!("{}?broken=1", setup.url), &[]).await),
        502
    );
    // A stage the API does not have.
    let other_stage = setup.url.replace("/prod", "/staging");
    assert_eq!(status_of(connect(&other_stage, &[]).await), 403);

    // Without a permission for API Gateway, $connect cannot run.
    let unpermitted = setup_with(Config::default(), ALL_ROUTES, false).await;
    assert_eq!(status_of(connect(&unpermitted.url, &[]).await), 500);
    let history = unpermitted.sandbox.inspect_history().await;
    let refused = history
        .iter()
        .find(|r| r["eventType"] == "CONNECT")
        .unwrap();
    assert!(
        refused["error"].as_str().unwrap().contains("AddPermission"),
        "{refused}"
    );

    // IAM authorization is not evaluated on WebSocket APIs yet: nobody gets in, saying so.
    let apigw = setup.sandbox.apigw();
    let routes = apigw
        .get_routes()
        .api_id(&setup.api_id)
        .send()
        .await
        .unwrap();
    let connect_route = routes
        .items()
        .iter()
        .find(|route| route.route_key() == Some("$connect"))
        .unwrap();
    apigw
        .update_route()
        .api_id(&setup.api_id)
        .route_id(connect_route.route_id().unwrap())
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::AwsIam)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(connect(&setup.url, &[]).await), 403);

    // Without a $connect route every handshake is accepted.
    let open = setup_with(Config::default(), &["$default"], true).await;
    let mut socket = connect(&open.url, &[]).await.unwrap();
    socket.send(Message::text("hi")).await.unwrap();
    let reply: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(reply["route"], "$default");
}

#[tokio::test]
async fn without_a_default_route_unmatched_messages_are_forbidden() {
    let setup = setup_with(Config::default(), &["$connect", "echo"], true).await;
    let mut socket = connect(&setup.url, &[]).await.unwrap();
    socket.send(Message::text("hello!")).await.unwrap();
    let error: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(error["message"], "Forbidden");
    assert!(error["connectionId"].is_string() && error["requestId"].is_string());
    // The connection stays open.
    echo(&mut socket).await;
}

#[tokio::test]
async fn the_connections_api_posts_describes_and_deletes() {
    let setup = setup().await;
    let (mut socket, id) = connected(&setup.url).await;
    let callback = setup.url.replacen("ws://", "http://", 1);

    // Through the invoke URL, as `https://{domainName}/{stage}` is on AWS.
    let by_url = setup.sandbox.connections(&callback);
    by_url
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(
            r#"{"type":"init"}"#,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(next_text(&mut socket).await, r#"{"type":"init"}"#);

    // At the sandbox's root, as a function using the standard endpoint configuration does.
    let at_root = setup.sandbox.connections(&setup.sandbox.running.endpoint());
    at_root
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(
            "second",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(next_text(&mut socket).await, "second");

    let described = at_root
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    let identity = described.identity().unwrap();
    assert_eq!(identity.source_ip(), Some("127.0.0.1"));
    assert_eq!(identity.user_agent(), Some("lab-test"));
    let connected_at = described.connected_at().unwrap();
    let last_active = described.last_active_at().unwrap();
    assert!(last_active >= connected_at);

    // Too much data for one message.
    let error = at_root
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(
            vec![b'x'; 128 * 1024 + 1],
        ))
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_payload_too_large_exception());

    by_url
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    let frame = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1000);
    let disconnected = record_of(&setup.sandbox, &id, "DISCONNECT").await;
    assert_eq!(disconnected["close"]["code"], 1000);
    assert_eq!(disconnected["routeKey"], "$disconnect");

    // Gone: the closed connection, and one that never existed.
    for connection in [id.as_str(), "Nope0000000000A="] {
        let error = at_root
            .post_to_connection()
            .connection_id(connection)
            .data(aws_sdk_apigatewaymanagement::primitives::Blob::new("late"))
            .send()
            .await
            .unwrap_err();
        assert!(
            error.into_service_error().is_gone_exception(),
            "{connection}"
        );
        let error = by_url
            .get_connection()
            .connection_id(connection)
            .send()
            .await
            .unwrap_err();
        assert!(error.into_service_error().is_gone_exception());
    }
    let posts: Vec<Value> = setup
        .sandbox
        .inspect_history()
        .await
        .into_iter()
        .filter(|r| r["kind"] == "connections" && r["operation"] == "PostToConnection")
        .collect();
    let statuses: Vec<u64> = posts.iter().filter_map(|r| r["status"].as_u64()).collect();
    assert_eq!(statuses, [200, 200, 413, 410, 410]);
}

#[tokio::test]
async fn oversized_messages_and_frames_close_the_connection_with_1009() {
    let setup = setup().await;
    // A message over 128 KB (sent in frames under 32 KB) …
    let mut socket = connect(&setup.url, &[]).await.unwrap();
    let big = "x".repeat(128 * 1024 + 1);
    let mut chunks = big.as_bytes().chunks(16 * 1024).peekable();
    let mut first = true;
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let frame = tokio_tungstenite::tungstenite::protocol::frame::Frame::message(
            chunk.to_vec(),
            if first {
                tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode::Data(
                    tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text,
                )
            } else {
                tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode::Data(
                    tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Continue,
                )
            },
            last,
        );
        first = false;
        if socket.send(Message::Frame(frame)).await.is_err() {
            break;
        }
    }
    let frame = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1009);
    assert_eq!(frame.reason.as_str(), "Message too big");

    // … and a single frame over 32 KB.
    let mut socket = connect(&setup.url, &[]).await.unwrap();
    let _ = socket.send(Message::text("y".repeat(32 * 1024 + 1))).await;
    let frame = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1009);

    // A message of exactly 32 KB is fine.
    let mut socket = connect(&setup.url, &[]).await.unwrap();
    socket
        .send(Message::text(format!(
            r#"{{"action":"echo","pad":"{}"}}"#,
            "z".repeat(32 * 1024 - 30)
        )))
        .await
        .unwrap();
    let reply: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(reply["route"], "echo");
}

#[tokio::test]
async fn idle_and_long_connections_are_closed_and_pings_are_answered() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(600),
        max_duration: Duration::from_secs(3),
    };
    let config = Config {
        websocket_limits: limits,
        ..Config::default()
    };
    let setup = setup_with(config, ALL_ROUTES, true).await;

    // Idle: nothing from the client for the idle timeout.
    let mut idle = connect(&setup.url, &[]).await.unwrap();
    let id = echo(&mut idle).await["requestContext"]["connectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let frame = close_frame(&mut idle).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1001);
    let disconnected = record_of(&setup.sandbox, &id, "DISCONNECT").await;
    assert_eq!(
        disconnected["event"]["requestContext"]["disconnectStatusCode"],
        1001
    );
    assert_eq!(
        disconnected["event"]["requestContext"]["disconnectReason"],
        "Going away"
    );

    // Busy: pings keep it alive (and are answered) until the maximum duration.
    let mut busy = connect(&setup.url, &[]).await.unwrap();
    let started = std::time::Instant::now();
    let mut pongs = 0;
    let closed = loop {
        busy.send(Message::Ping(vec![7].into())).await.unwrap();
        match tokio::time::timeout(Duration::from_millis(300), busy.next()).await {
            Ok(Some(Ok(Message::Pong(data)))) => {
                assert_eq!(&data[..], [7]);
                pongs += 1;
            }
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(pongs >= 5, "{pongs} pongs");
    assert!(started.elapsed() >= Duration::from_millis(2900));
    assert_eq!(u16::from(closed.expect("a close frame").code), 1001);
}

#[tokio::test]
async fn deleting_the_api_drops_its_clients() {
    let setup = setup().await;
    let mut socket = connect(&setup.url, &[]).await.unwrap();
    echo(&mut socket).await;
    setup
        .sandbox
        .apigw()
        .delete_api()
        .api_id(&setup.api_id)
        .send()
        .await
        .unwrap();
    let frame = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_and_boto3_manage_connections() {
    use crate::outside_clients::{run, stdout_json, stdout_text};
    let tools = lab_testkit::python_tools();
    let setup = setup().await;
    let (mut socket, id) = connected(&setup.url).await;
    let home = tempfile::tempdir().unwrap();
    let stage_url = setup.url.replacen("ws://", "http://", 1);

    // The AWS CLI, at the stage's URL as the course's commands use it.
    let data = home.path().join("data.json");
    std::fs::write(&data, r#"{"from":"cli"}"#).unwrap();
    let aws = |args: &[&str]| {
        let mut all = vec![
            "apigatewaymanagementapi",
            "--endpoint-url",
            stage_url.as_str(),
        ];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--output", "json"]);
        run(tools.join("bin/aws"), &all, home.path())
    };
    let data_arg = format!("fileb://{}", data.display());
    let posted = aws(&[
        "post-to-connection",
        "--connection-id",
        &id,
        "--data",
        &data_arg,
    ]);
    assert!(
        posted.status.success(),
        "{}",
        String::from_utf8_lossy(&posted.stderr)
    );
    assert_eq!(next_text(&mut socket).await, r#"{"from":"cli"}"#);
    let described = stdout_json(&aws(&["get-connection", "--connection-id", &id]));
    assert_eq!(described["Identity"]["SourceIp"], "127.0.0.1");
    assert_eq!(described["Identity"]["UserAgent"], "lab-test");
    assert!(described["ConnectedAt"].is_string() && described["LastActiveAt"].is_string());

    // boto3, at the sandbox's root, as a function's client with AWS_ENDPOINT_URL would be.
    let script = r#"
import sys, boto3
client = boto3.client("apigatewaymanagementapi", endpoint_url=sys.argv[1])
client.post_to_connection(ConnectionId=sys.argv[2], Data=b"from boto3")
try:
    client.post_to_connection(ConnectionId="Nope0000000000A=", Data=b"x")
except client.exceptions.GoneException as error:
    print(error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
"#;
    let output = run(
        tools.join("bin/python"),
        &["-c", script, &setup.sandbox.running.endpoint(), &id],
        home.path(),
    );
    assert_eq!(stdout_text(&output).trim(), "GoneException 410");
    assert_eq!(next_text(&mut socket).await, "from boto3");

    let deleted = aws(&["delete-connection", "--connection-id", &id]);
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    let frame = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1000);
    let gone = aws(&["get-connection", "--connection-id", &id]);
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("GoneException"),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
}

#[tokio::test]
async fn host_style_urls_reach_the_api_too() {
    let setup = setup().await;
    let port = setup.sandbox.running.local_addr().port();
    let host = format!("{}.execute-api.localhost:{port}", setup.api_id);
    let mut socket = connect(&format!("ws://127.0.0.1:{port}/prod"), &[("host", &host)])
        .await
        .unwrap();
    let event = echo(&mut socket).await;
    assert_eq!(event["requestContext"]["domainName"], host.as_str());
    assert_eq!(event["requestContext"]["stage"], "prod");
}

/// A `$connect` authorizer: lets in `token=good`, denies other tokens, fails on `token=fail`.
const AUTHORIZER: &str = r#"
def handler(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    if token == "fail":
        raise RuntimeError("asked to fail")
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]},
        ]},
        "context": {"tier": "gold", "sawType": event["type"], "sawArn": event["methodArn"]},
    }
"#;

#[tokio::test]
async fn a_connect_authorizer_decides_who_connects_and_its_context_follows_the_connection() {
    use aws_sdk_apigatewayv2::types::{AuthorizationType, AuthorizerType};
    let setup = setup().await;
    let sandbox = &setup.sandbox;
    sandbox.create_python_function("authz", AUTHORIZER).await;
    sandbox.permit_gateway("authz", "authz", None).await;
    let apigw = sandbox.apigw();
    let authorizer = apigw
        .create_authorizer()
        .api_id(&setup.api_id)
        .name("tokens")
        .authorizer_type(AuthorizerType::Request)
        .identity_source("route.request.querystring.token")
        .authorizer_uri(Sandbox::invocation_uri("authz"))
        .send()
        .await
        .unwrap();
    let routes = apigw
        .get_routes()
        .api_id(&setup.api_id)
        .send()
        .await
        .unwrap();
    let route_id = |key: &str| {
        routes
            .items()
            .iter()
            .find(|route| route.route_key() == Some(key))
            .and_then(|route| route.route_id())
            .unwrap()
            .to_owned()
    };
    apigw
        .update_route()
        .api_id(&setup.api_id)
        .route_id(route_id("$connect"))
        .authorization_type(AuthorizationType::Custom)
        .authorizer_id(authorizer.authorizer_id().unwrap())
        .send()
        .await
        .unwrap();
    let elsewhere = apigw
        .update_route()
        .api_id(&setup.api_id)
        .route_id(route_id("echo"))
        .authorization_type(AuthorizationType::Custom)
        .authorizer_id(authorizer.authorizer_id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_apigatewayv2::error::ProvideErrorMetadata::message(&elsewhere.into_service_error()),
        Some("Currently, authorization is restricted to the $connect route only")
    );

    let status_of = |result: Result<Socket, WsError>| match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected the handshake to be refused"),
    };
    assert_eq!(status_of(connect(&setup.url, &[]).await), 401, "no token");
    assert_eq!(
        status_of(connect(&format!("{}?token=bad", setup.url), &[]).await),
        403
    );
    assert_eq!(
        status_of(connect(&format!("{}?token=fail", setup.url), &[]).await),
        500
    );
    let history = sandbox.inspect_history().await;
    let decisions: Vec<(Value, Value)> = history
        .iter()
        .filter(|r| r["eventType"] == "CONNECT")
        .map(|r| (r["status"].clone(), r["authorizer"]["decision"].clone()))
        .collect();
    assert_eq!(
        decisions,
        [
            (json!(401), json!("refused")),
            (json!(403), json!("refused")),
            (json!(500), json!("failed")),
        ]
    );

    let (mut socket, _) = connected(&format!("{}?token=good", setup.url)).await;
    let event = echo(&mut socket).await;
    let authorizer = &event["requestContext"]["authorizer"];
    assert_eq!(authorizer["principalId"], "user-good", "{event}");
    assert_eq!(authorizer["tier"], "gold");
    assert_eq!(authorizer["sawType"], "REQUEST");
    assert_eq!(
        authorizer["sawArn"],
        format!(
            "arn:aws:execute-api:us-east-1:000000000000:{}/prod/$connect",
            setup.api_id
        )
    );
    assert!(authorizer["integrationLatency"].is_u64());
}
