//! API Gateway v2 HTTP APIs through the real SDK client and plain HTTP on the invoke URL: the
//! events functions receive, the answers clients get, and the deployment rule.

use crate::client::send;
use crate::fixture::Sandbox;

/// Returns the event it got, or misbehaves as asked by the `mode` query parameter.
const ECHO: &str = r#"
import json, time

def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "fail":
        raise RuntimeError("asked to fail")
    if mode == "slow":
        time.sleep(2)
    if mode == "plain":
        return {"plain": True}
    if mode == "badstatus":
        return {"statusCode": 1000}
    return {"statusCode": 200, "headers": {"x-echo": "yes"}, "cookies": ["seen=1"], "body": json.dumps(event)}
"#;

struct Setup {
    sandbox: Sandbox,
    api_id: String,
    endpoint: String,
    integration_id: String,
}

async fn setup(payload_version: &str, permit: bool) -> Setup {
    let sandbox = Sandbox::start().await;
    sandbox.create_python_function("echo", ECHO).await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("EchoAPI")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap().to_owned();
    if permit {
        sandbox.permit_api("echo", Some(&api_id)).await;
    }
    let integration = apigw
        .create_integration()
        .api_id(&api_id)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::AwsProxy)
        .integration_uri("arn:aws:lambda:us-east-1:000000000000:function:echo")
        .payload_format_version(payload_version)
        .timeout_in_millis(1000)
        .send()
        .await
        .unwrap();
    let integration_id = integration.integration_id().unwrap().to_owned();
    for key in ["GET /things/{id}", "POST /things", "ANY /{proxy+}"] {
        apigw
            .create_route()
            .api_id(&api_id)
            .route_key(key)
            .target(format!("integrations/{integration_id}"))
            .send()
            .await
            .unwrap();
    }
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .auto_deploy(true)
        .stage_variables("color", "blue")
        .send()
        .await
        .unwrap();
    let endpoint = api.api_endpoint().unwrap().to_owned();
    Setup {
        sandbox,
        api_id,
        endpoint,
        integration_id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_2_events_carry_every_field_aws_sends() {
    let setup = setup("2.0", true).await;
    let reply = send(
        "GET",
        &format!(
            "{}/prod/things/42?color=red&color=green&empty=",
            setup.endpoint
        ),
        &[
            ("cookie", "a=1; b=2"),
            ("x-custom", "one"),
            ("user-agent", "lab-test"),
        ],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("x-echo"), Some("yes"));
    assert_eq!(reply.header("set-cookie"), Some("seen=1"));
    assert!(reply.header("apigw-requestid").is_some());
    let event = reply.json();
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /things/{id}");
    assert_eq!(event["rawPath"], "/prod/things/42");
    assert_eq!(event["rawQueryString"], "color=red&color=green&empty=");
    assert_eq!(event["queryStringParameters"]["color"], "red,green");
    assert_eq!(event["queryStringParameters"]["empty"], "");
    assert_eq!(event["cookies"], serde_json::json!(["a=1", "b=2"]));
    assert_eq!(event["headers"]["x-custom"], "one");
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["pathParameters"]["id"], "42");
    assert_eq!(event["stageVariables"]["color"], "blue");
    assert_eq!(event["isBase64Encoded"], false);
    let context = &event["requestContext"];
    assert_eq!(context["accountId"], "000000000000");
    assert_eq!(context["apiId"], setup.api_id);
    assert_eq!(context["stage"], "prod");
    assert_eq!(context["http"]["method"], "GET");
    assert_eq!(context["http"]["path"], "/prod/things/42");
    assert_eq!(context["http"]["protocol"], "HTTP/1.1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["http"]["userAgent"], "lab-test");
    assert!(context["timeEpoch"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(context["requestId"].as_str().is_some());

    // An empty query string is "" (not null), and a body comes through as text.
    let posted = send(
        "POST",
        &format!("{}/prod/things", setup.endpoint),
        &[("content-type", "application/json")],
        r#"{"n": 1}"#,
    )
    .await;
    let event = posted.json();
    assert_eq!(event["rawQueryString"], "");
    assert_eq!(event["body"], r#"{"n": 1}"#);
    assert!(event.get("queryStringParameters").is_none());
    assert_eq!(event["routeKey"], "POST /things");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_and_errors_map_as_on_aws() {
    let setup = setup("2.0", true).await;
    let url = |query: &str| format!("{}/prod/anything/else?mode={query}", setup.endpoint);
    let plain = send("GET", &url("plain"), &[], "").await;
    assert_eq!(
        (plain.status, plain.header("content-type")),
        (200, Some("application/json"))
    );
    assert_eq!(plain.json(), serde_json::json!({"plain": true}));
    let failed = send("GET", &url("fail"), &[], "").await;
    assert_eq!(
        (failed.status, failed.body.as_str()),
        (502, r#"{"message":"Internal Server Error"}"#)
    );
    let slow = send("GET", &url("slow"), &[], "").await;
    assert_eq!(
        (slow.status, slow.body.as_str()),
        (503, r#"{"message":"Service Unavailable"}"#)
    );
    let missing_stage = send("GET", &format!("{}/nostage/x", setup.endpoint), &[], "").await;
    assert_eq!(missing_stage.status, 404);
    let malformed = send("GET", &url("badstatus"), &[], "").await;
    assert_eq!(malformed.status, 502);
    setup
        .sandbox
        .lambda()
        .delete_function()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    let gone = send("GET", &url("plain"), &[], "").await;
    assert_eq!(gone.status, 500);

    // Each server error says why on the feed.
    let records = setup.sandbox.inspect_history().await;
    let reasons: Vec<(u64, String)> = records
        .iter()
        .filter(|r| r["service"] == "apigateway" && r["status"].as_u64() >= Some(500))
        .map(|r| {
            (
                r["status"].as_u64().unwrap(),
                r["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    assert!(
        reasons[0].1.starts_with(&format!("{arn} failed: "))
            && reasons[0].1.contains("asked to fail"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons[1].1,
        format!("{arn} did not answer within the integration's timeout of 1000 ms")
    );
    assert_eq!(
        reasons[2].1,
        "the function's answer has statusCode 1000, which is not an HTTP status (100-599)"
    );
    assert_eq!(
        reasons[3].1,
        format!("the integration's function {arn} does not exist")
    );

    // A route behind an authorizer is refused rather than let through.
    let apigw = setup.sandbox.apigw();
    let authorizer = apigw
        .create_authorizer()
        .api_id(&setup.api_id)
        .name("jwt")
        .authorizer_type(aws_sdk_apigatewayv2::types::AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            aws_sdk_apigatewayv2::types::JwtConfiguration::builder()
                .issuer("https://issuer.example")
                .audience("lab")
                .build(),
        )
        .send()
        .await
        .unwrap();
    apigw
        .create_route()
        .api_id(&setup.api_id)
        .route_key("GET /private")
        .target(format!("integrations/{}", setup.integration_id))
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::Jwt)
        .authorizer_id(authorizer.authorizer_id().unwrap())
        .send()
        .await
        .unwrap();
    let private = send("GET", &format!("{}/prod/private", setup.endpoint), &[], "").await;
    assert_eq!(
        (private.status, private.body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_permission_the_gateway_answers_500() {
    let setup = setup("2.0", false).await;
    let reply = send("GET", &format!("{}/prod/things/1", setup.endpoint), &[], "").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (500, r#"{"message":"Internal Server Error"}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_1_events_have_the_rest_shape() {
    let setup = setup("1.0", true).await;
    let reply = send(
        "GET",
        &format!("{}/prod/things/7?x=1&x=2", setup.endpoint),
        &[("x-custom", "v")],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let event = reply.json();
    assert_eq!(event["version"], "1.0");
    assert_eq!(event["resource"], "/things/{id}");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(
        event["multiValueQueryStringParameters"]["x"],
        serde_json::json!(["1", "2"])
    );
    assert_eq!(event["queryStringParameters"]["x"], "2");
    assert_eq!(
        event["multiValueHeaders"]["x-custom"],
        serde_json::json!(["v"])
    );
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(event["pathParameters"]["id"], "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_wait_for_a_deployment_unless_the_stage_auto_deploys() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    apigw
        .create_stage()
        .api_id(&setup.api_id)
        .stage_name("manual")
        .send()
        .await
        .unwrap();
    let not_yet = send(
        "GET",
        &format!("{}/manual/things/1", setup.endpoint),
        &[],
        "",
    )
    .await;
    assert_eq!(not_yet.status, 404, "no deployment yet");
    apigw
        .create_deployment()
        .api_id(&setup.api_id)
        .stage_name("manual")
        .send()
        .await
        .unwrap();
    assert_eq!(
        send(
            "GET",
            &format!("{}/manual/things/1", setup.endpoint),
            &[],
            ""
        )
        .await
        .status,
        200
    );

    let routes = apigw
        .get_routes()
        .api_id(&setup.api_id)
        .send()
        .await
        .unwrap();
    for route in routes.items() {
        apigw
            .delete_route()
            .api_id(&setup.api_id)
            .route_id(route.route_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    // The manual stage still serves its deployment; the auto-deploying one follows at once.
    assert_eq!(
        send(
            "GET",
            &format!("{}/manual/things/1", setup.endpoint),
            &[],
            ""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        send("GET", &format!("{}/prod/things/1", setup.endpoint), &[], "")
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_create_serves_the_default_stage_at_the_root_and_by_host() {
    let sandbox = Sandbox::start().await;
    sandbox.create_python_function("echo", ECHO).await;
    sandbox.permit_api("echo", None).await;
    let api = sandbox
        .apigw()
        .create_api()
        .name("Quick")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .target("arn:aws:lambda:us-east-1:000000000000:function:echo")
        .send()
        .await
        .unwrap();
    let reply = send(
        "GET",
        &format!("{}/any/path", api.api_endpoint().unwrap()),
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["routeKey"], "$default");
    assert_eq!(reply.json()["requestContext"]["stage"], "$default");

    let port = sandbox.running.local_addr().port();
    let host = format!("{}.execute-api.localhost:{port}", api.api_id().unwrap());
    let by_host = send(
        "GET",
        &format!("http://127.0.0.1:{port}/x"),
        &[("host", host.as_str())],
        "",
    )
    .await;
    assert_eq!(by_host.status, 200, "{}", by_host.body);
    assert_eq!(by_host.json()["rawPath"], "/x");

    let missing = sandbox
        .apigw()
        .get_api()
        .api_id("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_not_found_exception(), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_is_answered_by_the_gateway() {
    let setup = setup("2.0", true).await;
    setup
        .sandbox
        .apigw()
        .update_api()
        .api_id(&setup.api_id)
        .cors_configuration(
            aws_sdk_apigatewayv2::types::Cors::builder()
                .allow_origins("http://localhost:5173")
                .allow_methods("GET")
                .allow_methods("POST")
                .allow_headers("content-type")
                .max_age(600)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let url = format!("{}/prod/things", setup.endpoint);
    let preflight = send(
        "OPTIONS",
        &url,
        &[
            ("origin", "http://localhost:5173"),
            ("access-control-request-method", "POST"),
        ],
        "",
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET,POST")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));
    let other_origin = send(
        "OPTIONS",
        &url,
        &[
            ("origin", "http://evil.example"),
            ("access-control-request-method", "POST"),
        ],
        "",
    )
    .await;
    assert_eq!(other_origin.header("access-control-allow-origin"), None);
    let real = send("POST", &url, &[("origin", "http://localhost:5173")], "{}").await;
    assert_eq!(real.status, 200);
    assert_eq!(
        real.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_limits_and_oversized_requests() {
    let setup = setup("2.0", true).await;
    setup
        .sandbox
        .apigw()
        .update_stage()
        .api_id(&setup.api_id)
        .stage_name("prod")
        .default_route_settings(
            aws_sdk_apigatewayv2::types::RouteSettings::builder()
                .throttling_burst_limit(2)
                .throttling_rate_limit(0.5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let url = format!("{}/prod/things/1", setup.endpoint);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(send("GET", &url, &[], "").await.status);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let throttled = send("GET", &url, &[], "").await;
    assert_eq!(throttled.body, r#"{"message":"Too Many Requests"}"#);

    let huge = "x".repeat(10 * 1024 * 1024 + 1);
    let too_big = send(
        "POST",
        &format!("{}/prod/things", setup.endpoint),
        &[],
        &huge,
    )
    .await;
    assert_eq!(too_big.status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_logs_and_the_inspection_feed_record_each_request() {
    let setup = setup("2.0", true).await;
    setup
        .sandbox
        .logs()
        .create_log_group()
        .log_group_name("api-access")
        .send()
        .await
        .unwrap();
    setup
        .sandbox
        .apigw()
        .update_stage()
        .api_id(&setup.api_id)
        .stage_name("prod")
        .access_log_settings(
            aws_sdk_apigatewayv2::types::AccessLogSettings::builder()
                .destination_arn("arn:aws:logs:us-east-1:000000000000:log-group:api-access")
                .format("$context.requestId $context.httpMethod $context.routeKey $context.status")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let reply = send("GET", &format!("{}/prod/things/9", setup.endpoint), &[], "").await;
    let request_id = reply.header("apigw-requestid").unwrap().to_owned();
    let events = setup
        .sandbox
        .logs()
        .filter_log_events()
        .log_group_name("api-access")
        .send()
        .await
        .unwrap();
    let lines: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(lines, [format!("{request_id} GET GET /things/{{id}} 200")]);

    let records = setup.sandbox.inspect_history().await;
    let request = records
        .iter()
        .find(|r| r["service"] == "apigateway")
        .expect("the request is on the feed");
    assert_eq!(request["status"], 200);
    assert_eq!(request["routeKey"], "GET /things/{id}");
    assert_eq!(request["event"]["pathParameters"]["id"], "9", "{request}");
    assert_eq!(request["metrics"]["count"], 1);
    assert_eq!(request["integration"]["integrationType"], "AWS_PROXY");
    assert_eq!(request["answer"]["statusCode"], 200);
    assert_eq!(request["response"]["status"], 200);
    assert_eq!(request["response"]["headers"]["x-echo"], "yes");
    assert!(
        records.iter().any(|r| r["service"] == "lambda"),
        "the invocation is on the feed too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_api_gives_openapi_in_json_and_yaml() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let exported = apigw
        .export_api()
        .api_id(&setup.api_id)
        .specification("OAS30")
        .output_type("JSON")
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let document: serde_json::Value =
        serde_json::from_slice(exported.body().unwrap().as_ref()).unwrap();
    assert_eq!(document["openapi"], "3.0.1");
    assert_eq!(document["info"]["title"], "EchoAPI");
    assert_eq!(
        document["servers"][0]["url"],
        format!("{}/prod", setup.endpoint)
    );
    let get = &document["paths"]["/things/{id}"]["get"];
    assert_eq!(get["parameters"][0]["name"], "id");
    assert_eq!(get["x-amazon-apigateway-integration"]["type"], "aws_proxy");
    assert!(document["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"].is_object());
    let yaml = apigw
        .export_api()
        .api_id(&setup.api_id)
        .specification("OAS30")
        .output_type("YAML")
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(yaml.body().unwrap().as_ref().to_vec()).unwrap();
    assert!(text.contains("\"openapi\": \"3.0.1\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_integrations_forward_the_request() {
    // A backend on loopback that says what it received.
    let backend = axum::Router::new().fallback(
        |method: axum::http::Method, uri: axum::http::Uri, body: String| async move {
            ([("x-backend", "yes")], format!("{method} {uri} {body}"))
        },
    );
    let backend_port = crate::fixture::spawn_backend(backend).await;

    let sandbox = Sandbox::start().await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("Proxy")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    let integration = apigw
        .create_integration()
        .api_id(api_id)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri(format!("http://127.0.0.1:{backend_port}/backend/{{proxy}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(integration.payload_format_version(), Some("1.0"));
    apigw
        .create_route()
        .api_id(api_id)
        .route_key("ANY /{proxy+}")
        .target(format!(
            "integrations/{}",
            integration.integration_id().unwrap()
        ))
        .send()
        .await
        .unwrap();
    apigw
        .create_stage()
        .api_id(api_id)
        .stage_name("$default")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    let reply = send(
        "POST",
        &format!("{}/a/b?c=1", api.api_endpoint().unwrap()),
        &[],
        "hello",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("x-backend"), Some("yes"));
    assert_eq!(reply.body, "POST /backend/a/b?c=1 hello");
}

/// The API is listed, and renaming it changes its name and description.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_list_and_update() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    let apis = apigw.get_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 1);
    let renamed = apigw
        .update_api()
        .api_id(id)
        .name("Renamed")
        .description("d")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (renamed.name(), renamed.description()),
        (Some("Renamed"), Some("d"))
    );
}

/// An integration reads back, takes a new timeout, refuses one below 50 ms, and is listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrations_read_update_and_refuse_a_bad_timeout() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    let integration = apigw
        .get_integration()
        .api_id(id)
        .integration_id(&setup.integration_id)
        .send()
        .await
        .unwrap();
    assert_eq!(integration.timeout_in_millis(), Some(1000));
    let updated = apigw
        .update_integration()
        .api_id(id)
        .integration_id(&setup.integration_id)
        .timeout_in_millis(2000)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.timeout_in_millis(), Some(2000));
    let bad = apigw
        .update_integration()
        .api_id(id)
        .integration_id(&setup.integration_id)
        .timeout_in_millis(10)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(bad.is_bad_request_exception(), "{bad:?}");
    assert_eq!(
        apigw
            .get_integrations()
            .api_id(id)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        1
    );
}

/// A route reads back; a second route with its key is a conflict; its key can change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_read_refuse_a_duplicate_key_and_move() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    let routes = apigw.get_routes().api_id(id).send().await.unwrap();
    assert_eq!(routes.items().len(), 3);
    let route_id = routes.items()[0].route_id().unwrap();
    let route = apigw
        .get_route()
        .api_id(id)
        .route_id(route_id)
        .send()
        .await
        .unwrap();
    let duplicate = apigw
        .create_route()
        .api_id(id)
        .route_key(route.route_key().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(duplicate.is_conflict_exception(), "{duplicate:?}");
    let moved = apigw
        .update_route()
        .api_id(id)
        .route_id(route_id)
        .route_key("GET /moved")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.route_key(), Some("GET /moved"));
}

/// A stage reads back with its variables; auto-deploy made deployments; the one a stage serves cannot be deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_and_deployments_read_and_a_served_deployment_stays() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    let stage = apigw
        .get_stage()
        .api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.stage_variables().unwrap()["color"], "blue");
    assert_eq!(
        apigw
            .get_stages()
            .api_id(id)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        1
    );
    let deployments = apigw.get_deployments().api_id(id).send().await.unwrap();
    assert!(
        !deployments.items().is_empty(),
        "auto-deploy made deployments"
    );
    let deployment_id = stage.deployment_id().unwrap();
    let deployment = apigw
        .get_deployment()
        .api_id(id)
        .deployment_id(deployment_id)
        .send()
        .await
        .unwrap();
    assert_eq!(deployment.auto_deployed(), Some(true));
    let busy = apigw
        .delete_deployment()
        .api_id(id)
        .deployment_id(deployment_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_apigatewayv2::error::ProvideErrorMetadata::code(&busy),
        Some("BadRequestException")
    );
}

/// Tags are added and removed by the API's ARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_are_tagged_and_untagged_by_arn() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    let arn = format!("arn:aws:apigateway:us-east-1::/apis/{id}");
    apigw
        .tag_resource()
        .resource_arn(&arn)
        .tags("lab", "crud")
        .tags("course", "ccbda")
        .send()
        .await
        .unwrap();
    apigw
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("course")
        .send()
        .await
        .unwrap();
    let tags = apigw.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
}

/// Routes, integrations, the stage and the API delete; the API is then unknown, in AWS's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_routes_integrations_stages_and_the_api_leaves_nothing() {
    let setup = setup("2.0", true).await;
    let apigw = setup.sandbox.apigw();
    let id = setup.api_id.as_str();

    for route in apigw.get_routes().api_id(id).send().await.unwrap().items() {
        apigw
            .delete_route()
            .api_id(id)
            .route_id(route.route_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    apigw
        .delete_integration()
        .api_id(id)
        .integration_id(&setup.integration_id)
        .send()
        .await
        .unwrap();
    apigw
        .delete_stage()
        .api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    apigw.delete_api().api_id(id).send().await.unwrap();
    let gone = apigw
        .get_api()
        .api_id(id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_not_found_exception(), "{gone:?}");
    assert_eq!(
        gone.meta().message(),
        Some(format!("Invalid API identifier specified 000000000000:{id}").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let api_id = {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let api = sandbox
            .apigw()
            .create_api()
            .name("Kept")
            .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let id = api.api_id().unwrap().to_owned();
        sandbox
            .apigw()
            .create_stage()
            .api_id(&id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
        id
    };
    let sandbox = Sandbox::start_in(dir.path()).await;
    let api = sandbox
        .apigw()
        .get_api()
        .api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(api.name(), Some("Kept"));
    assert!(
        api.api_endpoint()
            .unwrap()
            .starts_with(&sandbox.running.endpoint())
    );
    sandbox
        .apigw()
        .get_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
}
