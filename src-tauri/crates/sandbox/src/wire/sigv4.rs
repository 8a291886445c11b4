//! What the sandbox reads from a request's SigV4 signature: the credential scope's region and
//! service. Signatures themselves are not verified — the sandbox accepts any credentials.

use axum::http::HeaderMap;

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
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    (!region.is_empty()).then_some(CredentialScope {
        access_key,
        region,
        service,
    })
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
}
