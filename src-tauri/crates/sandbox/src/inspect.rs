//! The inspection feed: what happened on the server side, for the app's inspector. Every record
//! (a [`lab_feed::Record`]: each Lambda invocation, API Gateway request, WebSocket event,
//! `@connections` call and DynamoDB item change) goes into a bounded history and out to live subscribers. Served under `/_sandbox/inspect/`,
//! never in AWS's namespace, and with every secret hidden (`lab-secrets`).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::Value as Json;
use tokio::sync::broadcast;

/// How many records the history keeps.
pub const HISTORY: usize = 1_000;

/// The feed of a sandbox.
#[derive(Debug)]
pub struct Inspector {
    history: Mutex<VecDeque<Json>>,
    live: broadcast::Sender<Json>,
    next_id: AtomicU64,
}

impl Default for Inspector {
    fn default() -> Self {
        Self {
            history: Mutex::new(VecDeque::with_capacity(HISTORY)),
            live: broadcast::channel(256).0,
            // Numbered from the clock (in microseconds, exact in JavaScript numbers), so a reader
            // that follows the feed by `after` keeps reading when the sandbox is restarted.
            next_id: AtomicU64::new(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |since| since.as_micros() as u64),
            ),
        }
    }
}

impl Inspector {
    /// Records `record`, numbering and time-stamping it. Secrets are hidden here, once for
    /// every kind of record: credentials, cookies, API keys and tokens in headers, events,
    /// answers, query strings and log lines never reach a reader of the feed.
    pub fn record(&self, record: lab_feed::Record) {
        let numbered = lab_feed::Numbered {
            id: self.next_id.fetch_add(1, Ordering::SeqCst),
            time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            record,
        };
        let mut record = match serde_json::to_value(&numbered) {
            Ok(record) => record,
            Err(error) => {
                tracing::error!(%error, "an inspection record could not be written as JSON");
                return;
            }
        };
        lab_secrets::redact_json(&mut record);
        {
            let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(record.clone());
        }
        let _ = self.live.send(record);
    }

    /// The records after `after` (by id), oldest first.
    pub fn history(&self, after: u64) -> Vec<Json> {
        let history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        history
            .iter()
            .filter(|record| record["id"].as_u64().is_some_and(|id| id > after))
            .cloned()
            .collect()
    }

    /// Live records as server-sent events (`event: record`); a slow reader that falls behind is
    /// told how many it missed (`event: lagged`) and can catch up from the history.
    pub fn stream(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
        let receiver = self.live.subscribe();
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let event = match receiver.recv().await {
                Ok(record) => Event::default().event("record").data(record.to_string()),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    Event::default().event("lagged").data(missed.to_string())
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((Ok(event), receiver))
        });
        Sse::new(stream).keep_alive(KeepAlive::default())
    }
}

/// A service's way to the feed: empty until the sandbox connects it to its [`Inspector`].
#[derive(Debug, Default)]
pub struct FeedSlot {
    inspector: Mutex<Option<Arc<Inspector>>>,
}

impl FeedSlot {
    pub fn connect(&self, inspector: Arc<Inspector>) {
        *self.inspector.lock().unwrap_or_else(|p| p.into_inner()) = Some(inspector);
    }

    /// The feed, once connected.
    pub fn inspector(&self) -> Option<Arc<Inspector>> {
        self.inspector
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records `record`, if the slot is connected.
    pub fn record(&self, record: lab_feed::Record) {
        if let Some(inspector) = self.inspector() {
            inspector.record(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_bounded_and_numbered() {
        let inspector = Inspector::default();
        for i in 0..HISTORY + 5 {
            inspector.record(lab_feed::Record::new(
                "us-east-1",
                lab_feed::Kind::ItemChange(lab_feed::ItemChange {
                    operation: "PutItem".into(),
                    table: "things".into(),
                    key: serde_json::json!({"n": {"N": i.to_string()}}),
                    item: None,
                }),
            ));
        }
        let all = inspector.history(0);
        assert_eq!(all.len(), HISTORY);
        assert_eq!(all[0]["key"]["n"]["N"], "5");
        let first = all[0]["id"].as_u64().expect("numbered");
        assert!(
            all.windows(2)
                .all(|pair| pair[1]["id"].as_u64() == pair[0]["id"].as_u64().map(|id| id + 1))
        );
        assert_eq!(inspector.history(first + HISTORY as u64 - 3).len(), 2);
    }
}
