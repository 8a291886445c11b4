//! Lambda in the sandbox: warm invoke latency of a trivial Rust function (lambda_runtime) through
//! the Invoke API, and cold start (CreateFunction → first response), beside a loopback floor
//! measured in the same run: `cargo bench -p lab-sandbox --bench lambda` (or `make bench`).

mod common;

use std::time::{Duration, Instant};

use common::{Server, Target};

const WARM_INVOKES: usize = 2_000;
const COLD_STARTS: usize = 15;

fn main() {
    common::main_with(run);
}

async fn create(target: &Target, name: &str, zip: &str) {
    let body = serde_json::json!({
        "FunctionName": name,
        "Runtime": "provided.al2023",
        "Role": "arn:aws:iam::000000000000:role/bench",
        "Handler": "bootstrap",
        "Code": {"ZipFile": zip},
    });
    let (status, answer) = target
        .post(
            "/2015-03-31/functions",
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
}

async fn invoke(target: &Target, name: &str) -> Duration {
    let started = Instant::now();
    let (status, answer) = target
        .post(
            &format!("/2015-03-31/functions/{name}/invocations"),
            &[],
            br#"{"ping":1}"#.to_vec(),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    elapsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn run() {
    let zip = common::function_zip("test-function");
    let sandbox = Server::spawn(&["serve-sandbox"]);
    let target = Target::new(sandbox.port);
    // The floor answers a same-size POST with a same-size body.
    let floor = Server::spawn(&["serve-floor", "80"]);
    let floor_target = Target::new(floor.port);
    let mut floor_times = Vec::with_capacity(WARM_INVOKES);
    for _ in 0..WARM_INVOKES {
        let started = Instant::now();
        floor_target.post("/", &[], br#"{"ping":1}"#.to_vec()).await;
        floor_times.push(started.elapsed());
    }
    floor_times.sort_unstable();

    create(&target, "warm", &zip).await;
    invoke(&target, "warm").await;
    let cpu_before = sandbox.cpu_time();
    let mut warm = Vec::with_capacity(WARM_INVOKES);
    for _ in 0..WARM_INVOKES {
        warm.push(invoke(&target, "warm").await);
    }
    let cpu = sandbox.cpu_time().saturating_sub(cpu_before);
    warm.sort_unstable();

    let mut cold = Vec::with_capacity(COLD_STARTS);
    for i in 0..COLD_STARTS {
        let name = format!("cold-{i}");
        let started = Instant::now();
        create(&target, &name, &zip).await;
        invoke(&target, &name).await;
        cold.push(started.elapsed());
    }
    cold.sort_unstable();

    println!();
    println!("Lambda in the sandbox vs. a loopback floor (same machine, same run)");
    println!("function: lab-test-function (lambda_runtime, release build) on provided.al2023");
    println!();
    println!("{:<44} {:>10} {:>10}", "", "p50", "p99");
    println!(
        "{:<44} {:>10} {:>10}",
        "loopback floor (same-size POST)",
        format!("{:.1?}", percentile(&floor_times, 0.5)),
        format!("{:.1?}", percentile(&floor_times, 0.99))
    );
    println!(
        "{:<44} {:>10} {:>10}",
        format!("warm Invoke ({WARM_INVOKES} sequential)"),
        format!("{:.1?}", percentile(&warm, 0.5)),
        format!("{:.1?}", percentile(&warm, 0.99))
    );
    println!(
        "{:<44} {:>10} {:>10}",
        format!("cold start: create + first invoke ({COLD_STARTS}x)"),
        format!("{:.1?}", percentile(&cold, 0.5)),
        format!("{:.1?}", percentile(&cold, 0.99))
    );
    println!(
        "sandbox CPU per warm invoke (server side, function process excluded): {:.1?}",
        cpu / WARM_INVOKES as u32
    );
    println!();
    let warm_p50 = percentile(&warm, 0.5);
    let cold_p50 = percentile(&cold, 0.5);
    for (target, met, figure) in [
        (
            "warm invoke p50 <= 1 ms",
            warm_p50 <= Duration::from_millis(1),
            format!("{warm_p50:.1?}"),
        ),
        (
            "cold start p50 <= 100 ms",
            cold_p50 <= Duration::from_millis(100),
            format!("{cold_p50:.1?}"),
        ),
    ] {
        println!(
            "{} {target}: {figure}",
            if met { "MET   " } else { "MISSED" }
        );
    }
}
