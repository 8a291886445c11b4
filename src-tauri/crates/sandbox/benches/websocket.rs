//! WebSocket broadcast: the lab's `ws-broadcast` function (the packaged zip `make lambdas`
//! builds) invoked with a batch of positions, posting them through `@connections` to 100
//! connected clients — the time from the invoke to the last client receiving its frame — beside
//! a floor measured in the same run: the benchmark itself posting the same frame to the same 100
//! clients through `@connections`, no function in between.
//! `cargo bench -p lab-sandbox --bench websocket` (or `make bench`).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Server, Target};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const CLIENTS: usize = 100;
const ROUNDS: usize = 200;
const TABLE: &str = "ws-connections";

fn main() {
    common::main_with(run);
}

fn packaged_broadcast() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let path = root.join("target/lambda/ws-broadcast/bootstrap.zip");
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{} is missing ({error}): build the lab's functions first with `make lambdas`",
            path.display()
        )
    })
}

async fn rest(target: &Target, path: &str, body: Value) -> Value {
    let (status, answer) = target
        .post(
            path,
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
        )
        .await;
    assert!(
        status < 300,
        "{path}: {status} {}",
        String::from_utf8_lossy(&answer)
    );
    serde_json::from_slice(&answer).unwrap_or(Value::Null)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Sends one round with `send` and waits until every client has its frame.
async fn round<F: std::future::Future<Output = ()>>(
    arrivals: &mut mpsc::UnboundedReceiver<Instant>,
    send: F,
) -> Duration {
    let started = Instant::now();
    let (_, last) = tokio::join!(send, async {
        let mut last = started;
        for _ in 0..CLIENTS {
            last = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
                .await
                .expect("every client receives the frame within 10 s")
                .expect("the clients are connected");
        }
        last
    });
    last - started
}

async fn run() {
    let zip = base64::engine::general_purpose::STANDARD.encode(packaged_broadcast());
    let sandbox = Server::spawn(&["serve-sandbox"]);
    let target = Target::new(sandbox.port);

    let (status, answer) = target
        .call(
            "CreateTable",
            &json!({
                "TableName": TABLE,
                "AttributeDefinitions": [{"AttributeName": "connectionId", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            })
            .to_string(),
        )
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    rest(
        &target,
        "/2015-03-31/functions",
        json!({
            "FunctionName": "WsBroadcast",
            "Runtime": "provided.al2023",
            "Role": "arn:aws:iam::000000000000:role/LabRole",
            "Handler": "bootstrap",
            "Timeout": 30,
            "Environment": {"Variables": {"TABLE_NAME": TABLE}},
            "Code": {"ZipFile": zip},
        }),
    )
    .await;
    let api = rest(
        &target,
        "/v2/apis",
        json!({"name": "Positions", "protocolType": "WEBSOCKET", "routeSelectionExpression": "$request.body.action"}),
    )
    .await;
    let api_id = api["apiId"].as_str().expect("an API id").to_owned();
    rest(
        &target,
        &format!("/v2/apis/{api_id}/stages"),
        json!({"stageName": "prod", "autoDeploy": true}),
    )
    .await;

    // 100 clients; each reports when a frame reaches it.
    let url = format!(
        "ws://127.0.0.1:{}/_aws/execute-api/{api_id}/prod",
        sandbox.port
    );
    let (arrived, mut arrivals) = mpsc::unbounded_channel();
    let mut sockets = Vec::new();
    for _ in 0..CLIENTS {
        let (socket, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connects");
        let arrived = arrived.clone();
        sockets.push(tokio::spawn(async move {
            let (_sink, mut stream) = socket.split();
            while let Some(Ok(frame)) = stream.next().await {
                if frame.is_text() {
                    let _ = arrived.send(Instant::now());
                }
            }
        }));
    }
    // Their connection ids, from the sandbox's CONNECT records, go into the table.
    let (_, history) = target.get("/_sandbox/inspect/history").await;
    let history: Vec<Value> = serde_json::from_slice(&history).expect("the history is JSON");
    let ids: Vec<String> = history
        .iter()
        .filter(|record| record["kind"] == "websocket" && record["eventType"] == "CONNECT")
        .filter_map(|record| record["connectionId"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), CLIENTS);
    for id in &ids {
        let item = json!({
            "TableName": TABLE,
            "Item": {
                "connectionId": {"S": id},
                "callbackUrl": {"S": format!("https://127.0.0.1:{}/prod", sandbox.port)},
            },
        });
        let (status, _) = target.call("PutItem", &item.to_string()).await;
        assert_eq!(status, 200);
    }

    let positions = json!({"positions": [{"flight": "IB3202", "lat": 40.47, "lon": -3.56}]});
    let frame = json!({"type": "positions", "positions": positions["positions"]}).to_string();

    // The floor: the benchmark posts to every client itself, all at once.
    let post_all = || async {
        let posts = ids.iter().map(|id| {
            let target = target.clone();
            let frame = frame.clone();
            async move {
                let (status, _) = target
                    .post(&format!("/@connections/{id}"), &[], frame.into_bytes())
                    .await;
                assert_eq!(status, 200);
            }
        });
        futures_util::future::join_all(posts).await;
    };
    for _ in 0..20 {
        round(&mut arrivals, post_all()).await;
    }
    let mut floor = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        floor.push(round(&mut arrivals, post_all()).await);
    }
    floor.sort_unstable();

    let invoke = || async {
        let (status, answer) = target
            .post(
                "/2015-03-31/functions/WsBroadcast/invocations",
                &[],
                positions.to_string().into_bytes(),
            )
            .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        let tally: Value = serde_json::from_slice(&answer).expect("a tally");
        assert_eq!(tally["sent"], CLIENTS, "{tally}");
    };
    for _ in 0..20 {
        round(&mut arrivals, invoke()).await;
    }
    let mut broadcast = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        broadcast.push(round(&mut arrivals, invoke()).await);
    }
    broadcast.sort_unstable();

    println!();
    println!(
        "WebSocket broadcast to {CLIENTS} clients vs. posting directly (same machine, same run)"
    );
    println!(
        "function: ws-broadcast (packaged by make lambdas) on provided.al2023; {ROUNDS} rounds each"
    );
    println!();
    println!("{:<52} {:>10} {:>10}", "", "p50", "p99");
    println!(
        "{:<52} {:>10} {:>10}",
        "floor: the bench posts to all 100 via @connections",
        format!("{:.1?}", percentile(&floor, 0.5)),
        format!("{:.1?}", percentile(&floor, 0.99))
    );
    println!(
        "{:<52} {:>10} {:>10}",
        "invoke WsBroadcast → last client has the frame",
        format!("{:.1?}", percentile(&broadcast, 0.5)),
        format!("{:.1?}", percentile(&broadcast, 0.99))
    );
    println!();
    let p99 = percentile(&broadcast, 0.99);
    println!(
        "{} broadcast p99 <= 20 ms: {p99:.1?}",
        if p99 <= Duration::from_millis(20) {
            "MET   "
        } else {
            "MISSED"
        }
    );
    for socket in sockets {
        socket.abort();
    }
}
