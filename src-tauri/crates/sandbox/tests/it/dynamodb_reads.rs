//! Query and Scan through the real SDK client: key order, direction, limits and paging, filters,
//! projections, counts, indexes and parallel scan segments.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType,
    ScalarAttributeType, Select,
};

use crate::fixture::{Sandbox, attribute, create_table, error_of, key, n, s};

async fn readings(sandbox: &Sandbox) -> aws_sdk_dynamodb::Client {
    let client = sandbox.dynamodb();
    create_table(&client, "readings", "sensor", Some("at")).await;
    // Inserted out of order; numbers that sort differently as text than as numbers.
    for at in [10, 9, 100, 1, 55, 2, 30] {
        for sensor in ["a", "b"] {
            client
                .put_item()
                .table_name("readings")
                .item("sensor", s(sensor))
                .item("at", n(&at.to_string()))
                .item("value", n(&(at * 2).to_string()))
                .send()
                .await
                .unwrap();
        }
    }
    client
}

fn ats(items: &[HashMap<String, AttributeValue>]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["at"].as_n().unwrap().clone())
        .collect()
}

#[tokio::test]
async fn query_returns_one_partition_in_numeric_sort_key_order() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let page = client
        .query()
        .table_name("readings")
        .key_condition_expression("sensor = :s")
        .expression_attribute_values(":s", s("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(ats(page.items()), ["1", "2", "9", "10", "30", "55", "100"]);
    assert_eq!(page.count(), 7);

    let backwards = client
        .query()
        .table_name("readings")
        .key_condition_expression("sensor = :s AND #t BETWEEN :lo AND :hi")
        .expression_attribute_names("#t", "at")
        .expression_attribute_values(":s", s("a"))
        .expression_attribute_values(":lo", n("2"))
        .expression_attribute_values(":hi", n("55"))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(ats(backwards.items()), ["55", "30", "10", "9", "2"]);
}

#[tokio::test]
async fn query_pages_with_limit_and_exclusive_start_key() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let mut seen = Vec::new();
    let mut start = None;
    let mut pages = 0;
    loop {
        let page = client
            .query()
            .table_name("readings")
            .key_condition_expression("sensor = :s")
            .expression_attribute_values(":s", s("b"))
            .limit(3)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(ats(page.items()));
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["1", "2", "9", "10", "30", "55", "100"]);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn filters_count_scanned_items_and_projections_trim_them() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let page = client
        .query()
        .table_name("readings")
        .key_condition_expression("sensor = :s AND #t > :t")
        .filter_expression("#v >= :v")
        .projection_expression("#t")
        .expression_attribute_names("#t", "at")
        .expression_attribute_names("#v", "value")
        .expression_attribute_values(":s", s("a"))
        .expression_attribute_values(":t", n("5"))
        .expression_attribute_values(":v", n("60"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.scanned_count(), 5);
    assert_eq!(page.count(), 3);
    assert_eq!(ats(page.items()), ["30", "55", "100"]);
    assert!(page.items().iter().all(|item| item.len() == 1));

    let counted = client
        .query()
        .table_name("readings")
        .key_condition_expression("sensor = :s")
        .expression_attribute_values(":s", s("a"))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(counted.count(), 7);
    assert!(counted.items.is_none());
}

#[tokio::test]
async fn key_conditions_are_checked() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let (code, message) = error_of(
        client
            .query()
            .table_name("readings")
            .key_condition_expression("#t = :t")
            .expression_attribute_names("#t", "at")
            .expression_attribute_values(":t", n("1"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "Query condition missed key schema element: sensor");

    let (_, message) = error_of(
        client
            .query()
            .table_name("readings")
            .key_condition_expression("sensor = :s")
            .expression_attribute_values(":s", n("1"))
            .send()
            .await,
    );
    assert_eq!(
        message,
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    );
}

#[tokio::test]
async fn scans_filter_and_split_into_segments() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let all = client.scan().table_name("readings").send().await.unwrap();
    assert_eq!(all.count(), 14);
    let filtered = client
        .scan()
        .table_name("readings")
        .filter_expression("#v > :v")
        .expression_attribute_names("#v", "value")
        .expression_attribute_values(":v", n("100"))
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.count(), 4);
    assert_eq!(filtered.scanned_count(), 14);

    let mut total = 0;
    for segment in 0..4 {
        total += client
            .scan()
            .table_name("readings")
            .segment(segment)
            .total_segments(4)
            .send()
            .await
            .unwrap()
            .count();
    }
    assert_eq!(total, 14);
}

#[tokio::test]
async fn global_secondary_indexes_answer_queries() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    client
        .create_table()
        .table_name("connections")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("connectionId", ScalarAttributeType::S))
        .attribute_definitions(attribute("room", ScalarAttributeType::S))
        .key_schema(key("connectionId", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by-room")
                .key_schema(key("room", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for (id, room) in [("c1", "lobby"), ("c2", "games"), ("c3", "lobby")] {
        client
            .put_item()
            .table_name("connections")
            .item("connectionId", s(id))
            .item("room", s(room))
            .item("nick", s("someone"))
            .send()
            .await
            .unwrap();
    }
    client
        .put_item()
        .table_name("connections")
        .item("connectionId", s("c4"))
        .send()
        .await
        .unwrap();
    let lobby = client
        .query()
        .table_name("connections")
        .index_name("by-room")
        .key_condition_expression("room = :r")
        .expression_attribute_values(":r", s("lobby"))
        .send()
        .await
        .unwrap();
    let mut ids: Vec<&str> = lobby
        .items()
        .iter()
        .map(|i| i["connectionId"].as_s().unwrap().as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["c1", "c3"]);
    assert!(
        lobby.items().iter().all(|item| !item.contains_key("nick")),
        "KEYS_ONLY projection"
    );

    let indexed = client
        .scan()
        .table_name("connections")
        .index_name("by-room")
        .send()
        .await
        .unwrap();
    assert_eq!(
        indexed.count(),
        3,
        "items without the index key are not in the index"
    );

    let (code, message) = error_of(
        client
            .query()
            .table_name("connections")
            .index_name("by-room")
            .consistent_read(true)
            .key_condition_expression("room = :r")
            .expression_attribute_values(":r", s("lobby"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "Consistent reads are not supported on global secondary indexes"
        )
    );
}

#[tokio::test]
async fn legacy_parameters_still_work() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    let page = client
        .query()
        .table_name("readings")
        .key_conditions(
            "sensor",
            aws_sdk_dynamodb::types::Condition::builder()
                .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::Eq)
                .attribute_value_list(s("a"))
                .build()
                .unwrap(),
        )
        .key_conditions(
            "at",
            aws_sdk_dynamodb::types::Condition::builder()
                .comparison_operator(aws_sdk_dynamodb::types::ComparisonOperator::Lt)
                .attribute_value_list(n("10"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ats(page.items()), ["1", "2", "9"]);
}

/// The table `scores` (player, game) with the local index `by-score` (player, score), and ana's
/// three games.
async fn scores_table(client: &aws_sdk_dynamodb::Client) {
    use aws_sdk_dynamodb::types::LocalSecondaryIndex;
    client
        .create_table()
        .table_name("scores")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("player", ScalarAttributeType::S))
        .attribute_definitions(attribute("game", ScalarAttributeType::S))
        .attribute_definitions(attribute("score", ScalarAttributeType::N))
        .key_schema(key("player", KeyType::Hash))
        .key_schema(key("game", KeyType::Range))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by-score")
                .key_schema(key("player", KeyType::Hash))
                .key_schema(key("score", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for (game, score) in [("chess", "30"), ("go", "10"), ("tetris", "20")] {
        client
            .put_item()
            .table_name("scores")
            .item("player", s("ana"))
            .item("game", s(game))
            .item("score", n(score))
            .send()
            .await
            .unwrap();
    }
}

/// Adds the global index `by-game` (game) to `scores`.
async fn add_by_game(client: &aws_sdk_dynamodb::Client) {
    use aws_sdk_dynamodb::types::{CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate};
    client
        .update_table()
        .table_name("scores")
        .attribute_definitions(attribute("game", ScalarAttributeType::S))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name("by-game")
                        .key_schema(key("game", KeyType::Hash))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// A query of `by-score` reads ana's games in score order.
#[tokio::test]
async fn a_local_index_sorts_a_partition_by_its_own_key() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    scores_table(&client).await;
    let by_score = client
        .query()
        .table_name("scores")
        .index_name("by-score")
        .key_condition_expression("player = :p")
        .expression_attribute_values(":p", s("ana"))
        .send()
        .await
        .unwrap();
    let games: Vec<&str> = by_score
        .items()
        .iter()
        .map(|i| i["game"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(games, ["go", "tetris", "chess"]);
}

/// An index created by UpdateTable holds the items written before it.
#[tokio::test]
async fn a_global_index_added_later_covers_existing_items() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    scores_table(&client).await;
    add_by_game(&client).await;
    let go = client
        .query()
        .table_name("scores")
        .index_name("by-game")
        .key_condition_expression("game = :g")
        .expression_attribute_values(":g", s("go"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        go.count(),
        1,
        "the new index covers items written before it"
    );
}

/// After its deletion, a query of the index is refused in DynamoDB's words.
#[tokio::test]
async fn a_deleted_global_index_cannot_be_queried() {
    use aws_sdk_dynamodb::types::{DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate};
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    scores_table(&client).await;
    add_by_game(&client).await;
    client
        .update_table()
        .table_name("scores")
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .delete(
                    DeleteGlobalSecondaryIndexAction::builder()
                        .index_name("by-game")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .query()
            .table_name("scores")
            .index_name("by-game")
            .key_condition_expression("game = :g")
            .expression_attribute_values(":g", s("go"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "The table does not have the specified index: by-game"
        )
    );
}

/// Every page of a query with `Limit = 1`, forwards or backwards, as the sort key values read.
async fn query_one_by_one(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    condition: &str,
    values: &[(&str, AttributeValue)],
    forward: bool,
) -> Vec<AttributeValue> {
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let mut query = client
            .query()
            .table_name(table)
            .key_condition_expression(condition)
            .scan_index_forward(forward)
            .limit(1)
            .set_exclusive_start_key(start);
        for (name, value) in values {
            query = query.expression_attribute_values(*name, value.clone());
        }
        let page = query.send().await.unwrap();
        seen.extend(page.items().iter().map(|item| item["k"].clone()));
        start = page.last_evaluated_key;
        if start.is_none() {
            return seen;
        }
    }
}

/// Each sort-key condition reads exactly its range, page by page, forwards and backwards, on
/// string keys (ordered by UTF-8 bytes) and number keys (ordered by value); every case is tried
/// before the test reports.
#[tokio::test]
async fn sort_key_conditions_read_exactly_their_range_in_both_directions() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    for (table, kind) in [
        ("texts", ScalarAttributeType::S),
        ("numbers", ScalarAttributeType::N),
    ] {
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("p", ScalarAttributeType::S))
            .attribute_definitions(attribute("k", kind))
            .key_schema(key("p", KeyType::Hash))
            .key_schema(key("k", KeyType::Range))
            .send()
            .await
            .unwrap();
    }
    let texts = [
        "a",
        "ab",
        "abc",
        "ab\u{ff}",
        "ab\u{10ffff}",
        "ac",
        "b",
        "B",
        "é",
    ];
    let numbers = [
        "-100", "-12.5", "-12", "-1", "-0.5", "0", "0.001", "1", "1.5", "12", "100", "1e20",
    ];
    for (table, values, value) in [
        ("texts", &texts[..], s as fn(&str) -> AttributeValue),
        ("numbers", &numbers[..], n as fn(&str) -> AttributeValue),
    ] {
        for text in values.iter().rev() {
            for partition in ["before", "p", "q"] {
                client
                    .put_item()
                    .table_name(table)
                    .item("p", s(partition))
                    .item("k", value(text))
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
    let p = (":p", s("p"));
    let strings = |values: Vec<AttributeValue>| -> Vec<String> {
        values
            .into_iter()
            .map(|value| match value {
                AttributeValue::S(text) | AttributeValue::N(text) => text,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, AttributeValue)>,
        Vec<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "texts",
            "p = :p AND begins_with(k, :x)",
            vec![p.clone(), (":x", s("ab"))],
            vec!["ab", "abc", "ab\u{ff}", "ab\u{10ffff}"],
        ),
        (
            "texts",
            "p = :p AND k BETWEEN :a AND :b",
            vec![p.clone(), (":a", s("abc")), (":b", s("b"))],
            vec!["abc", "ab\u{ff}", "ab\u{10ffff}", "ac", "b"],
        ),
        (
            "texts",
            "p = :p AND k < :x",
            vec![p.clone(), (":x", s("a"))],
            vec!["B"],
        ),
        (
            "numbers",
            "p = :p AND k BETWEEN :a AND :b",
            vec![p.clone(), (":a", n("-12")), (":b", n("1"))],
            vec!["-12", "-1", "-0.5", "0", "0.001", "1"],
        ),
        (
            "numbers",
            "p = :p AND k > :x",
            vec![p.clone(), (":x", n("1.5"))],
            vec!["12", "100", "100000000000000000000"],
        ),
        (
            "numbers",
            "p = :p AND :x >= k",
            vec![p.clone(), (":x", n("-12"))],
            vec!["-100", "-12.5", "-12"],
        ),
        (
            "numbers",
            "p = :p AND k = :x",
            vec![p.clone(), (":x", n("12.0"))],
            vec!["12"],
        ),
    ];
    let mut wrong = Vec::new();
    for (table, condition, values, expected) in cases {
        let forward = strings(query_one_by_one(&client, table, condition, &values, true).await);
        let mut backward =
            strings(query_one_by_one(&client, table, condition, &values, false).await);
        backward.reverse();
        if forward != expected || backward != expected {
            wrong.push(format!(
                "{table}: {condition}: forward {forward:?}, backward {backward:?}, wanted {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let all = strings(
        query_one_by_one(&client, "numbers", "p = :p", std::slice::from_ref(&p), true).await,
    );
    let mut sorted = numbers.to_vec();
    sorted[11] = "100000000000000000000";
    assert_eq!(all, sorted, "numbers sort numerically");
}

#[tokio::test]
async fn a_start_key_outside_the_query_is_refused() {
    let sandbox = Sandbox::start().await;
    let client = readings(&sandbox).await;
    for (start, condition) in [
        // Another partition.
        ("a", "sensor = :s"),
        // The right partition, but outside the sort key condition.
        ("b", "sensor = :s AND #at > :one_hundred"),
    ] {
        let mut start_key = HashMap::new();
        start_key.insert("sensor".to_owned(), s(start));
        start_key.insert("at".to_owned(), n("10"));
        let mut query = client
            .query()
            .table_name("readings")
            .key_condition_expression(condition)
            .expression_attribute_values(":s", s("b"))
            .set_exclusive_start_key(Some(start_key));
        if condition.contains("#at") {
            query = query
                .expression_attribute_names("#at", "at")
                .expression_attribute_values(":one_hundred", n("100"));
        }
        let error = error_of(query.send().await);
        assert_eq!(
            error,
            (
                "ValidationException".to_owned(),
                "The provided starting key is outside query boundaries based on provided conditions"
                    .to_owned()
            ),
            "{condition}"
        );
    }
}
