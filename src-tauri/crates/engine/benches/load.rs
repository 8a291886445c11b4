//! The load tester beside `wrk` on the same machine: both drive one trivial loopback HTTP
//! server (one worker thread) with the same number of connections from one thread of their
//! own, for a few seconds each; the requests a second each reaches are printed side by side.
//! The tester must not be what limits a measurement, so its rate should be at least wrk's.
//!
//! `cargo bench -p lab-engine --bench load` (`make bench` runs it); without `wrk` on the PATH
//! only the tester's own rates are printed, and the comparison is reported as missing.

use std::process::Command;
use std::time::Duration;

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use lab_engine::load::{self, Plan};

const SECONDS: u64 = 5;
const CONNECTIONS: [usize; 3] = [1, 8, 32];

/// A server answering every request with a short body, on a runtime of one worker thread.
fn start_server() -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let address = listener.local_addr().expect("its address");
            sender
                .send(format!("http://{address}/"))
                .expect("the bench waits");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_request| async {
                        Ok::<_, std::convert::Infallible>(Response::new(Full::new(
                            Bytes::from_static(b"{\"ok\":true}"),
                        )))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    receiver.recv().expect("the server starts")
}

/// The tester's rate with `connections` users, on one thread.
fn tester_rate(url: &str, connections: usize) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let plan = Plan::new("GET", url, connections, Duration::from_secs(SECONDS));
    let (_stop, never) = tokio::sync::watch::channel(false);
    let summary = runtime
        .block_on(load::run(&plan, never, |_| {}))
        .expect("the plan runs");
    assert_eq!(summary.errors, 0, "{summary:?}");
    summary.throughput_rps
}

/// wrk's rate with `connections` connections on one thread, when wrk is installed.
fn wrk_rate(url: &str, connections: usize) -> Option<f64> {
    let output = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{SECONDS}s"),
            url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())
}

fn main() {
    let url = start_server();
    // Warm the server and the connections up.
    let _ = tester_rate(&url, 1);
    println!(
        "load tester beside wrk: {SECONDS} s each, one generator thread, loopback server on one thread"
    );
    println!(
        "{:>12} {:>14} {:>14} {:>8}",
        "connections", "tester req/s", "wrk req/s", "ratio"
    );
    let mut short = Vec::new();
    for connections in CONNECTIONS {
        let ours = tester_rate(&url, connections);
        match wrk_rate(&url, connections) {
            Some(theirs) => {
                let ratio = ours / theirs;
                println!("{connections:>12} {ours:>14.0} {theirs:>14.0} {ratio:>8.2}");
                if ratio < 1.0 {
                    short.push(connections);
                }
            }
            None => println!(
                "{connections:>12} {ours:>14.0} {:>14} {:>8}",
                "(no wrk)", "-"
            ),
        }
    }
    if short.is_empty() {
        println!("target (at least wrk's rate): MET where wrk ran");
    } else {
        println!("target (at least wrk's rate): MISSED at {short:?} connections");
    }
}
