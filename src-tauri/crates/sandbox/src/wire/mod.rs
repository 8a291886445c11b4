//! The wire layer: recognising which AWS protocol a request speaks, and rendering [`AwsError`]s
//! the way that protocol's clients expect. Service logic never builds HTTP responses itself.

pub mod encoding;
mod error;
mod json_body;
pub mod json_syntax;
pub mod percent;
mod protocol;
mod query;
pub mod rest;
pub mod sigv4;

pub use error::{AwsError, error_body, render_error, respond, respond_bytes};
pub use json_body::{BodyError, lower_camel, parse_json_body};
pub use protocol::Protocol;
pub use query::{QueryParams, Xml, xml_escape};
pub use rest::Reply;
pub use sigv4::{CredentialScope, credential_scope};

/// A fresh request id, sent back as `x-amzn-RequestId`.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new X-Ray trace id root as AWS writes it: `1-`, the epoch seconds in 8 hex digits, `-`, and
/// 24 random hex digits.
pub fn new_trace_root() -> String {
    format!(
        "1-{:08x}-{}",
        crate::clock::now_millis() / 1000,
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn trace_roots_are_written_as_aws_writes_them() {
        let root = super::new_trace_root();
        let parts: Vec<&str> = root.split('-').collect();
        assert_eq!(parts.len(), 3, "{root}");
        assert_eq!(parts[0], "1");
        assert_eq!(parts[1].len(), 8, "{root}");
        assert_eq!(parts[2].len(), 24, "{root}");
        assert!(
            parts[1..]
                .iter()
                .all(|part| part.chars().all(|c| c.is_ascii_hexdigit())),
            "{root}"
        );
    }
}
