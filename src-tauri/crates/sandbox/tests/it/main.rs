//! Integration tests of the sandbox through real HTTP on a loopback port.

mod client;
mod server;
