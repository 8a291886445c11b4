//! Lesson 1 in the sandbox: how long `lab run crud-http-api` takes to provision everything and
//! `lab teardown` to remove it (targets: ≤ 3 s and ≤ 1 s), beside a baseline measured in the
//! same run — as many sequential STS GetCallerIdentity round trips as the phase made SDK calls,
//! i.e. the cost of the calls alone. `cargo bench -p lab-cli --bench lesson` (or `make bench`);
//! needs the packaged functions (`make lambdas`).

use std::time::{Duration, Instant};

use lab_engine::Target;
use lab_engine::cloud::Cloud;
use lab_engine::journal::{Journal, Scope};
use lab_engine::lesson::Library;
use lab_engine::run::Runner;
use lab_engine::teardown;
use lab_engine::traffic::Recorder;
use lab_functions::Artifacts;

const RUNS: usize = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sandbox_dir = tempfile::tempdir()?;
    let data_dir = tempfile::tempdir()?;
    let sandbox = lab_sandbox::start(lab_sandbox::Config {
        data_dir: Some(sandbox_dir.path().to_path_buf()),
        ..lab_sandbox::Config::default()
    })
    .await?;
    let target = Target::Sandbox {
        endpoint: sandbox.endpoint(),
    };
    let recorder = Recorder::default();
    let mut exchanges = recorder.subscribe();
    let cloud = Cloud::connect_recorded(&target, "bench".into(), Some(&recorder)).await?;
    let journal = Journal::open(data_dir.path())?;
    let artifacts = Artifacts::discover();
    let library = Library::load(&Library::default_dir())?;
    let lesson = library
        .get("crud-http-api")
        .ok_or_else(|| anyhow::anyhow!("lesson crud-http-api is missing"))?;
    let runner = Runner {
        cloud: &cloud,
        journal: &journal,
        artifacts: &artifacts,
        load_duration: None,
    };
    let scope: Scope = runner.scope();
    let sts = baseline_client(&sandbox.endpoint());

    let (mut provision, mut removal) = (Vec::new(), Vec::new());
    let (mut provision_calls, mut removal_calls) = (0, 0);
    for _ in 0..RUNS {
        while exchanges.try_recv().is_ok() {}
        let started = Instant::now();
        runner.run(lesson, Some("deploy"), |_| {}).await?;
        provision.push(started.elapsed());
        provision_calls = drained(&mut exchanges);

        let started = Instant::now();
        let plan = teardown::plan(&cloud, &journal, &scope).await?;
        let report = teardown::teardown(&cloud, &journal, &scope, plan, |_| {}).await?;
        removal.push(started.elapsed());
        removal_calls = drained(&mut exchanges);
        anyhow::ensure!(report.complete(), "teardown left {:?}", report.leftovers);
    }
    let provision_floor = baseline(&sts, provision_calls).await?;
    let removal_floor = baseline(&sts, removal_calls).await?;
    sandbox.shutdown().await;

    println!("lesson crud-http-api in the sandbox (state in SQLite), {RUNS} runs each");
    println!(
        "{:<10} {:>10} {:>10} {:>9}   {:>6} {:>22}",
        "phase", "p50", "max", "target", "calls", "baseline (same calls)"
    );
    report(
        "provision",
        &mut provision,
        3000,
        provision_calls,
        provision_floor,
    );
    report("teardown", &mut removal, 1000, removal_calls, removal_floor);
    Ok(())
}

fn drained(
    exchanges: &mut tokio::sync::broadcast::Receiver<lab_engine::traffic::Exchange>,
) -> usize {
    let mut count = 0;
    while exchanges.try_recv().is_ok() {
        count += 1;
    }
    count
}

fn baseline_client(endpoint: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .endpoint_url(endpoint)
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// `calls` sequential GetCallerIdentity round trips.
async fn baseline(sts: &aws_sdk_sts::Client, calls: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for _ in 0..calls {
        sts.get_caller_identity().send().await?;
    }
    Ok(started.elapsed())
}

fn report(phase: &str, times: &mut [Duration], target_ms: u64, calls: usize, floor: Duration) {
    times.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let p50 = times[times.len() / 2];
    let max = times[times.len() - 1];
    let verdict = if p50 <= Duration::from_millis(target_ms) {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "{phase:<10} {:>10} {:>10} {:>6} ms   {calls:>6} {:>22}   target {verdict}",
        ms(p50),
        ms(max),
        format!("≤{target_ms}"),
        ms(floor)
    );
}
