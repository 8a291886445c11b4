//! `lab`: Serverless Lab from a terminal.
//!
//! Each subcommand is a thin front end on a library crate: `sandbox` runs the local cloud in the
//! foreground; `lessons` lists the lessons and shows their steps; `run` runs one against the
//! sandbox or AWS; `status` shows progress and what the journal holds; `teardown` removes it all;
//! `answer` and `report` keep the answers and print the Markdown report; `functions` shows the
//! Lambda functions the lessons deploy.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The allocator the sandbox is measured with (`make bench`): it serves DynamoDB's hot paths
/// with far less time in malloc than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serverless Lab: guided AWS serverless labs (DynamoDB, Lambda, API Gateway) against a local
/// sandbox or a real AWS account.
#[derive(Debug, Parser)]
#[command(name = "lab", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the sandbox (the local AWS cloud) in the foreground until Ctrl-C.
    Sandbox(commands::sandbox::Args),
    /// List the lessons, or show one's steps with the AWS CLI commands they run.
    Lessons(commands::lessons::Args),
    /// Run a lesson's steps against the sandbox (default) or an AWS account.
    Run(commands::run::Args),
    /// Show which lesson steps are done and the resources the lab created on a target.
    Status(commands::status::Args),
    /// Remove every resource the lab created on a target, in dependency order.
    Teardown(commands::teardown::Args),
    /// Print the Markdown report of lessons done, answers and time spent (for your README.md).
    Report(commands::report::ReportArgs),
    /// Save your answer to a lesson's question (for the report).
    Answer(commands::report::AnswerArgs),
    /// Keep AWS Academy Learner Lab credentials in the OS keychain for --target aws.
    Credentials(commands::credentials::Args),
    /// List the Lambda functions the lessons deploy, or print one's Rust sources.
    Functions(commands::functions::Args),
    /// Load-test a URL: virtual users for a duration, with percentiles, errors and thresholds.
    Load(commands::load::Args),
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox(args) => commands::sandbox::run(args),
        Command::Lessons(args) => commands::lessons::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Teardown(args) => commands::teardown::run(args),
        Command::Report(args) => commands::report::report(args),
        Command::Answer(args) => commands::report::answer(args),
        Command::Credentials(args) => commands::credentials::run(args),
        Command::Functions(args) => commands::functions::run(args),
        Command::Load(args) => commands::load::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
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
