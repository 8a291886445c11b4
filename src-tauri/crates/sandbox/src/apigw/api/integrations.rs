//! Integrations (AWS_PROXY, HTTP_PROXY, and MOCK for WebSocket APIs) and WebSocket integration
//! responses.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::{Answer, items, one, parse, remove};
use crate::apigw::model::{Integration, IntegrationResponse, IntegrationType, new_id};
use crate::apigw::{
    ApiGateway, bad_request, conflict, integration_uri, not_found, parameter_mapping,
};
use crate::store::Scope;
use crate::wire::AwsError;
use crate::wire::Reply;
use crate::wire::rest::Call;

/// A WebSocket integration's timeout when none is given, which is also its longest.
const WEBSOCKET_TIMEOUT_MILLIS: u32 = 29_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationInput {
    integration_type: Option<String>,
    integration_uri: Option<String>,
    integration_method: Option<String>,
    payload_format_version: Option<String>,
    timeout_in_millis: Option<i64>,
    description: Option<String>,
    request_parameters: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationResponseInput {
    integration_response_key: Option<String>,
    template_selection_expression: Option<String>,
    response_templates: Option<Json>,
    content_handling_strategy: Option<String>,
}

fn check_integration(
    input: &IntegrationInput,
    integration: &mut Integration,
    websocket: bool,
) -> Result<(), AwsError> {
    if let Some(text) = &input.integration_type {
        let kind = IntegrationType::parse(text);
        let served = match kind {
            Some(IntegrationType::AwsProxy | IntegrationType::HttpProxy) => true,
            Some(IntegrationType::Mock) => websocket,
            _ => false,
        };
        match kind {
            Some(kind) if served => integration.integration_type = kind,
            _ if websocket => {
                return Err(bad_request(format!(
                    "Unsupported integration type '{text}' in the sandbox's WebSocket APIs: use \
                     AWS_PROXY, HTTP_PROXY or MOCK"
                )));
            }
            _ => {
                return Err(bad_request(format!(
                    "Unsupported integration type '{text}' for an HTTP API: use AWS_PROXY or HTTP_PROXY"
                )));
            }
        }
    }
    if let Some(uri) = &input.integration_uri {
        integration.integration_uri = Some(uri.clone());
    }
    if let Some(method) = &input.integration_method {
        integration.integration_method = Some(method.clone());
    }
    if let Some(version) = &input.payload_format_version {
        if websocket && version != "1.0" {
            return Err(bad_request(format!(
                "Invalid payload format version specified: {version}. WebSocket APIs support \
                 only 1.0"
            )));
        }
        if version != "1.0" && version != "2.0" {
            return Err(bad_request(format!(
                "Invalid payload format version specified: {version}. Valid values are 1.0 and 2.0"
            )));
        }
        integration.payload_format_version = version.clone();
    }
    if let Some(timeout) = input.timeout_in_millis {
        // WebSocket integrations may wait 29 seconds at most, HTTP API ones 30.
        let (longest, seconds) = if websocket {
            (i64::from(WEBSOCKET_TIMEOUT_MILLIS), 29)
        } else {
            (30_000, 30)
        };
        if !(50..=longest).contains(&timeout) {
            return Err(bad_request(format!(
                "Timeout must be between 50 milliseconds and {seconds} seconds."
            )));
        }
        integration.timeout_millis = timeout as u32;
    }
    if input.description.is_some() {
        integration.description = input.description.clone();
    }
    if integration.integration_type == IntegrationType::HttpProxy
        && integration.integration_method.is_none()
    {
        return Err(bad_request(
            "IntegrationMethod is required for HTTP_PROXY integrations.",
        ));
    }
    if integration.integration_uri.is_none()
        && integration.integration_type != IntegrationType::Mock
    {
        return Err(bad_request(
            "IntegrationUri is required for AWS_PROXY and HTTP_PROXY integrations.",
        ));
    }
    if let Some(uri) = &integration.integration_uri
        && !integration_uri::is_valid(integration.integration_type, uri)
    {
        return Err(bad_request(integration_uri::INVALID));
    }
    if let Some(parameters) = &input.request_parameters {
        integration.request_parameters = parameters.clone();
    }
    if !integration.request_parameters.is_empty() {
        if websocket || integration.integration_type != IntegrationType::HttpProxy {
            return Err(bad_request(
                "requestParameters are served by the sandbox for HTTP API HTTP_PROXY \
                 integrations only (AWS_PROXY takes them with an integrationSubtype, which the \
                 sandbox does not serve)",
            ));
        }
        for (key, value) in &integration.request_parameters {
            parameter_mapping::parse(key, value).map_err(bad_request)?;
        }
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn create_integration(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, body) = (call.label("apiId"), &call.body);
        let input: IntegrationInput = parse(body)?;
        if input.integration_type.is_none() {
            return Err(bad_request("Invalid input: integrationType is required"));
        }
        let mut integration = Integration {
            id: new_id(7),
            // Replaced by the input's, which `check_integration` reads.
            integration_type: IntegrationType::AwsProxy,
            integration_uri: None,
            integration_method: None,
            payload_format_version: "2.0".to_owned(),
            timeout_millis: 30_000,
            description: None,
            responses: BTreeMap::new(),
            request_parameters: BTreeMap::new(),
        };
        self.change(scope, id, |api| {
            if api.is_websocket() {
                integration.timeout_millis = WEBSOCKET_TIMEOUT_MILLIS;
            }
            check_integration(&input, &mut integration, api.is_websocket())?;
            if (integration.integration_type == IntegrationType::HttpProxy || api.is_websocket())
                && input.payload_format_version.is_none()
            {
                integration.payload_format_version = "1.0".to_owned();
            }
            let answer = integration.to_json();
            api.integrations.insert(integration.id.clone(), integration);
            Ok(Reply::created(answer))
        })
    }

    pub(in crate::apigw) fn get_integrations(&self, scope: &Scope, call: &Call) -> Answer {
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(&api.integrations, Integration::to_json))
        })
    }

    pub(in crate::apigw) fn get_integration(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("integrationId");
        self.read(scope, call.label("apiId"), |api, _| {
            one(
                &api.integrations,
                member,
                "Integration",
                Integration::to_json,
            )
        })
    }

    pub(in crate::apigw) fn update_integration(&self, scope: &Scope, call: &Call) -> Answer {
        let (id, integration, body) =
            (call.label("apiId"), call.label("integrationId"), &call.body);
        let input: IntegrationInput = parse(body)?;
        self.change(scope, id, |api| {
            let websocket = api.is_websocket();
            let current = api.integrations.get_mut(integration).ok_or_else(|| {
                not_found(format!(
                    "Invalid Integration identifier specified {integration}"
                ))
            })?;
            let mut updated = current.clone();
            check_integration(&input, &mut updated, websocket)?;
            *current = updated;
            Ok(Reply::ok(current.to_json()))
        })
    }

    pub(in crate::apigw) fn delete_integration(&self, scope: &Scope, call: &Call) -> Answer {
        let member = call.label("integrationId");
        self.change(scope, call.label("apiId"), |api| {
            remove(&mut api.integrations, member, "Integration")
        })
    }

    pub(in crate::apigw) fn create_integration_response(
        &self,
        scope: &Scope,
        call: &Call,
    ) -> Answer {
        let (id, integration, body) =
            (call.label("apiId"), call.label("integrationId"), &call.body);
        let input: IntegrationResponseInput = parse(body)?;
        let key = input
            .integration_response_key
            .clone()
            .ok_or_else(|| bad_request("Invalid input: integrationResponseKey is required"))?;
        self.change(scope, id, |api| {
            if !api.is_websocket() {
                return Err(bad_request(
                    "Integration responses are supported only for WebSocket APIs",
                ));
            }
            let integration = api.integrations.get_mut(integration).ok_or_else(|| {
                not_found(format!(
                    "Invalid Integration identifier specified {integration}"
                ))
            })?;
            if integration
                .responses
                .values()
                .any(|response| response.key == key)
            {
                return Err(conflict(format!(
                    "Integration response with key {key} already exists"
                )));
            }
            let response = IntegrationResponse {
                id: new_id(6),
                key,
                template_selection_expression: input.template_selection_expression.clone(),
                response_templates: input.response_templates.clone(),
                content_handling_strategy: input.content_handling_strategy.clone(),
            };
            let answer = response.to_json();
            integration.responses.insert(response.id.clone(), response);
            Ok(Reply::created(answer))
        })
    }

    pub(in crate::apigw) fn get_integration_responses(&self, scope: &Scope, call: &Call) -> Answer {
        let integration = call.label("integrationId");
        self.read(scope, call.label("apiId"), |api, _| {
            Ok(items(
                &super::integration_of(api, integration)?.responses,
                IntegrationResponse::to_json,
            ))
        })
    }

    pub(in crate::apigw) fn get_integration_response(&self, scope: &Scope, call: &Call) -> Answer {
        let (integration, response) = (
            call.label("integrationId"),
            call.label("integrationResponseId"),
        );
        self.read(scope, call.label("apiId"), |api, _| {
            let integration = super::integration_of(api, integration)?;
            one(
                &integration.responses,
                response,
                "IntegrationResponse",
                IntegrationResponse::to_json,
            )
        })
    }

    pub(in crate::apigw) fn delete_integration_response(
        &self,
        scope: &Scope,
        call: &Call,
    ) -> Answer {
        let (integration, response) = (
            call.label("integrationId"),
            call.label("integrationResponseId"),
        );
        self.change(scope, call.label("apiId"), |api| {
            let integration = api
                .integrations
                .get_mut(integration)
                .ok_or_else(|| super::invalid_id("Integration", integration))?;
            remove(&mut integration.responses, response, "IntegrationResponse")
        })
    }
}
