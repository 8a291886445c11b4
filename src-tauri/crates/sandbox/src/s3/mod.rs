//! S3: buckets (global names, each in a region, owned by an account), their objects and
//! multipart uploads, their website, CORS, policy, tagging and Block Public Access settings; the
//! REST API (path and virtual-host style, SigV4 with `aws-chunked` streaming payloads, presigned
//! URLs) and the website endpoint.
//!
//! Metadata lives in memory and in the shared store (one row per bucket, object and upload);
//! bytes live in blob files (`blobs.rs`), written and flushed before the metadata naming them is
//! committed, and streamed in and out, never held whole. Every change is made to memory and
//! queued to the store under the one lock, so the store sees changes in memory's order; the
//! request answers once its own commit is durable.

mod address;
mod api;
mod blobs;
pub mod checksum;
mod chunked;
mod cors;
mod error;
mod http;
mod model;
mod names;
mod payload;
mod policy;
mod website;
mod xml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

pub use address::Address;
pub use error::S3Error;

use self::blobs::Blobs;
use self::http::S3Request;
use self::model::{Bucket, Object, Upload};
use crate::store::{Commit, Mutation, Scope, Store, StoredDefinition, StoredInBucket};

/// The region a request names when it is not signed (the bucket's own is used where it exists).
const DEFAULT_REGION: &str = "us-east-1";

/// A request to S3 the guard refuses (a page's signed call, a foreign Host), as S3 words an
/// `AccessDenied`: an `<Error>` document (none for HEAD), so S3 clients read the reason.
pub fn refusal(method: &Method, message: String) -> Response {
    let error = S3Error::new("AccessDenied", axum::http::StatusCode::FORBIDDEN, message);
    http::error_response(&error, method, &crate::wire::new_request_id())
}

/// Whether a request carries no credentials at all (no `Authorization`, no presigned query):
/// what S3 serves to everyone as the bucket policy allows.
pub fn is_anonymous(headers: &HeaderMap, query: Option<&str>) -> bool {
    !headers.contains_key("authorization") && !address::presigned(query)
}

/// Why the saved S3 state could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading the saved {what}: {message}")]
pub struct LoadError {
    what: String,
    message: String,
}

/// The S3 service of a sandbox.
#[derive(Debug)]
pub struct S3 {
    buckets: Mutex<HashMap<String, Bucket>>,
    blobs: Blobs,
    store: Store,
}

impl S3 {
    /// The buckets, objects and uploads the store holds, with their blobs under `data_dir`;
    /// blobs nothing names any more (a write cut short by a crash) are removed.
    pub fn load(
        data_dir: &Path,
        store: Store,
        buckets: Vec<StoredDefinition>,
        objects: Vec<StoredInBucket>,
        uploads: Vec<StoredInBucket>,
    ) -> Result<Self, LoadError> {
        let failed = |what: String, error: &dyn std::fmt::Display| LoadError {
            what,
            message: error.to_string(),
        };
        let blobs = Blobs::open(data_dir).map_err(|e| failed("S3 directory".into(), &e))?;
        let mut by_name = HashMap::new();
        for row in buckets {
            let bucket: Bucket = serde_json::from_str(&row.definition)
                .map_err(|e| failed(format!("bucket {}", row.name), &e))?;
            by_name.insert(bucket.name.clone(), bucket);
        }
        let mut named = HashSet::new();
        for row in objects {
            let object: Object = serde_json::from_str(&row.definition)
                .map_err(|e| failed(format!("object {}/{}", row.bucket, row.name), &e))?;
            if let Some(bucket) = by_name.get_mut(&row.bucket) {
                named.insert(object.blob.clone());
                bucket.objects.insert(row.name, object);
            }
        }
        for row in uploads {
            let upload: Upload = serde_json::from_str(&row.definition)
                .map_err(|e| failed(format!("upload {}/{}", row.bucket, row.name), &e))?;
            if let Some(bucket) = by_name.get_mut(&row.bucket) {
                named.extend(upload.parts.values().map(|part| part.blob.clone()));
                bucket.uploads.insert(row.name, upload);
            }
        }
        let swept = blobs.sweep(&named);
        if swept > 0 {
            tracing::info!(swept, "removed S3 blobs no object names");
        }
        Ok(Self {
            buckets: Mutex::new(by_name),
            blobs,
            store,
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        self.buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `mutations`; call under [`S3::lock`], await the commit after releasing it.
    fn submit(&self, mutations: Vec<Mutation>) -> Commit {
        self.store.submit(mutations)
    }

    /// Serves one request addressed to S3 (see [`Address`]) for `account`.
    pub async fn serve(
        &self,
        address: Address,
        (method, uri, headers): (Method, Uri, HeaderMap),
        body: Body,
        account: &str,
    ) -> Response {
        let request_id = crate::wire::new_request_id();
        match address {
            Address::Website { bucket, path, base } => {
                website::serve(self, &bucket, &path, &base, &method, &headers, &request_id)
            }
            Address::Rest { bucket, key } => {
                let signed = crate::wire::credential_scope(&headers)
                    .or_else(|| address::query_credential(uri.query()));
                let region = signed
                    .as_ref()
                    .map_or_else(|| DEFAULT_REGION.to_owned(), |scope| scope.region.clone());
                if !crate::names::is_region(&region) {
                    let error = S3Error::new(
                        "AuthorizationHeaderMalformed",
                        axum::http::StatusCode::BAD_REQUEST,
                        format!(
                            "The authorization header is malformed; the region '{}' is wrong.",
                            region.chars().take(40).collect::<String>()
                        ),
                    );
                    return http::error_response(&error, &method, &request_id);
                }
                if let Some(error) = address::presigned_problem(uri.query()) {
                    return http::error_response(&error, &method, &request_id);
                }
                let mut request = S3Request::new(
                    method.clone(),
                    bucket,
                    key,
                    uri.query(),
                    headers,
                    region,
                    account.to_owned(),
                    signed.is_none(),
                    body,
                );
                tracing::debug!(%method, %uri, %request_id, "S3 request");
                let origin = request.header("origin").map(str::to_owned);
                let result = api::handle(self, &mut request).await;
                let mut response = match result {
                    Ok(reply) => reply.into_response(&method, &request_id),
                    Err(error) => http::error_response(&error, &method, &request_id),
                };
                if let (Some(origin), Some(bucket)) = (origin, &request.bucket)
                    && method != Method::OPTIONS
                {
                    let rules = self.lock().get(bucket).and_then(|b| b.cors.clone());
                    if let Some(rules) = rules {
                        cors::decorate(&rules, &origin, &method, response.headers_mut());
                    }
                }
                response
            }
        }
    }

    /// Whether a bucket of this name exists.
    pub fn has_bucket(&self, name: &str) -> bool {
        self.lock().contains_key(name)
    }

    /// `(ARN, tags)` of the buckets whose region is `scope`'s, for the Tagging API.
    pub fn tagged(&self, scope: &Scope) -> Vec<(String, BTreeMap<String, String>)> {
        self.lock()
            .values()
            .filter(|bucket| bucket.owner == scope.account && bucket.region == scope.region)
            .map(|bucket| (bucket.arn(), bucket.tags.iter().cloned().collect()))
            .collect()
    }

    /// The mutation that saves `bucket`'s settings.
    fn put_bucket_mutation(bucket: &Bucket) -> Mutation {
        Mutation::PutBucket {
            scope: Scope {
                account: bucket.owner.clone(),
                region: bucket.region.clone(),
            },
            name: bucket.name.clone(),
            definition: serde_json::to_string(bucket).unwrap_or_default(),
        }
    }
}
