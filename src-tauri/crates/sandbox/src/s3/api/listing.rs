//! ListObjectsV2 and ListObjects: keys in order after a start, under a prefix, rolled up into
//! common prefixes at a delimiter, a page of at most `max-keys` (keys and prefixes together),
//! keys URL-encoded when the client asks (`encoding-type=url`, as the AWS CLI does).

use std::ops::Bound;

use base64::Engine as _;

use super::{S3, timestamp, with_bucket};
use crate::s3::error::S3Error;
use crate::s3::http::{Reply, S3Request};
use crate::s3::model::Object;
use crate::s3::xml;
use crate::wire::Xml;

/// The most keys (and common prefixes) in one page.
const MAX_KEYS: usize = 1000;

/// One entry of a page.
enum Entry {
    Object(String, Object),
    Prefix(String),
}

/// A page: its entries, whether more follow, and where the next page starts.
struct Page {
    entries: Vec<Entry>,
    truncated: bool,
    /// The last entry's key or common prefix (what the next page starts after).
    last: Option<Resume>,
}

/// Where a page ended: after a key, or after every key under a common prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resume {
    After(String),
    Beyond(String),
}

fn page(
    objects: &std::collections::BTreeMap<String, Object>,
    prefix: &str,
    delimiter: &str,
    start: Option<&Resume>,
    max_keys: usize,
) -> Page {
    let lower = match start {
        Some(Resume::After(key) | Resume::Beyond(key)) if key.as_str() >= prefix => {
            Bound::Excluded(key.clone())
        }
        _ => Bound::Included(prefix.to_owned()),
    };
    let mut entries = Vec::new();
    let mut truncated = false;
    let mut last: Option<Resume> = None;
    for (key, object) in objects.range::<String, _>((lower, Bound::Unbounded)) {
        if !key.starts_with(prefix) {
            break;
        }
        let under_done_prefix = [start, last.as_ref()]
            .into_iter()
            .flatten()
            .any(|done| matches!(done, Resume::Beyond(common) if key.starts_with(common.as_str())));
        if under_done_prefix {
            continue;
        }
        let rolled = (!delimiter.is_empty())
            .then(|| key[prefix.len()..].find(delimiter))
            .flatten()
            .map(|at| key[..prefix.len() + at + delimiter.len()].to_owned());
        if entries.len() == max_keys {
            truncated = true;
            break;
        }
        match rolled {
            Some(common) => {
                last = Some(Resume::Beyond(common.clone()));
                entries.push(Entry::Prefix(common));
            }
            None => {
                last = Some(Resume::After(key.clone()));
                entries.push(Entry::Object(key.clone(), object.clone()));
            }
        }
    }
    Page {
        entries,
        truncated,
        last,
    }
}

/// The `max-keys` parameter.
fn max_keys(request: &S3Request) -> Result<usize, S3Error> {
    match request.param("max-keys") {
        None => Ok(MAX_KEYS),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n < 0 => Err(S3Error::invalid_argument("max-keys cannot be negative")),
            Ok(n) => Ok(usize::try_from(n).unwrap_or(MAX_KEYS).min(MAX_KEYS)),
            Err(_) => Err(S3Error::invalid_argument(
                "Provided max-keys not an integer or within integer range",
            )),
        },
    }
}

/// Whether keys are sent URL-encoded.
fn url_encoded(request: &S3Request) -> Result<bool, S3Error> {
    match request.param("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(_) => Err(S3Error::invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

/// A key as the page writes it.
fn encode(text: &str, url: bool) -> String {
    if !url {
        return text.to_owned();
    }
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(text, KEEP).to_string()
}

fn contents(xml: &mut Xml, key: &str, object: &Object, url: bool, owner: Option<&str>) {
    xml.element("Contents", |xml| {
        xml.text("Key", &encode(key, url));
        xml.text("LastModified", &timestamp(object.last_modified));
        xml.text("ETag", &object.etag);
        if let Some(checksum) = &object.checksum {
            xml.text("ChecksumAlgorithm", checksum.algorithm.name());
            xml.text("ChecksumType", checksum.kind());
        }
        xml.text("Size", &object.size.to_string());
        if let Some(owner) = owner {
            xml.element("Owner", |xml| {
                xml.text("ID", owner);
                xml.text("DisplayName", "sandbox");
            });
        }
        xml.text("StorageClass", "STANDARD");
    });
}

fn write_entries(xml: &mut Xml, entries: &[Entry], url: bool, owner: Option<&str>) {
    for entry in entries {
        if let Entry::Object(key, object) = entry {
            contents(xml, key, object, url, owner);
        }
    }
    for entry in entries {
        if let Entry::Prefix(common) = entry {
            xml.element("CommonPrefixes", |xml| {
                xml.text("Prefix", &encode(common, url));
            });
        }
    }
}

fn token(resume: &Resume) -> String {
    let text = match resume {
        Resume::After(key) => format!("k{key}"),
        Resume::Beyond(prefix) => format!("p{prefix}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn untoken(token: &str) -> Option<Resume> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    match text.split_at_checked(1)? {
        ("k", key) => Some(Resume::After(key.to_owned())),
        ("p", prefix) => Some(Resume::Beyond(prefix.to_owned())),
        _ => None,
    }
}

pub fn list_v2(s3: &S3, request: &S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let max_keys = max_keys(request)?;
    let url = url_encoded(request)?;
    let prefix = request.param("prefix").unwrap_or_default();
    let delimiter = request.param("delimiter").unwrap_or_default();
    let continuation = request.param("continuation-token");
    let start = match continuation {
        Some(token) => Some(untoken(token).ok_or_else(|| {
            S3Error::invalid_argument("The continuation token provided is incorrect")
        })?),
        None => request
            .param("start-after")
            .filter(|after| !after.is_empty())
            .map(|after| Resume::After(after.to_owned())),
    };
    let owner = (request.param("fetch-owner") == Some("true")).then_some(request.account.as_str());
    let page = with_bucket(s3, bucket, |found| {
        page(&found.objects, prefix, delimiter, start.as_ref(), max_keys)
    })?;
    Ok(Reply::xml(xml::document("ListBucketResult", |xml| {
        xml.text("Name", bucket);
        xml.text("Prefix", &encode(prefix, url));
        if let Some(after) = request.param("start-after") {
            xml.text("StartAfter", &encode(after, url));
        }
        xml.text("KeyCount", &page.entries.len().to_string());
        xml.text("MaxKeys", &max_keys.to_string());
        if !delimiter.is_empty() {
            xml.text("Delimiter", &encode(delimiter, url));
        }
        xml.text("IsTruncated", if page.truncated { "true" } else { "false" });
        write_entries(xml, &page.entries, url, owner);
        if let Some(token) = continuation {
            xml.text("ContinuationToken", token);
        }
        if page.truncated
            && let Some(last) = &page.last
        {
            xml.text("NextContinuationToken", &token(last));
        }
        if url {
            xml.text("EncodingType", "url");
        }
    })))
}

pub fn list_v1(s3: &S3, request: &S3Request, bucket: &str) -> Result<Reply, S3Error> {
    let max_keys = max_keys(request)?;
    let url = url_encoded(request)?;
    let prefix = request.param("prefix").unwrap_or_default();
    let delimiter = request.param("delimiter").unwrap_or_default();
    let marker = request.param("marker").unwrap_or_default();
    // A marker that is a common prefix skips everything under it, as S3 does.
    let start = (!marker.is_empty()).then(|| {
        if !delimiter.is_empty() && marker.ends_with(delimiter) {
            Resume::Beyond(marker.to_owned())
        } else {
            Resume::After(marker.to_owned())
        }
    });
    let page = with_bucket(s3, bucket, |found| {
        page(&found.objects, prefix, delimiter, start.as_ref(), max_keys)
    })?;
    Ok(Reply::xml(xml::document("ListBucketResult", |xml| {
        xml.text("Name", bucket);
        xml.text("Prefix", &encode(prefix, url));
        xml.text("Marker", &encode(marker, url));
        xml.text("MaxKeys", &max_keys.to_string());
        if !delimiter.is_empty() {
            xml.text("Delimiter", &encode(delimiter, url));
        }
        xml.text("IsTruncated", if page.truncated { "true" } else { "false" });
        if page.truncated
            && !delimiter.is_empty()
            && let Some(Resume::After(next) | Resume::Beyond(next)) = &page.last
        {
            xml.text("NextMarker", &encode(next, url));
        }
        write_entries(xml, &page.entries, url, Some(&request.account));
        if url {
            xml.text("EncodingType", "url");
        }
    })))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn objects(keys: &[&str]) -> BTreeMap<String, Object> {
        keys.iter()
            .map(|key| {
                (
                    (*key).to_owned(),
                    Object {
                        size: 1,
                        etag: "\"e\"".into(),
                        last_modified: 0,
                        blob: String::new(),
                        headers: BTreeMap::new(),
                        metadata: BTreeMap::new(),
                        checksum: None,
                        website_redirect: None,
                        tags: Vec::new(),
                        parts: None,
                    },
                )
            })
            .collect()
    }

    fn names(page: &Page) -> Vec<String> {
        page.entries
            .iter()
            .map(|entry| match entry {
                Entry::Object(key, _) => key.clone(),
                Entry::Prefix(prefix) => format!("[{prefix}]"),
            })
            .collect()
    }

    #[test]
    fn delimiters_roll_keys_up_and_pages_resume_past_a_prefix() {
        let all = objects(&[
            "a.txt",
            "css/a.css",
            "css/b.css",
            "img/x/1.png",
            "index.html",
            "z",
        ]);
        let first = page(&all, "", "/", None, 2);
        assert_eq!(names(&first), ["a.txt", "[css/]"]);
        assert!(first.truncated);
        let second = page(&all, "", "/", first.last.as_ref(), 2);
        assert_eq!(names(&second), ["[img/]", "index.html"]);
        let third = page(&all, "", "/", second.last.as_ref(), 2);
        assert_eq!(names(&third), ["z"]);
        assert!(!third.truncated);
        let under = page(&all, "css/", "/", None, 1000);
        assert_eq!(names(&under), ["css/a.css", "css/b.css"]);
    }

    #[test]
    fn tokens_round_trip_and_keys_encode_for_the_cli() {
        for resume in [Resume::After("a b/ü".into()), Resume::Beyond("css/".into())] {
            assert_eq!(untoken(&token(&resume)), Some(resume));
        }
        assert_eq!(untoken("!!"), None);
        assert_eq!(encode("a b+c/ü", true), "a%20b%2Bc/%C3%BC");
        assert_eq!(encode("a b", false), "a b");
    }
}
