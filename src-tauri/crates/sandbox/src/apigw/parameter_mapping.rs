//! Request parameter mapping for HTTP APIs: an HTTP_PROXY integration's `requestParameters`
//! change the request's headers, query string or path before it goes on. Keys are
//! `append|overwrite|remove:header.{name}`, `append|overwrite|remove:querystring.{name}` and
//! `overwrite:path`; values are a static text with references in it — `$request.header.name`,
//! `$request.querystring.name`, `$request.body.a.b`, `$request.path`, `$request.path.name`,
//! `$context.name`, `$stageVariables.name` — bare when the value is only the reference,
//! `${…}` when there is text around it. Mappings are checked when the integration is made and
//! evaluated per request.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value as Json;

/// The context variables a mapping may read.
pub const CONTEXT_VARIABLES: [&str; 10] = [
    "requestId",
    "apiId",
    "stage",
    "routeKey",
    "httpMethod",
    "path",
    "domainName",
    "protocol",
    "identity.sourceIp",
    "identity.userAgent",
];

/// What a mapping does to its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Append,
    Overwrite,
    Remove,
}

/// The parameter a mapping changes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parameter {
    Header(String),
    QueryString(String),
    Path,
}

/// One piece of a mapping's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Header(String),
    QueryString(String),
    Body(Vec<String>),
    Path,
    PathParameter(String),
    Context(String),
    StageVariable(String),
}

/// A checked mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    action: Action,
    parameter: Parameter,
    value: Vec<Part>,
}

/// Checks one `requestParameters` entry; the error is API Gateway's message.
pub fn parse(key: &str, value: &str) -> Result<Mapping, String> {
    let invalid_key = || format!("Invalid mapping expression specified: {key}");
    let (action, parameter) = key.split_once(':').ok_or_else(invalid_key)?;
    let action = match action {
        "append" => Action::Append,
        "overwrite" => Action::Overwrite,
        "remove" => Action::Remove,
        _ => return Err(invalid_key()),
    };
    let parameter = match parameter.split_once('.') {
        Some(("header", name)) if HeaderName::try_from(name).is_ok() => {
            Parameter::Header(name.to_ascii_lowercase())
        }
        Some(("querystring", name)) if !name.is_empty() => Parameter::QueryString(name.to_owned()),
        None if parameter == "path" && action == Action::Overwrite => Parameter::Path,
        _ => return Err(invalid_key()),
    };
    let value = if action == Action::Remove {
        Vec::new()
    } else {
        parse_value(value)
            .map_err(|reason| format!("Invalid mapping expression specified: {value}: {reason}"))?
    };
    Ok(Mapping {
        action,
        parameter,
        value,
    })
}

fn parse_value(value: &str) -> Result<Vec<Part>, String> {
    // A value that is one bare reference.
    if value.starts_with('$') && !value.starts_with("${") {
        return Ok(vec![reference(&value[1..])?]);
    }
    let mut parts = Vec::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        if at > 0 {
            parts.push(Part::Text(rest[..at].to_owned()));
        }
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "a ${ is not closed".to_owned())?;
        parts.push(reference(&after[..end])?);
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    Ok(parts)
}

fn reference(text: &str) -> Result<Part, String> {
    let unknown = || format!("{text} is not a request, context or stage variable");
    let (source, name) = text.split_once('.').unwrap_or((text, ""));
    Ok(match (source, name) {
        ("request", "path") => Part::Path,
        ("request", rest) => {
            let (kind, name) = rest.split_once('.').ok_or_else(unknown)?;
            if name.is_empty() {
                return Err(unknown());
            }
            match kind {
                "header" => Part::Header(name.to_ascii_lowercase()),
                "querystring" => Part::QueryString(name.to_owned()),
                "path" => Part::PathParameter(name.to_owned()),
                "body" => Part::Body(name.split('.').map(str::to_owned).collect()),
                _ => return Err(unknown()),
            }
        }
        ("context", name) if CONTEXT_VARIABLES.contains(&name) => Part::Context(name.to_owned()),
        ("stageVariables", name) if !name.is_empty() => Part::StageVariable(name.to_owned()),
        _ => return Err(unknown()),
    })
}

/// What a mapping's references read.
pub struct Request<'a> {
    pub headers: &'a HeaderMap,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// The path without the stage.
    pub path: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub stage: &'a str,
    pub stage_variables: &'a BTreeMap<String, String>,
    pub context: &'a dyn Fn(&str) -> String,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("path", &self.path)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

/// The request as it goes on to the integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    /// Whether a mapping changed the query string (else it goes on as the client wrote it).
    pub query_changed: bool,
    /// The new path, when a mapping overwrote it.
    pub path: Option<String>,
}

impl Outgoing {
    /// The request as the client sent it, with no mapping applied.
    pub fn unchanged(headers: &HeaderMap) -> Self {
        Self {
            headers: headers.clone(),
            query: Vec::new(),
            query_changed: false,
            path: None,
        }
    }
}

/// Applies `mappings` to `request`; the error says which one could not be evaluated.
pub fn apply(mappings: &[Mapping], request: &Request<'_>) -> Result<Outgoing, String> {
    let mut outgoing = Outgoing {
        headers: request.headers.clone(),
        query: request.query.to_vec(),
        query_changed: false,
        path: None,
    };
    // The body is read as JSON once, and only if a mapping reads it.
    let body = std::cell::OnceCell::new();
    for mapping in mappings {
        let value = evaluate(&mapping.value, request, &body)?;
        match (&mapping.parameter, mapping.action) {
            (Parameter::Header(name), action) => {
                let header = HeaderName::try_from(name.as_str())
                    .map_err(|_| format!("{name} is not a header name"))?;
                if action != Action::Append {
                    outgoing.headers.remove(&header);
                }
                if action != Action::Remove {
                    let value = HeaderValue::from_str(&value).map_err(|_| {
                        format!("the mapped value of header {name} is not a header value")
                    })?;
                    outgoing.headers.append(header, value);
                }
            }
            (Parameter::QueryString(name), action) => {
                outgoing.query_changed = true;
                if action != Action::Append {
                    outgoing.query.retain(|(key, _)| key != name);
                }
                if action != Action::Remove {
                    outgoing.query.push((name.clone(), value));
                }
            }
            (Parameter::Path, _) => outgoing.path = Some(value),
        }
    }
    Ok(outgoing)
}

fn evaluate(
    parts: &[Part],
    request: &Request<'_>,
    body: &std::cell::OnceCell<Json>,
) -> Result<String, String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Header(name) => {
                let values: Vec<&str> = request
                    .headers
                    .get_all(name.as_str())
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .collect();
                out.push_str(&values.join(","));
            }
            Part::QueryString(name) => {
                let values: Vec<&str> = request
                    .query
                    .iter()
                    .filter(|(key, _)| key == name)
                    .map(|(_, value)| value.as_str())
                    .collect();
                out.push_str(&values.join(","));
            }
            Part::Body(path) => {
                let body =
                    body.get_or_init(|| serde_json::from_slice(request.body).unwrap_or(Json::Null));
                let found = path.iter().try_fold(body, |value, key| value.get(key));
                match found {
                    Some(Json::String(text)) => out.push_str(text),
                    Some(other) => out.push_str(&other.to_string()),
                    None => {}
                }
            }
            Part::Path => out.push_str(request.path),
            Part::PathParameter(name) => {
                out.push_str(request.path_parameters.get(name).map_or("", String::as_str));
            }
            Part::Context(name) => out.push_str(&(request.context)(name)),
            Part::StageVariable(name) => out.push_str(
                super::stage_variables::lookup(name, request.stage, request.stage_variables)
                    .map_err(|unresolved| unresolved.to_string())?,
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        headers: &'a HeaderMap,
        query: &'a [(String, String)],
        variables: &'a BTreeMap<String, String>,
        parameters: &'a BTreeMap<String, String>,
    ) -> Request<'a> {
        Request {
            headers,
            query,
            body: br#"{"user": {"id": "u-1"}}"#,
            path: "/pets/7",
            path_parameters: parameters,
            stage: "prod",
            stage_variables: variables,
            context: &|name| format!("<{name}>"),
        }
    }

    #[test]
    fn mappings_change_headers_query_and_path() {
        let mappings: Vec<Mapping> = [
            ("overwrite:header.x-version", "$stageVariables.version"),
            ("append:header.x-seen", "${request.header.x-seen}-again"),
            ("remove:header.cookie", ""),
            ("overwrite:querystring.user", "$request.body.user.id"),
            ("append:querystring.from", "$context.requestId"),
            ("overwrite:path", "/v2/pets/${request.path.id}"),
        ]
        .iter()
        .map(|(key, value)| parse(key, value).unwrap())
        .collect();
        let mut headers = HeaderMap::new();
        headers.insert("x-seen", HeaderValue::from_static("once"));
        headers.insert("cookie", HeaderValue::from_static("a=1"));
        let query = vec![("user".to_owned(), "old".to_owned())];
        let variables = BTreeMap::from([("version".to_owned(), "2".to_owned())]);
        let parameters = BTreeMap::from([("id".to_owned(), "7".to_owned())]);
        let outgoing = apply(
            &mappings,
            &request(&headers, &query, &variables, &parameters),
        )
        .unwrap();
        assert_eq!(outgoing.headers["x-version"], "2");
        let seen: Vec<&str> = outgoing
            .headers
            .get_all("x-seen")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(seen, ["once", "once-again"]);
        assert!(outgoing.headers.get("cookie").is_none());
        assert_eq!(
            outgoing.query,
            [
                ("user".to_owned(), "u-1".to_owned()),
                ("from".to_owned(), "<requestId>".to_owned())
            ]
        );
        assert_eq!(outgoing.path.as_deref(), Some("/v2/pets/7"));
    }

    #[test]
    fn bad_keys_and_values_are_refused_and_missing_stage_variables_explained() {
        for (key, value) in [
            ("replace:header.x", "a"),
            ("overwrite:body", "a"),
            ("append:path", "/x"),
            ("overwrite:header.x", "$request.cookie.a"),
            ("overwrite:header.x", "$context.nope"),
            ("overwrite:header.x", "${stageVariables.a"),
        ] {
            assert!(parse(key, value).is_err(), "{key} = {value}");
        }
        let mapping = parse("overwrite:header.x", "$stageVariables.missing").unwrap();
        let (headers, variables, parameters) = (HeaderMap::new(), BTreeMap::new(), BTreeMap::new());
        assert_eq!(
            apply(&[mapping], &request(&headers, &[], &variables, &parameters)).unwrap_err(),
            "the stage variable missing is used by the integration but stage prod does not define it"
        );
    }
}
