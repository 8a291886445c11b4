//! The load tester's values: what to run, each second of a run, a finished run, and the
//! `load-event` stream that carries a run — from the Load panel or a lesson's step — live.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A load test to start from the Load panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadPlanDto {
    pub method: String,
    pub url: String,
    /// `Name: value` lines.
    pub headers: Vec<String>,
    pub body: Option<String>,
    pub vus: u32,
    pub duration_s: f64,
    /// `fixed`, `ramp-up`, `spike` or `peak`.
    pub profile: String,
    /// `p95 < 300ms`, `errors < 1%`, `rps > 100`.
    pub thresholds: Vec<String>,
    pub label: Option<String>,
    /// `rest`, `http` or `none`: the price of the API's requests.
    pub api: String,
    /// The function behind the URL, whose logs price its duration.
    pub function: Option<String>,
}

/// Latencies in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct LatencyView {
    pub avg: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// One second of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadSnapshotView {
    /// Seconds since the start, at the end of this second.
    pub second: f64,
    pub vus: u32,
    pub requests: f64,
    pub rps: f64,
    pub latency: LatencyView,
    pub errors: f64,
    /// Errors over requests, 0 to 1.
    pub error_rate: f64,
}

/// Failed requests by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadErrorsView {
    pub refused: f64,
    pub timed_out: f64,
    /// 429 answers.
    pub throttled: f64,
    pub client: f64,
    pub server: f64,
    pub other: f64,
}

/// A bar of the latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadBucketView {
    pub le_ms: f64,
    pub count: f64,
}

/// A threshold and whether the run met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ThresholdView {
    pub expr: String,
    pub passed: bool,
}

/// A run's estimated cost on AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CostView {
    pub total_usd: f64,
    /// The estimate in words, with its price table's region and date.
    pub description: String,
}

/// A finished run, as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadRunView {
    /// Milliseconds since the epoch at its start.
    pub id: f64,
    /// Its label, or when it ran.
    pub name: String,
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    pub vus: u32,
    pub profile: String,
    pub duration_s: f64,
    pub requests: f64,
    pub errors: f64,
    pub error_rate: f64,
    pub throughput_rps: f64,
    pub latency: LatencyView,
    /// `(status, answers)`.
    pub status: Vec<(String, f64)>,
    pub errors_by_cause: LoadErrorsView,
    pub histogram: Vec<LoadBucketView>,
    pub timeline: Vec<LoadSnapshotView>,
    pub thresholds: Vec<ThresholdView>,
    pub cost: Option<CostView>,
}

/// A run as it happens, sent as the `load-event` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LoadEvent {
    Started {
        name: String,
        method: String,
        url: String,
        vus: u32,
        duration_s: f64,
        profile: String,
        /// The run it will be compared with.
        previous: Option<f64>,
    },
    Progress {
        snapshot: LoadSnapshotView,
    },
    Finished {
        run: Box<LoadRunView>,
        previous: Option<f64>,
    },
    Failed {
        message: String,
    },
}
