//! One module per `lab` subcommand.

pub mod credentials;
pub mod functions;
pub mod lessons;
pub mod load;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod status;
pub mod target;
pub mod teardown;
