//! Desktop end-to-end tests: the real app binary in a real window, driven over WebDriver
//! (tauri-driver → WebKitWebDriver → the app), asserting on what the window shows.
//!
//! They need a display (`make test` runs them under Xvfb), `tauri-driver` and Debian's
//! `WebKitWebDriver` (`make deps-test` installs both). A missing piece fails the test with a
//! message saying what to install; nothing is skipped silently.

mod desktop;
mod failures;
mod identity;
mod instructor;
mod load;
mod sandbox_restart;
mod settings;
mod setup_panel;
mod walkthrough;
mod website;
mod websocket;
