//! DynamoDB in the sandbox beside a loopback floor and the other DynamoDB emulators, all measured
//! in the same run: `cargo bench -p lab-sandbox --bench dynamodb` (or `make bench`, which also
//! installs the peers: dynalite from npm and moto's server from PyPI, under
//! `target/bench-peers`; `BENCH_PEERS` points elsewhere).
//!
//! Every server runs as a child process, so its CPU time and memory can be read from /proc apart
//! from the load generator's, and every request goes through the same lean client
//! (`common::wire`), so that on a small machine the generator takes as little CPU as it can
//! from the servers it measures. For each operation: p50/p99 latency at concurrency 1, throughput
//! and p99 at concurrency 16, and server CPU per request — on a table of 3,000 items for every
//! server, then, for the sandbox, on the same table grown to 300,000 items, with the sandbox's
//! resident memory at each size. The targets are printed beside the figures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{Server, Target};

const LATENCY_REQUESTS: usize = 3_000;
const THROUGHPUT_FOR: Duration = Duration::from_secs(3);
const CONCURRENCY: usize = 16;
const SMALL_TABLE: usize = 3_000;
const LARGE_TABLE: usize = 300_000;
const ITEMS_PER_PARTITION: usize = 10;

fn main() {
    common::main_with(run);
}

/// One kind of request and how to make the i-th one against a table of `items` items.
struct Workload {
    name: &'static str,
    operation: &'static str,
    body: fn(u64, usize) -> String,
}

/// The i-th existing item's partition and sort key in a table of `items` items.
fn existing(i: u64, items: usize) -> (usize, u64) {
    let partitions = items / ITEMS_PER_PARTITION;
    (
        (i as usize * 7919) % partitions,
        i % ITEMS_PER_PARTITION as u64,
    )
}

fn workloads() -> [Workload; 4] {
    [
        Workload {
            name: "PutItem",
            operation: "PutItem",
            body: |i, _| {
                format!(
                    r#"{{"TableName":"bench","Item":{{"pk":{{"S":"put-{i}"}},"sk":{{"N":"0"}},"payload":{{"S":"{}"}}}}}}"#,
                    "p".repeat(100)
                )
            },
        },
        Workload {
            name: "GetItem",
            operation: "GetItem",
            body: |i, items| {
                let (partition, sort) = existing(i, items);
                format!(
                    r#"{{"TableName":"bench","Key":{{"pk":{{"S":"item-{partition}"}},"sk":{{"N":"{sort}"}}}}}}"#
                )
            },
        },
        Workload {
            name: "Query (10 items)",
            operation: "Query",
            body: |i, items| {
                let (partition, _) = existing(i, items);
                format!(
                    r#"{{"TableName":"bench","KeyConditionExpression":"pk = :pk","ExpressionAttributeValues":{{":pk":{{"S":"item-{partition}"}}}}}}"#
                )
            },
        },
        Workload {
            name: "UpdateItem (SET #c = #c + :one)",
            operation: "UpdateItem",
            body: |i, items| {
                let (partition, sort) = existing(i, items);
                format!(
                    r##"{{"TableName":"bench","Key":{{"pk":{{"S":"item-{partition}"}},"sk":{{"N":"{sort}"}}}},"UpdateExpression":"SET #c = #c + :one","ExpressionAttributeNames":{{"#c":"count"}},"ExpressionAttributeValues":{{":one":{{"N":"1"}}}}}}"##
                )
            },
        },
    ]
}

#[derive(Clone, Copy)]
struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
    p99_loaded: Duration,
    cpu_per_request: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn measure(
    target: &Target,
    server: &Server,
    operation: &str,
    body: &(dyn Fn(u64) -> String + Send + Sync),
    latency_requests: usize,
) -> Figures {
    // Warm up connections and caches.
    for i in 0..200 {
        target.call(operation, &body(i)).await;
    }
    let mut latencies = Vec::with_capacity(latency_requests);
    for i in 0..latency_requests as u64 {
        let request = body(i);
        let started = Instant::now();
        let (status, answer) = target.call(operation, &request).await;
        latencies.push(started.elapsed());
        assert_eq!(
            status,
            200,
            "{operation} failed: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    latencies.sort_unstable();

    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = server.cpu_time();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY as u64 {
        let (target, stop) = (target.clone(), stop.clone());
        let operation = operation.to_owned();
        let requests: Vec<String> = (0..20_000).map(|i| body(worker * 1_000_003 + i)).collect();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for request in requests.iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let sent = Instant::now();
                let (status, _) = target.call(&operation, request).await;
                latencies.push(sent.elapsed());
                assert_eq!(status, 200);
            }
            latencies
        }));
    }
    tokio::time::sleep(THROUGHPUT_FOR).await;
    stop.store(true, Ordering::Relaxed);
    let mut loaded = Vec::new();
    for worker in workers {
        loaded.extend(worker.await.expect("a worker finishes"));
    }
    let elapsed = started.elapsed();
    let cpu = server.cpu_time().saturating_sub(cpu_before);
    loaded.sort_unstable();
    let requests = loaded.len().max(1);
    Figures {
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        per_second: requests as f64 / elapsed.as_secs_f64(),
        p99_loaded: percentile(&loaded, 0.99),
        cpu_per_request: cpu / requests as u32,
    }
}

/// Creates the table and fills it with items `from..to` (ten per partition).
async fn fill(target: &Target, from: usize, to: usize) {
    if from == 0 {
        let create = r#"{"TableName":"bench","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}"#;
        let (status, answer) = target.call("CreateTable", create).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    }
    let batches: Vec<Vec<usize>> = (from..to)
        .collect::<Vec<_>>()
        .chunks(25)
        .map(<[usize]>::to_vec)
        .collect();
    let batches = Arc::new(std::sync::Mutex::new(batches));
    let mut loaders = Vec::new();
    for _ in 0..8 {
        let (target, batches) = (target.clone(), batches.clone());
        loaders.push(tokio::spawn(async move {
            loop {
                let Some(chunk) = batches.lock().expect("the batches").pop() else {
                    return;
                };
                let writes: Vec<String> = chunk
                    .iter()
                    .map(|i| {
                        format!(
                            r#"{{"PutRequest":{{"Item":{{"pk":{{"S":"item-{}"}},"sk":{{"N":"{}"}},"count":{{"N":"0"}},"payload":{{"S":"{}"}}}}}}}}"#,
                            i / ITEMS_PER_PARTITION,
                            i % ITEMS_PER_PARTITION,
                            "p".repeat(100)
                        )
                    })
                    .collect();
                let body = format!(r#"{{"RequestItems":{{"bench":[{}]}}}}"#, writes.join(","));
                let (status, answer) = target.call("BatchWriteItem", &body).await;
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
            }
        }));
    }
    for loader in loaders {
        loader.await.expect("a loader finishes");
    }
}

/// A peer emulator: how to start it, if it is installed.
struct Peer {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

fn peers_dir() -> PathBuf {
    std::env::var_os("BENCH_PEERS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/bench-peers"),
        PathBuf::from,
    )
}

fn peers() -> Vec<Result<Peer, String>> {
    let dir = peers_dir();
    let dynalite = dir.join("node_modules/dynalite/cli.js");
    let moto = dir.join("venv/bin/moto_server");
    vec![
        if dynalite.exists() {
            Ok(Peer {
                name: "dynalite (in memory)",
                program: PathBuf::from("node"),
                args: [
                    &dynalite.to_string_lossy(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "{port}",
                    "--createTableMs",
                    "0",
                ]
                .map(str::to_owned)
                .to_vec(),
            })
        } else {
            Err(format!(
                "dynalite: not installed in {} (make bench-peers)",
                dir.display()
            ))
        },
        if moto.exists() {
            Ok(Peer {
                name: "moto server",
                program: moto,
                args: ["-H", "127.0.0.1", "-p", "{port}"]
                    .map(str::to_owned)
                    .to_vec(),
            })
        } else {
            Err(format!(
                "moto: not installed in {} (make bench-peers)",
                dir.display()
            ))
        },
    ]
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

async fn run() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let data_dir_arg = data_dir.path().to_string_lossy().into_owned();
    let sandbox = Server::spawn(&["serve-sandbox", &data_dir_arg]);
    let target = Target::new(sandbox.port);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = sandbox.resident_bytes();

    println!();
    println!(
        "DynamoDB in the sandbox vs. a loopback floor and other emulators (same machine, same run)"
    );
    println!(
        "tables of {SMALL_TABLE} and {LARGE_TABLE} items, {ITEMS_PER_PARTITION} per partition; c1 = {LATENCY_REQUESTS} sequential requests; c{CONCURRENCY} = {}s",
        THROUGHPUT_FOR.as_secs()
    );
    println!();
    println!(
        "{:<52} {:>9} {:>9} {:>11} {:>10} {:>10}",
        "", "c1 p50", "c1 p99", "c16 req/s", "c16 p99", "CPU/req"
    );

    fill(&target, 0, SMALL_TABLE).await;
    // The floor answers with as many bytes as a GetItem of these items.
    let get = (workloads()[1].body)(0, SMALL_TABLE);
    let (_, sample) = target.call("GetItem", &get).await;
    let floor = Server::spawn(&["serve-floor", &sample.len().to_string()]);
    let floor_figures = measure(
        &Target::new(floor.port),
        &floor,
        "GetItem",
        &move |_| get.clone(),
        LATENCY_REQUESTS,
    )
    .await;
    print_row("loopback floor (same-size answer)", &floor_figures);
    drop(floor);

    let mut small = Vec::new();
    for workload in workloads() {
        let body = workload.body;
        let figures = measure(
            &target,
            &sandbox,
            workload.operation,
            &move |i| body(i, SMALL_TABLE),
            LATENCY_REQUESTS,
        )
        .await;
        print_row(&format!("sandbox, 3k: {}", workload.name), &figures);
        small.push(figures);
    }
    let small_rss = sandbox.resident_bytes();

    fill(&target, SMALL_TABLE, LARGE_TABLE).await;
    let mut large = Vec::new();
    for workload in workloads().into_iter().skip(1) {
        let body = workload.body;
        let figures = measure(
            &target,
            &sandbox,
            workload.operation,
            &move |i| body(i, LARGE_TABLE),
            LATENCY_REQUESTS,
        )
        .await;
        print_row(&format!("sandbox, 300k: {}", workload.name), &figures);
        large.push(figures);
    }
    let large_rss = sandbox.resident_bytes();
    drop(sandbox);

    // The fastest peer per operation, by throughput.
    let mut fastest: [Option<(&'static str, Figures)>; 4] = [None; 4];
    let mut missing = Vec::new();
    for peer in peers() {
        let peer = match peer {
            Ok(peer) => peer,
            Err(why) => {
                missing.push(why);
                continue;
            }
        };
        let server = Server::spawn_external(&peer.program, &peer.args, Duration::from_secs(60));
        let peer_target = Target::new(server.port);
        fill(&peer_target, 0, SMALL_TABLE).await;
        for (position, workload) in workloads().into_iter().enumerate() {
            let body = workload.body;
            let figures = measure(
                &peer_target,
                &server,
                workload.operation,
                &move |i| body(i, SMALL_TABLE),
                LATENCY_REQUESTS / 3,
            )
            .await;
            print_row(&format!("{}, 3k: {}", peer.name, workload.name), &figures);
            if fastest[position].is_none_or(|(_, best)| figures.per_second > best.per_second) {
                fastest[position] = Some((peer.name, figures));
            }
        }
    }
    for why in &missing {
        println!("not measured: {why}");
    }
    println!();
    println!(
        "sandbox resident memory: idle {}, at {SMALL_TABLE} items {}, at {LARGE_TABLE} items {}",
        mib(idle_rss),
        mib(small_rss),
        mib(large_rss)
    );
    println!();

    let [put, get, query, update] = [small[0], small[1], small[2], small[3]];
    let large_query = large[1];
    let ratio = |position: usize, ours: &Figures| -> (bool, f64, String) {
        match fastest[position] {
            Some((name, best)) => {
                let times = ours.per_second / best.per_second;
                (true, times, format!("{times:.1}x {name}"))
            }
            None => (false, 0.0, "no peer measured".to_owned()),
        }
    };
    let mut checks: Vec<(String, bool, String)> = vec![
        (
            "GetItem p50 <= 2x floor p50".into(),
            get.p50 <= floor_figures.p50 * 2,
            format!("{:?} vs {:?}", get.p50, floor_figures.p50 * 2),
        ),
        (
            "PutItem p50 <= 2x floor p50".into(),
            put.p50 <= floor_figures.p50 * 2,
            format!("{:?} vs {:?}", put.p50, floor_figures.p50 * 2),
        ),
        (
            "PutItem c16 p99 < 2 ms".into(),
            put.p99_loaded < Duration::from_millis(2),
            format!("{:?}", put.p99_loaded),
        ),
        (
            "UpdateItem c16 p99 < 2 ms".into(),
            update.p99_loaded < Duration::from_millis(2),
            format!("{:?}", update.p99_loaded),
        ),
        (
            "Query p50 at 300k items within 20% of at 3k".into(),
            large_query.p50.as_secs_f64() <= query.p50.as_secs_f64() * 1.2,
            format!("{:?} vs {:?}", large_query.p50, query.p50),
        ),
        (
            format!("resident memory at {LARGE_TABLE} items within 50 MiB of idle"),
            large_rss.saturating_sub(idle_rss) <= 50 * 1024 * 1024,
            format!("+{}", mib(large_rss.saturating_sub(idle_rss))),
        ),
        (
            "GetItem server CPU <= 60 us".into(),
            get.cpu_per_request <= Duration::from_micros(60),
            format!("{:?}", get.cpu_per_request),
        ),
    ];
    for (position, ours, name, at_least) in [
        (0, &put, "PutItem", 3.4),
        (1, &get, "GetItem", 3.4),
        (2, &query, "Query", 5.0),
    ] {
        let (measured, times, figure) = ratio(position, ours);
        checks.push((
            format!("{name} c16 >= {at_least}x the fastest peer"),
            measured && times >= at_least,
            figure,
        ));
    }
    for (target, met, figure) in checks {
        println!(
            "{} {target}: {figure}",
            if met { "MET   " } else { "MISSED" }
        );
    }
}

fn print_row(name: &str, figures: &Figures) {
    println!(
        "{:<52} {:>9} {:>9} {:>11.0} {:>10} {:>10}",
        name,
        format!("{:.1?}", figures.p50),
        format!("{:.1?}", figures.p99),
        figures.per_second,
        format!("{:.1?}", figures.p99_loaded),
        format!("{:.1?}", figures.cpu_per_request),
    );
}
