//! A diagram node's resource as the target reports it: the service's own answer to the
//! describe call for its kind, or a clear reason why there is none.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use lab_engine::Target;
use lab_engine::cloud::Cloud;
use lab_engine::describe::{DescribeError, describe};

use crate::sandbox::SandboxProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_is_described_by_its_service_s_own_answer() {
    let data = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(data.path());
    let target = Target::Sandbox {
        endpoint: sandbox.endpoint.clone(),
    };
    let cloud = Cloud::connect(&target, "sandbox test".into())
        .await
        .unwrap();
    cloud
        .dynamodb
        .create_table()
        .table_name("things")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();

    let table = describe(&cloud, "table", "things").await.unwrap();
    assert_eq!(table.operation, "DynamoDB DescribeTable");
    let body: serde_json::Value = serde_json::from_str(&table.body).unwrap();
    assert_eq!(body["Table"]["TableName"], "things");
    assert_eq!(body["Table"]["KeySchema"][0]["AttributeName"], "id");

    match describe(&cloud, "function", "NoSuchFunction").await {
        Err(DescribeError::Failed { operation, message }) => {
            assert_eq!(operation, "Lambda GetFunctionConfiguration");
            assert!(
                message.starts_with("ResourceNotFoundException"),
                "{message}"
            );
        }
        other => panic!("a missing function fails as Lambda says: {other:?}"),
    }
    let route = describe(&cloud, "route", "GET /items").await.unwrap_err();
    assert_eq!(
        route.to_string(),
        "a route is not described on its own: select the API it belongs to"
    );
}
