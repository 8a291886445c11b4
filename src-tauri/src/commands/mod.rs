//! The Tauri commands: each takes DTOs in, calls the engine, and returns DTOs or an `ErrorDto`.
//! Every command here is listed in `build.rs` and granted in `capabilities/`.

mod app;

pub use app::app_info;
