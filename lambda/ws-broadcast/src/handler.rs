//! What `ws-broadcast` does: invoked with a batch of position updates
//! (`{"positions": [{"flight": "IB3202", "lat": 40.4, "lon": -3.7}, …]}`), it posts
//! `{"type": "positions", "positions": […]}` to every stored client and answers with the tally:
//! `{"connections": n, "sent": …, "gone": …, "failed": …}`. Clients that are gone (410) are
//! removed from the table.

use lambda_runtime::tracing::info;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};
use ws_kit::{Connections, Pusher};

/// The message every client gets, from the invocation's event.
pub fn message_of(event: &Value) -> Result<Value, String> {
    let positions = event
        .get("positions")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            "the event needs a \"positions\" list, like {\"positions\": [{\"flight\": \"IB3202\", \"lat\": 40.4, \"lon\": -3.7}]}".to_owned()
        })?;
    Ok(json!({"type": "positions", "positions": positions}))
}

pub async fn handle(
    connections: &Connections,
    pusher: &Pusher,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let message = message_of(&event.payload)?;
    let count = message["positions"].as_array().map_or(0, Vec::len);
    let tally = ws_kit::broadcast(connections, pusher, message.to_string().as_bytes()).await?;
    info!(
        positions = count,
        sent = tally.sent,
        gone = tally.gone,
        failed = tally.failed,
        "broadcast"
    );
    Ok(json!({
        "connections": tally.sent + tally.gone + tally.failed,
        "sent": tally.sent,
        "gone": tally.gone,
        "failed": tally.failed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_become_one_message() {
        let message = message_of(&json!({"positions": [{"flight": "IB3202"}]})).unwrap_or_default();
        assert_eq!(
            message,
            json!({"type": "positions", "positions": [{"flight": "IB3202"}]})
        );
    }

    #[test]
    fn an_event_without_positions_says_what_is_expected() {
        let error = message_of(&json!({"flight": "IB3202"})).unwrap_err();
        assert!(error.contains("\"positions\""), "{error}");
    }
}
