//! `$disconnect` of the lab's WebSocket API: the client that left is removed from the
//! connections table (`TABLE_NAME`). API Gateway calls it however the connection ended — the
//! client closed, the server deleted it, or it was idle too long — and logs say which.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use lambda_runtime::tracing::info;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use ws_kit::{Connections, reply};

async fn handle(
    connections: &Connections,
    event: LambdaEvent<ApiGatewayWebsocketProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Error> {
    let context = &event.payload.request_context;
    let connection_id = reply::connection_id(context)?;
    connections.remove(connection_id).await?;
    info!(
        %connection_id,
        code = ?context.disconnect_status_code,
        reason = context.disconnect_reason.as_deref().unwrap_or("-"),
        "disconnected"
    );
    Ok(reply::status(200))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = aws_config::load_from_env().await;
    let connections = Connections::from_env(&config)?;
    lambda_runtime::run(service_fn(|event| handle(&connections, event))).await
}
