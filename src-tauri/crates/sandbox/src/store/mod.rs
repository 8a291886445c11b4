//! Durable state of every service but DynamoDB (which keeps its items in a database of its own,
//! see `dynamodb::storage`): one SQLite database (WAL) in the data directory. These services keep
//! their working state in memory and describe each change to the store as a [`Mutation`]; the store's single writer thread commits mutations in arrival order, grouping
//! whatever is queued into one transaction, and acknowledges each only once it is committed. So a
//! write acknowledged to a client survives `kill -9` of the process, at one commit per group
//! rather than per request.
//!
//! A commit that fails (the database locked by another program past [`BUSY_PATIENCE`], the disk
//! full) stops the store for good: that group and every later one fail without being tried, and
//! [`Store::failure`] says why. Memory is then ahead of disk by exactly the changes no client was
//! told succeeded; the server refuses every request from then on, and the next start reads the
//! state from what was saved — so no unsaved change is ever served.
//!
//! The store knows rows, not HTTP or AWS types.

mod migrations;
pub mod readers;
mod rows;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;

use self::rows::{apply, load, load_definitions, load_in_bucket, load_logs};
use tokio::sync::oneshot;

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "sandbox.sqlite3";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening the sandbox database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("migrating the sandbox database to version {version}")]
    Migrate {
        version: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error("reading the sandbox database")]
    Read(#[source] rusqlite::Error),
    #[error("writing to the sandbox database")]
    Write(#[source] rusqlite::Error),
    #[error("the sandbox database writer has stopped")]
    WriterGone,
    #[error("an in-memory sandbox database cannot be read apart from its writer")]
    NoReaders,
    #[error(
        "another sandbox is using the data directory {dir}{holder}: stop it, or point this \
         command at it (for `lab`: --endpoint http://127.0.0.1:PORT)"
    )]
    InUse { dir: PathBuf, holder: String },
    #[error("locking the data directory {dir}")]
    Lock {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The file whose lock says a sandbox owns the data directory; it holds the owner's process id.
pub const LOCK_FILE: &str = "sandbox.lock";

/// How long to wait for a sandbox of this process that is still stopping to let go of the
/// directory before calling it in use.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// Takes the data directory for this process: two sandboxes on one directory would each keep
/// their own view of the state in memory and overwrite each other's writes. The lock goes with
/// the returned file, also when the process dies.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File, StoreError> {
    use std::io::{Read, Seek, Write};

    let path = dir.join(LOCK_FILE);
    let failed = |source| StoreError::Lock {
        dir: dir.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(failed)?;
    let deadline = std::time::Instant::now() + LOCK_PATIENCE;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::InUse {
                    dir: dir.to_path_buf(),
                    holder: if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (process {holder})")
                    },
                });
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(failed(error)),
        }
    }
    file.set_len(0).map_err(failed)?;
    file.rewind().map_err(failed)?;
    write!(file, "{}", std::process::id()).map_err(failed)?;
    Ok(file)
}

/// How the temporary state directories of sandboxes started without a data directory begin.
const TEMPORARY_PREFIX: &str = "lab-sandbox-";

/// A fresh state directory for a sandbox started without one, removed when dropped. The
/// directories that sandboxes killed before they could remove theirs left behind — those whose
/// lock nobody holds — are removed first.
pub fn temporary_data_dir() -> std::io::Result<tempfile::TempDir> {
    let parent = std::env::temp_dir();
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for entry in entries.flatten() {
            let left_behind = entry
                .file_name()
                .to_string_lossy()
                .starts_with(TEMPORARY_PREFIX)
                && std::fs::File::open(entry.path().join(LOCK_FILE))
                    .is_ok_and(|lock| lock.try_lock().is_ok());
            if left_behind {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempdir_in(parent)
}

/// Where a row belongs: AWS state is kept per account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

/// One change to durable state.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Forgets a DynamoDB table and its items kept here by an earlier version, once DynamoDB's
    /// own database holds them.
    DeleteTable {
        scope: Scope,
        name: String,
    },
    /// Creates or replaces a log group's definition (JSON: retention, tags, creation time).
    PutLogGroup {
        scope: Scope,
        name: String,
        definition: String,
    },
    /// Deletes a log group with its streams and events.
    DeleteLogGroup {
        scope: Scope,
        name: String,
    },
    PutLogStream {
        scope: Scope,
        group: String,
        name: String,
        created: i64,
    },
    /// Deletes a log stream with its events.
    DeleteLogStream {
        scope: Scope,
        group: String,
        name: String,
    },
    /// Creates or replaces an API Gateway API's definition (JSON).
    PutApi {
        scope: Scope,
        id: String,
        definition: String,
    },
    DeleteApi {
        scope: Scope,
        id: String,
    },
    /// Creates or replaces an API Gateway REST API's definition (JSON).
    PutRestApi {
        scope: Scope,
        id: String,
        definition: String,
    },
    DeleteRestApi {
        scope: Scope,
        id: String,
    },
    /// Creates or replaces an API key (`key/{id}`) or usage plan (`plan/{id}`) (JSON).
    PutRestUsage {
        scope: Scope,
        id: String,
        definition: String,
    },
    DeleteRestUsage {
        scope: Scope,
        id: String,
    },
    /// Creates or replaces a Lambda function's definition (JSON).
    PutFunction {
        scope: Scope,
        name: String,
        definition: String,
    },
    DeleteFunction {
        scope: Scope,
        name: String,
    },
    /// Creates or replaces an IAM role's definition (JSON).
    PutRole {
        account: String,
        name: String,
        definition: String,
    },
    DeleteRole {
        account: String,
        name: String,
    },
    /// Creates or replaces an IAM user's definition (JSON: access keys, policies, tags).
    PutIamUser {
        account: String,
        name: String,
        definition: String,
    },
    DeleteIamUser {
        account: String,
        name: String,
    },
    /// Creates or replaces a Cognito user pool's definition (JSON: settings, clients, key).
    PutUserPool {
        scope: Scope,
        id: String,
        definition: String,
    },
    /// Deletes a user pool with its users.
    DeleteUserPool {
        scope: Scope,
        id: String,
    },
    /// Creates or replaces a pool's user (`{poolId}/{username}`, JSON).
    PutPoolUser {
        scope: Scope,
        key: String,
        definition: String,
    },
    DeletePoolUser {
        scope: Scope,
        key: String,
    },
    /// Creates or replaces an S3 bucket's settings (JSON), under its owner and region.
    PutBucket {
        scope: Scope,
        name: String,
        definition: String,
    },
    /// Deletes a bucket with any object and upload rows left under its name.
    DeleteBucket {
        scope: Scope,
        name: String,
    },
    /// Creates or replaces an object's metadata (JSON naming its blob).
    PutObject {
        bucket: String,
        key: String,
        definition: String,
    },
    DeleteObject {
        bucket: String,
        key: String,
    },
    /// Creates or replaces a multipart upload in progress (JSON with its parts).
    PutUpload {
        bucket: String,
        id: String,
        definition: String,
    },
    DeleteUpload {
        bucket: String,
        id: String,
    },
    /// Appends events to a stream; `first_seq` numbers the first of them.
    AppendLogEvents {
        scope: Scope,
        group: String,
        stream: String,
        first_seq: i64,
        events: Vec<StoredLogEvent>,
    },
}

/// One log event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogEvent {
    pub timestamp: i64,
    pub ingestion: i64,
    pub message: String,
}

/// A log group as stored, with its streams.
#[derive(Debug, Clone)]
pub struct StoredLogGroup {
    pub scope: Scope,
    pub name: String,
    pub definition: String,
    pub streams: Vec<StoredLogStream>,
}

/// A log stream as stored, with a summary of its events (which stay on disk).
#[derive(Debug, Clone)]
pub struct StoredLogStream {
    pub name: String,
    pub created: i64,
    pub count: i64,
    pub first_timestamp: Option<i64>,
    /// The last event's timestamp and ingestion time.
    pub last: Option<(i64, i64)>,
    pub bytes: i64,
}

/// A stored row of a service that keeps one JSON definition per named resource.
#[derive(Debug, Clone)]
pub struct StoredDefinition {
    pub scope: Scope,
    pub name: String,
    pub definition: String,
}

/// Everything the store holds, as read at start.
#[derive(Debug, Default)]
pub struct Stored {
    /// DynamoDB tables an earlier version kept here (DynamoDB now has a database of its own).
    pub tables: Vec<StoredTable>,
    pub log_groups: Vec<StoredLogGroup>,
    pub functions: Vec<StoredDefinition>,
    pub apis: Vec<StoredDefinition>,
    pub rest_apis: Vec<StoredDefinition>,
    /// API keys and usage plans, named `key/{id}` and `plan/{id}`.
    pub rest_usage: Vec<StoredDefinition>,
    /// IAM roles, under the region `aws-global`.
    pub roles: Vec<StoredDefinition>,
    /// IAM users, under the region `aws-global`.
    pub iam_users: Vec<StoredDefinition>,
    /// Cognito user pools, by id.
    pub user_pools: Vec<StoredDefinition>,
    /// Their users, named `{poolId}/{username}`.
    pub pool_users: Vec<StoredDefinition>,
    /// S3 buckets, by owner and region.
    pub buckets: Vec<StoredDefinition>,
    pub objects: Vec<StoredInBucket>,
    pub uploads: Vec<StoredInBucket>,
}

/// A row kept under a bucket: an object by key, or an upload by id.
#[derive(Debug, Clone)]
pub struct StoredInBucket {
    pub bucket: String,
    pub name: String,
    pub definition: String,
}

/// A DynamoDB table as stored: its definition and its items.
#[derive(Debug, Clone)]
pub struct StoredTable {
    pub scope: Scope,
    pub name: String,
    pub definition: String,
    pub items: Vec<String>,
}

struct Batch {
    mutations: Vec<Mutation>,
    done: oneshot::Sender<Result<(), String>>,
}

/// A handle on the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    sender: mpsc::Sender<Batch>,
    /// Reading connections, for services that keep part of their state on disk only (none for
    /// an in-memory database).
    readers: Option<std::sync::Arc<readers::Readers>>,
    /// Why the writer stopped, once it has.
    failure: tokio::sync::watch::Receiver<Option<String>>,
}

/// Page cache per reading connection, in KiB.
const READER_CACHE_KIB: i64 = 2 * 1024;

/// How long the writer waits for another program that holds the database's write lock before
/// calling the commit failed.
pub const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Owns the writer thread. The thread ends once every [`Store`] handle is gone; [`join`] then
/// waits for it, so the last commits are on disk before the process exits.
///
/// [`join`]: StoreThread::join
#[derive(Debug)]
pub struct StoreThread {
    handle: JoinHandle<()>,
}

impl StoreThread {
    /// Waits for the writer to finish. Drop every [`Store`] handle first, or this never returns.
    pub fn join(self) {
        if self.handle.join().is_err() {
            tracing::error!("the sandbox database writer panicked");
        }
    }
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("mutations", &self.mutations)
            .finish()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the database in `data_dir`, or an in-memory one.
    /// Returns the store, everything it holds, and the writer thread's owner.
    pub fn open(data_dir: Option<&Path>) -> Result<(Self, Stored, StoreThread), StoreError> {
        let mut lock = None;
        let mut readers = None;
        let connection = match data_dir {
            Some(dir) => {
                let path = dir.join(DATABASE_FILE);
                let open = |source| StoreError::Open {
                    path: path.clone(),
                    source,
                };
                std::fs::create_dir_all(dir).map_err(|error| {
                    open(rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
                })?;
                lock = Some(lock_data_dir(dir)?);
                readers = Some(std::sync::Arc::new(readers::Readers::new(
                    path.clone(),
                    READER_CACHE_KIB,
                )));
                let connection = Connection::open(&path).map_err(open)?;
                connection
                    .pragma_update(None, "journal_mode", "WAL")
                    .map_err(open)?;
                // In WAL mode NORMAL writes every commit to the log before returning, so a
                // committed transaction survives the process being killed.
                connection
                    .pragma_update(None, "synchronous", "NORMAL")
                    .map_err(open)?;
                connection.busy_timeout(BUSY_PATIENCE).map_err(open)?;
                connection
            }
            None => Connection::open_in_memory().map_err(|source| StoreError::Open {
                path: PathBuf::from(":memory:"),
                source,
            })?,
        };
        migrations::apply(&connection)?;
        let tables = Stored {
            tables: load(&connection)?,
            log_groups: load_logs(&connection)?,
            functions: load_definitions(&connection, "lambda_functions")?,
            apis: load_definitions(&connection, "apigw_apis")?,
            rest_apis: load_definitions(&connection, "apigw_rest_apis")?,
            rest_usage: load_definitions(&connection, "apigw_rest_usage")?,
            roles: load_definitions(&connection, "iam_roles")?,
            iam_users: load_definitions(&connection, "iam_users")?,
            user_pools: load_definitions(&connection, "cognito_pools")?,
            pool_users: load_definitions(&connection, "cognito_users")?,
            buckets: load_definitions(&connection, "s3_buckets")?,
            objects: load_in_bucket(&connection, "s3_objects", "key")?,
            uploads: load_in_bucket(&connection, "s3_uploads", "id")?,
        };
        let (sender, receiver) = mpsc::channel::<Batch>();
        let (report_failure, failure) = tokio::sync::watch::channel(None);
        let handle = std::thread::Builder::new()
            .name("sandbox-store".into())
            .spawn(move || {
                write_loop(connection, receiver, &report_failure);
                // The directory is free once the last commit is written.
                drop(lock);
            })
            .map_err(|error| StoreError::Open {
                path: PathBuf::from("writer thread"),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(error)),
            })?;
        Ok((
            Self {
                sender,
                readers,
                failure,
            },
            tables,
            StoreThread { handle },
        ))
    }

    /// Queues `mutations` to be committed together, after everything queued before them. Call it
    /// while still holding the lock under which the in-memory change was made, so the store sees
    /// changes in the same order as memory; then await the returned commit outside the lock.
    pub fn submit(&self, mutations: Vec<Mutation>) -> Commit {
        let (done, receiver) = oneshot::channel();
        let queued = self.sender.send(Batch { mutations, done }).is_ok();
        Commit { receiver, queued }
    }

    /// Runs `read` on a reading connection: it sees every change committed before it began.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let readers = self.readers.as_ref().ok_or(StoreError::NoReaders)?;
        readers
            .with(read)
            .and_then(|output| output)
            .map_err(StoreError::Read)
    }

    /// Why the store stopped writing, once a commit has failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.borrow().clone()
    }

    /// Waits until a commit fails, and says why.
    pub async fn failed(&self) -> String {
        let mut failure = self.failure.clone();
        match failure.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_default(),
            // The writer is gone without failing: the sandbox is stopping; never report.
            Err(_) => std::future::pending().await,
        }
    }

    /// [`submit`](Self::submit) for a change made deep inside a request's synchronous handling:
    /// the commit goes to the request's own list (see [`collect_commits`]), which that request,
    /// and no other, awaits before it answers.
    pub fn submit_for_request(&self, mutations: Vec<Mutation>) {
        let mut commit = Some(self.submit(mutations));
        let _ = REQUEST_COMMITS.try_with(|commits| commits.borrow_mut().extend(commit.take()));
        if commit.is_some() {
            // A bug, not a request's doing: nobody would wait for this change.
            tracing::error!("a change was submitted outside collect_commits; nobody awaits it");
        }
    }
}

tokio::task_local! {
    /// The commits of the request whose handling is running (see [`collect_commits`]).
    static REQUEST_COMMITS: std::cell::RefCell<Vec<Commit>>;
}

/// Runs `handling` — the synchronous part of serving one request — and returns with its output
/// the commits of every change it submitted through [`Store::submit_for_request`], for the
/// request to await with [`all_durable`] before answering.
pub fn collect_commits<T>(handling: impl FnOnce() -> T) -> (T, Vec<Commit>) {
    REQUEST_COMMITS.sync_scope(std::cell::RefCell::new(Vec::new()), || {
        let output = handling();
        (output, REQUEST_COMMITS.with(std::cell::RefCell::take))
    })
}

/// Waits until every one of `commits` is durable; the first failure is returned.
pub async fn all_durable(commits: Vec<Commit>) -> Result<(), StoreError> {
    for commit in commits {
        commit.durable().await?;
    }
    Ok(())
}

/// The pending commit of submitted mutations.
#[derive(Debug)]
pub struct Commit {
    receiver: oneshot::Receiver<Result<(), String>>,
    queued: bool,
}

impl Commit {
    /// Waits until the mutations are durable.
    pub async fn durable(self) -> Result<(), StoreError> {
        if !self.queued {
            return Err(StoreError::WriterGone);
        }
        match self.receiver.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Write(rusqlite::Error::InvalidParameterName(
                message,
            ))),
            Err(_) => Err(StoreError::WriterGone),
        }
    }
}

/// The most batches committed in one transaction.
const MAX_GROUP: usize = 512;

fn write_loop(
    mut connection: Connection,
    receiver: mpsc::Receiver<Batch>,
    report_failure: &tokio::sync::watch::Sender<Option<String>>,
) {
    let mut failure: Option<String> = None;
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(batch) => group.push(batch),
                Err(_) => break,
            }
        }
        let result = match &failure {
            // After a failed commit nothing more is written: memory must not get further ahead.
            Some(reason) => Err(format!("an earlier change could not be saved ({reason})")),
            None => commit_group(&mut connection, &group).map_err(|error| {
                let reason = error.to_string();
                tracing::error!(%reason, "sandbox database write failed; the sandbox stops writing");
                failure = Some(reason.clone());
                report_failure.send_replace(Some(reason.clone()));
                reason
            }),
        };
        for batch in group {
            let _ = batch.done.send(result.clone());
        }
    }
}

fn commit_group(connection: &mut Connection, group: &[Batch]) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    for mutation in group.iter().flat_map(|batch| &batch.mutations) {
        apply(&transaction, mutation)?;
    }
    transaction.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn a_data_directory_belongs_to_one_sandbox_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, thread) = Store::open(Some(dir.path())).unwrap();
        let refused = Store::open(Some(dir.path())).unwrap_err();
        let message = refused.to_string();
        assert!(
            matches!(refused, StoreError::InUse { .. })
                && message.contains(&format!("(process {})", std::process::id())),
            "{message}"
        );
        // Once the first has stopped, the directory is free again.
        drop(store);
        thread.join();
        let (_store, _, _thread) = Store::open(Some(dir.path())).unwrap();
    }

    #[tokio::test]
    async fn committed_mutations_come_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, definition: &str| Mutation::PutFunction {
            scope: scope(),
            name: name.into(),
            definition: definition.into(),
        };
        {
            let (store, stored, _thread) = Store::open(Some(dir.path())).unwrap();
            assert!(stored.functions.is_empty());
            store
                .submit(vec![put("one", "1"), put("two", "2")])
                .durable()
                .await
                .unwrap();
            store
                .submit(vec![
                    put("one", "uno"),
                    Mutation::DeleteFunction {
                        scope: scope(),
                        name: "two".into(),
                    },
                ])
                .durable()
                .await
                .unwrap();
        }
        let (_store, stored, _thread) = Store::open(Some(dir.path())).unwrap();
        let functions: Vec<(String, String)> = stored
            .functions
            .into_iter()
            .map(|function| (function.name, function.definition))
            .collect();
        assert_eq!(functions, vec![("one".to_owned(), "uno".to_owned())]);
    }
}
