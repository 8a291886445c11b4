//! Multipart uploads, as `aws s3 cp` makes them for large files: CreateMultipartUpload,
//! UploadPart (each part a blob of its own), CompleteMultipartUpload (the parts checked, then
//! joined into the object's blob, its ETag the MD5 of the parts' MD5s with `-N`), and
//! AbortMultipartUpload.

use std::io::Write as _;

use axum::http::StatusCode;

use super::{S3, durable, with_bucket};
use crate::s3::checksum::{self, Algorithm, Checksum, Hasher, Md5};
use crate::s3::error::S3Error;
use crate::s3::http::{Reply, S3Request};
use crate::s3::model::{Object, Part, Upload};
use crate::s3::payload::{self, MAX_SINGLE_PUT};
use crate::s3::xml;
use crate::store::Mutation;

/// The smallest part but the last, in bytes.
const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

/// The most parts an upload may have.
const MAX_PARTS: u32 = 10_000;

fn save_upload(bucket: &str, upload: &Upload) -> Mutation {
    Mutation::PutUpload {
        bucket: bucket.to_owned(),
        id: upload.id.clone(),
        definition: serde_json::to_string(upload).unwrap_or_default(),
    }
}

pub async fn create(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let attributes = super::objects::attributes(request)?;
    let algorithm = match request.header("x-amz-checksum-algorithm") {
        None => None,
        Some(name) => Some(Algorithm::parse(name).ok_or_else(|| {
            S3Error::invalid_request(format!(
                "Checksum algorithm provided is unsupported: {name}"
            ))
        })?),
    };
    let full_object = match request.header("x-amz-checksum-type") {
        None => algorithm == Some(Algorithm::Crc64nvme),
        Some(kind) if kind.eq_ignore_ascii_case("FULL_OBJECT") => true,
        Some(kind) if kind.eq_ignore_ascii_case("COMPOSITE") => {
            if algorithm == Some(Algorithm::Crc64nvme) {
                return Err(S3Error::invalid_request(
                    "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
                ));
            }
            false
        }
        Some(kind) => {
            return Err(S3Error::invalid_request(format!(
                "Value for x-amz-checksum-type header is invalid: {kind}"
            )));
        }
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let upload = Upload {
        id: id.clone(),
        key: key.to_owned(),
        initiated: crate::clock::now_millis(),
        headers: attributes.headers,
        metadata: attributes.metadata,
        checksum_algorithm: algorithm,
        full_object_checksum: full_object,
        website_redirect: attributes.website_redirect,
        tags: attributes.tags,
        parts: Default::default(),
    };
    let commit = {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let commit = s3.submit(vec![save_upload(bucket, &upload)]);
        found.uploads.insert(id.clone(), upload);
        commit
    };
    durable(commit).await?;
    let mut reply = Reply::xml(xml::document("InitiateMultipartUploadResult", |xml| {
        xml.text("Bucket", bucket);
        xml.text("Key", key);
        xml.text("UploadId", &id);
    }));
    if let Some(algorithm) = algorithm {
        reply = reply
            .header("x-amz-checksum-algorithm", algorithm.name())
            .header(
                "x-amz-checksum-type",
                if full_object {
                    "FULL_OBJECT"
                } else {
                    "COMPOSITE"
                },
            );
    }
    Ok(reply)
}

/// The upload `id` of `key`, or NoSuchUpload.
fn find_upload<'a>(
    uploads: &'a mut std::collections::HashMap<String, Upload>,
    id: &str,
    key: &str,
) -> Result<&'a mut Upload, S3Error> {
    uploads
        .get_mut(id)
        .filter(|upload| upload.key == key)
        .ok_or_else(|| S3Error::no_such_upload(id))
}

pub async fn upload_part(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let id = request.param("uploadId").unwrap_or_default().to_owned();
    let number = request
        .param("partNumber")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PARTS).contains(n))
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
            )
        })?;
    {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        find_upload(&mut found.uploads, &id, key)?;
    }
    let body = request.take_body();
    let received = payload::receive(body, &request.headers, &s3.blobs, MAX_SINGLE_PUT).await?;
    let part = Part {
        size: received.size,
        etag: received.etag(),
        blob: received.blob.clone(),
        uploaded: crate::clock::now_millis(),
        checksum: received.checksum.clone(),
    };
    let saved = {
        let mut buckets = s3.lock();
        buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))
            .and_then(|found| find_upload(&mut found.uploads, &id, key))
            .map(|upload| {
                let replaced = upload.parts.insert(number, part.clone());
                (s3.submit(vec![save_upload(bucket, upload)]), replaced)
            })
    };
    let (commit, replaced) = match saved {
        Ok(saved) => saved,
        Err(error) => {
            s3.blobs.remove([received.blob]);
            return Err(error);
        }
    };
    durable(commit).await?;
    s3.blobs.remove(replaced.map(|old| old.blob));
    let mut reply = Reply::empty(StatusCode::OK)
        .header("etag", part.etag)
        .header("x-amz-server-side-encryption", "AES256");
    if let Some(checksum) = part.checksum {
        reply = reply.header(checksum.algorithm.header(), checksum.value);
    }
    Ok(reply)
}

/// The parts a CompleteMultipartUpload document lists: numbers and ETags.
fn listed_parts(root: &xml::Element) -> Result<Vec<(u32, String)>, S3Error> {
    if root.name != "CompleteMultipartUpload" {
        return Err(S3Error::malformed_xml());
    }
    let parts: Vec<(u32, String)> = root
        .all("Part")
        .map(|part| {
            let number = part
                .text_of("PartNumber")
                .and_then(|n| n.parse().ok())
                .ok_or_else(S3Error::malformed_xml)?;
            let etag = part.text_of("ETag").ok_or_else(S3Error::malformed_xml)?;
            Ok((number, etag.to_owned()))
        })
        .collect::<Result<_, S3Error>>()?;
    if parts.is_empty() {
        return Err(S3Error::malformed_xml());
    }
    if parts.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
        return Err(S3Error::new(
            "InvalidPartOrder",
            StatusCode::BAD_REQUEST,
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        ));
    }
    Ok(parts)
}

fn invalid_part(number: u32, etag: &str) -> S3Error {
    S3Error::new(
        "InvalidPart",
        StatusCode::BAD_REQUEST,
        "One or more of the specified parts could not be found.  The part may not have been \
         uploaded, or the specified entity tag may not match the part's entity tag.",
    )
    .with("PartNumber", number.to_string())
    .with("ETag", etag)
}

/// What joining the parts produced.
struct Joined {
    blob: String,
    size: u64,
}

pub async fn complete(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let id = request.param("uploadId").unwrap_or_default().to_owned();
    let document = request.document().await?;
    let listed = listed_parts(&xml::parse(&document)?)?;
    // Check every part and open its blob under the lock; join them outside it.
    let (upload, files) = {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let upload = find_upload(&mut found.uploads, &id, key)?.clone();
        let mut files = Vec::new();
        for (index, (number, etag)) in listed.iter().enumerate() {
            let part = upload
                .parts
                .get(number)
                .filter(|part| part.etag.trim_matches('"') == etag.trim_matches('"'))
                .ok_or_else(|| invalid_part(*number, etag))?;
            if index + 1 < listed.len() && part.size < MIN_PART_BYTES {
                return Err(S3Error::new(
                    "EntityTooSmall",
                    StatusCode::BAD_REQUEST,
                    "Your proposed upload is smaller than the minimum allowed size",
                )
                .with("ProposedSize", part.size.to_string())
                .with("MinSizeAllowed", MIN_PART_BYTES.to_string())
                .with("PartNumber", number.to_string())
                .with("ETag", etag.clone()));
            }
            let file = std::fs::File::open(s3.blobs.path(&part.blob))
                .map_err(|error| S3Error::internal(format!("opening a part: {error}")))?;
            files.push((part.clone(), file));
        }
        (upload, files)
    };
    let parts: Vec<Part> = files.iter().map(|(part, _)| part.clone()).collect();
    let full_hasher = upload
        .checksum_algorithm
        .filter(|_| upload.full_object_checksum)
        .map(Hasher::new);
    let blobs = s3.blobs.clone();
    let (joined, full_checksum) =
        tokio::task::spawn_blocking(move || join(&blobs, files, full_hasher))
            .await
            .map_err(|error| S3Error::internal(error.to_string()))?
            .map_err(|error| S3Error::internal(format!("joining the parts: {error}")))?;
    let etag = multipart_etag(&parts);
    let checksum = object_checksum(&upload, &parts, full_checksum);
    let object = Object {
        size: joined.size,
        etag: etag.clone(),
        last_modified: crate::clock::now_millis(),
        blob: joined.blob.clone(),
        headers: upload.headers.clone(),
        metadata: upload.metadata.clone(),
        checksum: checksum.clone(),
        website_redirect: upload.website_redirect.clone(),
        tags: upload.tags.clone(),
        parts: Some(parts.len() as u32),
    };
    let stored = {
        let mut buckets = s3.lock();
        match buckets.get_mut(bucket) {
            None => Err(S3Error::no_such_bucket(bucket)),
            Some(found) => match found.uploads.remove(&id) {
                None => Err(S3Error::no_such_upload(&id)),
                Some(finished) => {
                    let commit = s3.submit(vec![
                        Mutation::DeleteUpload {
                            bucket: bucket.to_owned(),
                            id: id.clone(),
                        },
                        Mutation::PutObject {
                            bucket: bucket.to_owned(),
                            key: key.to_owned(),
                            definition: serde_json::to_string(&object).unwrap_or_default(),
                        },
                    ]);
                    let replaced = found.objects.insert(key.to_owned(), object);
                    let mut unused: Vec<String> = finished
                        .parts
                        .values()
                        .map(|part| part.blob.clone())
                        .collect();
                    unused.extend(replaced.map(|old| old.blob));
                    Ok((commit, unused))
                }
            },
        }
    };
    let (commit, unused) = match stored {
        Ok(stored) => stored,
        Err(error) => {
            s3.blobs.remove([joined.blob]);
            return Err(error);
        }
    };
    durable(commit).await?;
    s3.blobs.remove(unused);
    let host = request.header("host").unwrap_or("localhost").to_owned();
    let mut reply = Reply::xml(xml::document("CompleteMultipartUploadResult", |xml| {
        xml.text("Location", &format!("http://{host}/{bucket}/{key}"));
        xml.text("Bucket", bucket);
        xml.text("Key", key);
        xml.text("ETag", &etag);
        if let Some(checksum) = &checksum {
            xml.text(&checksum.algorithm.member(), &checksum.value);
            xml.text("ChecksumType", checksum.kind());
        }
    }))
    .header("x-amz-server-side-encryption", "AES256");
    if let Some(checksum) = &checksum {
        reply = reply.header(checksum.algorithm.header(), checksum.value.clone());
    }
    Ok(reply)
}

/// Copies the parts, in order, into one new blob; the full-object checksum if one was asked.
fn join(
    blobs: &crate::s3::blobs::Blobs,
    files: Vec<(Part, std::fs::File)>,
    mut full: Option<Hasher>,
) -> std::io::Result<(Joined, Option<Vec<u8>>)> {
    let (id, path) = blobs.incoming();
    let written = (|| {
        let mut target = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        let mut size = 0u64;
        let mut buffer = vec![0u8; 1 << 20];
        for (_, mut file) in files {
            loop {
                let read = std::io::Read::read(&mut file, &mut buffer)?;
                if read == 0 {
                    break;
                }
                if let Some(hasher) = &mut full {
                    hasher.update(&buffer[..read]);
                }
                target.write_all(&buffer[..read])?;
                size += read as u64;
            }
        }
        let file = target.into_inner().map_err(|error| error.into_error())?;
        file.sync_all()?;
        blobs.keep(&id)?;
        Ok(size)
    })();
    match written {
        Ok(size) => Ok((Joined { blob: id, size }, full.map(Hasher::finish))),
        Err(error) => {
            blobs.discard(&id);
            Err(error)
        }
    }
}

/// `"{MD5 of the parts' MD5s}-{count}"`.
fn multipart_etag(parts: &[Part]) -> String {
    let mut md5 = Md5::default();
    for part in parts {
        let hex = part.etag.trim_matches('"');
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok())
            .collect();
        md5.update(&bytes);
    }
    format!("\"{}-{}\"", checksum::hex(&md5.finish()), parts.len())
}

/// The object's checksum: over all its bytes, or the checksum of its parts' checksums.
fn object_checksum(upload: &Upload, parts: &[Part], full: Option<Vec<u8>>) -> Option<Checksum> {
    let algorithm = upload.checksum_algorithm?;
    if let Some(full) = full {
        return Some(Checksum {
            algorithm,
            value: checksum::base64(&full),
            composite: false,
        });
    }
    let mut hasher = Hasher::new(algorithm);
    for part in parts {
        let value = part
            .checksum
            .as_ref()
            .filter(|c| c.algorithm == algorithm)?;
        let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &value.value)
            .ok()?;
        hasher.update(&raw);
    }
    Some(Checksum {
        algorithm,
        value: format!("{}-{}", checksum::base64(&hasher.finish()), parts.len()),
        composite: true,
    })
}

pub async fn abort(
    s3: &S3,
    request: &S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let id = request.param("uploadId").unwrap_or_default();
    with_bucket(s3, bucket, |_| ())?;
    let (commit, parts) = {
        let mut buckets = s3.lock();
        let found = buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        find_upload(&mut found.uploads, id, key)?;
        let upload = found
            .uploads
            .remove(id)
            .ok_or_else(|| S3Error::no_such_upload(id))?;
        let commit = s3.submit(vec![Mutation::DeleteUpload {
            bucket: bucket.to_owned(),
            id: id.to_owned(),
        }]);
        (
            commit,
            upload
                .parts
                .into_values()
                .map(|part| part.blob)
                .collect::<Vec<_>>(),
        )
    };
    durable(commit).await?;
    s3.blobs.remove(parts);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_etag_is_the_md5_of_the_part_md5s() {
        let part = |etag: &str| Part {
            size: 0,
            etag: etag.into(),
            blob: String::new(),
            uploaded: 0,
            checksum: None,
        };
        // Two parts whose MD5s are those of "a" and "b".
        let parts = [
            part("\"0cc175b9c0f1b6a831c399e269772661\""),
            part("\"92eb5ffee6ae2fec3ad71c777531578f\""),
        ];
        let mut md5 = Md5::default();
        md5.update(&[
            0x0c, 0xc1, 0x75, 0xb9, 0xc0, 0xf1, 0xb6, 0xa8, 0x31, 0xc3, 0x99, 0xe2, 0x69, 0x77,
            0x26, 0x61, 0x92, 0xeb, 0x5f, 0xfe, 0xe6, 0xae, 0x2f, 0xec, 0x3a, 0xd7, 0x1c, 0x77,
            0x75, 0x31, 0x57, 0x8f,
        ]);
        assert_eq!(
            multipart_etag(&parts),
            format!("\"{}-2\"", checksum::hex(&md5.finish()))
        );
    }

    #[test]
    fn parts_must_be_listed_in_ascending_order() {
        let root = xml::parse(
            b"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part>\
              <Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>",
        )
        .unwrap();
        assert_eq!(listed_parts(&root).unwrap_err().code, "InvalidPartOrder");
    }
}
