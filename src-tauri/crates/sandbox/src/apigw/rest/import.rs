//! An OpenAPI 3.0 or Swagger 2.0 document (JSON or YAML, at most 6 MB, as API Gateway takes
//! it) read into a REST API's parts: a resource per path part, a method per operation (with its
//! path, query and header parameters, its request model, its responses and, from
//! `x-amazon-apigateway-integration`, its integration), models from the schemas, and the
//! `x-amazon-apigateway-api-key-source`, `-binary-media-types`, `-request-validators` (with the
//! document's and each operation's `-request-validator`) and `-gateway-responses` extensions,
//! and authorizers from the security schemes with `x-amazon-apigateway-authorizer` (the
//! operations whose `security` names one use it; an `x-api-key` scheme requires an API key). A
//! document API Gateway would refuse is refused with the reason.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::model::gateway_response::is_response_type;
use super::model::{
    ApiKeySource, AuthorizationType, Authorizer, AuthorizerType, GatewayResponse, Integration,
    IntegrationResponse, IntegrationType, Method, MethodResponse, Model, PassthroughBehavior,
    RequestValidator, Resource,
};
use crate::apigw::model::new_id;

/// API Gateway's limit on an imported definition.
pub const MAX_DOCUMENT_BYTES: usize = 6 * 1024 * 1024;

/// The operations an OpenAPI path item may hold, as API Gateway's methods.
const OPERATIONS: [(&str, &str); 8] = [
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// What a document defines.
#[derive(Debug)]
pub struct Imported {
    pub name: Option<String>,
    pub description: Option<String>,
    pub api_key_source: Option<ApiKeySource>,
    pub binary_media_types: Vec<String>,
    /// Resources by path (`/`, `/items`, `/items/{id}`), each with its methods.
    pub paths: BTreeMap<String, BTreeMap<String, Method>>,
    pub models: BTreeMap<String, Model>,
    /// `x-amazon-apigateway-request-validators`, which methods name by their ids.
    pub request_validators: Vec<RequestValidator>,
    /// `x-amazon-apigateway-gateway-responses`, by response type.
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Authorizers from the security schemes with `x-amazon-apigateway-authorizer`.
    pub authorizers: Vec<Authorizer>,
}

/// Reads a document, JSON or YAML.
pub fn read(body: &[u8]) -> Result<Imported, String> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the definition is {} bytes, over the 6 MB API Gateway imports",
            body.len()
        ));
    }
    let text =
        std::str::from_utf8(body).map_err(|_| "the definition is not UTF-8 text".to_owned())?;
    let document: Json = if text.trim_start().starts_with('{') {
        serde_json::from_str(text)
            .map_err(|error| format!("the definition is not valid JSON: {error}"))?
    } else {
        serde_yaml_ng::from_str(text)
            .map_err(|error| format!("the definition is not valid JSON or YAML: {error}"))?
    };
    let swagger = document
        .get("swagger")
        .and_then(Json::as_str)
        .is_some_and(|v| v.starts_with("2."));
    let openapi = document
        .get("openapi")
        .and_then(Json::as_str)
        .is_some_and(|v| v.starts_with("3."));
    if !swagger && !openapi {
        return Err("the definition is neither Swagger 2.0 (swagger: \"2.0\") nor OpenAPI 3.0 (openapi: \"3.0.x\")".into());
    }
    let schemas = if openapi {
        document.pointer("/components/schemas")
    } else {
        document.get("definitions")
    };
    let models: BTreeMap<String, Model> = schemas
        .and_then(Json::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(name, _)| name.chars().all(|c| c.is_ascii_alphanumeric()))
                .map(|(name, schema)| {
                    let mut schema = schema.clone();
                    if let Some(members) = schema.as_object_mut() {
                        members.insert(
                            "$schema".into(),
                            Json::from("http://json-schema.org/draft-04/schema#"),
                        );
                        members
                            .entry("title")
                            .or_insert_with(|| Json::from(name.as_str()));
                    }
                    let model = Model {
                        id: new_id(6),
                        name: name.clone(),
                        description: None,
                        schema: Some(serde_json::to_string_pretty(&schema).unwrap_or_default()),
                        content_type: "application/json".into(),
                    };
                    (name.clone(), model)
                })
                .collect()
        })
        .unwrap_or_default();
    let request_validators = request_validators(&document)?;
    let validator_ids: BTreeMap<&str, &str> = request_validators
        .iter()
        .map(|validator| {
            (
                validator.name.as_deref().unwrap_or_default(),
                validator.id.as_str(),
            )
        })
        .collect();
    let default_validator = document
        .get("x-amazon-apigateway-request-validator")
        .and_then(Json::as_str);
    let schemes = security_schemes(&document, openapi)?;
    let default_security = document.get("security");
    let mut paths = BTreeMap::new();
    if let Some(items) = document.get("paths").and_then(Json::as_object) {
        for (path, item) in items {
            if !path.starts_with('/') {
                return Err(format!("the path {path:?} does not start with /"));
            }
            let shared = item
                .get("parameters")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            let mut methods = BTreeMap::new();
            for (key, http_method) in OPERATIONS {
                if let Some(operation) = item.get(key) {
                    let mut method = method(http_method, operation, &shared, openapi)?;
                    let security = operation.get("security").or(default_security);
                    schemes.secure(&mut method, security);
                    let validator = operation
                        .get("x-amazon-apigateway-request-validator")
                        .and_then(Json::as_str)
                        .or(default_validator);
                    if let Some(name) = validator {
                        let id = validator_ids.get(name).ok_or_else(|| {
                            format!(
                                "{http_method} {path}: the request validator {name:?} is not in x-amazon-apigateway-request-validators"
                            )
                        })?;
                        method.request_validator_id = Some((*id).to_owned());
                    }
                    methods.insert(http_method.to_owned(), method);
                }
            }
            paths.insert(path.clone(), methods);
        }
    }
    let info = document.get("info");
    let text = |value: Option<&Json>| value.and_then(Json::as_str).map(str::to_owned);
    Ok(Imported {
        name: text(info.and_then(|info| info.get("title"))),
        description: text(info.and_then(|info| info.get("description"))),
        api_key_source: text(document.get("x-amazon-apigateway-api-key-source"))
            .and_then(|source| ApiKeySource::parse(&source)),
        binary_media_types: document
            .get("x-amazon-apigateway-binary-media-types")
            .and_then(Json::as_array)
            .map(|types| {
                types
                    .iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        paths,
        models,
        request_validators,
        gateway_responses: gateway_responses(&document)?,
        authorizers: schemes.authorizers.into_values().collect(),
    })
}

/// The document's security schemes: authorizers by scheme name, and the API key schemes.
struct Schemes {
    authorizers: BTreeMap<String, Authorizer>,
    api_keys: Vec<String>,
}

impl Schemes {
    /// Applies an operation's security requirements (`[{"scheme": [scopes]}]`): an authorizer
    /// makes the method CUSTOM or COGNITO_USER_POOLS, an API key scheme requires a key.
    fn secure(&self, method: &mut Method, security: Option<&Json>) {
        let requirements = security.and_then(Json::as_array).into_iter().flatten();
        for (name, scopes) in requirements.filter_map(Json::as_object).flatten() {
            if let Some(authorizer) = self.authorizers.get(name) {
                method.authorization_type = match authorizer.authorizer_type {
                    AuthorizerType::CognitoUserPools => AuthorizationType::CognitoUserPools,
                    AuthorizerType::Token | AuthorizerType::Request => AuthorizationType::Custom,
                };
                method.authorizer_id = Some(authorizer.id.clone());
                method.authorization_scopes = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect();
            } else if name == "api_key" || self.api_keys.contains(name) {
                method.api_key_required = true;
            }
        }
    }
}

/// `components.securitySchemes` (OpenAPI 3) or `securityDefinitions` (Swagger 2).
fn security_schemes(document: &Json, openapi: bool) -> Result<Schemes, String> {
    let defined = if openapi {
        document.pointer("/components/securitySchemes")
    } else {
        document.get("securityDefinitions")
    };
    let mut schemes = Schemes {
        authorizers: BTreeMap::new(),
        api_keys: Vec::new(),
    };
    for (name, scheme) in defined.and_then(Json::as_object).into_iter().flatten() {
        let text = |value: Option<&Json>| value.and_then(Json::as_str).map(str::to_owned);
        let Some(extension) = scheme.get("x-amazon-apigateway-authorizer") else {
            let header = text(scheme.get("name")).unwrap_or_default();
            if text(scheme.get("type")).as_deref() == Some("apiKey")
                && header.eq_ignore_ascii_case("x-api-key")
            {
                schemes.api_keys.push(name.clone());
            }
            continue;
        };
        let kind = text(extension.get("type")).unwrap_or_default();
        let authorizer_type =
            AuthorizerType::parse(&kind.to_ascii_uppercase()).ok_or_else(|| {
                format!("the security scheme {name} has the unknown authorizer type {kind:?}")
            })?;
        // A token authorizer reads the scheme's header unless it names its own source.
        let identity_source = text(extension.get("identitySource")).or_else(|| {
            (authorizer_type != AuthorizerType::Request)
                .then(|| text(scheme.get("name")))
                .flatten()
                .map(|header| format!("method.request.header.{header}"))
        });
        let authorizer = Authorizer {
            id: new_id(6),
            name: name.clone(),
            authorizer_type,
            provider_arns: extension
                .get("providerARNs")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect(),
            auth_type: text(scheme.get("x-amazon-apigateway-authtype")),
            authorizer_uri: text(extension.get("authorizerUri")),
            authorizer_credentials: text(extension.get("authorizerCredentials")),
            identity_source,
            identity_validation_expression: text(extension.get("identityValidationExpression")),
            authorizer_result_ttl_in_seconds: extension
                .get("authorizerResultTtlInSeconds")
                .and_then(Json::as_i64)
                .unwrap_or(300),
        };
        schemes.authorizers.insert(name.clone(), authorizer);
    }
    Ok(schemes)
}

/// `x-amazon-apigateway-request-validators`: validators by name, each given an id.
fn request_validators(document: &Json) -> Result<Vec<RequestValidator>, String> {
    let Some(validators) = document.get("x-amazon-apigateway-request-validators") else {
        return Ok(Vec::new());
    };
    let validators = validators
        .as_object()
        .ok_or("x-amazon-apigateway-request-validators is not an object of validators by name")?;
    Ok(validators
        .iter()
        .map(|(name, validator)| {
            let flag = |member: &str| {
                validator
                    .get(member)
                    .and_then(Json::as_bool)
                    .unwrap_or(false)
            };
            RequestValidator {
                id: new_id(6),
                name: Some(name.clone()),
                validate_request_body: flag("validateRequestBody"),
                validate_request_parameters: flag("validateRequestParameters"),
            }
        })
        .collect())
}

/// `x-amazon-apigateway-gateway-responses`: the document's gateway responses by type.
fn gateway_responses(document: &Json) -> Result<BTreeMap<String, GatewayResponse>, String> {
    let Some(responses) = document.get("x-amazon-apigateway-gateway-responses") else {
        return Ok(BTreeMap::new());
    };
    let responses = responses
        .as_object()
        .ok_or("x-amazon-apigateway-gateway-responses is not an object of responses by type")?;
    responses
        .iter()
        .map(|(kind, response)| {
            if !is_response_type(kind) {
                return Err(format!(
                    "x-amazon-apigateway-gateway-responses names the unknown response type {kind:?}"
                ));
            }
            let response: GatewayResponse = serde_json::from_value(response.clone())
                .map_err(|error| format!("the gateway response {kind}: {error}"))?;
            Ok((kind.clone(), response))
        })
        .collect()
}

fn model_name(reference: &Json) -> Option<String> {
    reference
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

fn method(
    http_method: &str,
    operation: &Json,
    shared: &[Json],
    openapi: bool,
) -> Result<Method, String> {
    let mut request_parameters = BTreeMap::new();
    let mut request_models = BTreeMap::new();
    let parameters = shared.iter().chain(
        operation
            .get("parameters")
            .and_then(Json::as_array)
            .into_iter()
            .flatten(),
    );
    for parameter in parameters {
        let name = parameter
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let required = parameter
            .get("required")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        match parameter.get("in").and_then(Json::as_str) {
            Some("path") => {
                request_parameters.insert(format!("method.request.path.{name}"), true);
            }
            Some("query") => {
                request_parameters.insert(format!("method.request.querystring.{name}"), required);
            }
            Some("header") => {
                request_parameters.insert(format!("method.request.header.{name}"), required);
            }
            Some("body") => {
                if let Some(model) = parameter.get("schema").and_then(model_name) {
                    request_models.insert("application/json".to_owned(), model);
                }
            }
            _ => {}
        }
    }
    if openapi
        && let Some(content) = operation
            .pointer("/requestBody/content")
            .and_then(Json::as_object)
    {
        for (media, body) in content {
            if let Some(model) = body.get("schema").and_then(model_name) {
                request_models.insert(media.clone(), model);
            }
        }
    }
    let mut method_responses = BTreeMap::new();
    if let Some(responses) = operation.get("responses").and_then(Json::as_object) {
        for (status, response) in responses
            .iter()
            .filter(|(status, _)| status.parse::<u16>().is_ok())
        {
            let mut response_models = BTreeMap::new();
            let schema = if openapi {
                response.pointer("/content/application~1json/schema")
            } else {
                response.get("schema")
            };
            if let Some(model) = schema.and_then(model_name) {
                response_models.insert("application/json".to_owned(), model);
            }
            let response_parameters = response
                .get("headers")
                .and_then(Json::as_object)
                .map(|headers| {
                    headers
                        .keys()
                        .map(|header| (format!("method.response.header.{header}"), false))
                        .collect()
                })
                .unwrap_or_default();
            method_responses.insert(
                status.clone(),
                MethodResponse {
                    status_code: status.clone(),
                    response_parameters,
                    response_models,
                },
            );
        }
    }
    let integration = operation
        .get("x-amazon-apigateway-integration")
        .map(|extension| integration(http_method, extension))
        .transpose()?;
    Ok(Method {
        http_method: http_method.to_owned(),
        authorization_type: AuthorizationType::None,
        authorizer_id: None,
        api_key_required: false,
        request_validator_id: None,
        operation_name: operation
            .get("operationId")
            .and_then(Json::as_str)
            .map(str::to_owned),
        request_parameters,
        request_models,
        authorization_scopes: Vec::new(),
        method_responses,
        integration,
    })
}

fn strings(value: Option<&Json>) -> BTreeMap<String, String> {
    value
        .and_then(Json::as_object)
        .map(|members| {
            members
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn integration(http_method: &str, extension: &Json) -> Result<Integration, String> {
    let kind_text = extension
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let integration_type = IntegrationType::parse(&kind_text).ok_or_else(|| {
        format!("{http_method}: x-amazon-apigateway-integration has the unknown type {kind_text:?}")
    })?;
    let passthrough = extension
        .get("passthroughBehavior")
        .and_then(Json::as_str)
        .map(str::to_ascii_uppercase);
    let passthrough_behavior = match passthrough {
        Some(text) => PassthroughBehavior::parse(&text)
            .ok_or_else(|| format!("{http_method}: unknown passthroughBehavior {text:?}"))?,
        None => PassthroughBehavior::WhenNoMatch,
    };
    let mut integration_responses = BTreeMap::new();
    if let Some(responses) = extension.get("responses").and_then(Json::as_object) {
        for (pattern, response) in responses {
            let status = match response.get("statusCode") {
                Some(Json::String(status)) => status.clone(),
                Some(Json::Number(status)) => status.to_string(),
                _ => {
                    return Err(format!(
                        "{http_method}: the integration response {pattern:?} has no statusCode"
                    ));
                }
            };
            let templates: Map<String, Json> = response
                .get("responseTemplates")
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default();
            integration_responses.insert(
                status.clone(),
                IntegrationResponse {
                    status_code: status,
                    selection_pattern: (pattern != "default").then(|| pattern.clone()),
                    response_parameters: strings(response.get("responseParameters")),
                    response_templates: templates
                        .into_iter()
                        .map(|(media, template)| (media, template.as_str().map(str::to_owned)))
                        .collect(),
                    content_handling: response
                        .get("contentHandling")
                        .and_then(Json::as_str)
                        .map(str::to_owned),
                },
            );
        }
    }
    Ok(Integration {
        integration_type,
        http_method: extension
            .get("httpMethod")
            .and_then(Json::as_str)
            .map(str::to_owned),
        uri: extension
            .get("uri")
            .and_then(Json::as_str)
            .map(str::to_owned),
        connection_type: "INTERNET".into(),
        credentials: extension
            .get("credentials")
            .and_then(Json::as_str)
            .map(str::to_owned),
        request_parameters: strings(extension.get("requestParameters")),
        request_templates: strings(extension.get("requestTemplates")),
        passthrough_behavior,
        content_handling: extension
            .get("contentHandling")
            .and_then(Json::as_str)
            .map(str::to_owned),
        timeout_in_millis: extension
            .get("timeoutInMillis")
            .and_then(Json::as_u64)
            .map_or(29_000, |t| t.clamp(50, 29_000) as u32),
        cache_namespace: new_id(6),
        cache_key_parameters: Vec::new(),
        integration_responses,
    })
}

/// Builds the resource tree under `root` for `paths`, reusing the resources `existing` has
/// (merge) or starting from the root alone (overwrite and import).
pub fn place(
    resources: &mut BTreeMap<String, Resource>,
    root: &str,
    paths: BTreeMap<String, BTreeMap<String, Method>>,
) {
    for (path, methods) in paths {
        let mut current = root.to_owned();
        for part in path.split('/').filter(|part| !part.is_empty()) {
            let found = resources
                .values()
                .find(|r| {
                    r.parent_id.as_deref() == Some(current.as_str())
                        && r.path_part.as_deref() == Some(part)
                })
                .map(|r| r.id.clone());
            current = match found {
                Some(id) => id,
                None => {
                    let id = new_id(6);
                    resources.insert(
                        id.clone(),
                        Resource {
                            id: id.clone(),
                            parent_id: Some(current.clone()),
                            path_part: Some(part.to_owned()),
                            methods: BTreeMap::new(),
                        },
                    );
                    id
                }
            };
        }
        if let Some(resource) = resources.get_mut(&current) {
            resource.methods.extend(methods);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_swagger_document_becomes_resources_methods_and_models() {
        let yaml = r##"
swagger: "2.0"
info:
  title: PetStore
paths:
  /pets/{petId}:
    get:
      parameters:
        - {name: petId, in: path, required: true, type: string}
        - {name: fields, in: query, required: false, type: string}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Pet"}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200"}
definitions:
  Pet: {type: object}
"##;
        let imported = read(yaml.as_bytes()).unwrap();
        assert_eq!(imported.name.as_deref(), Some("PetStore"));
        let get = &imported.paths["/pets/{petId}"]["GET"];
        assert!(get.request_parameters["method.request.path.petId"]);
        assert!(!get.request_parameters["method.request.querystring.fields"]);
        let integration = get.integration.as_ref().unwrap();
        assert_eq!(integration.integration_type, IntegrationType::Mock);
        assert_eq!(
            integration.integration_responses["200"].selection_pattern,
            None
        );
        assert!(imported.models.contains_key("Pet"));
    }

    #[test]
    fn documents_api_gateway_refuses_are_refused() {
        for document in [
            "{}",
            "not: [yaml",
            r#"{"openapi": "3.0.1", "paths": {"nope": {}}}"#,
        ] {
            assert!(read(document.as_bytes()).is_err(), "{document}");
        }
        let unknown = r#"{"openapi": "3.0.1", "paths": {"/": {"get": {"x-amazon-apigateway-integration": {"type": "soap"}}}}}"#;
        assert!(
            read(unknown.as_bytes())
                .unwrap_err()
                .contains("unknown type")
        );
    }
}
