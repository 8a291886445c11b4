//! Which AWS protocol a request speaks, told from its headers, query string and body.
//!
//! - awsJson 1.0/1.1 (DynamoDB, CloudWatch Logs): `POST /` with `X-Amz-Target: Service.Operation`.
//! - query (STS): an `Action` parameter in the form body or the query string.
//! - restJson (Lambda, API Gateway v2): the operation is the method and path.

use axum::http::{HeaderMap, Method, Uri};

/// An AWS wire protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// `application/x-amz-json-{version}`, the operation in `X-Amz-Target`.
    AwsJson { version: &'static str },
    /// Form-encoded parameters with an `Action`.
    Query,
    /// Operation chosen by method and path.
    RestJson,
}

const AMZ_TARGET: &str = "x-amz-target";

impl Protocol {
    pub fn detect(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Self {
        if headers.contains_key(AMZ_TARGET) {
            let version = match header(headers, "content-type") {
                Some(content_type) if content_type.contains("1.1") => "1.1",
                _ => "1.0",
            };
            return Self::AwsJson { version };
        }
        if form_value(query.unwrap_or_default().as_bytes(), "Action").is_some()
            || (is_form(headers) && form_value(body, "Action").is_some())
        {
            return Self::Query;
        }
        Self::RestJson
    }

    /// The protocol as far as the headers and query string tell, before the body is read: a
    /// form-encoded body is taken for the query protocol.
    pub fn detect_from_headers(headers: &HeaderMap, query: Option<&str>) -> Self {
        match Self::detect(headers, query, &[]) {
            Self::RestJson if is_form(headers) => Self::Query,
            protocol => protocol,
        }
    }

    /// The operation a request names, for errors and logs.
    pub fn operation_name(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        query: Option<&str>,
        body: &[u8],
    ) -> String {
        match self {
            Self::AwsJson { .. } => header(headers, AMZ_TARGET).unwrap_or_default().to_owned(),
            Self::Query => form_value(query.unwrap_or_default().as_bytes(), "Action")
                .or_else(|| form_value(body, "Action"))
                .unwrap_or_default(),
            Self::RestJson => format!("{method} {}", uri.path()),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn is_form(headers: &HeaderMap) -> bool {
    header(headers, "content-type")
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// The first value of `key` in an `application/x-www-form-urlencoded` string.
fn form_value(encoded: &[u8], key: &str) -> Option<String> {
    let text = std::str::from_utf8(encoded).ok()?;
    super::percent::query_pairs(Some(text)).find_map(|(name, value)| (name == key).then_some(value))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    /// Request headers, query string, body, and the protocol they speak.
    type Case = (
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
        &'static str,
        Protocol,
    );

    #[test]
    fn detects_each_protocol() {
        let cases: &[Case] = &[
            (
                &[
                    ("x-amz-target", "DynamoDB_20120810.ListTables"),
                    ("content-type", "application/x-amz-json-1.0"),
                ],
                None,
                "{}",
                Protocol::AwsJson { version: "1.0" },
            ),
            (
                &[
                    ("x-amz-target", "Logs_20140328.DescribeLogGroups"),
                    ("content-type", "application/x-amz-json-1.1"),
                ],
                None,
                "{}",
                Protocol::AwsJson { version: "1.1" },
            ),
            (
                &[(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                )],
                None,
                "Action=GetCallerIdentity&Version=2011-06-15",
                Protocol::Query,
            ),
            (&[], Some("Action=GetCallerIdentity"), "", Protocol::Query),
            (&[], None, "", Protocol::RestJson),
        ];
        for (pairs, query, body, expected) in cases {
            let detected = Protocol::detect(&headers(pairs), *query, body.as_bytes());
            assert_eq!(&detected, expected, "headers {pairs:?}, body {body:?}");
        }
    }

    #[test]
    fn form_values_are_percent_decoded() {
        assert_eq!(
            form_value(b"Action=Get%20It+Now&x=1", "Action").as_deref(),
            Some("Get It Now")
        );
        assert_eq!(form_value(b"Action=%zz", "Action").as_deref(), Some("%zz"));
        assert_eq!(form_value(b"Action=%4", "Action").as_deref(), Some("%4"));
        assert_eq!(form_value(b"Other=1", "Action"), None);
    }
}
