//! ExportApi: an HTTP API as an OpenAPI 3.0 document with API Gateway's extensions, in JSON or
//! YAML, as the console's "Export" gives it.

use serde_json::{Map, Value as Json, json};

use super::model::Api;
use super::routing::{RouteKey, Segment};

/// The OpenAPI document of `api`; `server` is the stage's URL when a stage was named.
pub fn openapi(api: &Api, server: Option<String>) -> Json {
    let mut paths: Map<String, Json> = Map::new();
    for route in api.routes.values() {
        let (path, method, parameters) = match RouteKey::parse(&route.route_key) {
            Ok(RouteKey::Path { method, segments }) => {
                let path = format!(
                    "/{}",
                    segments
                        .iter()
                        .map(|s| match s {
                            Segment::Literal(l) => l.clone(),
                            Segment::Param(p) => format!("{{{p}}}"),
                            Segment::Greedy(p) => format!("{{{p}+}}"),
                        })
                        .collect::<Vec<_>>()
                        .join("/")
                );
                let parameters: Vec<Json> = segments
                    .iter()
                    .filter_map(|s| match s {
                        Segment::Param(p) | Segment::Greedy(p) => Some(json!({
                            "name": format!("{p}{}", if matches!(s, Segment::Greedy(_)) { "+" } else { "" }),
                            "in": "path",
                            "required": true,
                            "schema": {"type": "string"},
                        })),
                        Segment::Literal(_) => None,
                    })
                    .collect();
                (path, method, parameters)
            }
            _ => ("/$default".to_owned(), "ANY".to_owned(), Vec::new()),
        };
        let mut operation = json!({
            "responses": {"default": {"description": format!("Default response for {}", route.route_key)}},
        });
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if let Some(integration) = route
            .target
            .as_deref()
            .and_then(|t| t.strip_prefix("integrations/"))
            .and_then(|id| api.integrations.get(id))
        {
            operation["x-amazon-apigateway-integration"] = json!({
                "payloadFormatVersion": integration.payload_format_version,
                "type": integration.integration_type.as_str().to_lowercase(),
                "httpMethod": integration.integration_method.clone().unwrap_or_else(|| "POST".to_owned()),
                "uri": integration.integration_uri,
                "connectionType": "INTERNET",
                "timeoutInMillis": integration.timeout_millis,
            });
        }
        let key = if method == "ANY" {
            "x-amazon-apigateway-any-method".to_owned()
        } else {
            method.to_lowercase()
        };
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[key] = operation;
    }
    let mut document = json!({
        "openapi": "3.0.1",
        "info": {"title": api.name, "version": api.version.clone().unwrap_or_else(|| api.created.clone())},
        "paths": paths,
        "x-amazon-apigateway-importexport-version": "1.0",
    });
    if let Some(description) = &api.description {
        document["info"]["description"] = json!(description);
    }
    if let Some(url) = server {
        document["servers"] = json!([{"url": url}]);
    }
    if let Some(cors) = &api.cors {
        document["x-amazon-apigateway-cors"] = json!(cors);
    }
    document
}

/// `value` as YAML: block mappings and sequences, every string double-quoted (valid YAML).
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out);
    out
}

fn scalar(value: &Json) -> String {
    match value {
        Json::String(s) => Json::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

fn write_yaml(value: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                let key = Json::String(key.clone()).to_string();
                match item {
                    Json::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    Json::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{key}: {}\n", flow(item))),
                }
            }
        }
        Json::Array(list) if !list.is_empty() => {
            for item in list {
                match item {
                    Json::Object(m) if !m.is_empty() => {
                        let mut nested = String::new();
                        write_yaml(item, indent + 2, &mut nested);
                        let nested = nested.trim_start();
                        out.push_str(&format!("{pad}- {nested}"));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", flow(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", flow(other))),
    }
}

fn flow(value: &Json) -> String {
    match value {
        Json::Object(m) if m.is_empty() => "{}".to_owned(),
        Json::Array(a) if a.is_empty() => "[]".to_owned(),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_is_block_style() {
        let value = json!({"openapi": "3.0.1", "paths": {"/": {"get": {"tags": ["a", "b"], "x": 1}}}, "e": {}});
        assert_eq!(
            to_yaml(&value),
            "\"e\": {}\n\"openapi\": \"3.0.1\"\n\"paths\":\n  \"/\":\n    \"get\":\n      \"tags\":\n        - \"a\"\n        - \"b\"\n      \"x\": 1\n"
        );
    }
}
