//! S3's naming rules: what a bucket may be called, how long a key and its metadata may be.

/// The longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The most user-defined metadata (names and values of `x-amz-meta-*`), in bytes.
pub const MAX_METADATA_BYTES: usize = 2 * 1024;

/// Whether `name` follows the general-purpose bucket naming rules.
pub fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-';
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(allowed)
        && edge(bytes.first())
        && edge(bytes.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
        && !["xn--", "sthree-", "amzn-s3-demo-"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        && !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for good in ["abc", "my-site.example.com", "lab-1-items", &"a".repeat(63)] {
            assert!(is_bucket_name(good), "{good}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "under_score",
            "-leading",
            "trailing.",
            "two..dots",
            "192.168.5.4",
            "xn--bucket",
            "name-s3alias",
            "_aws",
        ] {
            assert!(!is_bucket_name(bad), "{bad}");
        }
    }
}
