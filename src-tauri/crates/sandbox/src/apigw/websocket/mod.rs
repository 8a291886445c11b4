//! The WebSocket data plane of API Gateway: clients connect at an API's invoke URL
//! (`ws://…/_aws/execute-api/{apiId}/{stage}` or host style), `$connect` decides whether the
//! handshake completes, every message is routed by the API's selection expression to a function,
//! `$disconnect` is told how the connection ended, and backends talk to clients through the
//! `@connections` management API.
//!
//! This module owns the registry of live connections and the limits; `session` runs one
//! connection, `management` answers `@connections`, `events` builds what functions receive and
//! `selection` picks routes.

mod authorizer;
pub mod events;
mod integration;
mod management;
pub mod selection;
mod session;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Message;
use tokio::sync::mpsc;

use crate::store::Scope;

pub use self::events::Close;
pub use self::management::ConnectionPath;
pub use self::session::Handshake;

/// API Gateway's limits on WebSocket connections; the durations can be shortened for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A connection with no traffic from its client for this long is closed (AWS: 10 minutes).
    pub idle_timeout: Duration,
    /// No connection lasts longer than this (AWS: 2 hours).
    pub max_duration: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(10 * 60),
            max_duration: Duration::from_secs(2 * 60 * 60),
        }
    }
}

/// The largest message a client may send or a backend may post (128 KB).
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024;

/// The largest single frame a client may send (32 KB).
pub const MAX_FRAME_BYTES: usize = 32 * 1024;

/// How many frames may wait for a slow client before posting to it waits.
const OUTBOUND_QUEUE: usize = 256;

/// What a connected client is, as its events and `GetConnection` describe it.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub api_id: String,
    pub stage: String,
    pub scope: Scope,
    pub domain_name: String,
    pub source_ip: String,
    pub user_agent: String,
    /// When the handshake completed, in milliseconds since the epoch.
    pub connected_at: i64,
    pub stage_variables: BTreeMap<String, String>,
    /// What `$connect`'s authorizer let the connection in with (`principalId`, its `context`):
    /// every event of the connection carries it as `requestContext.authorizer`.
    pub authorizer: Option<serde_json::Value>,
    /// Who signed the handshake, when `$connect` uses `AWS_IAM` authorization: the
    /// `requestContext.identity` members every event of the connection carries.
    pub iam_identity: Option<serde_json::Value>,
}

impl Connection {
    #[cfg(test)]
    pub(crate) fn for_tests(api_id: &str, stage: &str, id: &str) -> Self {
        Self {
            id: id.to_owned(),
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            scope: Scope {
                account: crate::DEFAULT_ACCOUNT_ID.to_owned(),
                region: "us-east-1".to_owned(),
            },
            domain_name: "127.0.0.1:4566".to_owned(),
            source_ip: "127.0.0.1".to_owned(),
            user_agent: "test".to_owned(),
            connected_at: 1_700_000_000_000,
            stage_variables: BTreeMap::new(),
            authorizer: None,
            iam_identity: None,
        }
    }
}

/// What the backend asks a connection's task to do.
#[derive(Debug)]
enum Outbound {
    Frame(Message),
    Close(Close),
}

/// A connection whose handshake completed and that has not closed yet.
#[derive(Debug, Clone)]
struct Live {
    connection: Arc<Connection>,
    outbound: mpsc::Sender<Outbound>,
    /// When the client last sent something, in milliseconds since the epoch.
    last_active: Arc<AtomicI64>,
}

/// Every live connection of a sandbox, by connection id.
#[derive(Debug, Default)]
pub struct Connections {
    live: Mutex<HashMap<String, Live>>,
}

impl Connections {
    fn insert(&self, live: Live) {
        self.lock().insert(live.connection.id.clone(), live);
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    fn get(&self, id: &str) -> Option<Live> {
        self.lock().get(id).cloned()
    }

    /// How many clients are connected.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Closes every connection of an API (deleted APIs and stages drop their clients).
    pub fn close_api(&self, api_id: &str, stage: Option<&str>) {
        let doomed: Vec<Live> = self
            .lock()
            .values()
            .filter(|live| {
                live.connection.api_id == api_id
                    && stage.is_none_or(|stage| live.connection.stage == stage)
            })
            .cloned()
            .collect();
        for live in doomed {
            let close = Outbound::Close(Close::new(1001, "Going away"));
            if let Err(mpsc::error::TrySendError::Full(close)) = live.outbound.try_send(close) {
                // A client that is slow to read still gets its close, after what is queued.
                tokio::spawn(async move {
                    let _ = live.outbound.send(close).await;
                });
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Live {
    fn touch(&self) {
        self.last_active
            .store(crate::clock::now_millis(), Ordering::Relaxed);
    }
}

/// A connection id as API Gateway writes them, e.g. `Sn0tGdAjIAMCJ3A=`: letters and digits only,
/// so it needs no escaping in an `@connections` URL beyond its `=`.
fn new_connection_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut value = uuid::Uuid::new_v4().as_u128();
    let mut id: String = (0..15)
        .map(|_| {
            let c = ALPHABET[(value % 62) as usize] as char;
            value /= 62;
            c
        })
        .collect();
    id.push('=');
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_look_like_api_gateways() {
        let id = new_connection_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
        assert!(id[..15].chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert_ne!(id, new_connection_id());
    }
}
