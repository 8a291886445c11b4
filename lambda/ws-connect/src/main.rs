//! `$connect` of the lab's WebSocket API: every new client is stored in the connections table
//! (`TABLE_NAME`) with the callback URL that reaches it, so other functions can push to it.
//! Answering 200 lets the handshake complete; failing refuses the connection.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use lambda_runtime::tracing::info;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use ws_kit::Connections;
use ws_kit::reply::{self, NotWebSocketEvent};

async fn handle(
    connections: &Connections,
    event: LambdaEvent<ApiGatewayWebsocketProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Error> {
    let context = &event.payload.request_context;
    let connection_id = reply::connection_id(context)?;
    let callback_url =
        reply::callback_url(context).ok_or(NotWebSocketEvent("domainName or stage"))?;
    connections
        .add(connection_id, &callback_url, context.connected_at)
        .await?;
    info!(%connection_id, %callback_url, table = connections.table(), "connected");
    Ok(reply::status(200))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = aws_config::load_from_env().await;
    let connections = Connections::from_env(&config)?;
    lambda_runtime::run(service_fn(|event| handle(&connections, event))).await
}
