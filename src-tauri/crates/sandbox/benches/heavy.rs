//! The heaviest requests of each service, and what they cost everyone else:
//! `cargo bench -p lab-sandbox --bench heavy` (or `make bench`).
//!
//! 1. IAM's `Tags.member.N` list, parsed in time linear in its length: CreateRole with 5k to 80k
//!    tags, each beside the same body sent to a loopback floor (the cost of moving the bytes).
//! 2. `/_sandbox/health` latency while each service's heaviest request is being served,
//!    beside the same polls on an idle sandbox.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Server, Target};

const TAG_COUNTS: [usize; 5] = [5_000, 10_000, 20_000, 40_000, 80_000];
const HEALTH_POLLS: usize = 200;

fn main() {
    common::main_with(run);
}

async fn run() {
    let sandbox = Server::spawn(&["serve-sandbox"]);
    let floor = Server::spawn(&["serve-floor", "200"]);
    let target = Target::new(sandbox.port);
    let floor_target = Target::new(floor.port);
    create_destinations(&target).await;

    println!("IAM CreateRole with N tags (best of 3), beside the floor for the same body");
    println!(
        "{:>8} {:>10} {:>12} {:>12} {:>10}",
        "tags", "body KB", "sandbox ms", "floor ms", "µs/tag"
    );
    for count in TAG_COUNTS {
        let body = tags_body(count);
        let sandbox_time = best_of(3, || post_form(&target, body.clone())).await;
        let floor_time = best_of(3, || post_form(&floor_target, body.clone())).await;
        println!(
            "{count:>8} {:>10} {:>12.1} {:>12.1} {:>10.2}",
            body.len() / 1024,
            ms(sandbox_time),
            ms(floor_time),
            sandbox_time.as_secs_f64() * 1e6 / count as f64
        );
    }

    println!();
    println!(
        "/_sandbox/health while one heavy request after another is served ({HEALTH_POLLS} polls)"
    );
    println!(
        "{:<34} {:>8} {:>8} {:>8}",
        "load", "p50 ms", "p99 ms", "max ms"
    );
    report("idle (baseline)", poll_health(&target, HEALTH_POLLS).await);
    for (name, heavy) in heavy_requests() {
        let load = {
            let target = target.clone();
            tokio::spawn(async move {
                loop {
                    let (path, headers, body) = heavy.clone();
                    let headers: Vec<(&str, &str)> =
                        headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    target.post(path, &headers, body).await;
                }
            })
        };
        // Let the first heavy request get going.
        tokio::time::sleep(Duration::from_millis(20)).await;
        report(name, poll_health(&target, HEALTH_POLLS).await);
        load.abort();
    }
}

/// The table, log group and stream the heavy requests write to.
async fn create_destinations(target: &Target) {
    let amz = |op: &str, version: &str| {
        [
            ("x-amz-target", op.to_owned()),
            ("content-type", format!("application/x-amz-json-{version}")),
        ]
    };
    let calls = [
        (
            amz("DynamoDB_20120810.CreateTable", "1.0"),
            r#"{"TableName":"heavy","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}"#,
        ),
        (
            amz("Logs_20140328.CreateLogGroup", "1.1"),
            r#"{"logGroupName":"heavy"}"#,
        ),
        (
            amz("Logs_20140328.CreateLogStream", "1.1"),
            r#"{"logGroupName":"heavy","logStreamName":"heavy"}"#,
        ),
    ];
    for (headers, body) in calls {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, answer) = target.post("/", &headers, body.as_bytes().to_vec()).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    }
}

type Heavy = (&'static str, Vec<(&'static str, String)>, Vec<u8>);

/// Each service's heaviest request: `(what, (path, headers, body))`.
fn heavy_requests() -> Vec<(&'static str, Heavy)> {
    let form = vec![(
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let amz = |target: &str, version: &str| {
        vec![
            ("x-amz-target", target.to_owned()),
            ("content-type", format!("application/x-amz-json-{version}")),
        ]
    };
    // 25 items of 350 KB each: a BatchWriteItem near DynamoDB's 16 MB request limit.
    let items: Vec<_> = (0..25)
        .map(|i| {
            serde_json::json!({"PutRequest": {"Item": {
                "id": {"S": format!("item-{i}")},
                "blob": {"S": "x".repeat(350 * 1024)},
            }}})
        })
        .collect();
    let batch = serde_json::json!({"RequestItems": {"heavy": items}}).to_string();
    // A package of 2 MB that does not compress, as a function's dependencies would be.
    let noise: Vec<u8> = (0u32..2 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let zip = lab_sandbox::lambda::package::zip_files(&[
        ("app.py", b"def handler(e, c):\n    return 1\n", 0o644),
        ("lib/data.bin", &noise, 0o644),
    ]);
    let create = serde_json::json!({
        "FunctionName": "heavy",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::000000000000:role/LabRole",
        "Handler": "app.handler",
        "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip)},
    })
    .to_string();
    let events: Vec<_> = (0..10_000)
        .map(|i| serde_json::json!({"timestamp": 1_700_000_000_000u64 + i, "message": "y".repeat(80)}))
        .collect();
    let put_logs = serde_json::json!({
        "logGroupName": "heavy", "logStreamName": "heavy", "logEvents": events,
    })
    .to_string();
    vec![
        ("IAM CreateRole, 80k tags", ("/", form, tags_body(80_000))),
        (
            "DynamoDB BatchWriteItem, 8.5 MB",
            (
                "/",
                amz("DynamoDB_20120810.BatchWriteItem", "1.0"),
                batch.into_bytes(),
            ),
        ),
        (
            "Lambda CreateFunction, 2 MB zip",
            (
                "/2015-03-31/functions",
                vec![("content-type", "application/json".to_owned())],
                create.into_bytes(),
            ),
        ),
        (
            "Logs PutLogEvents, 10k events",
            (
                "/",
                amz("Logs_20140328.PutLogEvents", "1.1"),
                put_logs.into_bytes(),
            ),
        ),
    ]
}

fn tags_body(count: usize) -> Vec<u8> {
    let mut body = String::from(
        "Action=CreateRole&Version=2010-05-08&RoleName=tagged&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
    );
    for i in 1..=count {
        body.push_str(&format!(
            "&Tags.member.{i}.Key=k{i}&Tags.member.{i}.Value=v{i}"
        ));
    }
    body.into_bytes()
}

async fn post_form(target: &Target, body: Vec<u8>) -> Duration {
    let started = Instant::now();
    target
        .post(
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            body,
        )
        .await;
    started.elapsed()
}

async fn best_of<F, Fut>(runs: usize, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let mut best = Duration::MAX;
    for _ in 0..runs {
        best = best.min(run().await);
    }
    best
}

async fn poll_health(target: &Target, polls: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(polls);
    for _ in 0..polls {
        let started = Instant::now();
        let (status, _) = target.get("/_sandbox/health").await;
        latencies.push(started.elapsed());
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies.sort_unstable();
    latencies
}

fn report(load: &str, sorted: Vec<Duration>) {
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    println!(
        "{load:<34} {:>8.2} {:>8.2} {:>8.2}",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*sorted.last().unwrap_or(&Duration::ZERO))
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
