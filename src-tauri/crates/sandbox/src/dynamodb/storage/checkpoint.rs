//! The checkpointer: a thread with a connection of its own that copies the write-ahead log into
//! the database a few times a second. Commits then only append to the log, so no write waits
//! for a checkpoint (and its flush to disk) to finish.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

/// How often the log is copied into the database.
const INTERVAL: Duration = Duration::from_millis(250);

/// Starts the checkpointer of the database at `path`; it stops when the returned sender goes.
pub(super) fn spawn(path: &Path) -> rusqlite::Result<mpsc::Sender<()>> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(1))?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("dynamodb-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                // PASSIVE copies what no reader still needs and never blocks the writer.
                if let Err(error) =
                    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!(%error, "checkpointing the DynamoDB database failed");
                }
            }
        })
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    Ok(stop)
}
