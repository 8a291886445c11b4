//! The load tester: virtual users sending one request template in a loop under a load profile
//! ([`profile`]), their latencies in HDR histograms gathered each second ([`stats`]), thresholds
//! that pass or fail a run ([`threshold`]), and runs kept for comparison ([`store`]). Plain HTTP
//! goes over one raw keep-alive connection per user ([`client`]), so the tester is not what
//! limits a measurement on loopback; `make bench` measures it beside `wrk`.

pub mod client;
pub mod cost;
pub mod http1;
pub mod lambda_usage;
pub mod profile;
pub mod report;
pub mod run;
pub mod stats;
pub mod store;
pub mod template;
pub mod threshold;

pub use profile::Profile;
pub use run::{MAX_DURATION, MAX_VUS, Plan, PlanError, check, run};
pub use stats::{Latencies, Snapshot, Summary};
pub use store::SavedRun;
pub use threshold::Threshold;

/// `30s`, `2m`, `500ms`, `1.5s`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix('m') {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0 && n * scale <= 86_400.0)
        .map(|n| std::time::Duration::from_secs_f64(n * scale))
        .ok_or_else(|| format!("{text:?} is not a duration (30s, 2m, 500ms)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_read_with_or_without_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("soon").is_err());
    }
}
