//! CloudWatch Logs through the real SDK client.

use aws_sdk_cloudwatchlogs::types::InputLogEvent;

use crate::fixture::Sandbox;

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The log group `/aws/lambda/LambdaCRUD` with one stream of a START, an ERROR, an END and a
/// REPORT line, one millisecond apart from `now`: the lines and `now`.
async fn crud_log(sandbox: &Sandbox) -> ([&'static str; 4], i64) {
    let logs = sandbox.logs();
    logs.create_log_group()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .log_stream_name("2026/11/21/[$LATEST]abc")
        .send()
        .await
        .unwrap();
    let now = now_millis();
    let lines: [&'static str; 4] = [
        "START RequestId: 1 Version: $LATEST",
        "ERROR boom",
        "END RequestId: 1",
        "REPORT RequestId: 1\tDuration: 2.00 ms",
    ];
    let events: Vec<InputLogEvent> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            InputLogEvent::builder()
                .timestamp(now + i as i64)
                .message(*line)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .log_stream_name("2026/11/21/[$LATEST]abc")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
    (lines, now)
}

/// A second group of the same name is refused.
#[tokio::test]
async fn a_log_group_is_created_once() {
    let sandbox = Sandbox::start().await;
    crud_log(&sandbox).await;
    let logs = sandbox.logs();
    let error = logs
        .create_log_group()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_resource_already_exists_exception(), "{error:?}");
}

/// GetLogEvents pages forward with its token.
#[tokio::test]
async fn events_read_back_page_by_page() {
    let sandbox = Sandbox::start().await;
    let (lines, _) = crud_log(&sandbox).await;
    let logs = sandbox.logs();
    let page = logs
        .get_log_events()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .log_stream_name("2026/11/21/[$LATEST]abc")
        .start_from_head(true)
        .limit(3)
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = page.events().iter().map(|e| e.message().unwrap()).collect();
    assert_eq!(messages, &lines[..3]);
    let rest = logs
        .get_log_events()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .log_stream_name("2026/11/21/[$LATEST]abc")
        .next_token(page.next_forward_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.events().len(), 1);
}

/// `?ERROR ?REPORT` keeps the lines with either term.
#[tokio::test]
async fn a_filter_pattern_picks_its_events() {
    let sandbox = Sandbox::start().await;
    crud_log(&sandbox).await;
    let logs = sandbox.logs();
    let filtered = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .filter_pattern("?ERROR ?REPORT")
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = filtered
        .events()
        .iter()
        .map(|e| e.message().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["ERROR boom", "REPORT RequestId: 1\tDuration: 2.00 ms"]
    );
}

/// A group has its ARN; streams sort by their last event.
#[tokio::test]
async fn groups_and_streams_are_described_with_their_arn_and_last_event() {
    let sandbox = Sandbox::start().await;
    let (_, now) = crud_log(&sandbox).await;
    let logs = sandbox.logs();
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups().len(), 1);
    assert_eq!(
        groups.log_groups()[0].arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/LambdaCRUD:*")
    );
    let streams = logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .order_by(aws_sdk_cloudwatchlogs::types::OrderBy::LastEventTime)
        .descending(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        streams.log_streams()[0].last_event_timestamp(),
        Some(now + 3)
    );
}

/// 7 days is a retention; 8 is not.
#[tokio::test]
async fn retention_takes_only_the_day_counts_aws_offers() {
    let sandbox = Sandbox::start().await;
    crud_log(&sandbox).await;
    let logs = sandbox.logs();
    logs.put_retention_policy()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    let error = logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .retention_in_days(8)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_invalid_parameter_exception(), "{error:?}");
}

/// Tags go on a group by its ARN and come back.
#[tokio::test]
async fn a_log_group_is_tagged_by_its_arn() {
    let sandbox = Sandbox::start().await;
    crud_log(&sandbox).await;
    let logs = sandbox.logs();
    logs.tag_resource()
        .resource_arn("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/LambdaCRUD")
        .tags("lab", "crud")
        .send()
        .await
        .unwrap();
    let tags = logs
        .list_tags_for_resource()
        .resource_arn("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["lab"], "crud");
}

/// A deleted group has no streams to describe, in AWS's words.
#[tokio::test]
async fn a_deleted_group_is_gone() {
    let sandbox = Sandbox::start().await;
    crud_log(&sandbox).await;
    let logs = sandbox.logs();
    logs.delete_log_group()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap();
    let error = logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_resource_not_found_exception(), "{error:?}");
    assert_eq!(
        error.meta().message(),
        Some("The specified log group does not exist.")
    );
}

#[tokio::test]
async fn logs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let logs = sandbox.logs();
        logs.create_log_group()
            .log_group_name("kept")
            .send()
            .await
            .unwrap();
        logs.create_log_stream()
            .log_group_name("kept")
            .log_stream_name("s")
            .send()
            .await
            .unwrap();
        logs.put_log_events()
            .log_group_name("kept")
            .log_stream_name("s")
            .log_events(
                InputLogEvent::builder()
                    .timestamp(now_millis())
                    .message("hello")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
    }
    let sandbox = Sandbox::start_in(dir.path()).await;
    let events = sandbox
        .logs()
        .get_log_events()
        .log_group_name("kept")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    assert_eq!(events.events()[0].message(), Some("hello"));
}

/// A sandbox restarted on a data directory where the group `paged` holds the streams `a` and
/// `b`, 25 events each, interleaved in time (`a-00 even`, `b-00 even`, `a-01 odd`, …): the
/// events are read from disk.
async fn paged_logs(dir: &std::path::Path) -> Sandbox {
    let start = now_millis() - 60_000;
    {
        let sandbox = Sandbox::start_in(dir).await;
        let logs = sandbox.logs();
        logs.create_log_group()
            .log_group_name("paged")
            .send()
            .await
            .unwrap();
        for stream in ["a", "b"] {
            logs.create_log_stream()
                .log_group_name("paged")
                .log_stream_name(stream)
                .send()
                .await
                .unwrap();
            let mut put = logs
                .put_log_events()
                .log_group_name("paged")
                .log_stream_name(stream);
            for i in 0..25 {
                put = put.log_events(
                    InputLogEvent::builder()
                        // The streams' events interleave in time.
                        .timestamp(start + i * 10 + i64::from(stream == "b") * 5)
                        .message(format!(
                            "{stream}-{i:02} {}",
                            if i % 2 == 0 { "even" } else { "odd" }
                        ))
                        .build()
                        .unwrap(),
                );
            }
            put.send().await.unwrap();
        }
        sandbox.running.shutdown().await;
    }
    Sandbox::start_in(dir).await
}

/// GetLogEvents from the head, 10 at a time, reads the stream in order; the last token repeats.
#[tokio::test]
async fn events_page_forward_from_the_head_until_the_token_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = paged_logs(dir.path()).await;
    let logs = sandbox.logs();
    // Forwards from the head, 10 at a time, until the token repeats.
    let mut forward = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = logs
            .get_log_events()
            .log_group_name("paged")
            .log_stream_name("a")
            .start_from_head(true)
            .limit(10)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        forward.extend(
            page.events()
                .iter()
                .map(|e| e.message().unwrap().to_owned()),
        );
        let next = page.next_forward_token().map(str::to_owned);
        if next == token {
            break;
        }
        token = next;
    }
    let expected: Vec<String> = (0..25)
        .map(|i| format!("a-{i:02} {}", if i % 2 == 0 { "even" } else { "odd" }))
        .collect();
    assert_eq!(forward, expected);
}

/// Without startFromHead the last events come first; the backward token reads the ones before.
#[tokio::test]
async fn events_page_backward_from_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = paged_logs(dir.path()).await;
    let logs = sandbox.logs();
    let expected: Vec<String> = (0..25)
        .map(|i| format!("a-{i:02} {}", if i % 2 == 0 { "even" } else { "odd" }))
        .collect();
    // Backwards from the tail.
    let tail = logs
        .get_log_events()
        .log_group_name("paged")
        .log_stream_name("a")
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(tail.events().len(), 10);
    assert_eq!(tail.events()[9].message(), Some(expected[24].as_str()));
    let before = logs
        .get_log_events()
        .log_group_name("paged")
        .log_stream_name("a")
        .limit(10)
        .next_token(tail.next_backward_token().unwrap())
        .send()
        .await
        .unwrap();
    let before: Vec<&str> = before
        .events()
        .iter()
        .map(|e| e.message().unwrap())
        .collect();
    assert_eq!(
        before,
        expected[5..15]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
}

/// FilterLogEvents reads both streams' matches in time order, 7 per page.
#[tokio::test]
async fn a_filter_pages_across_streams_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = paged_logs(dir.path()).await;
    let logs = sandbox.logs();
    // Filtered across both streams in time order, 7 per page.
    let mut matched = Vec::new();
    let mut token = None;
    loop {
        let page = logs
            .filter_log_events()
            .log_group_name("paged")
            .filter_pattern("even")
            .limit(7)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        matched.extend(
            page.events()
                .iter()
                .map(|e| e.message().unwrap().to_owned()),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let expected: Vec<String> = (0..25)
        .step_by(2)
        .flat_map(|i| [format!("a-{i:02} even"), format!("b-{i:02} even")])
        .collect();
    assert_eq!(matched, expected);
}

/// A group's storedBytes is the size of every event it holds.
#[tokio::test]
async fn a_group_counts_the_bytes_of_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = paged_logs(dir.path()).await;
    let logs = sandbox.logs();
    let group = logs
        .describe_log_groups()
        .log_group_name_prefix("paged")
        .send()
        .await
        .unwrap();
    let stored: i64 = (0..25).map(|i| if i % 2 == 0 { 9 } else { 8 }).sum::<i64>() * 2;
    assert_eq!(group.log_groups()[0].stored_bytes(), Some(stored));
}
