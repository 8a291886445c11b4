//! The S3 actions a step can name — a bucket, its website hosting, the public-read policy a
//! website needs, and the lesson's own web page uploaded to it — with their parameters, their
//! strings and the AWS CLI commands that do the same.

use serde::Deserialize;

use super::cli::CliCommand;

/// `s3.create-bucket`: a bucket in the target's region, tagged as the lab's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBucket {
    pub bucket: String,
}

/// `s3.put-bucket-website`: website hosting with an index (and an error) document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutBucketWebsite {
    pub bucket: String,
    #[serde(default = "index_html")]
    pub index_document: String,
    pub error_document: Option<String>,
}

/// `s3.put-bucket-policy`: everyone may read the bucket's objects (what a website needs), after
/// its Block Public Access settings are removed — the console's "uncheck Block all public access".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutBucketPolicy {
    pub bucket: String,
}

/// `s3.upload-site`: the lesson's `site/` folder uploaded to the bucket, each file with its
/// content type and the lesson's variables filled into its text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadSite {
    pub bucket: String,
}

fn index_html() -> String {
    "index.html".to_owned()
}

/// The public-read policy of `bucket`, as the course writes it.
pub fn public_read_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicReadGetObject",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    })
    .to_string()
}

/// The domain of S3 website endpoints on a target: the sandbox's `s3-website.localhost:PORT`, or
/// AWS's for the region (older regions write `s3-website-{region}`, newer ones
/// `s3-website.{region}`). A bucket's site is `http://{bucket}.{domain}/`.
pub fn website_domain(region: &str, sandbox_endpoint: Option<&str>) -> String {
    if let Some(endpoint) = sandbox_endpoint {
        let port = endpoint
            .rsplit_once(':')
            .map(|(_, port)| port.trim_end_matches('/'))
            .unwrap_or("80");
        return format!("s3-website.localhost:{port}");
    }
    const DASHED: [&str; 9] = [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
        "us-gov-west-1",
    ];
    let separator = if DASHED.contains(&region) { '-' } else { '.' };
    format!("s3-website{separator}{region}.amazonaws.com")
}

/// The website endpoint of `bucket`.
pub fn website_url(bucket: &str, region: &str, sandbox_endpoint: Option<&str>) -> String {
    format!(
        "http://{bucket}.{}/",
        website_domain(region, sandbox_endpoint)
    )
}

impl CreateBucket {
    pub fn texts(&self) -> Vec<&String> {
        vec![&self.bucket]
    }

    /// `tags`: the lab's tags as `(key, value)` pairs. `aws s3 mb` gives the bucket the
    /// region's location constraint (us-east-1 takes none), whatever the region.
    pub fn cli(&self, fill: &dyn Fn(&str) -> String, tags: &[(&str, &str)]) -> Vec<CliCommand> {
        let bucket = fill(&self.bucket);
        let create = CliCommand::new("s3", "mb").arg_word(format!("s3://{bucket}"));
        let tagging = CliCommand::new("s3api", "put-bucket-tagging")
            .arg("bucket", bucket)
            .arg(
                "tagging",
                format!(
                    "TagSet=[{}]",
                    tags.iter()
                        .map(|(key, value)| format!("{{Key={key},Value={value}}}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            );
        vec![create, tagging]
    }
}

impl PutBucketWebsite {
    pub fn texts(&self) -> Vec<&String> {
        let mut texts = vec![&self.bucket, &self.index_document];
        texts.extend(&self.error_document);
        texts
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let command = CliCommand::new("s3", "website")
            .arg_word(format!("s3://{}/", fill(&self.bucket)))
            .arg("index-document", fill(&self.index_document));
        vec![command.arg_opt("error-document", self.error_document.as_deref().map(fill))]
    }
}

impl PutBucketPolicy {
    pub fn texts(&self) -> Vec<&String> {
        vec![&self.bucket]
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String) -> Vec<CliCommand> {
        let bucket = fill(&self.bucket);
        vec![
            CliCommand::new("s3api", "delete-public-access-block").arg("bucket", bucket.clone()),
            CliCommand::new("s3api", "put-bucket-policy")
                .arg("bucket", bucket.clone())
                .arg("policy", public_read_policy(&bucket)),
        ]
    }
}

impl UploadSite {
    pub fn texts(&self) -> Vec<&String> {
        vec![&self.bucket]
    }

    pub fn cli(&self, fill: &dyn Fn(&str) -> String, lesson: &str) -> Vec<CliCommand> {
        vec![
            CliCommand::new("s3", "sync")
                .arg_word(format!("lessons/{lesson}/site/"))
                .arg_word(format!("s3://{}/", fill(&self.bucket))),
        ]
    }
}

/// The content type of a site file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("html" | "htm") => "text/html",
        Some("css") => "text/css",
        Some("js" | "mjs") => "application/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain",
        Some("woff2") => "font/woff2",
        _ => "binary/octet-stream",
    }
}

/// Whether a site file is text the lesson's variables are filled into.
pub fn is_text(path: &str) -> bool {
    content_type(path).starts_with("text/")
        || matches!(
            content_type(path),
            "application/javascript" | "application/json" | "image/svg+xml"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn website_urls_follow_the_target() {
        assert_eq!(
            website_url("site", "us-east-1", Some("http://127.0.0.1:4566")),
            "http://site.s3-website.localhost:4566/"
        );
        assert_eq!(
            website_url("site", "us-east-1", None),
            "http://site.s3-website-us-east-1.amazonaws.com/"
        );
        assert_eq!(
            website_url("site", "eu-south-2", None),
            "http://site.s3-website.eu-south-2.amazonaws.com/"
        );
    }

    #[test]
    fn site_files_get_their_types() {
        assert_eq!(content_type("index.html"), "text/html");
        assert_eq!(content_type("js/app.JS"), "application/javascript");
        assert!(is_text("css/site.css"));
        assert!(!is_text("img/logo.png"));
    }
}
