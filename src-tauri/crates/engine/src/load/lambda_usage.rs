//! A function's billed usage over a run, read back from its log group's REPORT lines — the
//! same on AWS (where lines that have not arrived yet are missed) and in the sandbox — and the
//! run's estimated cost from it.

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata as _};

use super::cost::{ApiKind, Estimate, LambdaUsage, PriceTable};
use super::store::SavedRun;
use crate::cloud::Cloud;

/// Pages of log events read at most (each up to 10,000 events).
const MAX_PAGES: usize = 100;

/// The REPORT lines of `function` between `from_ms` and `to_ms` (milliseconds since the epoch).
/// A function without logs yet used nothing.
pub async fn billed(
    cloud: &Cloud,
    function: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<LambdaUsage, String> {
    let group = format!("/aws/lambda/{function}");
    let mut usage = LambdaUsage::default();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = cloud
            .logs
            .filter_log_events()
            .log_group_name(&group)
            .filter_pattern("REPORT")
            .start_time(from_ms)
            .end_time(to_ms)
            .set_next_token(token.take())
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            Err(error) if error.code() == Some("ResourceNotFoundException") => return Ok(usage),
            Err(error) => {
                return Err(format!("reading {group}: {}", DisplayErrorContext(&error)));
            }
        };
        for event in page.events() {
            usage.add_report(event.message().unwrap_or_default());
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(usage)
}

/// `run`'s estimated cost: the requests the API answered and, when `function` is named and
/// `cloud` given, what its REPORT lines during the run say it was billed (left out, with a
/// warning in the log, when they cannot be read).
pub async fn estimate(
    cloud: Option<&Cloud>,
    api: ApiKind,
    function: Option<&str>,
    run: &SavedRun,
) -> Estimate {
    let causes = &run.summary.errors_by_cause;
    let answered = run
        .summary
        .requests
        .saturating_sub(causes.refused + causes.timed_out + causes.other);
    let mut lambda = None;
    if let (Some(cloud), Some(function)) = (cloud, function) {
        let from = run.id as i64;
        // REPORT lines are written as invocations end: a little after the run's last second.
        let to = from + (run.summary.duration_s * 1000.0) as i64 + 5_000;
        match billed(cloud, function, from, to).await {
            Ok(usage) => lambda = Some(usage),
            Err(error) => tracing::warn!(%error, "the load run's Lambda usage is left out"),
        }
    }
    Estimate::new(PriceTable::us_east_1(), api, answered, lambda)
}
