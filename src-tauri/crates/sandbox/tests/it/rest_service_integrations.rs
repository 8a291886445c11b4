//! A REST API's AWS service integrations (`arn:aws:apigateway:{region}:dynamodb:action/…`)
//! through the real SDK client: a method writes and reads a table with no function between,
//! its templates building DynamoDB's input and shaping its answer; a service's error is
//! selected by its status; a service the sandbox does not have answers 500 with the reason.

use aws_sdk_apigateway::types::IntegrationType;

use crate::apigw_rest::{Api, deploy, invoke_url, resource, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

const ROLE: &str = "arn:aws:iam::000000000000:role/LabRole";

/// A method on `resource` integrated with the service action `action`, its request template
/// `request`, a 200 default response shaped by `answer`, and a 400 for the service's client
/// errors shaped by `refusal`.
async fn service_method(
    sandbox: &Sandbox,
    api: &Api,
    resource: &str,
    http_method: &str,
    action: &str,
    (request, answer, refusal): (&str, &str, &str),
) {
    let rest = sandbox.rest();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(resource)
        .http_method(http_method)
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    rest.put_integration()
        .rest_api_id(&api.id)
        .resource_id(resource)
        .http_method(http_method)
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri(format!("arn:aws:apigateway:us-east-1:{action}"))
        .credentials(ROLE)
        .request_templates("application/json", request)
        .send()
        .await
        .unwrap();
    for (status, pattern, template) in [("200", None, answer), ("400", Some("4\\d{2}"), refusal)] {
        rest.put_method_response()
            .rest_api_id(&api.id)
            .resource_id(resource)
            .http_method(http_method)
            .status_code(status)
            .send()
            .await
            .unwrap();
        rest.put_integration_response()
            .rest_api_id(&api.id)
            .resource_id(resource)
            .http_method(http_method)
            .status_code(status)
            .set_selection_pattern(pattern.map(str::to_owned))
            .response_templates("application/json", template)
            .send()
            .await
            .unwrap();
    }
}

/// A table written and read through API Gateway alone, and a missing table's error selected
/// by its status.
#[tokio::test]
async fn a_method_writes_and_reads_a_table_through_dynamodb_actions() {
    let sandbox = Sandbox::start().await;
    sandbox.create_table("Pets", "id").await;
    let api = rest_api(&sandbox, "Pets").await;
    let pets = resource(&sandbox, &api, &api.root, "pets").await;
    let pet = resource(&sandbox, &api, &pets, "{id}").await;
    let refusal = r#"{"error": "$input.path('$.message')"}"#;
    service_method(
        &sandbox,
        &api,
        &pets,
        "POST",
        "dynamodb:action/PutItem",
        (
            r#"{"TableName": "$stageVariables.table", "Item": {"id": {"S": "$input.path('$.id')"}, "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"}}}"#,
            r#"{"saved": true}"#,
            refusal,
        ),
    )
    .await;
    service_method(
        &sandbox,
        &api,
        &pet,
        "GET",
        "dynamodb:action/GetItem",
        (
            r#"{"TableName": "$stageVariables.table", "Key": {"id": {"S": "$input.params('id')"}}}"#,
            r#"{"name": "$input.path('$.Item.name.S')"}"#,
            refusal,
        ),
    )
    .await;
    sandbox
        .rest()
        .create_deployment()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .variables("table", "Pets")
        .send()
        .await
        .unwrap();
    let saved = send(
        "POST",
        &invoke_url(&sandbox, &api, "/prod/pets"),
        &[("content-type", "application/json")],
        r#"{"id": "1", "name": "Rex"}"#,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.json()["saved"], true);
    let read = send("GET", &invoke_url(&sandbox, &api, "/prod/pets/1"), &[], "").await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["name"], "Rex");
    let item = sandbox
        .dynamodb()
        .get_item()
        .table_name("Pets")
        .key("id", aws_sdk_dynamodb::types::AttributeValue::S("1".into()))
        .send()
        .await
        .unwrap();
    assert!(item.item().is_some(), "the item is in the table");

    sandbox
        .rest()
        .create_deployment()
        .rest_api_id(&api.id)
        .stage_name("broken")
        .variables("table", "Nowhere")
        .send()
        .await
        .unwrap();
    let missing = send(
        "GET",
        &invoke_url(&sandbox, &api, "/broken/pets/1"),
        &[],
        "",
    )
    .await;
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert_eq!(missing.json()["error"], "Requested resource not found");
}

/// A service the sandbox does not have answers 500, and the feed says why.
#[tokio::test]
async fn a_service_the_sandbox_lacks_answers_500_with_the_reason() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Queue").await;
    service_method(
        &sandbox,
        &api,
        &api.root,
        "POST",
        "sqs:action/SendMessage",
        ("Action=SendMessage", "{}", "{}"),
    )
    .await;
    deploy(&sandbox, &api, "prod").await;
    let reply = send("POST", &invoke_url(&sandbox, &api, "/prod/"), &[], "{}").await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    let records = sandbox.inspect_history().await;
    let reason = records
        .iter()
        .find_map(|record| record.get("error")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    assert!(reason.contains("not to sqs"), "{reason}");
}
