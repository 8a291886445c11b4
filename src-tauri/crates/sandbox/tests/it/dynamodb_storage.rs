//! DynamoDB's items on disk: what a restart reads back (items, index entries, counts), tables an
//! earlier version kept in the shared database moved over once, and a sandbox without a data
//! directory keeping its state in a temporary one that goes with it.

use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType, ScalarAttributeType,
};

use crate::fixture::{Sandbox, attribute, key, n, s};

#[tokio::test]
async fn items_index_entries_and_counts_come_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let client = sandbox.dynamodb();
        client
            .create_table()
            .table_name("orders")
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("id", ScalarAttributeType::S))
            .attribute_definitions(attribute("customer", ScalarAttributeType::S))
            .key_schema(key("id", KeyType::Hash))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("by-customer")
                    .key_schema(key("customer", KeyType::Hash))
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
        for i in 0..30 {
            client
                .put_item()
                .table_name("orders")
                .item("id", s(&format!("order-{i:02}")))
                .item("customer", s(if i % 3 == 0 { "ada" } else { "bob" }))
                .item("total", n(&i.to_string()))
                .send()
                .await
                .unwrap();
        }
        client
            .delete_item()
            .table_name("orders")
            .key("id", s("order-03"))
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
    }
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = sandbox.dynamodb();
    let table = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(table.item_count, Some(29));
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.item_count, Some(29));
    assert!(index.index_size_bytes.unwrap_or_default() > 0);
    let ada = client
        .query()
        .table_name("orders")
        .index_name("by-customer")
        .key_condition_expression("customer = :c")
        .expression_attribute_values(":c", s("ada"))
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = ada
        .items()
        .iter()
        .map(|item| item["id"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "order-00", "order-06", "order-09", "order-12", "order-15", "order-18", "order-21",
            "order-24", "order-27"
        ]
    );
    assert!(
        ada.items().iter().all(|item| !item.contains_key("total")),
        "a KEYS_ONLY index holds keys only"
    );
}

#[tokio::test]
async fn tables_kept_in_the_shared_database_by_an_earlier_version_are_moved_once() {
    let dir = tempfile::tempdir().unwrap();
    Sandbox::start_in(dir.path()).await.running.shutdown().await;
    {
        let shared =
            rusqlite::Connection::open(dir.path().join(lab_sandbox::store::DATABASE_FILE)).unwrap();
        let definition = serde_json::json!({
            "TableName": "notes",
            "AttributeDefinitions": [
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "n", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "n", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "TableId": "0b6c4b5e-6e0c-4a35-9d38-0d1b3c2f7a11",
            "CreationDateTime": 1_700_000_000.0,
        });
        shared
            .execute(
                "INSERT INTO dynamodb_tables (account, region, name, definition) VALUES ('000000000000', 'us-east-1', 'notes', ?1)",
                [definition.to_string()],
            )
            .unwrap();
        for (i, text) in ["first", "second", "third"].iter().enumerate() {
            let item = serde_json::json!({"id": {"S": "a"}, "n": {"N": (i + 1).to_string()}, "text": {"S": text}});
            shared
                .execute(
                    "INSERT INTO dynamodb_items (account, region, table_name, item_key, item) VALUES ('000000000000', 'us-east-1', 'notes', ?1, ?2)",
                    [format!("key-{i}"), item.to_string()],
                )
                .unwrap();
        }
    }
    for start in 0..2 {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let client = sandbox.dynamodb();
        let notes = client
            .query()
            .table_name("notes")
            .key_condition_expression("id = :a")
            .expression_attribute_values(":a", s("a"))
            .scan_index_forward(false)
            .send()
            .await
            .unwrap();
        let texts: Vec<&str> = notes
            .items()
            .iter()
            .map(|item| item["text"].as_s().unwrap().as_str())
            .collect();
        assert_eq!(texts, ["third", "second", "first"], "start {start}");
        let table = client
            .describe_table()
            .table_name("notes")
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        assert_eq!(table.item_count, Some(3));
        assert_eq!(
            table.table_id(),
            Some("0b6c4b5e-6e0c-4a35-9d38-0d1b3c2f7a11"),
            "the table keeps its identity"
        );
        sandbox.running.shutdown().await;
    }
    let shared =
        rusqlite::Connection::open(dir.path().join(lab_sandbox::store::DATABASE_FILE)).unwrap();
    let left: i64 = shared
        .query_row(
            "SELECT (SELECT count(*) FROM dynamodb_tables) + (SELECT count(*) FROM dynamodb_items)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "the shared database no longer holds the table");
}

#[tokio::test]
async fn a_sandbox_without_a_data_directory_keeps_its_state_in_a_temporary_one() {
    // What a sandbox killed before it could clean up leaves behind: nobody holds its lock.
    let left_behind = tempfile::Builder::new()
        .prefix("lab-sandbox-")
        .tempdir()
        .unwrap()
        .keep();
    std::fs::write(left_behind.join(lab_sandbox::store::LOCK_FILE), "1").unwrap();
    let sandbox = Sandbox::start().await;
    crate::fixture::create_table(&sandbox.dynamodb(), "scratch", "id", None).await;
    let dir = sandbox.running.data_dir().to_path_buf();
    assert!(dir.starts_with(std::env::temp_dir()), "{dir:?}");
    assert!(
        dir.join(lab_sandbox::dynamodb::storage::DATABASE_FILE)
            .exists()
    );
    assert!(!left_behind.exists(), "a directory left behind is removed");
    let other = Sandbox::start().await;
    assert!(dir.exists(), "a running sandbox's directory is kept");
    other.running.shutdown().await;
    sandbox.running.shutdown().await;
    assert!(!dir.exists(), "removed when the sandbox stops");
}
