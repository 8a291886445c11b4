//! One WebSocket connection from handshake to `$disconnect`. The handshake completes only when
//! the `$connect` route (if any) answers 2xx; then every client message is routed and sent to its
//! function (two-way routes send the answer back), frames posted through `@connections` go out,
//! and the connection ends on the client's close, a server-side delete, the idle timeout or the
//! maximum duration — each reported to `$disconnect` with its code and reason.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use tokio::sync::mpsc;

use lab_feed::{
    IntegrationCall, Preview, Selection, WebSocketConnect, WebSocketDisconnect, WebSocketEvent,
    WebSocketMessage, WebSocketRecord,
};

use super::authorizer;
use super::events::{self, Body, Close};
use super::integration::{Outcome, Target, reply_of};
use super::selection;
use super::{Connection, Live, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, OUTBOUND_QUEUE, Outbound};
use crate::apigw::http::lambda_authorizer::Decision;
use crate::apigw::model::{AuthorizationType, Route};
use crate::apigw::{ApiGateway, event, message};
use crate::store::Scope;

/// The handshake request, after the API id.
#[derive(Debug)]
pub struct Handshake<'a> {
    pub path: &'a str,
    /// The path as the client sent it (what a SigV4 signature covers).
    pub signed_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
}

/// How long to wait for the client's reply to a close frame the gateway sent.
const CLOSE_REPLY_WAIT: Duration = Duration::from_secs(1);

impl ApiGateway {
    /// Whether `api_id` in `scope` is a WebSocket API.
    pub fn is_websocket_api(&self, scope: &Scope, api_id: &str) -> bool {
        let region = self.regions.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        apis.get(api_id).is_some_and(|api| api.is_websocket())
    }

    /// The deployed routes of `stage` of WebSocket API `api_id`, if it serves any.
    fn websocket_target(&self, scope: &Scope, api_id: &str, stage: &str) -> Option<Target> {
        let region = self.regions.get(scope);
        let apis = region.read().unwrap_or_else(|p| p.into_inner());
        let api = apis
            .get(api_id)
            .filter(|api| api.is_websocket() && !api.disable_execute_api_endpoint)?;
        let stage = api.stages.get(stage)?;
        let deployment = api.deployments.get(stage.deployment_id.as_ref()?)?;
        Some(Target {
            expression: api.route_selection_expression.clone(),
            stage_variables: stage.stage_variables.clone(),
            snapshot: deployment.snapshot.clone(),
        })
    }

    /// Answers a WebSocket handshake at an API's invoke URL: runs `$connect`, and completes the
    /// upgrade only if it answers 2xx.
    pub async fn accept_websocket(
        self: &Arc<Self>,
        scope: &Scope,
        api_id: &str,
        handshake: Handshake<'_>,
        mut upgrade: WebSocketUpgrade,
    ) -> Response {
        let received = std::time::Instant::now();
        let request_id = event::request_id();
        let stage = handshake
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        let Some(target) = self.websocket_target(scope, api_id, stage) else {
            return message(StatusCode::FORBIDDEN, "Forbidden");
        };
        let header = |name: &str| {
            handshake
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let mut connection = Connection {
            id: super::new_connection_id(),
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            scope: scope.clone(),
            domain_name: header("host"),
            source_ip: "127.0.0.1".to_owned(),
            user_agent: header("user-agent"),
            connected_at: crate::clock::now_millis(),
            stage_variables: target.stage_variables.clone(),
            authorizer: None,
            iam_identity: None,
        };
        let mut record = WebSocketConnect {
            query: handshake.query.map(str::to_owned),
            route_key: None,
            status: 101,
            authorizer: None,
            call: IntegrationCall::default(),
        };
        if let Some(route) = target.route("$connect") {
            record.route_key = Some("$connect".to_owned());
            if let Some(refusal) = self
                .authorize(
                    &mut connection,
                    &target,
                    route,
                    &handshake,
                    &request_id,
                    &mut record,
                )
                .await
            {
                let event = WebSocketEvent::Connect(record);
                self.websocket_record(&connection, &request_id, received, event);
                return refusal;
            }
        }
        let connection = Arc::new(connection);
        let report = |record: WebSocketConnect| {
            let event = WebSocketEvent::Connect(record);
            self.websocket_record(&connection, &request_id, received, event);
        };
        if let Some(route) = target.route("$connect") {
            let event =
                events::connect(&connection, handshake.headers, handshake.query, &request_id);
            match self
                .invoke_route(&connection, &target, route, event, &mut record.call)
                .await
            {
                Outcome::Answered(answer) => match event::response_1(&answer) {
                    Ok(response) if response.status().is_success() => {
                        if let Some(protocol) = response.headers().get("sec-websocket-protocol") {
                            upgrade.set_selected_protocol(protocol.clone());
                        }
                    }
                    Ok(refused) => {
                        record.status = refused.status().as_u16();
                        record.call.error = Some(
                            "$connect answered a non-2xx status: the connection is refused".into(),
                        );
                        report(record);
                        return refused;
                    }
                    Err(malformed) => {
                        let status = malformed.status;
                        record.status = status.as_u16();
                        record.call.error = Some(format!(
                            "$connect's answer is not a valid proxy response: {}",
                            malformed.reason
                        ));
                        report(record);
                        return message(status, "Internal server error");
                    }
                },
                Outcome::Mock => {}
                Outcome::Failed(status) => {
                    record.status = status.as_u16();
                    report(record);
                    return message(status, "Internal server error");
                }
            }
        }
        report(record);
        let gateway = Arc::clone(self);
        upgrade
            .max_frame_size(MAX_FRAME_BYTES)
            .max_message_size(MAX_MESSAGE_BYTES)
            .on_upgrade(move |socket| async move { gateway.run(socket, connection).await })
            .into_response()
    }

    /// Runs `$connect`'s authorization: the connection keeps what an authorizer let it in with;
    /// a refusal (noted in `record`) is the handshake's answer.
    async fn authorize(
        &self,
        connection: &mut Connection,
        target: &Target,
        route: &Route,
        handshake: &Handshake<'_>,
        request_id: &str,
        record: &mut WebSocketConnect,
    ) -> Option<Response> {
        let mut refuse = |status: StatusCode, kind: &str, decision: &str, reason: String| {
            record.status = status.as_u16();
            record.authorizer = Some(json!({
                "type": kind, "decision": decision, "reason": reason,
            }));
            record.call.error = Some(format!("$connect's authorizer: {reason}"));
            let text = match status {
                StatusCode::UNAUTHORIZED => "Unauthorized",
                StatusCode::FORBIDDEN => "Forbidden",
                _ => "Internal server error",
            };
            Some(message(status, text))
        };
        match route.authorization_type {
            AuthorizationType::None => None,
            AuthorizationType::Custom => {
                let Some(authorizer) = route
                    .authorizer_id
                    .as_ref()
                    .and_then(|id| target.snapshot.authorizers.get(id))
                else {
                    return refuse(
                        StatusCode::UNAUTHORIZED,
                        "REQUEST",
                        "refused",
                        "the route's authorizer is not in the stage's deployment: deploy the API again".to_owned(),
                    );
                };
                let started = std::time::Instant::now();
                let decision = self
                    .authorize_connect(connection, authorizer, handshake, request_id)
                    .await;
                match decision {
                    Decision::Allowed { context, principal } => {
                        let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
                        connection.authorizer = Some(authorizer::request_context(
                            principal.as_deref(),
                            &context,
                            latency,
                        ));
                        record.authorizer = Some(json!({
                            "type": "REQUEST", "decision": "allowed", "principalId": principal,
                            "context": context,
                        }));
                        None
                    }
                    Decision::Refused { status, reason } => {
                        refuse(status, "REQUEST", "refused", reason)
                    }
                    Decision::Failed(reason) => refuse(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "REQUEST",
                        "failed",
                        reason,
                    ),
                }
            }
            AuthorizationType::AwsIam => {
                let resource_arn = format!(
                    "arn:aws:execute-api:{}:{}:{}/{}/$connect",
                    connection.scope.region,
                    connection.scope.account,
                    connection.api_id,
                    connection.stage
                );
                let request = crate::apigw::iam_auth::IamRequest {
                    method: "GET",
                    signed_path: handshake.signed_path,
                    query: handshake.query,
                    headers: handshake.headers,
                    body: b"",
                    resource_arn: &resource_arn,
                    region: &connection.scope.region,
                };
                match self.authorize_iam(&request) {
                    Ok(caller) => {
                        let mut identity = json!({});
                        caller.fill_identity(&mut identity);
                        record.authorizer = Some(caller.feed());
                        connection.iam_identity = Some(identity);
                        None
                    }
                    Err(refusal) => refuse(
                        refusal.status,
                        "AWS_IAM",
                        "refused",
                        format!(
                            "{} ({})",
                            refusal.reason,
                            crate::apigw::iam_auth::EVALUATED_HERE
                        ),
                    ),
                }
            }
            AuthorizationType::Jwt => refuse(
                StatusCode::UNAUTHORIZED,
                "JWT",
                "refused",
                "WebSocket APIs do not support JWT authorizers".to_owned(),
            ),
        }
    }

    /// Serves a connected client until the connection ends, then reports it to `$disconnect`.
    async fn run(self: Arc<Self>, mut socket: WebSocket, connection: Arc<Connection>) {
        let limits = self.websocket_limits();
        let (outbound, mut queue) = mpsc::channel(OUTBOUND_QUEUE);
        let live = Live {
            connection: connection.clone(),
            outbound: outbound.clone(),
            last_active: Arc::new(AtomicI64::new(connection.connected_at)),
        };
        self.connections.insert(live.clone());
        let ends_at = tokio::time::Instant::now() + limits.max_duration;
        let mut idle_until = tokio::time::Instant::now() + limits.idle_timeout;
        let (close, closed_by_gateway) = loop {
            tokio::select! {
                frame = socket.recv() => {
                    let body = match frame {
                        Some(Ok(Message::Text(text))) => Body::Text(text.as_str().to_owned()),
                        Some(Ok(Message::Binary(bytes))) => Body::Binary(bytes.to_vec()),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            live.touch();
                            idle_until = tokio::time::Instant::now() + limits.idle_timeout;
                            continue;
                        }
                        Some(Ok(Message::Close(frame))) => {
                            break (Close::from_client(frame.as_ref().map(|f| (f.code, f.reason.as_str()))), false);
                        }
                        Some(Err(error)) if is_too_big(&error) => {
                            let close = Close::new(1009, "Message too big");
                            let _ = socket.send(close_frame(&close)).await;
                            break (close, true);
                        }
                        Some(Err(_)) | None => break (Close::abnormal(), false),
                    };
                    live.touch();
                    idle_until = tokio::time::Instant::now() + limits.idle_timeout;
                    let gateway = Arc::clone(&self);
                    let connection = connection.clone();
                    let outbound = outbound.clone();
                    tokio::spawn(async move { gateway.on_message(&connection, body, &outbound).await });
                }
                Some(out) = queue.recv() => match out {
                    Outbound::Frame(frame) => {
                        if socket.send(frame).await.is_err() {
                            break (Close::abnormal(), false);
                        }
                    }
                    Outbound::Close(close) => {
                        let _ = socket.send(close_frame(&close)).await;
                        break (close, true);
                    }
                },
                () = tokio::time::sleep_until(idle_until) => {
                    let close = Close::new(1001, "Going away");
                    let _ = socket.send(close_frame(&close)).await;
                    break (close, true);
                }
                () = tokio::time::sleep_until(ends_at) => {
                    let close = Close::new(1001, "Going away");
                    let _ = socket.send(close_frame(&close)).await;
                    break (close, true);
                }
            }
        };
        self.connections.remove(&connection.id);
        if closed_by_gateway {
            // Complete the closing handshake: the client answers with its own close frame.
            let _ = tokio::time::timeout(CLOSE_REPLY_WAIT, async {
                while let Some(Ok(frame)) = socket.recv().await {
                    if matches!(frame, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
        drop(socket);
        self.on_disconnect(&connection, close).await;
    }

    /// Routes one client message and runs its route.
    async fn on_message(
        &self,
        connection: &Connection,
        body: Body,
        outbound: &mpsc::Sender<Outbound>,
    ) {
        let received = std::time::Instant::now();
        let request_id = event::request_id();
        let message_id = super::new_connection_id();
        let mut record = WebSocketMessage {
            message: preview(&body),
            selection: None,
            route_key: None,
            reply: None,
            call: IntegrationCall::default(),
        };
        let report = |record: WebSocketMessage| {
            let event = WebSocketEvent::Message(record);
            self.websocket_record(connection, &request_id, received, event);
        };
        let Some(target) =
            self.websocket_target(&connection.scope, &connection.api_id, &connection.stage)
        else {
            record.call.error = Some("the stage no longer serves a deployment".into());
            self.send_error_frame(connection, "Internal server error", &request_id, outbound)
                .await;
            report(record);
            return;
        };
        let keys: Vec<&str> = target
            .snapshot
            .routes
            .iter()
            .map(|route| route.route_key.as_str())
            .collect();
        let text = match &body {
            Body::Text(text) => Some(text.as_str()),
            Body::Binary(_) => None,
        };
        let selection = selection::select(&target.expression, text, &keys);
        record.selection = Some(Selection {
            expression: target.expression.clone(),
            value: selection.value.clone(),
            reason: selection.reason.clone(),
        });
        let Some(route) = selection
            .route_key
            .as_deref()
            .and_then(|key| target.route(key))
        else {
            self.send_error_frame(connection, "Forbidden", &request_id, outbound)
                .await;
            record.call.error = Some(selection.reason);
            report(record);
            return;
        };
        record.route_key = Some(route.route_key.clone());
        let event = events::message(
            connection,
            &route.route_key,
            &body,
            &message_id,
            &request_id,
        );
        match self
            .invoke_route(connection, &target, route, event, &mut record.call)
            .await
        {
            Outcome::Answered(answer) => {
                if route.route_response_selection_expression.is_some()
                    && let Some(reply) = reply_of(&answer)
                {
                    record.reply = Some(preview(&reply));
                    let frame = match reply {
                        Body::Text(text) => Message::text(text),
                        Body::Binary(bytes) => Message::binary(bytes),
                    };
                    let _ = outbound.send(Outbound::Frame(frame)).await;
                }
            }
            Outcome::Mock => {}
            Outcome::Failed(_) => {
                self.send_error_frame(connection, "Internal server error", &request_id, outbound)
                    .await;
            }
        }
        report(record);
    }

    /// Tells `$disconnect` (if the stage has one) how the connection ended.
    async fn on_disconnect(&self, connection: &Connection, close: Close) {
        let received = std::time::Instant::now();
        let request_id = event::request_id();
        let mut record = WebSocketDisconnect {
            close: lab_feed::Close {
                code: close.code,
                reason: close.reason.clone(),
            },
            route_key: None,
            call: IntegrationCall::default(),
        };
        if let Some(target) =
            self.websocket_target(&connection.scope, &connection.api_id, &connection.stage)
            && let Some(route) = target.route("$disconnect")
        {
            record.route_key = Some("$disconnect".to_owned());
            let event = events::disconnect(connection, &close, &request_id);
            let _ = self
                .invoke_route(connection, &target, route, event, &mut record.call)
                .await;
        }
        let event = WebSocketEvent::Disconnect(record);
        self.websocket_record(connection, &request_id, received, event);
    }

    /// The error frame API Gateway sends a client whose message could not be handled.
    async fn send_error_frame(
        &self,
        connection: &Connection,
        text: &str,
        request_id: &str,
        outbound: &mpsc::Sender<Outbound>,
    ) {
        let frame = json!({
            "message": text,
            "connectionId": connection.id,
            "requestId": request_id,
        });
        let _ = outbound
            .send(Outbound::Frame(Message::text(frame.to_string())))
            .await;
    }

    /// Reports `event` of `connection`, which the gateway received at `received`, to the
    /// inspection feed.
    pub(super) fn websocket_record(
        &self,
        connection: &Connection,
        request_id: &str,
        received: std::time::Instant,
        event: WebSocketEvent,
    ) {
        self.record(lab_feed::Record::new(
            connection.scope.region.clone(),
            lab_feed::Kind::Websocket(WebSocketRecord {
                api_id: connection.api_id.clone(),
                stage: connection.stage.clone(),
                connection_id: connection.id.clone(),
                request_id: request_id.to_owned(),
                started_ms: Some(crate::clock::epoch_ms_ago(received.elapsed())),
                latency_ms: Some(received.elapsed().as_secs_f64() * 1000.0),
                event,
            }),
        ));
    }
}

/// What the inspector keeps of a frame's body.
pub(super) fn preview(body: &Body) -> Preview {
    const KEPT: usize = 64 * 1024;
    match body {
        Body::Text(text) => {
            let mut end = text.len().min(KEPT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            Preview::Text {
                text: text[..end].to_owned(),
                bytes: text.len(),
            }
        }
        Body::Binary(bytes) => Preview::Binary {
            base64: BASE64.encode(&bytes[..bytes.len().min(KEPT)]),
            bytes: bytes.len(),
        },
    }
}

fn close_frame(close: &Close) -> Message {
    Message::Close(Some(CloseFrame {
        code: close.code,
        reason: close.reason.as_str().into(),
    }))
}

/// Whether a read failed because the client exceeded the frame or message size limit.
fn is_too_big(error: &axum::Error) -> bool {
    use std::error::Error as _;
    use tokio_tungstenite::tungstenite::Error;
    error
        .source()
        .and_then(|source| source.downcast_ref::<Error>())
        .is_some_and(|error| matches!(error, Error::Capacity(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_keep_text_and_count_bytes() {
        assert_eq!(
            preview(&Body::Text("hé".into())),
            Preview::Text {
                text: "hé".into(),
                bytes: 3
            }
        );
        assert_eq!(
            preview(&Body::Binary(vec![0, 1])),
            Preview::Binary {
                base64: "AAE=".into(),
                bytes: 2
            }
        );
    }
}
