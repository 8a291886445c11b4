//! `lab load`: a load test of one request — virtual users for a duration under a load profile
//! — with a live progress line, an oha-like summary (percentiles, a latency histogram, statuses,
//! errors by cause, the previous run of the same request beside this one), `--json` for
//! scripts, and a failing exit when a threshold is not met. Runs are kept in the data directory;
//! `--report` writes one as a self-contained HTML page (or JSON), and `--api`/`--function` price
//! it (the function's REPORT lines read from its logs on the target).

use std::io::Write as _;
use std::time::Duration;

use anyhow::{Context, bail};
use lab_engine::load::cost::{ApiKind, Estimate};
use lab_engine::load::{
    self, Plan, Profile, SavedRun, Snapshot, Summary, Threshold, parse_duration,
};

use super::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The URL to load (an invoke URL of the sandbox or of AWS).
    url: String,
    /// The request's method.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// The request body, or `@FILE` to read it from a file. Variables: {{vu}}, {{iteration}},
    /// {{$guid}}, {{$randomInt}}, {{$timestamp}}.
    #[arg(long, short = 'd')]
    body: Option<String>,
    /// Virtual users (each with its own connection), at most 1,000.
    #[arg(long, default_value_t = 10)]
    vus: usize,
    /// How long the run lasts: `30s`, `2m`, `500ms`.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: Duration,
    /// How the number of active users changes over the run.
    #[arg(long, default_value = "fixed")]
    profile: Profile,
    /// A pause after each of a user's requests, e.g. `100ms`.
    #[arg(long, value_parser = parse_duration)]
    think_time: Option<Duration>,
    /// How long a request may take before it counts as timed out.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,
    /// A condition the run must meet, e.g. `p95 < 300ms`, `errors < 1%` (repeatable); the exit
    /// status is 1 when one fails.
    #[arg(long = "threshold")]
    thresholds: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// What to call the run beside others (`128 MB`).
    #[arg(long)]
    label: Option<String>,
    /// Write the run as a report: HTML (charts inline) or, for a `.json` file, JSON.
    #[arg(long, value_name = "FILE")]
    report: Option<std::path::PathBuf>,
    /// The kind of API the URL belongs to, which prices its requests: rest, http or none.
    #[arg(long, default_value = "none")]
    api: ApiKind,
    /// The function behind the URL: its REPORT lines price the run's Lambda duration, read from
    /// the sandbox serving the URL (or --endpoint), or from AWS with --aws.
    #[arg(long)]
    function: Option<String>,
    /// The sandbox whose logs hold the function's REPORT lines, when not the URL's.
    #[arg(
        long,
        value_name = "URL",
        requires = "function",
        conflicts_with = "aws"
    )]
    endpoint: Option<String>,
    /// Read the function's REPORT lines from AWS (the standard credential chain).
    #[arg(long, requires = "function")]
    aws: bool,
}

fn plan(args: &Args) -> anyhow::Result<Plan> {
    let mut plan = Plan::new(&args.method, &args.url, args.vus, args.duration);
    plan.profile = args.profile;
    plan.timeout = args.timeout;
    plan.think_time = args.think_time.unwrap_or_default();
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!("header {header:?} is not `Name: value`");
        };
        plan.headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    plan.body = match args.body.as_deref() {
        Some(file) if file.starts_with('@') => Some(
            std::fs::read_to_string(&file[1..])
                .with_context(|| format!("reading the body from {}", &file[1..]))?,
        ),
        other => other.map(str::to_owned),
    };
    plan.thresholds = args
        .thresholds
        .iter()
        .map(|text| Threshold::parse(text))
        .collect::<Result<_, _>>()?;
    load::check(&plan)?;
    Ok(plan)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let data_dir = lab_engine::DataDir::resolve()?;
    let id = load::store::new_id();
    let runtime = tokio::runtime::Runtime::new()?;
    let summary = runtime.block_on(async {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(true);
            }
        });
        let total = plan.duration.as_secs_f64();
        let quiet = args.json;
        load::run(&plan, stop_rx, |snapshot| {
            if !quiet {
                progress(snapshot, total);
            }
        })
        .await
    })?;
    if !args.json {
        eprintln!();
    }
    let mut saved = SavedRun::new(id, &plan, args.label.clone(), summary);
    saved.estimate = Some(runtime.block_on(estimate(&args, &saved)));
    let previous = load::store::previous(data_dir.path(), &saved.method, &saved.url, id);
    if let Err(error) = load::store::save(data_dir.path(), &saved) {
        eprintln!("warning: the run was not kept: {error}");
    }
    if let Some(path) = &args.report {
        let text = if path.extension().is_some_and(|ext| ext == "json") {
            load::report::json(&saved, previous.as_ref())
        } else {
            load::report::html(&saved, previous.as_ref())
        };
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        if !args.json {
            eprintln!("report: {}", path.display());
        }
    }
    let summary = &saved.summary;
    if args.json {
        println!("{}", json(summary));
    } else {
        print!("{}", report(&saved, previous.as_ref()));
    }
    let failed: Vec<&str> = summary
        .thresholds
        .iter()
        .filter(|verdict| !verdict.passed)
        .map(|verdict| verdict.expr.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("threshold not met: {}", failed.join(", "));
    }
    Ok(())
}

/// The run's estimated cost; with `--function`, read from the target serving the URL.
async fn estimate(args: &Args, run: &SavedRun) -> Estimate {
    let Some(function) = &args.function else {
        return load::lambda_usage::estimate(None, args.api, None, run).await;
    };
    // `http://127.0.0.1:4566/_aws/execute-api/…` → `http://127.0.0.1:4566`, and an API's own
    // host name (`{api}.execute-api.localhost:4566`) → `localhost:4566`.
    let origin = match run.url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            let host = host
                .split_once(".execute-api.")
                .map_or(host, |(_, sandbox)| sandbox);
            format!("{scheme}://{host}")
        }
        None => run.url.clone(),
    };
    let target = if args.aws {
        TargetArgs::aws()
    } else {
        TargetArgs::sandbox_at(args.endpoint.as_deref().unwrap_or(&origin))
    };
    match target::connect(&target).await {
        Ok(connected) => {
            let estimate =
                load::lambda_usage::estimate(Some(&connected.cloud), args.api, Some(function), run)
                    .await;
            connected.close().await;
            estimate
        }
        Err(error) => {
            eprintln!("warning: the function's usage is left out: {error:#}");
            load::lambda_usage::estimate(None, args.api, None, run).await
        }
    }
}

/// The live line: elapsed, active users, requests a second, p95 and errors of the last second.
pub(super) fn progress(snapshot: &Snapshot, total: f64) {
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "\r{:>5.1}s/{total:.0}s  {:>4} VUs  {:>8.0} req/s  p95 {:>8.2} ms  errors {:<6}",
        snapshot.second,
        snapshot.vus,
        snapshot.rps,
        snapshot.latency_ms.p95,
        snapshot.errors.total()
    );
    let _ = stderr.flush();
}

/// The `--json` object: the members the issue of `lab load` names, then the timeline and the
/// histogram for charts.
fn json(summary: &Summary) -> serde_json::Value {
    serde_json::to_value(summary).unwrap_or_default()
}

/// The text summary, with the previous run of the same request beside this one.
pub(super) fn report(run: &SavedRun, previous: Option<&SavedRun>) -> String {
    use std::fmt::Write as _;
    let summary = &run.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {} VUs, {}, {:.1} s",
        run.method, run.url, run.vus, run.profile, summary.duration_s
    );
    let _ = writeln!(out, "\nSummary:");
    let _ = writeln!(out, "  Requests:    {}", summary.requests);
    let _ = writeln!(out, "  Throughput:  {:.1} req/s", summary.throughput_rps);
    let _ = writeln!(
        out,
        "  Errors:      {} ({:.2}%)",
        summary.errors,
        summary.error_rate * 100.0
    );
    let latency = &summary.latency_ms;
    let _ = writeln!(out, "\nLatency (ms):");
    for (name, value) in [
        ("avg", latency.avg),
        ("p50", latency.p50),
        ("p90", latency.p90),
        ("p95", latency.p95),
        ("p99", latency.p99),
        ("max", latency.max),
    ] {
        match previous {
            Some(before) => {
                let then = before.summary.latency_ms.get(name);
                let _ = writeln!(out, "  {name}  {value:>10.2}   (previous run {then:.2})");
            }
            None => {
                let _ = writeln!(out, "  {name}  {value:>10.2}");
            }
        }
    }
    if let Some(before) = previous {
        let _ = writeln!(
            out,
            "  throughput {:.1} req/s (previous run {:.1})",
            summary.throughput_rps, before.summary.throughput_rps
        );
    }
    if !summary.histogram.is_empty() {
        let _ = writeln!(out, "\nResponse time histogram:");
        let most = summary
            .histogram
            .iter()
            .map(|b| b.count)
            .max()
            .unwrap_or(1)
            .max(1);
        for bucket in &summary.histogram {
            let bar = "■".repeat(((bucket.count * 40).div_ceil(most)) as usize);
            let _ = writeln!(
                out,
                "  {:>9.2} ms [{:>7}] {bar}",
                bucket.le_ms, bucket.count
            );
        }
    }
    let _ = writeln!(out, "\nStatus codes:");
    for (status, count) in &summary.status {
        let _ = writeln!(out, "  [{status}] {count} responses");
    }
    let causes = &summary.errors_by_cause;
    if causes.throttled > 0 {
        let _ = writeln!(out, "\nThrottled (429): {}", causes.throttled);
    }
    if causes.refused + causes.timed_out + causes.other > 0 {
        let _ = writeln!(
            out,
            "\nFailures: refused {}, timed out {}, broken {}",
            causes.refused, causes.timed_out, causes.other
        );
    }
    if let Some(estimate) = &run.estimate {
        let _ = writeln!(out, "\nEstimated cost: {}", estimate.describe());
    }
    if !summary.thresholds.is_empty() {
        let _ = writeln!(out, "\nThresholds:");
        for verdict in &summary.thresholds {
            let mark = if verdict.passed { "✓" } else { "✗" };
            let _ = writeln!(out, "  {mark} {}", verdict.expr);
        }
    }
    out
}
