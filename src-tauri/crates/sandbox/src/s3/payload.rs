//! An object's or part's bytes received from the request body straight into a blob file, never
//! held whole in memory: `aws-chunked` decoded as it streams, the MD5 (the ETag) and any
//! requested checksum computed on the way, the size capped while reading. Then the digests the
//! client sent are checked — `Content-MD5`, a hex `x-amz-content-sha256`, `x-amz-checksum-*` in a
//! header or a trailer — and the file is flushed to disk and moved into place.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt as _;
use tokio::io::AsyncWriteExt as _;

use super::blobs::Blobs;
use super::checksum::{self, Algorithm, Checksum, Hasher, Md5};
use super::chunked::Decoder;
use super::error::S3Error;

/// The largest object a single PUT may store: 5 GiB.
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

/// A blob received and kept.
#[derive(Debug, Clone)]
pub struct Received {
    pub blob: String,
    pub size: u64,
    pub md5: [u8; 16],
    pub checksum: Option<Checksum>,
}

impl Received {
    /// The ETag of a single-part object: its MD5 in hex, quoted.
    pub fn etag(&self) -> String {
        format!("\"{}\"", checksum::hex(&self.md5))
    }
}

/// How the body is framed, from `x-amz-content-sha256` and `Content-Encoding`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Framing {
    Raw { sha256: Option<String> },
    Chunked,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn framing(headers: &HeaderMap) -> Framing {
    let content_sha256 = header(headers, "x-amz-content-sha256").unwrap_or_default();
    let chunked_encoding = header(headers, "content-encoding")
        .is_some_and(|coding| coding.split(',').any(|c| c.trim() == "aws-chunked"));
    if content_sha256.starts_with("STREAMING-") || chunked_encoding {
        return Framing::Chunked;
    }
    let is_hash =
        content_sha256.len() == 64 && content_sha256.bytes().all(|b| b.is_ascii_hexdigit());
    Framing::Raw {
        sha256: is_hash.then(|| content_sha256.to_ascii_lowercase()),
    }
}

/// The additional checksum a request asks for: its algorithm, and its value when sent as a
/// header (a trailer's comes at the end of the body).
fn requested_checksum(headers: &HeaderMap) -> Result<Option<(Algorithm, Option<String>)>, S3Error> {
    for algorithm in Algorithm::ALL {
        if let Some(value) = header(headers, &algorithm.header()) {
            return Ok(Some((algorithm, Some(value.trim().to_owned()))));
        }
    }
    if let Some(trailer) = header(headers, "x-amz-trailer") {
        let name = trailer.trim().to_ascii_lowercase();
        let algorithm = name
            .strip_prefix("x-amz-checksum-")
            .and_then(Algorithm::parse)
            .ok_or_else(|| {
                S3Error::invalid_request(format!(
                    "The value specified in the x-amz-trailer header is not supported: {name}"
                ))
            })?;
        return Ok(Some((algorithm, None)));
    }
    if let Some(name) = header(headers, "x-amz-sdk-checksum-algorithm") {
        let algorithm = Algorithm::parse(name.trim()).ok_or_else(|| {
            S3Error::invalid_request(format!(
                "Value for x-amz-sdk-checksum-algorithm header is invalid: {name}"
            ))
        })?;
        return Ok(Some((algorithm, None)));
    }
    Ok(None)
}

/// What is written while the body streams in.
struct Sink {
    /// Written through the blocking pool, so a slow disk never holds a runtime thread.
    file: tokio::fs::File,
    md5: Md5,
    sha256: Option<sha2::Sha256>,
    checksum: Option<Hasher>,
    size: u64,
    limit: u64,
}

impl Sink {
    /// Counts `bytes` against the limit and into the digests, before they are written.
    fn account(&mut self, bytes: &[u8]) -> Result<(), S3Error> {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(S3Error::new(
                "EntityTooLarge",
                StatusCode::BAD_REQUEST,
                "Your proposed upload exceeds the maximum allowed size",
            )
            .with("MaxSizeAllowed", self.limit.to_string()));
        }
        self.md5.update(bytes);
        if let Some(hasher) = &mut self.sha256 {
            sha2::Digest::update(hasher, bytes);
        }
        if let Some(hasher) = &mut self.checksum {
            hasher.update(bytes);
        }
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), S3Error> {
        self.file
            .write_all(bytes)
            .await
            .map_err(|error| S3Error::internal(format!("writing the object: {error}")))
    }
}

/// Receives `body` into a new blob of at most `limit` bytes, checking what the client said
/// about it. The blob is durable once this returns; on error nothing is left behind.
pub async fn receive(
    body: Body,
    headers: &HeaderMap,
    blobs: &Blobs,
    limit: u64,
) -> Result<Received, S3Error> {
    let framing = framing(headers);
    let requested = requested_checksum(headers)?;
    let (id, path) = blobs.incoming();
    let file = tokio::fs::File::create(&path)
        .await
        .map_err(|error| S3Error::internal(format!("creating the object's file: {error}")))?;
    let mut sink = Sink {
        file,
        md5: Md5::default(),
        sha256: matches!(framing, Framing::Raw { sha256: Some(_) }).then(sha2::Sha256::default),
        checksum: requested
            .as_ref()
            .map(|(algorithm, _)| Hasher::new(*algorithm)),
        size: 0,
        limit,
    };
    let mut result = stream_into(body, &framing, &mut sink).await;
    if result.is_ok()
        && let Err(error) = sink.file.flush().await
    {
        result = Err(S3Error::internal(format!("writing the object: {error}")));
    }
    let outcome = result.and_then(|trailers| finish(sink, headers, &framing, requested, trailers));
    match outcome {
        Ok((size, md5, checksum)) => {
            let kept = tokio::task::spawn_blocking({
                let (path, blobs, id) = (path.clone(), blobs.clone(), id.clone());
                move || {
                    std::fs::File::open(&path)?.sync_all()?;
                    blobs.keep(&id)
                }
            })
            .await
            .map_err(|error| std::io::Error::other(error.to_string()))
            .and_then(|kept| kept);
            match kept {
                Ok(()) => Ok(Received {
                    blob: id,
                    size,
                    md5,
                    checksum,
                }),
                Err(error) => {
                    blobs.discard(&id);
                    Err(S3Error::internal(format!("saving the object: {error}")))
                }
            }
        }
        Err(error) => {
            blobs.discard(&id);
            Err(error)
        }
    }
}

/// Streams the body's frames through the decoder into the sink; the trailers, if chunked.
async fn stream_into(
    mut body: Body,
    framing: &Framing,
    sink: &mut Sink,
) -> Result<Vec<(String, String)>, S3Error> {
    let mut decoder = matches!(framing, Framing::Chunked).then(Decoder::default);
    // One frame's decoded data, written after the frame is decoded.
    let mut decoded = Vec::new();
    let incomplete = |error: String| {
        S3Error::new(
            "IncompleteBody",
            StatusCode::BAD_REQUEST,
            format!(
                "You did not provide the number of bytes specified by the Content-Length HTTP header ({error})"
            ),
        )
    };
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| incomplete(error.to_string()))?;
        let Ok(bytes) = frame.into_data() else {
            continue;
        };
        match &mut decoder {
            Some(decoder) => {
                let mut failure = None;
                decoder
                    .feed(&bytes, |data| {
                        sink.account(data).map_err(|error| {
                            failure = Some(error);
                            super::chunked::ChunkError::Truncated
                        })?;
                        decoded.extend_from_slice(data);
                        Ok(())
                    })
                    .map_err(|error| {
                        failure.take().unwrap_or_else(|| {
                            S3Error::invalid_request(format!(
                                "The aws-chunked body is not valid: {error}"
                            ))
                        })
                    })?;
                sink.write(&decoded).await?;
                decoded.clear();
            }
            None => {
                sink.account(&bytes)?;
                sink.write(&bytes).await?;
            }
        }
        // The encoding says where the body ends, as S3 reads it: a client's Content-Length may
        // count more (the Rust SDK's does, for a body read from a file), and waiting for bytes
        // that never come would hang the request.
        if decoder.as_ref().is_some_and(Decoder::is_done) {
            break;
        }
    }
    match decoder {
        Some(decoder) => decoder
            .finish()
            .map_err(|error| incomplete(error.to_string())),
        None => Ok(Vec::new()),
    }
}

/// Checks the digests the client sent against what was received.
fn finish(
    sink: Sink,
    headers: &HeaderMap,
    framing: &Framing,
    requested: Option<(Algorithm, Option<String>)>,
    trailers: Vec<(String, String)>,
) -> Result<(u64, [u8; 16], Option<Checksum>), S3Error> {
    let Sink {
        md5,
        sha256,
        checksum: hasher,
        size,
        ..
    } = sink;
    if matches!(framing, Framing::Chunked)
        && let Some(declared) = header(headers, "x-amz-decoded-content-length")
        && declared.trim().parse::<u64>().ok() != Some(size)
    {
        return Err(S3Error::new(
            "IncompleteBody",
            StatusCode::BAD_REQUEST,
            "You did not provide the number of bytes specified by the Content-Length HTTP header",
        ));
    }
    let md5 = md5.finish();
    if let Some(sent) = header(headers, "content-md5") {
        let sent = base64::engine::general_purpose::STANDARD
            .decode(sent.trim())
            .ok()
            .filter(|digest| digest.len() == 16)
            .ok_or_else(|| {
                S3Error::new(
                    "InvalidDigest",
                    StatusCode::BAD_REQUEST,
                    "The Content-MD5 you specified was invalid.",
                )
            })?;
        if sent != md5 {
            return Err(S3Error::new(
                "BadDigest",
                StatusCode::BAD_REQUEST,
                "The Content-MD5 you specified did not match what we received.",
            ));
        }
    }
    if let (Framing::Raw { sha256: Some(sent) }, Some(hasher)) = (framing, sha256) {
        let computed = checksum::hex(&sha2::Digest::finalize(hasher));
        if &computed != sent {
            return Err(S3Error::new(
                "XAmzContentSHA256Mismatch",
                StatusCode::BAD_REQUEST,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
            .with("ClientComputedContentSHA256", sent.clone())
            .with("S3ComputedContentSHA256", computed));
        }
    }
    let checksum = match (requested, hasher) {
        (Some((algorithm, sent)), Some(hasher)) => {
            let computed = checksum::base64(&hasher.finish());
            let sent = sent.or_else(|| {
                trailers
                    .iter()
                    .find(|(name, _)| *name == algorithm.header())
                    .map(|(_, value)| value.clone())
            });
            if let Some(sent) = sent
                && sent != computed
            {
                return Err(S3Error::bad_digest(&format!(
                    "{} checksum",
                    algorithm.name()
                )));
            }
            Some(Checksum {
                algorithm,
                value: computed,
                composite: false,
            })
        }
        _ => None,
    };
    Ok((size, md5, checksum))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        headers
    }

    async fn put(
        body: &'static [u8],
        pairs: &[(&str, &str)],
    ) -> (Result<Received, S3Error>, Blobs, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let received = receive(Body::from(body), &headers(pairs), &blobs, 1024).await;
        (received, blobs, dir)
    }

    #[tokio::test]
    async fn a_chunked_body_with_a_trailing_checksum_is_stored_decoded() {
        let crc = checksum::of(Algorithm::Crc32, b"hello");
        let body: &'static [u8] = Box::leak(
            format!("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n")
                .into_bytes()
                .into_boxed_slice(),
        );
        let (received, blobs, _dir) = put(
            body,
            &[
                ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
                ("x-amz-decoded-content-length", "5"),
            ],
        )
        .await;
        let received = received.unwrap();
        assert_eq!(std::fs::read(blobs.path(&received.blob)).unwrap(), b"hello");
        assert_eq!(received.etag(), "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!(received.checksum.unwrap().value, crc);
    }

    #[tokio::test]
    async fn megabytes_of_sdk_sized_chunks_arrive_in_odd_frames() {
        let data: Vec<u8> = (0..3 * 1024 * 1024 + 17)
            .map(|i| (i * 7 % 256) as u8)
            .collect();
        let mut encoded = Vec::new();
        for chunk in data.chunks(65536) {
            encoded.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            encoded.extend_from_slice(chunk);
            encoded.extend_from_slice(b"\r\n");
        }
        let crc = checksum::of(Algorithm::Crc32, &data);
        encoded.extend_from_slice(format!("0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n").as_bytes());
        let frames: Vec<Result<axum::body::Bytes, std::io::Error>> = encoded
            .chunks(16_411)
            .map(|piece| Ok(axum::body::Bytes::copy_from_slice(piece)))
            .collect();
        let body = Body::from_stream(futures_util::stream::iter(frames));
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let decoded = data.len().to_string();
        let received = receive(
            body,
            &headers(&[
                ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                ("content-encoding", "aws-chunked"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
                ("x-amz-sdk-checksum-algorithm", "CRC32"),
                ("x-amz-decoded-content-length", &decoded),
            ]),
            &blobs,
            MAX_SINGLE_PUT,
        )
        .await
        .unwrap();
        assert_eq!(received.size, data.len() as u64);
        assert!(std::fs::read(blobs.path(&received.blob)).unwrap() == data);
    }

    #[tokio::test]
    async fn wrong_digests_and_oversized_bodies_leave_nothing() {
        let (wrong_md5, _, dir) =
            put(b"hello", &[("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")]).await;
        assert_eq!(wrong_md5.unwrap_err().code, "BadDigest");
        let (wrong_crc, _, _) = put(b"hello", &[("x-amz-checksum-crc32", "AAAAAA==")]).await;
        assert_eq!(wrong_crc.unwrap_err().code, "BadDigest");
        let (wrong_sha, _, _) = put(b"hello", &[("x-amz-content-sha256", &"0".repeat(64))]).await;
        assert_eq!(wrong_sha.unwrap_err().code, "XAmzContentSHA256Mismatch");
        let big: &'static [u8] = Box::leak(vec![0u8; 2000].into_boxed_slice());
        let (too_big, _, _) = put(big, &[]).await;
        assert_eq!(too_big.unwrap_err().code, "EntityTooLarge");
        let left = std::fs::read_dir(dir.path().join("s3/incoming"))
            .unwrap()
            .count()
            + std::fs::read_dir(dir.path().join("s3/blobs"))
                .unwrap()
                .count();
        assert_eq!(left, 0);
    }
}
