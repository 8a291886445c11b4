//! Who may talk to the sandbox: web pages are refused by every AWS service API and sandbox
//! route (but not by invoke URLs), foreign Host names are refused everywhere, regions and names
//! that could reach a path are refused before they touch state, and the inspection feed keeps no
//! secret.

use lab_sandbox::{Access, Config};

use crate::client::{Reply, send};
use crate::fixture::Sandbox;

const PAGE: &str = "http://evil.example:8000";

/// One request of the table below: what it is, how it is sent, and the shape of its refusal.
struct Call {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    shape: Shape,
}

#[derive(Clone, Copy)]
enum Shape {
    AwsJson,
    Query,
    RestJson,
}

const AMZ_JSON: (&str, &str) = ("content-type", "application/x-amz-json-1.0");
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const TEXT: (&str, &str) = ("content-type", "text/plain");

fn calls() -> Vec<Call> {
    vec![
        Call {
            what: "DynamoDB CreateTable",
            method: "POST",
            path: "/",
            headers: &[("x-amz-target", "DynamoDB_20120810.CreateTable"), AMZ_JSON],
            body: r#"{"TableName":"stolen","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}"#,
            shape: Shape::AwsJson,
        },
        Call {
            what: "DynamoDB Scan",
            method: "POST",
            path: "/",
            headers: &[("x-amz-target", "DynamoDB_20120810.Scan"), AMZ_JSON],
            body: r#"{"TableName":"keep"}"#,
            shape: Shape::AwsJson,
        },
        Call {
            what: "Logs DescribeLogGroups",
            method: "POST",
            path: "/",
            headers: &[
                ("x-amz-target", "Logs_20140328.DescribeLogGroups"),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            body: "{}",
            shape: Shape::AwsJson,
        },
        Call {
            what: "Lambda CreateFunction as a simple request",
            method: "POST",
            path: "/2015-03-31/functions",
            headers: &[TEXT],
            body: r#"{"FunctionName":"stolen","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/LabRole","Handler":"app.handler","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}"#,
            shape: Shape::RestJson,
        },
        Call {
            what: "Lambda Invoke as a simple request",
            method: "POST",
            path: "/2015-03-31/functions/keep/invocations",
            headers: &[TEXT],
            body: "{}",
            shape: Shape::RestJson,
        },
        Call {
            what: "Lambda GetFunction (its environment)",
            method: "GET",
            path: "/2015-03-31/functions/keep",
            headers: &[],
            body: "",
            shape: Shape::RestJson,
        },
        Call {
            what: "IAM CreateRole from a form",
            method: "POST",
            path: "/",
            headers: &[FORM],
            body: "Action=CreateRole&Version=2010-05-08&RoleName=stolen&AssumeRolePolicyDocument=%7B%7D",
            shape: Shape::Query,
        },
        Call {
            what: "STS GetCallerIdentity",
            method: "POST",
            path: "/",
            headers: &[FORM],
            body: "Action=GetCallerIdentity&Version=2011-06-15",
            shape: Shape::Query,
        },
        Call {
            what: "API Gateway CreateApi",
            method: "POST",
            path: "/v2/apis",
            headers: &[TEXT],
            body: r#"{"name":"stolen","protocolType":"HTTP"}"#,
            shape: Shape::RestJson,
        },
        Call {
            what: "@connections PostToConnection",
            method: "POST",
            path: "/@connections/abc",
            headers: &[TEXT],
            body: "hi",
            shape: Shape::RestJson,
        },
        Call {
            what: "the inspection feed's history",
            method: "GET",
            path: "/_sandbox/inspect/history",
            headers: &[],
            body: "",
            shape: Shape::RestJson,
        },
        Call {
            what: "the inspection feed's stream",
            method: "GET",
            path: "/_sandbox/inspect/stream",
            headers: &[],
            body: "",
            shape: Shape::RestJson,
        },
        Call {
            what: "a function's code",
            method: "GET",
            path: "/_sandbox/lambda/code/000000000000/us-east-1/keep",
            headers: &[],
            body: "",
            shape: Shape::RestJson,
        },
    ]
}

async fn call(sandbox: &Sandbox, call: &Call, extra: &[(&str, &str)]) -> Reply {
    let mut headers: Vec<(&str, &str)> = call.headers.to_vec();
    headers.extend_from_slice(extra);
    let url = format!("{}{}", sandbox.running.endpoint(), call.path);
    send(call.method, &url, &headers, call.body).await
}

fn assert_access_denied(reply: &Reply, call: &Call) {
    let what = call.what;
    assert_eq!(reply.status, 403, "{what}: {}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), None, "{what}");
    match call.shape {
        Shape::AwsJson => assert_eq!(
            reply.json()["__type"],
            "com.amazon.coral.service#AccessDeniedException",
            "{what}"
        ),
        Shape::Query => assert!(
            reply.body.contains("<Code>AccessDenied</Code>"),
            "{what}: {}",
            reply.body
        ),
        Shape::RestJson => {
            assert_eq!(
                reply.header("x-amzn-errortype"),
                Some("AccessDeniedException"),
                "{what}"
            );
            let message = reply.json()["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                message.contains("web pages are refused"),
                "{what}: {message}"
            );
        }
    }
}

/// A table, a function, a role, a log group: what a page must neither read nor change.
async fn with_resources() -> Sandbox {
    let sandbox = Sandbox::start().await;
    crate::fixture::create_table(&sandbox.dynamodb(), "keep", "id", None).await;
    sandbox
        .create_python_function("keep", "def handler(event, context):\n    return 'kept'\n")
        .await;
    sandbox
        .logs()
        .create_log_group()
        .log_group_name("keep")
        .send()
        .await
        .unwrap();
    sandbox
}

async fn assert_untouched(sandbox: &Sandbox) {
    let tables = sandbox.dynamodb().list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), ["keep"]);
    let functions = sandbox.lambda().list_functions().send().await.unwrap();
    let names: Vec<_> = functions
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!(names, ["keep"]);
    let answer = sandbox
        .lambda()
        .invoke()
        .function_name("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.payload().unwrap().as_ref(), b"\"kept\"");
    assert!(
        sandbox
            .iam()
            .get_role()
            .role_name("stolen")
            .send()
            .await
            .is_err()
    );
    let apis = sandbox.apigw().get_apis().send().await.unwrap();
    assert!(apis.items().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_refused_by_every_service_api_and_sandbox_route() {
    let sandbox = with_resources().await;
    for entry in calls() {
        let reply = call(&sandbox, &entry, &[("origin", PAGE)]).await;
        assert_access_denied(&reply, &entry);
        assert!(
            reply.body.contains(&format!("--allow-origin {PAGE}")),
            "{}: {}",
            entry.what,
            reply.body
        );
        // Fetch metadata alone marks a page's request too (a same-origin GET has no Origin).
        for site in ["cross-site", "same-site", "same-origin"] {
            let reply = call(&sandbox, &entry, &[("sec-fetch-site", site)]).await;
            assert_access_denied(&reply, &entry);
        }
        // A preflight is refused as well, so the browser never sends the real request.
        let preflight = send(
            "OPTIONS",
            &format!("{}{}", sandbox.running.endpoint(), entry.path),
            &[("origin", PAGE), ("access-control-request-method", "POST")],
            "",
        )
        .await;
        assert_eq!(preflight.status, 403, "{}", entry.what);
        assert_eq!(preflight.header("access-control-allow-origin"), None);
    }
    assert_untouched(&sandbox).await;
    // What the student types into the address bar is theirs.
    let typed = send(
        "GET",
        &format!("{}/_sandbox/inspect/history", sandbox.running.endpoint()),
        &[("sec-fetch-site", "none")],
        "",
    )
    .await;
    assert_eq!(typed.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_may_call_the_service_apis_with_cors() {
    let sandbox = Sandbox::start_with(Config {
        access: Access {
            allowed_origins: vec!["http://localhost:5173".into()],
            allowed_hosts: Vec::new(),
        },
        ..Config::default()
    })
    .await;
    let url = format!("{}/", sandbox.running.endpoint());
    let preflight = send(
        "OPTIONS",
        &url,
        &[
            ("origin", "http://localhost:5173"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "content-type,x-amz-target",
            ),
        ],
        "",
    )
    .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("content-type,x-amz-target")
    );
    let listed = send(
        "POST",
        &url,
        &[
            ("origin", "http://localhost:5173"),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
            AMZ_JSON,
        ],
        "{}",
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert!(
        listed
            .header("access-control-expose-headers")
            .is_some_and(|h| h.contains("x-amzn-RequestId"))
    );
    let other = send(
        "POST",
        &url,
        &[
            ("origin", PAGE),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
            AMZ_JSON,
        ],
        "{}",
    )
    .await;
    assert_eq!(other.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_addressed_to_a_foreign_host_are_refused_everywhere() {
    let sandbox = with_resources().await;
    let port = sandbox.running.local_addr().port();
    let foreign = format!("rebound.example:{port}");
    for path in [
        "/",
        "/_sandbox/health",
        "/_sandbox/inspect/history",
        "/2015-03-31/functions",
        "/_aws/execute-api/abc123/prod/things",
    ] {
        let reply = send(
            "GET",
            &format!("http://127.0.0.1:{port}{path}"),
            &[("host", foreign.as_str())],
            "",
        )
        .await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        let message = reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(&format!("'{foreign}'")), "{message}");
        assert!(message.contains("DNS rebinding"), "{message}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("abc123.execute-api.localhost:{port}"),
    ] {
        let reply = send(
            "GET",
            &format!("http://127.0.0.1:{port}/_sandbox/health"),
            &[("host", host.as_str())],
            "",
        )
        .await;
        assert_eq!(reply.status, 200, "{host}: {}", reply.body);
    }
    // The right name on another port is another server's name.
    let other_port = send(
        "GET",
        &format!("http://127.0.0.1:{port}/_sandbox/health"),
        &[("host", "127.0.0.1:1")],
        "",
    )
    .await;
    assert_eq!(other_port.status, 403);

    let allowed = Sandbox::start_with(Config {
        access: Access {
            allowed_origins: Vec::new(),
            allowed_hosts: vec!["lab.internal".into()],
        },
        ..Config::default()
    })
    .await;
    let reply = send(
        "GET",
        &format!("{}/_sandbox/health", allowed.running.endpoint()),
        &[("host", "lab.internal:9999")],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// `Authorization` with a SigV4 credential scoped to `region`.
fn scoped_to(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_that_are_not_aws_regions_never_reach_state() {
    let sandbox = with_resources().await;
    // A function named like a region: with region "." its directory would be the region's.
    sandbox
        .create_python_function("us-east-1", "def handler(event, context):\n    return 1\n")
        .await;
    let endpoint = sandbox.running.endpoint();
    let long = "a".repeat(200);
    for region in [
        ".",
        "..",
        "%2F",
        "%00",
        "US-EAST-1",
        "us-east-1\\u0000",
        long.as_str(),
    ] {
        let lambda = send(
            "DELETE",
            &format!("{endpoint}/2015-03-31/functions/us-east-1"),
            &[("authorization", &scoped_to(region, "lambda"))],
            "",
        )
        .await;
        assert_eq!(lambda.status, 403, "{region}: {}", lambda.body);
        assert_eq!(
            lambda.header("x-amzn-errortype"),
            Some("InvalidSignatureException")
        );
        let message = lambda.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.starts_with("Credential should be scoped to a valid region"),
            "{message}"
        );
        let dynamodb = send(
            "POST",
            &format!("{endpoint}/"),
            &[
                ("authorization", &scoped_to(region, "dynamodb")),
                ("x-amz-target", "DynamoDB_20120810.DeleteTable"),
                AMZ_JSON,
            ],
            r#"{"TableName":"keep"}"#,
        )
        .await;
        assert_eq!(dynamodb.status, 400, "{region}: {}", dynamodb.body);
        assert_eq!(
            dynamodb.json()["__type"],
            "com.amazon.coral.service#InvalidSignatureException"
        );
        let iam = send(
            "POST",
            &format!("{endpoint}/"),
            &[("authorization", &scoped_to(region, "iam")), FORM],
            "Action=DeleteRole&Version=2010-05-08&RoleName=LabRole",
        )
        .await;
        assert_eq!(iam.status, 403, "{region}: {}", iam.body);
        assert!(
            iam.body.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{}",
            iam.body
        );
    }
    // Every function of us-east-1 still has its code, and runs.
    for name in ["keep", "us-east-1"] {
        let answer = sandbox
            .lambda()
            .invoke()
            .function_name(name)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.function_error(), None, "{name}");
    }
    assert!(
        sandbox
            .iam()
            .get_role()
            .role_name("LabRole")
            .send()
            .await
            .is_ok()
    );
    let code = send(
        "GET",
        &format!("{endpoint}/_sandbox/lambda/code/000000000000/../keep"),
        &[],
        "",
    )
    .await;
    assert_eq!(code.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_keeps_no_secret_of_a_caller() {
    let sandbox = Sandbox::start().await;
    sandbox
        .create_python_function(
            "echo",
            "import json\ndef handler(event, context):\n    print(json.dumps(event['headers']))\n    return {'statusCode': 200, 'headers': {'set-cookie': 'session=s3cr3t-cookie'}, 'body': 'ok'}\n",
        )
        .await;
    sandbox.permit_api("echo", None).await;
    let api = sandbox
        .apigw()
        .create_api()
        .name("Secrets")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .target("arn:aws:lambda:us-east-1:000000000000:function:echo")
        .send()
        .await
        .unwrap();
    let reply = send(
        "GET",
        &format!(
            "{}/things?access_token=t0ken-in-query&page=2",
            api.api_endpoint().unwrap()
        ),
        &[
            ("authorization", "Bearer b3arer-t0ken"),
            ("cookie", "session=c00kie-value"),
            ("x-api-key", "ap1-key-value"),
        ],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The function itself got every header: only what the feed shows is redacted.
    let feed = serde_json::to_string(&sandbox.inspect_history().await).unwrap();
    for secret in [
        "b3arer-t0ken",
        "c00kie-value",
        "ap1-key-value",
        "t0ken-in-query",
        "s3cr3t-cookie",
    ] {
        assert!(!feed.contains(secret), "{secret} is on the feed: {feed}");
    }
    assert!(feed.contains("page=2"), "{feed}");
    assert!(feed.contains("<redacted>"), "{feed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_runtime_api_answers_only_its_own_process() {
    let sandbox = Sandbox::start().await;
    sandbox
        .create_python_function(
            "where",
            "import os\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_RUNTIME_API']\n",
        )
        .await;
    let runtime_api = || async {
        let answer = sandbox
            .lambda()
            .invoke()
            .function_name("where")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.function_error(), None);
        serde_json::from_slice::<String>(answer.payload().unwrap().as_ref()).unwrap()
    };
    let address = runtime_api().await;
    let next = format!("http://{address}/2018-06-01/runtime/invocation/next");
    let from_a_page = send("GET", &next, &[("origin", PAGE)], "").await;
    assert_eq!(from_a_page.status, 403);
    let rebound = send("GET", &next, &[("host", "rebound.example")], "").await;
    assert_eq!(rebound.status, 403);
    // The function itself still gets its events, from the same environment.
    assert_eq!(runtime_api().await, address);
}
