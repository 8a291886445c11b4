//! A bucket's settings: website configuration, CORS, policy, tagging and Block Public Access —
//! each put (checked as S3 checks it), got (or its own "does not exist" error) and deleted.

use axum::http::StatusCode;

use super::{S3, change_bucket, with_bucket};
use crate::s3::error::S3Error;
use crate::s3::http::{Reply, ReplyBody, S3Request};
use crate::s3::model::{PublicAccessBlock, RedirectAll, RoutingRule, Website};
use crate::s3::xml::{self, Element};
use crate::s3::{cors, policy};

fn no_content() -> Reply {
    Reply::empty(StatusCode::NO_CONTENT)
}

async fn document(request: &mut S3Request, root: &str) -> Result<Element, S3Error> {
    let body = request.document().await?;
    let element = xml::parse(&body)?;
    if element.name != root {
        return Err(S3Error::malformed_xml());
    }
    Ok(element)
}

fn parse_website(root: &Element) -> Result<Website, S3Error> {
    let redirect_all = root
        .child("RedirectAllRequestsTo")
        .map(|redirect| RedirectAll {
            host_name: redirect.text_of("HostName").unwrap_or_default().to_owned(),
            protocol: redirect.text_of("Protocol").map(str::to_owned),
        });
    let index_suffix = root
        .child("IndexDocument")
        .map(|index| index.text_of("Suffix").unwrap_or_default().to_owned());
    let error_key = root
        .child("ErrorDocument")
        .and_then(|error| error.text_of("Key"))
        .map(str::to_owned);
    let mut routing_rules = Vec::new();
    for rule in root
        .child("RoutingRules")
        .map(|rules| rules.all("RoutingRule").collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let condition = rule.child("Condition");
        let redirect = rule.child("Redirect").ok_or_else(S3Error::malformed_xml)?;
        let number = |element: Option<&Element>, name: &str| -> Result<Option<u16>, S3Error> {
            match element.and_then(|e| e.text_of(name)) {
                None => Ok(None),
                Some(text) => text.parse().map(Some).map_err(|_| {
                    S3Error::invalid_argument(format!("The provided {name} is not valid: {text}"))
                }),
            }
        };
        let parsed = RoutingRule {
            key_prefix_equals: condition
                .and_then(|c| c.text_of("KeyPrefixEquals"))
                .map(str::to_owned),
            error_code_equals: number(condition, "HttpErrorCodeReturnedEquals")?,
            host_name: redirect.text_of("HostName").map(str::to_owned),
            protocol: redirect.text_of("Protocol").map(str::to_owned),
            replace_key_prefix_with: redirect.text_of("ReplaceKeyPrefixWith").map(str::to_owned),
            replace_key_with: redirect.text_of("ReplaceKeyWith").map(str::to_owned),
            redirect_code: number(Some(redirect), "HttpRedirectCode")?,
        };
        if parsed.replace_key_prefix_with.is_some() && parsed.replace_key_with.is_some() {
            return Err(S3Error::invalid_request(
                "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
            ));
        }
        routing_rules.push(parsed);
    }
    if redirect_all.is_some()
        && (index_suffix.is_some() || error_key.is_some() || !routing_rules.is_empty())
    {
        return Err(S3Error::invalid_request(
            "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
        ));
    }
    match &index_suffix {
        None if redirect_all.is_none() => {
            return Err(S3Error::invalid_argument(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            ));
        }
        Some(suffix) if suffix.is_empty() || suffix.contains('/') => {
            return Err(S3Error::invalid_argument(
                "The IndexDocument Suffix is not well formed",
            ));
        }
        _ => {}
    }
    if redirect_all
        .as_ref()
        .is_some_and(|r| r.host_name.is_empty())
    {
        return Err(S3Error::malformed_xml());
    }
    Ok(Website {
        index_suffix,
        error_key,
        redirect_all,
        routing_rules,
    })
}

fn render_website(website: &Website) -> String {
    xml::document("WebsiteConfiguration", |xml| {
        if let Some(redirect) = &website.redirect_all {
            xml.element("RedirectAllRequestsTo", |xml| {
                xml.text("HostName", &redirect.host_name);
                xml.text_opt("Protocol", redirect.protocol.as_deref());
            });
        }
        if let Some(suffix) = &website.index_suffix {
            xml.element("IndexDocument", |xml| {
                xml.text("Suffix", suffix);
            });
        }
        if let Some(key) = &website.error_key {
            xml.element("ErrorDocument", |xml| {
                xml.text("Key", key);
            });
        }
        if !website.routing_rules.is_empty() {
            xml.element("RoutingRules", |xml| {
                for rule in &website.routing_rules {
                    xml.element("RoutingRule", |xml| {
                        if rule.key_prefix_equals.is_some() || rule.error_code_equals.is_some() {
                            xml.element("Condition", |xml| {
                                xml.text_opt("KeyPrefixEquals", rule.key_prefix_equals.as_deref());
                                xml.text_opt(
                                    "HttpErrorCodeReturnedEquals",
                                    rule.error_code_equals.map(|c| c.to_string()).as_deref(),
                                );
                            });
                        }
                        xml.element("Redirect", |xml| {
                            xml.text_opt("HostName", rule.host_name.as_deref());
                            xml.text_opt(
                                "HttpRedirectCode",
                                rule.redirect_code.map(|c| c.to_string()).as_deref(),
                            );
                            xml.text_opt("Protocol", rule.protocol.as_deref());
                            xml.text_opt(
                                "ReplaceKeyPrefixWith",
                                rule.replace_key_prefix_with.as_deref(),
                            );
                            xml.text_opt("ReplaceKeyWith", rule.replace_key_with.as_deref());
                        });
                    });
                }
            });
        }
    })
}

pub async fn put_website(s3: &S3, request: &mut S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let website = parse_website(&document(request, "WebsiteConfiguration").await?)?;
    change_bucket(s3, bucket, |found| {
        found.website = Some(website);
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::OK))
}

pub fn get_website(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    let website = with_bucket(s3, bucket, |found| found.website.clone())?.ok_or_else(|| {
        S3Error::new(
            "NoSuchWebsiteConfiguration",
            StatusCode::NOT_FOUND,
            "The specified bucket does not have a website configuration",
        )
        .with("BucketName", bucket)
    })?;
    Ok(Reply::xml(render_website(&website)))
}

pub async fn delete_website(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    change_bucket(s3, bucket, |found| {
        found.website = None;
        Ok(())
    })
    .await?;
    Ok(no_content())
}

pub async fn put_cors(s3: &S3, request: &mut S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let rules = cors::parse(&document(request, "CORSConfiguration").await?)?;
    change_bucket(s3, bucket, |found| {
        found.cors = Some(rules);
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::OK))
}

pub fn get_cors(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    let rules = with_bucket(s3, bucket, |found| found.cors.clone())?.ok_or_else(|| {
        S3Error::new(
            "NoSuchCORSConfiguration",
            StatusCode::NOT_FOUND,
            "The CORS configuration does not exist",
        )
        .with("BucketName", bucket)
    })?;
    Ok(Reply::xml(cors::render(&rules)))
}

pub async fn delete_cors(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    change_bucket(s3, bucket, |found| {
        found.cors = None;
        Ok(())
    })
    .await?;
    Ok(no_content())
}

pub async fn put_policy(s3: &S3, request: &mut S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let body = request.document().await?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        S3Error::new(
            "MalformedPolicy",
            StatusCode::BAD_REQUEST,
            "This policy contains invalid Json",
        )
    })?;
    let document = policy::validate(&text, bucket)?;
    let account = request.account.clone();
    change_bucket(s3, bucket, |found| {
        if found
            .public_access_block
            .is_some_and(|block| block.block_public_policy)
            && policy::is_public(&document)
        {
            return Err(S3Error::new(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!(
                    "User: arn:aws:iam::{account}:root is not authorized to perform: \
                     s3:PutBucketPolicy on resource: \"arn:aws:s3:::{bucket}\" because public \
                     policies are blocked by the BlockPublicPolicy block public access setting."
                ),
            ));
        }
        found.policy = Some(text);
        Ok(())
    })
    .await?;
    Ok(no_content())
}

pub fn get_policy(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    let text = with_bucket(s3, bucket, |found| found.policy.clone())?.ok_or_else(|| {
        S3Error::new(
            "NoSuchBucketPolicy",
            StatusCode::NOT_FOUND,
            "The bucket policy does not exist",
        )
        .with("BucketName", bucket)
    })?;
    Ok(Reply {
        status: StatusCode::OK,
        headers: Vec::new(),
        body: ReplyBody::Text {
            content_type: "application/json",
            text,
        },
    })
}

pub async fn delete_policy(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    change_bucket(s3, bucket, |found| {
        found.policy = None;
        Ok(())
    })
    .await?;
    Ok(no_content())
}

/// The most tags a bucket may have.
const MAX_TAGS: usize = 50;

fn invalid_tag(message: &str) -> S3Error {
    S3Error::new("InvalidTag", StatusCode::BAD_REQUEST, message)
}

pub async fn put_tagging(s3: &S3, request: &mut S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let root = document(request, "Tagging").await?;
    let set = root.child("TagSet").ok_or_else(S3Error::malformed_xml)?;
    let mut tags: Vec<(String, String)> = Vec::new();
    for tag in set.all("Tag") {
        let key = tag
            .text_of("Key")
            .ok_or_else(S3Error::malformed_xml)?
            .to_owned();
        let value = tag.text_of("Value").unwrap_or_default().to_owned();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(invalid_tag("The TagKey you have provided is invalid"));
        }
        if value.chars().count() > 256 {
            return Err(invalid_tag("The TagValue you have provided is invalid"));
        }
        if key.starts_with("aws:") {
            return Err(invalid_tag(
                "System tags cannot be added/updated by requester",
            ));
        }
        if tags.iter().any(|(existing, _)| *existing == key) {
            return Err(invalid_tag(
                "Cannot provide multiple Tags with the same key",
            ));
        }
        tags.push((key, value));
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid_tag("Bucket tag count cannot be greater than 50"));
    }
    change_bucket(s3, bucket, |found| {
        found.tags = tags;
        Ok(())
    })
    .await?;
    Ok(no_content())
}

pub fn get_tagging(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    let tags = with_bucket(s3, bucket, |found| found.tags.clone())?;
    if tags.is_empty() {
        return Err(S3Error::new(
            "NoSuchTagSet",
            StatusCode::NOT_FOUND,
            "The TagSet does not exist",
        )
        .with("BucketName", bucket));
    }
    Ok(Reply::xml(xml::document("Tagging", |xml| {
        xml.element("TagSet", |xml| {
            for (key, value) in &tags {
                xml.element("Tag", |xml| {
                    xml.text("Key", key);
                    xml.text("Value", value);
                });
            }
        });
    })))
}

pub async fn delete_tagging(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    change_bucket(s3, bucket, |found| {
        found.tags.clear();
        Ok(())
    })
    .await?;
    Ok(no_content())
}

pub async fn put_public_access_block(
    s3: &S3,
    request: &mut S3Request,
    bucket: &str,
) -> Result<Reply, S3Error> {
    let root = document(request, "PublicAccessBlockConfiguration").await?;
    let flag = |name: &str| -> Result<bool, S3Error> {
        match root.text_of(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(S3Error::malformed_xml()),
        }
    };
    let block = PublicAccessBlock {
        block_public_acls: flag("BlockPublicAcls")?,
        ignore_public_acls: flag("IgnorePublicAcls")?,
        block_public_policy: flag("BlockPublicPolicy")?,
        restrict_public_buckets: flag("RestrictPublicBuckets")?,
    };
    change_bucket(s3, bucket, |found| {
        found.public_access_block = Some(block);
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::OK))
}

pub fn get_public_access_block(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    let block = with_bucket(s3, bucket, |found| found.public_access_block)?.ok_or_else(|| {
        S3Error::new(
            "NoSuchPublicAccessBlockConfiguration",
            StatusCode::NOT_FOUND,
            "The public access block configuration was not found",
        )
        .with("BucketName", bucket)
    })?;
    let flag = |on: bool| if on { "true" } else { "false" };
    Ok(Reply::xml(xml::document(
        "PublicAccessBlockConfiguration",
        |xml| {
            xml.text("BlockPublicAcls", flag(block.block_public_acls));
            xml.text("IgnorePublicAcls", flag(block.ignore_public_acls));
            xml.text("BlockPublicPolicy", flag(block.block_public_policy));
            xml.text("RestrictPublicBuckets", flag(block.restrict_public_buckets));
        },
    )))
}

pub async fn delete_public_access_block(s3: &S3, bucket: &str) -> Result<Reply, S3Error> {
    change_bucket(s3, bucket, |found| {
        found.public_access_block = None;
        Ok(())
    })
    .await?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn website(body: &str) -> Result<Website, S3Error> {
        parse_website(&xml::parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn website_configurations_are_checked_as_s3_checks_them() {
        let site = website(
            "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>\
             <ErrorDocument><Key>error.html</Key></ErrorDocument></WebsiteConfiguration>",
        )
        .unwrap();
        assert_eq!(site.index_suffix.as_deref(), Some("index.html"));
        assert_eq!(site.error_key.as_deref(), Some("error.html"));
        assert!(
            render_website(&site)
                .contains("<IndexDocument><Suffix>index.html</Suffix></IndexDocument>")
        );
        assert!(
            website("<WebsiteConfiguration/>")
                .unwrap_err()
                .message
                .contains("IndexDocument Suffix must be provided")
        );
        assert!(
            website("<WebsiteConfiguration><IndexDocument><Suffix>a/b</Suffix></IndexDocument></WebsiteConfiguration>")
                .unwrap_err()
                .message
                .contains("not well formed")
        );
    }
}
