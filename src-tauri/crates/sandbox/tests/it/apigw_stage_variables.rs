//! Stage variables in HTTP API integrations, as seed 004 uses them: one integration whose URI
//! ends in `:${stageVariables.lambdaAlias}`, stages dev/test/prod pointing it at the aliases
//! DEV/TEST/PROD of one function, each alias with its own permission — and every 500 on the
//! way says why, on the feed and in the access log.

use aws_sdk_apigatewayv2::types::{AccessLogSettings, IntegrationType, ProtocolType};
use aws_sdk_lambda::types::Environment;

use crate::client::send;
use crate::fixture::{Sandbox, error_of};

/// Answers the greeting its version was published with.
const HELLO: &str = r#"
import os

def handler(event, context):
    return {"statusCode": 200, "body": os.environ["GREETING"]}
"#;

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:hello";

async fn set_greeting(sandbox: &Sandbox, greeting: &str) {
    sandbox
        .lambda()
        .update_function_configuration()
        .function_name("hello")
        .environment(
            Environment::builder()
                .variables("GREETING", greeting)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// `hello` with versions 1 ("one") and 2 ("two"), `$LATEST` answering "latest", and the
/// aliases of seed 004, each of which API Gateway may invoke.
async fn hello_with_aliases(sandbox: &Sandbox) {
    sandbox.create_python_function("hello", HELLO).await;
    let lambda = sandbox.lambda();
    for greeting in ["one", "two"] {
        set_greeting(sandbox, greeting).await;
        lambda
            .publish_version()
            .function_name("hello")
            .send()
            .await
            .unwrap();
    }
    set_greeting(sandbox, "latest").await;
    for (alias, version) in [("DEV", "$LATEST"), ("TEST", "2"), ("PROD", "1")] {
        lambda
            .create_alias()
            .function_name("hello")
            .name(alias)
            .function_version(version)
            .send()
            .await
            .unwrap();
        lambda
            .add_permission()
            .function_name("hello")
            .qualifier(alias)
            .statement_id(format!("apigateway-{alias}"))
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .send()
            .await
            .unwrap();
    }
}

/// An HTTP API with the route `route_key` on one integration (`kind` to `uri`), and a stage per
/// `(name, value)` whose stage variable `variable` is `value` (unset for `None`), each deploying
/// automatically: the API's id and endpoint.
async fn api_with_stages(
    sandbox: &Sandbox,
    (kind, uri): (IntegrationType, &str),
    route_key: &str,
    variable: &str,
    stages: &[(&str, Option<&str>)],
) -> (String, String) {
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("stage-variables")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    sandbox.route_to(api_id, route_key, kind, uri).await;
    for (stage, value) in stages {
        let mut request = apigw
            .create_stage()
            .api_id(api_id)
            .stage_name(*stage)
            .auto_deploy(true);
        if let Some(value) = value {
            request = request.stage_variables(variable, *value);
        }
        request.send().await.unwrap();
    }
    (api_id.to_owned(), api.api_endpoint().unwrap().to_owned())
}

/// [`api_with_stages`] for seed 004's `GET /hello` on `hello` through `lambdaAlias`.
async fn hello_api(
    sandbox: &Sandbox,
    uri: &str,
    stages: &[(&str, Option<&str>)],
) -> (String, String) {
    api_with_stages(
        sandbox,
        (IntegrationType::AwsProxy, uri),
        "GET /hello",
        "lambdaAlias",
        stages,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stage_calls_the_alias_its_variable_names_in_both_uri_forms() {
    let sandbox = Sandbox::start().await;
    hello_with_aliases(&sandbox).await;
    let stages = [
        ("dev", Some("DEV")),
        ("test", Some("TEST")),
        ("prod", Some("PROD")),
    ];
    for uri in [
        format!("{ARN}:${{stageVariables.lambdaAlias}}"),
        format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:${{stageVariables.lambdaAlias}}/invocations"
        ),
    ] {
        let (_, endpoint) = hello_api(&sandbox, &uri, &stages).await;
        for (stage, greeting) in [("dev", "latest"), ("test", "two"), ("prod", "one")] {
            let reply = send("GET", &format!("{endpoint}/{stage}/hello"), &[], "").await;
            assert_eq!(reply.status, 200, "{uri} on {stage}: {}", reply.body);
            assert_eq!(reply.body, greeting, "{uri} on {stage}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_stage_or_a_missing_alias_permission_answers_500_with_the_reason() {
    let sandbox = Sandbox::start().await;
    hello_with_aliases(&sandbox).await;
    sandbox
        .logs()
        .create_log_group()
        .log_group_name("access")
        .send()
        .await
        .unwrap();
    // Version 2 is TEST's, but only the aliases were given permissions: the function's own
    // (unqualified) policy does not cover a version either.
    let (api_id, endpoint) = hello_api(
        &sandbox,
        &format!("{ARN}:${{stageVariables.lambdaAlias}}"),
        &[("unset", None), ("bare", Some("2"))],
    )
    .await;
    sandbox
        .apigw()
        .update_stage()
        .api_id(&api_id)
        .stage_name("unset")
        .access_log_settings(
            AccessLogSettings::builder()
                .destination_arn("arn:aws:logs:us-east-1:000000000000:log-group:access")
                .format("$context.status $context.integrationErrorMessage")
                .build(),
        )
        .send()
        .await
        .unwrap();

    let unset = send("GET", &format!("{endpoint}/unset/hello"), &[], "").await;
    assert_eq!(unset.status, 500);
    assert_eq!(unset.body, r#"{"message":"Internal Server Error"}"#);
    let bare = send("GET", &format!("{endpoint}/bare/hello"), &[], "").await;
    assert_eq!(bare.status, 500);

    let undefined = "the stage variable lambdaAlias is used by the integration but stage unset does not define it";
    let logged = sandbox
        .logs()
        .filter_log_events()
        .log_group_name("access")
        .send()
        .await
        .unwrap();
    let lines: Vec<&str> = logged.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(lines, [format!("500 {undefined}")]);

    let records = sandbox.inspect_history().await;
    let reasons: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r["service"] == "apigateway" && r["kind"] == "request")
        .map(|r| {
            (
                r["stage"].as_str().unwrap_or_default(),
                r["error"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(reasons[0], ("unset", undefined));
    assert_eq!(reasons[1].0, "bare");
    assert!(
        reasons[1].1.starts_with(&format!(
            "API Gateway has no permission to invoke {ARN}:2 from arn:aws:execute-api:us-east-1:000000000000:"
        )) && reasons[1].1.contains("add the permission with its Qualifier"),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uris_api_gateway_refuses_are_refused_when_the_integration_is_made() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("quotes")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    // What `jq` without `-r` hands a script: the ARN in quotes.
    for (kind, uri) in [
        (IntegrationType::AwsProxy, format!("\"{ARN}\"")),
        (IntegrationType::AwsProxy, "hello".to_owned()),
        (
            IntegrationType::HttpProxy,
            "\"http://127.0.0.1:9/\"".to_owned(),
        ),
    ] {
        let mut request = apigw
            .create_integration()
            .api_id(api.api_id().unwrap())
            .integration_type(kind.clone())
            .integration_uri(&uri);
        if kind == IntegrationType::HttpProxy {
            request = request.integration_method("GET");
        }
        let refused = request.send().await;
        assert_eq!(
            error_of(refused),
            (
                "BadRequestException".to_owned(),
                "Invalid integration URI specified".to_owned()
            ),
            "{uri}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_urls_take_stage_variables() {
    let backend =
        axum::Router::new().fallback(|uri: axum::http::Uri| async move { uri.to_string() });
    let port = crate::fixture::spawn_backend(backend).await;

    let sandbox = Sandbox::start().await;
    let uri = format!("http://127.0.0.1:{port}/${{stageVariables.version}}/items");
    let (_, endpoint) = api_with_stages(
        &sandbox,
        (IntegrationType::HttpProxy, &uri),
        "GET /items",
        "version",
        &[("dev", Some("v2")), ("prod", Some("v1"))],
    )
    .await;
    for (stage, path) in [("dev", "/v2/items"), ("prod", "/v1/items")] {
        let reply = send("GET", &format!("{endpoint}/{stage}/items"), &[], "").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, path), "{stage}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_mappings_take_stage_variables_request_data_and_context() {
    let backend = axum::Router::new().fallback(
        |uri: axum::http::Uri, headers: axum::http::HeaderMap| async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-")
                    .to_owned()
            };
            format!("{uri} {} {}", header("x-version"), header("x-caller"))
        },
    );
    let port = crate::fixture::spawn_backend(backend).await;

    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("mapped")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    let integration = apigw
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("GET")
        .integration_uri(format!("http://127.0.0.1:{port}/items"))
        .request_parameters("overwrite:header.x-version", "$stageVariables.version")
        .request_parameters("append:header.x-caller", "caller ${request.header.x-user}")
        .request_parameters("overwrite:querystring.stage", "$context.stage")
        .request_parameters(
            "overwrite:path",
            "/${stageVariables.version}/items/${request.path.id}",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        integration.request_parameters().unwrap()["overwrite:header.x-version"],
        "$stageVariables.version"
    );
    apigw
        .create_route()
        .api_id(api_id)
        .route_key("GET /items/{id}")
        .target(format!(
            "integrations/{}",
            integration.integration_id().unwrap()
        ))
        .send()
        .await
        .unwrap();
    for (stage, version) in [("dev", "v2"), ("prod", "v1")] {
        apigw
            .create_stage()
            .api_id(api_id)
            .stage_name(stage)
            .auto_deploy(true)
            .stage_variables("version", version)
            .send()
            .await
            .unwrap();
    }
    let endpoint = api.api_endpoint().unwrap();
    for (stage, expected) in [
        ("dev", "/v2/items/7?stage=dev v2 caller ana"),
        ("prod", "/v1/items/7?stage=prod v1 caller ana"),
    ] {
        let reply = send(
            "GET",
            &format!("{endpoint}/{stage}/items/7"),
            &[("x-user", "ana")],
            "",
        )
        .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, expected),
            "{stage}"
        );
    }
}

/// Mappings AWS would not accept, and ones the sandbox does not serve, are refused when the
/// integration is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_mappings_aws_would_refuse_are_refused() {
    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("mapped")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    for (kind, key, value) in [
        (IntegrationType::HttpProxy, "replace:header.x", "a"),
        (
            IntegrationType::HttpProxy,
            "overwrite:header.x",
            "$context.nothing",
        ),
        (IntegrationType::AwsProxy, "overwrite:header.x", "a"),
    ] {
        let uri = if kind == IntegrationType::HttpProxy {
            "http://127.0.0.1:9/".to_owned()
        } else {
            ARN.to_owned()
        };
        let refused = apigw
            .create_integration()
            .api_id(api_id)
            .integration_type(kind)
            .integration_method("GET")
            .integration_uri(uri)
            .request_parameters(key, value)
            .send()
            .await;
        assert_eq!(
            error_of(refused).0,
            "BadRequestException",
            "{key} = {value}"
        );
    }
}
