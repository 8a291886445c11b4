//! HTTP APIs' JWT authorizers, evaluated: tokens of the sandbox's own user pool and of an
//! outside issuer (a loopback server publishing its OpenID configuration and keys), checked for
//! signature, issuer, audience, expiry and scopes, with API Gateway's 401 and 403 answers and
//! the claims passed to the function.

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use aws_sdk_apigatewayv2::types::{
    AuthorizationType, AuthorizerType, IntegrationType, JwtConfiguration, ProtocolType,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::fixture::Sandbox;

/// Answers with the authorizer context API Gateway passed.
pub(crate) const WHOAMI: &str = r#"
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"#;

/// An HTTP API with an auto-deployed `$default` stage whose routes call `whoami`: its id and
/// URL.
pub(crate) async fn api(sandbox: &Sandbox) -> (String, String) {
    sandbox.create_python_function("whoami", WHOAMI).await;
    let apigw = sandbox.apigw();
    let api = apigw
        .create_api()
        .name("secured")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap().to_owned();
    sandbox.permit_api("whoami", Some(&api_id)).await;
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    (api_id, api.api_endpoint().unwrap().to_owned())
}

/// A route `route_key` to `whoami` behind a new JWT authorizer for `issuer` and `audience`.
async fn secured_route(
    sandbox: &Sandbox,
    api_id: &str,
    route_key: &str,
    issuer: &str,
    audience: &str,
    scopes: &[&str],
) {
    let apigw = sandbox.apigw();
    let authorizer = apigw
        .create_authorizer()
        .api_id(api_id)
        .name(format!("jwt-{}", route_key.len() + scopes.len()))
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer(issuer)
                .audience(audience)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut route = apigw
        .create_route()
        .api_id(api_id)
        .route_key(route_key)
        .target(whoami_target(sandbox, api_id).await)
        .authorization_type(AuthorizationType::Jwt)
        .authorizer_id(authorizer.authorizer_id().unwrap());
    for scope in scopes {
        route = route.authorization_scopes(*scope);
    }
    route.send().await.unwrap();
}

/// A new payload 2.0 integration calling `whoami`, as a route's target.
pub(crate) async fn whoami_target(sandbox: &Sandbox, api_id: &str) -> String {
    let integration = sandbox
        .apigw()
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(Sandbox::invocation_uri("whoami"))
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    format!("integrations/{}", integration.integration_id().unwrap())
}

async fn get(url: &str, token: Option<&str>) -> crate::client::Reply {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|value| vec![("authorization", value)])
        .unwrap_or_default();
    crate::client::send("GET", url, &headers, "").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_pool_s_tokens_pass_its_jwt_authorizer_and_others_do_not() {
    let sandbox = Sandbox::start().await;
    let user =
        crate::cognito::signed_in_user(&sandbox, "api-users", "eve", Some("eve@example.com")).await;
    let (pool_id, client_id) = (user.pool_id, user.client_id);
    let (id_token, access_token) = (
        user.tokens.id_token.unwrap(),
        user.tokens.access_token.unwrap(),
    );

    let issuer = format!("{}/{pool_id}", sandbox.running.endpoint());
    let (api_id, url) = api(&sandbox).await;
    secured_route(&sandbox, &api_id, "GET /me", &issuer, &client_id, &[]).await;
    secured_route(
        &sandbox,
        &api_id,
        "GET /admin",
        &issuer,
        &client_id,
        &["admin"],
    )
    .await;
    secured_route(
        &sandbox,
        &api_id,
        "GET /other",
        &issuer,
        "someone-else",
        &[],
    )
    .await;

    let anonymous = get(&format!("{url}/me"), None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json(), json!({"message": "Unauthorized"}));
    assert!(
        anonymous
            .header("www-authenticate")
            .is_some_and(|value| value.contains("error=\"invalid_token\"")),
        "{:?}",
        anonymous.headers
    );

    let me = get(&format!("{url}/me"), Some(&id_token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    let context = me.json();
    let claims = &context["jwt"]["claims"];
    assert_eq!(claims["cognito:username"], "eve");
    assert_eq!(claims["email"], "eve@example.com");
    assert_eq!(claims["token_use"], "id");
    assert!(claims["exp"].is_string(), "claims are strings: {claims}");
    assert_eq!(context["jwt"]["scopes"], Value::Null);

    // An access token has no `aud`: its `client_id` is the audience.
    assert_eq!(
        get(&format!("{url}/me"), Some(&access_token)).await.status,
        200
    );
    let forbidden = get(&format!("{url}/admin"), Some(&access_token)).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.json(), json!({"message": "Forbidden"}));

    let elsewhere = get(&format!("{url}/other"), Some(&id_token)).await;
    assert_eq!(elsewhere.status, 401);
    assert!(
        elsewhere
            .header("www-authenticate")
            .is_some_and(|value| value.contains("audience")),
        "{:?}",
        elsewhere.headers
    );
    let mut tampered = id_token.clone();
    tampered.replace_range(id_token.len() - 6.., "AAAAAA");
    assert_eq!(get(&format!("{url}/me"), Some(&tampered)).await.status, 401);

    // The feed says what the authorizer decided, and why.
    let feed = sandbox.inspect_history().await;
    let decisions: Vec<&Value> = feed
        .iter()
        .filter(|record| record["kind"] == "request")
        .map(|record| &record["authorizer"])
        .collect();
    assert!(
        decisions
            .iter()
            .any(|decided| decided["decision"] == "allowed")
    );
    assert!(
        decisions
            .iter()
            .any(|decided| decided["reason"] == "the token's audience is not allowed")
    );
}

/// An RSA key of an outside issuer, and tokens it signs.
struct Issuer {
    key: KeyPair,
    kid: &'static str,
}

impl Issuer {
    fn new() -> Self {
        Self {
            key: KeyPair::generate(KeySize::Rsa2048).unwrap(),
            kid: "outside-1",
        }
    }

    fn jwks(&self) -> Value {
        let public = self.key.public_key();
        json!({"keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        }]})
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_issuer_s_keys_are_fetched_from_its_openid_configuration() {
    let sandbox = Sandbox::start().await;
    let issuer = std::sync::Arc::new(Issuer::new());
    let jwks = issuer.jwks();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let configuration = json!({"issuer": base, "jwks_uri": format!("{base}/keys")});
    let backend = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || {
                let configuration = configuration.clone();
                async move { axum::Json(configuration) }
            }),
        )
        .route(
            "/keys",
            axum::routing::get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, backend).await });

    let (api_id, url) = api(&sandbox).await;
    secured_route(&sandbox, &api_id, "GET /me", &base, "my-app", &["read"]).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |exp: i64, nbf: i64| {
        json!({
            "iss": base, "aud": ["my-app", "other"], "sub": "u-1", "scope": "read write",
            "iat": now - 10, "nbf": nbf, "exp": exp, "groups": ["a", "b"],
        })
    };
    let good = get(
        &format!("{url}/me"),
        Some(&issuer.sign(&claims(now + 600, now - 10))),
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.body);
    let context = good.json();
    assert_eq!(context["jwt"]["claims"]["groups"], "[a b]");
    assert_eq!(context["jwt"]["scopes"], json!(["read", "write"]));

    for (exp, nbf, reason) in [
        (now - 5, now - 600, "the token has expired"),
        (now + 600, now + 300, "the token is not valid yet"),
    ] {
        let refused = get(&format!("{url}/me"), Some(&issuer.sign(&claims(exp, nbf)))).await;
        assert_eq!(refused.status, 401);
        assert!(
            refused
                .header("www-authenticate")
                .is_some_and(|value| value.contains(reason)),
            "{reason}: {:?}",
            refused.headers
        );
    }
}
