//! Traffic capture for the inspector: every AWS SDK call the engine makes (through an SDK
//! interceptor) and every try-it HTTP exchange, as one stream of [`Exchange`]s with timings.
//!
//! Secrets never leave this module: credential headers, cookies, API keys, secret query
//! parameters and JSON members that hold keys, secrets or tokens are replaced by `<redacted>`
//! (what counts as a secret is `lab-secrets`', shared with the sandbox's feed). Bodies longer
//! than [`BODY_LIMIT`] (a function's zip) are cut, saying how long they were.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use serde_json::Value;
use tokio::sync::broadcast;

/// How much of a body is kept.
pub const BODY_LIMIT: usize = 64 * 1024;
/// How many exchanges a slow subscriber may fall behind before it misses some.
const CHANNEL_CAPACITY: usize = 1024;

/// Where an exchange came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An AWS SDK call: the service and operation, e.g. `DynamoDB` / `CreateTable`.
    Sdk { service: String, operation: String },
    /// A try-it request.
    TryIt { title: String },
}

/// One side of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// One request and what answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub id: u64,
    pub origin: Origin,
    pub method: String,
    pub url: String,
    pub request: Message,
    /// The status and response; none when no answer came.
    pub response: Option<(u16, Message)>,
    /// Why there is no response.
    pub error: Option<String>,
    /// When it started, in milliseconds since the epoch.
    pub started_at_ms: u64,
    pub duration_ms: f64,
}

/// A request the student sends: from the composer, a step's try-it or the lab page.
#[derive(Debug, Clone, Copy)]
pub struct TryIt<'a> {
    pub title: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub body: Option<&'a str>,
    /// Headers besides the body's `Content-Type`.
    pub headers: &'a [(String, String)],
}

/// Hands out exchange ids and broadcasts exchanges to whoever listens (the app's inspector).
#[derive(Debug, Clone)]
pub struct Recorder {
    sender: broadcast::Sender<Exchange>,
    next_id: Arc<AtomicU64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl Recorder {
    pub fn subscribe(&self) -> broadcast::Receiver<Exchange> {
        self.sender.subscribe()
    }

    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn publish(&self, exchange: Exchange) {
        // Nobody listening is fine: capture is for whoever wants it.
        let _ = self.sender.send(exchange);
    }

    /// The SDK interceptor that records every call of a client it is added to.
    pub fn interceptor(&self) -> SdkTraffic {
        SdkTraffic {
            recorder: self.clone(),
        }
    }

    /// Sends a try-it request and records the exchange.
    pub async fn send(&self, client: &reqwest::Client, request: TryIt<'_>) -> Exchange {
        let TryIt {
            title,
            method,
            url,
            body,
            headers,
        } = request;
        let id = self.next_id();
        let started_at_ms = epoch_ms();
        let start = Instant::now();
        let mut request_headers = Vec::new();
        let outcome = async {
            let method = reqwest::Method::from_bytes(method.as_bytes())
                .map_err(|error| format!("not an HTTP method: {error}"))?;
            let mut builder = client.request(method, url);
            for (name, value) in headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            if let Some(body) = body {
                builder = builder
                    .header("content-type", "application/json")
                    .body(body.to_owned());
            }
            let request = builder.build().map_err(|error| error.to_string())?;
            request_headers = header_pairs(request.headers());
            let response = client
                .execute(request)
                .await
                .map_err(|error| format!("no answer: {error}"))?;
            let status = response.status().as_u16();
            let headers = header_pairs(response.headers());
            let bytes = response.bytes().await.map_err(|error| error.to_string())?;
            Ok::<_, String>((status, headers, bytes))
        }
        .await;
        let (response, error) = match outcome {
            Ok((status, headers, bytes)) => (
                Some((
                    status,
                    Message {
                        headers,
                        body: body_text(&bytes),
                    },
                )),
                None,
            ),
            Err(error) => (None, Some(error)),
        };
        let exchange = Exchange {
            id,
            origin: Origin::TryIt {
                title: title.to_owned(),
            },
            method: method.to_owned(),
            url: url.to_owned(),
            request: Message {
                headers: request_headers,
                body: body
                    .map(|body| body_text(body.as_bytes()))
                    .unwrap_or_default(),
            },
            response,
            error,
            started_at_ms,
            duration_ms: start.elapsed().as_secs_f64() * 1000.0,
        };
        self.publish(exchange.clone());
        exchange
    }
}

/// The SDK interceptor: notes the signed request before it is sent, and publishes it with its
/// response (or failure) after the attempt. A client has one: the request waits in the call's
/// config bag, where a second one would take its place.
#[derive(Debug, Clone)]
pub struct SdkTraffic {
    recorder: Recorder,
}

/// A request on its way, kept in the call's config bag until its answer.
#[derive(Debug, Clone)]
struct Pending {
    id: u64,
    method: String,
    url: String,
    request: Message,
    started_at_ms: u64,
    start: Instant,
}

impl Storable for Pending {
    type Storer = StoreReplace<Self>;
}

impl Intercept for SdkTraffic {
    fn name(&self) -> &'static str {
        "SdkTraffic"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| (name.to_owned(), redact_header(name, value)))
            .collect();
        let body = request
            .body()
            .bytes()
            .map(body_text)
            .unwrap_or_else(|| "<stream>".into());
        cfg.interceptor_state().store_put(Pending {
            id: self.recorder.next_id(),
            method: request.method().to_owned(),
            url: request.uri().to_owned(),
            request: Message { headers, body },
            started_at_ms: epoch_ms(),
            start: Instant::now(),
        });
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(pending) = cfg.load::<Pending>().cloned() else {
            return Ok(());
        };
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|metadata| (metadata.service().to_owned(), metadata.name().to_owned()))
            .unwrap_or_default();
        let response = context.response().map(|response| {
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| (name.to_owned(), redact_header(name, value)))
                .collect();
            let body = response
                .body()
                .bytes()
                .map(body_text)
                .unwrap_or_else(|| "<stream>".into());
            (response.status().as_u16(), Message { headers, body })
        });
        let error = match (&response, context.output_or_error()) {
            (None, Some(Err(error))) => Some(format!("{error:?}")),
            (None, _) => Some("no response".to_owned()),
            _ => None,
        };
        self.recorder.publish(Exchange {
            id: pending.id,
            origin: Origin::Sdk { service, operation },
            method: pending.method,
            url: pending.url,
            request: pending.request,
            response,
            error,
            started_at_ms: pending.started_at_ms,
            duration_ms: pending.start.elapsed().as_secs_f64() * 1000.0,
        });
        Ok(())
    }
}

fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("<binary>");
            (
                name.as_str().to_owned(),
                redact_header(name.as_str(), value),
            )
        })
        .collect()
}

/// Header values that grant access are never shown.
fn redact_header(name: &str, value: &str) -> String {
    lab_secrets::header_value(name, value).into_owned()
}

/// A body as text: JSON with secret members redacted, other UTF-8 as is, binary as its size;
/// cut at [`BODY_LIMIT`].
pub(crate) fn body_text(bytes: &[u8]) -> String {
    if bytes.len() > BODY_LIMIT {
        return format!("<{} bytes, not shown>", bytes.len());
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(bytes) {
        lab_secrets::redact_json(&mut json);
        return json.to_string();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => format!("<{} bytes of binary>", bytes.len()),
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use lab_secrets::REDACTED;

    use super::*;

    #[test]
    fn secrets_are_redacted_and_big_bodies_cut() {
        assert_eq!(
            redact_header("Authorization", "AWS4-HMAC-SHA256 …"),
            REDACTED
        );
        assert_eq!(redact_header("X-Amz-Security-Token", "FwoG…"), REDACTED);
        assert_eq!(
            redact_header("content-type", "application/json"),
            "application/json"
        );
        let body = br#"{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t"}, "NextToken": "n", "Name": "x"}"#;
        let text = body_text(body);
        assert!(
            !text.contains("\"s\"") && !text.contains("\"t\"") && !text.contains("ASIA"),
            "{text}"
        );
        assert!(
            text.contains(r#""NextToken":"n""#) && text.contains(r#""Name":"x""#),
            "{text}"
        );
        assert_eq!(
            body_text(&vec![b'a'; BODY_LIMIT + 1]),
            format!("<{} bytes, not shown>", BODY_LIMIT + 1)
        );
        assert_eq!(body_text(&[0xff, 0xfe]), "<2 bytes of binary>");
    }
}
