//! What `ws-default` does with a client's message:
//!
//! | message                                  | answer (through `@connections`)                 |
//! |------------------------------------------|-------------------------------------------------|
//! | `hello!`                                 | an init message to the sender                   |
//! | `{"action": "sendmessage", "data": …}`   | `{"type": "message", …}` to every client        |
//! | anything else                            | a help message to the sender                    |
//!
//! The route always answers 200: what the client sees is posted, not returned.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use lambda_runtime::tracing::info;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};
use ws_kit::{Connections, Delivery, Pusher, reply};

/// What a client asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Hello,
    SendMessage(Value),
    Other,
}

/// Reads a message body.
pub fn request_of(body: Option<&str>) -> Request {
    let body = body.unwrap_or_default().trim();
    if body == "hello!" {
        return Request::Hello;
    }
    match serde_json::from_str::<Value>(body) {
        Ok(message) if message["action"] == "sendmessage" => {
            Request::SendMessage(message.get("data").cloned().unwrap_or(Value::Null))
        }
        Ok(message) if message["message"] == "hello!" => Request::Hello,
        _ => Request::Other,
    }
}

/// The init message a client gets for its `hello!`.
pub fn init_message(connection_id: &str) -> Value {
    json!({
        "type": "init",
        "connectionId": connection_id,
        "message": "Hello! You are connected: position updates will be pushed to you.",
    })
}

/// What a client gets when its message means nothing to the function.
pub fn help_message() -> Value {
    json!({
        "type": "help",
        "message": "Send \"hello!\" for the init message, or {\"action\": \"sendmessage\", \"data\": …} to message everyone.",
    })
}

pub async fn handle(
    connections: &Connections,
    pusher: &Pusher,
    event: LambdaEvent<ApiGatewayWebsocketProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Error> {
    let request = event.payload;
    let context = &request.request_context;
    let connection_id = reply::connection_id(context)?;
    let callback_url =
        reply::callback_url(context).ok_or(reply::NotWebSocketEvent("domainName or stage"))?;
    let answer_sender = |message: Value| async move {
        let delivery = pusher
            .post(&callback_url, connection_id, message.to_string().as_bytes())
            .await?;
        if delivery == Delivery::Gone {
            info!(%connection_id, "the sender left before the answer");
        }
        Ok::<(), Error>(())
    };
    match request_of(request.body.as_deref()) {
        Request::Hello => {
            info!(%connection_id, "hello: sending the init message");
            answer_sender(init_message(connection_id)).await?;
        }
        Request::SendMessage(data) => {
            let message = json!({"type": "message", "from": connection_id, "data": data});
            let tally =
                ws_kit::broadcast(connections, pusher, message.to_string().as_bytes()).await?;
            info!(%connection_id, sent = tally.sent, gone = tally.gone, failed = tally.failed, "sendmessage relayed");
        }
        Request::Other => {
            info!(%connection_id, "unknown message: sending help");
            answer_sender(help_message()).await?;
        }
    }
    Ok(reply::status(200))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_as_the_lab_sends_them() {
        assert_eq!(request_of(Some("hello!")), Request::Hello);
        assert_eq!(request_of(Some(" hello!\n")), Request::Hello);
        assert_eq!(request_of(Some(r#"{"message":"hello!"}"#)), Request::Hello);
        assert_eq!(
            request_of(Some(
                r#"{"action":"sendmessage","data":{"flight":"IB3202"}}"#
            )),
            Request::SendMessage(json!({"flight": "IB3202"}))
        );
        assert_eq!(request_of(Some("hi")), Request::Other);
        assert_eq!(request_of(None), Request::Other);
        assert_eq!(request_of(Some(r#"{"action":"other"}"#)), Request::Other);
    }

    #[test]
    fn the_init_message_names_the_connection() {
        let message = init_message("abc=");
        assert_eq!(message["type"], "init");
        assert_eq!(message["connectionId"], "abc=");
    }
}
