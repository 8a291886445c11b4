//! `lab functions`: the Lambda functions the lessons deploy — whether each is packaged, and
//! its Rust sources.

use std::io::Write;

use anyhow::Context;
use lab_functions::{Artifacts, Function};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print this function's sources (its crate, then the library it shares).
    name: Option<String>,
    /// With a name: list the source files instead of printing them.
    #[arg(long, requires = "name")]
    files: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match args.name {
        None => list(&mut out),
        Some(name) => {
            let function = Function::named(&name)?;
            sources(&mut out, function, args.files)
        }
    }
    .context("writing to standard output")
}

/// One paragraph per function: name, what it does, and its package or how to build it.
fn list(out: &mut impl Write) -> std::io::Result<()> {
    let artifacts = Artifacts::discover();
    for function in Function::all() {
        writeln!(out, "{}  {}", function.name(), function.description())?;
        match artifacts.load(function.name()) {
            Ok(package) if function.is_python() => writeln!(
                out,
                "    package: its sources in {}, zipped when deployed ({})",
                package.path.display(),
                function.runtime()
            )?,
            Ok(package) => writeln!(out, "    package: {}", package.path.display())?,
            Err(error) => writeln!(out, "    package: {error}")?,
        }
    }
    Ok(())
}

fn sources(out: &mut impl Write, function: Function, paths_only: bool) -> std::io::Result<()> {
    for file in function.sources() {
        if paths_only {
            writeln!(out, "{}", file.path)?;
        } else {
            writeln!(out, "// ── {} ──", file.path)?;
            writeln!(out, "{}", file.text.trim_end())?;
            writeln!(out)?;
        }
    }
    Ok(())
}
