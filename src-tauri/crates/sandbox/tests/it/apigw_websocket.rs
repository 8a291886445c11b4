//! API Gateway v2 WebSocket APIs' control plane through the real SDK client: the API and its
//! `ws://` endpoint, `$connect`/`$disconnect`/`$default`/custom routes, AWS_PROXY integrations
//! (payload 1.0), route and integration responses for two-way routes, auto-deploying stages.

use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};

use crate::fixture::{Sandbox, error_of};

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:default";

/// The lab's WebSocket API, selecting routes by `$request.body.action`.
async fn positions_api(
    apigw: &aws_sdk_apigatewayv2::Client,
) -> aws_sdk_apigatewayv2::operation::create_api::CreateApiOutput {
    apigw
        .create_api()
        .name("PositionsWebSocket")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap()
}

/// An AWS_PROXY integration of `api_id` with the lab's function.
async fn function_integration(
    apigw: &aws_sdk_apigatewayv2::Client,
    api_id: &str,
) -> aws_sdk_apigatewayv2::operation::create_integration::CreateIntegrationOutput {
    apigw
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
        ))
        .send()
        .await
        .unwrap()
}

/// A WebSocket API's endpoint is a `ws://` URL under the invoke URL prefix.
#[tokio::test]
async fn a_websocket_api_has_a_ws_endpoint_and_its_selection_expression() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = positions_api(&apigw).await;
    let api_id = api.api_id().unwrap();
    assert_eq!(
        api.api_endpoint(),
        Some(
            format!(
                "ws://{}/_aws/execute-api/{api_id}",
                sandbox.running.local_addr()
            )
            .as_str()
        )
    );
    assert_eq!(
        api.route_selection_expression(),
        Some("$request.body.action")
    );
}

/// A WebSocket integration defaults to payload 1.0 and a 29 s timeout.
#[tokio::test]
async fn a_websocket_integration_takes_payload_1_0_and_waits_29_seconds() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = positions_api(&apigw).await;
    let api_id = api.api_id().unwrap();
    let integration = function_integration(&apigw, api_id).await;
    assert_eq!(integration.payload_format_version(), Some("1.0"));
    // A WebSocket integration waits 29 seconds unless told otherwise.
    assert_eq!(integration.timeout_in_millis(), Some(29_000));
}

/// Routes take `$connect`, `$disconnect`, `$default` and custom keys; route and integration responses make a route two-way.
#[tokio::test]
async fn websocket_routes_take_any_key_and_two_way_responses() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = positions_api(&apigw).await;
    let api_id = api.api_id().unwrap();
    let integration = function_integration(&apigw, api_id).await;
    let integration_id = integration.integration_id().unwrap();
    let target = format!("integrations/{integration_id}");
    for key in ["$connect", "$disconnect", "sendmessage"] {
        apigw
            .create_route()
            .api_id(api_id)
            .route_key(key)
            .target(&target)
            .send()
            .await
            .unwrap();
    }
    let default = apigw
        .create_route()
        .api_id(api_id)
        .route_key("$default")
        .target(&target)
        .route_response_selection_expression("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(
        default.route_response_selection_expression(),
        Some("$default")
    );
    let route_response = apigw
        .create_route_response()
        .api_id(api_id)
        .route_id(default.route_id().unwrap())
        .route_response_key("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(route_response.route_response_key(), Some("$default"));
    let listed = apigw
        .get_route_responses()
        .api_id(api_id)
        .route_id(default.route_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 1);
    let integration_response = apigw
        .create_integration_response()
        .api_id(api_id)
        .integration_id(integration_id)
        .integration_response_key("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(
        integration_response.integration_response_key(),
        Some("$default")
    );

    let routes = apigw.get_routes().api_id(api_id).send().await.unwrap();
    let mut keys: Vec<&str> = routes
        .items()
        .iter()
        .filter_map(|route| route.route_key())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["$connect", "$default", "$disconnect", "sendmessage"]);
}

/// An auto-deploying stage is deployed at once; a plain HTTP request to it is not a handshake (426).
#[tokio::test]
async fn an_auto_deployed_websocket_stage_refuses_plain_http() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = positions_api(&apigw).await;
    let api_id = api.api_id().unwrap();
    let stage = apigw
        .create_stage()
        .api_id(api_id)
        .stage_name("production")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    assert!(
        stage.deployment_id().is_some(),
        "auto-deploy deploys at once"
    );

    // A plain HTTP request is not a handshake.
    let reply = crate::client::send(
        "GET",
        &format!(
            "{}/_aws/execute-api/{api_id}/production",
            sandbox.running.endpoint()
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 426);
    assert_eq!(reply.json()["message"], "Upgrade Required");
}

/// A WebSocket API needs a route selection expression; what the shell leaves of the seed's
/// (`$request` expanded to nothing) is kept as given, as AWS keeps it.
#[tokio::test]
async fn a_websocket_api_needs_a_route_selection_expression() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let (code, message) = error_of(
        apigw
            .create_api()
            .name("NoSelection")
            .protocol_type(ProtocolType::Websocket)
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("routeSelectionExpression"), "{message}");
    let expanded = apigw
        .create_api()
        .name("Expanded")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression(".body.action")
        .send()
        .await
        .unwrap();
    assert_eq!(expanded.route_selection_expression(), Some(".body.action"));
}

/// A chat-like WebSocket API's id.
async fn chat_api(sandbox: &Sandbox) -> String {
    let api = sandbox
        .apigw()
        .create_api()
        .name("Chat")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap();
    api.api_id().unwrap().to_owned()
}

/// A WebSocket integration takes payload format 1.0 only and a timeout of at most 29 s.
#[tokio::test]
async fn websocket_integrations_keep_to_payload_1_and_29_seconds() {
    let sandbox = Sandbox::start().await;
    let api_id = chat_api(&sandbox).await;
    let apigw = sandbox.apigw();
    let integration = || {
        apigw
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(FUNCTION_ARN)
    };
    let (code, message) = error_of(integration().payload_format_version("2.0").send().await);
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("only 1.0"), "{message}");
    let (code, message) = error_of(integration().timeout_in_millis(30_000).send().await);
    assert_eq!(code, "BadRequestException");
    assert_eq!(
        message,
        "Timeout must be between 50 milliseconds and 29 seconds."
    );
}

/// A route key is taken once, and a route response's key can only be `$default`.
#[tokio::test]
async fn websocket_routes_are_unique_and_answer_by_default_only() {
    let sandbox = Sandbox::start().await;
    let api_id = chat_api(&sandbox).await;
    let apigw = sandbox.apigw();
    let connect = || apigw.create_route().api_id(&api_id).route_key("$connect");
    let route = connect().send().await.unwrap();
    let (code, _) = error_of(connect().send().await);
    assert_eq!(code, "ConflictException");
    let (code, message) = error_of(
        apigw
            .create_route_response()
            .api_id(&api_id)
            .route_id(route.route_id().unwrap())
            .route_response_key("$other")
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("$default"), "{message}");
}

/// HTTP APIs have no route responses.
#[tokio::test]
async fn an_http_route_takes_no_route_response() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let http = apigw
        .create_api()
        .name("Http")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let http_route = apigw
        .create_route()
        .api_id(http.api_id().unwrap())
        .route_key("GET /")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        apigw
            .create_route_response()
            .api_id(http.api_id().unwrap())
            .route_id(http_route.route_id().unwrap())
            .route_response_key("$default")
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
}
