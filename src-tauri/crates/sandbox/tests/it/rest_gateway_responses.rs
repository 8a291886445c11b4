//! A REST API's gateway responses through the real SDK client: every type listed with its
//! default, an API's own put, patched and deleted; once deployed, API Gateway's own answers
//! worded by them (a type's own, else `DEFAULT_4XX`); and the extensions that carry them and the
//! request validators through import and export.

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{GatewayResponseType, Op, PatchOperation};

use crate::apigw_rest::{Api, deploy, failure, import, invoke_url, mock_integration, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

/// Every response type is listed, with its default until the API puts its own; a put one can
/// be patched, and deleting it brings the default back.
#[tokio::test]
async fn gateway_responses_default_until_put_and_again_once_deleted() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Worded").await;
    let rest = sandbox.rest();
    let listed = rest
        .get_gateway_responses()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 21);
    assert!(listed.items().iter().all(|item| item.default_response()));
    let throttled = rest
        .get_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Throttled)
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status_code(), Some("429"));
    assert_eq!(
        throttled.response_templates().unwrap()["application/json"],
        r#"{"message":$context.error.messageString}"#
    );
    let put = rest
        .put_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .send()
        .await
        .unwrap();
    assert!(!put.default_response());
    let patched = rest
        .update_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/statusCode")
                .value("418")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status_code(), Some("418"));
    assert_eq!(
        patched.response_parameters().unwrap()["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    rest.delete_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    let again = rest
        .get_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    assert!(again.default_response());
    let bad_status = rest
        .put_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Throttled)
        .status_code("42")
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&bad_status).0, "BadRequestException");
}

/// `Worded` with a MOCK `GET /` behind an API key, a 404 of its own for requests no resource
/// takes, and CORS on every other 4xx.
async fn worded(sandbox: &Sandbox) -> Api {
    let api = rest_api(sandbox, "Worded").await;
    let rest = sandbox.rest();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("NONE")
        .api_key_required(true)
        .send()
        .await
        .unwrap();
    mock_integration(sandbox, &api, &api.root, "GET").await;
    rest.put_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .response_templates(
            "application/json",
            r#"{"error": "$context.error.message", "type": "$context.error.responseType", "path": "$input.params('q')"}"#,
        )
        .send()
        .await
        .unwrap();
    rest.put_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .response_parameters(
            "gatewayresponse.header.x-asked",
            "method.request.header.x-ask",
        )
        .send()
        .await
        .unwrap();
    api
}

/// Once deployed, a type's own response words its answers, and `DEFAULT_4XX` the 4xx types the
/// API left alone; before the deployment, API Gateway's own words stay.
#[tokio::test]
async fn deployed_gateway_responses_word_api_gateways_own_answers() {
    let sandbox = Sandbox::start().await;
    let api = worded(&sandbox).await;
    let rest = sandbox.rest();
    // A deployment made before the responses were put would not have them: deploy now.
    deploy(&sandbox, &api, "prod").await;
    let unknown = send(
        "GET",
        &invoke_url(&sandbox, &api, "/prod/nothing?q=x"),
        &[],
        "",
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(
        unknown.json(),
        serde_json::json!({
            "error": "Missing Authentication Token",
            "type": "MISSING_AUTHENTICATION_TOKEN",
            "path": "x",
        })
    );
    assert_eq!(
        unknown.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    let keyless = send(
        "GET",
        &invoke_url(&sandbox, &api, "/prod/"),
        &[("x-ask", "why")],
        "",
    )
    .await;
    assert_eq!(keyless.status, 403);
    assert_eq!(keyless.json()["message"], "Forbidden");
    assert_eq!(keyless.header("access-control-allow-origin"), Some("*"));
    assert_eq!(keyless.header("x-asked"), Some("why"));

    rest.delete_gateway_response()
        .rest_api_id(&api.id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    let still = send("GET", &invoke_url(&sandbox, &api, "/prod/nothing"), &[], "").await;
    assert_eq!(
        still.status, 404,
        "the deployed responses serve until the next deployment"
    );
    deploy(&sandbox, &api, "prod").await;
    let plain = send("GET", &invoke_url(&sandbox, &api, "/prod/nothing"), &[], "").await;
    assert_eq!(plain.status, 403);
    assert_eq!(plain.json()["message"], "Missing Authentication Token");
    assert_eq!(
        plain.header("access-control-allow-origin"),
        Some("*"),
        "DEFAULT_4XX"
    );
}

const VALIDATED: &str = r#"{
  "openapi": "3.0.1",
  "info": {"title": "Validated", "version": "1"},
  "x-amazon-apigateway-request-validators": {
    "params-only": {"validateRequestBody": false, "validateRequestParameters": true}
  },
  "x-amazon-apigateway-request-validator": "params-only",
  "x-amazon-apigateway-gateway-responses": {
    "BAD_REQUEST_PARAMETERS": {
      "statusCode": "422",
      "responseTemplates": {"application/json": "{\"missing\": \"$context.error.message\"}"}
    }
  },
  "paths": {
    "/items": {
      "get": {
        "parameters": [{"name": "page", "in": "query", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
          "type": "mock",
          "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
          "responses": {"default": {"statusCode": "200"}}
        }
      }
    }
  }
}"#;

/// Request validators and gateway responses come in with an imported definition, work once
/// deployed, and go out again with an export that asks for API Gateway's extensions.
#[tokio::test]
async fn validators_and_gateway_responses_travel_with_the_definition() {
    let sandbox = Sandbox::start().await;
    let rest = sandbox.rest();
    let api = import(&sandbox, VALIDATED).await;
    deploy(&sandbox, &api, "v1").await;
    let refused = send("GET", &invoke_url(&sandbox, &api, "/v1/items"), &[], "").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        refused.json()["missing"],
        "Missing required request parameters: [page]"
    );
    let served = send(
        "GET",
        &invoke_url(&sandbox, &api, "/v1/items?page=1"),
        &[],
        "",
    )
    .await;
    assert_eq!(served.status, 200, "{}", served.body);

    let exported = rest
        .get_export()
        .rest_api_id(&api.id)
        .stage_name("v1")
        .export_type("oas30")
        .parameters("extensions", "apigateway")
        .send()
        .await
        .unwrap();
    let document: serde_json::Value =
        serde_json::from_slice(exported.body().unwrap().as_ref()).unwrap();
    assert_eq!(
        document["x-amazon-apigateway-request-validators"]["params-only"]["validateRequestParameters"],
        true
    );
    assert_eq!(
        document["paths"]["/items"]["get"]["x-amazon-apigateway-request-validator"],
        "params-only"
    );
    assert_eq!(
        document["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_PARAMETERS"]["statusCode"],
        "422"
    );
    let unknown_validator = VALIDATED.replace(
        r#""x-amazon-apigateway-request-validator": "params-only""#,
        r#""x-amazon-apigateway-request-validator": "nowhere""#,
    );
    let refused_import = rest
        .import_rest_api()
        .body(Blob::new(unknown_validator))
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&refused_import).0, "BadRequestException");
}
