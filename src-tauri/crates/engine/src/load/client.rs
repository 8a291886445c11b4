//! One virtual user's connection. Plain HTTP goes over the user's own keep-alive connection
//! ([`super::http1`]: the request's bytes written, the answer's head parsed in place — no pool,
//! no request objects, as `wrk` and `oha` measure), driven by the user's own task and opened
//! again when it breaks or the server closes it; HTTPS (an AWS invoke URL) through a client of
//! the user's own.

use hyper::body::Bytes;
use hyper::{HeaderMap, Method};

use super::http1;
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
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Plain HTTP: the request as bytes on the wire.
    Wire {
        bytes: Bytes,
        /// A HEAD request, whose answer has no body.
        head: bool,
    },
    /// HTTPS: the parts a client sends.
    Tls {
        method: Method,
        url: String,
        headers: HeaderMap,
        body: Bytes,
    },
}

/// A user's open connection.
#[derive(Debug)]
pub enum Connection {
    Plain(http1::Connection),
    Tls(reqwest::Client),
}

/// Sends `request` on the user's connection (opening one if it has none) and reads the whole
/// answer.
pub async fn send(
    connection: &mut Option<Connection>,
    target: &Target,
    request: &Prepared,
) -> Outcome {
    if connection.is_none() {
        match open(target).await {
            Ok(opened) => *connection = Some(opened),
            Err(outcome) => return outcome,
        }
    }
    let (outcome, reusable) = match (connection.as_mut(), request) {
        (Some(Connection::Plain(plain)), Prepared::Wire { bytes, head }) => {
            match plain.exchange(bytes, *head).await {
                Ok(status) => (Outcome::Status(status), plain.reusable()),
                Err(http1::Broken) => (Outcome::Failed, false),
            }
        }
        (Some(Connection::Tls(client)), tls @ Prepared::Tls { .. }) => {
            let outcome = send_tls(client, tls).await;
            (outcome, matches!(outcome, Outcome::Status(_)))
        }
        _ => (Outcome::Failed, false),
    };
    if !reusable {
        // A broken or closed connection is opened again for the next request.
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
    http1::Connection::open(&target.address)
        .await
        .map(Connection::Plain)
        .map_err(|_| Outcome::Refused)
}

async fn send_tls(client: &reqwest::Client, request: &Prepared) -> Outcome {
    let Prepared::Tls {
        method,
        url,
        headers,
        body,
    } = request
    else {
        return Outcome::Failed;
    };
    let sent = client
        .request(method.clone(), url)
        .headers(headers.clone())
        .body(body.clone())
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
