//! One virtual user's connection. Plain HTTP goes over the user's own keep-alive HTTP/1.1
//! connection (hyper, with no pool in between — as `oha` and `wrk` measure), driven by the
//! user's own task rather than one of its own (no wake-up between tasks per request), and
//! opened again when it breaks; HTTPS (an AWS invoke URL) through a client of the user's own.

use http_body_util::{BodyExt, Full};
use std::future::Future;
use std::pin::Pin;

use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{HeaderMap, Method, Request};
use hyper_util::rt::TokioIo;

use super::stats::Outcome;

/// Where the requests go.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`, what a plain connection dials.
    pub address: String,
    /// The `Host` header.
    pub host: String,
    pub https: bool,
}

/// One request, its variables filled.
#[derive(Debug)]
pub struct Prepared {
    pub method: Method,
    /// The whole URL (`https://…`), or for plain HTTP its path and query.
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The I/O half of a plain connection, which the user's task drives while it waits.
type Driver = Pin<Box<http1::Connection<TokioIo<tokio::net::TcpStream>, Full<Bytes>>>>;

/// A user's open connection.
#[derive(Debug)]
pub enum Connection {
    Plain {
        sender: SendRequest<Full<Bytes>>,
        driver: Driver,
    },
    Tls(reqwest::Client),
}

/// Sends `request` on the user's connection (opening one if it has none) and reads the whole
/// answer.
pub async fn send(
    connection: &mut Option<Connection>,
    target: &Target,
    request: Prepared,
) -> Outcome {
    if connection.is_none() {
        match open(target).await {
            Ok(opened) => *connection = Some(opened),
            Err(outcome) => return outcome,
        }
    }
    let outcome = match connection {
        Some(Connection::Plain { sender, driver }) => {
            send_plain(sender, driver, target, request).await
        }
        Some(Connection::Tls(client)) => send_tls(client, request).await,
        None => Outcome::Failed,
    };
    if !matches!(outcome, Outcome::Status(_)) {
        // A broken connection is opened again for the next request.
        *connection = None;
    }
    outcome
}

async fn open(target: &Target) -> Result<Connection, Outcome> {
    if target.https {
        return reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .map(Connection::Tls)
            .map_err(|_| Outcome::Failed);
    }
    let stream = tokio::net::TcpStream::connect(&target.address)
        .await
        .map_err(|_| Outcome::Refused)?;
    let _ = stream.set_nodelay(true);
    let (sender, driver) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Outcome::Failed)?;
    Ok(Connection::Plain {
        sender,
        driver: Box::pin(driver),
    })
}

/// Runs `work` while driving the connection; `None` when the connection ends first.
async fn driving<T>(driver: &mut Driver, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        out = work => Some(out),
        _ = driver.as_mut() => None,
    }
}

async fn send_plain(
    sender: &mut SendRequest<Full<Bytes>>,
    driver: &mut Driver,
    target: &Target,
    request: Prepared,
) -> Outcome {
    if !matches!(driving(driver, sender.ready()).await, Some(Ok(()))) {
        return Outcome::Failed;
    }
    let mut built = Request::builder()
        .method(request.method)
        .uri(request.url)
        .header(hyper::header::HOST, &target.host);
    if let Some(headers) = built.headers_mut() {
        headers.extend(request.headers);
    }
    let Ok(built) = built.body(Full::new(request.body)) else {
        return Outcome::Failed;
    };
    let Some(Ok(response)) = driving(driver, sender.send_request(built)).await else {
        return Outcome::Failed;
    };
    let status = response.status().as_u16();
    match driving(driver, response.into_body().collect()).await {
        Some(Ok(_)) => Outcome::Status(status),
        _ => Outcome::Failed,
    }
}

async fn send_tls(client: &reqwest::Client, request: Prepared) -> Outcome {
    let sent = client
        .request(request.method, request.url)
        .headers(request.headers)
        .body(request.body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(_) => Outcome::Status(status),
                Err(_) => Outcome::Failed,
            }
        }
        Err(error) if error.is_connect() => Outcome::Refused,
        Err(error) if error.is_timeout() => Outcome::TimedOut,
        Err(_) => Outcome::Failed,
    }
}
