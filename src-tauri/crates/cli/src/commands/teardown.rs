//! `lab teardown`: removes everything the lessons created on a target, in dependency order,
//! then checks nothing is left.

use lab_engine::teardown::{self, Outcome};

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
}

pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let connected = target::connect(&args.target).await?;
        let cloud = &connected.cloud;
        let scope = cloud.scope();
        let plan = teardown::plan(cloud, &connected.journal, &scope).await?;
        if args.json && (args.dry_run || plan.is_empty()) {
            println!("{}", serde_json::json!({"target": scope, "plan": plan}));
            connected.close().await;
            return Ok(());
        }
        if plan.is_empty() {
            println!("Nothing to remove on {}.", scope.target);
            connected.close().await;
            return Ok(());
        }
        if !args.json {
            println!("Plan ({} resources, in this order):", plan.len());
        }
        for planned in plan.iter().filter(|_| !args.json) {
            let resource = &planned.resource;
            let found = if planned.journaled {
                ""
            } else {
                "  (found by its tags)"
            };
            println!(
                "  {:<10} {}{found}",
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
        if !args.json {
            println!();
        }
        let json = args.json;
        let report = teardown::teardown(cloud, &connected.journal, &scope, |removal| {
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
                    "target": scope, "removals": report.removals,
                    "leftovers": report.leftovers, "complete": report.complete()
                })
            );
        }
        if report.complete() && json {
            Ok(())
        } else if report.complete() {
            println!(
                "\nVerified: nothing of the lab is left on {}.",
                scope.target
            );
            Ok(())
        } else {
            for leftover in report.leftovers.iter().filter(|_| !json) {
                println!("  still there: {leftover}");
            }
            anyhow::bail!("teardown is incomplete; run `lab teardown` again to finish")
        }
    })
}
