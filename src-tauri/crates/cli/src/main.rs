//! `lab`: Serverless Lab from a terminal.
//!
//! The subcommands (lessons, run, status, teardown, report, sandbox) are added as the engine grows
//! the capability behind each; until then the command only describes itself.

use std::process::ExitCode;

use clap::Parser;

/// Serverless Lab: guided AWS serverless labs (DynamoDB, Lambda, API Gateway) against a local
/// sandbox or a real AWS account.
#[derive(Debug, Parser)]
#[command(name = "lab", version, arg_required_else_help = true)]
struct Cli {}

fn main() -> ExitCode {
    let Cli {} = Cli::parse();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
