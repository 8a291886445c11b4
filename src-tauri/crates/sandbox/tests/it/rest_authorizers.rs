//! A REST API's authorizers through the real SDK client: what each type needs, methods that
//! name one of the matching type, deletion refused while a method uses one — and, until the
//! sandbox evaluates them, a request to such a method refused with the reason on the feed.

use aws_sdk_apigateway::types::{AuthorizerType, Op, PatchOperation};

use crate::apigw_rest::{deploy, failure, invoke_url, mock_integration, rest_api};
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
#[tokio::test]
async fn a_method_behind_an_authorizer_is_refused_with_the_reason() {
    let sandbox = Sandbox::start().await;
    let (api, _) = guarded_root(&sandbox).await;
    mock_integration(&sandbox, &api, &api.root, "GET").await;
    deploy(&sandbox, &api, "prod").await;
    let refused = send("GET", &invoke_url(&sandbox, &api, "/prod/"), &[], "").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let records = sandbox.inspect_history().await;
    let reason = records
        .iter()
        .find_map(|record| record.get("error")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    assert!(
        reason.contains("not evaluated by the sandbox yet"),
        "{reason}"
    );
}
