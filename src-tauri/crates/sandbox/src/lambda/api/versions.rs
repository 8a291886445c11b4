//! Versions and aliases: publishing `$LATEST` as a numbered version, and aliases that point at
//! one version or split invocations between two by weight.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::{Answer, parse};
use crate::lambda::function::{self, error, invalid_parameter, not_found};
use crate::lambda::model::{Alias, Deployed, Function};
use crate::lambda::pool::Pool;
use crate::lambda::{Lambda, arn, name_of};
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublishInput {
    description: Option<String>,
    code_sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingInput {
    #[serde(default)]
    additional_version_weights: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasInput {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingInput>,
}

impl Alias {
    fn to_json(&self, function_arn: &str) -> Json {
        let mut out = json!({
            "AliasArn": format!("{function_arn}:{}", self.name),
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
            "RevisionId": self.revision_id,
        });
        if !self.weights.is_empty() {
            out["RoutingConfig"] = json!({"AdditionalVersionWeights": self.weights});
        }
        out
    }
}

impl Lambda {
    pub(in crate::lambda) fn publish_version(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
        let input: PublishInput = parse(body)?;
        let answer = self.change(scope, reference, |function| {
            if let Some(sha) = &input.code_sha256
                && *sha != function.latest.configuration.code_sha256
            {
                return Err(invalid_parameter(
                    "CodeSHA256 does not match the code of the function's $LATEST version.",
                ));
            }
            // Publishing unchanged code and configuration returns the last version, as AWS does.
            if let Some((_, last)) = function.versions.last_key_value() {
                let mut same = last.configuration.clone();
                same.version = "$LATEST".to_owned();
                same.description = function.latest.configuration.description.clone();
                if same.code_sha256 == function.latest.configuration.code_sha256
                    && same.revision_id == function.latest.configuration.revision_id
                {
                    return Ok(last.configuration.to_json("Active", "Successful"));
                }
            }
            Ok(publish(function, input.description.clone()))
        })?;
        Ok(Reply::created(answer))
    }

    pub(in crate::lambda) fn list_versions(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let answer = self.read(scope, reference, |function| {
            let versions: Vec<Json> = std::iter::once(&function.latest)
                .chain(function.versions.values())
                .map(|deployed| deployed.configuration.to_json("Active", "Successful"))
                .collect();
            json!({ "Versions": versions })
        })?;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn create_alias(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
        let input: AliasInput = parse(body)?;
        let name = input.name.clone().ok_or_else(|| {
            function::validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
        })?;
        if name.parse::<u32>().is_ok() || !function::is_identifier(&name, 128) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
            )));
        }
        let answer = self.change(scope, reference, |function| {
            if function.aliases.contains_key(&name) {
                return Err(error(
                    StatusCode::CONFLICT,
                    "ResourceConflictException",
                    format!("Alias already exists: {}:{name}", function.latest.configuration.arn),
                ));
            }
            let version = input.function_version.clone().ok_or_else(|| {
                function::validation("1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null")
            })?;
            let alias = Alias {
                name: name.clone(),
                function_version: version,
                description: input.description.clone().unwrap_or_default(),
                weights: input.routing_config.as_ref().map(|r| r.additional_version_weights.clone()).unwrap_or_default(),
                revision_id: uuid::Uuid::new_v4().to_string(),
            };
            check_alias(function, scope, &alias)?;
            let answer = alias.to_json(&function.latest.configuration.arn);
            function.aliases.insert(name.clone(), alias);
            Ok(answer)
        })?;
        Ok(Reply::created(answer))
    }

    pub(in crate::lambda) fn get_alias(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, alias) = (call.label("FunctionName"), call.label("Name"));
        let answer = self.read(scope, reference, |function| {
            function
                .aliases
                .get(alias)
                .map(|a| a.to_json(&function.latest.configuration.arn))
                .ok_or_else(|| alias_missing(scope, reference, alias))
        })??;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn list_aliases(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let answer = self.read(scope, reference, |function| {
            let arn = &function.latest.configuration.arn;
            json!({ "Aliases": function.aliases.values().map(|a| a.to_json(arn)).collect::<Vec<_>>() })
        })?;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn update_alias(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, alias, body) = (call.label("FunctionName"), call.label("Name"), &call.body);
        let input: AliasInput = parse(body)?;
        let answer = self.change(scope, reference, |function| {
            let mut updated = function
                .aliases
                .get(alias)
                .cloned()
                .ok_or_else(|| alias_missing(scope, reference, alias))?;
            if let Some(version) = &input.function_version {
                updated.function_version = version.clone();
            }
            if let Some(description) = &input.description {
                updated.description = description.clone();
            }
            if let Some(routing) = &input.routing_config {
                updated.weights = routing.additional_version_weights.clone();
            }
            updated.revision_id = uuid::Uuid::new_v4().to_string();
            check_alias(function, scope, &updated)?;
            let answer = updated.to_json(&function.latest.configuration.arn);
            function.aliases.insert(alias.to_owned(), updated);
            Ok(answer)
        })?;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn delete_alias(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, alias) = (call.label("FunctionName"), call.label("Name"));
        self.change(scope, reference, |function| {
            function
                .aliases
                .remove(alias)
                .map(|_| ())
                .ok_or_else(|| alias_missing(scope, reference, alias))
        })?;
        Ok(Reply::no_content())
    }
}

/// Snapshots `$LATEST` as the next version and returns its configuration.
pub(super) fn publish(function: &mut Function, description: Option<String>) -> Json {
    let number = function.next_version;
    function.next_version += 1;
    let mut configuration = function.latest.configuration.clone();
    configuration.version = number.to_string();
    if let Some(description) = description {
        configuration.description = description;
    }
    let answer = configuration.to_json("Active", "Successful");
    function.versions.insert(
        number,
        Deployed {
            configuration,
            code_dir: function.latest.code_dir.clone(),
            zip_path: function.latest.zip_path.clone(),
            pool: Arc::new(Pool::default()),
        },
    );
    answer
}

/// The version a `Qualifier` (version or alias) names for read operations.
pub(super) fn deployed_for<'a>(
    function: &'a Function,
    scope: &Scope,
    reference: &str,
    qualifier: Option<&str>,
) -> Result<&'a Deployed, AwsError> {
    let name = name_of(reference);
    match qualifier.filter(|q| *q != "$LATEST") {
        None => Ok(&function.latest),
        Some(q) => {
            let version = function
                .aliases
                .get(q)
                .map_or(q, |alias| alias.function_version.as_str());
            if version == "$LATEST" {
                return Ok(&function.latest);
            }
            version
                .parse::<u32>()
                .ok()
                .and_then(|number| function.versions.get(&number))
                .ok_or_else(|| not_found(&format!("{}:{q}", arn(scope, name))))
        }
    }
}

fn alias_missing(scope: &Scope, reference: &str, alias: &str) -> AwsError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        format!(
            "Alias not found: {}:{alias}",
            arn(scope, name_of(reference))
        ),
    )
}

/// An alias must point at existing versions, and its extra weights must be between 0 and 1.
fn check_alias(function: &Function, scope: &Scope, alias: &Alias) -> Result<(), AwsError> {
    let exists = |version: &str| {
        version == "$LATEST"
            || version
                .parse::<u32>()
                .is_ok_and(|n| function.versions.contains_key(&n))
    };
    if !exists(&alias.function_version) {
        return Err(not_found(&format!(
            "{}:{}",
            arn(scope, &function.latest.configuration.name),
            alias.function_version
        )));
    }
    for (version, weight) in &alias.weights {
        if !exists(version) {
            return Err(invalid_parameter(format!(
                "Version {version} in the alias routing configuration does not exist."
            )));
        }
        if version == &alias.function_version {
            return Err(invalid_parameter(
                "Cannot set additional version weights for the alias's own function version.",
            ));
        }
        if !(0.0..=1.0).contains(weight) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{weight}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
            )));
        }
    }
    let total: f64 = alias.weights.values().sum();
    if total > 1.0 {
        return Err(invalid_parameter(
            "The sum of additional version weights must not exceed 1.0.",
        ));
    }
    Ok(())
}
