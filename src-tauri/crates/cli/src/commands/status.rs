//! `lab status`: on a target, which lesson steps are done and what the journal holds.

use lab_engine::journal::State;
use lab_engine::lesson::Library;

use super::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Print one JSON document instead of text (for scripts).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let library = Library::load(&Library::default_dir())?;
        let connected = target::connect(&args.target).await?;
        let scope = connected.cloud.scope();
        if args.json {
            let mut lessons = Vec::new();
            for lesson in &library.lessons {
                let done = connected.journal.steps_done(&scope, &lesson.id)?;
                lessons.push(serde_json::json!({
                    "id": lesson.id, "stepsDone": done, "steps": lesson.steps.len()
                }));
            }
            let resources = connected.journal.live(&scope)?;
            let document = serde_json::json!({
                "target": scope, "lessons": lessons, "resources": resources
            });
            println!("{document}");
            connected.close().await;
            return Ok(());
        }
        println!(
            "{} (account {}, {})\n",
            scope.target, scope.account, scope.region
        );
        for lesson in &library.lessons {
            let done = connected.journal.steps_done(&scope, &lesson.id)?;
            println!(
                "{}: {}/{} steps done",
                lesson.id,
                done.len(),
                lesson.steps.len()
            );
        }
        let live = connected.journal.live(&scope)?;
        if live.is_empty() {
            println!("\nNo lab resources.");
        } else {
            println!("\nResources:");
            for resource in live {
                let state = match resource.state {
                    State::Intent => "intent (outcome unknown)",
                    State::Created => "created",
                    State::Adopted => "adopted (teardown keeps it)",
                    State::Deleted => "deleted",
                };
                println!(
                    "  {:<10} {:<40} {:<28} {} / {}",
                    resource.kind.as_str(),
                    resource.physical_id.as_deref().unwrap_or(&resource.label),
                    state,
                    resource.lesson,
                    resource.step
                );
            }
        }
        connected.close().await;
        Ok(())
    })
}
