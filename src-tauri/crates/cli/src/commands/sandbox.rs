//! `lab sandbox`: the local cloud in the foreground.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (loopback only unless --allow-non-loopback). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// Directory that keeps the sandbox's state between runs [default: the app's data
    /// directory, `sandbox/` inside it].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Keep all state in a temporary directory of its own, removed when the sandbox stops;
    /// nothing survives a restart.
    #[arg(long, conflicts_with = "data_dir")]
    in_memory: bool,
    /// Allow listening on a non-loopback address. The sandbox accepts any credentials: only do
    /// this on a network you trust. Requests must still name a loopback host unless
    /// --allow-host names this machine as the others reach it.
    #[arg(long)]
    allow_non_loopback: bool,
    /// Put every DynamoDB item change on the inspection feed (`/_sandbox/inspect/…`), as the
    /// desktop app's sandbox does; it costs each write a little CPU.
    #[arg(long)]
    item_changes: bool,
    /// Let web pages of ORIGIN (`scheme://host[:port]`, e.g. `http://localhost:5173`) call the
    /// sandbox's AWS APIs. By default every request from a web page is refused, except to invoke
    /// URLs: the sandbox runs code on this machine. Repeat for more origins.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Also answer requests addressed to NAME (a Host header, `name` or `name:port`). By default
    /// only 127.0.0.1, localhost, [::1] and *.localhost with the sandbox's port are served, which
    /// defeats DNS rebinding. Repeat for more names.
    #[arg(long = "allow-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// The account's limit on concurrent Lambda executions: AWS Academy accounts have 10 (the
    /// default), a new AWS account 1,000. Invocations over it get 429 TooManyRequestsException.
    #[arg(long, value_name = "N", default_value_t = lab_sandbox::lambda::DEFAULT_CONCURRENCY,
          value_parser = concurrency_limit)]
    lambda_concurrency: usize,
    /// Emulate Lambda's CPU rule (a function's CPU in proportion to its memory) by holding
    /// answers, even where CPU cgroups could enforce it.
    #[arg(long)]
    emulate_cpu: bool,
}

/// An account concurrency limit: 1 to 10,000, as AWS grants.
fn concurrency_limit(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|limit| (1..=10_000).contains(limit))
        .ok_or_else(|| format!("{text:?} is not a limit from 1 to 10000"))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let data_dir = if args.in_memory {
        None
    } else {
        Some(match args.data_dir {
            Some(dir) => dir,
            None => lab_engine::DataDir::resolve()
                .context("finding the app's data directory")?
                .path()
                .join("sandbox"),
        })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = lab_sandbox::Config {
        listen: args.listen,
        data_dir,
        allow_non_loopback: args.allow_non_loopback,
        record_item_changes: args.item_changes,
        lambda_concurrency: args.lambda_concurrency,
        cpu_cgroups: !args.emulate_cpu,
        access: lab_sandbox::Access {
            allowed_origins: args.allowed_origins,
            allowed_hosts: args.allowed_hosts,
        },
        ..lab_sandbox::Config::default()
    };
    runtime.block_on(serve(config))
}

async fn serve(config: lab_sandbox::Config) -> anyhow::Result<()> {
    let listen = config.listen;
    match lab_sandbox::supervisor::serve_in_foreground(config, announce).await {
        Ok(()) => Ok(()),
        Err(error @ lab_sandbox::supervisor::ForegroundError::Start(_)) => {
            Err(anyhow::Error::new(error).context(format!("starting the sandbox on {listen}")))
        }
        Err(error) => Err(error.into()),
    }
}

/// Prints the status lines. Nobody reading them (a closed pipe) is no reason to stop serving.
fn announce(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        tracing::warn!(%error, "could not print the sandbox's status");
    }
}
