//! S3's REST operations, one module per group, and the dispatch from method, bucket, key and
//! subresource (`?website`, `?uploads`, …) to the operation. An anonymous request is served only
//! as far as the bucket's policy allows everyone. A subresource the sandbox does not serve gets
//! `NotImplemented` saying so, never a silent default.

mod buckets;
mod listing;
mod multipart;
mod objects;
mod settings;

use axum::http::{Method, StatusCode};

/// GetObject and HeadObject, for the website endpoint.
pub(super) use objects::get as read_object;

use super::S3;
use super::error::S3Error;
use super::http::{Reply, S3Request};
use super::model::Bucket;
use crate::store::Commit;

/// Subresources of S3 that the sandbox does not serve, by query parameter.
const UNSERVED_SUBRESOURCES: [&str; 24] = [
    "acl",
    "accelerate",
    "analytics",
    "attributes",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policyStatus",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "session",
    "torrent",
    "versioning",
    "versions",
];

/// Serves one REST request.
pub async fn handle(s3: &S3, request: &mut S3Request) -> Result<Reply, S3Error> {
    if let Some(name) = UNSERVED_SUBRESOURCES.iter().find(|name| request.has(name)) {
        return Err(S3Error::not_implemented(&format!(
            "the ?{name} subresource"
        )));
    }
    if request.method == Method::OPTIONS {
        let rules = match &request.bucket {
            Some(bucket) => s3
                .lock()
                .get(bucket)
                .ok_or_else(|| S3Error::no_such_bucket(bucket))?
                .cors
                .clone(),
            None => None,
        };
        return super::cors::preflight(rules.as_deref(), &request.headers);
    }
    let Some(bucket) = request.bucket.clone() else {
        return match request.method {
            Method::GET if !request.anonymous => Ok(buckets::list(s3, request)),
            Method::GET => Err(S3Error::access_denied()),
            _ => Err(method_not_allowed(&request.method, "SERVICE")),
        };
    };
    if request.anonymous {
        authorize_anonymous(s3, request, &bucket)?;
    }
    match request.key.clone() {
        None => bucket_operation(s3, request, &bucket).await,
        Some(key) => {
            if key.len() > super::names::MAX_KEY_BYTES {
                return Err(S3Error::new(
                    "KeyTooLongError",
                    StatusCode::BAD_REQUEST,
                    "Your key is too long",
                )
                .with("MaxSizeAllowed", super::names::MAX_KEY_BYTES.to_string())
                .with("Size", key.len().to_string()));
            }
            object_operation(s3, request, &bucket, &key).await
        }
    }
}

async fn bucket_operation(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
) -> Result<Reply, S3Error> {
    let has = |name: &str| request.has(name);
    match request.method {
        Method::PUT if has("website") => settings::put_website(s3, request, bucket).await,
        Method::PUT if has("cors") => settings::put_cors(s3, request, bucket).await,
        Method::PUT if has("policy") => settings::put_policy(s3, request, bucket).await,
        Method::PUT if has("tagging") => settings::put_tagging(s3, request, bucket).await,
        Method::PUT if has("publicAccessBlock") => {
            settings::put_public_access_block(s3, request, bucket).await
        }
        Method::PUT => buckets::create(s3, request, bucket).await,
        Method::GET if has("website") => settings::get_website(s3, bucket),
        Method::GET if has("cors") => settings::get_cors(s3, bucket),
        Method::GET if has("policy") => settings::get_policy(s3, bucket),
        Method::GET if has("tagging") => settings::get_tagging(s3, bucket),
        Method::GET if has("publicAccessBlock") => settings::get_public_access_block(s3, bucket),
        Method::GET if has("location") => buckets::location(s3, bucket),
        Method::GET if has("uploads") => Err(S3Error::not_implemented("ListMultipartUploads")),
        Method::GET if request.param("list-type") == Some("2") => {
            listing::list_v2(s3, request, bucket)
        }
        Method::GET => listing::list_v1(s3, request, bucket),
        Method::HEAD => buckets::head(s3, bucket),
        Method::DELETE if has("website") => settings::delete_website(s3, bucket).await,
        Method::DELETE if has("cors") => settings::delete_cors(s3, bucket).await,
        Method::DELETE if has("policy") => settings::delete_policy(s3, bucket).await,
        Method::DELETE if has("tagging") => settings::delete_tagging(s3, bucket).await,
        Method::DELETE if has("publicAccessBlock") => {
            settings::delete_public_access_block(s3, bucket).await
        }
        Method::DELETE => buckets::delete(s3, bucket).await,
        Method::POST if has("delete") => objects::delete_many(s3, request, bucket).await,
        _ => Err(method_not_allowed(&request.method, "BUCKET")),
    }
}

async fn object_operation(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
    key: &str,
) -> Result<Reply, S3Error> {
    let copying = request.header("x-amz-copy-source").is_some();
    match request.method {
        Method::PUT if request.has("uploadId") && copying => {
            Err(S3Error::not_implemented("UploadPartCopy"))
        }
        Method::PUT if request.has("uploadId") => {
            multipart::upload_part(s3, request, bucket, key).await
        }
        Method::PUT if request.has("tagging") => Err(S3Error::not_implemented("PutObjectTagging")),
        Method::PUT if copying => objects::copy(s3, request, bucket, key).await,
        Method::PUT => objects::put(s3, request, bucket, key).await,
        Method::GET if request.has("uploadId") => Err(S3Error::not_implemented("ListParts")),
        Method::GET if request.has("tagging") => Err(S3Error::not_implemented("GetObjectTagging")),
        Method::GET | Method::HEAD => objects::get(s3, request, bucket, key),
        Method::DELETE if request.has("uploadId") => {
            multipart::abort(s3, request, bucket, key).await
        }
        Method::DELETE if request.has("tagging") => {
            Err(S3Error::not_implemented("DeleteObjectTagging"))
        }
        Method::DELETE => objects::delete(s3, bucket, key).await,
        Method::POST if request.has("uploads") => multipart::create(s3, request, bucket, key).await,
        Method::POST if request.has("uploadId") => {
            multipart::complete(s3, request, bucket, key).await
        }
        Method::POST => Err(S3Error::not_implemented("POST uploads from HTML forms")),
        _ => Err(method_not_allowed(&request.method, "OBJECT")),
    }
}

/// The IAM action an anonymous request asks for, as bucket policies name it.
fn anonymous_action(request: &S3Request) -> &'static str {
    let object = request.key.is_some();
    match (&request.method, object) {
        (&Method::GET | &Method::HEAD, true) => "s3:GetObject",
        (&Method::GET | &Method::HEAD, false) => "s3:ListBucket",
        (&Method::PUT | &Method::POST, true) => "s3:PutObject",
        (&Method::DELETE, true) => "s3:DeleteObject",
        (&Method::POST, false) => "s3:DeleteObject",
        _ => "s3:PutBucketPolicy",
    }
}

/// Refuses an anonymous request its bucket's policy does not allow everyone.
fn authorize_anonymous(s3: &S3, request: &S3Request, bucket: &str) -> Result<(), S3Error> {
    let buckets = s3.lock();
    let found = buckets
        .get(bucket)
        .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
    let action = anonymous_action(request);
    if super::policy::allows_anonymous(found, action, &request.resource_arn()) {
        Ok(())
    } else {
        Err(S3Error::access_denied())
    }
}

fn method_not_allowed(method: &Method, resource: &str) -> S3Error {
    S3Error::new(
        "MethodNotAllowed",
        StatusCode::METHOD_NOT_ALLOWED,
        "The specified method is not allowed against this resource.",
    )
    .with("Method", method.as_str())
    .with("ResourceType", resource)
}

/// Runs `read` on the bucket `name`, or NoSuchBucket.
fn with_bucket<T>(s3: &S3, name: &str, read: impl FnOnce(&Bucket) -> T) -> Result<T, S3Error> {
    let buckets = s3.lock();
    buckets
        .get(name)
        .map(read)
        .ok_or_else(|| S3Error::no_such_bucket(name))
}

/// Changes the bucket `name`'s settings with `change` (which checks everything before it
/// changes anything) and saves them; answers once durable.
async fn change_bucket(
    s3: &S3,
    name: &str,
    change: impl FnOnce(&mut Bucket) -> Result<(), S3Error>,
) -> Result<(), S3Error> {
    let commit = {
        let mut buckets = s3.lock();
        let bucket = buckets
            .get_mut(name)
            .ok_or_else(|| S3Error::no_such_bucket(name))?;
        change(bucket)?;
        s3.submit(vec![S3::put_bucket_mutation(bucket)])
    };
    durable(commit).await
}

async fn durable(commit: Commit) -> Result<(), S3Error> {
    commit.durable().await.map_err(S3Error::unsaved)
}

/// The instant as S3 writes it in documents: `2026-12-08T10:00:00.000Z`.
fn timestamp(millis: i64) -> String {
    crate::clock::iso8601_millis(millis)
}

/// The instant as HTTP headers write it: `Tue, 08 Dec 2026 10:00:00 GMT`.
fn http_date(millis: i64) -> String {
    let since = std::time::Duration::from_millis(u64::try_from(millis).unwrap_or(0));
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + since)
}
