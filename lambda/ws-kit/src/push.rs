//! Posting to a client through API Gateway's `@connections` API.
//!
//! On AWS the management API lives at the client's callback URL, `https://{domainName}/{stage}`.
//! When the standard endpoint configuration names an endpoint (`AWS_ENDPOINT_URL`, as in the
//! sandbox), that wins, so the same code reaches the sandbox unchanged.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;

use crate::AwsCallError;

/// What became of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The client is no longer connected (`GoneException`, 410).
    Gone,
}

/// Management API clients, one per callback URL.
#[derive(Debug)]
pub struct Pusher {
    shared: aws_config::SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
}

impl Pusher {
    pub fn new(shared: aws_config::SdkConfig) -> Self {
        Self {
            shared,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `callback_url` (built once, then reused).
    pub fn client(&self, callback_url: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(callback_url.to_owned())
            .or_insert_with(|| {
                let mut config = aws_sdk_apigatewaymanagement::config::Builder::from(&self.shared);
                if self.shared.endpoint_url().is_none() {
                    config = config.endpoint_url(callback_url);
                }
                Client::from_conf(config.build())
            })
            .clone()
    }

    /// Sends `data` to one client.
    pub async fn post(
        &self,
        callback_url: &str,
        connection_id: &str,
        data: &[u8],
    ) -> Result<Delivery, AwsCallError> {
        post_with(&self.client(callback_url), connection_id, data).await
    }
}

/// Sends `data` to one client with `client`.
pub async fn post_with(
    client: &Client,
    connection_id: &str,
    data: &[u8],
) -> Result<Delivery, AwsCallError> {
    let result = client
        .post_to_connection()
        .connection_id(connection_id)
        .data(Blob::new(data))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Delivery::Sent),
        Err(error) => {
            let error = error.into_service_error();
            if error.is_gone_exception() {
                Ok(Delivery::Gone)
            } else {
                Err(AwsCallError::from_sdk("PostToConnection", &error))
            }
        }
    }
}
