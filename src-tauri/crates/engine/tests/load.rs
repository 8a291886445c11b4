//! The load tester against a loopback server of known behaviour: it reports the latency, rate
//! and failures the server produces, thresholds fail when they should, profiles shape the
//! active users, and a closed port counts as refused.

// A failed unwrap is how a test reports a broken precondition.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use lab_engine::load::{self, Plan, Profile, Threshold};

/// A server on a loopback port that answers every request after `delay`, with a 500 for every
/// `fail_every`-th one; a URL on it and its request counter.
async fn server(delay: Duration, fail_every: u64) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    async move {
                        tokio::time::sleep(delay).await;
                        let status = if n.is_multiple_of(fail_every) {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            StatusCode::OK
                        };
                        let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                        *response.status_mut() = status;
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{address}/items?x=1"), served)
}

fn never_stop() -> tokio::sync::watch::Receiver<bool> {
    let (sender, receiver) = tokio::sync::watch::channel(false);
    std::mem::forget(sender);
    receiver
}

/// Four users against a 20 ms server failing one request in ten: about 200 requests a second,
/// a median near 20 ms, 10% errors, all counted; the error threshold fails, the latency one
/// passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reports_the_latency_rate_and_failures_the_server_produces() {
    let (url, served) = server(Duration::from_millis(20), 10).await;
    let mut plan = Plan::new("GET", &url, 4, Duration::from_secs(2));
    plan.thresholds = vec![
        Threshold::parse("errors < 1%").unwrap(),
        Threshold::parse("p50 < 500ms").unwrap(),
    ];
    let mut seconds = Vec::new();
    let summary = load::run(&plan, never_stop(), |snapshot| {
        seconds.push(snapshot.clone())
    })
    .await
    .unwrap();
    assert!(
        (250..=420).contains(&summary.requests),
        "about 4 users × 2 s / 20 ms: {summary:?}"
    );
    assert_eq!(
        summary.requests,
        served.load(Ordering::SeqCst),
        "every request counted"
    );
    assert!(
        (19.0..40.0).contains(&summary.latency_ms.p50),
        "{:?}",
        summary.latency_ms
    );
    assert!(
        (0.07..=0.13).contains(&summary.error_rate),
        "one in ten fails: {}",
        summary.error_rate
    );
    assert_eq!(
        summary.status.get("500").copied().unwrap_or(0),
        summary.errors_by_cause.server
    );
    let verdicts: Vec<bool> = summary.thresholds.iter().map(|v| v.passed).collect();
    assert_eq!(verdicts, [false, true]);
    assert!(seconds.len() >= 2, "a snapshot each second: {seconds:?}");
    assert!(seconds.iter().all(|s| s.vus == 4));
}

/// A ramp-up starts with few users and ends with all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ramp_up_adds_users_as_it_goes() {
    let (url, _) = server(Duration::from_millis(5), u64::MAX).await;
    let mut plan = Plan::new("GET", &url, 6, Duration::from_secs(4));
    plan.profile = Profile::RampUp;
    let mut seconds = Vec::new();
    let summary = load::run(&plan, never_stop(), |snapshot| {
        seconds.push(snapshot.clone())
    })
    .await
    .unwrap();
    let vus: Vec<usize> = seconds.iter().map(|s| s.vus).collect();
    assert!(vus.windows(2).all(|pair| pair[0] <= pair[1]), "{vus:?}");
    assert!(vus[0] <= 4, "{vus:?}");
    assert_eq!(vus.last(), Some(&6), "{vus:?}");
    assert!(
        seconds[0].rps < seconds[seconds.len() - 2].rps,
        "more users, more requests: {seconds:?}"
    );
    assert_eq!(summary.errors, 0);
}

/// A port nobody listens on: every request is refused, none is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_counts_as_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/");
    let plan = Plan::new("POST", &url, 2, Duration::from_secs(1));
    let summary = load::run(&plan, never_stop(), |_| {}).await.unwrap();
    assert!(summary.requests > 0);
    assert_eq!(summary.errors_by_cause.refused, summary.requests);
    assert_eq!(summary.error_rate, 1.0);
    assert!(summary.status.is_empty());
}

/// Plans that cannot run say why before anything is sent.
#[test]
fn plans_that_cannot_run_are_refused() {
    let bad = [
        Plan::new("GET", "ftp://example.com/", 1, Duration::from_secs(1)),
        Plan::new("GET", "http://127.0.0.1/", 0, Duration::from_secs(1)),
        Plan::new("GET", "http://127.0.0.1/", 1, Duration::from_millis(10)),
        Plan::new("GE T", "http://127.0.0.1/", 1, Duration::from_secs(1)),
        Plan {
            body: Some("{{who}}".into()),
            ..Plan::new("GET", "http://127.0.0.1/", 1, Duration::from_secs(1))
        },
    ];
    for plan in &bad {
        assert!(load::check(plan).is_err(), "{plan:?}");
    }
}
