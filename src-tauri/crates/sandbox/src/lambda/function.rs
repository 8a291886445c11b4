//! A function's configuration: read from CreateFunction and UpdateFunctionConfiguration, checked
//! as AWS checks it, and rendered as AWS's `FunctionConfiguration`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::wire::AwsError;

const NAMESPACE: &str = "com.amazonaws.lambda";

pub fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(NAMESPACE, code, status, message).with("Type", json!("User"))
}

pub fn validation(message: impl Into<String>) -> AwsError {
    error(StatusCode::BAD_REQUEST, "ValidationException", message)
}

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidParameterValueException",
        message,
    )
}

pub fn not_found(arn: &str) -> AwsError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        format!("Function not found: {arn}"),
    )
}

/// The runtimes the sandbox runs natively.
pub const RUNTIMES: [&str; 7] = [
    "provided.al2023",
    "provided.al2",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
];

/// Variables Lambda sets itself; a function may not define them.
const RESERVED_VARIABLES: [&str; 14] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentInput {
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CodeInput {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub image_uri: Option<String>,
}

/// The body of CreateFunction.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInput {
    pub function_name: String,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub code: Option<CodeInput>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvironmentInput>,
    pub architectures: Option<Vec<String>>,
    pub package_type: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub publish: Option<bool>,
}

/// The body of UpdateFunctionConfiguration.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateConfigurationInput {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvironmentInput>,
}

/// A function's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    pub name: String,
    /// The unqualified function ARN.
    pub arn: String,
    /// `$LATEST` or a published version number.
    pub version: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub timeout: u32,
    pub memory_mb: u32,
    pub variables: BTreeMap<String, String>,
    pub has_environment: bool,
    pub architecture: String,
    pub code_sha256: String,
    pub code_size: u64,
    pub last_modified: String,
    pub revision_id: String,
    pub tags: BTreeMap<String, String>,
}

/// Whether `text` is 1 to `max_len` letters, digits, `-` and `_`: Lambda's pattern for
/// function names, alias names and statement ids.
pub fn is_identifier(text: &str, max_len: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_len
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn check_name(name: &str) -> Result<(), AwsError> {
    if is_identifier(name, 64) {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )))
    }
}

fn check_role(role: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b))
        });
    if valid {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
        )))
    }
}

fn check_runtime(runtime: &str) -> Result<(), AwsError> {
    if RUNTIMES.contains(&runtime) {
        Ok(())
    } else {
        Err(invalid_parameter(format!(
            "The runtime parameter of {runtime} is not supported by the sandbox. Supported runtimes: {}",
            RUNTIMES.join(", ")
        )))
    }
}

fn check_range(value: i64, field: &str, low: i64, high: i64) -> Result<u32, AwsError> {
    if value < low {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {low}"
        )));
    }
    if value > high {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {high}"
        )));
    }
    Ok(value as u32)
}

fn check_variables(variables: &BTreeMap<String, String>) -> Result<(), AwsError> {
    let reserved: Vec<&str> = variables
        .keys()
        .map(String::as_str)
        .filter(|key| RESERVED_VARIABLES.contains(key))
        .collect();
    if reserved.is_empty() {
        Ok(())
    } else {
        Err(invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )))
    }
}

/// AWS's `LastModified` format: `2026-11-21T12:07:36.123+0000`.
pub fn last_modified_now() -> String {
    let now = crate::clock::Civil::now();
    format!("{}.{:03}+0000", now.date_time(), now.millis)
}

impl Configuration {
    /// Checks a CreateFunction request (the code is checked separately).
    pub fn from_create(input: &CreateInput, arn: String) -> Result<Self, AwsError> {
        check_name(&input.function_name)?;
        if input
            .package_type
            .as_deref()
            .is_some_and(|kind| kind != "Zip")
        {
            return Err(invalid_parameter(
                "The sandbox runs Zip packages only; container images need Docker, which it does not use.",
            ));
        }
        let role = input.role.as_deref().ok_or_else(|| {
            validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null")
        })?;
        check_role(role)?;
        let runtime = input
            .runtime
            .as_deref()
            .ok_or_else(|| invalid_parameter("Runtime and Handler are mandatory parameters for functions created with deployment packages."))?;
        check_runtime(runtime)?;
        let handler = input.handler.clone().unwrap_or_default();
        if handler.is_empty() && runtime.starts_with("python") {
            return Err(invalid_parameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
            ));
        }
        let environment = input.environment.clone().unwrap_or_default();
        check_variables(&environment.variables)?;
        let architecture = match input.architectures.as_deref() {
            None | Some([]) => "x86_64".to_owned(),
            Some([one]) if one == "x86_64" || one == "arm64" => one.clone(),
            Some(_) => {
                return Err(validation(
                    "1 validation error detected: Value at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]",
                ));
            }
        };
        Ok(Self {
            name: input.function_name.clone(),
            arn,
            version: "$LATEST".to_owned(),
            runtime: runtime.to_owned(),
            role: role.to_owned(),
            handler,
            description: input.description.clone().unwrap_or_default(),
            timeout: check_range(input.timeout.unwrap_or(3), "timeout", 1, 900)?,
            memory_mb: check_range(input.memory_size.unwrap_or(128), "memorySize", 128, 10_240)?,
            variables: environment.variables,
            has_environment: input.environment.is_some(),
            architecture,
            code_sha256: String::new(),
            code_size: 0,
            last_modified: last_modified_now(),
            revision_id: uuid::Uuid::new_v4().to_string(),
            tags: input.tags.clone(),
        })
    }

    /// The ARN of this version: unqualified for `$LATEST`, `…:function:name:N` for versions.
    pub fn qualified_arn(&self) -> String {
        if self.version == "$LATEST" {
            self.arn.clone()
        } else {
            format!("{}:{}", self.arn, self.version)
        }
    }

    /// Applies an UpdateFunctionConfiguration request.
    pub fn update(&mut self, input: &UpdateConfigurationInput) -> Result<(), AwsError> {
        let mut next = self.clone();
        if let Some(runtime) = &input.runtime {
            check_runtime(runtime)?;
            next.runtime = runtime.clone();
        }
        if let Some(role) = &input.role {
            check_role(role)?;
            next.role = role.clone();
        }
        if let Some(handler) = &input.handler {
            next.handler = handler.clone();
        }
        if let Some(description) = &input.description {
            next.description = description.clone();
        }
        if let Some(timeout) = input.timeout {
            next.timeout = check_range(timeout, "timeout", 1, 900)?;
        }
        if let Some(memory) = input.memory_size {
            next.memory_mb = check_range(memory, "memorySize", 128, 10_240)?;
        }
        if let Some(environment) = &input.environment {
            check_variables(&environment.variables)?;
            next.variables = environment.variables.clone();
            next.has_environment = true;
        }
        next.last_modified = last_modified_now();
        next.revision_id = uuid::Uuid::new_v4().to_string();
        *self = next;
        Ok(())
    }

    /// AWS's `FunctionConfiguration`; `state` and `update_status` say where the function is.
    pub fn to_json(&self, state: &str, update_status: &str) -> Json {
        let mut out = json!({
            "FunctionName": self.name,
            "FunctionArn": self.qualified_arn(),
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout,
            "MemorySize": self.memory_mb,
            "LastModified": self.last_modified,
            "CodeSha256": self.code_sha256,
            "Version": self.version,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self.revision_id,
            "State": state,
            "LastUpdateStatus": update_status,
            "PackageType": "Zip",
            "Architectures": [self.architecture],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", self.name)},
        });
        if self.has_environment {
            out["Environment"] = json!({"Variables": self.variables});
        }
        if state == "Pending" {
            out["StateReason"] = json!("The function is being created.");
            out["StateReasonCode"] = json!("Creating");
        }
        if update_status == "InProgress" {
            out["LastUpdateStatusReason"] = json!("The function is being updated.");
            out["LastUpdateStatusReasonCode"] = json!("Updating");
        }
        out
    }
}
