//! `$context` variables about a request, for access log formats and parameter mappings alike.

use super::Incoming;

/// A request as its `$context` variables read it.
pub(super) struct RequestContext<'a> {
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub route_key: Option<&'a str>,
    pub incoming: &'a Incoming<'a>,
}

impl RequestContext<'_> {
    /// The value of `$context.{name}`, when the request has one.
    pub fn variable(&self, name: &str) -> Option<String> {
        let header = |name: &str| {
            self.incoming
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Some(match name {
            "requestId" | "extendedRequestId" => self.request_id.to_owned(),
            "apiId" => self.api_id.to_owned(),
            "stage" => self.stage.to_owned(),
            "routeKey" => self.route_key?.to_owned(),
            // REST APIs: the resource the request matched (the route key's path).
            "resourcePath" => self.route_key?.split_once(' ')?.1.to_owned(),
            "httpMethod" => self.incoming.method.to_string(),
            "path" => self.incoming.path.to_owned(),
            "protocol" => "HTTP/1.1".to_owned(),
            "domainName" => header("host")?,
            "identity.sourceIp" => "127.0.0.1".to_owned(),
            "identity.userAgent" => header("user-agent")?,
            _ => return None,
        })
    }
}
