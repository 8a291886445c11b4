//! A bucket's CORS configuration: read from `PutBucketCors`'s document, written back by
//! `GetBucketCors`, and applied as S3 applies it — a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) answered from the first matching rule or refused with 403,
//! and the `Access-Control-*` headers added to an actual request from a page whose origin,
//! method and headers a rule allows. Both the REST and the website endpoint use it.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::error::S3Error;
use super::http::Reply;
use super::model::CorsRule;
use super::xml::Element;

/// The most rules a configuration may have.
const MAX_RULES: usize = 100;

const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

/// The rules of a `CORSConfiguration` document.
pub fn parse(root: &Element) -> Result<Vec<CorsRule>, S3Error> {
    if root.name != "CORSConfiguration" {
        return Err(S3Error::malformed_xml());
    }
    let mut rules = Vec::new();
    for element in root.all("CORSRule") {
        let texts = |name: &str| -> Vec<String> {
            element
                .all(name)
                .map(|e| e.text.trim().to_owned())
                .collect()
        };
        let rule = CorsRule {
            id: element.text_of("ID").map(str::to_owned),
            allowed_origins: texts("AllowedOrigin"),
            allowed_methods: texts("AllowedMethod"),
            allowed_headers: texts("AllowedHeader"),
            expose_headers: texts("ExposeHeader"),
            max_age_seconds: match element.text_of("MaxAgeSeconds") {
                Some(text) => Some(text.parse().map_err(|_| S3Error::malformed_xml())?),
                None => None,
            },
        };
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(S3Error::malformed_xml());
        }
        if let Some(method) = rule
            .allowed_methods
            .iter()
            .find(|m| !METHODS.contains(&m.as_str()))
        {
            return Err(S3Error::invalid_request(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )));
        }
        if let Some(origin) = rule
            .allowed_origins
            .iter()
            .find(|o| o.matches('*').count() > 1)
        {
            return Err(S3Error::invalid_request(format!(
                "AllowedOrigin \"{origin}\" can not have more than one wildcard."
            )));
        }
        rules.push(rule);
    }
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(S3Error::malformed_xml());
    }
    Ok(rules)
}

/// The `CORSConfiguration` document of `rules`.
pub fn render(rules: &[CorsRule]) -> String {
    super::xml::document("CORSConfiguration", |xml| {
        for rule in rules {
            xml.element("CORSRule", |xml| {
                xml.text_opt("ID", rule.id.as_deref());
                for origin in &rule.allowed_origins {
                    xml.text("AllowedOrigin", origin);
                }
                for method in &rule.allowed_methods {
                    xml.text("AllowedMethod", method);
                }
                for header in &rule.allowed_headers {
                    xml.text("AllowedHeader", header);
                }
                for header in &rule.expose_headers {
                    xml.text("ExposeHeader", header);
                }
                if let Some(age) = rule.max_age_seconds {
                    xml.text("MaxAgeSeconds", &age.to_string());
                }
            });
        }
    })
}

/// Whether `pattern` (at most one `*`) covers `text`, ignoring case as S3 does for headers.
fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (pattern, text) = if ignore_case {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_owned(), text.to_owned())
    };
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
        }
    }
}

/// The first rule allowing `origin` to make a `method` request with `headers`.
fn matching<'a>(
    rules: &'a [CorsRule],
    origin: &str,
    method: &str,
    headers: &[String],
) -> Option<&'a CorsRule> {
    rules.iter().find(|rule| {
        rule.allowed_origins
            .iter()
            .any(|o| wildcard(o, origin, false))
            && rule.allowed_methods.iter().any(|m| m == method)
            && headers.iter().all(|header| {
                rule.allowed_headers
                    .iter()
                    .any(|allowed| wildcard(allowed, header, true))
            })
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The answer to a preflight, from `rules` (none when the bucket has no CORS configuration).
pub fn preflight(rules: Option<&[CorsRule]>, headers: &HeaderMap) -> Result<Reply, S3Error> {
    let bad_request = |message: &str| S3Error::new("BadRequest", StatusCode::BAD_REQUEST, message);
    let origin = header(headers, "origin")
        .ok_or_else(|| bad_request("Insufficient information. Origin request header needed."))?;
    let method = header(headers, "access-control-request-method")
        .ok_or_else(|| bad_request("Invalid Access-Control-Request-Method: null"))?;
    let forbidden = |message: &str| {
        S3Error::new("AccessForbidden", StatusCode::FORBIDDEN, message)
            .with("Method", method)
            .with("ResourceType", "OBJECT")
    };
    let rules =
        rules.ok_or_else(|| forbidden("CORSResponse: CORS is not enabled for this bucket."))?;
    let requested: Vec<String> = header(headers, "access-control-request-headers")
        .unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    let rule = matching(rules, origin, method, &requested).ok_or_else(|| {
        forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the \
             evalution of Origin, request method / Access-Control-Request-Method or \
             Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        )
    })?;
    let mut reply = allow(Reply::empty(StatusCode::OK), rule, origin)
        .header(
            "access-control-allow-methods",
            rule.allowed_methods.join(", "),
        )
        .header(
            "vary",
            "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        );
    if !requested.is_empty() {
        reply = reply.header("access-control-allow-headers", requested.join(", "));
    }
    if let Some(age) = rule.max_age_seconds {
        reply = reply.header("access-control-max-age", age.to_string());
    }
    Ok(reply)
}

/// `Access-Control-Allow-Origin` (and credentials, exposed headers) for `rule`.
fn allow(reply: Reply, rule: &CorsRule, origin: &str) -> Reply {
    let any = rule.allowed_origins.iter().any(|o| o == "*");
    let mut reply = reply.header(
        "access-control-allow-origin",
        if any { "*" } else { origin },
    );
    if !any {
        reply = reply.header("access-control-allow-credentials", "true");
    }
    if !rule.expose_headers.is_empty() {
        reply = reply.header(
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        );
    }
    reply
}

/// Adds the CORS headers of the rule matching an actual request from `origin`, if one does.
pub fn decorate(rules: &[CorsRule], origin: &str, method: &Method, headers: &mut HeaderMap) {
    let Some(rule) = matching(rules, origin, method.as_str(), &[]) else {
        return;
    };
    let reply = allow(Reply::empty(StatusCode::OK), rule, origin)
        .header(
            "access-control-allow-methods",
            rule.allowed_methods.join(", "),
        )
        .header(
            "vary",
            "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        );
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Some(age) = rule.max_age_seconds {
        headers.insert("access-control-max-age", HeaderValue::from(age));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<CorsRule> {
        let root = super::super::xml::parse(
            b"<CORSConfiguration><CORSRule><AllowedOrigin>http://*.localhost:8000</AllowedOrigin>\
              <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\
              <AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>\
              </CORSConfiguration>",
        )
        .unwrap();
        parse(&root).unwrap()
    }

    fn preflight_headers(origin: &str, method: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", origin.parse().unwrap());
        headers.insert("access-control-request-method", method.parse().unwrap());
        headers.insert(
            "access-control-request-headers",
            "Content-Type".parse().unwrap(),
        );
        headers
    }

    #[test]
    fn a_matching_preflight_is_answered_and_others_refused() {
        let rules = rules();
        let reply = preflight(
            Some(&rules),
            &preflight_headers("http://site.localhost:8000", "PUT"),
        )
        .unwrap();
        let value = |name: &str| {
            reply
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            value("access-control-allow-origin").as_deref(),
            Some("http://site.localhost:8000")
        );
        assert_eq!(
            value("access-control-allow-methods").as_deref(),
            Some("GET, PUT")
        );
        assert_eq!(value("access-control-max-age").as_deref(), Some("3000"));
        let refused = preflight(
            Some(&rules),
            &preflight_headers("http://evil.example", "GET"),
        )
        .unwrap_err();
        assert_eq!(
            (refused.status, refused.code),
            (StatusCode::FORBIDDEN, "AccessForbidden")
        );
        let disabled = preflight(
            None,
            &preflight_headers("http://site.localhost:8000", "GET"),
        )
        .unwrap_err();
        assert!(
            disabled.message.contains("CORS is not enabled"),
            "{}",
            disabled.message
        );
    }

    #[test]
    fn unsupported_methods_and_double_wildcards_are_refused() {
        let bad = |rule: &str| {
            let document =
                format!("<CORSConfiguration><CORSRule>{rule}</CORSRule></CORSConfiguration>");
            parse(&super::super::xml::parse(document.as_bytes()).unwrap()).unwrap_err()
        };
        assert!(
            bad("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>")
                .message
                .contains("Unsupported method is PATCH")
        );
        assert!(
            bad("<AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")
                .message
                .contains("more than one wildcard")
        );
    }
}
