//! DynamoDB in the sandbox against a loopback floor, measured in the same run:
//! `cargo bench -p lab-sandbox --bench dynamodb` (or `make bench`).
//!
//! The sandbox and the floor — a trivial HTTP server answering a same-size response — each run
//! as a child process (this binary re-executed), so their CPU time can be read from /proc apart
//! from the load generator's. For each operation: p50/p99 latency at concurrency 1, throughput at
//! concurrency 16, and server CPU per request. The targets are printed beside the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{Server, Target};

const LATENCY_REQUESTS: usize = 3_000;
const THROUGHPUT_FOR: Duration = Duration::from_secs(3);
const CONCURRENCY: usize = 16;
const TABLE_ITEMS: usize = 10_000;

fn main() {
    common::main_with(run);
}

/// One kind of request and how to make the i-th one.
struct Workload {
    name: &'static str,
    operation: &'static str,
    body: Box<dyn Fn(u64) -> String + Send + Sync>,
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "PutItem",
            operation: "PutItem",
            body: Box::new(|i| {
                format!(
                    r#"{{"TableName":"bench","Item":{{"pk":{{"S":"put-{i}"}},"sk":{{"N":"0"}},"payload":{{"S":"{}"}}}}}}"#,
                    "p".repeat(100)
                )
            }),
        },
        Workload {
            name: "GetItem",
            operation: "GetItem",
            body: Box::new(|i| {
                format!(
                    r#"{{"TableName":"bench","Key":{{"pk":{{"S":"item-{}"}},"sk":{{"N":"{}"}}}}}}"#,
                    (i as usize % TABLE_ITEMS) / 10,
                    i % 10
                )
            }),
        },
        Workload {
            name: "Query (10 items)",
            operation: "Query",
            body: Box::new(|i| {
                format!(
                    r#"{{"TableName":"bench","KeyConditionExpression":"pk = :pk","ExpressionAttributeValues":{{":pk":{{"S":"item-{}"}}}}}}"#,
                    (i as usize % TABLE_ITEMS) / 10
                )
            }),
        },
        Workload {
            name: "UpdateItem (SET #c = #c + :one)",
            operation: "UpdateItem",
            body: Box::new(|i| {
                format!(
                    r##"{{"TableName":"bench","Key":{{"pk":{{"S":"item-{}"}},"sk":{{"N":"{}"}}}},"UpdateExpression":"SET #c = #c + :one","ExpressionAttributeNames":{{"#c":"count"}},"ExpressionAttributeValues":{{":one":{{"N":"1"}}}}}}"##,
                    (i as usize % TABLE_ITEMS) / 10,
                    i % 10
                )
            }),
        },
    ]
}

struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
    cpu_per_request: Duration,
}

async fn measure(
    target: &Target,
    server: &Server,
    operation: &str,
    body: &(dyn Fn(u64) -> String + Send + Sync),
) -> Figures {
    // Warm up connections and caches.
    for i in 0..200 {
        target.call(operation, &body(i)).await;
    }
    let mut latencies = Vec::with_capacity(LATENCY_REQUESTS);
    for i in 0..LATENCY_REQUESTS as u64 {
        let request = body(i);
        let started = Instant::now();
        let (status, _) = target.call(operation, &request).await;
        latencies.push(started.elapsed());
        assert_eq!(status, 200, "{operation} failed");
    }
    latencies.sort_unstable();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = server.cpu_time();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY as u64 {
        let (target, done, stop) = (target.clone(), done.clone(), stop.clone());
        let operation = operation.to_owned();
        let requests: Vec<String> = (0..20_000).map(|i| body(worker * 1_000_003 + i)).collect();
        workers.push(tokio::spawn(async move {
            for request in requests.iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (status, _) = target.call(&operation, request).await;
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
    let elapsed = started.elapsed();
    let cpu = server.cpu_time().saturating_sub(cpu_before);
    let requests = done.load(Ordering::Relaxed).max(1);
    Figures {
        p50: percentile(0.50),
        p99: percentile(0.99),
        per_second: requests as f64 / elapsed.as_secs_f64(),
        cpu_per_request: cpu / requests as u32,
    }
}

async fn run() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let data_dir_arg = data_dir.path().to_string_lossy().into_owned();
    let sandbox = Server::spawn(&["serve-sandbox", &data_dir_arg]);
    let target = Target::new(sandbox.port);

    let create = r#"{"TableName":"bench","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}"#;
    assert_eq!(target.call("CreateTable", create).await.0, 200);
    for chunk in (0..TABLE_ITEMS).collect::<Vec<_>>().chunks(25) {
        let writes: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    r#"{{"PutRequest":{{"Item":{{"pk":{{"S":"item-{}"}},"sk":{{"N":"{}"}},"count":{{"N":"0"}},"payload":{{"S":"{}"}}}}}}}}"#,
                    i / 10,
                    i % 10,
                    "p".repeat(100)
                )
            })
            .collect();
        let body = format!(r#"{{"RequestItems":{{"bench":[{}]}}}}"#, writes.join(","));
        assert_eq!(target.call("BatchWriteItem", &body).await.0, 200);
    }
    // The floor answers with as many bytes as a GetItem of these items.
    let (_, sample) = target.call("GetItem", &(workloads()[1].body)(0)).await;
    let floor = Server::spawn(&["serve-floor", &sample.len().to_string()]);
    let floor_target = Target::new(floor.port);
    let floor_request = (workloads()[1].body)(0);
    let floor_figures = measure(&floor_target, &floor, "GetItem", &move |_| {
        floor_request.clone()
    })
    .await;

    println!();
    println!("DynamoDB in the sandbox vs. a loopback floor (same machine, same run)");
    println!(
        "table: {TABLE_ITEMS} items, 10 per partition; c1 = {LATENCY_REQUESTS} sequential requests; c{CONCURRENCY} = {}s",
        THROUGHPUT_FOR.as_secs()
    );
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>14}",
        "", "c1 p50", "c1 p99", "c16 req/s", "server CPU/req"
    );
    print_row("loopback floor (same-size answer)", &floor_figures);
    let mut results = Vec::new();
    for workload in workloads() {
        let figures = measure(
            &target,
            &sandbox,
            workload.operation,
            workload.body.as_ref(),
        )
        .await;
        print_row(workload.name, &figures);
        results.push((workload.name, figures));
    }
    println!();
    let get = &results[1].1;
    let put = &results[0].1;
    let checks = [
        (
            "GetItem p50 <= 2x floor p50",
            get.p50 <= floor_figures.p50 * 2,
            format!("{:?} vs {:?}", get.p50, floor_figures.p50 * 2),
        ),
        (
            "PutItem p50 <= 2x floor p50",
            put.p50 <= floor_figures.p50 * 2,
            format!("{:?} vs {:?}", put.p50, floor_figures.p50 * 2),
        ),
        (
            "GetItem c16 >= 13,000 req/s",
            get.per_second >= 13_000.0,
            format!("{:.0}", get.per_second),
        ),
        (
            "PutItem c16 >= 8,000 req/s",
            put.per_second >= 8_000.0,
            format!("{:.0}", put.per_second),
        ),
        (
            "GetItem server CPU <= 60 us",
            get.cpu_per_request <= Duration::from_micros(60),
            format!("{:?}", get.cpu_per_request),
        ),
    ];
    for (target, met, figure) in checks {
        println!(
            "{} {target}: {figure}",
            if met { "MET   " } else { "MISSED" }
        );
    }
}

fn print_row(name: &str, figures: &Figures) {
    println!(
        "{:<34} {:>10} {:>10} {:>12.0} {:>14}",
        name,
        format!("{:.1?}", figures.p50),
        format!("{:.1?}", figures.p99),
        figures.per_second,
        format!("{:.1?}", figures.cpu_per_request),
    );
}
