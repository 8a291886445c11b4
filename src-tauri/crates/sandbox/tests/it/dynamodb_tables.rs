//! DynamoDB table operations through the real SDK client.

use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, TableStatus, Tag, TimeToLiveSpecification,
};

use crate::fixture::{Sandbox, attribute, create_table, error_of, key, s};

#[tokio::test]
async fn tables_are_created_described_listed_and_deleted() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();

    let created = client
        .create_table()
        .table_name("ccbda-lambda-first")
        .attribute_definitions(attribute("thingID", ScalarAttributeType::S))
        .key_schema(key("thingID", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let description = created.table_description().unwrap();
    assert_eq!(description.table_status(), Some(&TableStatus::Creating));
    assert_eq!(
        description.table_arn(),
        Some("arn:aws:dynamodb:us-east-1:000000000000:table/ccbda-lambda-first")
    );

    client
        .put_item()
        .table_name("ccbda-lambda-first")
        .item("thingID", s("thing-1"))
        .send()
        .await
        .unwrap();
    let table = client
        .describe_table()
        .table_name("ccbda-lambda-first")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(table.table_status(), Some(&TableStatus::Active));
    assert_eq!(table.item_count(), Some(1));
    assert!(table.table_size_bytes().unwrap() > 0);
    assert_eq!(
        table.billing_mode_summary().unwrap().billing_mode(),
        Some(&BillingMode::PayPerRequest)
    );

    let (code, message) = error_of(
        client
            .create_table()
            .table_name("ccbda-lambda-first")
            .attribute_definitions(attribute("thingID", ScalarAttributeType::S))
            .key_schema(key("thingID", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    assert_eq!(message, "Table already exists: ccbda-lambda-first");

    let deleted = client
        .delete_table()
        .table_name("ccbda-lambda-first")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.table_description().unwrap().table_status(),
        Some(&TableStatus::Deleting)
    );
    let (code, message) = error_of(
        client
            .describe_table()
            .table_name("ccbda-lambda-first")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Requested resource not found: Table: ccbda-lambda-first not found"
    );
}

#[tokio::test]
async fn list_tables_pages_in_name_order() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    for name in ["delta", "alpha", "charlie", "bravo"] {
        create_table(&client, name, "id", None).await;
    }
    let first = client.list_tables().limit(3).send().await.unwrap();
    assert_eq!(first.table_names(), ["alpha", "bravo", "charlie"]);
    assert_eq!(first.last_evaluated_table_name(), Some("charlie"));
    let rest = client
        .list_tables()
        .exclusive_start_table_name("charlie")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.table_names(), ["delta"]);
    assert_eq!(rest.last_evaluated_table_name(), None);
}

#[tokio::test]
async fn state_is_kept_per_region() {
    let sandbox = Sandbox::start().await;
    create_table(
        &sandbox.dynamodb_in("eu-west-1"),
        "only-in-ireland",
        "id",
        None,
    )
    .await;
    let ireland = sandbox
        .dynamodb_in("eu-west-1")
        .list_tables()
        .send()
        .await
        .unwrap();
    let virginia = sandbox
        .dynamodb_in("us-east-1")
        .list_tables()
        .send()
        .await
        .unwrap();
    assert_eq!(ireland.table_names(), ["only-in-ireland"]);
    assert!(virginia.table_names().is_empty());
}

#[tokio::test]
async fn create_table_validates_like_dynamodb() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    let (code, message) = error_of(
        client
            .create_table()
            .table_name("ok-name")
            .attribute_definitions(attribute("id", ScalarAttributeType::S))
            .key_schema(key("id", KeyType::Hash))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "No provisioned throughput specified for the table");

    let (code, message) = error_of(
        client
            .create_table()
            .table_name("ab")
            .attribute_definitions(attribute("id", ScalarAttributeType::S))
            .key_schema(key("id", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
    );

    let (code, message) = error_of(
        client
            .create_table()
            .table_name("extra-definitions")
            .attribute_definitions(attribute("id", ScalarAttributeType::S))
            .attribute_definitions(attribute("unused", ScalarAttributeType::S))
            .key_schema(key("id", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
    );
}

/// The provisioned table `orders` (5/5) with the keys-only index `by-customer` (5/5), tagged
/// `lab=crud`; its description.
async fn orders_table(
    client: &aws_sdk_dynamodb::Client,
) -> aws_sdk_dynamodb::types::TableDescription {
    let throughput = || {
        ProvisionedThroughput::builder()
            .read_capacity_units(5)
            .write_capacity_units(5)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name("orders")
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
                .provisioned_throughput(throughput())
                .build()
                .unwrap(),
        )
        .provisioned_throughput(throughput())
        .tags(Tag::builder().key("lab").value("crud").build().unwrap())
        .send()
        .await
        .unwrap();
    client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

/// The table's throughput and its index's name and ARN read back.
#[tokio::test]
async fn a_provisioned_table_describes_its_throughput_and_index() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    let table = orders_table(&client).await;
    assert_eq!(
        table
            .provisioned_throughput()
            .unwrap()
            .read_capacity_units(),
        Some(5)
    );
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.index_name(), Some("by-customer"));
    assert_eq!(
        index.index_arn(),
        Some("arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/by-customer")
    );
}

/// Tags go on and come off a table by its ARN.
#[tokio::test]
async fn a_table_is_tagged_and_untagged_by_arn() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    let table = orders_table(&client).await;
    let arn = table.table_arn().unwrap();
    client
        .tag_resource()
        .resource_arn(arn)
        .tags(Tag::builder().key("course").value("ccbda").build().unwrap())
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(arn)
        .tag_keys("lab")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("course", "ccbda")]);
}

/// UpdateTimeToLive's attribute reads back.
#[tokio::test]
async fn time_to_live_names_its_attribute() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.dynamodb();
    orders_table(&client).await;
    client
        .update_time_to_live()
        .table_name("orders")
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let ttl = client
        .describe_time_to_live()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description().unwrap().attribute_name(),
        Some("expires")
    );
}
