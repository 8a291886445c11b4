//! Lambda (restJson, `/2015-03-31/…` and friends): functions per account and region, run as real
//! processes from their deployment packages, talking to the sandbox's implementation of the
//! Runtime API — the same binaries run here and on AWS.
//!
//! [`routes`] lists the operations on AWS's request paths; `api` is the control plane, one
//! function per operation; [`invoke`] runs invocations on the warm environments of
//! [`pool`]; [`environment`] runs one process ([`launch`] starts it) with its
//! [`runtime_api`], [`process`] keeps processes
//! contained, [`sessions`] gives each environment credentials of its own, [`package`] unpacks
//! zips; [`function`] holds configurations and their checks,
//! [`model`] functions, versions and aliases, [`policy`] resource policies. This module holds
//! the service's state and what other services ask of it.

mod api;
pub mod cgroup;
pub mod cpu;
pub mod environment;
pub mod function;
mod invoke;
mod launch;
mod model;
pub mod package;
pub mod policy;
mod pool;
pub(crate) mod process;
pub mod routes;
mod runtime_api;
pub mod sessions;

pub use process::processes_under;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;

use self::model::{Function, Functions};
use crate::logs::Logs;
use crate::regional::Regional;
use crate::store::{Mutation, Scope, Store, StoredDefinition};
use crate::wire::AwsError;

/// The default account limit on concurrent executions.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// Where the service keeps unpacked code, and the Python runtime loop it ships.
#[derive(Debug)]
struct CodeRoot {
    dir: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

/// The Lambda service of a sandbox.
#[derive(Debug)]
pub struct Lambda {
    regions: Regional<Functions>,
    logs: Arc<Logs>,
    store: Store,
    code: CodeRoot,
    endpoint: Mutex<String>,
    /// The roots function processes trust (the system's and the sandbox's authority).
    trusted_roots: Mutex<Option<PathBuf>>,
    busy: Arc<AtomicUsize>,
    concurrency_limit: AtomicUsize,
    python: Mutex<PathBuf>,
    feed: crate::inspect::FeedSlot,
    /// Where environments get their CPU limit from the kernel; none when it is emulated.
    cpu_groups: Mutex<Option<Arc<cgroup::CpuGroups>>>,
    /// Its environments' session credentials, by access key id.
    sessions: Arc<sessions::Sessions>,
}

/// Why the Lambda service could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("preparing the Lambda code directory {dir}")]
    CodeDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the saved function {name}: {message}")]
    Load { name: String, message: String },
}

impl Lambda {
    /// Restores the functions the store holds; `data_dir` keeps their code (a temporary
    /// directory does without one).
    pub fn load(
        data_dir: Option<&Path>,
        logs: Arc<Logs>,
        store: Store,
        stored: Vec<StoredDefinition>,
    ) -> Result<Self, SetupError> {
        let code = match data_dir {
            Some(dir) => CodeRoot {
                dir: dir.join("lambda"),
                _temporary: None,
            },
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("sandbox-lambda-")
                    .tempdir()
                    .map_err(|source| SetupError::CodeDir {
                        dir: std::env::temp_dir(),
                        source,
                    })?;
                CodeRoot {
                    dir: temporary.path().to_path_buf(),
                    _temporary: Some(temporary),
                }
            }
        };
        let code_error = |source| SetupError::CodeDir {
            dir: code.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&code.dir).map_err(code_error)?;
        std::fs::write(
            code.dir.join("python_runtime.py"),
            include_str!("python_runtime.py"),
        )
        .map_err(|source| SetupError::CodeDir {
            dir: code.dir.clone(),
            source,
        })?;
        let mut regions: HashMap<Scope, Functions> = HashMap::new();
        for row in stored {
            let function: Function =
                serde_json::from_str(&row.definition).map_err(|error| SetupError::Load {
                    name: row.name.clone(),
                    message: error.to_string(),
                })?;
            regions
                .entry(row.scope)
                .or_default()
                .insert(row.name, function);
        }
        Ok(Self {
            regions: Regional::new(regions),
            logs,
            store,
            code,
            endpoint: Mutex::new(String::new()),
            trusted_roots: Mutex::new(None),
            busy: Arc::new(AtomicUsize::new(0)),
            concurrency_limit: AtomicUsize::new(DEFAULT_CONCURRENCY),
            python: Mutex::new(PathBuf::from("python3")),
            feed: crate::inspect::FeedSlot::default(),
            cpu_groups: Mutex::new(None),
            sessions: Arc::default(),
        })
    }

    /// The sandbox's own endpoint, given to functions as `AWS_ENDPOINT_URL`.
    pub fn set_endpoint(&self, endpoint: String) {
        *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint;
    }

    /// The roots function processes are told to trust, so https to the sandbox works.
    pub fn set_trusted_roots(&self, roots: PathBuf) {
        *self.trusted_roots.lock().unwrap_or_else(|p| p.into_inner()) = Some(roots);
    }

    /// The account's limit on concurrent executions.
    pub fn set_concurrency_limit(&self, limit: usize) {
        self.concurrency_limit.store(limit, Ordering::SeqCst);
    }

    fn concurrency_limit(&self) -> usize {
        self.concurrency_limit.load(Ordering::SeqCst)
    }

    /// Where invocations are reported for the app's inspector.
    pub fn set_inspector(&self, inspector: Arc<crate::inspect::Inspector>) {
        self.feed.connect(inspector);
    }

    /// Enforces Lambda's CPU rule with cgroups where the sandbox may make them (else it is
    /// emulated); with `false`, always emulated. Answers which.
    pub fn enforce_cpu_with_cgroups(&self, wanted: bool) -> &'static str {
        let groups = if wanted {
            cgroup::CpuGroups::create().map(Arc::new)
        } else {
            None
        };
        let mode = if groups.is_some() {
            "cgroup"
        } else {
            "emulated"
        };
        *self.cpu_groups.lock().unwrap_or_else(|p| p.into_inner()) = groups;
        mode
    }

    /// The function environment whose session credentials have `access_key_id`, and the
    /// invocation it is running.
    pub fn caller(&self, access_key_id: &str) -> Option<sessions::Caller> {
        self.sessions.caller(access_key_id)
    }

    /// The environment holding `access_key_id`, and the secret its signatures are made with.
    pub fn signer(&self, access_key_id: &str) -> Option<(sessions::Caller, String)> {
        self.sessions.signer(access_key_id)
    }

    /// The interpreter `python3.x` functions run with.
    pub fn set_python(&self, python: PathBuf) {
        *self.python.lock().unwrap_or_else(|p| p.into_inner()) = python;
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops environments that have been idle longer than `limit`, as Lambda reclaims them.
    pub fn reap_idle(&self, limit: Duration) -> usize {
        let mut stopped = 0;
        for (_, region) in self.regions.all() {
            let functions = region.read().unwrap_or_else(|p| p.into_inner());
            for function in functions.values() {
                stopped += function.latest.pool.reap(limit);
                for version in function.versions.values() {
                    stopped += version.pool.reap(limit);
                }
            }
        }
        stopped
    }

    /// Stops every environment of every function.
    pub fn stop_all(&self) {
        for (_, region) in self.regions.all() {
            let functions = region.read().unwrap_or_else(|p| p.into_inner());
            for function in functions.values() {
                function.latest.pool.retire();
                for version in function.versions.values() {
                    version.pool.retire();
                }
            }
        }
    }

    /// Whether `principal` may invoke the function named by `reference` from `source_arn`,
    /// according to its resource policy.
    pub fn allows_invoke(
        &self,
        scope: &Scope,
        reference: &str,
        principal: &str,
        source_arn: &str,
    ) -> bool {
        let (name, qualifier) = split_qualifier(reference, None);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        functions.get(&name).is_some_and(|function| {
            // A version or alias has a policy of its own: the unqualified function's does not
            // let anyone invoke it.
            let resource =
                policy::resource_of(&function.latest.configuration.arn, qualifier.as_deref());
            function.policy.iter().any(|statement| {
                statement.resource == resource && statement.allows_invoke(principal, source_arn)
            })
        })
    }

    /// Whether `reference` (a name or ARN, possibly qualified) names a function of `scope`,
    /// and its version or alias if it has one.
    pub fn has_function(&self, scope: &Scope, reference: &str) -> bool {
        let (name, qualifier) = split_qualifier(reference, None);
        let region = self.regions.get(scope);
        let functions = region.read().unwrap_or_else(|p| p.into_inner());
        functions
            .get(&name)
            .is_some_and(|function| match &qualifier {
                None => true,
                Some(qualifier) => {
                    function.aliases.contains_key(qualifier)
                        || qualifier
                            .parse::<u32>()
                            .is_ok_and(|number| function.versions.contains_key(&number))
                }
            })
    }

    /// Saves `name`'s definition (or its deletion) and returns once it is durable.
    fn persist(
        &self,
        scope: &Scope,
        name: &str,
        function: Option<&Function>,
    ) -> Result<(), AwsError> {
        let mutation = match function {
            Some(function) => Mutation::PutFunction {
                scope: scope.clone(),
                name: name.to_owned(),
                definition: serde_json::to_string(function)
                    .map_err(|e| service_error(e.to_string()))?,
            },
            None => Mutation::DeleteFunction {
                scope: scope.clone(),
                name: name.to_owned(),
            },
        };
        // Queued under the region's lock, so saves happen in the order of the changes;
        // `handle` awaits the commit before answering.
        self.store.submit_for_request(vec![mutation]);
        Ok(())
    }
}

impl crate::wire::rest::Service for Lambda {
    fn unsaved(&self, reason: String) -> AwsError {
        service_error(reason)
    }
}

fn service_error(message: String) -> AwsError {
    function::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceException",
        message,
    )
}

/// The unqualified ARN of function `name`.
fn arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        scope.region, scope.account
    )
}

/// A function name, partial ARN or full ARN (possibly qualified), reduced to the name.
fn name_of(reference: &str) -> &str {
    let rest = reference
        .rsplit_once(":function:")
        .map_or(reference, |(_, rest)| rest);
    rest.split(':').next().unwrap_or(rest)
}

/// Splits `name:qualifier` references; a `Qualifier` parameter wins.
fn split_qualifier(reference: &str, parameter: Option<&str>) -> (String, Option<String>) {
    let name = name_of(reference).to_owned();
    let in_reference = reference
        .rsplit_once(":function:")
        .map_or(reference, |(_, rest)| rest)
        .split_once(':')
        .map(|(_, qualifier)| qualifier.to_owned());
    let qualifier = parameter
        .map(str::to_owned)
        .or(in_reference)
        .filter(|q| q != "$LATEST");
    (name, qualifier)
}

impl Lambda {
    /// Every function of `scope` with its ARN and tags (for the tagging API).
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        let region = self.regions.get(scope);
        let functions = region
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        functions
            .values()
            .map(|function| {
                let configuration = &function.latest.configuration;
                (configuration.arn.clone(), configuration.tags.clone())
            })
            .collect()
    }
}
