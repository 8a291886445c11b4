//! An HTTP or WebSocket API's authorizers through the real SDK client: what each type needs on
//! each protocol, with AWS's messages, and what is kept of them.

use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration, ProtocolType};
use lab_testkit::Sandbox;

const FUNCTION_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";

async fn api(sandbox: &Sandbox, protocol: ProtocolType) -> String {
    let mut create = sandbox
        .apigw()
        .create_api()
        .name("guarded")
        .protocol_type(protocol.clone());
    if protocol == ProtocolType::Websocket {
        create = create.route_selection_expression("$request.body.action");
    }
    let api = create.send().await.unwrap();
    api.api_id().unwrap().to_owned()
}

/// The message of a CreateAuthorizer the sandbox refuses.
async fn refusal(
    sandbox: &Sandbox,
    api_id: &str,
    build: impl FnOnce(
        aws_sdk_apigatewayv2::operation::create_authorizer::builders::CreateAuthorizerFluentBuilder,
    ) -> aws_sdk_apigatewayv2::operation::create_authorizer::builders::CreateAuthorizerFluentBuilder,
) -> String {
    let create = sandbox.apigw().create_authorizer().api_id(api_id).name("a");
    let error = build(create).send().await.expect_err("refused");
    let service = error.into_service_error();
    assert!(service.is_bad_request_exception(), "{service:?}");
    service.meta().message().unwrap_or_default().to_owned()
}

/// A JWT authorizer is kept with its issuer, audience and identity source, and an update
/// changes only the members it names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_authorizer_is_kept_and_updated_member_by_member() {
    let sandbox = Sandbox::start().await;
    let api_id = api(&sandbox, ProtocolType::Http).await;
    let apigw = sandbox.apigw();
    let made = apigw
        .create_authorizer()
        .api_id(&api_id)
        .name("users")
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool")
                .audience("client-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = made.authorizer_id().unwrap();
    apigw
        .update_authorizer()
        .api_id(&api_id)
        .authorizer_id(id)
        .name("people")
        .send()
        .await
        .unwrap();
    let kept = apigw
        .get_authorizer()
        .api_id(&api_id)
        .authorizer_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.name(), Some("people"));
    assert_eq!(kept.authorizer_type(), Some(&AuthorizerType::Jwt));
    assert_eq!(kept.identity_source(), ["$request.header.Authorization"]);
    let jwt = kept.jwt_configuration().unwrap();
    assert_eq!(jwt.audience(), ["client-1"]);
    assert_eq!(
        jwt.issuer(),
        Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool")
    );
    let listed = apigw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 1);
}

/// An HTTP API's Lambda authorizer needs a payload format version AWS supports, simple
/// responses only with 2.0, and a cache TTL of at most an hour with an identity source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_apis_lambda_authorizer_is_checked_as_aws_checks_it() {
    let sandbox = Sandbox::start().await;
    let api_id = api(&sandbox, ProtocolType::Http).await;
    let request = |create: aws_sdk_apigatewayv2::operation::create_authorizer::builders::CreateAuthorizerFluentBuilder| {
        create
            .authorizer_type(AuthorizerType::Request)
            .authorizer_uri(FUNCTION_URI)
    };
    let cases: [(&str, String); 5] = [
        (
            "AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer",
            refusal(&sandbox, &api_id, request).await,
        ),
        (
            "AuthorizerPayloadFormatVersion 3.0 is not supported",
            refusal(&sandbox, &api_id, |c| {
                request(c).authorizer_payload_format_version("3.0")
            })
            .await,
        ),
        (
            "EnableSimpleResponses can only be set for AuthorizerPayloadFormatVersion \"2.0\".",
            refusal(&sandbox, &api_id, |c| {
                request(c)
                    .authorizer_payload_format_version("1.0")
                    .enable_simple_responses(true)
            })
            .await,
        ),
        (
            "Authorizer result TTL outside allowable range. TTL must be between 0 and 3600 seconds.",
            refusal(&sandbox, &api_id, |c| {
                request(c)
                    .authorizer_payload_format_version("2.0")
                    .authorizer_result_ttl_in_seconds(3601)
            })
            .await,
        ),
        (
            "Identity source must be set if authorizer caching is enabled",
            refusal(&sandbox, &api_id, |c| {
                request(c)
                    .authorizer_payload_format_version("2.0")
                    .authorizer_result_ttl_in_seconds(300)
            })
            .await,
        ),
    ];
    let (expected, actual): (Vec<&str>, Vec<&str>) = cases
        .iter()
        .map(|(expected, actual)| (*expected, actual.as_str()))
        .unzip();
    assert_eq!(actual, expected, "every refusal is AWS's");
    let accepted = sandbox
        .apigw()
        .create_authorizer()
        .api_id(&api_id)
        .name("simple")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(FUNCTION_URI)
        .authorizer_payload_format_version("2.0")
        .enable_simple_responses(true)
        .authorizer_result_ttl_in_seconds(300)
        .identity_source("$request.header.Authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.enable_simple_responses(), Some(true));
    assert_eq!(accepted.authorizer_result_ttl_in_seconds(), Some(300));
}

/// A WebSocket API takes Lambda authorizers without a payload version, and no JWT ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_api_takes_lambda_authorizers_only() {
    let sandbox = Sandbox::start().await;
    let api_id = api(&sandbox, ProtocolType::Websocket).await;
    let jwt = refusal(&sandbox, &api_id, |c| {
        c.authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(JwtConfiguration::builder().issuer("https://x").build())
    })
    .await;
    assert_eq!(jwt, "JWT authorizers are only supported for HTTP APIs");
    sandbox
        .apigw()
        .create_authorizer()
        .api_id(&api_id)
        .name("connect")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(FUNCTION_URI)
        .identity_source("route.request.querystring.token")
        .send()
        .await
        .unwrap();
}
