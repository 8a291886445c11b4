//! `lab teardown`: removes everything the lessons created on a target, in dependency order,
//! then checks nothing is left. What a lesson found already there (adopted) is kept, unless
//! named with `--delete-adopted` and confirmed.

use lab_engine::teardown::{self, Kept, Outcome};

use super::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON document instead of text (for scripts).
    #[arg(long)]
    json: bool,
    /// Also delete this resource, which existed before the lesson and is otherwise kept (its
    /// name as the plan lists it; repeatable). Asks first, unless --yes.
    #[arg(long, value_name = "NAME")]
    delete_adopted: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let connected = target::connect(&args.target).await?;
        let cloud = &connected.cloud;
        let scope = cloud.scope();
        let mut plan = teardown::plan(cloud, &connected.journal, &scope).await?;
        let chosen: Vec<Kept> = plan
            .kept
            .iter()
            .filter(|kept| args.delete_adopted.iter().any(|name| name == kept.name()))
            .cloned()
            .collect();
        plan.delete_adopted(&args.delete_adopted)?;
        if args.json && (args.dry_run || plan.removals.is_empty()) {
            println!("{}", serde_json::json!({"target": scope, "plan": plan}));
            connected.close().await;
            return Ok(());
        }
        if !args.json {
            print_kept(&plan.kept);
        }
        if plan.removals.is_empty() {
            println!("Nothing to remove on {}.", scope.target);
            connected.close().await;
            return Ok(());
        }
        if !args.json {
            println!("Plan ({} resources, in this order):", plan.removals.len());
        }
        for planned in plan.removals.iter().filter(|_| !args.json) {
            let resource = &planned.resource;
            let note = if !planned.journaled {
                "  (found by its tags)"
            } else if resource.state == lab_engine::journal::State::Adopted {
                "  (existed before the lesson: deleted as asked)"
            } else {
                ""
            };
            println!(
                "  {:<10} {}{note}",
                resource.kind.as_str(),
                resource.physical_id.as_deref().unwrap_or(&resource.label)
            );
        }
        if args.dry_run {
            connected.close().await;
            return Ok(());
        }
        let question = format!(
            "Delete these from AWS account {} ({})?",
            cloud.account, cloud.region
        );
        if connected.is_aws() && !target::confirm(&question, args.target.yes)? {
            connected.close().await;
            anyhow::bail!("stopped: nothing was removed");
        }
        for kept in &chosen {
            let holds = kept
                .holds
                .as_deref()
                .map(|holds| format!(" with its {holds}"))
                .unwrap_or_default();
            let question = format!(
                "{} {}{holds} existed before the lesson. Delete it for good?",
                kept.resource.kind.as_str(),
                kept.name()
            );
            if !target::confirm(&question, args.target.yes)? {
                connected.close().await;
                anyhow::bail!("stopped: nothing was removed");
            }
        }
        if !args.json {
            println!();
        }
        let json = args.json;
        let report = teardown::teardown(cloud, &connected.journal, &scope, plan, |removal| {
            if json {
                return;
            }
            let resource = &removal.planned.resource;
            let name = resource.physical_id.as_deref().unwrap_or(&resource.label);
            let outcome = match &removal.outcome {
                Outcome::Deleted => "deleted".to_owned(),
                Outcome::AlreadyGone => "already gone".to_owned(),
                Outcome::Failed(reason) => format!("FAILED: {reason}"),
            };
            println!("  {:<10} {name}: {outcome}", resource.kind.as_str());
        })
        .await?;
        connected.close().await;
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "target": scope, "removals": report.removals, "kept": report.kept,
                    "leftovers": report.leftovers, "complete": report.complete()
                })
            );
        }
        if report.complete() && json {
            Ok(())
        } else if report.complete() {
            if report.kept.is_empty() {
                println!(
                    "\nVerified: nothing of the lab is left on {}.",
                    scope.target
                );
            } else {
                let kept: Vec<String> = report
                    .kept
                    .iter()
                    .map(|kept| format!("{} {}", kept.resource.kind.as_str(), kept.name()))
                    .collect();
                println!(
                    "\nVerified: nothing the lab created is left on {}; kept, as they existed \
                     before the lessons: {}.",
                    scope.target,
                    kept.join(", ")
                );
            }
            Ok(())
        } else {
            for leftover in report.leftovers.iter().filter(|_| !json) {
                println!("  still there: {leftover}");
            }
            anyhow::bail!("teardown is incomplete; run `lab teardown` again to finish")
        }
    })
}

/// Lists what teardown keeps and how to delete it anyway.
fn print_kept(kept: &[Kept]) {
    if kept.is_empty() {
        return;
    }
    println!("Kept: existed before the lesson ({}):", kept.len());
    for kept in kept {
        let holds = kept
            .holds
            .as_deref()
            .map(|holds| format!(", {holds}"))
            .unwrap_or_default();
        println!(
            "  {:<10} {}  (adopted by {} / {}{holds})",
            kept.resource.kind.as_str(),
            kept.name(),
            kept.resource.lesson,
            kept.resource.step
        );
    }
    println!("  To delete one as well: lab teardown --delete-adopted NAME\n");
}
