//! What a REST API request must pass before its integration is called, in API Gateway's
//! order: the API key and its usage plan (403, 429), the stage's method throttling (429), and
//! the method's request validator (400).

use super::invoke::Selected;
use super::refusal::{
    INVALID_API_KEY, LIMIT_EXCEEDED, Refusal, THROTTLED, invalid_body, missing_parameters,
};
use super::usage::{Admitted, Refused};
use crate::apigw::http::Trace;
use crate::apigw::{ApiGateway, Incoming};
use crate::store::Scope;

impl ApiGateway {
    /// Checks and counts a request to a method that requires an API key against the key's
    /// usage plan: a missing, unknown or disabled key, or one in no plan of this stage, is
    /// Forbidden; the plan's throttle answers Too Many Requests, its quota Limit Exceeded.
    pub(super) fn admit_api_key(
        &self,
        scope: &Scope,
        selected: &Selected,
        incoming: &Incoming<'_>,
        trace: &mut Trace,
    ) -> Result<Admitted, Refusal> {
        if selected.api_key_source == super::model::ApiKeySource::Authorizer {
            trace.error = Some(
                "the API reads API keys from a Lambda authorizer, which the sandbox does not evaluate yet"
                    .into(),
            );
            return Err(INVALID_API_KEY);
        }
        let value = incoming
            .headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok());
        let method_path = format!(
            "{}/{}",
            selected.resource_path.trim_end_matches('/'),
            selected.method.http_method
        );
        let region = self.usage.get(scope);
        let mut usage = region.write().unwrap_or_else(|p| p.into_inner());
        let today = super::usage::today();
        let admitted = usage
            .admit(
                value,
                &selected.api_id,
                &selected.stage,
                &method_path,
                today,
            )
            .map_err(|refused| {
                let (refusal, reason) = match refused {
                    Refused::Forbidden(reason) => (INVALID_API_KEY, reason),
                    Refused::Throttled(reason) => (THROTTLED, reason),
                    Refused::QuotaExceeded(reason) => (LIMIT_EXCEEDED, reason),
                };
                trace.error = Some(reason);
                refusal
            })?;
        // Written while the lock is held, so counts reach the store in order; the request does
        // not wait for it (a crash may lose the latest counts, never a change a client made).
        let day = super::usage::day_name(today);
        let count = usage.used_on(&admitted.plan_id, &admitted.key_id, &day);
        drop(
            self.store
                .submit(vec![crate::store::Mutation::PutRestUsage {
                    scope: scope.clone(),
                    id: super::usage::used_record(&admitted.plan_id, &admitted.key_id, &day),
                    definition: count.to_string(),
                }]),
        );
        Ok(admitted)
    }

    /// The stage's method throttling: a token bucket per method setting.
    pub(super) fn throttle_stage(
        &self,
        selected: &Selected,
        trace: &mut Trace,
    ) -> Result<(), Refusal> {
        let Some((key, rate, burst)) = &selected.throttle else {
            return Ok(());
        };
        let admitted = self
            .buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((
                selected.api_id.clone(),
                selected.stage.clone(),
                format!("REST {key}"),
            ))
            .or_insert_with(|| crate::apigw::http::throttle::Bucket::full(*burst))
            .take(*rate, *burst);
        if admitted {
            return Ok(());
        }
        trace.error = Some(format!(
            "the stage's method setting {key} throttles to {rate} requests a second (burst {burst})"
        ));
        Err(THROTTLED)
    }
}

/// What a method's request validator checks: its required parameters (a missing one is
/// `Missing required request parameters: [name, …]`), and its body against the model for the
/// request's content type (`Invalid request body`; the trace says why).
pub(super) fn validate_request(
    selected: &Selected,
    incoming: &Incoming<'_>,
    trace: &mut Trace,
) -> Result<(), Refusal> {
    let Some((validator, models)) = &selected.validation else {
        return Ok(());
    };
    if validator.validate_request_parameters {
        let query = crate::apigw::event::query_pairs(incoming.query);
        let missing: Vec<&str> = selected
            .method
            .request_parameters
            .iter()
            .filter(|(_, required)| **required)
            .filter_map(|(name, _)| {
                let (location, parameter) =
                    name.strip_prefix("method.request.")?.split_once('.')?;
                let present = match location {
                    "querystring" | "multivaluequerystring" => {
                        query.iter().any(|(key, _)| key == parameter)
                    }
                    "header" | "multivalueheader" => incoming.headers.contains_key(parameter),
                    "path" => selected.path_parameters.contains_key(parameter),
                    _ => true,
                };
                (!present).then_some(parameter)
            })
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "Missing required request parameters: [{}]",
                missing.join(", ")
            );
            trace.error = Some(message.clone());
            return Err(missing_parameters(message));
        }
    }
    if validator.validate_request_body {
        let content_type = incoming
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map_or_else(
                || "application/json".to_owned(),
                |v| v.trim().to_ascii_lowercase(),
            );
        let model = selected
            .method
            .request_models
            .get(&content_type)
            .or_else(|| selected.method.request_models.get("$default"))
            .and_then(|name| models.get(name));
        let schema = model
            .and_then(|model| model.schema.as_deref())
            .and_then(|schema| serde_json::from_str::<serde_json::Value>(schema).ok());
        if let (Some(model), Some(schema)) = (model, schema) {
            let checked = serde_json::from_slice::<serde_json::Value>(&incoming.body)
                .map_err(|error| format!("the body is not JSON: {error}"))
                .and_then(|body| {
                    super::schema::validate(&schema, &body, &|name| {
                        models
                            .get(name)
                            .and_then(|model| model.schema.as_deref())
                            .and_then(|schema| serde_json::from_str(schema).ok())
                    })
                });
            if let Err(why) = checked {
                trace.error = Some(format!(
                    "the body does not match the model {}: {why}",
                    model.name
                ));
                return Err(invalid_body("Invalid request body".into()));
            }
        }
    }
    Ok(())
}

/// The stage's throttling for a method: the method's own setting (`~1items/GET`, as patch paths
/// write it, or `items/GET`) before the stage's `*/*`; `None` at API Gateway's defaults.
pub(super) fn stage_throttle(
    stage: &super::model::Stage,
    resource_path: &str,
    method: &str,
) -> Option<(String, f64, f64)> {
    let (key, setting) = match super::cache::own_setting(stage, resource_path, method) {
        Some(setting) => (
            format!("{}/{method}", resource_path.trim_start_matches('/')),
            setting,
        ),
        None => ("*/*".to_owned(), stage.method_settings.get("*/*")?),
    };
    let defaults = super::model::MethodSetting::defaults();
    let limited = setting.throttling_rate_limit < defaults.throttling_rate_limit
        || setting.throttling_burst_limit < defaults.throttling_burst_limit;
    limited.then(|| {
        (
            key,
            setting.throttling_rate_limit.max(0.0),
            setting.throttling_burst_limit.max(0) as f64,
        )
    })
}
