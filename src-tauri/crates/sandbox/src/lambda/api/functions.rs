//! Functions: create, read, list, delete, and updates of their code and configuration. A new
//! package is unpacked beside the function's others before any lock is taken.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::json;

use super::versions::{deployed_for, publish};
use super::{Answer, parse};
use crate::lambda::function::{
    self, CodeInput, Configuration, CreateInput, UpdateConfigurationInput, error,
    invalid_parameter, not_found,
};
use crate::lambda::model::{Deployed, Function};
use crate::lambda::pool::Pool;
use crate::lambda::{Lambda, arn, name_of, package, service_error};
use crate::names;
use crate::store::Scope;
use crate::wire::rest::Call;
use crate::wire::{AwsError, Reply};

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

/// A package on disk, not yet part of any function.
struct Unpacked {
    code_dir: PathBuf,
    zip_path: PathBuf,
    sha256: String,
    size: u64,
}

/// `configuration`'s code becomes `unpacked`. Whether its entry point is there is found out
/// when it is invoked, as on AWS (`Runtime.InvalidEntrypoint`, `Runtime.ImportModuleError`).
fn deploy(configuration: &mut Configuration, unpacked: Unpacked) -> Result<Deployed, AwsError> {
    configuration.code_sha256 = unpacked.sha256;
    configuration.code_size = unpacked.size;
    Ok(Deployed {
        configuration: configuration.clone(),
        code_dir: unpacked.code_dir,
        zip_path: unpacked.zip_path,
        pool: Arc::new(Pool::default()),
    })
}

impl Lambda {
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

    pub(in crate::lambda) fn create_function(&self, scope: &Scope, call: &Call) -> Answer {
        let body = &call.body;
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
        Ok(Reply::created(answer))
    }

    pub(in crate::lambda) fn get_configuration(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let qualifier = call.query("Qualifier").map(str::to_owned);
        let answer = self.read(scope, reference, |function| {
            deployed_for(function, scope, reference, qualifier.as_deref())
                .map(|deployed| deployed.configuration.to_json("Active", "Successful"))
        })??;
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn get_function(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let endpoint = self.endpoint();
        let qualifier = call.query("Qualifier").map(str::to_owned);
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
        Ok(Reply::ok(answer))
    }

    /// The zip of a function's `$LATEST`, served at the `Code.Location` GetFunction gives.
    pub fn code_zip(&self, scope: &Scope, name: &str) -> Option<Vec<u8>> {
        self.read(scope, name, |function| {
            std::fs::read(&function.latest.zip_path).ok()
        })
        .ok()
        .flatten()
    }

    pub(in crate::lambda) fn list_functions(&self, scope: &Scope, call: &Call) -> Answer {
        let max = match call.query("MaxItems") {
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
        let marker = call.query("Marker");
        let mut remaining = functions
            .iter()
            .filter(|(name, _)| marker.is_none_or(|m| name.as_str() > m));
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
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn delete_function(&self, scope: &Scope, call: &Call) -> Answer {
        let reference = call.label("FunctionName");
        let name = name_of(reference);
        if let Some(qualifier) = call.query("Qualifier").filter(|q| *q != "$LATEST") {
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
            return Ok(Reply::no_content());
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
        Ok(Reply::no_content())
    }

    pub(in crate::lambda) fn update_code(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
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
        Ok(Reply::ok(answer))
    }

    pub(in crate::lambda) fn update_configuration(&self, scope: &Scope, call: &Call) -> Answer {
        let (reference, body) = (call.label("FunctionName"), &call.body);
        let input: UpdateConfigurationInput = parse(body)?;
        let answer = self.change(scope, reference, |function| {
            let mut configuration = function.latest.configuration.clone();
            configuration.update(&input)?;
            function.latest.configuration = configuration;
            function.latest.pool.retire();
            Ok(function
                .latest
                .configuration
                .to_json("Active", "InProgress"))
        })?;
        Ok(Reply::ok(answer))
    }
}
