//! `$default` (and `sendmessage`) of the lab's WebSocket API: answers through API Gateway's
//! `@connections` API rather than the route's response. See [`handler`] for what each message
//! gets.
//!
//! Clients come from the standard AWS environment; `@connections` is reached at the client's
//! callback URL, or at `AWS_ENDPOINT_URL` when set (the sandbox).

mod handler;

use lambda_runtime::{Error, service_fn};
use ws_kit::{Connections, Pusher};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = aws_config::load_from_env().await;
    let connections = Connections::from_env(&config)?;
    let pusher = Pusher::new(config);
    lambda_runtime::run(service_fn(|event| {
        handler::handle(&connections, &pusher, event)
    }))
    .await
}
