//! S3's side of the wire: a request as the operations read it ([`S3Request`]: bucket, key,
//! decoded query, headers, who signed it, the body left unread until an operation takes it), and
//! what they answer ([`Reply`]) rendered into a response here and only here — S3's request id
//! headers, XML documents, object bytes streamed from their file, errors as `<Error>` documents
//! (without a body for HEAD, as S3 answers them).

use std::io::SeekFrom;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::error::S3Error;
use crate::wire::xml_escape;

/// The largest request document read (a `Delete` of 1,000 keys, 10,000 parts to complete).
const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// One request to the REST API, as the operations read it.
#[derive(Debug)]
pub struct S3Request {
    pub method: Method,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// The region it was signed for (or the default).
    pub region: String,
    pub account: String,
    /// Neither signed nor presigned: only what a bucket policy grants everyone is allowed.
    pub anonymous: bool,
    /// Behind a lock only so that a request can be shared across awaits (`Body` is not `Sync`).
    body: std::sync::Mutex<Option<Body>>,
}

impl S3Request {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        method: Method,
        bucket: Option<String>,
        key: Option<String>,
        query: Option<&str>,
        headers: HeaderMap,
        region: String,
        account: String,
        anonymous: bool,
        body: Body,
    ) -> Self {
        Self {
            method,
            bucket,
            key,
            query: crate::wire::percent::query_pairs(query).collect(),
            headers,
            region,
            account,
            anonymous,
            body: std::sync::Mutex::new(Some(body)),
        }
    }

    /// A query parameter's value (`""` for a bare `?uploads`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.param(name).is_some()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    }

    /// The body, for an operation that streams it (once).
    pub fn take_body(&self) -> Body {
        self.body
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
            .unwrap_or_else(Body::empty)
    }

    /// The body as a request document, at most [`MAX_DOCUMENT_BYTES`].
    pub async fn document(&self) -> Result<Bytes, S3Error> {
        axum::body::to_bytes(self.take_body(), MAX_DOCUMENT_BYTES)
            .await
            .map_err(|_| {
                S3Error::new(
                    "MaxMessageLengthExceeded",
                    StatusCode::BAD_REQUEST,
                    "Your request was too big.",
                )
            })
    }

    /// `arn:aws:s3:::{bucket}/{key}` (or the bucket's ARN), as policies name resources.
    pub fn resource_arn(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(bucket), Some(key)) => format!("arn:aws:s3:::{bucket}/{key}"),
            (Some(bucket), None) => format!("arn:aws:s3:::{bucket}"),
            _ => "arn:aws:s3:::".to_owned(),
        }
    }
}

/// What an operation answers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: ReplyBody,
}

/// The body of a [`Reply`].
#[derive(Debug)]
pub enum ReplyBody {
    Empty,
    Xml(String),
    /// `length` bytes of an open blob from `offset`, streamed.
    File {
        file: std::fs::File,
        offset: u64,
        length: u64,
    },
    /// A text already in memory: a bucket policy (JSON), a website's generated error page.
    Text {
        content_type: &'static str,
        text: String,
    },
}

impl Reply {
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ReplyBody::Empty,
        }
    }

    pub fn xml(document: String) -> Self {
        Self {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::Xml(document),
        }
    }

    pub fn header(mut self, name: impl TryInto<HeaderName>, value: impl Into<String>) -> Self {
        if let Ok(name) = name.try_into() {
            self.headers.push((name, value.into()));
        }
        self
    }

    /// Renders the reply; a HEAD request's keeps its headers and loses its body.
    pub fn into_response(self, method: &Method, request_id: &str) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        stamp(headers, request_id);
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        let (content_type, length, body) = match self.body {
            ReplyBody::Empty => (None, 0, Body::empty()),
            ReplyBody::Xml(xml) => (Some("application/xml"), xml.len() as u64, Body::from(xml)),
            ReplyBody::Text { content_type, text } => {
                (Some(content_type), text.len() as u64, Body::from(text))
            }
            ReplyBody::File {
                file,
                offset,
                length,
            } => (None, length, file_body(file, offset, length)),
        };
        if let Some(content_type) = content_type
            && !headers.contains_key("content-type")
        {
            headers.insert("content-type", HeaderValue::from_static(content_type));
        }
        headers.insert("content-length", HeaderValue::from(length));
        if *method != Method::HEAD {
            *response.body_mut() = body;
        }
        response
    }
}

/// S3's request id headers and its name.
fn stamp(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", value.clone());
        headers.insert("x-amz-id-2", value);
    }
    headers.insert("server", HeaderValue::from_static("AmazonS3"));
}

/// An error as S3 renders it: `<Error><Code>…</Code><Message>…</Message>…</Error>`, no body for
/// HEAD.
pub fn error_response(error: &S3Error, method: &Method, request_id: &str) -> Response {
    if *method == Method::HEAD {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = error.status;
        stamp(response.headers_mut(), request_id);
        return response;
    }
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>",
        error.code,
        xml_escape(&error.message)
    );
    for (element, value) in &error.extra {
        body.push_str(&format!("<{element}>{}</{element}>", xml_escape(value)));
    }
    body.push_str(&format!(
        "<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
    ));
    Reply {
        status: error.status,
        headers: Vec::new(),
        body: ReplyBody::Xml(body),
    }
    .into_response(method, request_id)
}

/// `length` bytes of `file` from `offset`, read in 64 KiB pieces as the client takes them.
fn file_body(file: std::fs::File, offset: u64, length: u64) -> Body {
    const PIECE: usize = 64 * 1024;
    struct Reading {
        file: tokio::fs::File,
        offset: Option<u64>,
        left: u64,
    }
    let start = Reading {
        file: tokio::fs::File::from_std(file),
        offset: Some(offset),
        left: length,
    };
    let stream = futures_util::stream::unfold(start, |mut reading| async move {
        if let Some(offset) = reading.offset.take()
            && let Err(error) = reading.file.seek(SeekFrom::Start(offset)).await
        {
            return Some((Err(error), Reading { left: 0, ..reading }));
        }
        if reading.left == 0 {
            return None;
        }
        let want = usize::try_from(reading.left).unwrap_or(PIECE).min(PIECE);
        let mut buffer = vec![0; want];
        match reading.file.read(&mut buffer).await {
            Ok(0) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the object's file is shorter than its size",
                )),
                Reading { left: 0, ..reading },
            )),
            Ok(read) => {
                buffer.truncate(read);
                reading.left -= read as u64;
                Some((Ok(Bytes::from(buffer)), reading))
            }
            Err(error) => Some((Err(error), Reading { left: 0, ..reading })),
        }
    });
    Body::from_stream(stream)
}
