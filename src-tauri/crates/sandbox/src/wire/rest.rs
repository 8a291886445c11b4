//! The restJson services (Lambda, API Gateway): each operation is a [`Route`] on AWS's literal
//! request URI (`/2015-03-31/functions/{FunctionName}/invocations`), registered on the one
//! [`Router`] the server matches every restJson request against. An operation reads a [`Call`]
//! (path labels, query, headers, body, all already decoded) and returns a [`Reply`]; only this
//! module turns a reply into an HTTP response.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;

use super::AwsError;
use crate::store::{Commit, Scope};

/// One operation of a restJson service `S`.
pub struct Route<S: 'static> {
    pub method: Method,
    /// AWS's request URI: literal segments and `{Label}`s, a last `{Label+}` taking the rest.
    pub path: &'static str,
    /// The operation's name in AWS's API reference.
    pub operation: &'static str,
    pub handler: Handler<S>,
}

impl<S> std::fmt::Debug for Route<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.operation)
    }
}

/// What a future of an operation that may wait looks like.
pub type Pending<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Reply, AwsError>> + Send + 'a>>;

/// How an operation runs.
pub enum Handler<S: 'static> {
    /// A control-plane operation: synchronous, under the service's locks. The changes it queues
    /// for the store are saved before it is answered — its own, no other request's.
    Control(fn(&S, &Scope, &Call) -> Result<Reply, AwsError>),
    /// An operation that changes nothing stored and may take its time (Invoke).
    Run(for<'a> fn(&'a S, &'a Scope, &'a Call) -> Pending<'a>),
}

impl<S> std::fmt::Debug for Handler<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Control(_) => "Control",
            Self::Run(_) => "Run",
        })
    }
}

/// A restJson service: what its operations answer when their changes cannot be saved.
pub trait Service: Send + Sync + 'static {
    fn unsaved(&self, reason: String) -> AwsError;
}

/// Runs `route`'s operation on `service`.
pub async fn serve<S: Service>(
    service: &S,
    route: &Route<S>,
    scope: &Scope,
    call: &Call,
) -> Result<Reply, AwsError> {
    match route.handler {
        Handler::Control(operation) => {
            let (reply, commits): (_, Vec<Commit>) =
                crate::store::collect_commits(|| operation(service, scope, call));
            let reply = reply?;
            crate::store::all_durable(commits).await.map_err(|error| {
                service.unsaved(format!("The change could not be saved: {error}"))
            })?;
            Ok(reply)
        }
        Handler::Run(operation) => operation(service, scope, call).await,
    }
}

/// One segment of a route's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Label(&'static str),
    /// `{Label+}`: the rest of the path, slashes included.
    Greedy(&'static str),
}

fn segments_of(path: &'static str) -> Vec<Segment> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(label) => match label.strip_suffix('+') {
                    Some(label) => Segment::Greedy(label),
                    None => Segment::Label(label),
                },
                None => Segment::Literal(segment),
            },
        )
        .collect()
}

/// Every restJson operation the sandbox serves, whichever service it belongs to.
#[derive(Debug)]
pub struct Router<T> {
    routes: Vec<(Method, Vec<Segment>, T)>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self { routes: Vec::new() }
    }
}

impl<T> Router<T> {
    /// Registers `target` for `method` on the request URI `path`.
    pub fn add(&mut self, method: Method, path: &'static str, target: T) {
        self.routes.push((method, segments_of(path), target));
    }

    /// Whether any route, by any method, is served on `path`.
    pub fn serves_path(&self, path: &str) -> bool {
        let given: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .any(|(_, pattern, _)| matches(pattern, &given).is_some())
    }

    /// The route serving `method` on `path` (still percent-encoded) and its labels' values.
    pub fn find(&self, method: &Method, path: &str) -> Option<(&T, Labels)> {
        let given: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .filter(|(route_method, _, _)| route_method == method)
            .find_map(|(_, pattern, target)| {
                matches(pattern, &given).map(|labels| (target, labels))
            })
    }
}

/// The values of a route's labels, percent-decoded.
#[derive(Debug, Default)]
pub struct Labels(Vec<(&'static str, String)>);

fn matches(pattern: &[Segment], given: &[&str]) -> Option<Labels> {
    let mut labels = Vec::new();
    for (position, segment) in pattern.iter().enumerate() {
        match *segment {
            Segment::Greedy(label) => {
                let rest = given.get(position..).filter(|rest| !rest.is_empty())?;
                labels.push((label, super::percent::decode(&rest.join("/"))));
                return Some(Labels(labels));
            }
            Segment::Literal(literal) => {
                if *given.get(position)? != literal {
                    return None;
                }
            }
            Segment::Label(label) => {
                labels.push((label, super::percent::decode(given.get(position)?)));
            }
        }
    }
    (pattern.len() == given.len()).then_some(Labels(labels))
}

/// A restJson request as its operation reads it.
#[derive(Debug)]
pub struct Call {
    labels: Labels,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    pub fn new(labels: Labels, query: Option<&str>, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            labels,
            query: super::percent::query_pairs(query).collect(),
            headers,
            body,
        }
    }

    /// The value of the path label `name` (which the route's path declares).
    pub fn label(&self, name: &str) -> &str {
        let value = self.labels.0.iter().find(|(label, _)| *label == name);
        debug_assert!(value.is_some(), "the route declares no label {name}");
        value.map_or("", |(_, value)| value.as_str())
    }

    /// The first value of the query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated query parameter (`tagKeys=a&tagKeys=b`).
    pub fn query_all(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The header `name`, if it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// What an operation answers: a status, headers of its own, and a body.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Empty,
    Json(Json),
    Bytes(&'static str, Bytes),
}

impl Reply {
    /// `200 OK` with a JSON body.
    pub fn ok(body: Json) -> Self {
        Self::json(StatusCode::OK, body)
    }

    /// `201 Created` with a JSON body.
    pub fn created(body: Json) -> Self {
        Self::json(StatusCode::CREATED, body)
    }

    pub fn json(status: StatusCode, body: Json) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    /// A reply with no body (`204 No Content`, `202 Accepted`).
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        Self::empty(StatusCode::NO_CONTENT)
    }

    /// A body that is already bytes, of `content_type`.
    pub fn bytes(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes(content_type, body),
        }
    }

    /// Adds the header `name: value`; a value that cannot be a header is left out.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), value));
        }
        self
    }

    /// The HTTP response, carrying `request_id` as `x-amzn-RequestId`.
    pub fn into_response(self, request_id: &str) -> Response {
        let mut response = match self.body {
            Body::Empty => self.status.into_response(),
            Body::Json(body) => (self.status, axum::Json(body)).into_response(),
            Body::Bytes(content_type, body) => {
                (self.status, [("content-type", content_type)], body).into_response()
            }
        };
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.entry("x-amzn-requestid").or_insert(value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<&'static str> {
        let mut router = Router::default();
        router.add(
            Method::GET,
            "/2015-03-31/functions/{FunctionName}",
            "GetFunction",
        );
        router.add(
            Method::POST,
            "/2015-03-31/functions/{FunctionName}/invocations",
            "Invoke",
        );
        router.add(Method::PUT, "/{Bucket}/{Key+}", "PutObject");
        router
    }

    #[test]
    fn a_path_finds_its_operation_with_its_labels_decoded() {
        let router = router();
        let (operation, labels) = router
            .find(&Method::POST, "/2015-03-31/functions/my%3Afn/invocations")
            .expect("a route");
        assert_eq!(*operation, "Invoke");
        let call = Call::new(labels, None, HeaderMap::new(), Bytes::new());
        assert_eq!(call.label("FunctionName"), "my:fn");
    }

    #[test]
    fn the_method_and_every_segment_must_match() {
        let router = router();
        assert!(
            router
                .find(&Method::DELETE, "/2015-03-31/functions/f")
                .is_none()
        );
        assert!(
            router
                .find(&Method::GET, "/2015-03-31/functions/f/extra/x")
                .is_none()
        );
        assert!(router.find(&Method::GET, "/2015-03-31/functions").is_none());
    }

    #[test]
    fn a_greedy_label_takes_the_rest_of_the_path() {
        let router = router();
        let (operation, labels) = router
            .find(&Method::PUT, "/site/a/b%20c.html")
            .expect("a route");
        assert_eq!(*operation, "PutObject");
        let call = Call::new(
            labels,
            Some("x=1&t=a+b&t=c"),
            HeaderMap::new(),
            Bytes::new(),
        );
        assert_eq!(call.label("Key"), "a/b c.html");
        assert_eq!(call.query("x"), Some("1"));
        assert_eq!(call.query_all("t"), ["a b", "c"]);
    }

    #[test]
    fn a_reply_carries_its_headers_and_the_request_id() {
        let response = Reply::bytes(
            StatusCode::OK,
            "application/json",
            Bytes::from_static(b"{}"),
        )
        .with_header("x-amz-executed-version", "$LATEST")
        .into_response("req-1");
        assert_eq!(response.headers()["x-amz-executed-version"], "$LATEST");
        assert_eq!(response.headers()["x-amzn-requestid"], "req-1");
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
