//! `lab lessons`: the lessons, or one lesson's steps with the AWS CLI commands they run.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use lab_engine::lesson::action::CliContext;
use lab_engine::lesson::{Library, Step, Vars};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show this lesson's steps.
    id: Option<String>,
    /// The lessons directory [default: $SERVERLESS_LAB_LESSONS_DIR, else the source tree's lessons/].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(Library::default_dir);
    let library = Library::load(&dir)?;
    let mut out = std::io::stdout().lock();
    match args.id {
        None => list(&mut out, &library),
        Some(id) => {
            let Some(lesson) = library.get(&id) else {
                let known: Vec<&str> = library.lessons.iter().map(|l| l.id.as_str()).collect();
                anyhow::bail!(
                    "there is no lesson \"{id}\" (there are: {})",
                    known.join(", ")
                );
            };
            show(&mut out, lesson)
        }
    }
    .context("writing to standard output")
}

fn list(out: &mut impl Write, library: &Library) -> std::io::Result<()> {
    for lesson in &library.lessons {
        writeln!(out, "{}  {}", lesson.id, lesson.title)?;
        writeln!(out, "    {} steps. {}", lesson.steps.len(), lesson.summary)?;
    }
    Ok(())
}

/// Every step with what it does; commands as typed against AWS, variables left to the shell.
fn show(out: &mut impl Write, lesson: &lab_engine::lesson::Lesson) -> std::io::Result<()> {
    writeln!(out, "{}\n\n{}\n", lesson.title, lesson.summary)?;
    let vars = Vars::default();
    let context = CliContext {
        lesson: &lesson.id,
        target: "aws",
        region: "${REGION}",
        endpoint_url: None,
        vars: &vars,
        zip_dir: "target/lambda",
    };
    for (number, step) in lesson.steps.iter().enumerate() {
        writeln!(out, "{}. {}  [{}]", number + 1, step.title, step.id)?;
        if let Some(action) = &step.action {
            for command in action.cli(&context) {
                writeln!(out, "{}", indent(&command.to_string()))?;
            }
        }
        describe(out, step)?;
        writeln!(out)?;
    }
    Ok(())
}

fn describe(out: &mut impl Write, step: &Step) -> std::io::Result<()> {
    for (name, field) in &step.outputs {
        writeln!(out, "    → {name} = {field}")?;
    }
    for (name, template) in &step.vars {
        writeln!(out, "    → {name} = {template}")?;
    }
    for check in &step.checks {
        let text = lab_engine::check::describe(check, &Vars::default());
        writeln!(out, "    ✓ check: {text}")?;
    }
    for request in &step.try_it {
        writeln!(out, "    try: {} — {}", request.title, request.summary())?;
    }
    if let Some(group) = &step.logs {
        writeln!(out, "    logs: {group}")?;
    }
    for question in &step.questions {
        writeln!(out, "    {}: {}", question.id, question.prompt)?;
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
