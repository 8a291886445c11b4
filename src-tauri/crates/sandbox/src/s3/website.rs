//! The website endpoint: a bucket with a website configuration served to browsers as S3 serves
//! it — anonymous, so only what the bucket policy grants everyone; the index document for a
//! path ending in `/`; a 302 that adds the trailing slash when `path/` has an index; an
//! object's own redirect; routing rules; `RedirectAllRequestsTo`; the error document with the
//! error's status, else S3's HTML error page; the object's Content-Type; ranges and conditional
//! requests as for GetObject; the bucket's CORS.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use super::S3;
use super::cors;
use super::error::S3Error;
use super::http::{Reply, ReplyBody, S3Request};
use super::model::{RoutingRule, Website};
use crate::wire::xml_escape;

/// Serves `path` of `bucket`'s website; `base` is what precedes the path in the URL.
pub fn serve(
    s3: &S3,
    bucket: &str,
    path: &str,
    base: &str,
    method: &Method,
    headers: &HeaderMap,
    request_id: &str,
) -> Response {
    let (website, rules) = {
        let buckets = s3.lock();
        match buckets.get(bucket) {
            None => {
                return page(&S3Error::no_such_bucket(bucket), method, request_id);
            }
            Some(found) => (found.website.clone(), found.cors.clone()),
        }
    };
    if *method == Method::OPTIONS {
        return match cors::preflight(rules.as_deref(), headers) {
            Ok(reply) => reply.into_response(method, request_id),
            Err(error) => page(&error, method, request_id),
        };
    }
    let mut response = match website {
        None => page(
            &S3Error::new(
                "NoSuchWebsiteConfiguration",
                StatusCode::NOT_FOUND,
                "The specified bucket does not have a website configuration",
            )
            .with("BucketName", bucket),
            method,
            request_id,
        ),
        Some(_) if *method != Method::GET && *method != Method::HEAD => page(
            &S3Error::new(
                "MethodNotAllowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "The specified method is not allowed against this resource.",
            )
            .with("Method", method.as_str())
            .with("ResourceType", "OBJECT"),
            method,
            request_id,
        ),
        Some(website) => {
            let site = Site {
                s3,
                bucket,
                base,
                method,
                headers,
                website: &website,
            };
            site.answer(path, request_id)
        }
    };
    if let (Some(origin), Some(rules)) = (
        headers.get("origin").and_then(|value| value.to_str().ok()),
        rules,
    ) {
        cors::decorate(&rules, origin, method, response.headers_mut());
    }
    response
}

/// One request to a bucket's website.
struct Site<'a> {
    s3: &'a S3,
    bucket: &'a str,
    base: &'a str,
    method: &'a Method,
    headers: &'a HeaderMap,
    website: &'a Website,
}

impl Site<'_> {
    fn answer(&self, path: &str, request_id: &str) -> Response {
        if let Some(redirect) = &self.website.redirect_all {
            let protocol = redirect.protocol.as_deref().unwrap_or("http");
            let location = format!("{protocol}://{}{path}", redirect.host_name);
            return moved(
                StatusCode::MOVED_PERMANENTLY,
                &location,
                self.method,
                request_id,
            );
        }
        let key = path.trim_start_matches('/');
        if let Some(rule) = self.rule_for(key, None) {
            return self.follow(rule, key, request_id);
        }
        let suffix = self.website.index_suffix.as_deref().unwrap_or("index.html");
        let wanted = if key.is_empty() || key.ends_with('/') {
            format!("{key}{suffix}")
        } else {
            key.to_owned()
        };
        match self.object(&wanted) {
            Ok(response) => response,
            Err(error) if error.code == "NoSuchKey" && !key.is_empty() && !key.ends_with('/') => {
                // `dir` with `dir/index.html` present: send the browser to `dir/`.
                if self.readable(&format!("{key}/{suffix}")) {
                    let location = format!("{}{path}/", self.base);
                    return moved(StatusCode::FOUND, &location, self.method, request_id);
                }
                self.error(&error, key, request_id)
            }
            Err(error) => self.error(&error, &wanted, request_id),
        }
    }

    /// Whether `key` exists and everyone may read it.
    fn readable(&self, key: &str) -> bool {
        let buckets = self.s3.lock();
        buckets.get(self.bucket).is_some_and(|bucket| {
            bucket.objects.contains_key(key) && super::policy::anyone_may_read(bucket, key)
        })
    }

    /// The object `key`, anonymously: its redirect, or its bytes.
    fn object(&self, key: &str) -> Result<Response, S3Error> {
        let request_id = crate::wire::new_request_id();
        let allowed = {
            let buckets = self.s3.lock();
            let bucket = buckets
                .get(self.bucket)
                .ok_or_else(|| S3Error::no_such_bucket(self.bucket))?;
            let allowed = super::policy::anyone_may_read(bucket, key);
            if allowed
                && let Some(location) = bucket
                    .objects
                    .get(key)
                    .and_then(|object| object.website_redirect.clone())
            {
                return Ok(moved(
                    StatusCode::MOVED_PERMANENTLY,
                    &location,
                    self.method,
                    &request_id,
                ));
            }
            allowed
        };
        if !allowed {
            return Err(S3Error::access_denied());
        }
        let request = S3Request::new(
            self.method.clone(),
            Some(self.bucket.to_owned()),
            Some(key.to_owned()),
            None,
            self.headers.clone(),
            String::new(),
            String::new(),
            true,
            axum::body::Body::empty(),
        );
        let reply = super::api::read_object(self.s3, &request, self.bucket, key)?;
        Ok(reply.into_response(self.method, &request_id))
    }

    /// The first routing rule for `key` (before serving) or for an error with `status`.
    fn rule_for(&self, key: &str, status: Option<u16>) -> Option<&RoutingRule> {
        self.website.routing_rules.iter().find(|rule| {
            let prefix_holds = rule
                .key_prefix_equals
                .as_deref()
                .is_none_or(|prefix| key.starts_with(prefix));
            match (rule.error_code_equals, status) {
                (None, None) => rule.key_prefix_equals.is_some() && prefix_holds,
                (Some(wanted), Some(status)) => wanted == status && prefix_holds,
                _ => false,
            }
        })
    }

    fn follow(&self, rule: &RoutingRule, key: &str, request_id: &str) -> Response {
        let new_key = match (&rule.replace_key_with, &rule.replace_key_prefix_with) {
            (Some(whole), _) => whole.clone(),
            (None, Some(prefix)) => {
                let rest = rule
                    .key_prefix_equals
                    .as_deref()
                    .and_then(|old| key.strip_prefix(old))
                    .unwrap_or(key);
                format!("{prefix}{rest}")
            }
            (None, None) => key.to_owned(),
        };
        let host = rule.host_name.clone().or_else(|| {
            self.headers
                .get("host")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        });
        let protocol = rule.protocol.as_deref().unwrap_or("http");
        let location = match host {
            Some(host) if rule.host_name.is_some() => format!("{protocol}://{host}/{new_key}"),
            Some(host) => format!("{protocol}://{host}{}/{new_key}", self.base),
            None => format!("{}/{new_key}", self.base),
        };
        let code = rule
            .redirect_code
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::MOVED_PERMANENTLY);
        moved(code, &location, self.method, request_id)
    }

    /// An error: a routing rule for its status, the error document with the error's status, or
    /// S3's own page.
    fn error(&self, error: &S3Error, key: &str, request_id: &str) -> Response {
        let status = error.status;
        if let Some(rule) = self.rule_for(key, Some(status.as_u16())) {
            return self.follow(rule, key, request_id);
        }
        if let Some(document) = &self.website.error_key
            && let Ok(mut response) = self.object(document)
            && response.status().is_success()
        {
            *response.status_mut() = status;
            return response;
        }
        page(error, self.method, request_id)
    }
}

/// A redirect to `location`.
fn moved(status: StatusCode, location: &str, method: &Method, request_id: &str) -> Response {
    Reply::empty(status)
        .header("location", location)
        .into_response(method, request_id)
}

/// S3's HTML error page for `error`.
fn page(error: &S3Error, method: &Method, request_id: &str) -> Response {
    let title = format!(
        "{} {}",
        error.status.as_u16(),
        error.status.canonical_reason().unwrap_or("Error")
    );
    let mut items = format!(
        "<li>Code: {}</li>\n<li>Message: {}</li>\n",
        error.code,
        xml_escape(&error.message)
    );
    for (name, value) in &error.extra {
        items.push_str(&format!("<li>{name}: {}</li>\n", xml_escape(value)));
    }
    let html = format!(
        "<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>\n{items}\
         <li>RequestId: {request_id}</li>\n<li>HostId: {request_id}</li>\n</ul>\n<hr/>\n</body>\n</html>\n"
    );
    Reply {
        status: error.status,
        headers: Vec::new(),
        body: ReplyBody::Text {
            content_type: "text/html; charset=utf-8",
            text: html,
        },
    }
    .into_response(method, request_id)
}
