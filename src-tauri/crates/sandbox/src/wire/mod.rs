//! The wire layer: recognising which AWS protocol a request speaks, and rendering [`AwsError`]s
//! the way that protocol's clients expect. Service logic never builds HTTP responses itself.

pub mod encoding;
mod error;
mod json_body;
pub mod json_syntax;
mod protocol;
mod query;
mod sigv4;

pub use error::{AwsError, error_body, render_error, respond, respond_bytes};
pub use json_body::{BodyError, json_created, json_ok, lower_camel, no_content, parse_json_body};
pub use protocol::Protocol;
pub use query::{QueryParams, Xml, xml_escape};
pub use sigv4::{CredentialScope, credential_scope};

/// A fresh request id, sent back as `x-amzn-RequestId`.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
