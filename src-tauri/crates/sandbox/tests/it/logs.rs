//! CloudWatch Logs through the real SDK client.

use aws_sdk_cloudwatchlogs::types::InputLogEvent;

use crate::fixture::Sandbox;

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn groups_streams_and_events_round_trip() {
    let sandbox = Sandbox::start().await;
    let logs = sandbox.logs();
    logs.create_log_group()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap();
    let error = logs
        .create_log_group()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_resource_already_exists_exception(), "{error:?}");

    logs.create_log_stream()
        .log_group_name("/aws/lambda/LambdaCRUD")
        .log_stream_name("2026/11/21/[$LATEST]abc")
        .send()
        .await
        .unwrap();
    let now = now_millis();
    let lines = [
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
