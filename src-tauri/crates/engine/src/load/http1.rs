//! A plain HTTP/1.1 keep-alive connection as lean as a load generator needs: the request is
//! bytes written as they are (encoded once when nothing in it varies), and the answer is read
//! into one buffer the connection keeps — its head parsed in place (`httparse`), its body
//! skipped by its framing (`Content-Length`, chunked, or to the end of the connection). No
//! request or header objects, no channel between a sender and a driver: one request costs a
//! write, a read or two, and a parse, about what `wrk` spends.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest head an answer may have.
const MAX_HEAD: usize = 64 * 1024;
/// Headers parsed at most.
const MAX_HEADERS: usize = 64;

/// Why an exchange failed: the connection is not reused after one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

impl From<std::io::Error> for Broken {
    fn from(_: std::io::Error) -> Self {
        Self
    }
}

/// An open connection.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    /// What was read and not used yet: `buffer[start..end]`.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// The server said it closes the connection after this answer.
    closing: bool,
}

/// A request as bytes on the wire.
pub fn encode(
    method: &str,
    target: &str,
    host: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + target.len() + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let has_length = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    let sends_body = !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH");
    if sends_body && !has_length {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// How an answer's body is framed.
enum Framing {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

impl Connection {
    pub async fn open(address: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buffer: vec![0; 16 * 1024],
            start: 0,
            end: 0,
            closing: false,
        })
    }

    /// Whether the connection can carry another request.
    pub fn reusable(&self) -> bool {
        !self.closing
    }

    /// Sends `request` and reads its whole answer; its status. `head` says the request was a
    /// HEAD (whose answer has no body whatever its headers say).
    pub async fn exchange(&mut self, request: &[u8], head: bool) -> Result<u16, Broken> {
        self.stream.write_all(request).await?;
        loop {
            let (status, framing, head_length) = self.read_head(head).await?;
            self.start += head_length;
            if (100..200).contains(&status) {
                // An interim answer (100 Continue): the real one follows.
                continue;
            }
            match framing {
                Framing::None => {}
                Framing::Length(length) => self.skip(length).await?,
                Framing::Chunked => self.skip_chunks().await?,
                Framing::UntilClose => {
                    self.closing = true;
                    self.start = self.end;
                    while self.fill().await? > 0 {
                        self.start = self.end;
                    }
                }
            }
            return Ok(status);
        }
    }

    /// Reads more into the buffer; how much (0 at the end of the connection).
    async fn fill(&mut self) -> Result<usize, Broken> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buffer.len() {
            if self.start > 0 {
                self.buffer.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buffer.len() < MAX_HEAD {
                self.buffer.resize(self.buffer.len() * 2, 0);
            } else {
                return Err(Broken);
            }
        }
        let read = self.stream.read(&mut self.buffer[self.end..]).await?;
        self.end += read;
        Ok(read)
    }

    /// Parses the answer's head once it is all in the buffer: status, framing, head length.
    async fn read_head(&mut self, head: bool) -> Result<(u16, Framing, usize), Broken> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buffer[self.start..self.end]) {
                Ok(httparse::Status::Complete(length)) => {
                    let status = response.code.ok_or(Broken)?;
                    let mut framing = Framing::UntilClose;
                    for header in response.headers.iter() {
                        if header.name.eq_ignore_ascii_case("content-length") {
                            let length = std::str::from_utf8(header.value)
                                .ok()
                                .and_then(|text| text.trim().parse().ok())
                                .ok_or(Broken)?;
                            framing = Framing::Length(length);
                        } else if header.name.eq_ignore_ascii_case("transfer-encoding")
                            && ends_with_chunked(header.value)
                        {
                            framing = Framing::Chunked;
                            break;
                        } else if header.name.eq_ignore_ascii_case("connection")
                            && header.value.eq_ignore_ascii_case(b"close")
                        {
                            self.closing = true;
                        }
                    }
                    if head || status == 204 || status == 304 || (100..200).contains(&status) {
                        framing = Framing::None;
                    }
                    return Ok((status, framing, length));
                }
                Ok(httparse::Status::Partial) => {
                    if self.fill().await? == 0 {
                        return Err(Broken);
                    }
                }
                Err(_) => return Err(Broken),
            }
        }
    }

    /// Skips `length` bytes of body.
    async fn skip(&mut self, mut length: usize) -> Result<(), Broken> {
        loop {
            let available = self.end - self.start;
            if available >= length {
                self.start += length;
                return Ok(());
            }
            length -= available;
            self.start = self.end;
            if self.fill().await? == 0 {
                return Err(Broken);
            }
        }
    }

    /// The next line (without its CRLF), as a range of the buffer, once it is there.
    async fn line(&mut self) -> Result<std::ops::Range<usize>, Broken> {
        let mut searched = 0;
        loop {
            let window = &self.buffer[self.start + searched..self.end];
            if let Some(at) = window.windows(2).position(|pair| pair == b"\r\n") {
                let line = self.start..self.start + searched + at;
                self.start = line.end + 2;
                return Ok(line);
            }
            searched = (self.end - self.start).saturating_sub(1);
            if searched > MAX_HEAD || self.fill().await? == 0 {
                return Err(Broken);
            }
        }
    }

    /// Skips a chunked body and its trailers.
    async fn skip_chunks(&mut self) -> Result<(), Broken> {
        loop {
            let line = self.line().await?;
            let text = std::str::from_utf8(&self.buffer[line]).map_err(|_| Broken)?;
            let size = text.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| Broken)?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.line().await?.is_empty() {}
                return Ok(());
            }
            self.skip(size).await?;
            if !self.line().await?.is_empty() {
                return Err(Broken);
            }
        }
    }
}

/// `Transfer-Encoding: gzip, chunked` ends with chunked.
fn ends_with_chunked(value: &[u8]) -> bool {
    value
        .rsplit(|byte| *byte == b',')
        .next()
        .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers each request (read until its blank line) with the next of
    /// `answers`, written in pieces to test reassembly.
    async fn server(answers: Vec<&'static [u8]>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            for answer in answers {
                let mut seen = Vec::new();
                let mut byte = [0u8; 1];
                while !seen.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    seen.push(byte[0]);
                }
                for piece in answer.chunks(7) {
                    stream.write_all(piece).await.unwrap();
                    stream.flush().await.unwrap();
                }
            }
        });
        address
    }

    #[tokio::test]
    async fn answers_are_read_whatever_their_framing() {
        let address = server(vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nx-trailer: 1\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\ncontent-length: 3\r\n\r\n",
            b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\nbusy",
        ])
        .await;
        let mut connection = Connection::open(&address).await.unwrap();
        let request = encode("GET", "/", "h", &[], b"");
        assert_eq!(connection.exchange(&request, false).await, Ok(200));
        assert_eq!(connection.exchange(&request, false).await, Ok(201));
        assert_eq!(connection.exchange(&request, false).await, Ok(204));
        assert!(connection.reusable());
        assert_eq!(connection.exchange(&request, false).await, Ok(503));
        assert!(!connection.reusable(), "the server closes after it");
    }

    #[tokio::test]
    async fn a_truncated_answer_breaks_the_connection() {
        let address = server(vec![b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort"]).await;
        let mut connection = Connection::open(&address).await.unwrap();
        let request = encode("GET", "/", "h", &[], b"");
        assert_eq!(connection.exchange(&request, false).await, Err(Broken));
    }

    #[test]
    fn requests_carry_host_headers_and_length() {
        let wire = encode(
            "POST",
            "/p?q=1",
            "127.0.0.1:9",
            &[("x-a".into(), "1".into())],
            b"{}",
        );
        assert_eq!(
            wire,
            b"POST /p?q=1 HTTP/1.1\r\nhost: 127.0.0.1:9\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n{}"
        );
        assert_eq!(
            encode("GET", "/", "h", &[], b""),
            b"GET / HTTP/1.1\r\nhost: h\r\n\r\n"
        );
    }
}
