//! The callback URL of a WebSocket event, and the proxy responses the routes answer with.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequestContext};

/// The event lacks a field every WebSocket route event has: it did not come from a WebSocket API.
#[derive(Debug, thiserror::Error)]
#[error("the event has no requestContext.{0}: is this a WebSocket API event?")]
pub struct NotWebSocketEvent(pub &'static str);

/// The connection the event is about.
pub fn connection_id(
    context: &ApiGatewayWebsocketProxyRequestContext,
) -> Result<&str, NotWebSocketEvent> {
    context
        .connection_id
        .as_deref()
        .ok_or(NotWebSocketEvent("connectionId"))
}

/// Where `@connections` reaches the event's client, as AWS documents it:
/// `https://{domainName}/{stage}`.
pub fn callback_url(context: &ApiGatewayWebsocketProxyRequestContext) -> Option<String> {
    let domain = context.domain_name.as_deref()?;
    let stage = context.stage.as_deref()?;
    Some(format!("https://{domain}/{stage}"))
}

/// A proxy response with `status` and no body (what `$connect` and `$disconnect` answer).
pub fn status(status: i64) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_url_is_the_domain_and_stage() {
        let mut context = ApiGatewayWebsocketProxyRequestContext::default();
        context.domain_name = Some("abc123.execute-api.us-east-1.amazonaws.com".to_owned());
        context.stage = Some("prod".to_owned());
        assert_eq!(
            callback_url(&context).as_deref(),
            Some("https://abc123.execute-api.us-east-1.amazonaws.com/prod")
        );
        assert_eq!(
            callback_url(&ApiGatewayWebsocketProxyRequestContext::default()),
            None
        );
    }
}
