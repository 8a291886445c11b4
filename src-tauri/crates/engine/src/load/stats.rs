//! What a run measures: each request's latency (into an HDR histogram, microseconds from 1 µs
//! to a minute at three significant figures) and outcome — a status, or a failure by cause
//! (refused, timed out, other). Each virtual user records into its own [`Interval`]; once a
//! second the run gathers them into a [`Snapshot`] (the timeline the charts draw) and into the
//! totals the [`Summary`] reports.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The longest latency recorded exactly; longer ones count as this.
const HIGHEST_MICROS: u64 = 60_000_000;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with this status.
    Status(u16),
    /// The connection was refused or could not be made.
    Refused,
    /// No answer within the request timeout.
    TimedOut,
    /// The connection broke, or the answer did not read.
    Failed,
}

/// Latencies in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latencies {
    pub avg: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latencies {
    fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Self {
            avg: histogram.mean() / 1000.0,
            p50: ms(histogram.value_at_quantile(0.50)),
            p90: ms(histogram.value_at_quantile(0.90)),
            p95: ms(histogram.value_at_quantile(0.95)),
            p99: ms(histogram.value_at_quantile(0.99)),
            max: ms(histogram.max()),
        }
    }

    /// A latency by name (`avg`, `p50`, …, `max`).
    pub fn get(&self, name: &str) -> f64 {
        match name {
            "avg" => self.avg,
            "p50" => self.p50,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            _ => self.max,
        }
    }
}

/// Failed requests by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Errors {
    pub refused: u64,
    pub timed_out: u64,
    /// Answers with 429 Too Many Requests: throttled (by API Gateway, or Lambda's concurrency
    /// limit).
    #[serde(default)]
    pub throttled: u64,
    /// Answers with another 4xx status.
    pub client: u64,
    /// Answers with a 5xx status.
    pub server: u64,
    /// Broken connections and unreadable answers.
    pub other: u64,
}

impl Errors {
    pub fn total(&self) -> u64 {
        self.refused + self.timed_out + self.throttled + self.client + self.server + self.other
    }

    fn add(&mut self, other: &Self) {
        self.refused += other.refused;
        self.timed_out += other.timed_out;
        self.throttled += other.throttled;
        self.client += other.client;
        self.server += other.server;
        self.other += other.other;
    }
}

/// What one virtual user measured since the last gathering.
#[derive(Debug)]
pub struct Interval {
    histogram: Histogram<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: Errors,
}

impl Default for Interval {
    fn default() -> Self {
        Self {
            histogram: new_histogram(),
            statuses: BTreeMap::new(),
            errors: Errors::default(),
        }
    }
}

fn new_histogram() -> Histogram<u64> {
    // Bounds this wide and 3 significant figures are always valid.
    Histogram::new_with_bounds(1, HIGHEST_MICROS, 3).unwrap_or_else(|_| {
        Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant figures are valid"))
    })
}

impl Interval {
    pub fn record(&mut self, latency: Duration, outcome: Outcome) {
        let micros = (latency.as_micros() as u64).clamp(1, HIGHEST_MICROS);
        match outcome {
            Outcome::Status(status) => {
                self.histogram.saturating_record(micros);
                *self.statuses.entry(status).or_default() += 1;
                match status {
                    429 => self.errors.throttled += 1,
                    400..=499 => self.errors.client += 1,
                    500..=599 => self.errors.server += 1,
                    _ => {}
                }
            }
            Outcome::Refused => self.errors.refused += 1,
            Outcome::TimedOut => self.errors.timed_out += 1,
            Outcome::Failed => self.errors.other += 1,
        }
    }
}

/// One second of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Seconds since the start, at the end of this second.
    pub second: f64,
    /// Users active during it.
    pub vus: usize,
    pub requests: u64,
    pub rps: f64,
    pub latency_ms: Latencies,
    pub errors: Errors,
}

/// The whole run so far.
#[derive(Debug)]
pub struct Tally {
    histogram: Histogram<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: Errors,
    answered: u64,
    pub timeline: Vec<Snapshot>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            histogram: new_histogram(),
            statuses: BTreeMap::new(),
            errors: Errors::default(),
            answered: 0,
            timeline: Vec::new(),
        }
    }
}

impl Tally {
    /// Gathers the users' intervals (emptying them) into a snapshot of `length` ending at
    /// `second`, and into the totals.
    pub fn gather<'a>(
        &mut self,
        intervals: impl Iterator<Item = std::sync::MutexGuard<'a, Interval>>,
        second: f64,
        length: f64,
        vus: usize,
    ) -> Snapshot {
        let mut histogram = new_histogram();
        let mut errors = Errors::default();
        let mut failed_requests = 0;
        for mut interval in intervals {
            let _ = histogram.add(&interval.histogram);
            interval.histogram.reset();
            for (status, count) in std::mem::take(&mut interval.statuses) {
                *self.statuses.entry(status).or_default() += count;
            }
            failed_requests +=
                interval.errors.refused + interval.errors.timed_out + interval.errors.other;
            errors.add(&interval.errors);
            interval.errors = Errors::default();
        }
        let answered = histogram.len();
        let requests = answered + failed_requests;
        let _ = self.histogram.add(&histogram);
        self.answered += answered;
        self.errors.add(&errors);
        let snapshot = Snapshot {
            second,
            vus,
            requests,
            rps: if length > 0.0 {
                requests as f64 / length
            } else {
                0.0
            },
            latency_ms: Latencies::of(&histogram),
            errors,
        };
        self.timeline.push(snapshot.clone());
        snapshot
    }

    /// The run's summary over `duration`, with `vus` users at most.
    pub fn summary(&self, duration: Duration, vus: usize) -> Summary {
        let failed = self.errors.refused + self.errors.timed_out + self.errors.other;
        let requests = self.answered + failed;
        let errors = self.errors.total();
        let seconds = duration.as_secs_f64();
        Summary {
            requests,
            errors,
            error_rate: if requests == 0 {
                0.0
            } else {
                errors as f64 / requests as f64
            },
            throughput_rps: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            duration_s: seconds,
            vus,
            latency_ms: Latencies::of(&self.histogram),
            status: self
                .statuses
                .iter()
                .map(|(status, count)| (status.to_string(), *count))
                .collect(),
            errors_by_cause: self.errors,
            histogram: buckets(&self.histogram),
            timeline: self.timeline.clone(),
            thresholds: Vec::new(),
        }
    }
}

/// A bar of the latency histogram: the answers up to `le_ms`, above the bar before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub le_ms: f64,
    pub count: u64,
}

/// Twelve bars of equal width from the fastest answer to the slowest.
fn buckets(histogram: &Histogram<u64>) -> Vec<Bucket> {
    const BARS: u64 = 12;
    if histogram.is_empty() {
        return Vec::new();
    }
    let (low, high) = (histogram.min(), histogram.max());
    let width = (high - low).div_ceil(BARS).max(1);
    let mut out: Vec<Bucket> = (1..=BARS)
        .map(|bar| Bucket {
            le_ms: (low + bar * width).min(high) as f64 / 1000.0,
            count: 0,
        })
        .collect();
    for value in histogram.iter_recorded() {
        let bar = ((value.value_iterated_to().saturating_sub(low)) / width).min(BARS - 1);
        out[bar as usize].count += value.count_at_value();
    }
    out
}

/// A threshold and whether the run met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub expr: String,
    pub passed: bool,
}

/// A run's results, as `lab load --json` prints them and the data directory keeps them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub requests: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub throughput_rps: f64,
    pub duration_s: f64,
    pub vus: usize,
    pub latency_ms: Latencies,
    /// Answers by status.
    pub status: BTreeMap<String, u64>,
    pub errors_by_cause: Errors,
    pub histogram: Vec<Bucket>,
    pub timeline: Vec<Snapshot>,
    pub thresholds: Vec<Verdict>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn too_many_requests_count_as_throttled_not_as_client_errors() {
        let user = Mutex::new(Interval::default());
        for status in [200, 429, 429, 404] {
            user.lock()
                .unwrap()
                .record(Duration::from_millis(1), Outcome::Status(status));
        }
        let mut tally = Tally::default();
        let snapshot = tally.gather(std::iter::once(user.lock().unwrap()), 1.0, 1.0, 1);
        assert_eq!((snapshot.errors.throttled, snapshot.errors.client), (2, 1));
        assert_eq!(snapshot.errors.total(), 3);
    }

    #[test]
    fn a_second_gathers_every_users_answers_and_failures() {
        let users = [
            Mutex::new(Interval::default()),
            Mutex::new(Interval::default()),
        ];
        for (n, user) in users.iter().enumerate() {
            let mut user = user.lock().unwrap();
            for ms in 1..=50u64 {
                user.record(
                    Duration::from_millis(ms + n as u64 * 50),
                    Outcome::Status(200),
                );
            }
        }
        users[0]
            .lock()
            .unwrap()
            .record(Duration::from_millis(1), Outcome::Status(503));
        users[1]
            .lock()
            .unwrap()
            .record(Duration::from_secs(30), Outcome::TimedOut);
        let mut tally = Tally::default();
        let snapshot = tally.gather(users.iter().map(|u| u.lock().unwrap()), 1.0, 1.0, 2);
        assert_eq!(snapshot.requests, 102);
        assert_eq!((snapshot.errors.server, snapshot.errors.timed_out), (1, 1));
        assert!((snapshot.latency_ms.p50 - 50.0).abs() < 1.0, "{snapshot:?}");
        assert!(
            (snapshot.latency_ms.max - 100.0).abs() < 0.5,
            "{snapshot:?}"
        );
        let again = tally.gather(users.iter().map(|u| u.lock().unwrap()), 2.0, 1.0, 2);
        assert_eq!(again.requests, 0, "intervals are emptied");
        let summary = tally.summary(Duration::from_secs(2), 2);
        assert_eq!(summary.requests, 102);
        assert_eq!(summary.errors, 2);
        assert!((summary.throughput_rps - 51.0).abs() < 1e-9);
        assert_eq!(summary.status["200"], 100);
        assert_eq!(summary.histogram.iter().map(|b| b.count).sum::<u64>(), 101);
        assert_eq!(summary.timeline.len(), 2);
    }
}
