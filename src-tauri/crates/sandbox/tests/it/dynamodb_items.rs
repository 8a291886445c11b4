//! DynamoDB item operations through the real SDK client: the lab's CRUD calls, conditions,
//! updates, return values, batches, transactions and persistence.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, DeleteRequest, KeysAndAttributes, Put, PutRequest, ReturnValue,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update, WriteRequest,
};

use crate::fixture::{Sandbox, create_table, error_of, n, s};

const TABLE: &str = "ccbda-lambda-first";

#[tokio::test]
async fn crud_round_trip_as_the_lab_does_it() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;

    client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("lamp"))
        .item("color", s("red"))
        .item("watts", n("60.0"))
        .item(
            "tags",
            AttributeValue::Ss(vec!["desk".into(), "led".into()]),
        )
        .send()
        .await
        .unwrap();
    let item = client
        .get_item()
        .table_name(TABLE)
        .key("thingID", s("lamp"))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["color"], s("red"));
    // Numbers come back normalised, as DynamoDB stores them.
    assert_eq!(item["watts"], n("60"));

    let updated = client
        .update_item()
        .table_name(TABLE)
        .key("thingID", s("lamp"))
        .update_expression("SET color = :c, #w = #w + :d REMOVE tags")
        .expression_attribute_names("#w", "watts")
        .expression_attribute_values(":c", s("blue"))
        .expression_attribute_values(":d", n("15"))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    let attributes = updated.attributes.unwrap();
    assert_eq!(attributes.len(), 2, "{attributes:?}");
    assert_eq!(attributes["watts"], n("75"));

    let deleted = client
        .delete_item()
        .table_name(TABLE)
        .key("thingID", s("lamp"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.attributes.unwrap()["color"], s("blue"));
    let gone = client
        .get_item()
        .table_name(TABLE)
        .key("thingID", s("lamp"))
        .send()
        .await
        .unwrap();
    assert!(gone.item.is_none());
}

#[tokio::test]
async fn conditional_writes_fail_with_the_item_when_asked() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("lamp"))
        .item("version", n("1"))
        .send()
        .await
        .unwrap();

    let error = client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("lamp"))
        .condition_expression("attribute_not_exists(thingID)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .unwrap_err();
    let failure = error.into_service_error();
    assert!(
        failure.is_conditional_check_failed_exception(),
        "{failure:?}"
    );
    let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(
        failure,
    ) = failure
    else {
        unreachable!()
    };
    assert_eq!(failure.message(), Some("The conditional request failed"));
    assert_eq!(failure.item().unwrap()["version"], n("1"));

    // An optimistic-locking update succeeds once, then fails.
    let bump = || {
        client
            .update_item()
            .table_name(TABLE)
            .key("thingID", s("lamp"))
            .update_expression("SET version = version + :one")
            .condition_expression("version = :expected")
            .expression_attribute_values(":one", n("1"))
            .expression_attribute_values(":expected", n("1"))
            .send()
    };
    bump().await.unwrap();
    let (code, _) = error_of(bump().await);
    assert_eq!(code, "ConditionalCheckFailedException");
}

#[tokio::test]
async fn bad_requests_get_dynamodbs_validation_errors() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;

    let cases = [
        (
            error_of(
                client
                    .put_item()
                    .table_name(TABLE)
                    .item("other", s("x"))
                    .send()
                    .await,
            ),
            "One or more parameter values were invalid: Missing the key thingID in the item",
        ),
        (
            error_of(
                client
                    .put_item()
                    .table_name(TABLE)
                    .item("thingID", n("1"))
                    .send()
                    .await,
            ),
            "One or more parameter values were invalid: Type mismatch for key thingID expected: S actual: N",
        ),
        (
            error_of(
                client
                    .update_item()
                    .table_name(TABLE)
                    .key("thingID", s("x"))
                    .update_expression("SET status = :s")
                    .expression_attribute_values(":s", s("on"))
                    .send()
                    .await,
            ),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
        ),
        (
            error_of(
                client
                    .get_item()
                    .table_name(TABLE)
                    .key("thingID", s("x"))
                    .key("extra", s("y"))
                    .send()
                    .await,
            ),
            "The provided key element does not match the schema",
        ),
        (
            error_of(
                client
                    .put_item()
                    .table_name(TABLE)
                    .item("thingID", s("x"))
                    .condition_expression("attribute_exists(thingID)")
                    .expression_attribute_values(":unused", s("y"))
                    .send()
                    .await,
            ),
            // PutItem reports it through AWS's parameter-validation layer.
            "1 validation error detected: Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
        ),
        (
            error_of(
                client
                    .update_item()
                    .table_name(TABLE)
                    .key("thingID", s("x"))
                    .update_expression("SET thingID = :s")
                    .expression_attribute_values(":s", s("y"))
                    .send()
                    .await,
            ),
            "One or more parameter values were invalid: Cannot update attribute thingID. This attribute is part of the key",
        ),
    ];
    for ((code, message), expected) in cases {
        assert_eq!(code, "ValidationException", "{message}");
        assert_eq!(message, expected);
    }

    let (code, message) = error_of(
        client
            .get_item()
            .table_name("no-such-table")
            .key("thingID", s("x"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ResourceNotFoundException", "Requested resource not found")
    );
}

#[tokio::test]
async fn items_over_400_kb_are_refused() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    let (code, message) = error_of(
        client
            .put_item()
            .table_name(TABLE)
            .item("thingID", s("big"))
            .item("blob", s(&"x".repeat(400 * 1024)))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "Item size has exceeded the maximum allowed size");
}

#[tokio::test]
async fn batches_write_delete_and_read_many_items() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    let puts: Vec<WriteRequest> = (0..25)
        .map(|i| {
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .item("thingID", s(&format!("thing-{i:02}")))
                        .item("i", n(&i.to_string()))
                        .build()
                        .unwrap(),
                )
                .build()
        })
        .collect();
    let written = client
        .batch_write_item()
        .request_items(TABLE, puts)
        .send()
        .await
        .unwrap();
    assert!(written.unprocessed_items().unwrap().is_empty());

    client
        .batch_write_item()
        .request_items(
            TABLE,
            vec![
                WriteRequest::builder()
                    .delete_request(
                        DeleteRequest::builder()
                            .key("thingID", s("thing-00"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            ],
        )
        .send()
        .await
        .unwrap();

    let keys: Vec<HashMap<String, AttributeValue>> = ["thing-00", "thing-01", "thing-24"]
        .iter()
        .map(|id| HashMap::from([("thingID".to_owned(), s(id))]))
        .collect();
    let read = client
        .batch_get_item()
        .request_items(
            TABLE,
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut found: Vec<String> = read.responses().unwrap()[TABLE]
        .iter()
        .map(|item| item["thingID"].as_s().unwrap().clone())
        .collect();
    found.sort();
    assert_eq!(found, ["thing-01", "thing-24"]);
}

/// A batch that names the same key twice is refused whole.
#[tokio::test]
async fn a_batch_naming_a_key_twice_is_refused() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    let (code, message) = error_of(
        client
            .batch_write_item()
            .request_items(
                TABLE,
                vec![
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .item("thingID", s("dup"))
                                .build()
                                .unwrap(),
                        )
                        .build(),
                    WriteRequest::builder()
                        .delete_request(
                            DeleteRequest::builder()
                                .key("thingID", s("dup"))
                                .build()
                                .unwrap(),
                        )
                        .build(),
                ],
            )
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "Provided list of item keys contains duplicates"
        )
    );
}

#[tokio::test]
async fn transactions_apply_all_or_nothing() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("stock"))
        .item("count", n("1"))
        .send()
        .await
        .unwrap();

    let take_one = || {
        client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name(TABLE)
                            .key("thingID", s("stock"))
                            .update_expression("SET #c = #c - :one")
                            .condition_expression("#c >= :one")
                            .expression_attribute_names("#c", "count")
                            .expression_attribute_values(":one", n("1"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(TABLE)
                            .item("thingID", s("order"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    take_one().await.unwrap();
    let error = take_one().await.unwrap_err().into_service_error();
    let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(canceled) = error else {
        panic!("expected a cancelled transaction, got {error:?}");
    };
    assert_eq!(
        canceled.message(),
        Some(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"
        )
    );
    let codes: Vec<&str> = canceled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["ConditionalCheckFailed", "None"]);

    let (code, _) = error_of(
        client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(TABLE)
                            .key("thingID", s("stock"))
                            .condition_expression("attribute_exists(thingID)")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(TABLE)
                            .item("thingID", s("stock"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let client = sandbox.dynamodb();
        create_table(&client, TABLE, "thingID", None).await;
        for i in 0..20 {
            client
                .put_item()
                .table_name(TABLE)
                .item("thingID", s(&format!("thing-{i}")))
                .item("n", n(&i.to_string()))
                .send()
                .await
                .unwrap();
        }
        client
            .delete_item()
            .table_name(TABLE)
            .key("thingID", s("thing-3"))
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
    }
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = sandbox.dynamodb();
    let table = client
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(table.item_count(), Some(19));
    let item = client
        .get_item()
        .table_name(TABLE)
        .key("thingID", s("thing-7"))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["n"], n("7"));
}

#[tokio::test]
async fn expired_items_are_deleted() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, TABLE, "thingID", None).await;
    client
        .update_time_to_live()
        .table_name(TABLE)
        .time_to_live_specification(
            aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("old"))
        .item("expires", n(&(now - 60).to_string()))
        .send()
        .await
        .unwrap();
    client
        .put_item()
        .table_name(TABLE)
        .item("thingID", s("new"))
        .item("expires", n(&(now + 3600).to_string()))
        .send()
        .await
        .unwrap();
    let mut remaining = 2;
    for _ in 0..50 {
        remaining = client
            .scan()
            .table_name(TABLE)
            .send()
            .await
            .unwrap()
            .count();
        if remaining == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        remaining, 1,
        "the expired item is deleted within a few seconds"
    );
}

#[tokio::test]
async fn item_changes_reach_the_inspection_feed() {
    let sandbox = Sandbox::start_recording_item_changes().await;
    let client = lamp_in_a_table(&sandbox).await;
    client
        .delete_item()
        .table_name("things")
        .key("id", s("lamp"))
        .send()
        .await
        .unwrap();

    let history = sandbox.inspect_history().await;
    let changes: Vec<&serde_json::Value> = history
        .iter()
        .filter(|record| record["kind"] == "item-change")
        .collect();
    assert_eq!(changes.len(), 2, "{history:?}");
    assert_eq!(changes[0]["operation"], "PutItem");
    assert_eq!(changes[0]["table"], "things");
    assert_eq!(changes[0]["item"]["watts"]["N"], "40");
    assert_eq!(changes[1]["operation"], "DeleteItem");
    assert_eq!(changes[1]["key"]["id"]["S"], "lamp");
    assert!(changes[1]["item"].is_null());
}

#[tokio::test]
async fn item_changes_stay_off_the_feed_unless_asked_for() {
    let sandbox = Sandbox::start().await;
    lamp_in_a_table(&sandbox).await;
    assert!(sandbox.inspect_history().await.is_empty());
}

/// A table `things` holding one item, the lamp of 40 watts.
async fn lamp_in_a_table(sandbox: &Sandbox) -> aws_sdk_dynamodb::Client {
    let client = sandbox.dynamodb();
    create_table(&client, "things", "id", None).await;
    client
        .put_item()
        .table_name("things")
        .item("id", s("lamp"))
        .item("watts", n("40"))
        .send()
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn transactions_are_bounded_in_size_and_token_length() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    create_table(&client, "big", "id", None).await;
    let put = |i: usize| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name("big")
                    .item("id", s(&format!("item-{i}")))
                    .item("blob", s(&"x".repeat(390 * 1024)))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let too_large = client
        .transact_write_items()
        .set_transact_items(Some((0..11).map(put).collect()))
        .send()
        .await;
    assert_eq!(
        error_of(too_large),
        (
            "ValidationException".to_owned(),
            "Transaction request cannot be larger than 4 MB".to_owned()
        )
    );
    let token = "t".repeat(37);
    let long_token = client
        .transact_write_items()
        .transact_items(put(0))
        .client_request_token(&token)
        .send()
        .await;
    assert_eq!(
        error_of(long_token),
        (
            "ValidationException".to_owned(),
            format!(
                "1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"
            )
        )
    );
    client
        .transact_write_items()
        .set_transact_items(Some((0..10).map(put).collect()))
        .client_request_token("t".repeat(36))
        .send()
        .await
        .expect("ten items under 4 MB with a 36-character token are fine");
}
