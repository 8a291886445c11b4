//! A REST API's authorizers through the real SDK client: what each type needs, methods that
//! name one of the matching type, deletion refused while a method uses one — and each evaluated:
//! a TOKEN authorizer's function and its policy, a Cognito authorizer's user pool tokens.

use aws_sdk_apigateway::types::{AuthorizerType, Op, PatchOperation};

use serde_json::json;

use crate::apigw_rest::{deploy, failure, invoke_url, mock_integration, respond, rest_api};
use crate::client::send;
use crate::fixture::Sandbox;

const FUNCTION_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";

/// A TOKEN authorizer needs its function's URI, a Cognito one its user pools.
#[tokio::test]
async fn an_authorizer_needs_what_its_type_uses() {
    let sandbox = Sandbox::start().await;
    let api = rest_api(&sandbox, "Guarded").await;
    let rest = sandbox.rest();
    let no_uri = rest
        .create_authorizer()
        .rest_api_id(&api.id)
        .name("token")
        .r#type(AuthorizerType::Token)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap_err();
    let no_pool = rest
        .create_authorizer()
        .rest_api_id(&api.id)
        .name("pool")
        .r#type(AuthorizerType::CognitoUserPools)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        [
            failure(&no_uri.into_service_error()).0,
            failure(&no_pool.into_service_error()).0
        ],
        ["BadRequestException", "BadRequestException"]
    );
}

/// A TOKEN authorizer on `Guarded`'s root `GET` (a CUSTOM method): the API and the id.
async fn guarded_root(sandbox: &Sandbox) -> (crate::apigw_rest::Api, String) {
    let api = rest_api(sandbox, "Guarded").await;
    let rest = sandbox.rest();
    let token = rest
        .create_authorizer()
        .rest_api_id(&api.id)
        .name("token")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(FUNCTION_URI)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(token.authorizer_result_ttl_in_seconds(), Some(300));
    let token_id = token.id().unwrap().to_owned();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("CUSTOM")
        .authorizer_id(&token_id)
        .send()
        .await
        .unwrap();
    (api, token_id)
}

/// A method names an authorizer of its own authorization type; the authorizer can be changed
/// by patch, and is not deleted while a method uses it.
#[tokio::test]
async fn methods_name_authorizers_of_their_type_which_stay_while_used() {
    let sandbox = Sandbox::start().await;
    let (api, token_id) = guarded_root(&sandbox).await;
    let rest = sandbox.rest();
    let wrong_kind = rest
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("POST")
        .authorization_type("COGNITO_USER_POOLS")
        .authorizer_id(&token_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure(&wrong_kind.into_service_error()).0,
        "BadRequestException"
    );
    let updated = rest
        .update_authorizer()
        .rest_api_id(&api.id)
        .authorizer_id(&token_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/authorizerResultTtlInSeconds")
                .value("0")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.authorizer_result_ttl_in_seconds(), Some(0));
    let in_use = rest
        .delete_authorizer()
        .rest_api_id(&api.id)
        .authorizer_id(&token_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure(&in_use.into_service_error()).0, "ConflictException");
    let listed = rest
        .get_authorizers()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 1);
}

/// Until the sandbox evaluates authorizers, a request to a method behind one is refused with
/// 403, and the feed says why.
/// The `auth` function: a policy for the token it is given, or `Unauthorized` for `bad`.
const AUTH: &str = r#"
def handler(event, context):
    token = event["authorizationToken"]
    if token == "bad":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "allow" else "Deny"
    return {
        "principalId": "user-9",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
        ]},
        "context": {"tier": "gold", "n": 7},
    }
"#;

/// A TOKEN authorizer runs its function on the request's token, lets in what the policy allows
/// (its decision cached for the TTL), and passes its principal and context on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_authorizer_lets_in_what_its_policy_allows() {
    let sandbox = Sandbox::start().await;
    sandbox.create_python_function("auth", AUTH).await;
    sandbox.permit_api("auth", None).await;
    let (api, _) = guarded_root(&sandbox).await;
    mock_integration(&sandbox, &api, &api.root, "GET").await;
    // Mapping templates see what the authorizer passed on.
    let template =
        r#"{"principal": "$context.authorizer.principalId", "tier": "$context.authorizer.tier"}"#;
    respond(&sandbox, &api, &api.root, "GET", &[("200", None, template)]).await;
    deploy(&sandbox, &api, "prod").await;
    let url = invoke_url(&sandbox, &api, "/prod/");
    let get = |token: Option<&'static str>| {
        let url = url.clone();
        async move {
            let headers: Vec<(&str, &str)> = token
                .map(|token| vec![("authorization", token)])
                .unwrap_or_default();
            send("GET", &url, &headers, "").await
        }
    };
    let anonymous = get(None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(
        anonymous.header("x-amzn-errortype"),
        Some("UnauthorizedException")
    );
    assert_eq!(get(Some("bad")).await.status, 401);
    for _ in 0..2 {
        let allowed = get(Some("allow")).await;
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        assert_eq!(
            allowed.json(),
            json!({"principal": "user-9", "tier": "gold"})
        );
    }
    let denied = get(Some("deny")).await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json()["message"],
        "User is not authorized to access this resource with an explicit deny"
    );
    let feed = sandbox.inspect_history().await;
    let calls = feed
        .iter()
        .filter(|record| record["kind"] == "invocation" && record["function"] == "auth")
        .count();
    assert_eq!(calls, 3, "bad, allow (then from the cache) and deny");
    let allowed = feed
        .iter()
        .find(|record| record["kind"] == "request" && record["authorizer"]["decision"] == "allowed")
        .map(|record| record["authorizer"]["context"].clone())
        .unwrap();
    assert_eq!(
        allowed,
        json!({"principalId": "user-9", "tier": "gold", "n": "7"})
    );
}

/// A Cognito authorizer lets in an ID token of its user pool and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cognito_authorizer_lets_in_its_pool_s_id_tokens() {
    let sandbox = Sandbox::start().await;
    let user = crate::cognito::signed_in_user(&sandbox, "managers", "mo", None).await;
    let (pool_arn, tokens) = (user.pool_arn, user.tokens);

    let api = rest_api(&sandbox, "Managed").await;
    let rest = sandbox.rest();
    let authorizer = rest
        .create_authorizer()
        .rest_api_id(&api.id)
        .name("pool")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(&pool_arn)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    rest.put_method()
        .rest_api_id(&api.id)
        .resource_id(&api.root)
        .http_method("GET")
        .authorization_type("COGNITO_USER_POOLS")
        .authorizer_id(authorizer.id().unwrap())
        .send()
        .await
        .unwrap();
    mock_integration(&sandbox, &api, &api.root, "GET").await;
    let template = r#"{"sub": "$context.authorizer.claims.sub"}"#;
    respond(&sandbox, &api, &api.root, "GET", &[("200", None, template)]).await;
    deploy(&sandbox, &api, "prod").await;
    let url = invoke_url(&sandbox, &api, "/prod/");
    let status = |token: Option<String>| {
        let url = url.clone();
        async move {
            let headers: Vec<(&str, &str)> = token
                .as_deref()
                .map(|token| vec![("authorization", token)])
                .unwrap_or_default();
            send("GET", &url, &headers, "").await.status
        }
    };
    assert_eq!(status(None).await, 401);
    assert_eq!(status(tokens.id_token.clone()).await, 200);
    assert_eq!(
        status(tokens.access_token.clone()).await,
        401,
        "a method without scopes wants the ID token"
    );
    let feed = sandbox.inspect_history().await;
    assert!(feed.iter().any(|record| {
        record["kind"] == "request"
            && record["authorizer"]["context"]["claims"]["cognito:username"] == "mo"
    }));
    let refused = feed
        .iter()
        .find(|record| record["authorizer"]["reason"] == "the method needs an id token")
        .map(|record| record["authorizer"].clone())
        .unwrap();
    assert_eq!(
        refused["claims"]["token_use"], "access",
        "the refused token's claims explain why: {refused}"
    );
    assert_eq!(
        refused["note"],
        "the token's claims as presented, not verified"
    );
}

const SECURED: &str = r#"{
  "openapi": "3.0.1",
  "info": {"title": "Secured", "version": "1"},
  "components": {
    "securitySchemes": {
      "token": {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {
          "type": "token",
          "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
          "authorizerResultTtlInSeconds": 60
        }
      },
      "pool": {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {
          "type": "cognito_user_pools",
          "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"]
        }
      }
    }
  },
  "paths": {
    "/mine": {
      "get": {
        "security": [{"token": []}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}, "responses": {"default": {"statusCode": "200"}}}
      },
      "post": {
        "security": [{"pool": ["chat/write"]}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}, "responses": {"default": {"statusCode": "200"}}}
      }
    }
  }
}"#;

/// Authorizers come in with an imported definition's security schemes, guard the methods whose
/// security names them, and go out again with an export.
#[tokio::test]
async fn authorizers_travel_with_the_definition() {
    let sandbox = Sandbox::start().await;
    let rest = sandbox.rest();
    let api = crate::apigw_rest::import(&sandbox, SECURED).await;
    let id = api.id.as_str();
    let authorizers = rest.get_authorizers().rest_api_id(id).send().await.unwrap();
    let token = authorizers
        .items()
        .iter()
        .find(|a| a.name() == Some("token"))
        .unwrap();
    assert_eq!(token.r#type(), Some(&AuthorizerType::Token));
    assert_eq!(
        token.identity_source(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(token.authorizer_result_ttl_in_seconds(), Some(60));
    let resources = rest
        .get_resources()
        .rest_api_id(id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let mine = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/mine"))
        .unwrap();
    let methods = mine.resource_methods().unwrap();
    assert_eq!(methods["GET"].authorization_type(), Some("CUSTOM"));
    assert_eq!(methods["GET"].authorizer_id(), token.id());
    assert_eq!(
        methods["POST"].authorization_type(),
        Some("COGNITO_USER_POOLS")
    );
    assert_eq!(methods["POST"].authorization_scopes(), ["chat/write"]);

    rest.create_deployment()
        .rest_api_id(id)
        .stage_name("v1")
        .send()
        .await
        .unwrap();
    let exported = rest
        .get_export()
        .rest_api_id(id)
        .stage_name("v1")
        .export_type("oas30")
        .parameters("extensions", "apigateway")
        .send()
        .await
        .unwrap();
    let document: serde_json::Value =
        serde_json::from_slice(exported.body().unwrap().as_ref()).unwrap();
    assert_eq!(
        document["paths"]["/mine"]["post"]["security"],
        serde_json::json!([{"pool": ["chat/write"]}])
    );
    let pool = &document["components"]["securitySchemes"]["pool"];
    assert_eq!(pool["x-amazon-apigateway-authtype"], "cognito_user_pools");
    assert_eq!(
        pool["x-amazon-apigateway-authorizer"]["providerARNs"][0],
        "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"
    );
    let again =
        crate::apigw_rest::import(&sandbox, exported.body().unwrap().clone().into_inner()).await;
    let copied = rest
        .get_authorizers()
        .rest_api_id(&again.id)
        .send()
        .await
        .unwrap();
    assert_eq!(copied.items().len(), 2);
}
