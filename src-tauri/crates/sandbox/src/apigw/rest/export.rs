//! GetExport: a REST API stage as an OpenAPI 3.0 (`oas30`) or Swagger 2.0 (`swagger`) document,
//! as API Gateway exports it — paths from the deployed resources, one operation per method with
//! its path parameters, request body model and method responses; models as schemas; API keys as
//! a security scheme; and with the `integrations` or `apigateway` extensions each method's
//! `x-amazon-apigateway-integration`.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use super::model::{Authorizer, Deployment, Integration, Method, Model, RestApi};

/// The two documents API Gateway exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenApi3,
    Swagger2,
}

impl Format {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "oas30" => Some(Self::OpenApi3),
            "swagger" => Some(Self::Swagger2),
            _ => None,
        }
    }
}

/// Where the stage is served: its invoke URL's host and base path.
pub struct Server<'a> {
    pub url: &'a str,
    pub stage: &'a str,
}

/// The document of `deployment` (what `stage` serves) of `api`.
pub fn document(
    api: &RestApi,
    deployment: &Deployment,
    server: &Server<'_>,
    format: Format,
    integrations: bool,
) -> Json {
    let schema_ref = |name: &str| match format {
        Format::OpenApi3 => format!("#/components/schemas/{name}"),
        Format::Swagger2 => format!("#/definitions/{name}"),
    };
    let mut paths: Map<String, Json> = Map::new();
    let mut uses_keys = false;
    let mut schemes: Map<String, Json> = Map::new();
    for (id, resource) in &deployment.resources {
        if resource.methods.is_empty() {
            continue;
        }
        let path = super::model::path_in(&deployment.resources, id);
        let mut operations = Map::new();
        for method in resource.methods.values() {
            uses_keys |= method.api_key_required;
            let mut operation = operation(method, &path, format, &schema_ref, integrations);
            if let Some(authorizer) = method
                .authorizer_id
                .as_ref()
                .and_then(|id| api.authorizers.get(id))
            {
                let requirement = &mut operation["security"];
                if !requirement.is_array() {
                    *requirement = json!([{}]);
                }
                requirement[0][authorizer.name.as_str()] = json!(method.authorization_scopes);
                schemes.insert(
                    authorizer.name.clone(),
                    security_scheme(authorizer, integrations),
                );
            }
            if integrations
                && let Some(validator) = method
                    .request_validator_id
                    .as_ref()
                    .and_then(|id| deployment.request_validators.get(id))
            {
                operation["x-amazon-apigateway-request-validator"] = json!(
                    validator
                        .name
                        .clone()
                        .unwrap_or_else(|| validator.id.clone())
                );
            }
            let name = if method.http_method == "ANY" {
                "x-amazon-apigateway-any-method".to_owned()
            } else {
                method.http_method.to_ascii_lowercase()
            };
            operations.insert(name, operation);
        }
        paths.insert(path, Json::Object(operations));
    }
    let schemas: Map<String, Json> = deployment
        .models
        .values()
        .map(|model| (model.name.clone(), model_schema(model)))
        .collect();
    if uses_keys {
        schemes.insert(
            "api_key".into(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
        );
    }
    let info = json!({
        "title": api.name,
        "version": crate::clock::iso8601_millis(api.created_date * 1000),
    });
    let mut document = match format {
        Format::OpenApi3 => {
            let mut document = json!({
                "openapi": "3.0.1",
                "info": info,
                "servers": [{
                    "url": format!("{}/{{basePath}}", server.url.trim_end_matches('/')),
                    "variables": {"basePath": {"default": server.stage}},
                }],
                "paths": paths,
                "components": {"schemas": schemas},
            });
            if !schemes.is_empty() {
                document["components"]["securitySchemes"] = Json::Object(schemes);
            }
            document
        }
        Format::Swagger2 => {
            let (scheme, host) = server
                .url
                .split_once("://")
                .unwrap_or(("https", server.url));
            let mut document = json!({
                "swagger": "2.0",
                "info": info,
                "host": host.trim_end_matches('/'),
                "basePath": format!("/{}", server.stage),
                "schemes": [scheme],
                "paths": paths,
                "definitions": schemas,
            });
            if !schemes.is_empty() {
                document["securityDefinitions"] = Json::Object(schemes);
            }
            document
        }
    };
    if integrations {
        add_api_extensions(&mut document, deployment);
    }
    document
}

/// The API-wide extensions of a deployment: its request validators (by name) and the gateway
/// responses it customized.
fn add_api_extensions(document: &mut Json, deployment: &Deployment) {
    if !deployment.request_validators.is_empty() {
        let validators: Map<String, Json> = deployment
            .request_validators
            .values()
            .map(|validator| {
                (
                    validator
                        .name
                        .clone()
                        .unwrap_or_else(|| validator.id.clone()),
                    json!({
                        "validateRequestBody": validator.validate_request_body,
                        "validateRequestParameters": validator.validate_request_parameters,
                    }),
                )
            })
            .collect();
        document["x-amazon-apigateway-request-validators"] = Json::Object(validators);
    }
    if !deployment.gateway_responses.is_empty() {
        document["x-amazon-apigateway-gateway-responses"] =
            serde_json::to_value(&deployment.gateway_responses).unwrap_or_default();
    }
}

/// An authorizer as a security scheme: an API key-like header (the token's), with API
/// Gateway's `x-amazon-apigateway-authtype` and `-authorizer` extensions when asked for.
fn security_scheme(authorizer: &Authorizer, extensions: bool) -> Json {
    let header = authorizer
        .identity_source
        .as_deref()
        .and_then(|source| source.split(',').next())
        .and_then(|source| source.trim().strip_prefix("method.request.header."))
        .unwrap_or("Authorization");
    let mut scheme = json!({"type": "apiKey", "name": header, "in": "header"});
    if extensions {
        let kind = authorizer.authorizer_type.as_str().to_ascii_lowercase();
        scheme["x-amazon-apigateway-authtype"] = json!(if kind == "cognito_user_pools" {
            "cognito_user_pools"
        } else {
            "custom"
        });
        let mut extension = json!({
            "type": kind,
            "authorizerResultTtlInSeconds": authorizer.authorizer_result_ttl_in_seconds,
        });
        for (member, value) in [
            ("authorizerUri", &authorizer.authorizer_uri),
            ("authorizerCredentials", &authorizer.authorizer_credentials),
            ("identitySource", &authorizer.identity_source),
            (
                "identityValidationExpression",
                &authorizer.identity_validation_expression,
            ),
        ] {
            if let Some(value) = value {
                extension[member] = json!(value);
            }
        }
        if !authorizer.provider_arns.is_empty() {
            extension["providerARNs"] = json!(authorizer.provider_arns);
        }
        scheme["x-amazon-apigateway-authorizer"] = extension;
    }
    scheme
}

fn model_schema(model: &Model) -> Json {
    let mut schema = model
        .schema
        .as_deref()
        .and_then(|text| serde_json::from_str::<Json>(text).ok())
        .unwrap_or_else(|| json!({"type": "object"}));
    if let Some(members) = schema.as_object_mut() {
        // The document's own version says which JSON Schema it is.
        members.remove("$schema");
    }
    schema
}

fn operation(
    method: &Method,
    path: &str,
    format: Format,
    schema_ref: &dyn Fn(&str) -> String,
    integrations: bool,
) -> Json {
    let mut operation = Map::new();
    let mut parameters: Vec<Json> = path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| parameter(name.trim_end_matches('+'), "path", true, format))
        .collect();
    for (name, required) in &method.request_parameters {
        let Some((location, parameter_name)) = name
            .strip_prefix("method.request.")
            .and_then(|rest| rest.split_once('.'))
        else {
            continue;
        };
        let location = match location {
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        parameters.push(parameter(parameter_name, location, *required, format));
    }
    if let Some(model) = method.request_models.get("application/json") {
        match format {
            Format::OpenApi3 => {
                operation.insert(
                    "requestBody".into(),
                    json!({"content": {"application/json": {"schema": {"$ref": schema_ref(model)}}}, "required": true}),
                );
            }
            Format::Swagger2 => parameters.push(json!({
                "in": "body", "name": model, "required": true, "schema": {"$ref": schema_ref(model)},
            })),
        }
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Json::Array(parameters));
    }
    let responses: Map<String, Json> = method
        .method_responses
        .values()
        .map(|response| {
            let mut shown = json!({"description": format!("{} response", response.status_code)});
            if let Some(model) = response.response_models.get("application/json") {
                match format {
                    Format::OpenApi3 => {
                        shown["content"] =
                            json!({"application/json": {"schema": {"$ref": schema_ref(model)}}});
                    }
                    Format::Swagger2 => shown["schema"] = json!({"$ref": schema_ref(model)}),
                }
            }
            let headers: Map<String, Json> = response
                .response_parameters
                .keys()
                .filter_map(|name| name.strip_prefix("method.response.header."))
                .map(|header| {
                    let schema = match format {
                        Format::OpenApi3 => json!({"schema": {"type": "string"}}),
                        Format::Swagger2 => json!({"type": "string"}),
                    };
                    (header.to_owned(), schema)
                })
                .collect();
            if !headers.is_empty() {
                shown["headers"] = Json::Object(headers);
            }
            (response.status_code.clone(), shown)
        })
        .collect();
    operation.insert("responses".into(), Json::Object(responses));
    if method.api_key_required {
        operation.insert("security".into(), json!([{"api_key": []}]));
    }
    if integrations && let Some(integration) = &method.integration {
        operation.insert(
            "x-amazon-apigateway-integration".into(),
            integration_extension(integration),
        );
    }
    Json::Object(operation)
}

fn parameter(name: &str, location: &str, required: bool, format: Format) -> Json {
    match format {
        Format::OpenApi3 => {
            json!({"name": name, "in": location, "required": required, "schema": {"type": "string"}})
        }
        Format::Swagger2 => {
            json!({"name": name, "in": location, "required": required, "type": "string"})
        }
    }
}

/// `x-amazon-apigateway-integration`: the integration as the extension writes it (types and
/// the passthrough behaviour in lower case, responses keyed by selection pattern).
fn integration_extension(integration: &Integration) -> Json {
    let mut extension = json!({
        "type": integration.integration_type.as_str().to_ascii_lowercase(),
        "passthroughBehavior": integration.passthrough_behavior.as_str().to_ascii_lowercase(),
        "timeoutInMillis": integration.timeout_in_millis,
    });
    if let Some(method) = &integration.http_method {
        extension["httpMethod"] = json!(method);
    }
    if let Some(uri) = &integration.uri {
        extension["uri"] = json!(uri);
    }
    if !integration.request_templates.is_empty() {
        extension["requestTemplates"] = json!(integration.request_templates);
    }
    if !integration.request_parameters.is_empty() {
        extension["requestParameters"] = json!(integration.request_parameters);
    }
    let responses: BTreeMap<String, Json> = integration
        .integration_responses
        .values()
        .map(|response| {
            let key = response
                .selection_pattern
                .clone()
                .filter(|pattern| !pattern.is_empty())
                .unwrap_or_else(|| "default".to_owned());
            let mut shown = json!({"statusCode": response.status_code});
            let templates: BTreeMap<&String, &str> = response
                .response_templates
                .iter()
                .filter_map(|(media, template)| template.as_deref().map(|t| (media, t)))
                .collect();
            if !templates.is_empty() {
                shown["responseTemplates"] = json!(templates);
            }
            if !response.response_parameters.is_empty() {
                shown["responseParameters"] = json!(response.response_parameters);
            }
            (key, shown)
        })
        .collect();
    if !responses.is_empty() {
        extension["responses"] = json!(responses);
    }
    extension
}
