//! What the lab's Lambda functions share.
//!
//! Both functions take DynamoDB calls described in JSON — the parameters of `Scan`, `GetItem`,
//! `PutItem`, `UpdateItem` and `DeleteItem`, spelled as in DynamoDB's API and boto3 — run them
//! with the AWS SDK for Rust, and answer with the response in the JSON shape boto3 returns.
//! `crud` writes attribute values in DynamoDB JSON (`{"S": "lamp"}`), `ddb-manager` in plain JSON
//! (`"lamp"`); [`Notation`] converts either way.
//!
//! - [`notation`]: attribute values ↔ JSON, in both notations (the `attribute-notation` crate,
//!   which the app uses too).
//! - [`params`]: the accepted parameters of each call, checked before anything is sent.
//! - [`table`]: runs the calls and shapes their responses.
//! - [`error`]: one error type with the AWS error code, for every way a call can fail.
//! - [`http`]: API Gateway (payload 2.0) request bodies and JSON replies with CORS headers.

pub mod error;
pub mod http;
pub use attribute_notation as notation;
pub mod params;
mod response;
pub mod table;

pub use error::CallError;
pub use notation::Notation;
pub use table::Dynamo;
