//! The target options `run`, `status` and `teardown` share, and connecting to the target they
//! name: an embedded sandbox (the default, its state in the data directory), a running sandbox
//! (`--endpoint`), or an AWS account (`--target aws`).

use std::io::BufRead;

use anyhow::Context;
use lab_engine::cloud::Cloud;
use lab_engine::journal::Journal;
use lab_engine::{DataDir, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetKind {
    Sandbox,
    Aws,
}

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// Where the lesson's resources live.
    #[arg(long, value_enum, default_value = "sandbox")]
    target: TargetKind,
    /// A sandbox (or other AWS-compatible endpoint) already running, instead of starting one.
    #[arg(long, value_name = "URL", conflicts_with = "profile")]
    endpoint: Option<String>,
    /// The AWS profile (from ~/.aws) for --target aws.
    #[arg(long)]
    profile: Option<String>,
    /// The AWS region for --target aws [default: the profile's, else us-east-1].
    #[arg(long)]
    region: Option<String>,
    /// Do not ask before changing an AWS account.
    #[arg(long)]
    pub yes: bool,
}

/// A connected target, the journal, and the embedded sandbox when there is one.
pub struct Connected {
    pub cloud: Cloud,
    pub journal: Journal,
    sandbox: Option<lab_sandbox::supervisor::Supervised>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("target", &self.cloud.journal_key)
            .finish_non_exhaustive()
    }
}

impl Connected {
    /// Stops the embedded sandbox, if any (its state stays in the data directory).
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.stop().await;
        }
    }

    /// Whether the sandbox was started by this command (and stops with it).
    pub fn embedded(&self) -> bool {
        self.sandbox.is_some()
    }

    pub fn is_aws(&self) -> bool {
        self.cloud.kind == "aws"
    }
}

impl TargetArgs {
    /// A running sandbox at `endpoint`.
    pub fn sandbox_at(endpoint: &str) -> Self {
        Self {
            target: TargetKind::Sandbox,
            endpoint: Some(endpoint.to_owned()),
            profile: None,
            region: None,
            yes: true,
        }
    }

    /// AWS, through the standard credential chain.
    pub fn aws() -> Self {
        Self {
            target: TargetKind::Aws,
            endpoint: None,
            profile: None,
            region: None,
            yes: true,
        }
    }
}

pub async fn connect(args: &TargetArgs) -> anyhow::Result<Connected> {
    let data_dir = DataDir::resolve()?;
    let journal = Journal::open(data_dir.path())?;
    let (target, key, sandbox) = match (args.target, &args.endpoint) {
        (TargetKind::Aws, Some(_)) => {
            anyhow::bail!("--endpoint names a sandbox; drop it for --target aws")
        }
        (TargetKind::Aws, None) => (
            Target::Aws {
                region: args.region.clone(),
                profile: args.profile.clone(),
            },
            "aws".to_owned(),
            None,
        ),
        (TargetKind::Sandbox, Some(endpoint)) => {
            let endpoint = endpoint.trim_end_matches('/').to_owned();
            let key = format!("sandbox {endpoint}");
            (Target::Sandbox { endpoint }, key, None)
        }
        (TargetKind::Sandbox, None) => {
            // `lab sandbox` in a process of its own, restarted if it dies: whatever a lesson
            // sends cannot take this command down with it.
            let command = lab_sandbox::supervisor::ChildCommand::this_executable(
                &["sandbox"],
                data_dir.path().join("sandbox"),
            )?;
            let running = lab_sandbox::supervisor::Supervisor::start(command)
                .await
                .context("starting the sandbox")?;
            let endpoint = running.endpoint().to_owned();
            (
                Target::Sandbox { endpoint },
                "sandbox".to_owned(),
                Some(running),
            )
        }
    };
    let cloud = Cloud::connect(&target, key).await?;
    Ok(Connected {
        cloud,
        journal,
        sandbox,
    })
}

/// Asks on the terminal before changing a real account, unless `--yes`.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
