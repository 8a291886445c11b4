//! The Tauri commands: each takes DTOs in, calls the engine, and returns DTOs or an `ErrorDto`.
//! Every command here is listed in `build.rs` and granted in `capabilities/`.
//!
//! `generate_handler!` needs each command's full path (a re-export hides the macro's helpers),
//! so the modules are public and `lib.rs` names `commands::<module>::<command>`.

pub mod app;
pub mod data;
pub mod functions;
pub mod identity;
pub mod lessons;
pub mod load;
pub mod resources;
pub mod settings;
pub mod traffic;
pub mod websocket;
