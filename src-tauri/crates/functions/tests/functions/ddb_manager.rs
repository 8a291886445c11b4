//! `DynamoDBManager` (seed 003): invoked directly with the seed's requests, and behind
//! `POST /DynamoDBManager`.

use serde_json::json;

use crate::fixture::{Sandbox, host_built_zip, send};

const TABLE: &str = "lambda-apigateway";

async fn deployed() -> (Sandbox, String) {
    let sandbox = Sandbox::start().await;
    sandbox.create_table(TABLE, "id").await;
    let arn = sandbox
        .deploy("LambdaFunctionOverHttps", host_built_zip("ddb-manager"))
        .await;
    (sandbox, arn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_requests_work_by_invoke() {
    let (sandbox, _) = deployed().await;
    let call = |request| sandbox.invoke("LambdaFunctionOverHttps", request);

    let (error, pong) = call(json!({"operation": "ping", "payload": {}})).await;
    assert_eq!((error, pong), (None, json!("pong")));
    let echo = json!({"operation": "echo", "payload": {"somekey1": "somevalue1"}});
    assert_eq!(call(echo).await.1, json!({"somekey1": "somevalue1"}));

    let create = json!({
        "operation": "create", "tableName": TABLE,
        "payload": {"Item": {"id": "1", "name": "Bob", "age": 42, "tags": ["a", "b"]}}
    });
    let (error, created) = call(create).await;
    assert_eq!(error, None, "{created}");
    assert_eq!(created["ResponseMetadata"]["HTTPStatusCode"], json!(200));

    let read = json!({"operation": "read", "tableName": TABLE, "payload": {"Key": {"id": "1"}}});
    let (_, found) = call(read.clone()).await;
    assert_eq!(
        found["Item"],
        json!({"id": "1", "name": "Bob", "age": 42, "tags": ["a", "b"]})
    );

    let update = json!({
        "operation": "update", "tableName": TABLE,
        "payload": {
            "Key": {"id": "1"}, "UpdateExpression": "SET age = age + :one",
            "ExpressionAttributeValues": {":one": 1}, "ReturnValues": "UPDATED_NEW"
        }
    });
    assert_eq!(call(update).await.1["Attributes"], json!({"age": 43}));

    let list = json!({"operation": "list", "tableName": TABLE, "payload": {}});
    let (_, listed) = call(list.clone()).await;
    assert_eq!(listed["Count"], json!(1));
    assert_eq!(listed["Items"][0]["name"], "Bob");

    let delete =
        json!({"operation": "delete", "tableName": TABLE, "payload": {"Key": {"id": "1"}}});
    assert_eq!(call(delete).await.0, None);
    assert_eq!(call(read).await.1.get("Item"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_function_errors_typed_by_the_aws_code() {
    let (sandbox, _) = deployed().await;
    let cases = [
        (
            json!({"operation": "drop", "tableName": TABLE}),
            "ValidationException",
            "Unrecognized operation \"drop\"",
        ),
        (
            json!({"operation": "read", "tableName": "missing", "payload": {"Key": {"id": "1"}}}),
            "ResourceNotFoundException",
            "Requested resource not found",
        ),
        (
            json!({"operation": "list"}),
            "ValidationException",
            "needs a \"tableName\"",
        ),
        (
            json!({"op": "list"}),
            "ValidationException",
            "not a DynamoDBManager request",
        ),
    ];
    for (request, code, message) in cases {
        let (error, payload) = sandbox
            .invoke("LambdaFunctionOverHttps", request.clone())
            .await;
        assert_eq!(error.as_deref(), Some("Unhandled"), "{request}: {payload}");
        assert_eq!(payload["errorType"], code, "{request}: {payload}");
        let text = payload["errorMessage"].as_str().unwrap();
        assert!(text.contains(message), "{request}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_post_dynamodbmanager_it_answers_http() {
    let (sandbox, arn) = deployed().await;
    let url = format!(
        "{}/DynamoDBManager",
        sandbox.http_api(&arn, &["POST /DynamoDBManager"]).await
    );
    let create = json!({"operation": "create", "tableName": TABLE, "payload": {"Item": {"id": "7", "name": "Ann"}}});
    let created = send("POST", &url, Some(&create.to_string())).await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.assert_cors("POST, OPTIONS");

    let read = json!({"operation": "read", "tableName": TABLE, "payload": {"Key": {"id": "7"}}});
    let found = send("POST", &url, Some(&read.to_string())).await;
    assert_eq!(found.json()["Item"], json!({"id": "7", "name": "Ann"}));

    let unknown = send("POST", &url, Some(r#"{"operation": "drop"}"#)).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"], "ValidationException");
    let not_json = send("POST", &url, Some("operation=list")).await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.json()["error"], "SerializationException");
}
