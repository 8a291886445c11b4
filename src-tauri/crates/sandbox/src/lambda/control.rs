//! The Lambda control plane: functions, code and configuration updates, versions, aliases,
//! permissions, tags, concurrency and account settings. Each change is saved through the store.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::function::{
    self, CodeInput, Configuration, CreateInput, UpdateConfigurationInput, error,
    invalid_parameter, not_found,
};
use super::policy::{self, AddPermissionInput, Statement};
use super::{Alias, Deployed, Function, Lambda, Pool, arn, name_of, package, service_error};
use crate::names;
use crate::store::Scope;
use crate::wire::{
    AwsError, BodyError, json_created, json_ok, lower_camel, no_content, parse_json_body,
};

type Answer = Result<Response, AwsError>;

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    parse_json_body(body).map_err(|failure| match failure {
        BodyError::Missing(field) => function::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_camel(&field)
        )),
        BodyError::Malformed(text) => error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {text}"),
        ),
    })
}

fn decode_zip(code: &CodeInput) -> Result<Vec<u8>, AwsError> {
    if code.s3_bucket.is_some() || code.image_uri.is_some() {
        return Err(invalid_parameter(
            "The sandbox takes code as ZipFile (fileb:// with the AWS CLI); S3 and image locations are not available offline.",
        ));
    }
    let text = code
        .zip_file
        .as_deref()
        .ok_or_else(|| invalid_parameter("Please provide a source for function code."))?;
    BASE64.decode(text).map_err(|_| {
        invalid_parameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    })
}

/// A provided runtime needs `bootstrap`; a Python one the handler's module file.
fn check_entrypoint(configuration: &Configuration, code_dir: &Path) -> Result<(), AwsError> {
    if configuration.runtime.starts_with("provided") {
        if !code_dir.join("bootstrap").is_file() {
            return Err(invalid_parameter(
                "The deployment package has no bootstrap file at its root: provided runtimes run ./bootstrap.",
            ));
        }
        return Ok(());
    }
    let module = configuration
        .handler
        .rsplit_once('.')
        .map_or("", |(module, _)| module);
    if module.is_empty() || !code_dir.join(format!("{module}.py")).is_file() {
        return Err(invalid_parameter(format!(
            "The handler {} does not name a module in the deployment package (expected {module}.py at its root).",
            configuration.handler
        )));
    }
    Ok(())
}

/// A package on disk, not yet part of any function.
struct Unpacked {
    code_dir: PathBuf,
    zip_path: PathBuf,
    sha256: String,
    size: u64,
}

/// `configuration`'s code becomes `unpacked`, once its entry point is there.
fn deploy(configuration: &mut Configuration, unpacked: Unpacked) -> Result<Deployed, AwsError> {
    check_entrypoint(configuration, &unpacked.code_dir)?;
    configuration.code_sha256 = unpacked.sha256;
    configuration.code_size = unpacked.size;
    Ok(Deployed {
        configuration: configuration.clone(),
        code_dir: unpacked.code_dir,
        zip_path: unpacked.zip_path,
        pool: Arc::new(Pool::default()),
    })
}

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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyInput {
    reserved_concurrent_executions: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagsInput {
    #[serde(default)]
    tags: BTreeMap<String, String>,
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
    /// Runs `change` on function `reference` under the region's lock; saves the function after.
    fn change<T>(
        &self,
        scope: &Scope,
        reference: &str,
        change: impl FnOnce(&mut Function) -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let name = name_of(reference);
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        let function = functions
            .get_mut(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        let result = change(function)?;
        self.persist(scope, name, Some(function))?;
        Ok(result)
    }

    fn read<T>(
        &self,
        scope: &Scope,
        reference: &str,
        read: impl FnOnce(&Function) -> T,
    ) -> Result<T, AwsError> {
        let name = name_of(reference);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let function = functions
            .get(name)
            .ok_or_else(|| not_found(&arn(scope, name)))?;
        Ok(read(function))
    }

    /// Where `name`'s packages are kept: `code/{account}/{region}/{name}`, each segment
    /// checked, so no request can point a path anywhere else.
    fn package_dir(&self, scope: &Scope, name: &str) -> Result<PathBuf, AwsError> {
        let mut dir = self.code.dir.clone();
        for segment in [scope.account.as_str(), scope.region.as_str(), name] {
            let safe = names::path_segment(segment).ok_or_else(|| {
                service_error(format!("Refusing to keep code under the name {segment:?}."))
            })?;
            dir.push(safe);
        }
        Ok(dir)
    }

    /// Unpacks `zip` beside `name`'s other packages — before any lock is taken, since it is the
    /// slow part of a code change. Code is kept by its digest: unpacked into a fresh directory,
    /// then renamed into place, so a running environment never sees a half-written package and
    /// two uploads of the same code never collide.
    fn unpack_package(&self, scope: &Scope, name: &str, zip: &[u8]) -> Result<Unpacked, AwsError> {
        let sha256 = package::code_sha256(zip);
        let digest: String = sha256
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        let base = self.package_dir(scope, name)?;
        let code_dir = base.join(&digest);
        let zip_path = base.join(format!("{digest}.zip"));
        let staging = base.join(format!("staging-{}", uuid::Uuid::new_v4().simple()));
        let saved = (|| {
            if !code_dir.is_dir() {
                package::unpack(zip, &staging).map_err(|e| invalid_parameter(e.to_string()))?;
                // Losing the race to an identical upload is fine: its directory has this code.
                if std::fs::rename(&staging, &code_dir).is_err() && !code_dir.is_dir() {
                    return Err(service_error(format!(
                        "The package could not be moved into {}.",
                        code_dir.display()
                    )));
                }
            }
            if !zip_path.is_file() {
                let staged_zip = staging.with_extension("zip");
                std::fs::write(&staged_zip, zip)
                    .and_then(|()| std::fs::rename(&staged_zip, &zip_path))
                    .map_err(|e| service_error(e.to_string()))?;
            }
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&staging);
        saved?;
        Ok(Unpacked {
            code_dir,
            zip_path,
            sha256,
            size: zip.len() as u64,
        })
    }

    pub(super) fn create_function(&self, scope: &Scope, body: &[u8]) -> Answer {
        let input: CreateInput = parse(body)?;
        let mut configuration =
            Configuration::from_create(&input, arn(scope, &input.function_name))?;
        let code = input.code.as_ref().ok_or_else(|| {
            function::validation("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
        })?;
        let zip = decode_zip(code)?;
        let unpacked = self.unpack_package(scope, &configuration.name, &zip)?;
        let region = self.regions.get(scope);
        let mut functions = region.write().unwrap_or_else(|p| p.into_inner());
        if functions.contains_key(&configuration.name) {
            return Err(error(
                StatusCode::CONFLICT,
                "ResourceConflictException",
                format!("Function already exist: {}", configuration.name),
            ));
        }
        let latest = deploy(&mut configuration, unpacked)?;
        let mut function = Function {
            latest,
            versions: BTreeMap::new(),
            next_version: 1,
            aliases: BTreeMap::new(),
            policy: Vec::new(),
            reserved_concurrency: None,
            busy: Arc::default(),
        };
        let mut answer = configuration.to_json("Pending", "InProgress");
        if input.publish == Some(true) {
            answer = publish(&mut function, None);
        }
        self.persist(scope, &configuration.name, Some(&function))?;
        functions.insert(configuration.name.clone(), function);
        Ok(json_created(answer))
    }

    pub(super) fn get_configuration(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
    ) -> Answer {
        let qualifier = query.get("Qualifier").cloned();
        let answer = self.read(scope, reference, |function| {
            deployed_for(function, scope, reference, qualifier.as_deref())
                .map(|deployed| deployed.configuration.to_json("Active", "Successful"))
        })??;
        Ok(json_ok(answer))
    }

    pub(super) fn get_function(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
    ) -> Answer {
        let endpoint = self.endpoint();
        let qualifier = query.get("Qualifier").cloned();
        let answer = self.read(scope, reference, |function| {
            let deployed = deployed_for(function, scope, reference, qualifier.as_deref())?;
            let configuration = &deployed.configuration;
            let mut answer = json!({
                "Configuration": configuration.to_json("Active", "Successful"),
                "Code": {
                    "RepositoryType": "S3",
                    "Location": format!(
                        "{endpoint}/_sandbox/lambda/code/{}/{}/{}",
                        scope.account, scope.region, configuration.name
                    ),
                },
                "Tags": function.latest.configuration.tags,
            });
            if let Some(reserved) = function.reserved_concurrency {
                answer["Concurrency"] = json!({"ReservedConcurrentExecutions": reserved});
            }
            Ok::<_, AwsError>(answer)
        })??;
        Ok(json_ok(answer))
    }

    /// The zip of a function's `$LATEST`, served at the `Code.Location` GetFunction gives.
    pub fn code_zip(&self, scope: &Scope, name: &str) -> Option<Vec<u8>> {
        self.read(scope, name, |function| {
            std::fs::read(&function.latest.zip_path).ok()
        })
        .ok()
        .flatten()
    }

    pub(super) fn list_functions(&self, scope: &Scope, query: &HashMap<String, String>) -> Answer {
        let max = match query.get("MaxItems") {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| {
                    function::validation(format!(
                        "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000"
                    ))
                })?,
            None => 50,
        };
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let marker = query.get("Marker");
        let mut remaining = functions
            .iter()
            .filter(|(name, _)| marker.is_none_or(|m| *name > m));
        let page: Vec<(&String, &Function)> = remaining.by_ref().take(max).collect();
        let mut answer = json!({
            "Functions": page
                .iter()
                .map(|(_, f)| f.latest.configuration.to_json("Active", "Successful"))
                .collect::<Vec<_>>(),
        });
        if remaining.next().is_some()
            && let Some((last, _)) = page.last()
        {
            answer["NextMarker"] = json!(last);
        }
        Ok(json_ok(answer))
    }

    pub(super) fn delete_function(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
    ) -> Answer {
        let name = name_of(reference);
        if let Some(qualifier) = query.get("Qualifier").filter(|q| *q != "$LATEST") {
            let number: u32 = qualifier.parse().map_err(|_| {
                invalid_parameter(
                    "Deletion of aliases is not currently supported; use DeleteAlias.",
                )
            })?;
            self.change(scope, name, |function| {
                if function.aliases.values().any(|alias| alias.function_version == *qualifier) {
                    return Err(error(
                        StatusCode::CONFLICT,
                        "ResourceConflictException",
                        format!("Unable to delete version because the following aliases reference it: {}", function.aliases.values().filter(|a| a.function_version == *qualifier).map(|a| a.name.clone()).collect::<Vec<_>>().join(", ")),
                    ));
                }
                let version = function
                    .versions
                    .remove(&number)
                    .ok_or_else(|| not_found(&format!("{}:{qualifier}", arn(scope, name))))?;
                version.pool.retire();
                Ok(())
            })?;
            return Ok(no_content());
        }
        let region = self.regions.get(scope);
        let removed = region
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        let function = removed.ok_or_else(|| not_found(&arn(scope, name)))?;
        function.latest.pool.retire();
        for version in function.versions.values() {
            version.pool.retire();
        }
        self.persist(scope, name, None)?;
        // The log group stays, as on AWS.
        if let Some(parent) = function.latest.code_dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
        Ok(no_content())
    }

    pub(super) fn update_code(&self, scope: &Scope, reference: &str, body: &[u8]) -> Answer {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct UpdateCode {
            #[serde(flatten)]
            code: CodeInput,
            publish: Option<bool>,
        }
        let input: UpdateCode = parse(body)?;
        let zip = decode_zip(&input.code)?;
        let name = name_of(reference);
        // Unpacked only for a function that exists, and outside its region's lock.
        self.read(scope, reference, |_| ())?;
        let unpacked = self.unpack_package(scope, name, &zip)?;
        let answer = self.change(scope, reference, |function| {
            let mut configuration = function.latest.configuration.clone();
            configuration.last_modified = function::last_modified_now();
            configuration.revision_id = uuid::Uuid::new_v4().to_string();
            let deployed = deploy(&mut configuration, unpacked)?;
            function.latest.pool.retire();
            function.latest = deployed;
            Ok(if input.publish == Some(true) {
                publish(function, None)
            } else {
                configuration.to_json("Active", "InProgress")
            })
        })?;
        Ok(json_ok(answer))
    }

    pub(super) fn update_configuration(
        &self,
        scope: &Scope,
        reference: &str,
        body: &[u8],
    ) -> Answer {
        let input: UpdateConfigurationInput = parse(body)?;
        let answer = self.change(scope, reference, |function| {
            let mut configuration = function.latest.configuration.clone();
            configuration.update(&input)?;
            check_entrypoint(&configuration, &function.latest.code_dir)?;
            function.latest.configuration = configuration;
            function.latest.pool.retire();
            Ok(function
                .latest
                .configuration
                .to_json("Active", "InProgress"))
        })?;
        Ok(json_ok(answer))
    }

    pub(super) fn publish_version(&self, scope: &Scope, reference: &str, body: &[u8]) -> Answer {
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
        Ok(json_created(answer))
    }

    pub(super) fn list_versions(&self, scope: &Scope, reference: &str) -> Answer {
        let answer = self.read(scope, reference, |function| {
            let versions: Vec<Json> = std::iter::once(&function.latest)
                .chain(function.versions.values())
                .map(|deployed| deployed.configuration.to_json("Active", "Successful"))
                .collect();
            json!({ "Versions": versions })
        })?;
        Ok(json_ok(answer))
    }

    pub(super) fn create_alias(&self, scope: &Scope, reference: &str, body: &[u8]) -> Answer {
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
        Ok(json_created(answer))
    }

    pub(super) fn get_alias(&self, scope: &Scope, reference: &str, alias: &str) -> Answer {
        let answer = self.read(scope, reference, |function| {
            function
                .aliases
                .get(alias)
                .map(|a| a.to_json(&function.latest.configuration.arn))
                .ok_or_else(|| alias_missing(scope, reference, alias))
        })??;
        Ok(json_ok(answer))
    }

    pub(super) fn list_aliases(&self, scope: &Scope, reference: &str) -> Answer {
        let answer = self.read(scope, reference, |function| {
            let arn = &function.latest.configuration.arn;
            json!({ "Aliases": function.aliases.values().map(|a| a.to_json(arn)).collect::<Vec<_>>() })
        })?;
        Ok(json_ok(answer))
    }

    pub(super) fn update_alias(
        &self,
        scope: &Scope,
        reference: &str,
        alias: &str,
        body: &[u8],
    ) -> Answer {
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
        Ok(json_ok(answer))
    }

    pub(super) fn delete_alias(&self, scope: &Scope, reference: &str, alias: &str) -> Answer {
        self.change(scope, reference, |function| {
            function
                .aliases
                .remove(alias)
                .map(|_| ())
                .ok_or_else(|| alias_missing(scope, reference, alias))
        })?;
        Ok(no_content())
    }

    pub(super) fn add_permission(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
        body: &[u8],
    ) -> Answer {
        let input: AddPermissionInput = parse(body)?;
        if input.statement_id.len() > 100 {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'statementId' failed to satisfy constraint: Member must have length less than or equal to 100",
                input.statement_id
            )));
        }
        if !function::is_identifier(&input.statement_id, 100) {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
                input.statement_id
            )));
        }
        if !input.action.starts_with("lambda:") && input.action != "*" {
            return Err(function::validation(format!(
                "1 validation error detected: Value '{}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
                input.action
            )));
        }
        let (_, qualifier) = super::split_qualifier(reference, query.get("Qualifier"));
        let answer = self.change(scope, reference, |function| {
            if let Some(qualifier) = &qualifier {
                deployed_for(function, scope, reference, Some(qualifier))?;
            }
            let resource = policy::resource_of(
                &function.latest.configuration.arn,
                qualifier.as_deref(),
            );
            if function
                .policy
                .iter()
                .any(|s| s.sid == input.statement_id && s.resource == resource)
            {
                return Err(error(
                    StatusCode::CONFLICT,
                    "ResourceConflictException",
                    "The statement id (sid) provided already exists. Please choose a new statement id, or remove the existing statement.",
                ));
            }
            let statement = Statement::new(&input, resource);
            let answer = json!({ "Statement": statement.to_json().to_string() });
            function.policy.push(statement);
            Ok(answer)
        })?;
        Ok(json_created(answer))
    }

    /// The policy of the function, or of the version or alias `Qualifier` names: each has its
    /// own, as on AWS.
    pub(super) fn get_policy(
        &self,
        scope: &Scope,
        reference: &str,
        query: &HashMap<String, String>,
    ) -> Answer {
        let (_, qualifier) = super::split_qualifier(reference, query.get("Qualifier"));
        let answer = self.read(scope, reference, |function| {
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            let statements: Vec<Statement> = function
                .policy
                .iter()
                .filter(|s| s.resource == resource)
                .cloned()
                .collect();
            if statements.is_empty() {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    "The resource you requested does not exist.",
                ));
            }
            Ok(json!({
                "Policy": policy::document(&statements),
                "RevisionId": function.latest.configuration.revision_id,
            }))
        })??;
        Ok(json_ok(answer))
    }

    pub(super) fn remove_permission(
        &self,
        scope: &Scope,
        reference: &str,
        sid: &str,
        query: &HashMap<String, String>,
    ) -> Answer {
        let (_, qualifier) = super::split_qualifier(reference, query.get("Qualifier"));
        self.change(scope, reference, |function| {
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            let before = function.policy.len();
            function
                .policy
                .retain(|s| s.sid != sid || s.resource != resource);
            if function.policy.len() == before {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    format!("Statement {sid} is not found in resource policy."),
                ));
            }
            Ok(())
        })?;
        Ok(no_content())
    }

    pub(super) fn put_concurrency(&self, scope: &Scope, reference: &str, body: &[u8]) -> Answer {
        let input: ConcurrencyInput = parse(body)?;
        let limit = self.concurrency_limit() as i64;
        if !(0..=limit).contains(&input.reserved_concurrent_executions) {
            return Err(invalid_parameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0]. The account limit is {limit}."
            )));
        }
        let reserved = input.reserved_concurrent_executions as u32;
        self.change(scope, reference, |function| {
            function.reserved_concurrency = Some(reserved);
            Ok(())
        })?;
        Ok(json_ok(json!({ "ReservedConcurrentExecutions": reserved })))
    }

    pub(super) fn get_concurrency(&self, scope: &Scope, reference: &str) -> Answer {
        let answer = self.read(scope, reference, |function| {
            match function.reserved_concurrency {
                Some(reserved) => json!({ "ReservedConcurrentExecutions": reserved }),
                None => json!({}),
            }
        })?;
        Ok(json_ok(answer))
    }

    pub(super) fn delete_concurrency(&self, scope: &Scope, reference: &str) -> Answer {
        self.change(scope, reference, |function| {
            function.reserved_concurrency = None;
            Ok(())
        })?;
        Ok(no_content())
    }

    pub(super) fn tag_resource(&self, scope: &Scope, resource: &str, body: &[u8]) -> Answer {
        let input: TagsInput = parse(body)?;
        self.change(scope, resource, |function| {
            function.latest.configuration.tags.extend(input.tags);
            Ok(())
        })?;
        Ok(no_content())
    }

    pub(super) fn untag_resource(
        &self,
        scope: &Scope,
        resource: &str,
        keys: Vec<String>,
    ) -> Answer {
        self.change(scope, resource, |function| {
            for key in &keys {
                function.latest.configuration.tags.remove(key);
            }
            Ok(())
        })?;
        Ok(no_content())
    }

    pub(super) fn list_tags(&self, scope: &Scope, resource: &str) -> Answer {
        let tags = self.read(scope, resource, |function| {
            function.latest.configuration.tags.clone()
        })?;
        Ok(json_ok(json!({ "Tags": tags })))
    }

    pub(super) fn account_settings(&self, scope: &Scope) -> Response {
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        let reserved: u32 = functions
            .values()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let code_size: u64 = functions
            .values()
            .map(|f| f.latest.configuration.code_size)
            .sum();
        json_ok(json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800_u64,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": self.concurrency_limit(),
                "UnreservedConcurrentExecutions": self.concurrency_limit().saturating_sub(reserved as usize),
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": functions.len()},
        }))
    }
}

/// Snapshots `$LATEST` as the next version and returns its configuration.
fn publish(function: &mut Function, description: Option<String>) -> Json {
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
fn deployed_for<'a>(
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
