//! Mapping templates on REST APIs' non-proxy integrations, through real HTTP: what a function
//! receives from a request template, how response templates and selection patterns shape the
//! answer, the passthrough rules, and API Gateway's answers when a template cannot run.

use aws_sdk_apigateway::types::IntegrationType;

use crate::apigw_rest::{
    Api, deploy, function_uri, import, invoke_url, method, resource, respond, rest_api,
};
use crate::client::send;
use crate::fixture::Sandbox;

/// Answers with the event it got, or fails with a message that holds JSON.
const MIRROR: &str = r#"
import json

def handler(event, context):
    if event.get("action") == "fail":
        raise ValueError(json.dumps({"kind": "Invalid", "detail": event.get("detail")}))
    return {"got": event, "items": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
"#;

const REQUEST_TEMPLATE: &str = r##"#set($body = $input.path('$'))
{
  "action": "$body.action",
  "detail": "$util.escapeJavaScript($body.detail).replaceAll("\\'", "'")",
  "who": "$input.params('who')",
  "ref": "$input.params('x-ref')",
  "id": "$input.params('id')",
  "stage": "$context.stage",
  "resource": "$context.resourcePath",
  "color": "$stageVariables.color",
  "tags": [#foreach($tag in $body.tags)"$tag.toUpperCase()"#if($foreach.hasNext),#end#end]
}"##;

const RESPONSE_TEMPLATE: &str = r##"#set($answer = $input.path('$'))
{"names": [#foreach($item in $answer.items)"$item.name"#if($foreach.hasNext), #end#end], "sawStage": "$answer.got.stage"}"##;

const ERROR_TEMPLATE: &str = r##"#set($error = $util.parseJson($input.path('$.errorMessage')))
#set($context.responseOverride.header.X-Error-Kind = $error.kind)
{"problem": "$error.detail"}"##;

/// `POST /things/{id}` on a function through templates, deployed to `dev`.
async fn mapped_api(sandbox: &Sandbox) -> Api {
    sandbox.create_python_function("mirror", MIRROR).await;
    let api = rest_api(sandbox, "Mapped").await;
    sandbox.permit_api("mirror", Some(&api.id)).await;
    let things = resource(sandbox, &api, &api.root, "things").await;
    let thing = resource(sandbox, &api, &things, "{id}").await;
    method(
        sandbox,
        &api,
        &thing,
        "POST",
        IntegrationType::Aws,
        Some(function_uri("mirror")),
    )
    .await;
    let rest = sandbox.rest();
    rest.put_integration()
        .rest_api_id(&api.id)
        .resource_id(&thing)
        .http_method("POST")
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri(function_uri("mirror"))
        .passthrough_behavior("NEVER")
        .request_templates("application/json", REQUEST_TEMPLATE)
        .send()
        .await
        .unwrap();
    let responses = [
        ("200", None, RESPONSE_TEMPLATE),
        ("422", Some(".*Invalid.*"), ERROR_TEMPLATE),
    ];
    respond(sandbox, &api, &thing, "POST", &responses).await;
    deploy(sandbox, &api, "dev").await;
    api
}

#[tokio::test]
async fn a_request_template_builds_the_event_and_a_response_template_the_answer() {
    let sandbox = Sandbox::start().await;
    let api = mapped_api(&sandbox).await;
    let url = format!("{}?who=Ana", invoke_url(&sandbox, &api, "/dev/things/7"));
    let reply = send(
        "POST",
        &url,
        &[("content-type", "application/json"), ("x-ref", "r-1")],
        r#"{"action": "list", "detail": "it's \"quoted\"", "tags": ["a", "b"]}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json(),
        serde_json::json!({"names": ["a", "b"], "sawStage": "dev"})
    );
    // What the function got, as the inspector's feed shows it.
    let records = sandbox.inspect_history().await;
    let invocation = records
        .iter()
        .rev()
        .find_map(|record| record.get("event").filter(|e| e["action"] == "list"))
        .cloned()
        .unwrap_or_else(|| panic!("no invocation of mirror on the feed: {records:?}"));
    assert_eq!(invocation["detail"], "it's \"quoted\"");
    assert_eq!(invocation["who"], "Ana");
    assert_eq!(invocation["ref"], "r-1");
    assert_eq!(invocation["id"], "7");
    assert_eq!(invocation["stage"], "dev");
    assert_eq!(invocation["resource"], "/things/{id}");
    assert_eq!(invocation["color"], "blue");
    assert_eq!(invocation["tags"], serde_json::json!(["A", "B"]));
}

#[tokio::test]
async fn a_function_error_selects_its_response_and_its_template_overrides_headers() {
    let sandbox = Sandbox::start().await;
    let api = mapped_api(&sandbox).await;
    let reply = send(
        "POST",
        &invoke_url(&sandbox, &api, "/dev/things/7"),
        &[("content-type", "application/json")],
        r#"{"action": "fail", "detail": "no such thing", "tags": []}"#,
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.header("x-error-kind"), Some("Invalid"));
    assert_eq!(
        reply.json(),
        serde_json::json!({"problem": "no such thing"})
    );
    // The inspector's record says which response was chosen, and why.
    let records = sandbox.inspect_history().await;
    let mapping = records
        .iter()
        .rev()
        .find_map(|record| record.pointer("/integration/responseMapping"))
        .cloned()
        .unwrap_or_else(|| panic!("no response mapping on the feed: {records:?}"));
    assert_eq!(mapping["statusCode"], "422");
    let why = mapping["why"].as_str().unwrap_or_default();
    assert!(
        why.contains("matches the selection pattern \".*Invalid.*\""),
        "{why}"
    );
}

#[tokio::test]
async fn api_gateway_refuses_what_its_templates_cannot_take() {
    let sandbox = Sandbox::start().await;
    let api = mapped_api(&sandbox).await;
    let url = invoke_url(&sandbox, &api, "/dev/things/7");
    let plain = send("POST", &url, &[("content-type", "text/plain")], "hello").await;
    assert_eq!(plain.status, 415, "{}", plain.body);
    assert_eq!(plain.json()["message"], "Unsupported Media Type");
    let broken = send(
        "POST",
        &url,
        &[("content-type", "application/json")],
        "{oops",
    )
    .await;
    assert_eq!(broken.status, 400, "{}", broken.body);
    let message = broken.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with("Could not parse request body into json: "),
        "{message}"
    );
}

#[tokio::test]
async fn a_mock_integration_computes_its_status_and_body() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Mocked").await;
    let greeting = resource(&sandbox, &api, &api.root, "greeting").await;
    method(
        &sandbox,
        &api,
        &greeting,
        "GET",
        IntegrationType::Mock,
        None,
    )
    .await;
    let rest = sandbox.rest();
    rest.put_integration()
        .rest_api_id(&api.id)
        .resource_id(&greeting)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .passthrough_behavior("WHEN_NO_TEMPLATES")
        .request_templates(
            "application/json",
            "{\"statusCode\": #if($input.params('name') == '')404#else 200#end}",
        )
        .send()
        .await
        .unwrap();
    let greeted = "{\"greeting\": \"Hello, $input.params('name')!\", \"via\": \"$context.httpMethod $context.resourcePath\"}";
    let responses = [
        ("200", None, greeted),
        ("404", Some("404"), "{\"error\": \"say who\"}"),
    ];
    respond(&sandbox, &api, &greeting, "GET", &responses).await;
    deploy(&sandbox, &api, "dev").await;
    let url = invoke_url(&sandbox, &api, "/dev/greeting");
    let hello = send("GET", &format!("{url}?name=Ana"), &[], "").await;
    assert_eq!(hello.status, 200, "{}", hello.body);
    assert_eq!(
        hello.json(),
        serde_json::json!({"greeting": "Hello, Ana!", "via": "GET /greeting"})
    );
    let nobody = send("GET", &url, &[], "").await;
    assert_eq!(nobody.status, 404, "{}", nobody.body);
    assert_eq!(nobody.json()["error"], "say who");
}

#[tokio::test]
async fn test_invoke_runs_a_method_before_any_deployment_and_returns_its_log() {
    let sandbox = Sandbox::start().await;
    let api = mapped_api(&sandbox).await;
    let rest = sandbox.rest();
    let resources = rest
        .get_resources()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    let thing = resources
        .items()
        .iter()
        .find(|resource| resource.path() == Some("/things/{id}"))
        .and_then(|resource| resource.id())
        .unwrap()
        .to_owned();
    let tested = rest
        .test_invoke_method()
        .rest_api_id(&api.id)
        .resource_id(&thing)
        .http_method("POST")
        .path_with_query_string("/things/9?who=Bo")
        .headers("content-type", "application/json")
        .body(r#"{"action": "list", "detail": "d", "tags": ["x"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(tested.status(), 200, "{:?}", tested.body());
    let body: serde_json::Value = serde_json::from_str(tested.body().unwrap_or_default()).unwrap();
    assert_eq!(body["sawStage"], "test-invoke-stage");
    let log = tested.log().unwrap_or_default();
    assert!(
        log.contains("Endpoint request body after transformations: "),
        "{log}"
    );
    assert!(
        log.contains("\"id\": \"9\""),
        "the path parameter reached the template: {log}"
    );
    assert!(log.ends_with("Method completed with status: 200"), "{log}");
}

#[tokio::test]
async fn a_stage_exports_as_openapi_and_swagger_with_its_integrations() {
    let sandbox = Sandbox::start().await;
    let api = mapped_api(&sandbox).await;
    let rest = sandbox.rest();
    let exported = rest
        .get_export()
        .rest_api_id(&api.id)
        .stage_name("dev")
        .export_type("oas30")
        .parameters("extensions", "integrations")
        .accepts("application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(exported.content_type(), Some("application/json"));
    let document: serde_json::Value =
        serde_json::from_slice(exported.body().unwrap().as_ref()).unwrap();
    assert_eq!(document["openapi"], "3.0.1");
    assert_eq!(document["info"]["title"], "Mapped");
    let post = &document["paths"]["/things/{id}"]["post"];
    assert_eq!(post["parameters"][0]["name"], "id");
    assert_eq!(post["responses"]["422"]["description"], "422 response");
    let integration = &post["x-amazon-apigateway-integration"];
    assert_eq!(integration["type"], "aws");
    assert_eq!(integration["passthroughBehavior"], "never");
    assert_eq!(integration["responses"][".*Invalid.*"]["statusCode"], "422");
    assert!(document["components"]["schemas"]["Empty"].is_object());

    // The Rust SDK always asks for JSON (it sets `Accept` itself); the AWS CLI can ask for YAML.
    let swagger = send(
        "GET",
        &format!(
            "{}/restapis/{}/stages/dev/exports/swagger",
            sandbox.endpoint(),
            api.id
        ),
        &[
            ("accept", "application/yaml"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        "",
    )
    .await;
    assert_eq!(swagger.status, 200, "{}", swagger.body);
    assert_eq!(swagger.header("content-type"), Some("application/yaml"));
    let text = swagger.body;
    assert!(text.contains("\"swagger\": \"2.0\"\n"), "{text}");
    assert!(text.contains("\"basePath\": \"/dev\"\n"), "{text}");
    assert!(!text.contains("x-amazon-apigateway-integration"), "{text}");
    let unknown = rest
        .get_export()
        .rest_api_id(&api.id)
        .stage_name("dev")
        .export_type("raml")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        crate::apigw_rest::failure(&unknown.into_service_error()).0,
        "BadRequestException"
    );
}

const GREETER: &str = r##"openapi: "3.0.1"
info:
  title: Greeter
paths:
  /greeting/{name}:
    get:
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: a greeting
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Greeting"}
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"greeting": "Hello, $input.params(''name'')!"}'
components:
  schemas:
    Greeting: {type: object, properties: {greeting: {type: string}}}
"##;

#[tokio::test]
async fn an_imported_definition_serves_and_survives_export_and_import_again() {
    use aws_sdk_apigateway::primitives::Blob;

    let sandbox = Sandbox::start().await;
    let rest = sandbox.rest();
    let imported = rest
        .import_rest_api()
        .body(Blob::new(GREETER))
        .parameters("endpointConfigurationTypes", "REGIONAL")
        .send()
        .await
        .unwrap();
    assert_eq!(imported.name(), Some("Greeter"));
    let first = Api {
        id: imported.id().unwrap().to_owned(),
        root: imported.root_resource_id().unwrap().to_owned(),
    };
    deploy(&sandbox, &first, "v1").await;
    let url = |api: &Api| invoke_url(&sandbox, api, "/v1/greeting/Ana");
    let hello = send("GET", &url(&first), &[], "").await;
    assert_eq!(hello.status, 200, "{}", hello.body);
    assert_eq!(hello.json()["greeting"], "Hello, Ana!");

    let exported = rest
        .get_export()
        .rest_api_id(&first.id)
        .stage_name("v1")
        .export_type("oas30")
        .parameters("extensions", "apigateway")
        .send()
        .await
        .unwrap();
    let second = import(&sandbox, exported.body().unwrap().clone().into_inner()).await;
    deploy(&sandbox, &second, "v1").await;
    let echoed = send("GET", &url(&second), &[], "").await;
    assert_eq!(echoed.json()["greeting"], "Hello, Ana!", "{}", echoed.body);
    let models = rest
        .get_models()
        .rest_api_id(&second.id)
        .send()
        .await
        .unwrap();
    assert!(
        models
            .items()
            .iter()
            .any(|model| model.name() == Some("Greeting"))
    );

    // Overwriting with an empty definition leaves only the root.
    rest.put_rest_api()
        .rest_api_id(&second.id)
        .mode(aws_sdk_apigateway::types::PutMode::Overwrite)
        .body(Blob::new(
            r#"{"openapi": "3.0.1", "info": {"title": "Greeter"}, "paths": {}}"#,
        ))
        .send()
        .await
        .unwrap();
    let resources = rest
        .get_resources()
        .rest_api_id(&second.id)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.items().len(), 1);
    let refused = rest
        .import_rest_api()
        .body(Blob::new("swagger: [unclosed"))
        .send()
        .await
        .unwrap_err();
    let (code, message) = crate::apigw_rest::failure(&refused.into_service_error());
    assert_eq!(code, "BadRequestException");
    assert!(
        message.starts_with("Errors found during import: "),
        "{message}"
    );
}
