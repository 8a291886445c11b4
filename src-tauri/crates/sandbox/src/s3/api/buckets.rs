//! CreateBucket, HeadBucket, GetBucketLocation, ListBuckets, DeleteBucket.

use axum::http::StatusCode;

use super::{S3, durable, timestamp, with_bucket};
use crate::s3::error::S3Error;
use crate::s3::http::{Reply, S3Request};
use crate::s3::model::Bucket;
use crate::s3::xml;
use crate::store::{Mutation, Scope};

/// The buckets an account may have (S3's default quota).
const MAX_BUCKETS: usize = 10_000;

pub async fn create(s3: &S3, request: &mut S3Request, name: &str) -> Result<Reply, S3Error> {
    if !crate::s3::names::is_bucket_name(name) {
        return Err(S3Error::new(
            "InvalidBucketName",
            StatusCode::BAD_REQUEST,
            "The specified bucket is not valid.",
        )
        .with("BucketName", name));
    }
    if let Some(acl) = request.header("x-amz-acl")
        && acl != "private"
        && acl != "bucket-owner-full-control"
    {
        return Err(S3Error::new(
            "InvalidBucketAclWithObjectOwnership",
            StatusCode::BAD_REQUEST,
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        ));
    }
    let document = request.document().await?;
    let constraint = if document.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let root = xml::parse(&document)?;
        if root.name != "CreateBucketConfiguration" {
            return Err(S3Error::malformed_xml());
        }
        root.text_of("LocationConstraint")
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let region = request.region.clone();
    match constraint.as_deref() {
        Some(constraint) if constraint == region && region == "us-east-1" => {
            return Err(S3Error::new(
                "InvalidLocationConstraint",
                StatusCode::BAD_REQUEST,
                "The specified location-constraint is not valid",
            )
            .with("LocationConstraint", constraint));
        }
        Some(constraint) if constraint != region => {
            return Err(S3Error::new(
                "IllegalLocationConstraintException",
                StatusCode::BAD_REQUEST,
                format!(
                    "The {constraint} location constraint is incompatible for the region specific \
                     endpoint this request was sent to."
                ),
            ));
        }
        None if region != "us-east-1" => {
            return Err(S3Error::new(
                "IllegalLocationConstraintException",
                StatusCode::BAD_REQUEST,
                "The unspecified location constraint is incompatible for the region specific \
                 endpoint this request was sent to.",
            ));
        }
        _ => {}
    }
    let commit = {
        let mut buckets = s3.lock();
        if let Some(existing) = buckets.get(name) {
            if existing.owner != request.account {
                return Err(S3Error::new(
                    "BucketAlreadyExists",
                    StatusCode::CONFLICT,
                    "The requested bucket name is not available. The bucket namespace is shared \
                     by all users of the system. Please select a different name and try again.",
                )
                .with("BucketName", name));
            }
            // In us-east-1, creating a bucket one already owns succeeds (for legacy reasons).
            if existing.region == "us-east-1" && region == "us-east-1" {
                return Ok(Reply::empty(StatusCode::OK).header("location", format!("/{name}")));
            }
            return Err(S3Error::new(
                "BucketAlreadyOwnedByYou",
                StatusCode::CONFLICT,
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with("BucketName", name));
        }
        let owned = buckets
            .values()
            .filter(|bucket| bucket.owner == request.account)
            .count();
        if owned >= MAX_BUCKETS {
            return Err(S3Error::new(
                "TooManyBuckets",
                StatusCode::BAD_REQUEST,
                "You have attempted to create more buckets than allowed",
            ));
        }
        let bucket = Bucket::new(
            name.to_owned(),
            request.account.clone(),
            region,
            crate::clock::now_millis(),
        );
        let commit = s3.submit(vec![S3::put_bucket_mutation(&bucket)]);
        buckets.insert(name.to_owned(), bucket);
        commit
    };
    durable(commit).await?;
    Ok(Reply::empty(StatusCode::OK).header("location", format!("/{name}")))
}

pub fn head(s3: &S3, name: &str) -> Result<Reply, S3Error> {
    let region = with_bucket(s3, name, |bucket| bucket.region.clone())?;
    Ok(Reply::empty(StatusCode::OK)
        .header("x-amz-bucket-region", region)
        .header("x-amz-access-point-alias", "false"))
}

pub fn location(s3: &S3, name: &str) -> Result<Reply, S3Error> {
    let region = with_bucket(s3, name, |bucket| bucket.region.clone())?;
    // us-east-1 is written as no constraint at all.
    let constraint = if region == "us-east-1" {
        ""
    } else {
        region.as_str()
    };
    Ok(Reply::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>",
        xml::NAMESPACE,
        crate::wire::xml_escape(constraint)
    )))
}

pub fn list(s3: &S3, request: &S3Request) -> Reply {
    let prefix = request.param("prefix").unwrap_or_default();
    let after = request.param("continuation-token").unwrap_or_default();
    let limit = request
        .param("max-buckets")
        .and_then(|max| max.parse::<usize>().ok())
        .filter(|max| (1..=10_000).contains(max));
    let region = request.param("bucket-region");
    let mut owned: Vec<(String, i64, String)> = s3
        .lock()
        .values()
        .filter(|bucket| bucket.owner == request.account)
        .filter(|bucket| bucket.name.starts_with(prefix) && bucket.name.as_str() > after)
        .filter(|bucket| region.is_none_or(|region| bucket.region == region))
        .map(|bucket| (bucket.name.clone(), bucket.created, bucket.region.clone()))
        .collect();
    owned.sort();
    let truncated = limit.is_some_and(|limit| owned.len() > limit);
    if let Some(limit) = limit {
        owned.truncate(limit);
    }
    Reply::xml(xml::document("ListAllMyBucketsResult", |xml| {
        xml.element("Owner", |xml| {
            xml.text("ID", &request.account);
            xml.text("DisplayName", "sandbox");
        });
        xml.element("Buckets", |xml| {
            for (name, created, region) in &owned {
                xml.element("Bucket", |xml| {
                    xml.text("Name", name);
                    xml.text("CreationDate", &timestamp(*created));
                    xml.text("BucketRegion", region);
                });
            }
        });
        if truncated && let Some((last, _, _)) = owned.last() {
            xml.text("ContinuationToken", last);
        }
        if !prefix.is_empty() {
            xml.text("Prefix", prefix);
        }
    }))
}

pub async fn delete(s3: &S3, name: &str) -> Result<Reply, S3Error> {
    let (commit, parts) = {
        let mut buckets = s3.lock();
        let bucket = buckets
            .get(name)
            .ok_or_else(|| S3Error::no_such_bucket(name))?;
        if !bucket.objects.is_empty() {
            return Err(S3Error::new(
                "BucketNotEmpty",
                StatusCode::CONFLICT,
                "The bucket you tried to delete is not empty",
            )
            .with("BucketName", name));
        }
        let parts: Vec<String> = bucket
            .uploads
            .values()
            .flat_map(|upload| upload.parts.values().map(|part| part.blob.clone()))
            .collect();
        let scope = Scope {
            account: bucket.owner.clone(),
            region: bucket.region.clone(),
        };
        let commit = s3.submit(vec![Mutation::DeleteBucket {
            scope,
            name: name.to_owned(),
        }]);
        buckets.remove(name);
        (commit, parts)
    };
    durable(commit).await?;
    s3.blobs.remove(parts);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
