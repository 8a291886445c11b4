//! The connections table: one item per connected client, keyed by `connectionId`, with the
//! callback URL that reaches it and when it connected. The table's name comes from the function's
//! environment (`TABLE_NAME`).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::AwsCallError;

/// A client the table remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnection {
    pub connection_id: String,
    /// `https://{domainName}/{stage}`: where `@connections` reaches it.
    pub callback_url: String,
}

/// The table of connected clients.
#[derive(Debug, Clone)]
pub struct Connections {
    client: Client,
    table: String,
}

/// The function was deployed without its table's name.
#[derive(Debug, thiserror::Error)]
#[error(
    "the environment variable {} is not set: it names the connections table",
    crate::TABLE_ENV
)]
pub struct MissingTable;

impl Connections {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table named by `TABLE_NAME`.
    pub fn from_env(config: &aws_config::SdkConfig) -> Result<Self, MissingTable> {
        let table = std::env::var(crate::TABLE_ENV).map_err(|_| MissingTable)?;
        Ok(Self::new(Client::new(config), table))
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Remembers a client.
    pub async fn add(
        &self,
        connection_id: &str,
        callback_url: &str,
        connected_at: i64,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("connectionId", AttributeValue::S(connection_id.to_owned()))
            .item("callbackUrl", AttributeValue::S(callback_url.to_owned()))
            .item("connectedAt", AttributeValue::N(connected_at.to_string()))
            .send()
            .await
            .map_err(|error| AwsCallError::from_sdk("PutItem", &error.into_service_error()))?;
        Ok(())
    }

    /// Forgets a client (nothing happens if it was not there).
    pub async fn remove(&self, connection_id: &str) -> Result<(), AwsCallError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("connectionId", AttributeValue::S(connection_id.to_owned()))
            .send()
            .await
            .map_err(|error| AwsCallError::from_sdk("DeleteItem", &error.into_service_error()))?;
        Ok(())
    }

    /// Every remembered client, reading every page of the table.
    pub async fn all(&self) -> Result<Vec<StoredConnection>, AwsCallError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|error| AwsCallError::from_sdk("Scan", &error.into_service_error()))?;
            found.extend(page.items().iter().filter_map(|item| {
                let text = |name: &str| item.get(name)?.as_s().ok().cloned();
                Some(StoredConnection {
                    connection_id: text("connectionId")?,
                    callback_url: text("callbackUrl")?,
                })
            }));
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(found);
            }
        }
    }
}
