//! The load tester beside `wrk` on the same machine: both drive one trivial loopback HTTP
//! server with the same number of connections from one thread, for a few seconds each (the
//! best of three runs of each); the requests a second each reaches are printed side by side.
//! The tester must not be what limits a measurement, so its rate should be at least wrk's —
//! and, where both wait on the server (one connection: a request at a time), the CPU time it
//! spends on a request (user + system, of its process) should be no more than wrk's, since the
//! rates then differ only by how quickly the OS wakes each up: a difference smaller than the
//! spread between either tool's own runs is a tie, and the bench says so.
//!
//! The comparison is kept fair and steady: the server, the tester and wrk each run as a process
//! of their own (this bench started again in a role), and where `taskset` exists the server is
//! pinned to the first CPU and both generators to the second, so neither shares a core with the
//! server or depends on where the scheduler puts it.
//!
//! `cargo bench -p lab-engine --bench load` (`make bench` runs it); without `wrk` on the PATH
//! only the tester's own rates are printed, and the comparison is reported as missing.

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use lab_engine::load::{self, Plan};

const SECONDS: u64 = 5;
/// Runs of each tool at each number of connections; the best counts.
const RUNS: usize = 3;
const CONNECTIONS: [usize; 3] = [1, 8, 32];
/// Which part of the bench a process plays: `server` or `tester` (else the whole comparison).
const ROLE: &str = "LOAD_BENCH_ROLE";

/// Serves every request with a short body on a runtime of one worker thread, printing its URL.
fn serve() {
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
        println!("http://{address}/");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_request| async {
                    Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from_static(
                        b"{\"ok\":true}",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// Runs the tester against `url` with `connections` users on one thread, printing its rate.
fn test(url: &str, connections: usize) {
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
    println!("{}", summary.throughput_rps);
}

/// `program args…`, pinned to `cpu` when `taskset` is there.
fn pinned(cpu: usize, program: &str, args: &[&str]) -> Command {
    let taskset = Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let mut command = if taskset {
        let mut command = Command::new("taskset");
        command.args(["-c", &cpu.to_string(), program]);
        command
    } else {
        Command::new(program)
    };
    command.args(args);
    command
}

fn this_bench() -> String {
    std::env::current_exe()
        .expect("the bench's own path")
        .display()
        .to_string()
}

/// One run of a generator: its rate and the CPU time it spent on a request, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Run {
    rate: f64,
    cpu_us_per_request: f64,
}

/// The CPU time (user + system) of the children waited for so far, in microseconds.
fn children_cpu_us() -> f64 {
    // SAFETY: getrusage fills the struct it is given and touches nothing else.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let micros = |time: libc::timeval| time.tv_sec as f64 * 1e6 + time.tv_usec as f64;
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// Runs `command` to its end; its output and the CPU time it used.
fn measured(mut command: Command) -> Option<(std::process::Output, f64)> {
    let before = children_cpu_us();
    let output = command.output().ok()?;
    Some((output, children_cpu_us() - before))
}

/// The tester's run, from a process of its own.
fn tester_run(url: &str, connections: usize) -> Run {
    let mut command = pinned(1, &this_bench(), &[url, &connections.to_string()]);
    command.env(ROLE, "tester");
    let (output, cpu) = measured(command).expect("the tester runs");
    assert!(output.status.success(), "{output:?}");
    let rate: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("the tester prints its rate");
    Run {
        rate,
        cpu_us_per_request: cpu / (rate * SECONDS as f64),
    }
}

/// wrk's run with `connections` connections on one thread, when wrk is installed.
fn wrk_run(url: &str, connections: usize) -> Option<Run> {
    let (output, cpu) = measured(pinned(
        1,
        "wrk",
        &[
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{SECONDS}s"),
            url,
        ],
    ))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let rate: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())?;
    Some(Run {
        rate,
        cpu_us_per_request: cpu / (rate * SECONDS as f64),
    })
}

/// The best rate of `runs`, the least CPU a request took, and the spread of the rates (the
/// worst below the best, as a fraction of it).
fn best(runs: &[Run]) -> (f64, f64, f64) {
    let rate = runs.iter().map(|run| run.rate).fold(0.0, f64::max);
    let worst = runs.iter().map(|run| run.rate).fold(f64::MAX, f64::min);
    let cpu = runs
        .iter()
        .map(|run| run.cpu_us_per_request)
        .fold(f64::MAX, f64::min);
    (
        rate,
        cpu,
        if rate > 0.0 {
            (rate - worst) / rate
        } else {
            0.0
        },
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match std::env::var(ROLE).as_deref() {
        Ok("server") => return serve(),
        Ok("tester") => {
            let connections = args[1].parse().expect("a number of connections");
            return test(&args[0], connections);
        }
        _ => {}
    }
    let mut server = pinned(0, &this_bench(), &[])
        .env(ROLE, "server")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut url = String::new();
    std::io::BufReader::new(server.stdout.take().expect("its output"))
        .read_line(&mut url)
        .expect("the server prints its URL");
    let url = url.trim().to_owned();
    // Warm the server and the connections up.
    let _ = tester_run(&url, 1);
    println!(
        "load tester beside wrk: best of {RUNS} runs of {SECONDS} s each, one generator thread on one CPU, loopback server on another"
    );
    println!(
        "{:>11} {:>13} {:>13} {:>7} {:>13} {:>13} {:>8}",
        "connections",
        "tester req/s",
        "wrk req/s",
        "ratio",
        "tester µs/req",
        "wrk µs/req",
        "spread"
    );
    let mut short = Vec::new();
    let mut tied = Vec::new();
    for connections in CONNECTIONS {
        let ours: Vec<Run> = (0..RUNS).map(|_| tester_run(&url, connections)).collect();
        let theirs: Vec<Run> = (0..RUNS)
            .filter_map(|_| wrk_run(&url, connections))
            .collect();
        let (rate, cpu, our_spread) = best(&ours);
        if theirs.is_empty() {
            println!(
                "{connections:>11} {rate:>13.0} {:>13} {:>7} {cpu:>13.1} {:>13} {:>11}",
                "(no wrk)", "-", "-", "-"
            );
            continue;
        }
        let (wrk_rate, wrk_cpu, wrk_spread) = best(&theirs);
        // How much either tool's own runs differ: what a difference must exceed to count.
        let spread = our_spread.max(wrk_spread);
        let ratio = rate / wrk_rate;
        println!(
            "{connections:>11} {rate:>13.0} {wrk_rate:>13.0} {ratio:>7.2} {cpu:>13.1} {wrk_cpu:>13.1} {:>7.1}%",
            spread * 100.0
        );
        if ratio < 1.0 {
            // Slower by less than either tool varies between its own runs: a tie.
            if 1.0 - ratio <= spread {
                tied.push(connections);
            } else {
                short.push(connections);
            }
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    if !tied.is_empty() {
        println!(
            "at {tied:?} connections: below wrk's best by less than the tools' own run-to-run spread: a tie"
        );
    }
    if short.is_empty() {
        println!("target (at least wrk's rate, or a tie): MET where wrk ran");
    } else {
        println!("target (at least wrk's rate, or a tie): MISSED at {short:?} connections");
    }
}
