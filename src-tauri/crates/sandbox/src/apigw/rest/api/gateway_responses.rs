//! Gateway responses: put, read, list (every type, the API's own or the default), update with
//! patch operations, and delete (back to the default). A change is served once deployed.

use axum::http::StatusCode;
use serde::Deserialize;

use super::parse;
use crate::apigw::rest::model::GatewayResponse;
use crate::apigw::rest::model::gateway_response::{self, RESPONSE_TYPES, is_response_type};
use crate::apigw::rest::{Answer, patch};
use crate::apigw::{ApiGateway, bad_request, not_found};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutInput {
    status_code: Option<String>,
    #[serde(default)]
    response_parameters: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    response_templates: std::collections::BTreeMap<String, String>,
}

/// The response type a call names, when API Gateway knows it.
fn response_type(call: &Call) -> Result<&str, AwsError> {
    let name = call.label("response_type");
    if is_response_type(name) {
        Ok(name)
    } else {
        Err(bad_request(format!(
            "Invalid response type specified: {name}. Must be one of: [{}]",
            RESPONSE_TYPES
                .iter()
                .map(|(known, _)| *known)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// A status code API Gateway accepts: three digits from 100 to 599.
fn check_status(status: &str) -> Result<(), AwsError> {
    match status.parse::<u16>() {
        Ok(100..=599) if status.len() == 3 => Ok(()),
        _ => Err(bad_request(format!(
            "Invalid status code specified: {status}"
        ))),
    }
}

/// Header mappings are `gatewayresponse.header.{name}` (or `.path`/`.querystring`).
fn check_parameters(
    parameters: &std::collections::BTreeMap<String, String>,
) -> Result<(), AwsError> {
    for name in parameters.keys() {
        let place = name.strip_prefix("gatewayresponse.").and_then(|rest| {
            rest.split_once('.').filter(|(place, name)| {
                !name.is_empty() && ["header", "path", "querystring"].contains(place)
            })
        });
        if place.is_none() {
            return Err(bad_request(format!(
                "Invalid mapping expression specified: {name}"
            )));
        }
    }
    Ok(())
}

impl ApiGateway {
    pub(in crate::apigw) fn put_gateway_response(&self, scope: &Scope, call: &Call) -> Answer {
        let kind = response_type(call)?;
        let input: PutInput = parse(&call.body)?;
        if let Some(status) = &input.status_code {
            check_status(status)?;
        }
        check_parameters(&input.response_parameters)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let response = GatewayResponse {
                status_code: input.status_code,
                response_parameters: input.response_parameters,
                response_templates: input.response_templates,
            };
            let shown = gateway_response::to_json(kind, Some(&response));
            api.gateway_responses.insert(kind.to_owned(), response);
            Ok(Reply::created(shown))
        })
    }

    pub(in crate::apigw) fn get_gateway_response(&self, scope: &Scope, call: &Call) -> Answer {
        let kind = response_type(call)?;
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            Ok(Reply::ok(gateway_response::to_json(
                kind,
                api.gateway_responses.get(kind),
            )))
        })
    }

    /// Every response type: the API's own where it has one, else the default.
    pub(in crate::apigw) fn get_gateway_responses(&self, scope: &Scope, call: &Call) -> Answer {
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let items: Vec<_> = RESPONSE_TYPES
                .iter()
                .map(|(kind, _)| gateway_response::to_json(kind, api.gateway_responses.get(*kind)))
                .collect();
            Ok(super::items(items))
        })
    }

    /// Patches a response type, starting from the default when the API has not customized it.
    pub(in crate::apigw) fn update_gateway_response(&self, scope: &Scope, call: &Call) -> Answer {
        const PATHS: [&str; 3] = [
            "/statusCode",
            "/responseParameters/{name}",
            "/responseTemplates/{contentType}",
        ];
        let kind = response_type(call)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let response = api
                .gateway_responses
                .entry(kind.to_owned())
                .or_insert_with(|| GatewayResponse {
                    status_code: None,
                    response_parameters: Default::default(),
                    response_templates: [(
                        "application/json".to_owned(),
                        gateway_response::DEFAULT_TEMPLATE.to_owned(),
                    )]
                    .into(),
                });
            patch::each(&call.body, |operation| {
                let segments = operation.segments();
                match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                    ["statusCode"] => {
                        let status = operation.set_or_remove(&PATHS)?;
                        if let Some(status) = status {
                            check_status(status)?;
                        }
                        response.status_code = status.map(str::to_owned);
                    }
                    ["responseParameters", name] => {
                        if operation.set_or_remove(&PATHS)?.is_some() {
                            check_parameters(&[(name.to_owned(), String::new())].into())?;
                        }
                        patch::map_entry(
                            &mut response.response_parameters,
                            name.to_owned(),
                            operation,
                            &PATHS,
                            |value| Ok(value.to_owned()),
                        )?;
                    }
                    ["responseTemplates", content_type] => patch::map_entry(
                        &mut response.response_templates,
                        content_type.to_owned(),
                        operation,
                        &PATHS,
                        |value| Ok(value.to_owned()),
                    )?,
                    _ => return Err(operation.unsupported(&PATHS)),
                }
                Ok(())
            })?;
            Ok(Reply::ok(gateway_response::to_json(kind, Some(response))))
        })
    }

    /// Deletes the API's own response for a type: the default answers again.
    pub(in crate::apigw) fn delete_gateway_response(&self, scope: &Scope, call: &Call) -> Answer {
        let kind = response_type(call)?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            api.gateway_responses
                .remove(kind)
                .ok_or_else(|| not_found("Invalid Gateway Response identifier specified"))?;
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}
