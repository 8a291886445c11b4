//! A request's SigV4 signature: the credential scope every request is read for (its region and
//! service), and — where API Gateway checks the signature itself, for `AWS_IAM` authorization —
//! its verification against the signer's secret key. The AWS APIs of the sandbox accept any
//! credentials and do not verify.

use aws_lc_rs::hmac;
use axum::http::HeaderMap;
use sha2::{Digest as _, Sha256};

/// The scope of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

pub fn credential_scope(headers: &HeaderMap) -> Option<CredentialScope> {
    let authorization = headers.get("authorization")?.to_str().ok()?;
    let credential = authorization
        .split([',', ' '])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    parse_credential(credential).filter(|scope| !scope.region.is_empty())
}

/// A SigV4 credential, `AKID/DATE/REGION/SERVICE/aws4_request` — from an `Authorization`
/// header or a presigned URL's `X-Amz-Credential` — read for its key, region and service.
pub fn parse_credential(credential: &str) -> Option<CredentialScope> {
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    Some(CredentialScope {
        access_key,
        region,
        service,
    })
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    /// `YYYYMMDD/region/service/aws4_request`.
    pub scope: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Reads the `Authorization` header of a SigV4-signed request, if it has one.
pub fn authorization(headers: &HeaderMap) -> Option<Authorization> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?;
    let field = |name: &str| {
        rest.split(',')
            .find_map(|part| part.trim().strip_prefix(name))
            .map(str::to_owned)
    };
    let credential = field("Credential=")?;
    let (access_key, scope) = credential.split_once('/')?;
    Some(Authorization {
        access_key: access_key.to_owned(),
        scope: scope.to_owned(),
        signed_headers: field("SignedHeaders=")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: field("Signature=")?,
    })
}

/// The request a signature covers.
#[derive(Debug)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no X-Amz-Date (or Date) header")]
    NoDate,
    #[error("the signed headers {0} are not in the request")]
    MissingHeader(String),
    #[error("the credential scope {0} is not DATE/REGION/SERVICE/aws4_request")]
    BadScope(String),
    #[error("the signature does not match")]
    Mismatch,
}

/// Checks `authorization`'s signature of `request` with the signer's `secret`: the canonical
/// request (the path encoded again, as SigV4 does for every service but S3), the string to sign
/// and the HMAC chain of the signing key, as AWS computes them.
pub fn verify(
    request: &SignedRequest<'_>,
    authorization: &Authorization,
    secret: &str,
) -> Result<(), SignatureError> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let date_time = header("x-amz-date")
        .or_else(|| header("date"))
        .ok_or(SignatureError::NoDate)?;
    let scope_parts: Vec<&str> = authorization.scope.split('/').collect();
    let [date, region, service, "aws4_request"] = scope_parts.as_slice() else {
        return Err(SignatureError::BadScope(authorization.scope.clone()));
    };
    let mut canonical_headers = String::new();
    for name in &authorization.signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|value| collapse_spaces(&String::from_utf8_lossy(value.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(SignatureError::MissingHeader(name.clone()));
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = match header("x-amz-content-sha256") {
        Some(declared) => declared.to_owned(),
        None => hex(&Sha256::digest(request.body)),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        request.method,
        canonical_path(request.path),
        canonical_query(request.query),
        authorization.signed_headers.join(";"),
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{}\n{}",
        authorization.scope,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let sign = |key: &[u8], data: &str| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
    };
    let mut key = sign(format!("AWS4{secret}").as_bytes(), date);
    for part in [*region, *service, "aws4_request"] {
        key = sign(key.as_ref(), part);
    }
    let expected = hex(sign(key.as_ref(), &string_to_sign).as_ref());
    if constant_time_eq(expected.as_bytes(), authorization.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// A header value trimmed, its runs of spaces made one.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 encoding of everything but the unreserved characters (and `/` when kept).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path as SigV4 signs it for services other than S3: normalised (`.` and `..` segments
/// resolved, empty segments dropped) and encoded once more on top of how it was sent.
fn canonical_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalised = format!("/{}", segments.join("/"));
    if path.ends_with('/') && normalised.len() > 1 {
        normalised.push('/');
    }
    uri_encode(&normalised, true)
}

/// The query's parameters decoded, encoded again and sorted by name, then value.
fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&super::percent::decode(name), false),
                uri_encode(&super::percent::decode(value), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn reads_region_and_service_from_the_credential() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
            ),
        );
        assert_eq!(
            credential_scope(&headers),
            Some(CredentialScope {
                access_key: "AKIDEXAMPLE".into(),
                region: "eu-west-1".into(),
                service: "dynamodb".into(),
            })
        );
        assert_eq!(credential_scope(&HeaderMap::new()), None);
    }

    /// AWS's SigV4 test suite, `get-vanilla` and `get-vanilla-query-order-key-case`.
    #[test]
    fn signatures_of_aws_s_test_suite_verify() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let signed = |query: Option<&'static str>, signature: &str| {
            let mut headers = headers.clone();
            headers.insert(
                "authorization",
                HeaderValue::from_str(&format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
                ))
                .unwrap(),
            );
            let authorization = authorization(&headers).unwrap();
            let request = SignedRequest {
                method: "GET",
                path: "/",
                query,
                headers: &headers,
                body: b"",
            };
            verify(&request, &authorization, secret)
        };
        assert_eq!(
            signed(
                None,
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            ),
            Ok(())
        );
        assert_eq!(
            signed(
                Some("Param2=value2&Param1=value1"),
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            ),
            Ok(())
        );
        assert_eq!(
            signed(
                None,
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn paths_are_normalised_and_encoded_again() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_path("/items/a%20b"), "/items/a%2520b");
        assert_eq!(canonical_query(Some("b=2&a=x%20y&a=1")), "a=1&a=x%20y&b=2");
    }
}
