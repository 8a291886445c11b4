//! The value an authorizer's identity source names, in either API flavour's notation: an HTTP
//! API's `$request.header.Authorization`, `$request.querystring.token`, `$stageVariables.key`,
//! a REST API's `method.request.header.Authorization`, `method.request.querystring.token`,
//! `stageVariables.key`, or a WebSocket API's `route.request.header.Auth`,
//! `route.request.querystring.token`. Empty values count as missing, as API Gateway counts them.

use std::collections::BTreeMap;

use axum::http::HeaderMap;

/// What a request offers an identity source.
pub struct Offered<'a> {
    pub headers: &'a HeaderMap,
    pub query: Option<&'a str>,
    pub stage_variables: &'a BTreeMap<String, String>,
}

/// The value of `source` in `offered`, if it is there and not empty.
pub fn value(source: &str, offered: &Offered<'_>) -> Option<String> {
    let source = source.trim();
    let request = source
        .strip_prefix("$request.")
        .or_else(|| source.strip_prefix("method.request."))
        .or_else(|| source.strip_prefix("route.request."));
    let value = if let Some(name) = request.and_then(|rest| rest.strip_prefix("header.")) {
        offered
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    } else if let Some(name) = request.and_then(|rest| rest.strip_prefix("querystring.")) {
        crate::wire::percent::query_pairs(offered.query)
            .find_map(|(key, value)| (key == name).then_some(value))
    } else if let Some(name) = source
        .strip_prefix("$stageVariables.")
        .or_else(|| source.strip_prefix("stageVariables."))
    {
        offered.stage_variables.get(name).cloned()
    } else {
        None
    };
    value.filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_notations_name_the_same_values() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "abc".parse().unwrap());
        let variables = BTreeMap::from([("key".to_owned(), "v".to_owned())]);
        let offered = Offered {
            headers: &headers,
            query: Some("token=t&empty="),
            stage_variables: &variables,
        };
        for (source, expected) in [
            ("$request.header.Authorization", Some("abc")),
            ("method.request.header.Authorization", Some("abc")),
            ("$request.querystring.token", Some("t")),
            ("method.request.querystring.token", Some("t")),
            ("route.request.header.Authorization", Some("abc")),
            ("route.request.querystring.token", Some("t")),
            ("$request.querystring.empty", None),
            ("$stageVariables.key", Some("v")),
            ("stageVariables.key", Some("v")),
            ("$context.requestId", None),
        ] {
            assert_eq!(value(source, &offered).as_deref(), expected, "{source}");
        }
    }
}
