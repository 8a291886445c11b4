//! A lean HTTP/1.1 client for the DynamoDB benchmark: keep-alive connections in a pool, each
//! request written as one buffer, each answer read by its `Content-Length` (or chunks). On a
//! two-core machine the load generator shares the CPU with the server it measures, so it must
//! cost as little as it can, or it — not the server — sets the throughput; a general client
//! (URL parsing, header maps, body streams) spends more per request than the fastest server.

use std::sync::{Arc, Mutex, PoisonError};

use hyper::body::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connections to one server, reused between requests.
#[derive(Clone)]
pub struct Pool {
    port: u16,
    idle: Arc<Mutex<Vec<Connection>>>,
}

struct Connection {
    stream: TcpStream,
    /// Bytes read past the last answer (none with one request in flight, but kept honest).
    buffer: Vec<u8>,
}

impl Pool {
    pub fn new(port: u16) -> Self {
        Self {
            port,
            idle: Arc::default(),
        }
    }

    /// POSTs `body` to `/` with `headers`: the status and the body of the answer.
    pub async fn post(&self, headers: &[(&str, &str)], body: &[u8]) -> (u16, Bytes) {
        let mut request = Vec::with_capacity(256 + body.len());
        request.extend_from_slice(b"POST / HTTP/1.1\r\nhost: 127.0.0.1:");
        request.extend_from_slice(self.port.to_string().as_bytes());
        request.extend_from_slice(b"\r\n");
        for (name, value) in headers {
            request.extend_from_slice(name.as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"content-length: ");
        request.extend_from_slice(body.len().to_string().as_bytes());
        request.extend_from_slice(b"\r\n\r\n");
        request.extend_from_slice(body);

        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match reused {
            Some(connection) => connection,
            None => Connection::open(self.port).await,
        };
        let (status, body, reusable) = connection.exchange(&request).await;
        if reusable {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        }
        (status, body)
    }
}

impl Connection {
    async fn open(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("the server accepts a connection");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        Self {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends `request` and reads its answer: the status, the body, and whether the server
    /// keeps the connection open for another request.
    async fn exchange(&mut self, request: &[u8]) -> (u16, Bytes, bool) {
        self.stream
            .write_all(request)
            .await
            .expect("the request is sent");
        let head_end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            self.fill().await;
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        let head = head.as_str();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let body = if let Some(length) = header("content-length") {
            let length: usize = length.parse().expect("a Content-Length");
            while self.buffer.len() < head_end + length {
                self.fill().await;
            }
            let body = Bytes::copy_from_slice(&self.buffer[head_end..head_end + length]);
            self.buffer.drain(..head_end + length);
            body
        } else if header("transfer-encoding").is_some_and(|coding| coding.contains("chunked")) {
            self.buffer.drain(..head_end);
            self.chunked().await
        } else {
            panic!("an answer without a length: {head}");
        };
        let closes = header("connection").is_some_and(|value| value.eq_ignore_ascii_case("close"))
            || (head.starts_with("HTTP/1.0")
                && !header("connection").is_some_and(|v| v.eq_ignore_ascii_case("keep-alive")));
        (status, body, !closes)
    }

    /// Reads a chunked body from the buffer's start.
    async fn chunked(&mut self) -> Bytes {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = find(&self.buffer, b"\r\n") {
                    break at;
                }
                self.fill().await;
            };
            let size_text = std::str::from_utf8(&self.buffer[..line_end]).expect("a chunk size");
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .expect("a hexadecimal chunk size");
            let chunk_end = line_end + 2 + size + 2;
            while self.buffer.len() < chunk_end {
                self.fill().await;
            }
            body.extend_from_slice(&self.buffer[line_end + 2..line_end + 2 + size]);
            self.buffer.drain(..chunk_end);
            if size == 0 {
                return Bytes::from(body);
            }
        }
    }

    async fn fill(&mut self) {
        let read = self
            .stream
            .read_buf(&mut self.buffer)
            .await
            .expect("the answer arrives");
        assert!(read > 0, "the server closed the connection mid-answer");
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
