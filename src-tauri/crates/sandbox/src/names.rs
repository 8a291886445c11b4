//! The names that become storage keys and file paths, checked against strict patterns before
//! they get there: regions (from a request's SigV4 scope), account ids, and any segment joined
//! into a path under the data directory.
//!
//! Services validate their own resource names the way AWS does (table names, function names, …);
//! this module is the last line under them: nothing reaches the file system unless
//! [`path_segment`] accepted it, whatever a service's own check let through.

/// The longest region name AWS uses is well under this (`us-isob-east-1`, `ap-southeast-7`).
const MAX_REGION_LEN: usize = 32;

/// The longest segment accepted in a file path.
const MAX_SEGMENT_LEN: usize = 128;

/// Whether `region` has the shape of an AWS region: two letters, one or two words, a number
/// (`us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-northwest-1`).
pub fn is_region(region: &str) -> bool {
    if region.is_empty() || region.len() > MAX_REGION_LEN {
        return false;
    }
    let parts: Vec<&str> = region.split('-').collect();
    let [country, words @ .., number] = parts.as_slice() else {
        return false;
    };
    let lowercase = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    country.len() == 2
        && lowercase(country)
        && (1..=2).contains(&words.len())
        && words.iter().all(lowercase)
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `account` is a 12-digit AWS account id.
pub fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

/// `segment` if it is safe as one component of a path: letters, digits, `-` and `_` only, at
/// most [`MAX_SEGMENT_LEN`] long. `.`, `..`, separators and NUL can never pass.
pub fn path_segment(segment: &str) -> Option<&str> {
    let safe = !segment.is_empty()
        && segment.len() <= MAX_SEGMENT_LEN
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    safe.then_some(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_have_aws_shape() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-7",
            "us-gov-west-1",
            "cn-northwest-1",
            "us-isob-east-1",
            "il-central-1",
        ] {
            assert!(is_region(region), "{region}");
        }
        for region in [
            "",
            ".",
            "..",
            "/",
            "us-east-1/..",
            "us-east-\0",
            "US-EAST-1",
            "us-east",
            "useast1",
            "u-east-1",
            "us--1",
            "us-east-100",
            "us-a-b-c-1",
            &"a".repeat(100),
        ] {
            assert!(!is_region(region), "{region:?}");
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("000000000000"));
        assert!(!is_account_id("00000000000"));
        assert!(!is_account_id("../000000000"));
    }

    #[test]
    fn path_segments_refuse_anything_that_navigates() {
        assert_eq!(path_segment("my-function_2"), Some("my-function_2"));
        for segment in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "a\0b",
            "a b",
            &"x".repeat(129),
        ] {
            assert_eq!(path_segment(segment), None, "{segment:?}");
        }
    }
}
