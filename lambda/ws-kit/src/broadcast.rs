//! One message to every stored client, all posts at once; clients that are gone are forgotten.

use lambda_runtime::tracing::{info, warn};
use tokio::task::JoinSet;

use crate::push::{Delivery, post_with};
use crate::{AwsCallError, Connections, Pusher};

/// How a broadcast went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Clients that got the message.
    pub sent: usize,
    /// Clients that were gone (410) and were removed from the table.
    pub gone: usize,
    /// Posts that failed otherwise.
    pub failed: usize,
}

/// Posts `data` to every client in `connections`.
pub async fn broadcast(
    connections: &Connections,
    pusher: &Pusher,
    data: &[u8],
) -> Result<Tally, AwsCallError> {
    let everyone = connections.all().await?;
    let mut posts = JoinSet::new();
    for stored in everyone {
        let client = pusher.client(&stored.callback_url);
        let data = data.to_vec();
        posts.spawn(async move {
            let delivery = post_with(&client, &stored.connection_id, &data).await;
            (stored.connection_id, delivery)
        });
    }
    let mut tally = Tally::default();
    while let Some(joined) = posts.join_next().await {
        let Ok((connection_id, delivery)) = joined else {
            tally.failed += 1;
            continue;
        };
        match delivery {
            Ok(Delivery::Sent) => tally.sent += 1,
            Ok(Delivery::Gone) => {
                info!(%connection_id, "gone: removing it");
                connections.remove(&connection_id).await?;
                tally.gone += 1;
            }
            Err(error) => {
                warn!(%connection_id, %error, "post failed");
                tally.failed += 1;
            }
        }
    }
    Ok(tally)
}
