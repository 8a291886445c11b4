//! The S3 actions: a bucket (tagged and journaled, found again by its name — bucket names are
//! global, so one owned by another account is a conflict), website hosting, the public-read
//! policy (after removing the bucket's Block Public Access settings), and the lesson's web page
//! uploaded with its content types and the lesson's variables filled in.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, ErrorDocument, IndexDocument, Tag,
    Tagging, WebsiteConfiguration,
};
use serde_json::json;

use super::{Context, Done, ProvisionError, aws_error};
use crate::journal::Kind;
use crate::lesson::Vars;
use crate::lesson::website::{content_type, is_text, public_read_policy, website_url};

/// The bucket `name`'s lab tags, or `None` when it has none (or is not ours to read).
async fn bucket_tags(
    context: &Context<'_>,
    name: &str,
) -> Option<std::collections::HashMap<String, String>> {
    let tagging = context
        .cloud
        .s3
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .ok()?;
    Some(
        tagging
            .tag_set()
            .iter()
            .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
            .collect(),
    )
}

pub(super) async fn create_bucket(
    context: &Context<'_>,
    name: &str,
) -> Result<Done, ProvisionError> {
    let s3 = &context.cloud.s3;
    let mut adopted = None;
    match s3.head_bucket().bucket(name).send().await {
        Ok(_) => {
            let tags = bucket_tags(context, name).await;
            if context.made(name, Some(name), tags.as_ref()) {
                context.reclaim(Kind::Bucket, name, name)?;
            } else {
                adopted = Some(context.adopt(Kind::Bucket, name, name)?);
            }
        }
        Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => {
            let region = context.cloud.region.clone();
            let mut request = s3.create_bucket().bucket(name);
            if region != "us-east-1" {
                request = request.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(region.as_str()))
                        .build(),
                );
            }
            let mut tagging = Tagging::builder();
            for (key, value) in context.tags() {
                tagging = tagging.tag_set(
                    Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|error| ProvisionError::Failed(error.to_string()))?,
                );
            }
            let tagging = tagging
                .build()
                .map_err(|error| ProvisionError::Failed(error.to_string()))?;
            context
                .journaled(Kind::Bucket, name, Some(name), async {
                    request
                        .send()
                        .await
                        .map_err(|error| aws_error("CreateBucket", error))?;
                    s3.put_bucket_tagging()
                        .bucket(name)
                        .tagging(tagging)
                        .send()
                        .await
                        .map_err(|error| aws_error("PutBucketTagging", error))?;
                    Ok(((), Some(name.to_owned())))
                })
                .await?;
        }
        Err(error) => {
            // 403: the name is another account's (bucket names are shared by all of S3).
            if error
                .raw_response()
                .is_some_and(|raw| raw.status().as_u16() == 403)
            {
                return Err(ProvisionError::Conflict(format!(
                    "the bucket name {name} belongs to another AWS account (bucket names are \
                     global): change the lesson's bucket name"
                )));
            }
            return Err(aws_error("HeadBucket", error));
        }
    }
    Ok(Done {
        summary: format!("bucket {name} is ready"),
        response: json!({"Location": format!("/{name}")}),
        commands: Vec::new(),
        adopted,
    })
}

/// The website URL of `bucket` on this target.
fn url_of(context: &Context<'_>, bucket: &str) -> String {
    website_url(
        bucket,
        &context.cloud.region,
        context.cloud.endpoint_url.as_deref(),
    )
}

pub(super) async fn put_bucket_website(
    context: &Context<'_>,
    bucket: &str,
    index_document: &str,
    error_document: Option<&str>,
) -> Result<Done, ProvisionError> {
    let index = IndexDocument::builder()
        .suffix(index_document)
        .build()
        .map_err(|error| ProvisionError::Failed(error.to_string()))?;
    let mut configuration = WebsiteConfiguration::builder().index_document(index);
    if let Some(key) = error_document {
        configuration = configuration.error_document(
            ErrorDocument::builder()
                .key(key)
                .build()
                .map_err(|error| ProvisionError::Failed(error.to_string()))?,
        );
    }
    context
        .cloud
        .s3
        .put_bucket_website()
        .bucket(bucket)
        .website_configuration(configuration.build())
        .send()
        .await
        .map_err(|error| aws_error("PutBucketWebsite", error))?;
    let url = url_of(context, bucket);
    Ok(Done {
        summary: format!("bucket {bucket} serves a website at {url}"),
        response: json!({"WebsiteURL": url}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn put_bucket_policy(
    context: &Context<'_>,
    bucket: &str,
) -> Result<Done, ProvisionError> {
    let s3 = &context.cloud.s3;
    if let Err(error) = s3.delete_public_access_block().bucket(bucket).send().await {
        let absent = error
            .as_service_error()
            .and_then(aws_sdk_s3::error::ProvideErrorMetadata::code)
            == Some("NoSuchPublicAccessBlockConfiguration");
        if !absent {
            return Err(aws_error("DeletePublicAccessBlock", error));
        }
    }
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(public_read_policy(bucket))
        .send()
        .await
        .map_err(|error| aws_error("PutBucketPolicy", error))?;
    Ok(Done {
        summary: format!("everyone may read the objects of {bucket}"),
        response: json!({}),
        commands: Vec::new(),
        adopted: None,
    })
}

pub(super) async fn upload_site(
    context: &Context<'_>,
    bucket: &str,
    vars: &Vars,
) -> Result<Done, ProvisionError> {
    if context.site.is_empty() {
        return Err(ProvisionError::Lesson(format!(
            "the lesson {} has no web page: its folder has no site/ with files in it",
            context.lesson
        )));
    }
    for file in context.site {
        let bytes = if is_text(&file.path) {
            let text = String::from_utf8(file.bytes.clone()).map_err(|_| {
                ProvisionError::Lesson(format!("site/{} is not UTF-8 text", file.path))
            })?;
            vars.fill(&text)
                .map_err(|unfilled| {
                    ProvisionError::Lesson(format!(
                        "site/{}: {unfilled}: run the step that defines it first",
                        file.path
                    ))
                })?
                .into_bytes()
        } else {
            file.bytes.clone()
        };
        context
            .cloud
            .s3
            .put_object()
            .bucket(bucket)
            .key(&file.path)
            .content_type(content_type(&file.path))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|error| aws_error("PutObject", error))?;
    }
    let url = url_of(context, bucket);
    Ok(Done {
        summary: format!(
            "{} files of the lesson's web page are in {bucket}: open {url}",
            context.site.len()
        ),
        response: json!({
            "WebsiteURL": url,
            "Keys": context.site.iter().map(|file| file.path.clone()).collect::<Vec<_>>(),
        }),
        commands: Vec::new(),
        adopted: None,
    })
}
