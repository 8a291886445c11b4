//! HTTP APIs' Lambda authorizers, run: identity sources checked before the function is called,
//! simple and IAM-policy answers (2.0 and 1.0 payloads), the decision cached for its TTL, and
//! the authorizer's context passed on to the integration.

use aws_sdk_apigatewayv2::types::{AuthorizationType, AuthorizerType};
use serde_json::{Value, json};

use crate::fixture::Sandbox;

/// A simple-response authorizer (payload 2.0) that counts its calls.
const SIMPLE: &str = r#"
calls = 0

def handler(event, context):
    global calls
    calls += 1
    token = event["identitySource"][0]
    return {"isAuthorized": token == "letmein", "context": {"user": "ana", "calls": calls}}
"#;

/// An IAM-policy authorizer (payload 1.0): allows or denies what the token says.
const POLICY: &str = r#"
def handler(event, context):
    effect = "Allow" if event["identitySource"] == "allow" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
        ]},
        "context": {"tier": "gold"},
    }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_authorizers_decide_with_their_function_and_pass_its_context() {
    let sandbox = Sandbox::start().await;
    let (api_id, url) = crate::jwt_authorizers::api(&sandbox).await;
    for (name, source) in [("simple-auth", SIMPLE), ("policy-auth", POLICY)] {
        sandbox.create_python_function(name, source).await;
        sandbox.permit_api(name, Some(&api_id)).await;
    }
    let apigw = sandbox.apigw();
    let simple = apigw
        .create_authorizer()
        .api_id(&api_id)
        .name("simple")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(Sandbox::invocation_uri("simple-auth"))
        .authorizer_payload_format_version("2.0")
        .enable_simple_responses(true)
        .authorizer_result_ttl_in_seconds(300)
        .identity_source("$request.header.Authorization")
        .send()
        .await
        .unwrap();
    let policy = apigw
        .create_authorizer()
        .api_id(&api_id)
        .name("policy")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(Sandbox::invocation_uri("policy-auth"))
        .authorizer_payload_format_version("1.0")
        .authorizer_result_ttl_in_seconds(0)
        .identity_source("$request.header.Authorization")
        .send()
        .await
        .unwrap();
    let target = crate::jwt_authorizers::whoami_target(&sandbox, &api_id).await;
    for (route_key, authorizer) in [("GET /simple", &simple), ("GET /policy", &policy)] {
        apigw
            .create_route()
            .api_id(&api_id)
            .route_key(route_key)
            .target(&target)
            .authorization_type(AuthorizationType::Custom)
            .authorizer_id(authorizer.authorizer_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    let get = |path: &str, token: Option<&str>| {
        let url = format!("{url}{path}");
        let token = token.map(str::to_owned);
        async move {
            let headers: Vec<(&str, &str)> = token
                .as_deref()
                .map(|token| vec![("authorization", token)])
                .unwrap_or_default();
            crate::client::send("GET", &url, &headers, "").await
        }
    };

    let anonymous = get("/simple", None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json(), json!({"message": "Unauthorized"}));
    let invoked = |feed: &[Value], function: &str| {
        feed.iter()
            .filter(|record| record["kind"] == "invocation" && record["function"] == function)
            .count()
    };
    assert_eq!(
        invoked(&sandbox.inspect_history().await, "simple-auth"),
        0,
        "a missing identity source is refused without calling the function"
    );

    for _ in 0..2 {
        let allowed = get("/simple", Some("letmein")).await;
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        assert_eq!(
            allowed.json(),
            json!({"lambda": {"user": "ana", "calls": 1}}),
            "the second request is answered from the cache"
        );
    }
    assert_eq!(invoked(&sandbox.inspect_history().await, "simple-auth"), 1);
    let refused = get("/simple", Some("nope")).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json(), json!({"message": "Forbidden"}));

    let allowed = get("/policy", Some("allow")).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(
        allowed.json(),
        json!({"lambda": {"tier": "gold"}}),
        "a 2.0 integration gets the context under `lambda`"
    );
    let denied = get("/policy", Some("deny")).await;
    assert_eq!(denied.status, 403);
    let feed = sandbox.inspect_history().await;
    assert!(feed.iter().any(|record| record["kind"] == "request"
        && record["authorizer"]["reason"]
            == "the authorizer's policy denies the route explicitly"));
    let event = feed
        .iter()
        .find(|record| record["kind"] == "invocation" && record["function"] == "policy-auth")
        .map(|record| record["event"].clone())
        .unwrap();
    assert_eq!(event["type"], "REQUEST");
    assert!(
        event["methodArn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(&format!("{api_id}/$default/GET/policy"))),
        "{event}"
    );
}
