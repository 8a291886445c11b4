//! The sandbox's inspection feed, followed from the outside: what happened on the server side
//! (each API Gateway request with the event it built, each Lambda invocation with its event,
//! answer and log lines), read from `/_sandbox/inspect/history` over HTTP like any other client.

use std::time::Duration;

use lab_feed::Numbered;
use serde_json::Value;

/// How often the feed is read while following it.
pub const POLL_INTERVAL: Duration = Duration::from_millis(150);

/// The feed could not be read: the sandbox did not answer, or answered something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reading {url}: {reason}")]
pub struct FeedError {
    pub url: String,
    pub reason: String,
}

/// A reader of one sandbox's feed that remembers what it has seen.
#[derive(Debug, Clone)]
pub struct ServerFeed {
    client: reqwest::Client,
    history_url: String,
    after: u64,
}

impl ServerFeed {
    /// A reader of the feed of the sandbox at `endpoint`, from its oldest record on.
    pub fn new(endpoint: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            history_url: format!(
                "{}/_sandbox/inspect/history",
                endpoint.trim_end_matches('/')
            ),
            after: 0,
        }
    }

    /// The records that arrived since the last read, oldest first. A record this build does not
    /// know (from a newer sandbox) is skipped, and logged.
    pub async fn next_records(&mut self) -> Result<Vec<Numbered>, FeedError> {
        let url = format!("{}?after={}", self.history_url, self.after);
        let failed = |error: &dyn std::fmt::Display| FeedError {
            url: url.clone(),
            reason: error.to_string(),
        };
        let body = self
            .client
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| failed(&error))?
            .bytes()
            .await
            .map_err(|error| failed(&error))?;
        let records: Vec<Value> = serde_json::from_slice(&body).map_err(|error| failed(&error))?;
        if let Some(last) = records
            .iter()
            .filter_map(|record| record.get("id").and_then(Value::as_u64))
            .max()
        {
            self.after = self.after.max(last);
        }
        Ok(records
            .into_iter()
            .filter_map(|record| match serde_json::from_value(record) {
                Ok(record) => Some(record),
                Err(error) => {
                    tracing::warn!(%error, "a record of the sandbox's feed was not understood");
                    None
                }
            })
            .collect())
    }

    /// Calls `on_record` with every record from now on, until the task is dropped. A sandbox
    /// that stops answering is retried quietly.
    pub async fn follow(mut self, mut on_record: impl FnMut(Numbered)) {
        loop {
            match self.next_records().await {
                Ok(records) => records.into_iter().for_each(&mut on_record),
                Err(error) => tracing::debug!(%error, "the sandbox's feed did not answer"),
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}
