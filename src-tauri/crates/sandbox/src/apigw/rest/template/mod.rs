//! Mapping templates: the Velocity Template Language as API Gateway runs it on a non-proxy
//! integration's request and response bodies. [`parse`] reads a template into a tree (bounded
//! in size and nesting before anything is evaluated), [`eval`] renders it over [`Inputs`] —
//! `$input` (the payload, read with [`jsonpath`], and the method request's parameters),
//! `$context`, `$stageVariables` and `$util` ([`builtins`]) — with [`value`]s that behave as
//! the Java objects Velocity sees, and [`methods`] the Java methods templates call on them.
//! What a template sets in `$context.responseOverride` and `$context.requestOverride` comes
//! back in [`Rendered`].

mod ast;
mod builtins;
mod eval;
mod jsonpath;
mod methods;
mod parse;
mod value;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

pub use self::builtins::escape_javascript;
use self::value::Value;

/// API Gateway's limit on a mapping template's size.
pub const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("the mapping template is {0} bytes, over API Gateway's limit of 300 KB")]
    TooLarge(usize),
    #[error("the mapping template does not parse: line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Evaluation(String),
    /// `$input.path` or `$input.json` on a payload that is not JSON.
    #[error("Could not parse payload into json: {0}")]
    PayloadNotJson(String),
}

/// What a template reads.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// The payload: the method request's body, or the integration's answer.
    pub body: &'a [u8],
    pub path: &'a BTreeMap<String, String>,
    pub querystring: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    /// `$context`: the request context as a Lambda proxy event carries it.
    pub context: &'a serde_json::Value,
    pub stage_variables: &'a BTreeMap<String, String>,
    payload: OnceCell<Result<Value, TemplateError>>,
}

impl<'a> Inputs<'a> {
    pub fn new(
        body: &'a [u8],
        path: &'a BTreeMap<String, String>,
        querystring: &'a [(String, String)],
        headers: &'a [(String, String)],
        context: &'a serde_json::Value,
        stage_variables: &'a BTreeMap<String, String>,
    ) -> Self {
        Self {
            body,
            path,
            querystring,
            headers,
            context,
            stage_variables,
            payload: OnceCell::new(),
        }
    }

    fn body_text(&self) -> String {
        String::from_utf8_lossy(self.body).into_owned()
    }

    /// The payload as JSON, parsed once; an empty payload reads as `{}`, as API Gateway's does.
    fn payload(&self) -> Result<Value, TemplateError> {
        self.payload
            .get_or_init(|| {
                let text = String::from_utf8_lossy(self.body);
                if text.trim().is_empty() {
                    return Ok(Value::map(value::Map::new()));
                }
                Value::from_json(&text)
                    .map_err(|error| TemplateError::PayloadNotJson(error.to_string()))
            })
            .clone()
    }

    /// `$input.params()`: `path`, `querystring` and `header`, each a map of names to values.
    fn all_parameters(&self) -> Value {
        let pairs = |pairs: &[(String, String)]| {
            Value::string_map(
                pairs
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            )
        };
        Value::map(value::Map::from([
            (
                "path".to_owned(),
                Value::string_map(self.path.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
            ("querystring".to_owned(), pairs(self.querystring)),
            ("header".to_owned(), pairs(self.headers)),
        ]))
    }

    /// `$input.params(name)`: the path, then the query string, then the headers (by any case).
    fn parameter(&self, name: &str) -> Option<String> {
        self.path
            .get(name)
            .or_else(|| {
                self.querystring
                    .iter()
                    .rev()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value)
            })
            .or_else(|| {
                self.headers
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value)
            })
            .cloned()
    }
}

/// A rendered template and what it asked API Gateway to override.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Rendered {
    pub output: String,
    /// `$context.responseOverride.status`.
    pub status: Option<String>,
    /// `$context.responseOverride.header.*`.
    pub response_headers: Vec<(String, String)>,
    /// `$context.requestOverride.header.*`, `.querystring.*` and `.path.*`.
    pub request_headers: Vec<(String, String)>,
    pub request_querystring: Vec<(String, String)>,
    pub request_path: Vec<(String, String)>,
    /// How many `#foreach` loops stopped at API Gateway's 1,000 iterations.
    pub truncated_loops: usize,
}

/// Parses and renders `template` over `inputs`.
pub fn render(template: &str, inputs: &Inputs<'_>) -> Result<Rendered, TemplateError> {
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::TooLarge(template.len()));
    }
    let nodes = parse::template(template)?;
    let context = Value::from_serde(inputs.context);
    let overrides = ["requestOverride", "responseOverride"].map(|name| {
        let sections: &[&str] = if name == "requestOverride" {
            &["header", "querystring", "path"]
        } else {
            &["header"]
        };
        let map = Value::map(
            sections
                .iter()
                .map(|section| ((*section).to_owned(), Value::map(value::Map::new())))
                .collect(),
        );
        (name, map)
    });
    if let Value::Map(entries) = &context {
        let mut entries = entries.borrow_mut();
        for (name, map) in &overrides {
            entries.insert((*name).to_owned(), map.clone());
        }
    }
    let variables = HashMap::from([
        ("input".to_owned(), Value::Input),
        ("util".to_owned(), Value::Util),
        ("context".to_owned(), context),
        (
            "stageVariables".to_owned(),
            Value::string_map(
                inputs
                    .stage_variables
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        ),
    ]);
    let mut renderer = eval::Renderer::new(inputs, variables);
    let output = renderer.render(&nodes)?;
    let section = |map: &Value, name: &str| -> Vec<(String, String)> {
        match map {
            Value::Map(entries) => match entries.borrow().get(name) {
                Some(Value::Map(section)) => section
                    .borrow()
                    .iter()
                    .filter(|(_, value)| !value.is_null())
                    .map(|(key, value)| (key.clone(), value.render()))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    let [(_, request), (_, response)] = &overrides;
    let status = match response {
        Value::Map(entries) => entries
            .borrow()
            .get("status")
            .filter(|value| !value.is_null())
            .map(Value::render),
        _ => None,
    };
    Ok(Rendered {
        output,
        status,
        response_headers: section(response, "header"),
        request_headers: section(request, "header"),
        request_querystring: section(request, "querystring"),
        request_path: section(request, "path"),
        truncated_loops: renderer.truncated_loops,
    })
}

#[cfg(test)]
mod tests;
