//! A pool of reading connections to one SQLite database in WAL mode. A read sees everything
//! committed before it began, never waits for the writer, and goes through a connection with a
//! bounded page cache — so reading holds no more memory than the pool's caches, whatever the
//! database's size.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

/// Connections kept open between reads; more are opened under load and closed after.
const POOLED: usize = 4;

/// How long a read waits for SQLite's own locks (a checkpoint in progress) before failing.
const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    cache_kib: i64,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the database at `path`, each caching at most `cache_kib` KiB of pages.
    pub fn new(path: PathBuf, cache_kib: i64) -> Self {
        Self {
            path,
            cache_kib,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open(&self.path)?;
        connection.pragma_update(None, "cache_size", -self.cache_kib)?;
        connection.pragma_update(None, "query_only", true)?;
        connection.busy_timeout(BUSY_PATIENCE)?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(connection)
    }

    /// Runs `read` on a connection of the pool.
    pub fn with<T>(&self, read: impl FnOnce(&Connection) -> T) -> rusqlite::Result<T> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open()?,
        };
        let output = read(&connection);
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < POOLED {
            idle.push(connection);
        }
        Ok(output)
    }
}
