//! PutObject, GetObject and HeadObject (ranges, conditions, response overrides), CopyObject,
//! DeleteObject and DeleteObjects.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use super::{S3, durable, http_date, timestamp, with_bucket};
use crate::s3::checksum::Checksum;
use crate::s3::error::S3Error;
use crate::s3::http::{Reply, ReplyBody, S3Request};
use crate::s3::model::Object;
use crate::s3::payload::{self, MAX_SINGLE_PUT};
use crate::s3::xml;
use crate::store::Mutation;

/// The headers S3 stores with an object and sends back with it.
const STORED_HEADERS: [&str; 6] = [
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// What a write sets besides the bytes: headers, metadata, redirect, tags.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    pub headers: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
    pub website_redirect: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// Reads the attributes a PUT, a CopyObject with `REPLACE` or a CreateMultipartUpload sets.
pub fn attributes(request: &S3Request) -> Result<Attributes, S3Error> {
    if let Some(acl) = request.header("x-amz-acl")
        && acl != "private"
        && acl != "bucket-owner-full-control"
    {
        return Err(S3Error::new(
            "AccessControlListNotSupported",
            StatusCode::BAD_REQUEST,
            "The bucket does not allow ACLs",
        ));
    }
    let mut attributes = Attributes::default();
    for name in STORED_HEADERS {
        if let Some(value) = request.header(name) {
            let value = if name == "content-encoding" {
                // aws-chunked is how the body travelled, not how the object is encoded.
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|coding| *coding != "aws-chunked" && !coding.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                value.to_owned()
            };
            if !value.is_empty() {
                attributes.headers.insert(name.to_owned(), value);
            }
        }
    }
    let mut size = 0;
    for (name, value) in &request.headers {
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-") {
            let value = value.to_str().unwrap_or_default().trim().to_owned();
            size += meta.len() + value.len();
            attributes.metadata.insert(meta.to_owned(), value);
        }
    }
    if size > crate::s3::names::MAX_METADATA_BYTES {
        return Err(S3Error::new(
            "MetadataTooLarge",
            StatusCode::BAD_REQUEST,
            "Your metadata headers exceed the maximum allowed metadata size",
        )
        .with(
            "MaxSizeAllowed",
            crate::s3::names::MAX_METADATA_BYTES.to_string(),
        )
        .with("Size", size.to_string()));
    }
    attributes.website_redirect = request
        .header("x-amz-website-redirect-location")
        .map(str::to_owned);
    if let Some(tagging) = request.header("x-amz-tagging") {
        attributes.tags = crate::wire::percent::query_pairs(Some(tagging)).collect();
    }
    Ok(attributes)
}

/// `If-Match` and `If-None-Match` of a conditional write, against the object there now.
fn check_write_conditions(
    request: &S3Request,
    current: Option<&Object>,
    key: &str,
) -> Result<(), S3Error> {
    if request.header("if-none-match") == Some("*") && current.is_some() {
        return Err(S3Error::precondition_failed("If-None-Match"));
    }
    if let Some(expected) = request.header("if-match") {
        let current = current.ok_or_else(|| S3Error::no_such_key(key))?;
        if !etag_matches(expected, &current.etag) {
            return Err(S3Error::precondition_failed("If-Match"));
        }
    }
    Ok(())
}

/// Whether an `If-Match`/`If-None-Match` list names `etag` (or is `*`).
fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*"
            || candidate == etag
            || candidate.trim_matches('"') == etag.trim_matches('"')
    })
}

pub async fn put(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let attributes = attributes(request)?;
    with_bucket(s3, bucket, |found| {
        check_write_conditions(request, found.objects.get(key), key)
    })??;
    let body = request.take_body();
    let received = payload::receive(body, &request.headers, &s3.blobs, MAX_SINGLE_PUT).await?;
    let etag = received.etag();
    let checksum = received.checksum.clone();
    let object = Object {
        size: received.size,
        etag: etag.clone(),
        last_modified: crate::clock::now_millis(),
        blob: received.blob.clone(),
        headers: attributes.headers,
        metadata: attributes.metadata,
        checksum: received.checksum.clone(),
        website_redirect: attributes.website_redirect,
        tags: attributes.tags,
        parts: None,
    };
    store_object(s3, request, bucket, key, object).await?;
    let mut reply = Reply::empty(StatusCode::OK)
        .header("etag", etag)
        .header("x-amz-server-side-encryption", "AES256");
    if let Some(checksum) = checksum {
        reply = reply
            .header(checksum.algorithm.header(), checksum.value.clone())
            .header("x-amz-checksum-type", checksum.kind());
    }
    Ok(reply)
}

/// Puts `object` (whose blob was just received) under `key`, checking the write's conditions
/// again under the lock; the blob it replaces is removed once the change is durable.
pub async fn store_object(
    s3: &S3,
    request: &S3Request,
    bucket: &str,
    key: &str,
    object: Object,
) -> Result<(), S3Error> {
    let blob = object.blob.clone();
    let stored = {
        let mut buckets = s3.lock();
        match buckets.get_mut(bucket) {
            None => Err(S3Error::no_such_bucket(bucket)),
            Some(found) => match check_write_conditions(request, found.objects.get(key), key) {
                Err(error) => Err(error),
                Ok(()) => {
                    let commit = s3.submit(vec![Mutation::PutObject {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                        definition: serde_json::to_string(&object).unwrap_or_default(),
                    }]);
                    let replaced = found.objects.insert(key.to_owned(), object);
                    Ok((commit, replaced))
                }
            },
        }
    };
    let (commit, replaced) = match stored {
        Ok(stored) => stored,
        Err(error) => {
            s3.blobs.remove([blob]);
            return Err(error);
        }
    };
    durable(commit).await?;
    s3.blobs.remove(replaced.map(|old| old.blob));
    Ok(())
}

/// A byte range `bytes=a-b`, `bytes=a-` or `bytes=-n` of an object of `size` bytes; `None` for
/// a header S3 ignores (several ranges, another unit), an error for one past the end.
fn range(header: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let bounds = if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(suffix), size.checked_sub(1)?)
    } else {
        let start: u64 = first.parse().ok()?;
        let end = if last.is_empty() {
            size.saturating_sub(1)
        } else {
            last.parse::<u64>().ok()?.min(size.saturating_sub(1))
        };
        if start >= size {
            return Some(Err(()));
        }
        if end < start {
            return None;
        }
        (start, end)
    };
    Some(Ok(bounds))
}

/// `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` of a read: an error
/// (412), `Some(304)`, or `None` to serve.
fn read_condition(request: &S3Request, object: &Object) -> Result<Option<StatusCode>, S3Error> {
    let date = |name: &str| {
        request
            .header(name)
            .and_then(|text| httpdate::parse_http_date(text).ok())
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|since| since.as_millis() as i64)
    };
    // HTTP dates have whole seconds.
    let modified = object.last_modified / 1000 * 1000;
    match request.header("if-match") {
        Some(list) if !etag_matches(list, &object.etag) => {
            return Err(S3Error::precondition_failed("If-Match"));
        }
        Some(_) => {}
        None => {
            if date("if-unmodified-since").is_some_and(|since| modified > since) {
                return Err(S3Error::precondition_failed("If-Unmodified-Since"));
            }
        }
    }
    match request.header("if-none-match") {
        Some(list) if etag_matches(list, &object.etag) => Ok(Some(StatusCode::NOT_MODIFIED)),
        Some(_) => Ok(None),
        None => Ok(date("if-modified-since")
            .is_some_and(|since| modified <= since)
            .then_some(StatusCode::NOT_MODIFIED)),
    }
}

/// The headers every read of `object` carries.
pub fn object_headers(mut reply: Reply, object: &Object) -> Reply {
    reply = reply
        .header("etag", object.etag.clone())
        .header("last-modified", http_date(object.last_modified))
        .header("accept-ranges", "bytes")
        .header("x-amz-server-side-encryption", "AES256");
    for (name, value) in &object.headers {
        reply = reply.header(name.as_str(), value.clone());
    }
    if !object.headers.contains_key("content-type") {
        reply = reply.header("content-type", object.content_type());
    }
    for (name, value) in &object.metadata {
        reply = reply.header(format!("x-amz-meta-{name}").as_str(), value.clone());
    }
    if let Some(location) = &object.website_redirect {
        reply = reply.header("x-amz-website-redirect-location", location.clone());
    }
    if !object.tags.is_empty() {
        reply = reply.header("x-amz-tagging-count", object.tags.len().to_string());
    }
    reply
}

/// The `response-*` parameters a signed GET may use to override the headers sent back.
const RESPONSE_OVERRIDES: [(&str, &str); 6] = [
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

/// GetObject and HeadObject.
pub fn get(s3: &S3, request: &S3Request, bucket: &str, key: &str) -> Result<Reply, S3Error> {
    if request.has("partNumber") {
        return Err(S3Error::not_implemented("reading an object by partNumber"));
    }
    let overrides: Vec<(&str, &str)> = RESPONSE_OVERRIDES
        .iter()
        .filter_map(|(param, header)| request.param(param).map(|value| (*header, value)))
        .collect();
    if request.anonymous && !overrides.is_empty() {
        return Err(S3Error::invalid_request(
            "Request specific response headers cannot be used for anonymous GET requests.",
        ));
    }
    let (object, file) = open(s3, bucket, key)?;
    if let Some(status) = read_condition(request, &object)? {
        let reply = Reply::empty(status)
            .header("etag", object.etag.clone())
            .header("last-modified", http_date(object.last_modified));
        return Ok(reply);
    }
    let wanted = request
        .header("range")
        .and_then(|text| range(text, object.size));
    let (status, offset, length) = match wanted {
        Some(Ok((first, last))) => (StatusCode::PARTIAL_CONTENT, first, last - first + 1),
        Some(Err(())) => {
            return Err(S3Error::new(
                "InvalidRange",
                StatusCode::RANGE_NOT_SATISFIABLE,
                "The requested range is not satisfiable",
            )
            .with(
                "RangeRequested",
                request.header("range").unwrap_or_default(),
            )
            .with("ActualObjectSize", object.size.to_string()));
        }
        None => (StatusCode::OK, 0, object.size),
    };
    let mut reply = object_headers(
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::File {
                file,
                offset,
                length,
            },
        },
        &object,
    );
    if status == StatusCode::PARTIAL_CONTENT {
        reply = reply.header(
            "content-range",
            format!("bytes {offset}-{}/{}", offset + length - 1, object.size),
        );
    } else if request
        .header("x-amz-checksum-mode")
        .is_some_and(|mode| mode.eq_ignore_ascii_case("ENABLED"))
        && let Some(checksum) = &object.checksum
    {
        reply = checksum_headers(reply, checksum);
    }
    if let Some(parts) = object.parts
        && request.header("x-amz-checksum-mode").is_some()
    {
        reply = reply.header("x-amz-mp-parts-count", parts.to_string());
    }
    for (header, value) in overrides {
        reply.headers.retain(|(name, _)| name != header);
        reply = reply.header(header, value);
    }
    Ok(reply)
}

fn checksum_headers(reply: Reply, checksum: &Checksum) -> Reply {
    reply
        .header(checksum.algorithm.header(), checksum.value.clone())
        .header("x-amz-checksum-type", checksum.kind())
}

/// An object's metadata and its blob, opened under the lock: a write that replaces it after
/// this removes the file only from the directory, and the open file still reads.
pub fn open(s3: &S3, bucket: &str, key: &str) -> Result<(Object, std::fs::File), S3Error> {
    let buckets = s3.lock();
    let found = buckets
        .get(bucket)
        .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
    let object = found
        .objects
        .get(key)
        .ok_or_else(|| S3Error::no_such_key(key))?;
    let file = std::fs::File::open(s3.blobs.path(&object.blob))
        .map_err(|error| S3Error::internal(format!("opening the object's file: {error}")))?;
    Ok((object.clone(), file))
}

pub async fn delete(s3: &S3, bucket: &str, key: &str) -> Result<Reply, S3Error> {
    let (commit, removed) = {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        match found.objects.remove(key) {
            // Deleting what is not there succeeds, as on S3.
            None => return Ok(Reply::empty(StatusCode::NO_CONTENT)),
            Some(removed) => (
                s3.submit(vec![Mutation::DeleteObject {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }]),
                removed,
            ),
        }
    };
    durable(commit).await?;
    s3.blobs.remove([removed.blob]);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// The most keys one DeleteObjects may name.
const MAX_DELETE_KEYS: usize = 1000;

pub async fn delete_many(s3: &S3, request: &mut S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let has_digest = request.header("content-md5").is_some()
        || crate::s3::checksum::Algorithm::ALL
            .iter()
            .any(|algorithm| request.header(&algorithm.header()).is_some());
    if !has_digest {
        return Err(S3Error::invalid_request(
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
        ));
    }
    let document = request.document().await?;
    let root = xml::parse(&document)?;
    if root.name != "Delete" {
        return Err(S3Error::malformed_xml());
    }
    let quiet = root.text_of("Quiet") == Some("true");
    let keys: Vec<String> = root
        .all("Object")
        .map(|object| {
            object
                .text_of("Key")
                .map(str::to_owned)
                .ok_or_else(S3Error::malformed_xml)
        })
        .collect::<Result<_, _>>()?;
    if keys.is_empty() || keys.len() > MAX_DELETE_KEYS {
        return Err(S3Error::malformed_xml());
    }
    let (commit, removed) = {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let mut mutations = Vec::new();
        let mut removed = Vec::new();
        for key in &keys {
            if let Some(object) = found.objects.remove(key) {
                removed.push(object.blob);
                mutations.push(Mutation::DeleteObject {
                    bucket: bucket.to_owned(),
                    key: key.clone(),
                });
            }
        }
        (s3.submit(mutations), removed)
    };
    durable(commit).await?;
    s3.blobs.remove(removed);
    Ok(Reply::xml(xml::document("DeleteResult", |xml| {
        if !quiet {
            for key in &keys {
                xml.element("Deleted", |xml| {
                    xml.text("Key", key);
                });
            }
        }
    })))
}

/// The largest object CopyObject copies in one request.
const MAX_COPY_SOURCE: u64 = 5 * 1024 * 1024 * 1024;

pub async fn copy(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let source = request.header("x-amz-copy-source").unwrap_or_default();
    let source = source
        .split_once("?versionId=")
        .map_or(source, |(path, _)| path);
    let decoded = crate::wire::percent::decode(source);
    let (source_bucket, source_key) = decoded
        .trim_start_matches('/')
        .split_once('/')
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        .map(|(bucket, key)| (bucket.to_owned(), key.to_owned()))
        .ok_or_else(|| S3Error::invalid_argument("Invalid copy source object key"))?;
    let replace = match request.header("x-amz-metadata-directive") {
        None | Some("COPY") => false,
        Some("REPLACE") => true,
        Some(other) => {
            return Err(S3Error::invalid_argument(format!(
                "Unknown metadata directive: {other}"
            )));
        }
    };
    let (source_object, mut source_file) = open(s3, &source_bucket, &source_key)?;
    if let Some(list) = request.header("x-amz-copy-source-if-match")
        && !etag_matches(list, &source_object.etag)
    {
        return Err(S3Error::precondition_failed("x-amz-copy-source-If-Match"));
    }
    if let Some(list) = request.header("x-amz-copy-source-if-none-match")
        && etag_matches(list, &source_object.etag)
    {
        return Err(S3Error::precondition_failed(
            "x-amz-copy-source-If-None-Match",
        ));
    }
    if source_bucket == bucket && source_key == key && !replace {
        return Err(S3Error::invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class, website redirect location \
             or encryption attributes.",
        ));
    }
    if source_object.size > MAX_COPY_SOURCE {
        return Err(S3Error::invalid_request(format!(
            "The specified copy source is larger than the maximum allowable size for a copy \
             source: {MAX_COPY_SOURCE}"
        )));
    }
    let replaced = if replace {
        Some(attributes(request)?)
    } else {
        None
    };
    let blobs = s3.blobs.clone();
    let blob = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let (id, path) = blobs.incoming();
        let copied = (|| {
            let mut target = std::fs::File::create(&path)?;
            std::io::copy(&mut source_file, &mut target)?;
            target.sync_all()?;
            blobs.keep(&id)
        })();
        if copied.is_err() {
            blobs.discard(&id);
        }
        copied.map(|()| id)
    })
    .await
    .map_err(|error| S3Error::internal(error.to_string()))?
    .map_err(|error| S3Error::internal(format!("copying the object: {error}")))?;
    let now = crate::clock::now_millis();
    let mut object = Object {
        last_modified: now,
        blob,
        ..source_object
    };
    if let Some(attributes) = replaced {
        object.headers = attributes.headers;
        object.metadata = attributes.metadata;
        object.website_redirect = attributes.website_redirect;
        object.tags = attributes.tags;
    }
    let etag = object.etag.clone();
    store_object(s3, request, bucket, key, object).await?;
    Ok(Reply::xml(xml::document("CopyObjectResult", |xml| {
        xml.text("LastModified", &timestamp(now));
        xml.text("ETag", &etag);
    }))
    .header("x-amz-server-side-encryption", "AES256"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_s3_reads_them() {
        assert_eq!(range("bytes=0-4", 10), Some(Ok((0, 4))));
        assert_eq!(range("bytes=5-", 10), Some(Ok((5, 9))));
        assert_eq!(range("bytes=-3", 10), Some(Ok((7, 9))));
        assert_eq!(range("bytes=8-100", 10), Some(Ok((8, 9))));
        assert_eq!(range("bytes=10-", 10), Some(Err(())));
        assert_eq!(range("bytes=0-1,3-4", 10), None);
        assert_eq!(range("items=0-1", 10), None);
        assert_eq!(range("bytes=-20", 10), Some(Ok((0, 9))));
    }

    #[test]
    fn etag_lists_match_with_or_without_quotes() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("abc, \"def\"", "\"def\""));
        assert!(etag_matches("*", "\"x\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}
