//! API Gateway v1 REST APIs through the real SDK client and plain HTTP on the invoke URL: the
//! resource tree and its rules, deployments and stages, and what a client and a function see
//! through Lambda proxy, Lambda, and MOCK integrations.

use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};

use crate::client::send;
use crate::fixture::Sandbox;

/// Echoes its event (proxy integrations), or answers as the event asks (non-proxy ones).
const ECHO: &str = r#"
import json, time

def handler(event, context):
    if "operation" in event:
        if event["operation"] == "fail":
            raise ValueError("Bad operation: fail")
        return {"echo": event["operation"], "payload": event.get("payload")}
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "fail":
        raise RuntimeError("asked to fail")
    if mode == "slow":
        time.sleep(2)
    return {"statusCode": 201, "headers": {"x-echo": "yes"}, "body": json.dumps(event)}
"#;

const REGION: &str = "us-east-1";

pub fn function_uri(name: &str) -> String {
    format!(
        "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:000000000000:function:{name}/invocations"
    )
}

/// The message of a failed SDK call and its error code.
pub fn failure<E: aws_sdk_apigateway::error::ProvideErrorMetadata>(error: &E) -> (String, String) {
    (
        error.code().unwrap_or_default().to_owned(),
        error.message().unwrap_or_default().to_owned(),
    )
}

pub struct Api {
    pub id: String,
    pub root: String,
}

pub async fn rest_api(sandbox: &Sandbox, name: &str) -> Api {
    let created = sandbox
        .rest()
        .create_rest_api()
        .name(name)
        .send()
        .await
        .unwrap();
    Api {
        id: created.id().unwrap().to_owned(),
        root: created.root_resource_id().unwrap().to_owned(),
    }
}

/// A new REST API from `definition` (OpenAPI or Swagger, JSON or YAML).
pub async fn import(sandbox: &Sandbox, definition: impl Into<Vec<u8>>) -> Api {
    let imported = sandbox
        .rest()
        .import_rest_api()
        .body(aws_sdk_apigateway::primitives::Blob::new(definition))
        .send()
        .await
        .unwrap();
    Api {
        id: imported.id().unwrap().to_owned(),
        root: imported.root_resource_id().unwrap().to_owned(),
    }
}

pub async fn resource(sandbox: &Sandbox, api: &Api, parent: &str, part: &str) -> String {
    sandbox
        .rest()
        .create_resource()
        .rest_api_id(&api.id)
        .parent_id(parent)
        .path_part(part)
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

/// An unauthenticated method on `resource` integrated with `kind` at `uri`.
pub async fn method(
    sandbox: &Sandbox,
    api: &Api,
    resource: &str,
    http_method: &str,
    kind: IntegrationType,
    uri: Option<String>,
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
        .r#type(kind)
        .integration_http_method("POST")
        .set_uri(uri)
        .timeout_in_millis(1000)
        .send()
        .await
        .unwrap();
}

/// Method responses and their integration responses: status, selection pattern, JSON template.
pub async fn respond(
    sandbox: &Sandbox,
    api: &Api,
    resource: &str,
    http_method: &str,
    responses: &[(&str, Option<&str>, &str)],
) {
    let rest = sandbox.rest();
    for (status, pattern, template) in responses {
        rest.put_method_response()
            .rest_api_id(&api.id)
            .resource_id(resource)
            .http_method(http_method)
            .status_code(*status)
            .send()
            .await
            .unwrap();
        rest.put_integration_response()
            .rest_api_id(&api.id)
            .resource_id(resource)
            .http_method(http_method)
            .status_code(*status)
            .set_selection_pattern(pattern.map(str::to_owned))
            .response_templates("application/json", *template)
            .send()
            .await
            .unwrap();
    }
}

/// An open method (no authorization) on `resource` with a MOCK integration that answers 200.
pub async fn mock_method(sandbox: &Sandbox, api: &Api, resource: &str, http_method: &str) {
    sandbox
        .rest()
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(resource)
        .http_method(http_method)
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    mock_integration(sandbox, api, resource, http_method).await;
}

/// A MOCK integration on `resource`'s `http_method` that answers 200.
pub async fn mock_integration(sandbox: &Sandbox, api: &Api, resource: &str, http_method: &str) {
    sandbox
        .rest()
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(resource)
        .http_method(http_method)
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
}

pub async fn deploy(sandbox: &Sandbox, api: &Api, stage: &str) {
    sandbox
        .rest()
        .create_deployment()
        .rest_api_id(&api.id)
        .stage_name(stage)
        .variables("color", "blue")
        .send()
        .await
        .unwrap();
}

pub fn invoke_url(sandbox: &Sandbox, api: &Api, path: &str) -> String {
    format!("{}/_aws/execute-api/{}{path}", sandbox.endpoint(), api.id)
}

#[tokio::test]
async fn a_rest_api_starts_with_its_root_and_grows_a_checked_tree() {
    let sandbox = Sandbox::start().await;
    let rest = sandbox.rest();
    let created = rest
        .create_rest_api()
        .name("Tree")
        .description("resources")
        .send()
        .await
        .unwrap();
    let types = created.endpoint_configuration().unwrap().types();
    assert_eq!(types, [aws_sdk_apigateway::types::EndpointType::Edge]);
    let api = Api {
        id: created.id().unwrap().to_owned(),
        root: created.root_resource_id().unwrap().to_owned(),
    };
    let items = resource(&sandbox, &api, &api.root, "items").await;
    let item = resource(&sandbox, &api, &items, "{id}").await;
    resource(&sandbox, &api, &api.root, "{proxy+}").await;

    let duplicate = rest
        .create_resource()
        .rest_api_id(&api.id)
        .parent_id(&api.root)
        .path_part("items")
        .send()
        .await
        .unwrap_err();
    let (code, message) = failure(&duplicate);
    assert_eq!(code, "ConflictException");
    assert!(
        message.contains("already has this name: items"),
        "{message}"
    );
    let second_variable = rest
        .create_resource()
        .rest_api_id(&api.id)
        .parent_id(&items)
        .path_part("{other}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&second_variable).0, "BadRequestException");
    let invalid = rest
        .create_resource()
        .rest_api_id(&api.id)
        .parent_id(&api.root)
        .path_part("a b")
        .send()
        .await
        .unwrap_err();
    assert!(
        failure(&invalid).1.contains("path part only allow"),
        "{:?}",
        failure(&invalid)
    );

    method(&sandbox, &api, &item, "GET", IntegrationType::Mock, None).await;
    let listed = rest
        .get_resources()
        .rest_api_id(&api.id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let paths: Vec<&str> = listed.items().iter().filter_map(|r| r.path()).collect();
    assert_eq!(paths, ["/", "/items", "/items/{id}", "/{proxy+}"]);
    let with_method = listed
        .items()
        .iter()
        .find(|r| r.id() == Some(item.as_str()))
        .unwrap();
    let get = &with_method.resource_methods().unwrap()["GET"];
    assert_eq!(get.authorization_type(), Some("NONE"));
    assert_eq!(
        get.method_integration().unwrap().r#type(),
        Some(&IntegrationType::Mock)
    );

    rest.delete_resource()
        .rest_api_id(&api.id)
        .resource_id(&items)
        .send()
        .await
        .unwrap();
    let gone = rest
        .get_resource()
        .rest_api_id(&api.id)
        .resource_id(&item)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&gone).0,
        "NotFoundException",
        "a child goes with its parent"
    );
}

#[tokio::test]
async fn updates_apply_patch_operations_and_refuse_unknown_paths() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Before").await;
    let rest = sandbox.rest();
    let patch = |op, path: &str, value: &str| {
        PatchOperation::builder()
            .op(op)
            .path(path)
            .value(value)
            .build()
    };
    let updated = rest
        .update_rest_api()
        .rest_api_id(&api.id)
        .patch_operations(patch(Op::Replace, "/name", "After"))
        .patch_operations(patch(Op::Add, "/binaryMediaTypes/image~1png", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("After"));
    assert_eq!(updated.binary_media_types(), ["image/png"]);
    let refused = rest
        .update_rest_api()
        .rest_api_id(&api.id)
        .patch_operations(patch(Op::Replace, "/rootResourceId", "x"))
        .send()
        .await
        .unwrap_err();
    let (code, message) = failure(&refused);
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("Invalid patch path '/rootResourceId'"),
        "{message}"
    );
    let fetched = rest
        .get_rest_api()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        fetched.name(),
        Some("After"),
        "a refused update changes nothing"
    );
}

/// A deployment needs at least one method, and every method an integration.
#[tokio::test]
async fn a_deployment_needs_methods_with_integrations() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Deploys").await;
    let rest = sandbox.rest();
    let empty = rest
        .create_deployment()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&empty).1,
        "The REST API doesn't contain any methods"
    );
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let bare = rest
        .create_deployment()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&bare).1, "No integration defined for method");
}

/// `Deploys` with a MOCK root `GET`, deployed to `prod`: the API and the deployment's id.
async fn deployed_mock(sandbox: &Sandbox) -> (Api, String) {
    let api = rest_api(sandbox, "Deploys").await;
    mock_method(sandbox, &api, &api.root, "GET").await;
    let rest = sandbox.rest();
    let first = rest
        .create_deployment()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    (api, first.id().unwrap().to_owned())
}

/// A stage serves the deployment it was made with; that deployment cannot be deleted, nor
/// the stage's name taken twice; the deployment is listed.
#[tokio::test]
async fn a_stage_keeps_its_deployment() {
    let sandbox = Sandbox::start().await;
    let (api, first) = deployed_mock(&sandbox).await;
    let rest = sandbox.rest();
    let stage = rest
        .get_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(first.as_str()));
    let integration = rest
        .get_integration()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(integration.passthrough_behavior(), Some("WHEN_NO_MATCH"));
    let in_use = rest
        .delete_deployment()
        .rest_api_id(&api.id)
        .deployment_id(&first)
        .send()
        .await
        .unwrap_err();
    assert!(
        failure(&in_use).1.contains("Active stages"),
        "{:?}",
        failure(&in_use)
    );
    let duplicate = rest
        .create_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .deployment_id(&first)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&duplicate).0, "ConflictException");

    let listed = rest
        .get_deployments()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 1);
}

/// A stage's method settings and variables change by patch.
#[tokio::test]
async fn a_stage_takes_method_settings_and_variables_by_patch() {
    let sandbox = Sandbox::start().await;
    let (api, _) = deployed_mock(&sandbox).await;
    let rest = sandbox.rest();
    let updated = rest
        .update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/*/*/throttling/rateLimit")
                .value("50")
                .build(),
        )
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/variables/lambdaAlias")
                .value("PROD")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let settings = &updated.method_settings().unwrap()["*/*"];
    assert_eq!(settings.throttling_rate_limit(), 50.0);
    assert_eq!(updated.variables().unwrap()["lambdaAlias"], "PROD");
}

/// A REST API with `POST /DynamoDBManager` (Lambda, no proxy, as the console makes it) and
/// `ANY /things/{id}` (Lambda proxy), both on `echo`, deployed to `Prod`.
async fn lambda_api(sandbox: &Sandbox) -> Api {
    sandbox.create_python_function("echo", ECHO).await;
    let api = rest_api(sandbox, "Manager").await;
    sandbox.permit_api("echo", Some(&api.id)).await;
    let manager = resource(sandbox, &api, &api.root, "DynamoDBManager").await;
    method(
        sandbox,
        &api,
        &manager,
        "POST",
        IntegrationType::Aws,
        Some(function_uri("echo")),
    )
    .await;
    let responses = [("200", None, ""), ("400", Some("Bad operation.*"), "")];
    respond(sandbox, &api, &manager, "POST", &responses).await;
    let things = resource(sandbox, &api, &api.root, "things").await;
    let thing = resource(sandbox, &api, &things, "{id}").await;
    method(
        sandbox,
        &api,
        &thing,
        "ANY",
        IntegrationType::AwsProxy,
        Some(function_uri("echo")),
    )
    .await;
    deploy(sandbox, &api, "Prod").await;
    api
}

#[tokio::test]
async fn a_lambda_proxy_method_gets_the_rest_event_and_answers_as_the_function_says() {
    let sandbox = Sandbox::start().await;
    let api = lambda_api(&sandbox).await;
    let reply = send(
        "PUT",
        &format!("{}?a=1&a=2", invoke_url(&sandbox, &api, "/Prod/things/42")),
        &[("content-type", "application/json")],
        r#"{"name":"Bob"}"#,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("x-echo"), Some("yes"));
    let event = reply.json();
    assert_eq!(event["resource"], "/things/{id}");
    assert_eq!(event["path"], "/things/42");
    assert_eq!(event["httpMethod"], "PUT");
    assert_eq!(event["pathParameters"]["id"], "42");
    assert_eq!(event["stageVariables"]["color"], "blue");
    assert_eq!(event["queryStringParameters"]["a"], "2");
    assert_eq!(event["multiValueQueryStringParameters"]["a"][0], "1");
    assert_eq!(event["body"], r#"{"name":"Bob"}"#);
    assert_eq!(event["isBase64Encoded"], false);
    assert!(
        event.get("version").is_none(),
        "REST events carry no version"
    );
    let context = &event["requestContext"];
    assert_eq!(context["resourcePath"], "/things/{id}");
    assert_eq!(context["path"], "/Prod/things/42");
    assert_eq!(context["stage"], "Prod");
    assert_eq!(context["apiId"], api.id.as_str());
    assert!(context["requestTimeEpoch"].is_i64());

    let legacy = send(
        "GET",
        &format!(
            "{}/restapis/{}/Prod/_user_request_/things/7",
            sandbox.endpoint(),
            api.id
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(legacy.status, 201, "{}", legacy.body);
    assert_eq!(legacy.json()["pathParameters"]["id"], "7");
}

#[tokio::test]
async fn api_gateway_answers_for_what_selects_nothing_or_fails() {
    let sandbox = Sandbox::start().await;
    let api = lambda_api(&sandbox).await;
    let cases = [
        ("GET", "/Prod/nothing", 403, "Missing Authentication Token"),
        (
            "GET",
            "/Prod/DynamoDBManager",
            403,
            "Missing Authentication Token",
        ),
        ("GET", "/Staging/things/1", 403, "Forbidden"),
        (
            "GET",
            "/Prod/things/1?mode=fail",
            502,
            "Internal server error",
        ),
        (
            "GET",
            "/Prod/things/1?mode=slow",
            504,
            "Endpoint request timed out",
        ),
    ];
    for (method, path, status, message) in cases {
        let reply = send(method, &invoke_url(&sandbox, &api, path), &[], "").await;
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
        assert_eq!(reply.json()["message"], message, "{method} {path}");
    }
}

#[tokio::test]
async fn a_lambda_method_without_proxy_passes_the_body_and_selects_responses_by_error() {
    let sandbox = Sandbox::start().await;
    let api = lambda_api(&sandbox).await;
    let url = invoke_url(&sandbox, &api, "/Prod/DynamoDBManager");
    let created = send(
        "POST",
        &url,
        &[("content-type", "application/json")],
        r#"{"operation":"create","payload":{"Item":{"id":"1"}}}"#,
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json()["echo"], "create");
    assert_eq!(created.json()["payload"]["Item"]["id"], "1");
    let failed = send("POST", &url, &[], r#"{"operation":"fail"}"#).await;
    assert_eq!(failed.status, 400, "{}", failed.body);
    assert_eq!(failed.json()["errorMessage"], "Bad operation: fail");
}

/// A non-proxy invocation's event has no request context, so the feed's invocation record
/// names the request that made it.
#[tokio::test]
async fn a_lambda_method_without_proxy_names_its_request_on_the_feed() {
    let sandbox = Sandbox::start().await;
    let api = lambda_api(&sandbox).await;
    let url = invoke_url(&sandbox, &api, "/Prod/DynamoDBManager");
    let answered = send("POST", &url, &[], r#"{"operation":"list"}"#).await;
    let request_id = answered.header("x-amzn-requestid").unwrap().to_owned();
    let records = sandbox.inspect_history().await;
    let invocation = records
        .iter()
        .find(|record| record["kind"] == "invocation")
        .unwrap();
    assert_eq!(invocation["event"]["operation"], "list");
    assert_eq!(invocation["gatewayRequest"], request_id.as_str());
}

#[tokio::test]
async fn a_mock_method_answers_from_its_templates_and_response_parameters() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Mock").await;
    let rest = sandbox.rest();
    mock_method(&sandbox, &api, &api.root, "OPTIONS").await;
    rest.put_method_response()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("OPTIONS")
        .status_code("200")
        .response_parameters("method.response.header.Access-Control-Allow-Origin", false)
        .send()
        .await
        .unwrap();
    rest.put_integration_response()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("OPTIONS")
        .status_code("200")
        .response_parameters("method.response.header.Access-Control-Allow-Origin", "'*'")
        .response_templates("application/json", r#"{"ok": true}"#)
        .send()
        .await
        .unwrap();
    deploy(&sandbox, &api, "dev").await;
    let reply = send("OPTIONS", &invoke_url(&sandbox, &api, "/dev/"), &[], "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.json()["ok"], true);
}

#[tokio::test]
async fn rest_apis_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let api_id = {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let api = rest_api(&sandbox, "Durable").await;
        let items = resource(&sandbox, &api, &api.root, "items").await;
        method(&sandbox, &api, &items, "GET", IntegrationType::Mock, None).await;
        deploy(&sandbox, &api, "prod").await;
        sandbox.running.shutdown().await;
        api.id
    };
    let sandbox = Sandbox::start_in(dir.path()).await;
    let rest = sandbox.rest();
    let listed = rest.get_rest_apis().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
    assert_eq!(listed.items()[0].id(), Some(api_id.as_str()));
    let resources = rest
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.items().len(), 2);
    let stage = rest
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.variables().unwrap()["color"], "blue");
}
