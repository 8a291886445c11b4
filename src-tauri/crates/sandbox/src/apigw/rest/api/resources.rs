//! Resources: the REST API's path tree. A path part is a literal, a `{parameter}` or a greedy
//! `{proxy+}`; siblings have distinct parts and at most one parameter, and nothing grows under a
//! greedy part — as API Gateway refuses them.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use super::{items, parse, resource_mut, resource_of};
use crate::apigw::model::new_id;
use crate::apigw::rest::model::{Resource, RestApi};
use crate::apigw::rest::patch::{self, Op};
use crate::apigw::rest::{Answer, missing};
use crate::apigw::{ApiGateway, bad_request, conflict};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    path_part: Option<String>,
}

/// Whether `part` is a path part API Gateway accepts: letters, digits, `._-:`, optionally
/// wrapped in braces with a `+` before the closing one.
fn is_valid_part(part: &str) -> bool {
    let inner = match part.strip_prefix('{') {
        Some(rest) => match rest.strip_suffix("+}").or_else(|| rest.strip_suffix('}')) {
            Some(inner) => inner,
            None => return false,
        },
        None => part,
    };
    !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
}

fn is_variable(part: &str) -> bool {
    part.starts_with('{')
}

/// Refuses `part` under `parent` where API Gateway would.
fn check_placement(
    api: &RestApi,
    parent: &Resource,
    part: &str,
    moving: Option<&str>,
) -> Result<(), AwsError> {
    if !is_valid_part(part) {
        return Err(bad_request(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
        ));
    }
    if parent
        .path_part
        .as_deref()
        .is_some_and(|parent_part| parent_part.ends_with("+}"))
    {
        return Err(bad_request(format!(
            "Cannot create a child of a resource with a greedy path variable: {}",
            parent.path_part.as_deref().unwrap_or_default()
        )));
    }
    for sibling in api.resources.values().filter(|resource| {
        resource.parent_id.as_deref() == Some(parent.id.as_str())
            && Some(resource.id.as_str()) != moving
    }) {
        let sibling_part = sibling.path_part.as_deref().unwrap_or_default();
        if sibling_part == part {
            return Err(conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if is_variable(sibling_part) && is_variable(part) {
            return Err(bad_request(format!(
                "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                sibling.id
            )));
        }
    }
    Ok(())
}

/// Every resource under `id`, itself included.
fn subtree(resources: &BTreeMap<String, Resource>, id: &str) -> Vec<String> {
    let mut found = vec![id.to_owned()];
    let mut index = 0;
    while let Some(current) = found.get(index).cloned() {
        found.extend(
            resources
                .values()
                .filter(|resource| resource.parent_id.as_deref() == Some(current.as_str()))
                .map(|resource| resource.id.clone()),
        );
        index += 1;
    }
    found
}

fn embeds_methods(call: &Call) -> bool {
    call.query_all("embed")
        .iter()
        .any(|embed| embed.split(',').any(|value| value == "methods"))
}

impl ApiGateway {
    pub(in crate::apigw) fn get_resources(&self, scope: &Scope, call: &Call) -> Answer {
        let embed = embeds_methods(call);
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let mut listed: Vec<(String, &Resource)> = api
                .resources
                .values()
                .map(|resource| (api.path_of(&resource.id), resource))
                .collect();
            listed.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(items(
                listed
                    .into_iter()
                    .map(|(path, resource)| resource.to_json(&path, embed))
                    .collect(),
            ))
        })
    }

    pub(in crate::apigw) fn get_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let embed = embeds_methods(call);
        self.read_rest_api(scope, call.label("restapi_id"), |api| {
            let resource = resource_of(api, call)?;
            Ok(Reply::ok(
                resource.to_json(&api.path_of(&resource.id), embed),
            ))
        })
    }

    pub(in crate::apigw) fn create_resource(&self, scope: &Scope, call: &Call) -> Answer {
        let input: CreateInput = parse(&call.body)?;
        let part = input
            .path_part
            .ok_or_else(|| bad_request("Invalid input: pathPart is required"))?;
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let parent = api
                .resources
                .get(call.label("parent_id"))
                .ok_or_else(missing::resource)?;
            check_placement(api, parent, &part, None)?;
            let resource = Resource {
                id: new_id(6),
                parent_id: Some(parent.id.clone()),
                path_part: Some(part),
                methods: BTreeMap::new(),
            };
            let id = resource.id.clone();
            api.resources.insert(id.clone(), resource);
            let path = api.path_of(&id);
            Ok(Reply::created(api.resources[&id].to_json(&path, false)))
        })
    }

    pub(in crate::apigw) fn update_resource(&self, scope: &Scope, call: &Call) -> Answer {
        const ALLOWED: &[&str] = &["/pathPart", "/parentId"];
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let id = resource_of(api, call)?.id.clone();
            if id == api.root_resource_id {
                return Err(bad_request("The root resource cannot be changed"));
            }
            patch::each(&call.body, |operation| {
                let resource = &api.resources[&id];
                let (mut part, mut parent) = (
                    resource.path_part.clone().unwrap_or_default(),
                    resource.parent_id.clone().unwrap_or_default(),
                );
                match (operation.op, operation.path.as_str()) {
                    (Op::Replace, "/pathPart") => part = operation.value()?.to_owned(),
                    (Op::Replace, "/parentId") => parent = operation.value()?.to_owned(),
                    _ => return Err(operation.unsupported(ALLOWED)),
                }
                if subtree(&api.resources, &id).contains(&parent) {
                    return Err(bad_request("A resource cannot be moved under itself"));
                }
                let new_parent = api.resources.get(&parent).ok_or_else(missing::resource)?;
                check_placement(api, new_parent, &part, Some(&id))?;
                let resource = resource_mut(api, call)?;
                resource.path_part = Some(part);
                resource.parent_id = Some(parent);
                Ok(())
            })?;
            let path = api.path_of(&id);
            Ok(Reply::ok(api.resources[&id].to_json(&path, false)))
        })
    }

    pub(in crate::apigw) fn delete_resource(&self, scope: &Scope, call: &Call) -> Answer {
        self.change_rest_api(scope, call.label("restapi_id"), |api| {
            let id = resource_of(api, call)?.id.clone();
            if id == api.root_resource_id {
                return Err(bad_request("Cannot delete the root resource of a REST API"));
            }
            for doomed in subtree(&api.resources, &id) {
                api.resources.remove(&doomed);
            }
            Ok(Reply::empty(StatusCode::ACCEPTED))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_part;

    #[test]
    fn path_parts_are_literals_parameters_or_greedy() {
        for valid in ["items", "v1.2", "{id}", "{proxy+}", "a_b-c:d"] {
            assert!(is_valid_part(valid), "{valid}");
        }
        for invalid in ["", "{}", "{id", "id}", "a/b", "{a+b}", "sp ace", "{+}"] {
            assert!(!is_valid_part(invalid), "{invalid}");
        }
    }
}
