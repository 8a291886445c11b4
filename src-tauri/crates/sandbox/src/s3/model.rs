//! What S3 keeps about buckets, objects and multipart uploads, as held in memory and stored as
//! JSON definitions. Object data never lives here: an object names the blob file holding it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::checksum::Checksum;

/// A bucket: its settings, and its objects and open uploads (stored as rows of their own).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub name: String,
    pub owner: String,
    pub region: String,
    pub created: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<Website>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Vec<CorsRule>>,
    /// The bucket policy as the client sent it (JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The bucket's Block Public Access settings; `None` once deleted (new buckets block all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    #[serde(skip)]
    pub objects: BTreeMap<String, Object>,
    #[serde(skip)]
    pub uploads: HashMap<String, Upload>,
}

impl Bucket {
    pub fn new(name: String, owner: String, region: String, created: i64) -> Self {
        Self {
            name,
            owner,
            region,
            created,
            website: None,
            cors: None,
            policy: None,
            public_access_block: Some(PublicAccessBlock::all()),
            tags: Vec::new(),
            objects: BTreeMap::new(),
            uploads: HashMap::new(),
        }
    }

    /// `arn:aws:s3:::{name}`.
    pub fn arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.name)
    }
}

/// An object's metadata; its bytes are in the blob `blob`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    pub size: u64,
    /// With its quotes, as S3 sends it: `"…"`, or `"…-N"` for a multipart upload.
    pub etag: String,
    pub last_modified: i64,
    pub blob: String,
    /// Content-Type, Cache-Control and the other headers stored with the object, by lower-case
    /// name.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `x-amz-meta-*` metadata, by lower-case name without the prefix.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<u32>,
}

impl Object {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .map_or(DEFAULT_CONTENT_TYPE, String::as_str)
    }
}

/// What S3 calls an object's type when it was stored without one.
pub const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// A multipart upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub id: String,
    pub key: String,
    pub initiated: i64,
    /// The object's headers and metadata, given when the upload began.
    pub headers: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<super::checksum::Algorithm>,
    /// Whether the object's checksum covers all its bytes (`FULL_OBJECT`) rather than being a
    /// checksum of the parts' checksums (`COMPOSITE`).
    #[serde(default)]
    pub full_object_checksum: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    pub parts: BTreeMap<u32, Part>,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    pub size: u64,
    pub etag: String,
    pub blob: String,
    pub uploaded: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
}

/// A bucket's website configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Website {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_all: Option<RedirectAll>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_rules: Vec<RoutingRule>,
}

/// `RedirectAllRequestsTo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectAll {
    pub host_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// One routing rule: when its condition holds, the redirect it describes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix_equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code_equals: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_key_prefix_with: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_key_with: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_code: Option<u16>,
}

/// One CORS rule of a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CorsRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
}

/// Block Public Access, per bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// What every new bucket gets (since April 2023).
    pub fn all() -> Self {
        Self {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }
    }
}
