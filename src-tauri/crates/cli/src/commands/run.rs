//! `lab run <lesson>`: runs a lesson's steps against a target, printing each step with its
//! AWS CLI equivalent, what it did, the variables it captured and its checks.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lab_engine::lesson::cli::shell_word;
use lab_engine::lesson::{Library, Step, TryKind, Vars};
use lab_engine::run::{Event, Runner};
use lab_functions::Artifacts;

use super::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lesson (see `lab lessons`).
    lesson: String,
    #[command(flatten)]
    target: TargetArgs,
    /// Stop after this step.
    #[arg(long, value_name = "STEP")]
    until: Option<String>,
    /// Print one JSON object per event instead of text (for scripts).
    #[arg(long)]
    json: bool,
    /// A choice the lesson offers, `NAME=VALUE` (repeatable): `FUNCTION_CODE=ddb-manager-py`
    /// deploys the tutorial's Python function. Kept for later runs.
    #[arg(long = "choose", value_name = "NAME=VALUE")]
    choices: Vec<String>,
    /// How long each load test of the lesson lasts, instead of what the lesson says (`5s`).
    #[arg(long, value_name = "DURATION", value_parser = lab_engine::load::parse_duration)]
    load_duration: Option<Duration>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run_async(args))
}

async fn run_async(args: Args) -> anyhow::Result<()> {
    let library = Library::load(&Library::default_dir())?;
    let Some(lesson) = library.get(&args.lesson) else {
        let known: Vec<&str> = library.lessons.iter().map(|l| l.id.as_str()).collect();
        anyhow::bail!(
            "there is no lesson \"{}\" (there are: {})",
            args.lesson,
            known.join(", ")
        );
    };
    let connected = target::connect(&args.target).await?;
    let cloud = &connected.cloud;
    if !args.json {
        println!(
            "{} — on {} (account {}, {})\n",
            lesson.title, cloud.journal_key, cloud.account, cloud.region
        );
    }
    if connected.is_aws()
        && !target::confirm(
            &format!(
                "This creates resources in AWS account {} ({}). Continue?",
                cloud.account, cloud.region
            ),
            args.target.yes,
        )?
    {
        connected.close().await;
        anyhow::bail!("stopped: nothing was created");
    }

    let artifacts = Artifacts::discover();
    let runner = Runner {
        cloud,
        journal: &connected.journal,
        artifacts: &artifacts,
        load_duration: args.load_duration,
    };
    for choice in &args.choices {
        let Some((name, value)) = choice.split_once('=') else {
            connected.close().await;
            anyhow::bail!("--choose {choice:?} is not NAME=VALUE");
        };
        if let Err(error) = runner.choose(lesson, name.trim(), value.trim()) {
            connected.close().await;
            return Err(error.into());
        }
    }
    let runs_dir = connected.journal.dir().to_owned();
    let mut load_seconds = 0.0;
    let json = args.json;
    let mut step_started = Instant::now();
    let spinner = Spinner::start(!json && std::io::stderr().is_terminal());
    let outcome = runner
        .run(lesson, args.until.as_deref(), |event| {
            if json {
                println!("{}", serde_json::to_string(&event).unwrap_or_default());
                return;
            }
            spinner.clear_line();
            match &event {
                Event::StepStarted { title, .. } => {
                    step_started = Instant::now();
                    spinner.working(title);
                }
                Event::StepDone { .. } => {
                    spinner.idle();
                    println!("  ({:.1} s)", step_started.elapsed().as_secs_f64());
                }
                Event::LoadStarted { duration_s, .. } => {
                    spinner.idle();
                    load_seconds = *duration_s;
                }
                Event::LoadProgress { snapshot } => {
                    if std::io::stderr().is_terminal() {
                        super::load::progress(snapshot, load_seconds);
                    }
                    return;
                }
                Event::LoadDone { run, previous } => {
                    let previous =
                        previous.and_then(|id| lab_engine::load::store::get(&runs_dir, id));
                    for line in super::load::report(run, previous.as_ref()).lines() {
                        println!("    {line}");
                    }
                    return;
                }
                _ => {}
            }
            print_event(&event);
        })
        .await;
    spinner.stop();
    let result = match outcome {
        Ok(vars) if json => {
            let variables: serde_json::Map<String, serde_json::Value> = vars
                .iter()
                .map(|(name, value)| (name.to_owned(), value.into()))
                .collect();
            println!(
                "{}",
                serde_json::json!({"event": "finished", "variables": variables})
            );
            Ok(())
        }
        Ok(vars) => {
            let last = match &args.until {
                Some(id) => lesson.steps.iter().position(|step| &step.id == id),
                None => None,
            }
            .unwrap_or(lesson.steps.len().saturating_sub(1));
            for step in lesson.steps.iter().take(last + 1) {
                print_extras(step, &vars, &cloud.region, cloud.endpoint_url.as_deref());
            }
            let has_requests = lesson
                .steps
                .iter()
                .take(last + 1)
                .any(|step| !step.try_it.is_empty());
            if connected.embedded() && has_requests {
                println!(
                    "The sandbox this command started has stopped (its state is kept). To send \
                     these requests, run `lab sandbox` in another terminal and run the lesson \
                     with --endpoint http://127.0.0.1:4566."
                );
            }
            println!("Done. `lab teardown` removes everything this lesson created.");
            Ok(())
        }
        Err(error) => {
            // The same advice the window gives beside a failed step.
            if let Some(hint) = error.hint() {
                eprintln!("What to do: {hint}");
            }
            Err(anyhow::Error::new(error).context(
                "the lesson stopped; fix the cause and run it again (the steps done are not redone)",
            ))
        }
    };
    connected.close().await;
    result
}

/// A spinner with the elapsed time on standard error while a step works, when a person watches
/// (never in `--json` output or when standard error is not a terminal).
struct Spinner {
    working: Arc<Mutex<Option<(Instant, String)>>>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

    fn start(enabled: bool) -> Self {
        let working: Arc<Mutex<Option<(Instant, String)>>> = Arc::default();
        let ticker = enabled.then(|| {
            let working = Arc::clone(&working);
            tokio::spawn(async move {
                for frame in Self::FRAMES.iter().cycle() {
                    tokio::time::sleep(Duration::from_millis(120)).await;
                    let state = working
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    if let Some((since, title)) = state {
                        let elapsed = since.elapsed().as_secs_f64();
                        eprint!("\r\x1b[K  {frame} {title}… {elapsed:.1} s");
                        let _ = std::io::stderr().flush();
                    }
                }
            })
        });
        Self { working, ticker }
    }

    fn working(&self, title: &str) {
        *self.working.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), title.to_owned()));
    }

    fn idle(&self) {
        *self.working.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Clears the spinner's line before something else is printed.
    fn clear_line(&self) {
        if self.ticker.is_some() {
            eprint!("\r\x1b[K");
        }
    }

    fn stop(self) {
        self.idle();
        if let Some(ticker) = self.ticker {
            ticker.abort();
            eprint!("\r\x1b[K");
        }
    }
}

fn print_event(event: &Event) {
    match event {
        Event::StepStarted {
            number,
            total,
            id,
            title,
        } => println!("[{number}/{total}] {title}  ({id})"),
        Event::Commands { commands } => print_commands(commands),
        Event::ActionDone {
            summary,
            performed,
            adopted,
        } => {
            match adopted {
                Some(what) => {
                    println!("  adopted: {what} (existed before; teardown keeps it)");
                    println!("  uses: {summary}");
                }
                None => println!("  done: {summary}"),
            }
            if !performed.is_empty() {
                println!("  which took, by hand:");
                print_commands(performed);
            }
        }
        Event::Captured { name, value } => println!("  {name}={value}"),
        Event::Checked { verdict } => {
            let mark = if verdict.passed { "✓" } else { "✗" };
            match &verdict.detail {
                Some(detail) => println!("  {mark} check: {} — {detail}", verdict.description),
                None => println!("  {mark} check: {}", verdict.description),
            }
        }
        Event::StepDone { .. } => println!(),
        Event::LoadStarted {
            label,
            method,
            url,
            vus,
            duration_s,
            profile,
            ..
        } => {
            println!(
                "  load test \"{label}\": {vus} virtual users, {duration_s:.0} s, {profile}; by hand:"
            );
            println!(
                "    lab load {} -X {method} --vus {vus} --duration {duration_s:.0}s --profile {profile} --label {}",
                shell_word(url),
                shell_word(label)
            );
        }
        // Printed as they come, in the run's loop.
        Event::LoadProgress { .. } | Event::LoadDone { .. } => {}
        Event::StepSkipped {
            number,
            total,
            id,
            title,
        } => println!("[{number}/{total}] {title}  ({id}): done before\n"),
    }
}

fn print_commands(commands: &[String]) {
    for command in commands {
        for line in command.lines() {
            println!("    {line}");
        }
    }
}

/// After the run: what the student can do by hand — try-it requests as curl commands, the
/// logs command, the questions.
fn print_extras(step: &Step, vars: &Vars, region: &str, endpoint_url: Option<&str>) {
    let fill = |text: &Option<String>| vars.fill_known(text.as_deref().unwrap_or_default());
    for request in &step.try_it {
        println!("Try it — {}:", request.title);
        let body = request.body.as_deref().map(|body| vars.fill_known(body));
        let command = match request.kind {
            TryKind::Http => {
                let mut command = format!(
                    "    curl -sS -X {} {}",
                    fill(&request.method),
                    shell_word(&fill(&request.url))
                );
                if let Some(body) = &body {
                    command.push_str(&format!(
                        " -H 'content-type: application/json' -d {}",
                        shell_word(body)
                    ));
                }
                command
            }
            TryKind::Websocket => {
                let mut command = format!("    wscat -c {}", shell_word(&fill(&request.url)));
                if let Some(body) = &body {
                    command.push_str(&format!("\n    > {body}"));
                }
                command
            }
            TryKind::Invoke => {
                let endpoint = endpoint_url
                    .map(|url| format!(" --endpoint-url {url}"))
                    .unwrap_or_default();
                format!(
                    "    aws lambda invoke --function-name {} --cli-binary-format raw-in-base64-out \\\n      --payload {} --region {region}{endpoint} /dev/stdout",
                    shell_word(&fill(&request.function)),
                    shell_word(body.as_deref().unwrap_or("{}"))
                )
            }
        };
        println!("{command}\n");
    }
    if let Some(group) = &step.logs {
        let endpoint = endpoint_url
            .map(|url| format!(" --endpoint-url {url}"))
            .unwrap_or_default();
        println!(
            "The function's logs:\n    aws logs tail {} --region {region}{endpoint}\n",
            vars.fill_known(group)
        );
    }
    for question in &step.questions {
        println!("{}: {}", question.id, question.prompt);
    }
    if !step.questions.is_empty() {
        println!();
    }
}
