//! The REST API control plane, one function per operation over a [`Call`]: [`rest_apis`] (the
//! APIs and their tags), [`resources`], [`methods`] (with method responses), [`integrations`]
//! (with integration responses), [`deployments`] and [`stages`]. Members are API Gateway v1's
//! (camelCase, lists as `{"item": […]}`); what an operation changes is saved before it is
//! answered.

mod authorizers;
mod deployments;
mod gateway_responses;
mod import;
mod integrations;
mod keys;
mod methods;
mod models;
mod resources;
mod rest_apis;
mod stages;
mod usage_plans;

use serde_json::{Value as Json, json};

use super::missing;
use super::model::{Method, Resource, RestApi};
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

pub(super) use crate::apigw::api::parse;

/// `{"item": […]}`: a page of a collection, as API Gateway v1 lists them.
fn items(items: Vec<Json>) -> Reply {
    Reply::ok(json!({ "item": items }))
}

/// The resource a call's `resource_id` label names.
fn resource_of<'a>(api: &'a RestApi, call: &Call) -> Result<&'a Resource, AwsError> {
    api.resources
        .get(call.label("resource_id"))
        .ok_or_else(missing::resource)
}

fn resource_mut<'a>(api: &'a mut RestApi, call: &Call) -> Result<&'a mut Resource, AwsError> {
    api.resources
        .get_mut(call.label("resource_id"))
        .ok_or_else(missing::resource)
}

/// The method a call's `resource_id` and `http_method` labels name.
fn method_of<'a>(api: &'a RestApi, call: &Call) -> Result<&'a Method, AwsError> {
    resource_of(api, call)?
        .methods
        .get(&call.label("http_method").to_ascii_uppercase())
        .ok_or_else(missing::method)
}

fn method_mut<'a>(api: &'a mut RestApi, call: &Call) -> Result<&'a mut Method, AwsError> {
    resource_mut(api, call)?
        .methods
        .get_mut(&call.label("http_method").to_ascii_uppercase())
        .ok_or_else(missing::method)
}
