//! Models and request validators through the real SDK client, and what a validating method
//! answers: `Missing required request parameters: […]` and `Invalid request body` (400), as
//! API Gateway words them, before the integration is called.

use crate::apigw_rest::{
    deploy, failure, invoke_url, mock_integration, mock_method, respond, rest_api,
};
use crate::client::send;
use crate::fixture::Sandbox;

const PET: &str = r#"{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Pet",
  "type": "object",
  "required": ["name", "price"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "price": {"type": "number", "minimum": 0}
  }
}"#;

#[tokio::test]
async fn models_start_with_empty_and_error_and_are_checked() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Pets").await;
    let rest = sandbox.rest();
    let models = rest.get_models().rest_api_id(&api.id).send().await.unwrap();
    let names: Vec<&str> = models.items().iter().filter_map(|m| m.name()).collect();
    assert_eq!(names, ["Empty", "Error"]);
    let create = |name: &str, schema: &str| {
        rest.create_model()
            .rest_api_id(&api.id)
            .name(name)
            .content_type("application/json")
            .schema(schema)
            .send()
    };
    create("Pet", PET).await.unwrap();
    let twice = create("Pet", PET).await.unwrap_err();
    assert_eq!(failure(&twice.into_service_error()).0, "ConflictException");
    let broken = create("Broken", "{not json").await.unwrap_err();
    assert_eq!(
        failure(&broken.into_service_error()).0,
        "BadRequestException"
    );
    let named = create("no-dashes", PET).await.unwrap_err();
    assert_eq!(
        failure(&named.into_service_error()).0,
        "BadRequestException"
    );
    let missing = rest
        .get_model()
        .rest_api_id(&api.id)
        .model_name("Nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&missing.into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid model name specified".into()
        )
    );
}

#[tokio::test]
async fn a_validating_method_refuses_missing_parameters_and_bodies_its_model_rejects() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Pets").await;
    let rest = sandbox.rest();
    rest.create_model()
        .rest_api_id(&api.id)
        .name("Pet")
        .content_type("application/json")
        .schema(PET)
        .send()
        .await
        .unwrap();
    let validator = rest
        .create_request_validator()
        .rest_api_id(&api.id)
        .name("all")
        .validate_request_body(true)
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    let unknown = rest
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("PUT")
        .authorization_type("NONE")
        .request_validator_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&unknown.into_service_error()).0,
        "NotFoundException"
    );
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().unwrap())
        .request_models("application/json", "Pet")
        .request_parameters("method.request.querystring.owner", true)
        .request_parameters("method.request.header.x-trace", false)
        .send()
        .await
        .unwrap();
    mock_integration(&sandbox, &api, &api.root, "POST").await;
    respond(
        &sandbox,
        &api,
        &api.root,
        "POST",
        &[("200", None, r#"{"ok": true}"#)],
    )
    .await;
    deploy(&sandbox, &api, "prod").await;
    let in_use = rest
        .delete_model()
        .rest_api_id(&api.id)
        .model_name("Pet")
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&in_use.into_service_error()).0, "ConflictException");

    let url = invoke_url(&sandbox, &api, "/prod/");
    let json = [("content-type", "application/json")];
    let cases = [
        (
            url.clone(),
            r#"{"name": "Rex", "price": 9}"#,
            400,
            "Missing required request parameters: [owner]",
        ),
        (
            format!("{url}?owner=ana"),
            r#"{"name": "Rex"}"#,
            400,
            "Invalid request body",
        ),
        (
            format!("{url}?owner=ana"),
            r#"{"name": "", "price": 9}"#,
            400,
            "Invalid request body",
        ),
        (
            format!("{url}?owner=ana"),
            "not json",
            400,
            "Invalid request body",
        ),
    ];
    for (url, body, status, message) in cases {
        let reply = send("POST", &url, &json, body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(reply.json()["message"], message, "{body}");
        assert_eq!(
            reply.header("x-amzn-errortype"),
            Some("BadRequestException")
        );
    }
    let valid = send(
        "POST",
        &format!("{url}?owner=ana"),
        &json,
        r#"{"name": "Rex", "price": 9}"#,
    )
    .await;
    assert_eq!(valid.status, 200, "{}", valid.body);
    assert_eq!(valid.json()["ok"], true);
}

/// The lines of log group `group`.
async fn group_lines(sandbox: &Sandbox, group: &str) -> Vec<String> {
    let events = sandbox
        .logs()
        .filter_log_events()
        .log_group_name(group)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{group} is read: {error:?}"));
    events
        .events()
        .iter()
        .filter_map(|event| event.message().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_stage_writes_execution_and_access_logs_as_its_settings_say() {
    use aws_sdk_apigateway::types::{Op, PatchOperation};

    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Logged").await;
    let rest = sandbox.rest();
    mock_method(&sandbox, &api, &api.root, "POST").await;
    respond(
        &sandbox,
        &api,
        &api.root,
        "POST",
        &[("200", None, r#"{"ok": true}"#)],
    )
    .await;
    deploy(&sandbox, &api, "prod").await;
    sandbox
        .logs()
        .create_log_group()
        .log_group_name("access")
        .send()
        .await
        .unwrap();
    let replace = |path: &str, value: &str| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    rest.update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .patch_operations(replace("/*/*/logging/loglevel", "INFO"))
        .patch_operations(replace("/*/*/logging/dataTrace", "true"))
        .patch_operations(replace(
            "/accessLogSettings/destinationArn",
            "arn:aws:logs:us-east-1:000000000000:log-group:access",
        ))
        .patch_operations(replace(
            "/accessLogSettings/format",
            "$context.httpMethod $context.resourcePath $context.status",
        ))
        .send()
        .await
        .unwrap();
    let reply = send(
        "POST",
        &invoke_url(&sandbox, &api, "/prod/"),
        &[],
        r#"{"a": 1}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A REST API names its requests as AWS's do: a UUID and an extended id.
    let id = reply
        .header("x-amzn-requestid")
        .unwrap_or_default()
        .to_owned();
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        reply
            .header("x-amz-apigw-id")
            .is_some_and(|extended| extended.ends_with('='))
    );
    assert_eq!(reply.header("apigw-requestid"), None);
    let lines = group_lines(
        &sandbox,
        &format!("API-Gateway-Execution-Logs_{}/prod", api.id),
    )
    .await;
    for expected in [
        format!("({id}) Starting execution for request: {id}"),
        format!("({id}) HTTP Method: POST, Resource Path: /"),
        format!("({id}) Method request body before transformations: {{\"a\": 1}}"),
        format!("({id}) Method completed with status: 200"),
    ] {
        assert!(lines.contains(&expected), "{expected} in {lines:#?}");
    }
    let access = group_lines(&sandbox, "access").await;
    assert_eq!(access.len(), 1, "{access:?}");
    assert_eq!(access[0], "POST / 200");
}
