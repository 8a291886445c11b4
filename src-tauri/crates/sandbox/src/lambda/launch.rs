//! How a function's process is started: the command for its runtime (`bootstrap` for provided
//! runtimes, the sandbox's runtime loop for Python) and the environment variables AWS sets,
//! the environment's own session credentials among them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

/// What a process needs to start: the environment AWS gives a function.
#[derive(Debug, Clone)]
pub struct Launch {
    pub function_name: String,
    pub function_arn: String,
    pub version: String,
    pub runtime: String,
    pub handler: String,
    pub memory_mb: u32,
    pub task_root: PathBuf,
    pub variables: BTreeMap<String, String>,
    pub region: String,
    pub sandbox_endpoint: String,
    pub log_group: String,
    /// The Python runtime-interface loop the sandbox ships, for `python3.x` runtimes.
    pub python_loop: PathBuf,
    /// The interpreter that runs it.
    pub python: PathBuf,
    /// Roots that include the sandbox's certificate authority, so that code calling the
    /// sandbox over https (as code written for AWS does) trusts it.
    pub trusted_roots: Option<PathBuf>,
    /// Where its environments get their CPU limit, when the kernel enforces it.
    pub cpu_groups: Option<std::sync::Arc<super::cgroup::CpuGroups>>,
    /// The function's execution role, which its environments' sessions stand for.
    pub role: String,
    /// Where its environments' session credentials are minted and looked up.
    pub sessions: std::sync::Arc<super::sessions::Sessions>,
}

/// The process to start, with the environment AWS sets for a function.
pub(super) fn command(
    launch: &Launch,
    api_address: &str,
    log_stream: &str,
    credentials: &super::sessions::SessionCredentials,
) -> tokio::process::Command {
    let mut command = if launch.runtime.starts_with("python") {
        let mut command = tokio::process::Command::new(&launch.python);
        command.arg("-u").arg(&launch.python_loop);
        command
    } else {
        tokio::process::Command::new(launch.task_root.join("bootstrap"))
    };
    command
        .env_clear()
        .current_dir(&launch.task_root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The function's own variables first: the reserved ones below cannot be overridden.
    for (key, value) in &launch.variables {
        command.env(key, value);
    }
    let host_path =
        std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned());
    let fixed = [
        ("AWS_LAMBDA_RUNTIME_API", api_address.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", launch.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", launch.version.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            launch.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_LOG_GROUP_NAME", launch.log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_REGION", launch.region.clone()),
        ("AWS_DEFAULT_REGION", launch.region.clone()),
        (
            "AWS_EXECUTION_ENV",
            format!("AWS_Lambda_{}", launch.runtime),
        ),
        ("_HANDLER", launch.handler.clone()),
        ("LAMBDA_TASK_ROOT", launch.task_root.display().to_string()),
        ("LAMBDA_RUNTIME_DIR", launch.task_root.display().to_string()),
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key.clone(),
        ),
        ("AWS_SESSION_TOKEN", credentials.session_token.clone()),
        ("AWS_ENDPOINT_URL", launch.sandbox_endpoint.clone()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", host_path),
    ];
    for (key, value) in fixed {
        command.env(key, value);
    }
    // Unless the function names roots of its own.
    if let Some(roots) = &launch.trusted_roots {
        for variable in crate::tls::TRUST_VARIABLES {
            if !launch.variables.contains_key(variable) {
                command.env(variable, roots);
            }
        }
    }
    command
}
