//! `lab load` against a loopback backend: the JSON summary's members, thresholds deciding the
//! exit status, and the text report comparing a run with the previous one of the same request.

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;

/// A backend: `/ok` answers 200; `/flaky` answers 500 to every other request.
async fn backend() -> u16 {
    let count = Arc::new(AtomicU64::new(0));
    let router = axum::Router::new()
        .route("/ok", axum::routing::any(|| async { "fine" }))
        .route(
            "/flaky",
            axum::routing::any(move || {
                let count = count.clone();
                async move {
                    if count.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            }),
        );
    lab_testkit::spawn_backend(router).await
}

fn load(data_dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .arg("load")
        .args(args)
        .env("SERVERLESS_LAB_DATA_DIR", data_dir)
        .output()
        .expect("lab runs")
}

/// `--json` prints one object with the run's figures, and the thresholds it met.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_run_reports_its_figures_and_thresholds() {
    let port = backend().await;
    let data = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/ok");
    let output = load(
        data.path(),
        &[
            &url,
            "--vus",
            "2",
            "--duration",
            "1s",
            "--json",
            "--threshold",
            "p95 < 5s",
            "--threshold",
            "errors < 1%",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary["requests"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["error_rate"], 0.0);
    assert_eq!(summary["vus"], 2);
    for member in ["avg", "p50", "p90", "p95", "p99", "max"] {
        assert!(
            summary["latency_ms"][member].is_number(),
            "{member}: {summary}"
        );
    }
    assert_eq!(summary["status"]["200"], summary["requests"]);
    assert_eq!(
        summary["thresholds"],
        serde_json::json!([
            {"expr": "p95 < 5s", "passed": true},
            {"expr": "errors < 1%", "passed": true},
        ])
    );
    assert!(
        summary["timeline"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
}

/// A threshold the run misses makes `lab load` fail, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_threshold_fails_the_command() {
    let port = backend().await;
    let data = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/flaky");
    let output = load(
        data.path(),
        &[
            &url,
            "--duration",
            "1s",
            "--vus",
            "1",
            "--threshold",
            "errors < 1%",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("threshold not met: errors < 1%"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("✗ errors < 1%"), "{stdout}");
    assert!(stdout.contains("[500]"), "{stdout}");
}

/// The text report shows percentiles, a histogram and statuses, and a second run of the same
/// request sets its figures beside the first's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_is_compared_with_the_first() {
    let port = backend().await;
    let data = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/ok");
    let args = [
        url.as_str(),
        "--duration",
        "1s",
        "--vus",
        "2",
        "-X",
        "POST",
        "-d",
        "{\"n\": {{$randomInt}}}",
    ];
    let first = load(data.path(), &args);
    assert!(first.status.success(), "{first:?}");
    let text = String::from_utf8_lossy(&first.stdout);
    for part in [
        "Latency (ms):",
        "Response time histogram:",
        "Status codes:",
        "[200]",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(!text.contains("previous run"), "{text}");
    let report = data.path().join("report.html");
    let report_arg = report.display().to_string();
    let mut labelled = args.to_vec();
    labelled.extend([
        "--label",
        "second",
        "--api",
        "http",
        "--report",
        &report_arg,
    ]);
    let second = load(data.path(), &labelled);
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(text.contains("(previous run "), "{text}");
    assert!(
        text.contains("Estimated cost: ≈ $") && text.contains("HTTP API requests"),
        "{text}"
    );
    // The report: one page with its charts inline, this run beside the one before.
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(page.contains("Load test — second") && page.contains("<svg"));
    assert!(!page.contains("<script"));
}

/// A plan that cannot run is refused before anything is sent.
#[test]
fn an_invalid_plan_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let output = load(data.path(), &["ftp://example.com/", "--duration", "1s"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not an http:// or https:// URL"),
        "{output:?}"
    );
}
