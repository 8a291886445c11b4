//! The sandbox: an embedded local cloud on loopback that speaks AWS's wire protocols, so the AWS
//! SDK, the AWS CLI, boto3 and Lambda functions use it unchanged, by endpoint URL.
//!
//! [`start`] is the one entry point: it binds the listener and returns a [`Running`] sandbox with
//! its endpoint and a shutdown handle. Layering: [`wire`] parses and renders AWS protocols and
//! errors; each service's operations sit behind it; storage never sees HTTP types.
//!
//! Services arrive one by one. Until a service is implemented, every request for it is answered
//! with AWS's own "unknown operation" error shape, so clients fail loudly instead of being fooled.

pub mod apigw;
mod clock;
pub mod cognito;
pub mod dynamodb;
mod function_calls;
mod guard;
pub mod iam;
pub mod inspect;
pub mod lambda;
pub mod logs;
mod names;
mod random;
mod regional;
pub mod s3;
mod serve;
mod server;
pub mod store;
mod sts;
pub mod supervisor;
mod tagging;
pub mod tls;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use guard::Access;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The AWS account id the sandbox uses unless configured otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Port 0 picks a free port. Loopback unless explicitly told otherwise.
    pub listen: SocketAddr,
    /// The account id every resource belongs to.
    pub account_id: String,
    /// Where state is kept; `None` keeps it in a temporary directory of its own, deleted when
    /// the sandbox stops (and by the next sandbox to start, after a crash).
    pub data_dir: Option<PathBuf>,
    /// The account's limit on concurrent Lambda executions (AWS's default for new accounts
    /// is 10 in the sandbox's lessons).
    pub lambda_concurrency: usize,
    /// How long a function's environment may sit idle before it is stopped.
    pub lambda_idle_timeout: Duration,
    /// The interpreter `python3.x` functions run with; `python3` from `PATH` when unset.
    pub python: Option<PathBuf>,
    /// Whether Lambda's CPU rule (CPU in proportion to memory) is enforced by CPU cgroups where
    /// the sandbox may make them (the default), or always emulated by holding answers.
    pub cpu_cgroups: bool,
    /// Reports every DynamoDB item change to the inspection feed (the app's inspector shows what
    /// each request wrote). Off by default: it costs every write about 10 µs of CPU.
    pub record_item_changes: bool,
    /// The idle timeout and maximum duration of WebSocket connections (AWS's 10 minutes and 2
    /// hours unless shortened, e.g. for tests).
    pub websocket_limits: apigw::websocket::Limits,
    /// Permits listening on a non-loopback address. Off unless explicitly asked for: the sandbox
    /// accepts any credentials, so it must not be reachable from other machines by accident.
    pub allow_non_loopback: bool,
    /// The web origins whose pages may call the AWS service APIs and the Host names served
    /// besides loopback ones. By default no page may, and only loopback names are served.
    pub access: Access,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            data_dir: None,
            lambda_concurrency: lambda::DEFAULT_CONCURRENCY,
            lambda_idle_timeout: Duration::from_secs(600),
            python: None,
            cpu_cgroups: true,
            record_item_changes: false,
            websocket_limits: apigw::websocket::Limits::default(),
            allow_non_loopback: false,
            access: Access::default(),
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("listening on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing to listen on {addr}: the sandbox only listens on loopback addresses")]
    NotLoopback { addr: SocketAddr },
    #[error("opening the sandbox's state")]
    Store(#[from] store::StoreError),
    #[error("creating a temporary directory for the sandbox's state")]
    TemporaryDir(#[source] std::io::Error),
    #[error("reading the sandbox's saved state")]
    Load(#[from] dynamodb::LoadError),
    #[error("reading the sandbox's saved logs")]
    LoadLogs(#[from] logs::LoadError),
    #[error("preparing Lambda")]
    Lambda(#[from] lambda::SetupError),
    #[error("reading the sandbox's saved APIs")]
    Apis(#[from] apigw::LoadError),
    #[error("reading the sandbox's saved roles")]
    Roles(#[from] iam::LoadError),
    #[error("reading the sandbox's saved user pools")]
    UserPools(#[from] cognito::LoadError),
    #[error("reading the sandbox's saved buckets")]
    Buckets(#[from] s3::LoadError),
    #[error("preparing the sandbox's TLS")]
    Tls(#[from] tls::TlsError),
}

/// A sandbox that accepts connections. Dropping it stops the server too.
#[derive(Debug)]
pub struct Running {
    local_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    expiry: Option<JoinHandle<()>>,
    reaper: Option<JoinHandle<()>>,
    store: Option<store::StoreThread>,
    /// A handle to learn of a failed commit; dropped before the writer is joined.
    store_handle: Option<store::Store>,
    lambda: Option<Arc<lambda::Lambda>>,
    data_dir: PathBuf,
    /// The state directory of a sandbox started without one; removed after everything else.
    _temporary: Option<tempfile::TempDir>,
}

impl Running {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the sandbox keeps its state: the configured data directory, or its temporary one.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The endpoint URL to give AWS clients, e.g. `http://127.0.0.1:4566`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Waits until the sandbox can no longer save changes (a commit failed), and says why. The
    /// server refuses every request from then on; the owner should stop it and start it again.
    pub async fn failed(&self) -> String {
        match &self.store_handle {
            Some(store) => store.failed().await,
            None => std::future::pending().await,
        }
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        self.store_handle = None;
        if let Some(lambda) = self.lambda.take() {
            lambda.stop_all();
        }
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::error!(%error, "sandbox server task failed");
        }
        for task in [self.expiry.take(), self.reaper.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
            let _ = task.await;
        }
        // Every handle on the store is gone now; wait for its last commits.
        if let Some(store) = self.store.take() {
            let _ = tokio::task::spawn_blocking(move || store.join()).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(lambda) = self.lambda.take() {
            lambda.stop_all();
        }
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        for task in [self.expiry.take(), self.reaper.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

/// How often expired time-to-live items are deleted.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(2);

/// Binds the listener and starts serving in the background of the current tokio runtime.
///
/// Returns once the socket accepts connections.
pub async fn start(config: Config) -> Result<Running, Error> {
    if !config.listen.ip().is_loopback() && !config.allow_non_loopback {
        return Err(Error::NotLoopback {
            addr: config.listen,
        });
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: config.listen,
        source,
    })?;
    let (data_dir, temporary) = match &config.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = store::temporary_data_dir().map_err(Error::TemporaryDir)?;
            (temporary.path().to_path_buf(), Some(temporary))
        }
    };
    let tls = tls::Tls::load_or_create(&data_dir)?;
    let (store, stored, store_thread) = store::Store::open(Some(&data_dir))?;
    let logs = Arc::new(logs::Logs::load(store.clone(), stored.log_groups)?);
    let iam = Arc::new(iam::Iam::load(
        store.clone(),
        stored.roles,
        stored.iam_users,
        &config.account_id,
    )?);
    let cognito = Arc::new(cognito::Cognito::load(
        store.clone(),
        stored.user_pools,
        stored.pool_users,
    )?);
    cognito.set_endpoint(format!("http://{local_addr}"));
    let s3 = Arc::new(s3::S3::load(
        &data_dir,
        store.clone(),
        stored.buckets,
        stored.objects,
        stored.uploads,
    )?);
    let dynamodb = Arc::new(dynamodb::DynamoDb::open(&data_dir, &store, stored.tables).await?);
    let expiry = tokio::spawn(expire_items(dynamodb.clone()));
    let (shutdown, signal) = oneshot::channel::<()>();
    let inspector = Arc::new(inspect::Inspector::default());
    let lambda = Arc::new(lambda::Lambda::load(
        Some(&data_dir),
        logs.clone(),
        store.clone(),
        stored.functions,
    )?);
    lambda.set_inspector(inspector.clone());
    cognito.mailbox().set_inspector(inspector.clone());
    if config.record_item_changes {
        dynamodb.set_inspector(inspector.clone());
    }
    lambda.set_concurrency_limit(config.lambda_concurrency);
    let apigw = Arc::new(apigw::ApiGateway::load(
        store.clone(),
        lambda.clone(),
        stored.apis,
        stored.rest_apis,
        stored.rest_usage,
    )?);
    apigw.set_endpoint(format!("http://{local_addr}"));
    apigw.set_observers(logs.clone(), inspector.clone());
    apigw.set_dynamodb(dynamodb.clone());
    apigw.set_cognito(cognito.clone());
    apigw.set_iam(iam.clone());
    apigw.set_websocket_limits(config.websocket_limits);
    let reaper = tokio::spawn(reap_idle(lambda.clone(), config.lambda_idle_timeout));
    lambda.set_endpoint(format!("http://{local_addr}"));
    lambda.set_trusted_roots(tls.bundle().to_path_buf());
    if let Some(python) = &config.python {
        lambda.set_python(python.clone());
    }
    let cpu_mode = lambda.enforce_cpu_with_cgroups(config.cpu_cgroups);
    tracing::debug!(cpu_mode, "Lambda's CPU rule");
    let services = server::Services {
        cognito,
        dynamodb,
        iam,
        logs,
        lambda: lambda.clone(),
        apigw,
        inspector,
        s3,
        store: store.clone(),
    };
    let router = server::router(server::State::new(
        config.account_id,
        services,
        guard::Guard::new(local_addr.port(), &config.access),
    ));
    let task = tokio::spawn(serve::serve(listener, router, tls, async {
        // A dropped sender means the `Running` handle is gone: stop as well.
        let _ = signal.await;
    }));
    tracing::info!(endpoint = %format!("http://{local_addr}"), "sandbox listening");
    Ok(Running {
        local_addr,
        shutdown: Some(shutdown),
        task: Some(task),
        expiry: Some(expiry),
        reaper: Some(reaper),
        store: Some(store_thread),
        store_handle: Some(store),
        lambda: Some(lambda),
        data_dir,
        _temporary: temporary,
    })
}

/// Stops idle function environments, checking a few times per idle period.
async fn reap_idle(lambda: Arc<lambda::Lambda>, limit: Duration) {
    let mut ticks = tokio::time::interval((limit / 4).max(Duration::from_millis(50)));
    loop {
        ticks.tick().await;
        let stopped = lambda.reap_idle(limit);
        if stopped > 0 {
            tracing::debug!(stopped, "stopped idle function environments");
        }
    }
}

async fn expire_items(dynamodb: Arc<dynamodb::DynamoDb>) {
    let mut ticks = tokio::time::interval(EXPIRY_INTERVAL);
    loop {
        ticks.tick().await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |elapsed| elapsed.as_secs_f64());
        let expired = dynamodb.expire_items(now).await;
        if expired > 0 {
            tracing::debug!(expired, "deleted expired items");
        }
    }
}
