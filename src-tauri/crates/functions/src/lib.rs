//! The Lambda functions the lessons deploy — the crates under `lambda/` in the source tree.
//!
//! - [`catalog`]: which functions exist, and their Rust sources (embedded when this crate is
//!   built), for reading inside the app next to what the function did.
//! - [`artifact`]: their packaged zips (`bootstrap` at the root), built by `make lambdas` and
//!   found at run time, with a clear error saying how to build them when they are missing.

pub mod artifact;
pub mod catalog;

pub use artifact::{ArtifactError, Artifacts, Package};
pub use catalog::{Function, SourceFile, UnknownFunction};
