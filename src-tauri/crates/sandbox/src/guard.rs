//! Who may talk to the sandbox. It runs function code natively and accepts any credentials, so a
//! web page the student happens to visit must not be able to drive it. Two checks run on every
//! request before anything is parsed:
//!
//! - **Host**: only requests addressed to a loopback name with the sandbox's own port are served
//!   (`127.0.0.1`, `localhost`, `[::1]`, `*.localhost` — the execute-api, S3 and S3 website host
//!   styles). A foreign
//!   name that resolves to this machine is how DNS rebinding reaches local servers.
//! - **Browsers**: a request made by a web page (it carries an `Origin`, or a `Sec-Fetch-Site`
//!   other than `none`) to an AWS service API or a `/_sandbox/` route is refused unless its origin
//!   was allowed. The SDKs and the AWS CLI send neither header. Data-plane endpoints — invoke URLs
//!   and WebSocket handshakes — keep the browser access AWS gives them: their CORS is each API's.
//!   So do S3's website endpoint and anonymous S3 requests (neither signed nor presigned): the
//!   bucket policy decides what everyone may do, and the bucket's CORS what pages may read.
//!   So do Cognito's public operations (sign-up, sign-in: pages call them with nothing but an app
//!   client's id, as amazon-cognito-identity-js does) and the preflight of any awsJson call, which
//!   says nothing about its target: the call that follows is decided by its own `X-Amz-Target`.
//!
//! This module decides and words the refusals; `server.rs` applies the decision. It never sees a
//! body, so the checks cost the same for every request.

use std::collections::HashSet;

use axum::http::{HeaderMap, HeaderValue, Method, header};

/// The origins and Host names a sandbox accepts beyond its defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Origins (`scheme://host[:port]`) whose pages may call the AWS service APIs, e.g. the
    /// desktop app's webview or `lab sandbox --allow-origin`.
    pub allowed_origins: Vec<String>,
    /// Host names served besides the loopback names (`lab sandbox --allow-host`), with or
    /// without a port.
    pub allowed_hosts: Vec<String>,
}

/// What a request is addressed to, as far as browsers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// An API's invoke URL or WebSocket handshake: open to pages, with the API's own CORS.
    DataPlane,
    /// An AWS service API (DynamoDB, Lambda, IAM, `@connections`, …).
    Service,
    /// An operation AWS serves to any page with CORS: Cognito's sign-up and sign-in, and the
    /// preflight of an awsJson call.
    Public,
    /// A sandbox-only route under `/_sandbox/`.
    Sandbox,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Serve it as it is.
    Serve,
    /// Serve it, adding CORS headers for this allowed origin.
    ServeWithCors(String),
    /// A CORS preflight from an allowed origin: answer it here.
    Preflight(String),
    /// Refuse it with this error (403).
    Refuse(Refusal),
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Addressed to a name that is not the sandbox's (or to no name at all).
    ForeignHost(Option<String>),
    /// Sent by a web page to a service API or a sandbox route.
    Browser(BrowserSource),
}

/// How a request showed that a web page sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserSource {
    Origin(String),
    FetchSite(String),
}

/// The checks of one sandbox, knowing its port.
#[derive(Debug)]
pub struct Guard {
    port: u16,
    origins: HashSet<String>,
    hosts: HashSet<String>,
}

impl Guard {
    pub fn new(port: u16, access: &Access) -> Self {
        Self {
            port,
            origins: access
                .allowed_origins
                .iter()
                .map(|origin| normalize_origin(origin))
                .collect(),
            hosts: access
                .allowed_hosts
                .iter()
                .map(|host| host.trim().to_ascii_lowercase())
                .collect(),
        }
    }

    /// The decision for a request with `method` and `headers` to `surface`.
    pub fn decide(&self, method: &Method, headers: &HeaderMap, surface: Surface) -> Decision {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok());
        if !host.is_some_and(|host| self.serves_host(host)) {
            return Decision::Refuse(Refusal::ForeignHost(host.map(str::to_owned)));
        }
        let Some(source) = browser_source(headers) else {
            return Decision::Serve;
        };
        match (surface, source) {
            (Surface::DataPlane, _) | (Surface::Public, BrowserSource::FetchSite(_)) => {
                Decision::Serve
            }
            (Surface::Public, BrowserSource::Origin(origin)) if is_preflight(method, headers) => {
                Decision::Preflight(origin)
            }
            (Surface::Public, BrowserSource::Origin(origin)) => Decision::ServeWithCors(origin),
            (Surface::Service | Surface::Sandbox, source) => {
                self.decide_private(method, headers, source)
            }
        }
    }

    /// A page's request to a service API or a sandbox route: served only to allowed origins.
    fn decide_private(
        &self,
        method: &Method,
        headers: &HeaderMap,
        source: BrowserSource,
    ) -> Decision {
        let allowed = match &source {
            BrowserSource::Origin(origin) => self.origins.contains(&normalize_origin(origin)),
            // A page's same-origin GET carries no Origin; it is allowed only by being the
            // sandbox's own, which no page of a service API is.
            BrowserSource::FetchSite(_) => false,
        };
        match (allowed, source) {
            (true, BrowserSource::Origin(origin)) if is_preflight(method, headers) => {
                Decision::Preflight(origin)
            }
            (true, BrowserSource::Origin(origin)) => Decision::ServeWithCors(origin),
            (_, source) => Decision::Refuse(Refusal::Browser(source)),
        }
    }

    /// Whether `host` (a Host header: `name[:port]`) names this sandbox.
    fn serves_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return true;
        }
        let (name, port) = split_host(&host);
        if self.hosts.contains(name) {
            return true;
        }
        let port = match port {
            Some(port) => port.parse::<u16>().ok(),
            None => Some(80),
        };
        port == Some(self.port) && is_loopback_name(name)
    }

    /// Why `refusal` happened and what to do about it, in words.
    pub fn refusal_message(&self, refusal: &Refusal) -> String {
        match refusal {
            Refusal::ForeignHost(host) => format!(
                "The sandbox only answers requests addressed to 127.0.0.1:{port}, localhost:{port}, \
                 [::1]:{port} or a *.localhost name on port {port}; this one was addressed to {}. \
                 A foreign name that points at this machine is how DNS rebinding reaches local \
                 servers. To serve another name, start the sandbox with --allow-host NAME.",
                host.as_deref().map_or_else(
                    || "no host (no Host header)".to_owned(),
                    |h| format!("'{}'", clip(h))
                ),
                port = self.port
            ),
            Refusal::Browser(BrowserSource::Origin(origin)) => format!(
                "Requests from web pages are refused: the sandbox runs code on this machine, so \
                 only the app, the AWS CLI and the SDKs may call its AWS APIs. This one came from \
                 a page of '{origin}' (its Origin header). To let that origin call them, start the \
                 sandbox with --allow-origin {origin}. Invoke URLs (/_aws/execute-api/…) stay \
                 open to pages, with the CORS each API configures.",
                origin = clip(origin)
            ),
            Refusal::Browser(BrowserSource::FetchSite(site)) => format!(
                "Requests from web pages are refused: the sandbox runs code on this machine, so \
                 only the app, the AWS CLI and the SDKs may call its AWS APIs. This one came from \
                 a web page (Sec-Fetch-Site: {}) without an Origin that could be allowed. Invoke \
                 URLs (/_aws/execute-api/…) stay open to pages, with the CORS each API \
                 configures.",
                clip(site)
            ),
        }
    }
}

/// The headers that answer an allowed origin's preflight.
pub fn preflight_headers(origin: &str, request: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    cors_headers(origin, &mut headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, HEAD"),
    );
    if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    headers
}

/// Adds the headers that let an allowed origin read an answer.
pub fn cors_headers(origin: &str, headers: &mut HeaderMap) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "x-amzn-RequestId, x-amzn-ErrorType, x-amz-crc32, x-amz-function-error, x-amz-log-result, x-amz-executed-version",
        ),
    );
}

/// How a request shows that a web page sent it, if it does.
fn browser_source(headers: &HeaderMap) -> Option<BrowserSource> {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    if let Some(origin) = text("origin") {
        return Some(BrowserSource::Origin(origin));
    }
    // `none` is a request the user made themselves (a typed address, a bookmark).
    text("sec-fetch-site")
        .filter(|site| !site.eq_ignore_ascii_case("none"))
        .map(BrowserSource::FetchSite)
}

fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// `scheme://host[:port]` in lowercase without a trailing slash, as browsers send it.
fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// `name` and `port` of a Host header (`[::1]:4566`, `localhost:4566`, `localhost`).
fn split_host(host: &str) -> (&str, Option<&str>) {
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((name, tail)) => (name, tail.strip_prefix(':')),
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

/// `127.x.y.z`, `::1`, `localhost`, and names under `.localhost` (RFC 6761 keeps them local).
fn is_loopback_name(name: &str) -> bool {
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    name == "localhost"
        || name
            .strip_suffix(".localhost")
            .is_some_and(|prefix| prefix.split('.').all(label_ok))
}

/// A header value cut to a readable length for a message.
fn clip(text: &str) -> String {
    const MAX: usize = 100;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn guard() -> Guard {
        Guard::new(
            4566,
            &Access {
                allowed_origins: vec!["http://localhost:5173/".into()],
                allowed_hosts: vec!["lab.example".into()],
            },
        )
    }

    #[test]
    fn loopback_names_with_the_sandbox_port_are_served() {
        let guard = guard();
        for host in [
            "127.0.0.1:4566",
            "localhost:4566",
            "LOCALHOST:4566",
            "[::1]:4566",
            "abc123.execute-api.localhost:4566",
            "bucket.s3-website.localhost:4566",
            "127.0.0.2:4566",
            "lab.example",
            "lab.example:8080",
        ] {
            let decision =
                guard.decide(&Method::GET, &headers(&[("host", host)]), Surface::Service);
            assert_eq!(decision, Decision::Serve, "{host}");
        }
    }

    #[test]
    fn foreign_hosts_and_other_ports_are_refused() {
        let guard = guard();
        for host in [
            "evil.example:4566",
            "127.0.0.1:80",
            "localhost",
            "localhost.evil.example:4566",
            "evil.example:4566.localhost",
            "10.0.0.5:4566",
            "[::2]:4566",
            "a..localhost:4566",
        ] {
            let decision = guard.decide(
                &Method::GET,
                &headers(&[("host", host)]),
                Surface::DataPlane,
            );
            assert!(
                matches!(decision, Decision::Refuse(Refusal::ForeignHost(_))),
                "{host}: {decision:?}"
            );
        }
        let decision = guard.decide(&Method::GET, &HeaderMap::new(), Surface::Service);
        assert_eq!(decision, Decision::Refuse(Refusal::ForeignHost(None)));
    }

    #[test]
    fn pages_are_refused_on_service_and_sandbox_routes_but_not_the_data_plane() {
        let guard = guard();
        let page = headers(&[
            ("host", "127.0.0.1:4566"),
            ("origin", "http://evil.example"),
        ]);
        for surface in [Surface::Service, Surface::Sandbox] {
            assert!(matches!(
                guard.decide(&Method::POST, &page, surface),
                Decision::Refuse(Refusal::Browser(BrowserSource::Origin(_)))
            ));
        }
        assert_eq!(
            guard.decide(&Method::POST, &page, Surface::DataPlane),
            Decision::Serve
        );
        let no_origin = headers(&[("host", "127.0.0.1:4566"), ("sec-fetch-site", "cross-site")]);
        assert!(matches!(
            guard.decide(&Method::GET, &no_origin, Surface::Sandbox),
            Decision::Refuse(Refusal::Browser(BrowserSource::FetchSite(_)))
        ));
        let typed = headers(&[("host", "127.0.0.1:4566"), ("sec-fetch-site", "none")]);
        assert_eq!(
            guard.decide(&Method::GET, &typed, Surface::Sandbox),
            Decision::Serve
        );
    }

    #[test]
    fn any_page_may_sign_users_up_and_in() {
        let guard = guard();
        let page = headers(&[
            ("host", "127.0.0.1:4566"),
            ("origin", "http://chat.example"),
            ("access-control-request-method", "POST"),
        ]);
        assert_eq!(
            guard.decide(&Method::OPTIONS, &page, Surface::Public),
            Decision::Preflight("http://chat.example".to_owned())
        );
        assert_eq!(
            guard.decide(&Method::POST, &page, Surface::Public),
            Decision::ServeWithCors("http://chat.example".to_owned())
        );
    }

    #[test]
    fn an_allowed_origin_gets_cors_and_its_preflight_answered() {
        let guard = guard();
        let page = headers(&[
            ("host", "localhost:4566"),
            ("origin", "http://localhost:5173"),
        ]);
        assert_eq!(
            guard.decide(&Method::POST, &page, Surface::Service),
            Decision::ServeWithCors("http://localhost:5173".into())
        );
        let mut preflight = page.clone();
        preflight.insert(
            "access-control-request-method",
            HeaderValue::from_static("POST"),
        );
        assert_eq!(
            guard.decide(&Method::OPTIONS, &preflight, Surface::Service),
            Decision::Preflight("http://localhost:5173".into())
        );
        let null = headers(&[("host", "localhost:4566"), ("origin", "null")]);
        assert!(matches!(
            guard.decide(&Method::POST, &null, Surface::Service),
            Decision::Refuse(_)
        ));
    }

    #[test]
    fn refusals_say_why_and_how_to_allow() {
        let guard = guard();
        let message = guard.refusal_message(&Refusal::Browser(BrowserSource::Origin(
            "http://evil.example".into(),
        )));
        assert!(
            message.contains("--allow-origin http://evil.example"),
            "{message}"
        );
        let message =
            guard.refusal_message(&Refusal::ForeignHost(Some("evil.example:4566".into())));
        assert!(message.contains("'evil.example:4566'"), "{message}");
        assert!(message.contains("--allow-host"), "{message}");
    }
}
