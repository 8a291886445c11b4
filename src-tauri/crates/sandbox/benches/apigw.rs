//! An HTTP API request through the sandbox's API Gateway to a warm Rust function (lambda_runtime)
//! that makes one DynamoDB GetItem, beside a loopback floor measured in the same run:
//! `cargo bench -p lab-sandbox --bench apigw` (or `make bench`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Server, Target};

const LATENCY_REQUESTS: usize = 2_000;
const THROUGHPUT_FOR: Duration = Duration::from_secs(3);
const CONCURRENCY: usize = 16;

fn main() {
    common::main_with(run);
}

async fn expect(status: u16, call: (u16, hyper::body::Bytes)) {
    assert_eq!(call.0, status, "{}", String::from_utf8_lossy(&call.1));
}

struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn measure(target: &Target, path: &str) -> Figures {
    for _ in 0..200 {
        target.get(path).await;
    }
    let mut latencies = Vec::with_capacity(LATENCY_REQUESTS);
    for _ in 0..LATENCY_REQUESTS {
        let started = Instant::now();
        let (status, _) = target.get(path).await;
        latencies.push(started.elapsed());
        assert_eq!(status, 200);
    }
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (target, done, stop, path) =
            (target.clone(), done.clone(), stop.clone(), path.to_owned());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, _) = target.get(&path).await;
                assert_eq!(status, 200);
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(THROUGHPUT_FOR).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("a worker finishes");
    }
    Figures {
        p50: at(0.5),
        p99: at(0.99),
        per_second: done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
    }
}

async fn run() {
    let zip = common::function_zip("gateway-function");
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let data_dir_arg = data_dir.path().to_string_lossy().into_owned();
    // An account limit above the benchmark's concurrency, so it measures speed, not throttling.
    let sandbox = Server::spawn(&["serve-sandbox", &data_dir_arg, "64"]);
    let target = Target::new(sandbox.port);
    let json = [("content-type", "application/json")];

    let table = r#"{"TableName":"bench","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}"#;
    expect(200, target.call("CreateTable", table).await).await;
    let item = r#"{"TableName":"bench","Item":{"id":{"S":"item-1"},"name":{"S":"lamp"},"color":{"S":"red"}}}"#;
    expect(200, target.call("PutItem", item).await).await;
    let function = serde_json::json!({
        "FunctionName": "getter", "Runtime": "provided.al2023", "Handler": "bootstrap",
        "Role": "arn:aws:iam::000000000000:role/bench", "Code": {"ZipFile": zip},
    });
    expect(
        201,
        target
            .post(
                "/2015-03-31/functions",
                &json,
                function.to_string().into_bytes(),
            )
            .await,
    )
    .await;
    let permission = r#"{"StatementId":"gateway","Action":"lambda:InvokeFunction","Principal":"apigateway.amazonaws.com"}"#;
    expect(
        201,
        target
            .post(
                "/2015-03-31/functions/getter/policy",
                &json,
                permission.as_bytes().to_vec(),
            )
            .await,
    )
    .await;
    let api = r#"{"name":"bench","protocolType":"HTTP","target":"arn:aws:lambda:us-east-1:000000000000:function:getter"}"#;
    let (status, created) = target
        .post("/v2/apis", &json, api.as_bytes().to_vec())
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&created));
    let api: serde_json::Value = serde_json::from_slice(&created).expect("JSON");
    let path = format!(
        "/_aws/execute-api/{}/?table=bench&id=item-1",
        api["apiId"].as_str().unwrap_or_default()
    );
    let (status, sample) = target.get(&path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&sample));

    let floor = Server::spawn(&["serve-floor", &sample.len().to_string()]);
    let floor_figures = measure(&Target::new(floor.port), "/").await;
    let gateway = measure(&target, &path).await;

    println!();
    println!(
        "HTTP API → warm Rust function → one DynamoDB GetItem, vs. a loopback floor (same run)"
    );
    println!(
        "c1 = {LATENCY_REQUESTS} sequential requests; c{CONCURRENCY} = {}s",
        THROUGHPUT_FOR.as_secs()
    );
    println!();
    println!(
        "{:<40} {:>10} {:>10} {:>12}",
        "", "c1 p50", "c1 p99", "c16 req/s"
    );
    for (name, figures) in [
        ("loopback floor (same-size answer)", &floor_figures),
        ("through the gateway", &gateway),
    ] {
        println!(
            "{:<40} {:>10} {:>10} {:>12.0}",
            name,
            format!("{:.1?}", figures.p50),
            format!("{:.1?}", figures.p99),
            figures.per_second
        );
    }
    println!();
    for (target, met, figure) in [
        (
            "p50 <= 2 ms",
            gateway.p50 <= Duration::from_millis(2),
            format!("{:.1?}", gateway.p50),
        ),
        (
            "c16 >= 2,000 req/s",
            gateway.per_second >= 2_000.0,
            format!("{:.0}", gateway.per_second),
        ),
    ] {
        println!(
            "{} {target}: {figure}",
            if met { "MET   " } else { "MISSED" }
        );
    }
}
