//! What the lab's WebSocket functions share.
//!
//! `ws-connect` remembers each client in a DynamoDB table, `ws-disconnect` forgets it,
//! `ws-default` talks back through API Gateway's `@connections` API, and `ws-broadcast` pushes a
//! batch of position updates to everyone.
//!
//! - [`connections`]: the table of connected clients (`connectionId` → callback URL).
//! - [`push`]: posting to one client through `@connections`, telling "sent" from "gone" (410).
//! - [`broadcast`]: posting one message to every stored client, forgetting those that are gone.
//! - [`reply`]: the callback URL of an event, and the proxy responses routes answer with.

pub mod broadcast;
pub mod connections;
pub mod push;
pub mod reply;

pub use broadcast::{Tally, broadcast};
pub use connections::{Connections, StoredConnection};
pub use push::{Delivery, Pusher};

/// The environment variable naming the connections table.
pub const TABLE_ENV: &str = "TABLE_NAME";

/// Why a call to AWS failed, with the AWS error code when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {code}: {message}")]
pub struct AwsCallError {
    pub operation: &'static str,
    pub code: String,
    pub message: String,
}

impl AwsCallError {
    fn from_sdk<E>(operation: &'static str, error: &E) -> Self
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Display,
    {
        Self {
            operation,
            code: error.code().unwrap_or("Unknown").to_owned(),
            message: error
                .message()
                .map_or_else(|| error.to_string(), str::to_owned),
        }
    }
}
