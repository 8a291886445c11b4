//! The load tester's values as the window's DTOs, and a lesson run's load events as
//! `load-event`s.

use lab_contract::{
    CostView, LatencyView, LoadBucketView, LoadErrorsView, LoadEvent, LoadRunView,
    LoadSnapshotView, ThresholdView,
};

use crate::load::stats::Errors;
use crate::load::{Latencies, SavedRun, Snapshot};
use crate::run::Event;

fn latency(latencies: &Latencies) -> LatencyView {
    LatencyView {
        avg: latencies.avg,
        p50: latencies.p50,
        p90: latencies.p90,
        p95: latencies.p95,
        p99: latencies.p99,
        max: latencies.max,
    }
}

pub fn snapshot(snapshot: &Snapshot) -> LoadSnapshotView {
    let errors = snapshot.errors.total();
    LoadSnapshotView {
        second: snapshot.second,
        vus: snapshot.vus as u32,
        requests: snapshot.requests as f64,
        rps: snapshot.rps,
        latency: latency(&snapshot.latency_ms),
        errors: errors as f64,
        error_rate: if snapshot.requests == 0 {
            0.0
        } else {
            errors as f64 / snapshot.requests as f64
        },
    }
}

fn errors(errors: &Errors) -> LoadErrorsView {
    LoadErrorsView {
        refused: errors.refused as f64,
        timed_out: errors.timed_out as f64,
        throttled: errors.throttled as f64,
        client: errors.client as f64,
        server: errors.server as f64,
        other: errors.other as f64,
    }
}

pub fn run(run: &SavedRun) -> LoadRunView {
    let summary = &run.summary;
    LoadRunView {
        id: run.id as f64,
        name: run.name(),
        method: run.method.clone(),
        url: run.url.clone(),
        body: run.body.clone(),
        vus: run.vus as u32,
        profile: run.profile.clone(),
        duration_s: summary.duration_s,
        requests: summary.requests as f64,
        errors: summary.errors as f64,
        error_rate: summary.error_rate,
        throughput_rps: summary.throughput_rps,
        latency: latency(&summary.latency_ms),
        status: summary
            .status
            .iter()
            .map(|(status, count)| (status.clone(), *count as f64))
            .collect(),
        errors_by_cause: errors(&summary.errors_by_cause),
        histogram: summary
            .histogram
            .iter()
            .map(|bucket| LoadBucketView {
                le_ms: bucket.le_ms,
                count: bucket.count as f64,
            })
            .collect(),
        timeline: summary.timeline.iter().map(snapshot).collect(),
        thresholds: summary
            .thresholds
            .iter()
            .map(|verdict| ThresholdView {
                expr: verdict.expr.clone(),
                passed: verdict.passed,
            })
            .collect(),
        cost: run.estimate.as_ref().map(|estimate| CostView {
            total_usd: estimate.total_usd,
            description: estimate.describe(),
        }),
    }
}

/// The `load-event` for a lesson run's event; none for the others.
pub fn event(event: &Event) -> Option<LoadEvent> {
    Some(match event {
        Event::LoadStarted {
            label,
            method,
            url,
            vus,
            duration_s,
            profile,
            previous,
        } => LoadEvent::Started {
            name: label.clone(),
            method: method.clone(),
            url: url.clone(),
            vus: *vus as u32,
            duration_s: *duration_s,
            profile: profile.clone(),
            previous: previous.map(|id| id as f64),
        },
        Event::LoadProgress { snapshot: second } => LoadEvent::Progress {
            snapshot: snapshot(second),
        },
        Event::LoadDone {
            run: done,
            previous,
        } => LoadEvent::Finished {
            run: Box::new(run(done)),
            previous: previous.map(|id| id as f64),
        },
        _ => return None,
    })
}
