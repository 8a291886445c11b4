//! An HTTP API's JWT authorizer, evaluated as API Gateway evaluates it: the token from the
//! identity source (a `Bearer ` prefix dropped), its RS256 signature against the issuer's JWKS
//! (a user pool of this sandbox resolved locally, any other issuer fetched from its
//! `/.well-known/openid-configuration`), then `iss`, the audience (`aud`, else `client_id`),
//! `exp`, `nbf` and `iat`, and the route's scopes. A refusal is a 401 with a
//! `www-authenticate` header saying why (a missing scope a 403); an allowed request carries
//! the token's claims, as strings, to the integration.

use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value as Json, json};

/// A request the authorizer let through: the token's claims and scopes, as the integration
/// receives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Allowed {
    /// Every claim, its value as a string.
    pub claims: Map<String, Json>,
    /// The token's scopes, when the route asks for some.
    pub scopes: Option<Vec<String>>,
}

impl Allowed {
    /// `requestContext.authorizer` of a payload of `version`.
    pub fn context(&self, version: &str) -> Json {
        let inner = json!({"claims": self.claims, "scopes": self.scopes});
        if version == "1.0" {
            inner
        } else {
            json!({"jwt": inner})
        }
    }
}

/// Why the authorizer refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// 401, or 403 for a missing scope.
    pub status: StatusCode,
    /// In API Gateway's words (`www-authenticate`'s `error_description`).
    pub reason: String,
    /// The presented token's claims, decoded but not verified, when it could be decoded: what
    /// the inspector shows to explain the refusal (an `exp` in the past, another `aud`).
    pub presented: Option<Json>,
}

impl Refused {
    fn unauthorized(reason: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            reason: reason.into(),
            presented: None,
        }
    }

    /// The `www-authenticate` header API Gateway sends with a 401.
    pub fn challenge(&self) -> String {
        format!(
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{}\"",
            self.reason.replace('"', "'")
        )
    }
}

/// What the feed says of a refused token's claims: shown to explain, never trusted.
pub const PRESENTED: &str = "the token's claims as presented, not verified";

/// The token a request carries in the authorizer's identity source (the `Authorization`
/// header by default), without its `Bearer ` prefix.
pub fn token(
    identity_source: &[String],
    headers: &HeaderMap,
    query: Option<&str>,
) -> Option<String> {
    let no_variables = std::collections::BTreeMap::new();
    let offered = crate::apigw::identity_source::Offered {
        headers,
        query,
        stage_variables: &no_variables,
    };
    let default = ["$request.header.Authorization".to_owned()];
    let sources = if identity_source.is_empty() {
        &default[..]
    } else {
        identity_source
    };
    sources.iter().find_map(|source| {
        let value = crate::apigw::identity_source::value(source, &offered)?;
        let value = value.trim();
        let token = match value.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
            _ => value,
        };
        (!token.is_empty()).then(|| token.to_owned())
    })
}

/// What the authorizer checks a token against.
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub audience: &'a [String],
    /// The route's scopes: the token must have one of them, when there are any.
    pub scopes: &'a [String],
    /// Seconds since the epoch.
    pub now: i64,
}

/// Checks `token` against the issuer's `jwks` and `expected`.
pub fn check(token: &str, jwks: &Json, expected: &Expectations<'_>) -> Result<Allowed, Refused> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::unauthorized("the token is not a JWT"));
    };
    let decode = |part: &str| -> Option<Json> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let header = decode(header)
        .ok_or_else(|| Refused::unauthorized("the token's header is not readable"))?;
    let claims = decode(payload)
        .ok_or_else(|| Refused::unauthorized("the token's claims are not readable"))?;
    if header["alg"] != "RS256" {
        return Err(Refused::unauthorized(format!(
            "the token is signed with {}, not RS256",
            header["alg"].as_str().unwrap_or("no algorithm")
        )));
    }
    let kid = header["kid"].as_str().unwrap_or_default();
    let key = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|key| key["kid"] == kid)
        .ok_or_else(|| Refused::unauthorized(format!("no key {kid:?} in the issuer's JWKS")))?;
    let component = |name: &str| {
        key[name]
            .as_str()
            .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
    };
    let (Some(n), Some(e)) = (component("n"), component("e")) else {
        return Err(Refused::unauthorized("the issuer's key is not an RSA key"));
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Refused::unauthorized("the token's signature is not readable"))?;
    let signed = &token[..token.len() - token.rsplit('.').next().map_or(0, str::len) - 1];
    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &signature,
        )
        .map_err(|_| Refused::unauthorized("the token's signature does not verify"))?;
    if claims["iss"] != expected.issuer {
        return Err(Refused::unauthorized(format!(
            "the token's issuer {} is not the authorizer's",
            claims["iss"]
        )));
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        Json::String(one) => vec![one.as_str()],
        Json::Array(many) => many.iter().filter_map(Json::as_str).collect(),
        _ => claims["client_id"].as_str().into_iter().collect(),
    };
    if !audiences
        .iter()
        .any(|audience| expected.audience.iter().any(|allowed| allowed == audience))
    {
        return Err(Refused::unauthorized("the token's audience is not allowed"));
    }
    let time = |name: &str| claims[name].as_i64();
    if time("exp").is_none_or(|exp| exp <= expected.now) {
        return Err(Refused::unauthorized("the token has expired"));
    }
    if time("nbf").is_some_and(|nbf| nbf > expected.now) {
        return Err(Refused::unauthorized("the token is not valid yet"));
    }
    if time("iat").is_some_and(|iat| iat > expected.now + 300) {
        return Err(Refused::unauthorized("the token was issued in the future"));
    }
    let token_scopes: Vec<String> = match (&claims["scope"], &claims["scp"]) {
        (Json::String(scopes), _) => scopes.split_whitespace().map(str::to_owned).collect(),
        (_, Json::Array(scopes)) => scopes
            .iter()
            .filter_map(|scope| scope.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if !expected.scopes.is_empty()
        && !expected
            .scopes
            .iter()
            .any(|needed| token_scopes.contains(needed))
    {
        return Err(Refused {
            status: StatusCode::FORBIDDEN,
            reason: "the token has none of the route's scopes".to_owned(),
            presented: None,
        });
    }
    Ok(Allowed {
        claims: claims
            .as_object()
            .map(|claims| {
                claims
                    .iter()
                    .map(|(name, value)| (name.clone(), json!(as_text(value))))
                    .collect()
            })
            .unwrap_or_default(),
        scopes: (!expected.scopes.is_empty()).then_some(token_scopes),
    })
}

/// A claim's value as API Gateway passes it on: strings as they are, lists as `[a b]`, anything
/// else as its JSON.
fn as_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(as_text).collect::<Vec<_>>().join(" ")
        ),
        other => other.to_string(),
    }
}

/// How long another issuer's keys are kept before they are fetched again.
const KEYS_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

/// The largest OpenID configuration or JWKS read from another issuer.
const MAX_KEYS_BYTES: usize = 256 * 1024;

/// How long fetching another issuer's keys may take.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl crate::apigw::ApiGateway {
    /// Evaluates the route's JWT authorizer on a request.
    pub(super) async fn authorize_jwt(
        &self,
        scope: &crate::store::Scope,
        selected: &super::Selected,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Allowed, Refused> {
        let Some(authorizer) = &selected.authorizer else {
            return Err(Refused::unauthorized(
                "the route's authorizer is not in the stage's deployment: deploy the API again",
            ));
        };
        let configuration = authorizer.jwt_configuration.clone().unwrap_or_default();
        let issuer = configuration.issuer.unwrap_or_default();
        let Some(token) = token(&authorizer.identity_source, headers, query) else {
            return Err(Refused::unauthorized("no token in the identity source"));
        };
        let presented = |mut refused: Refused| {
            refused.presented = crate::cognito::peek_claims(&token);
            refused
        };
        let jwks = self
            .issuer_keys(scope, &issuer)
            .await
            .map_err(|reason| presented(Refused::unauthorized(reason)))?;
        check(
            &token,
            &jwks,
            &Expectations {
                issuer: &issuer,
                audience: &configuration.audience,
                scopes: &selected.route.authorization_scopes,
                now: crate::clock::now_millis() / 1000,
            },
        )
        .map_err(presented)
    }

    /// The JWKS of `issuer`: a user pool of this sandbox (named by the sandbox's issuer URL or
    /// by AWS's) from Cognito, any other issuer from its OpenID configuration over HTTP.
    async fn issuer_keys(&self, scope: &crate::store::Scope, issuer: &str) -> Result<Json, String> {
        let endpoint = self
            .endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let pool_id = issuer
            .strip_prefix(&format!("{}/", endpoint.trim_end_matches('/')))
            .or_else(|| {
                issuer
                    .strip_prefix("https://cognito-idp.")
                    .and_then(|rest| rest.split_once(".amazonaws.com/"))
                    .map(|(_, pool)| pool)
            });
        if let (Some(pool_id), Some(cognito)) = (pool_id, self.cognito())
            && let Some(jwks) = cognito.jwks(&scope.account, pool_id)
        {
            return Ok(jwks);
        }
        let kept = {
            let keys = self.issuer_keys.lock().unwrap_or_else(|p| p.into_inner());
            keys.get(issuer)
                .filter(|(fetched, _)| fetched.elapsed() < KEYS_KEPT)
                .map(|(_, jwks)| jwks.clone())
        };
        if let Some(jwks) = kept {
            return Ok(jwks);
        }
        let jwks = fetch_keys(issuer).await?;
        self.issuer_keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(issuer.to_owned(), (std::time::Instant::now(), jwks.clone()));
        Ok(jwks)
    }
}

/// An issuer's JWKS, from the `jwks_uri` of its `/.well-known/openid-configuration`.
async fn fetch_keys(issuer: &str) -> Result<Json, String> {
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|error| format!("no HTTP client to fetch the issuer's keys: {error}"))?;
    let get = |url: String| {
        let client = client.clone();
        async move {
            let failed = |error: &dyn std::fmt::Display| format!("fetching {url}: {error}");
            let mut response = client
                .get(&url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|error| failed(&error))?;
            // Read in chunks and give up past the cap: an issuer cannot make the sandbox
            // hold an answer of any size.
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|error| failed(&error))? {
                if body.len() + chunk.len() > MAX_KEYS_BYTES {
                    return Err(failed(&format!(
                        "the answer is over {MAX_KEYS_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            serde_json::from_slice::<Json>(&body).map_err(|error| failed(&error))
        }
    };
    let configuration = get(format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .await?;
    let jwks_uri = configuration["jwks_uri"]
        .as_str()
        .ok_or_else(|| format!("the OpenID configuration of {issuer} names no jwks_uri"))?;
    get(jwks_uri.to_owned()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_identity_source_without_its_bearer_prefix() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
        assert_eq!(token(&[], &headers, None).as_deref(), Some("abc.def.ghi"));
        headers.insert("authorization", "abc.def.ghi".parse().unwrap());
        assert_eq!(token(&[], &headers, None).as_deref(), Some("abc.def.ghi"));
        let from_query = vec!["$request.querystring.token".to_owned()];
        assert_eq!(
            token(&from_query, &HeaderMap::new(), Some("token=x.y.z")).as_deref(),
            Some("x.y.z")
        );
        assert_eq!(token(&[], &HeaderMap::new(), None), None);
    }

    #[test]
    fn a_malformed_token_is_refused_with_a_reason() {
        let expected = Expectations {
            issuer: "https://issuer",
            audience: &["client".to_owned()],
            scopes: &[],
            now: 1,
        };
        let refused = check("not-a-token", &json!({"keys": []}), &expected).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(
            refused
                .challenge()
                .starts_with("Bearer scope=\"\" error=\"invalid_token\"")
        );
        assert_eq!(as_text(&json!(["a", "b"])), "[a b]");
        assert_eq!(as_text(&json!(true)), "true");
    }
}
