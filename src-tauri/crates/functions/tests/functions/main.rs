//! The lab's functions deployed into the sandbox through the Lambda API, and called the ways
//! the lessons call them: through an HTTP API and by Invoke.
#![allow(clippy::unwrap_used)]

mod crud;
mod ddb_manager;
mod fixture;
mod packaged;
mod websocket;
