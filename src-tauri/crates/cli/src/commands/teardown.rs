//! `lab teardown`: removes everything the lessons created on a target, in dependency order,
//! then checks nothing is left.

use lab_engine::journal::Scope;
use lab_engine::teardown::{self, Outcome};

use super::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let connected = target::connect(&args.target).await?;
        let cloud = &connected.cloud;
        let scope = Scope {
            target: cloud.journal_key.clone(),
            account: cloud.account.clone(),
            region: cloud.region.clone(),
        };
        let plan = teardown::plan(cloud, &connected.journal, &scope).await?;
        if plan.is_empty() {
            println!("Nothing to remove on {}.", scope.target);
            connected.close().await;
            return Ok(());
        }
        println!("Plan ({} resources, in this order):", plan.len());
        for planned in &plan {
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
        println!();
        let report = teardown::teardown(cloud, &connected.journal, &scope, |removal| {
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
        if report.complete() {
            println!(
                "\nVerified: nothing of the lab is left on {}.",
                scope.target
            );
            Ok(())
        } else {
            for leftover in &report.leftovers {
                println!("  still there: {leftover}");
            }
            anyhow::bail!("teardown is incomplete; run `lab teardown` again to finish")
        }
    })
}
