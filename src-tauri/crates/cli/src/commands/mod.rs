//! One module per `lab` subcommand.

pub mod sandbox;
