//! One module per `lab` subcommand.

pub mod functions;
pub mod lessons;
pub mod sandbox;
