//! Pushes position updates to every client of the lab's WebSocket API — how the course sends
//! live flight positions to browsers. Invoked directly (not through a route); see [`handler`].

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
