//! Identity in a real browser: a page of another origin uses amazon-cognito-identity-js (the
//! library the course's chat app signs in with, from `ui/node_modules`) against `lab sandbox` —
//! signs a user up, is refused before the user confirms, confirms with the code the sandbox's
//! mailbox holds, signs in over SRP, and calls an HTTP API behind a JWT authorizer for the pool
//! with the ID token it got, through the API's CORS.

use std::path::Path;

use aws_sdk_apigatewayv2::types::{
    AuthorizationType, AuthorizerType, Cors, IntegrationType, JwtConfiguration, ProtocolType,
};
use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, VerifiedAttributeType};
use serde_json::{Value, json};

use crate::sandbox::SandboxProcess;
use crate::web::{Browser, PageServer};
use lab_testkit::sandbox_client as client;

/// The page: each step a function whose promise settles to `{ok}` or `{error, message}`.
const PAGE: &str = r#"<!doctype html>
<html><head><script src="/amazon-cognito-identity.min.js"></script></head><body><script>
const Cognito = AmazonCognitoIdentity;
const pool = new Cognito.CognitoUserPool({
  UserPoolId: "POOL_ID", ClientId: "CLIENT_ID", endpoint: "SANDBOX/",
});
const settle = promise => promise.then(
  ok => ({ ok }),
  failure => ({ error: failure.code || failure.name, message: failure.message }));
const user = username => new Cognito.CognitoUser({ Username: username, Pool: pool });
window.signUp = (username, email, password) => settle(new Promise((resolve, reject) =>
  pool.signUp(username, password, [new Cognito.CognitoUserAttribute({ Name: "email", Value: email })],
    null, (error, result) => error ? reject(error) : resolve({ confirmed: result.userConfirmed }))));
window.confirm = (username, code) => settle(new Promise((resolve, reject) =>
  user(username).confirmRegistration(code, true,
    (error, result) => error ? reject(error) : resolve(result))));
window.signIn = (username, password) => settle(new Promise((resolve, reject) =>
  user(username).authenticateUser(
    new Cognito.AuthenticationDetails({ Username: username, Password: password }),
    { onSuccess: session => resolve({
        idToken: session.getIdToken().getJwtToken(),
        username: session.getIdToken().payload["cognito:username"],
        valid: session.isValid() }),
      onFailure: reject })));
window.callApi = (url, token) => settle(
  fetch(url, { headers: token ? { Authorization: token } : {} })
    .then(async response => ({ status: response.status, body: await response.text() })));
</script></body></html>
"#;

/// Answers with the claims the JWT authorizer passed.
const WHOAMI: &str = r#"import json

def handler(event, context):
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    return {"statusCode": 200, "body": json.dumps(claims)}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_up_confirms_signs_in_with_srp_and_calls_a_secured_api() {
    let library = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../ui/node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js",
    );
    let library = std::fs::read(&library).unwrap_or_else(|error| {
        panic!(
            "{}: {error} (run `npm ci` in ui/, as `make test` does)",
            library.display()
        )
    });
    let data = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(data.path());
    let endpoint = sandbox.endpoint.clone();
    let page_server = PageServer::start().await;

    let cognito = client!(aws_sdk_cognitoidentityprovider, &endpoint);
    let pool_id = cognito
        .create_user_pool()
        .pool_name("chat")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|pool| pool.id)
        .unwrap();
    let client_id = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .and_then(|app| app.client_id)
        .unwrap();
    let url = secured_api(&endpoint, &pool_id, &client_id, &page_server.origin()).await;

    let page = PAGE
        .replace("POOL_ID", &pool_id)
        .replace("CLIENT_ID", &client_id)
        .replace("SANDBOX", &endpoint);
    page_server.serve("/", "text/html; charset=utf-8", page.into_bytes());
    page_server.serve(
        "/amazon-cognito-identity.min.js",
        "text/javascript",
        library,
    );
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", page_server.origin()))
        .await
        .unwrap();
    let step = |call: String| {
        let browser = &browser;
        async move { browser.settle(&call).await }
    };

    let signed_up = step(r#"signUp("carol", "carol@example.com", "Passw0rd!")"#.into()).await;
    assert_eq!(signed_up, json!({"ok": {"confirmed": false}}));
    let early = step(r#"signIn("carol", "Passw0rd!")"#.into()).await;
    assert_eq!(
        early,
        json!({"error": "UserNotConfirmedException", "message": "User is not confirmed."})
    );
    let code = mailed_code(&endpoint, "carol@example.com").await;
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let refused = step(format!(r#"confirm("carol", "{wrong_code}")"#)).await;
    assert_eq!(refused["error"], "CodeMismatchException", "{refused}");
    let confirmed = step(format!(r#"confirm("carol", "{code}")"#)).await;
    assert_eq!(confirmed, json!({"ok": "SUCCESS"}));
    let wrong = step(r#"signIn("carol", "Passw0rd?")"#.into()).await;
    assert_eq!(
        wrong,
        json!({"error": "NotAuthorizedException", "message": "Incorrect username or password."})
    );
    let signed_in = step(r#"signIn("carol", "Passw0rd!")"#.into()).await;
    assert_eq!(signed_in["ok"]["username"], "carol", "{signed_in}");
    assert_eq!(signed_in["ok"]["valid"], true);
    let id_token = signed_in["ok"]["idToken"].as_str().unwrap().to_owned();

    let anonymous = step(format!(r#"callApi("{url}", null)"#)).await;
    assert_eq!(anonymous["ok"]["status"], 401, "{anonymous}");
    let answered = step(format!(r#"callApi("{url}", "Bearer {id_token}")"#)).await;
    assert_eq!(answered["ok"]["status"], 200, "{answered}");
    let claims: Value = serde_json::from_str(answered["ok"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(claims["cognito:username"], "carol");
    assert_eq!(claims["email"], "carol@example.com");
    assert_eq!(claims["aud"], client_id.as_str());
    browser.close().await;
}

/// An HTTP API whose `GET /whoami` is behind a JWT authorizer for the pool's ID tokens, with
/// CORS for `origin`: its URL.
async fn secured_api(endpoint: &str, pool_id: &str, client_id: &str, origin: &str) -> String {
    let lambda = client!(aws_sdk_lambda, endpoint);
    let function_arn = lab_testkit::lambda::create_python_function(&lambda, "whoami", WHOAMI).await;
    lab_testkit::lambda::permit_gateway(&lambda, "whoami", "gateway", None).await;
    let apigw = client!(aws_sdk_apigatewayv2, endpoint);
    let api = apigw
        .create_api()
        .name("chat-api")
        .protocol_type(ProtocolType::Http)
        .cors_configuration(
            Cors::builder()
                .allow_origins(origin)
                .allow_methods("GET")
                .allow_headers("authorization")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    let authorizer = apigw
        .create_authorizer()
        .api_id(api_id)
        .name("chat-users")
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer(format!("{endpoint}/{pool_id}"))
                .audience(client_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let integration = apigw
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(function_arn)
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    apigw
        .create_route()
        .api_id(api_id)
        .route_key("GET /whoami")
        .target(format!(
            "integrations/{}",
            integration.integration_id().unwrap()
        ))
        .authorization_type(AuthorizationType::Jwt)
        .authorizer_id(authorizer.authorizer_id().unwrap())
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
    format!("{}/whoami", api.api_endpoint().unwrap())
}

/// The last code the sandbox's mailbox holds for `destination`.
async fn mailed_code(endpoint: &str, destination: &str) -> String {
    let text = reqwest::get(format!("{endpoint}/_sandbox/cognito/mailbox"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let messages: Value = serde_json::from_str(&text).unwrap();
    messages
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|message| message["destination"] == destination)
        .and_then(|message| message["code"].as_str())
        .unwrap_or_else(|| panic!("no message to {destination}: {messages}"))
        .to_owned()
}
