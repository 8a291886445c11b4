//! `lab report`: the Markdown report of the lessons done and the answers given, for the
//! student's README.md; `lab answer` saves an answer.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use lab_engine::DataDir;
use lab_engine::journal::Journal;
use lab_engine::lesson::Library;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AnswerArgs {
    /// The lesson (see `lab lessons`).
    lesson: String,
    /// The question's id, e.g. Q811.
    question: String,
    /// The answer; read from standard input when absent.
    text: Vec<String>,
}

pub fn report(args: ReportArgs) -> anyhow::Result<()> {
    let library = Library::load(&Library::default_dir())?;
    let journal = Journal::open(DataDir::resolve()?.path())?;
    let page = lab_engine::report::markdown(&library, &journal)?;
    match args.output {
        Some(path) => std::fs::write(&path, page)
            .with_context(|| format!("writing the report to {}", path.display())),
        None => {
            print!("{page}");
            Ok(())
        }
    }
}

pub fn answer(args: AnswerArgs) -> anyhow::Result<()> {
    let library = Library::load(&Library::default_dir())?;
    let Some(lesson) = library.get(&args.lesson) else {
        anyhow::bail!("there is no lesson \"{}\"", args.lesson);
    };
    let questions: Vec<&str> = lesson
        .steps
        .iter()
        .flat_map(|step| &step.questions)
        .map(|question| question.id.as_str())
        .collect();
    if !questions.contains(&args.question.as_str()) {
        anyhow::bail!(
            "lesson {} has no question \"{}\" (it has: {})",
            lesson.id,
            args.question,
            questions.join(", ")
        );
    }
    let text = if args.text.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the answer from standard input")?;
        text
    } else {
        args.text.join(" ")
    };
    let text = text.trim();
    if text.is_empty() {
        anyhow::bail!("the answer is empty");
    }
    let journal = Journal::open(DataDir::resolve()?.path())?;
    journal.set_answer(&lesson.id, &args.question, text)?;
    println!("Saved your answer to {} ({}).", args.question, lesson.id);
    Ok(())
}
