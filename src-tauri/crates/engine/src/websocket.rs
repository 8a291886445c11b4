//! The WebSocket client behind the app's WebSocket inspector: connects with the student's URL,
//! headers and query, sends text, binary, pings and close frames, and reports every frame in both
//! directions — with its time, opcode and size — to whoever is watching.
//!
//! Each connection carries a `x-serverless-lab-client` header with its own tag, so the sandbox's
//! `$connect` record (whose event holds the handshake headers) names the connection id API
//! Gateway gave it, and every later record about that id belongs to this client.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// The handshake header that names the client to the inspection feed.
pub const CLIENT_HEADER: &str = "x-serverless-lab-client";

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Sent,
    Received,
}

/// One frame, as the inspector lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Frame {
    pub client: u64,
    pub seq: u64,
    pub direction: Direction,
    /// Milliseconds since the epoch.
    pub at_ms: u64,
    /// `text`, `binary`, `ping`, `pong` or `close`.
    pub opcode: &'static str,
    pub size: usize,
    pub text: Option<String>,
    /// Binary payloads, base64.
    pub base64: Option<String>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
}

/// What the student sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Close { code: u16, reason: String },
}

/// Why a connection could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("\"{url}\" is not a ws:// or wss:// URL")]
    BadUrl { url: String },
    #[error("header {name:?} is not valid in a handshake")]
    BadHeader { name: String },
    #[error("the server refused the connection with HTTP {status}{}", body_suffix(.body))]
    Refused { status: u16, body: String },
    #[error("connecting to {url} failed: {message}")]
    Connect { url: String, message: String },
    #[error("the connection is closed")]
    Closed,
}

fn body_suffix(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

/// An open connection: send through it; its frames go to the channel given to [`connect`].
#[derive(Debug, Clone)]
pub struct Client {
    pub id: u64,
    pub url: String,
    /// The value of [`CLIENT_HEADER`] on its handshake.
    pub tag: String,
    outgoing: mpsc::Sender<Outgoing>,
}

static NEXT_CLIENT: AtomicU64 = AtomicU64::new(1);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Connects to `url` with extra `headers`; every frame in either direction is sent to `frames`
/// until the connection ends.
pub async fn connect(
    url: &str,
    headers: &[(String, String)],
    frames: broadcast::Sender<Frame>,
) -> Result<Client, ClientError> {
    if !(url.starts_with("ws://") || url.starts_with("wss://")) {
        return Err(ClientError::BadUrl {
            url: url.to_owned(),
        });
    }
    let id = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
    let tag = format!("inspector-{}-{id}", std::process::id());
    let mut request = url.into_client_request().map_err(|_| ClientError::BadUrl {
        url: url.to_owned(),
    })?;
    let pairs = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain([(CLIENT_HEADER, tag.as_str())]);
    for (name, value) in pairs {
        let bad = || ClientError::BadHeader {
            name: name.to_owned(),
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
        request.headers_mut().insert(name, value);
    }
    let (socket, _) =
        tokio_tungstenite::connect_async(request)
            .await
            .map_err(|error| match error {
                WsError::Http(response) => ClientError::Refused {
                    status: response.status().as_u16(),
                    body: response
                        .body()
                        .as_ref()
                        .map(|body| String::from_utf8_lossy(body).into_owned())
                        .unwrap_or_default(),
                },
                other => ClientError::Connect {
                    url: url.to_owned(),
                    message: other.to_string(),
                },
            })?;
    let (outgoing, mut queue) = mpsc::channel::<Outgoing>(64);
    tokio::spawn(async move {
        let (mut sink, mut stream) = socket.split();
        let seq = AtomicU64::new(0);
        let report = |direction: Direction, message: &Message| {
            let _ = frames.send(frame_of(
                id,
                seq.fetch_add(1, Ordering::Relaxed),
                direction,
                message,
            ));
        };
        loop {
            tokio::select! {
                incoming = stream.next() => match incoming {
                    Some(Ok(message)) => {
                        let closing = matches!(message, Message::Close(_));
                        if !matches!(message, Message::Frame(_)) {
                            report(Direction::Received, &message);
                        }
                        if closing {
                            // tungstenite answers the close frame; the connection is over.
                            let _ = sink.flush().await;
                            return;
                        }
                    }
                    Some(Err(error)) => {
                        tracing::debug!(%error, "the WebSocket connection failed");
                        report(Direction::Received, &Message::Close(Some(CloseFrame {
                            code: CloseCode::Abnormal,
                            reason: error.to_string().into(),
                        })));
                        return;
                    }
                    None => return,
                },
                wanted = queue.recv() => {
                    let Some(wanted) = wanted else {
                        let _ = sink.close().await;
                        return;
                    };
                    let message = match wanted {
                        Outgoing::Text(text) => Message::text(text),
                        Outgoing::Binary(bytes) => Message::binary(bytes),
                        Outgoing::Ping(bytes) => Message::Ping(bytes.into()),
                        Outgoing::Close { code, reason } => Message::Close(Some(CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.into(),
                        })),
                    };
                    report(Direction::Sent, &message);
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(Client {
        id,
        url: url.to_owned(),
        tag,
        outgoing,
    })
}

impl Client {
    pub async fn send(&self, message: Outgoing) -> Result<(), ClientError> {
        self.outgoing
            .send(message)
            .await
            .map_err(|_| ClientError::Closed)
    }

    /// Whether the connection is still open.
    pub fn is_open(&self) -> bool {
        !self.outgoing.is_closed()
    }
}

fn frame_of(client: u64, seq: u64, direction: Direction, message: &Message) -> Frame {
    let mut frame = Frame {
        client,
        seq,
        direction,
        at_ms: now_ms(),
        opcode: "text",
        size: message.len(),
        text: None,
        base64: None,
        close_code: None,
        close_reason: None,
    };
    match message {
        Message::Text(text) => frame.text = Some(text.to_string()),
        Message::Binary(bytes) => {
            frame.opcode = "binary";
            frame.base64 = Some(BASE64.encode(bytes));
        }
        Message::Ping(bytes) | Message::Pong(bytes) => {
            frame.opcode = if matches!(message, Message::Ping(_)) {
                "ping"
            } else {
                "pong"
            };
            frame.base64 = Some(BASE64.encode(bytes));
        }
        Message::Close(close) => {
            frame.opcode = "close";
            frame.close_code = close.as_ref().map(|close| u16::from(close.code));
            frame.close_reason = close.as_ref().map(|close| close.reason.to_string());
        }
        Message::Frame(_) => {}
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-connection echo server on loopback that also records the handshake's headers.
    // tungstenite's handshake callback returns its large error response type by value.
    #[allow(clippy::result_large_err)]
    async fn echo_server() -> (String, tokio::task::JoinHandle<Vec<(String, String)>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let callback =
                |request: &tokio_tungstenite::tungstenite::handshake::server::Request, response| {
                    for (name, value) in request.headers() {
                        seen.push((
                            name.to_string(),
                            value.to_str().unwrap_or_default().to_owned(),
                        ));
                    }
                    Ok(response)
                };
            let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
                .await
                .unwrap();
            while let Some(Ok(message)) = socket.next().await {
                if message.is_text() || message.is_binary() {
                    socket.send(message).await.unwrap();
                } else if message.is_close() {
                    break;
                }
            }
            seen
        });
        (url, server)
    }

    async fn next(frames: &mut broadcast::Receiver<Frame>) -> Frame {
        tokio::time::timeout(std::time::Duration::from_secs(5), frames.recv())
            .await
            .expect("a frame in time")
            .expect("the channel is open")
    }

    #[tokio::test]
    async fn frames_in_both_directions_are_reported_with_their_opcodes() {
        let (url, server) = echo_server().await;
        let (sender, mut frames) = broadcast::channel(16);
        let headers = vec![("x-lab".to_owned(), "yes".to_owned())];
        let client = connect(&url, &headers, sender).await.unwrap();

        client.send(Outgoing::Text("hello!".into())).await.unwrap();
        let sent = next(&mut frames).await;
        assert_eq!(
            (sent.direction, sent.opcode, sent.size),
            (Direction::Sent, "text", 6)
        );
        let echoed = next(&mut frames).await;
        assert_eq!(echoed.direction, Direction::Received);
        assert_eq!(echoed.text.as_deref(), Some("hello!"));

        client.send(Outgoing::Binary(vec![0, 1])).await.unwrap();
        assert_eq!(next(&mut frames).await.opcode, "binary");
        let binary = next(&mut frames).await;
        assert_eq!(binary.base64.as_deref(), Some("AAE="));

        client.send(Outgoing::Ping(vec![7])).await.unwrap();
        assert_eq!(next(&mut frames).await.opcode, "ping");
        assert_eq!(next(&mut frames).await.opcode, "pong");

        client
            .send(Outgoing::Close {
                code: 1000,
                reason: "bye".into(),
            })
            .await
            .unwrap();
        let close = next(&mut frames).await;
        assert_eq!((close.opcode, close.close_code), ("close", Some(1000)));
        let seen = server.await.unwrap();
        assert!(seen.contains(&("x-lab".to_owned(), "yes".to_owned())));
        assert!(
            seen.iter()
                .any(|(name, value)| name == CLIENT_HEADER && *value == client.tag)
        );
    }

    #[tokio::test]
    async fn bad_urls_headers_and_refusals_say_what_is_wrong() {
        let (sender, _) = broadcast::channel(4);
        let error = connect("http://127.0.0.1:1/prod", &[], sender.clone())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("not a ws:// or wss:// URL"));
        let error = connect(
            "ws://127.0.0.1:1/prod",
            &[("bad header".into(), "x".into())],
            sender.clone(),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ClientError::BadHeader { .. }));
        let error = connect("ws://127.0.0.1:1/prod", &[], sender)
            .await
            .unwrap_err();
        assert!(matches!(error, ClientError::Connect { .. }), "{error}");
    }
}
