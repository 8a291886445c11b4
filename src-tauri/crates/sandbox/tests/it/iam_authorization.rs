//! `AWS_IAM` authorization on an HTTP API route and a REST API method, with requests signed by
//! botocore's own SigV4 signer: an IAM user whose inline policy allows the call, a user with no
//! policy, an assumed role with an AWS managed policy, a tampered signature, a key the sandbox
//! never issued and an unsigned request — each answered as API Gateway answers, with the signer
//! in the function's event. STS says who a user's key signs as.

use aws_sdk_apigatewayv2::types::{AuthorizationType, IntegrationType, ProtocolType};
use serde_json::{Value, json};

use crate::fixture::Sandbox;
use crate::outside_clients::{run, stdout_text};

/// Answers with the request context the function got.
const WHOAMI: &str = r#"
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"])}
"#;

/// Signs each case's request with botocore (or not) and prints status and body.
const SIGNER: &str = r#"
import json, sys, urllib.error, urllib.request
import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

cases = json.loads(sys.argv[1])
results = []
for case in cases:
    body = case.get("body")
    request = AWSRequest(method=case["method"], url=case["url"],
                         data=body.encode() if body is not None else None)
    keys = case.get("keys")
    if keys:
        credentials = Credentials(keys["id"], keys["secret"], keys.get("token"))
        SigV4Auth(credentials, "execute-api", case.get("region", "us-east-1")).add_auth(request)
        if case.get("tamper"):
            request.headers["X-Amz-Date"] = request.headers["X-Amz-Date"][:-3] + "00Z"
    prepared = request.prepare()
    outgoing = urllib.request.Request(prepared.url, data=prepared.body,
                                      headers=dict(prepared.headers), method=case["method"])
    try:
        with urllib.request.urlopen(outgoing) as response:
            results.append([response.status, response.read().decode()])
    except urllib.error.HTTPError as error:
        results.append([error.code, error.read().decode()])
sts = boto3.client("sts", endpoint_url=sys.argv[2], region_name="us-east-1",
                   aws_access_key_id=cases[0]["keys"]["id"],
                   aws_secret_access_key=cases[0]["keys"]["secret"])
print(json.dumps({"results": results, "caller": sts.get_caller_identity()["Arn"]}))
"#;

/// An access key of a new IAM user `name`, with `policy` inline when given.
async fn user_keys(sandbox: &Sandbox, name: &str, policy: Option<&str>) -> Value {
    let iam = sandbox.iam();
    iam.create_user().user_name(name).send().await.unwrap();
    if let Some(policy) = policy {
        iam.put_user_policy()
            .user_name(name)
            .policy_name("invoke")
            .policy_document(policy)
            .send()
            .await
            .unwrap();
    }
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    json!({"id": key.access_key_id, "secret": key.secret_access_key})
}

/// Session credentials of the role `Invoker`, which has AWS's API Gateway invoke policy.
async fn assumed_role_keys(sandbox: &Sandbox) -> Value {
    let iam = sandbox.iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("Invoker")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    iam.attach_role_policy()
        .role_name("Invoker")
        .policy_arn("arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess")
        .send()
        .await
        .unwrap();
    let credentials = sandbox
        .sts()
        .assume_role()
        .role_arn(role.arn)
        .role_session_name("tester")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    json!({
        "id": credentials.access_key_id,
        "secret": credentials.secret_access_key,
        "token": credentials.session_token,
    })
}

/// An HTTP API whose `GET /items` and `POST /items` need AWS_IAM: its id and URL.
async fn http_api(sandbox: &Sandbox) -> (String, String) {
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("signed")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap().to_owned();
    sandbox.permit_api("whoami", Some(&api_id)).await;
    let integration = apigw
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(Sandbox::invocation_uri("whoami"))
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    for key in ["GET /items", "POST /items"] {
        apigw
            .create_route()
            .api_id(&api_id)
            .route_key(key)
            .target(format!(
                "integrations/{}",
                integration.integration_id().unwrap()
            ))
            .authorization_type(AuthorizationType::AwsIam)
            .send()
            .await
            .unwrap();
    }
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    (api_id, format!("{}/items", api.api_endpoint().unwrap()))
}

fn run_signer(sandbox: &Sandbox, cases: &Value) -> Value {
    let tools = lab_testkit::python_tools();
    let home = tempfile::tempdir().unwrap();
    let output = run(
        tools.join("bin/python3"),
        &[
            "-c",
            SIGNER,
            &cases.to_string(),
            &sandbox.running.endpoint(),
        ],
        home.path(),
    );
    serde_json::from_str(stdout_text(&output).trim()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_pass_iam_authorization_as_their_signer_s_policies_say() {
    let sandbox = Sandbox::start().await;
    sandbox.create_python_function("whoami", WHOAMI).await;
    let (api_id, url) = http_api(&sandbox).await;
    let get_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/GET/items"}}]}}"#
    );
    let alice = user_keys(&sandbox, "alice", Some(&get_only)).await;
    let bob = user_keys(&sandbox, "bob", None).await;
    let role = assumed_role_keys(&sandbox).await;
    let stranger = json!({"id": "AKIAIOSFODNN7EXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG"});
    let cases = json!([
        {"method": "GET", "url": url, "keys": alice},
        {"method": "POST", "url": url, "keys": alice, "body": "{}"},
        {"method": "GET", "url": url, "keys": bob},
        {"method": "GET", "url": url, "keys": role},
        {"method": "GET", "url": url, "keys": alice, "tamper": true},
        {"method": "GET", "url": url, "keys": stranger},
        {"method": "GET", "url": url},
        {"method": "GET", "url": url, "keys": alice, "region": "eu-west-1"},
    ]);
    let answer = run_signer(&sandbox, &cases);
    let results = answer["results"].as_array().unwrap();
    let statuses: Vec<u64> = results.iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(
        statuses,
        [200, 403, 403, 200, 403, 403, 403, 403],
        "{answer:#}"
    );
    let context: Value = serde_json::from_str(results[0][1].as_str().unwrap()).unwrap();
    let iam = &context["authorizer"]["iam"];
    assert_eq!(iam["userArn"], "arn:aws:iam::000000000000:user/alice");
    assert_eq!(iam["accessKey"], alice["id"]);
    let by_role: Value = serde_json::from_str(results[3][1].as_str().unwrap()).unwrap();
    assert_eq!(
        by_role["authorizer"]["iam"]["userArn"],
        "arn:aws:sts::000000000000:assumed-role/Invoker/tester"
    );
    assert_eq!(results[1][1], r#"{"message":"Forbidden"}"#);
    assert_eq!(
        answer["caller"], "arn:aws:iam::000000000000:user/alice",
        "STS names the user a key belongs to"
    );

    // The feed says why each was refused, and that IAM was evaluated for this path only.
    let history = sandbox.inspect_history().await;
    let reasons: Vec<String> = history
        .iter()
        .filter(|record| record["kind"] == "request")
        .filter_map(|record| record["authorizer"]["reason"].as_str().map(str::to_owned))
        .collect();
    assert!(
        reasons[1].contains("no identity-based policy allows it"),
        "{reasons:#?}"
    );
    assert!(
        reasons[4].contains("signature does not match"),
        "{reasons:#?}"
    );
    assert!(
        reasons[5].contains("was not issued by the sandbox"),
        "{reasons:#?}"
    );
    assert!(reasons[6].contains("not signed"), "{reasons:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_method_with_aws_iam_answers_each_refusal_with_its_own_message() {
    use crate::apigw_rest::{function_uri, rest_api};
    let sandbox = Sandbox::start().await;
    sandbox.create_python_function("whoami", WHOAMI).await;
    sandbox.permit_api("whoami", None).await;
    let api = rest_api(&sandbox, "Signed").await;
    let rest = sandbox.rest();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("AWS_IAM")
        .send()
        .await
        .unwrap();
    rest.put_integration()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(function_uri("whoami"))
        .send()
        .await
        .unwrap();
    crate::apigw_rest::deploy(&sandbox, &api, "prod").await;
    let url = crate::apigw_rest::invoke_url(&sandbox, &api, "/prod/");
    let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}]}"#;
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let carol = user_keys(&sandbox, "carol", Some(allow_all)).await;
    let dave = user_keys(&sandbox, "dave", Some(deny)).await;
    let cases = json!([
        {"method": "GET", "url": url, "keys": carol},
        {"method": "GET", "url": url, "keys": dave},
        {"method": "GET", "url": url},
        {"method": "GET", "url": url, "keys": {"id": "AKIAUNKNOWN", "secret": "x"}},
    ]);
    let answer = run_signer(&sandbox, &cases);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0][0], 200, "{answer:#}");
    let context: Value = serde_json::from_str(results[0][1].as_str().unwrap()).unwrap();
    assert_eq!(
        context["identity"]["userArn"],
        "arn:aws:iam::000000000000:user/carol"
    );
    assert_eq!(context["identity"]["accessKey"], carol["id"]);
    let message = |index: usize| -> String {
        let body: Value = serde_json::from_str(results[index][1].as_str().unwrap()).unwrap();
        body["message"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(results[1][0], 403);
    assert_eq!(
        message(1),
        format!(
            "User: arn:aws:iam::000000000000:user/dave is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:{}/prod/GET/ with an explicit deny",
            api.id
        )
    );
    assert_eq!(
        (results[2][0].as_u64(), message(2).as_str()),
        (Some(403), "Missing Authentication Token")
    );
    assert_eq!(
        (results[3][0].as_u64(), message(3).as_str()),
        (
            Some(403),
            "The security token included in the request is invalid."
        )
    );
}
