//! How a request addresses S3, read from its Host, path and signature before anything else:
//!
//! - the website endpoint: `{bucket}.s3-website.localhost[:port]` (also with a region,
//!   `s3-website-{region}` or `s3-website.{region}`), or the path form `/_aws/s3-website/{bucket}/…`
//!   for hosts that do not resolve `*.localhost` (`_aws` cannot be a bucket's name);
//! - the REST API, virtual-host style: `{bucket}.s3.localhost[:port]`, or `{bucket}.localhost`
//!   for a request signed for S3 (what the SDKs make of an endpoint `http://localhost:PORT`);
//! - the REST API, path style: `/{bucket}/{key}`, for any request signed for S3 (an `Authorization`
//!   header or a presigned URL's `X-Amz-Credential`), or an unsigned one no other service claims.

use axum::http::{HeaderMap, Uri};

use crate::wire::percent;

/// The path prefix of the website endpoint's path form.
pub const WEBSITE_PATH_PREFIX: &str = "/_aws/s3-website/";

/// What a request is addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// The REST API: a bucket (none for ListBuckets) and a key (none for bucket operations).
    Rest {
        bucket: Option<String>,
        key: Option<String>,
    },
    /// The website endpoint of `bucket`: `path` is the decoded path within the site (it starts
    /// with `/`), `base` what comes before it in the URL (for redirects).
    Website {
        bucket: String,
        path: String,
        base: String,
    },
}

impl Address {
    /// How `uri` and `headers` address S3, if they do. An unsigned path-style request is S3's
    /// only when `unsigned_bucket` says it names a bucket that exists and no other service
    /// serves the path (an invoke URL, a restJson operation).
    pub fn of(
        uri: &Uri,
        headers: &HeaderMap,
        unsigned_bucket: impl Fn(&str) -> bool,
    ) -> Option<Self> {
        let path = uri.path();
        if let Some(rest) = path.strip_prefix(WEBSITE_PATH_PREFIX) {
            let (bucket, within) = rest.split_once('/').unwrap_or((rest, ""));
            return Some(Self::Website {
                bucket: percent::decode(bucket),
                path: format!("/{}", percent::decode(within)),
                base: format!("{WEBSITE_PATH_PREFIX}{bucket}"),
            });
        }
        let host = host_name(headers);
        if let Some(bucket) = host.as_deref().and_then(website_bucket) {
            return Some(Self::Website {
                bucket,
                path: percent::decode(path),
                base: String::new(),
            });
        }
        if let Some(bucket) = host.as_deref().and_then(virtual_host_bucket) {
            return Some(Self::rest_in(bucket, path));
        }
        let signed = signed_for_s3(headers, uri.query());
        if signed {
            if let Some(bucket) = host.as_deref().and_then(localhost_bucket) {
                return Some(Self::rest_in(bucket, path));
            }
            return Some(Self::path_style(path));
        }
        let unsigned = super::is_anonymous(headers, uri.query());
        if unsigned && path != "/" && !path.starts_with("/_") {
            let address = Self::path_style(path);
            if let Self::Rest {
                bucket: Some(bucket),
                ..
            } = &address
                && super::names::is_bucket_name(bucket)
                && unsigned_bucket(bucket)
            {
                return Some(address);
            }
        }
        None
    }

    fn rest_in(bucket: String, path: &str) -> Self {
        let key = path.strip_prefix('/').unwrap_or(path);
        Self::Rest {
            bucket: Some(bucket),
            key: (!key.is_empty()).then(|| percent::decode(key)),
        }
    }

    fn path_style(path: &str) -> Self {
        let path = path.strip_prefix('/').unwrap_or(path);
        let (bucket, key) = match path.split_once('/') {
            Some((bucket, key)) => (bucket, Some(key)),
            None => (path, None),
        };
        Self::Rest {
            bucket: (!bucket.is_empty()).then(|| percent::decode(bucket)),
            key: key.filter(|key| !key.is_empty()).map(percent::decode),
        }
    }
}

/// The Host header's name, lower-case, without its port.
fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers
        .get("host")?
        .to_str()
        .ok()?
        .trim()
        .to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host.as_str(),
    };
    Some(name.to_owned())
}

/// `{bucket}.s3-website.localhost`, `{bucket}.s3-website-{region}.localhost`,
/// `{bucket}.s3-website.{region}.localhost`.
fn website_bucket(host: &str) -> Option<String> {
    let rest = host.strip_suffix(".localhost")?;
    let (bucket, endpoint) = rest.rsplit_once(".s3-website")?;
    let endpoint_ok = endpoint.is_empty()
        || endpoint
            .strip_prefix('-')
            .or_else(|| endpoint.strip_prefix('.'))
            .is_some_and(crate::names::is_region);
    (endpoint_ok && !bucket.is_empty()).then(|| bucket.to_owned())
}

/// `{bucket}.s3.localhost` or `{bucket}.s3.{region}.localhost`.
fn virtual_host_bucket(host: &str) -> Option<String> {
    let rest = host.strip_suffix(".localhost")?;
    if let Some(bucket) = rest.strip_suffix(".s3") {
        return (!bucket.is_empty()).then(|| bucket.to_owned());
    }
    let (before, region) = rest.rsplit_once('.')?;
    let bucket = before.strip_suffix(".s3")?;
    (crate::names::is_region(region) && !bucket.is_empty()).then(|| bucket.to_owned())
}

/// `{bucket}.localhost`: the virtual-host address the SDKs make of `http://localhost:PORT`.
fn localhost_bucket(host: &str) -> Option<String> {
    let bucket = host.strip_suffix(".localhost")?;
    (!bucket.is_empty() && !bucket.contains(".execute-api")).then(|| bucket.to_owned())
}

/// Whether the request is signed for S3: by its `Authorization` header, or as a presigned URL.
pub fn signed_for_s3(headers: &HeaderMap, query: Option<&str>) -> bool {
    if let Some(scope) = crate::wire::credential_scope(headers) {
        return scope.service == "s3";
    }
    query_credential(query).is_some_and(|scope| scope.service == "s3")
}

/// Whether the query string carries a presigned URL's credential.
pub fn presigned(query: Option<&str>) -> bool {
    percent::query_pairs(query)
        .any(|(name, _)| name == "X-Amz-Credential" || name == "AWSAccessKeyId")
}

/// The credential scope of a presigned URL (`X-Amz-Credential=AKID/DATE/REGION/SERVICE/…`).
pub fn query_credential(query: Option<&str>) -> Option<crate::wire::CredentialScope> {
    let credential = percent::query_pairs(query)
        .find_map(|(name, value)| (name == "X-Amz-Credential").then_some(value))?;
    crate::wire::sigv4::parse_credential(&credential)
}

/// The longest a presigned URL may live: a week.
const MAX_PRESIGNED_SECONDS: i64 = 604_800;

/// Why a presigned URL may not be used (expired, or valid for too long), if it may not.
pub fn presigned_problem(query: Option<&str>) -> Option<super::S3Error> {
    let pairs: Vec<(String, String)> = percent::query_pairs(query).collect();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let signed_at = value("X-Amz-Date").and_then(crate::clock::parse_amz_date)?;
    let expires: i64 = value("X-Amz-Expires")?.parse().ok()?;
    if expires > MAX_PRESIGNED_SECONDS {
        return Some(super::S3Error::new(
            "AuthorizationQueryParametersError",
            axum::http::StatusCode::BAD_REQUEST,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    let expiry = signed_at + expires * 1000;
    let now = crate::clock::now_millis();
    (now > expiry).then(|| {
        super::S3Error::new(
            "AccessDenied",
            axum::http::StatusCode::FORBIDDEN,
            "Request has expired",
        )
        .with("X-Amz-Expires", expires.to_string())
        .with("Expires", crate::clock::iso8601_millis(expiry))
        .with("ServerTime", crate::clock::iso8601_millis(now))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(host: &str, path_and_query: &str, authorization: Option<&str>) -> Option<Address> {
        let uri: Uri = path_and_query.parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", host.parse().unwrap());
        if let Some(value) = authorization {
            headers.insert("authorization", value.parse().unwrap());
        }
        Address::of(&uri, &headers, |bucket| bucket == "site" || bucket == "b")
    }

    const S3_SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKID/20261208/eu-west-1/s3/aws4_request, \
                             SignedHeaders=host, Signature=abc";

    fn rest(bucket: Option<&str>, key: Option<&str>) -> Option<Address> {
        Some(Address::Rest {
            bucket: bucket.map(str::to_owned),
            key: key.map(str::to_owned),
        })
    }

    #[test]
    fn signed_requests_are_path_style_unless_the_host_names_the_bucket() {
        assert_eq!(
            address("127.0.0.1:4566", "/site/a%20b/c.html", Some(S3_SIGNED)),
            rest(Some("site"), Some("a b/c.html"))
        );
        assert_eq!(
            address("127.0.0.1:4566", "/", Some(S3_SIGNED)),
            rest(None, None)
        );
        assert_eq!(
            address("site.localhost:4566", "/k", Some(S3_SIGNED)),
            rest(Some("site"), Some("k"))
        );
        assert_eq!(
            address("my.site.s3.localhost:4566", "/", None),
            rest(Some("my.site"), None)
        );
    }

    #[test]
    fn website_addresses_name_the_bucket_by_host_or_path() {
        assert_eq!(
            address("site.s3-website.localhost:4566", "/docs/", None),
            Some(Address::Website {
                bucket: "site".into(),
                path: "/docs/".into(),
                base: String::new()
            })
        );
        assert_eq!(
            address("127.0.0.1:4566", "/_aws/s3-website/site/a%20b", None),
            Some(Address::Website {
                bucket: "site".into(),
                path: "/a b".into(),
                base: "/_aws/s3-website/site".into()
            })
        );
        assert!(matches!(
            address("site.s3-website-eu-west-1.localhost", "/", None),
            Some(Address::Website { .. })
        ));
    }

    #[test]
    fn unsigned_paths_are_s3_only_when_nothing_else_serves_them() {
        assert_eq!(
            address("127.0.0.1:4566", "/site/index.html", None),
            rest(Some("site"), Some("index.html"))
        );
        assert_eq!(address("127.0.0.1:4566", "/", None), None);
        assert_eq!(address("127.0.0.1:4566", "/_sandbox/health", None), None);
        assert_eq!(address("127.0.0.1:4566", "/no-such-bucket/k", None), None);
        let uri: Uri = "/2015-03-31/functions".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:4566".parse().unwrap());
        assert_eq!(Address::of(&uri, &headers, |_| false), None);
        // Signed for another service: not S3.
        headers.insert(
            "authorization",
            S3_SIGNED.replace("/s3/", "/lambda/").parse().unwrap(),
        );
        let uri: Uri = "/site/index.html".parse().unwrap();
        assert_eq!(Address::of(&uri, &headers, |_| true), None);
    }

    #[test]
    fn a_presigned_url_is_read_for_its_scope() {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261208%2Fus-west-2%2Fs3%2Faws4_request";
        let scope = query_credential(Some(query)).unwrap();
        assert_eq!(
            (scope.region.as_str(), scope.service.as_str()),
            ("us-west-2", "s3")
        );
        assert_eq!(
            address("127.0.0.1:1", &format!("/b/k?{query}"), None),
            rest(Some("b"), Some("k"))
        );
    }
}
