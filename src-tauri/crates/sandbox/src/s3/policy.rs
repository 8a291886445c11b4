//! Bucket policies: what PutBucketPolicy accepts, whether a policy is public (what Block Public
//! Access refuses), and what an anonymous request — a browser reading a website's page — may
//! do, decided by the statements whose principal is everyone (`"*"` or `{"AWS": "*"}`) with the
//! same evaluation as IAM's (`iam::evaluate`: Deny wins, conditions not applied and said so).

use axum::http::StatusCode;
use serde_json::Value as Json;

use super::error::S3Error;
use super::model::Bucket;
use crate::iam::evaluate;

/// The largest bucket policy, in bytes.
const MAX_POLICY_BYTES: usize = 20 * 1024;

fn malformed(message: &str) -> S3Error {
    S3Error::new("MalformedPolicy", StatusCode::BAD_REQUEST, message)
}

/// Checks a policy document for `bucket` as PutBucketPolicy does.
pub fn validate(text: &str, bucket: &str) -> Result<Json, S3Error> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(malformed(
            "Policy exceeds the maximum allowed document size.",
        ));
    }
    if !text.trim_start().starts_with('{') {
        return Err(malformed(
            "Policies must be valid JSON and the first byte must be '{'",
        ));
    }
    let document: Json = crate::wire::parse_json_body(text.as_bytes())
        .map_err(|_| malformed("This policy contains invalid Json"))?;
    let statements = statements(&document);
    if statements.is_empty() {
        return Err(malformed("Missing required field Statement"));
    }
    for statement in &statements {
        match statement["Effect"].as_str() {
            Some("Allow" | "Deny") => {}
            Some(_) => return Err(malformed("Invalid effect")),
            None => return Err(malformed("Missing required field Effect")),
        }
        if statement.get("Principal").is_none() && statement.get("NotPrincipal").is_none() {
            return Err(malformed("Missing required field Principal"));
        }
        if statement.get("Action").is_none() && statement.get("NotAction").is_none() {
            return Err(malformed("Missing required field Action"));
        }
        let resources = evaluate::strings(&statement["Resource"]);
        let own = format!("arn:aws:s3:::{bucket}");
        let names_bucket = |resource: &String| {
            resource == &own
                || resource.starts_with(&format!("{own}/"))
                || resource == "*"
                || resource == "arn:aws:s3:::*"
        };
        if statement.get("NotResource").is_none()
            && (resources.is_empty() || !resources.iter().all(names_bucket))
        {
            return Err(malformed("Policy has invalid resource"));
        }
    }
    Ok(document)
}

fn statements(document: &Json) -> Vec<Json> {
    match &document["Statement"] {
        Json::Array(many) => many.clone(),
        one @ Json::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Whether a statement's principal is everyone.
fn for_everyone(statement: &Json) -> bool {
    match &statement["Principal"] {
        Json::String(principal) => principal == "*",
        Json::Object(principals) => principals
            .get("AWS")
            .is_some_and(|aws| evaluate::strings(aws).iter().any(|p| p == "*")),
        _ => false,
    }
}

/// Whether the policy grants anything to everyone without a condition: what Block Public
/// Access calls public.
pub fn is_public(document: &Json) -> bool {
    statements(document).iter().any(|statement| {
        statement["Effect"] == "Allow"
            && for_everyone(statement)
            && statement.get("Condition").is_none()
    })
}

/// Whether an anonymous request for `action` on `resource` is allowed by `bucket`'s policy.
pub fn allows_anonymous(bucket: &Bucket, action: &str, resource: &str) -> bool {
    let Some(policy) = &bucket.policy else {
        return false;
    };
    let Ok(document) = serde_json::from_str::<Json>(policy) else {
        return false;
    };
    if bucket
        .public_access_block
        .is_some_and(|block| block.restrict_public_buckets)
        && is_public(&document)
    {
        return false;
    }
    let public: Vec<Json> = statements(&document)
        .into_iter()
        .filter(for_everyone)
        .collect();
    let filtered = serde_json::json!({ "Statement": public }).to_string();
    let evaluation = evaluate::evaluate(
        &[("the bucket policy".to_owned(), Some(filtered))],
        action,
        resource,
    );
    for note in &evaluation.notes {
        tracing::info!(bucket = %bucket.name, %note, "bucket policy");
    }
    evaluation.allowed
}

/// Whether everyone may read the object `key` of `bucket` (what a website serves).
pub fn anyone_may_read(bucket: &Bucket, key: &str) -> bool {
    allows_anonymous(bucket, "s3:GetObject", &format!("{}/{key}", bucket.arn()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public_read(bucket: &str) -> String {
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

    #[test]
    fn the_courses_public_read_policy_is_valid_and_public() {
        let document = validate(&public_read("site"), "site").unwrap();
        assert!(is_public(&document));
        assert_eq!(
            validate(&public_read("other"), "site").unwrap_err().message,
            "Policy has invalid resource"
        );
        assert_eq!(validate("[]", "site").unwrap_err().code, "MalformedPolicy");
    }

    #[test]
    fn anonymous_reads_need_a_public_policy_and_no_restriction() {
        let mut bucket = Bucket::new("site".into(), "0".into(), "us-east-1".into(), 0);
        assert!(!allows_anonymous(
            &bucket,
            "s3:GetObject",
            "arn:aws:s3:::site/index.html"
        ));
        bucket.policy = Some(public_read("site"));
        // New buckets restrict public buckets.
        assert!(!allows_anonymous(
            &bucket,
            "s3:GetObject",
            "arn:aws:s3:::site/index.html"
        ));
        bucket.public_access_block = None;
        assert!(allows_anonymous(
            &bucket,
            "s3:GetObject",
            "arn:aws:s3:::site/index.html"
        ));
        assert!(!allows_anonymous(
            &bucket,
            "s3:PutObject",
            "arn:aws:s3:::site/index.html"
        ));
        assert!(!allows_anonymous(
            &bucket,
            "s3:ListBucket",
            "arn:aws:s3:::site"
        ));
    }
}
