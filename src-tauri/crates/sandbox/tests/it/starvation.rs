//! No request starves the others: while the heaviest requests of several services are being
//! served at once, `/_sandbox/health` keeps answering. (`benches/heavy.rs` measures how fast.)

use std::time::{Duration, Instant};

use crate::client::send;
use crate::fixture::Sandbox;

/// Far above what a healthy sandbox needs (milliseconds), far below a frozen one (seconds).
const RESPONSIVE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_the_heaviest_requests_are_served() {
    let sandbox = Sandbox::start().await;
    crate::fixture::create_table(&sandbox.dynamodb(), "heavy", "id", None).await;
    let endpoint = sandbox.running.endpoint();

    let mut tags = String::from(
        "Action=CreateRole&Version=2010-05-08&RoleName=tagged&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
    );
    for i in 1..=80_000 {
        tags.push_str(&format!(
            "&Tags.member.{i}.Key=k{i}&Tags.member.{i}.Value=v{i}"
        ));
    }
    let items: Vec<_> = (0..25)
        .map(|i| {
            serde_json::json!({"PutRequest": {"Item": {
                "id": {"S": format!("item-{i}")}, "blob": {"S": "x".repeat(350 * 1024)},
            }}})
        })
        .collect();
    let batch = serde_json::json!({"RequestItems": {"heavy": items}}).to_string();

    let mut load = Vec::new();
    for round in 0..2 {
        let (endpoint, tags, batch) = (endpoint.clone(), tags.clone(), batch.clone());
        load.push(tokio::spawn(async move {
            let form = [("content-type", "application/x-www-form-urlencoded")];
            let refused = send("POST", &format!("{endpoint}/"), &form, &tags).await;
            assert_eq!(refused.status, 409, "round {round}: {}", refused.body);
            let json = [
                ("x-amz-target", "DynamoDB_20120810.BatchWriteItem"),
                ("content-type", "application/x-amz-json-1.0"),
            ];
            let written = send("POST", &format!("{endpoint}/"), &json, &batch).await;
            assert_eq!(written.status, 200, "round {round}: {}", written.body);
        }));
    }
    let mut slowest = Duration::ZERO;
    while load.iter().any(|task| !task.is_finished()) {
        let started = Instant::now();
        let health = send("GET", &format!("{endpoint}/_sandbox/health"), &[], "").await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(health.status, 200);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for task in load {
        task.await.unwrap();
    }
    eprintln!("slowest health answer under load: {slowest:?}");
    assert!(slowest < RESPONSIVE, "health took {slowest:?} under load");
}
