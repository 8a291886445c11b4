//! The lab report: a Markdown page with, for each lesson the student worked on, where it ran,
//! how far it got, how long it took, what it built there — the lesson's diagram (a Mermaid
//! flowchart) and a table of its resources — and the answers to its questions: what the course
//! asks students to put in their README.md.

use std::fmt::Write as _;

use crate::journal::{Journal, JournalError};
use crate::lesson::Library;

/// The report for every lesson with progress or answers.
pub fn markdown(library: &Library, journal: &Journal) -> Result<String, JournalError> {
    let mut page = String::from("# Serverless Lab report\n");
    let mut any = false;
    for lesson in &library.lessons {
        let progress = journal.progress(&lesson.id)?;
        let answers = journal.answers(&lesson.id)?;
        if progress.is_empty() && answers.is_empty() {
            continue;
        }
        any = true;
        let _ = writeln!(page, "\n## {}\n", lesson.title);
        for run in &progress {
            let _ = writeln!(
                page,
                "- {} (account {}, {}): {}/{} steps, {} → {} ({} min)",
                run.scope.target,
                run.scope.account,
                run.scope.region,
                run.steps_done,
                lesson.steps.len(),
                run.first,
                run.last,
                run.minutes
            );
        }
        for run in &progress {
            built(&mut page, journal, lesson, &run.scope)?;
        }
        for question in lesson.steps.iter().flat_map(|step| &step.questions) {
            let answer = answers
                .iter()
                .find(|(id, _)| id == &question.id)
                .map(|(_, answer)| answer.as_str());
            let _ = writeln!(page, "\n### {}\n\n{}\n", question.id, question.prompt);
            match answer {
                Some(answer) => {
                    for line in answer.lines() {
                        let _ = writeln!(page, "> {line}");
                    }
                }
                None => page.push_str("_Not answered yet._\n"),
            }
        }
    }
    if !any {
        page.push_str("\nNo lesson started yet: `lab run <lesson>` starts one.\n");
    }
    Ok(page)
}

/// What `lesson` built on `scope`: its diagram and a table of its resources.
fn built(
    page: &mut String,
    journal: &Journal,
    lesson: &crate::lesson::Lesson,
    scope: &crate::journal::Scope,
) -> Result<(), JournalError> {
    let done = journal.steps_done(scope, &lesson.id)?;
    let resources = journal.history(scope, &lesson.id)?;
    let mut vars = crate::lesson::Vars::default();
    vars.set("ACCOUNT_ID", scope.account.clone());
    vars.set("REGION", scope.region.clone());
    for (name, value) in journal.variables(scope, &lesson.id)? {
        vars.set(name, value);
    }
    let progress = crate::diagram::Progress {
        done: &done,
        failed: None,
        resources: &resources,
    };
    let diagram = crate::diagram::build(lesson, &vars, &progress);
    let _ = writeln!(
        page,
        "\n### What it built on {} ({})\n\n```mermaid\n{}```",
        scope.target,
        scope.region,
        crate::diagram::mermaid::flowchart(&diagram)
    );
    if !resources.is_empty() {
        page.push_str(
            "\n| resource | name | id | state | when |\n| --- | --- | --- | --- | --- |\n",
        );
        for row in &resources {
            let _ = writeln!(
                page,
                "| {} | {} | {} | {} | {} |",
                row.kind.as_str(),
                row.label,
                row.physical_id.as_deref().unwrap_or("—"),
                row.state.as_str(),
                row.updated_at
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::journal::Scope;

    #[test]
    fn lists_progress_and_answers_of_started_lessons() {
        let library = Library::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../lessons"
        )))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        assert!(
            markdown(&library, &journal)
                .unwrap()
                .contains("No lesson started yet")
        );

        let scope = Scope {
            target: "sandbox".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
        };
        journal.step_done(&scope, "crud-http-api", "table").unwrap();
        let table = journal
            .intent(
                &scope,
                crate::journal::Kind::Table,
                "ccbda-lambda-first",
                Some("ccbda-lambda-first"),
                "crud-http-api",
                "table",
            )
            .unwrap();
        journal
            .complete(table, crate::journal::State::Created, None)
            .unwrap();
        journal
            .set_answer(
                "crud-http-api",
                "Q812",
                "Each invocation has START and END.\nCold starts show.",
            )
            .unwrap();
        let page = markdown(&library, &journal).unwrap();
        assert!(
            page.starts_with("# Serverless Lab report\n\n## A CRUD API"),
            "{page}"
        );
        assert!(
            page.contains("- sandbox (account 000000000000, us-east-1): 1/16 steps, "),
            "{page}"
        );
        // What it built: the diagram, the table ready and the API still to come, and the
        // table of resources.
        assert!(page.contains("```mermaid\nflowchart LR\n"), "{page}");
        assert!(
            page.contains("[\"DynamoDB table<br/>ccbda-lambda-first\"]:::ready"),
            "{page}"
        );
        assert!(
            page.contains("[\"HTTP API<br/>CrudHttpAPI\"]:::planned"),
            "{page}"
        );
        assert!(
            page.contains("| table | ccbda-lambda-first | ccbda-lambda-first | created | "),
            "{page}"
        );
        assert!(page.contains("### Q811\n\nAssess"), "{page}");
        assert!(page.contains("_Not answered yet._"), "{page}");
        assert!(
            page.contains("> Each invocation has START and END.\n> Cold starts show."),
            "{page}"
        );
    }
}
