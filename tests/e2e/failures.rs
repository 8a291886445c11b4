//! A failed step says what failed and offers the remedy its kind of failure has: here, a Lambda
//! function whose package is not built.

use anyhow::Result;

use crate::desktop::{Desktop, click, run_step, tear_down_everything, wait_for, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_is_not_packaged_fails_its_step_with_the_command_that_builds_it()
-> Result<()> {
    let empty = tempfile::tempdir()?;
    let packages = empty.path().display().to_string();
    let desktop = Desktop::launch_with_env(&[("SERVERLESS_LAB_LAMBDA_DIR", &packages)]).await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    run_step(client, "table").await?;
    run_step(client, "role").await?;
    click(client, "#step-list .step[data-id='function']").await?;
    wait_for(client, "article.step-view[data-step='function']", 10).await?;
    click(client, "#run-step").await?;
    wait_for(client, "#step-failure[data-code='artifact_missing']", 60).await?;
    wait_for_text(client, "#step-failure", "is not built").await?;
    wait_for_text(client, "#step-remedy", "make lambdas").await?;
    desktop
        .screenshot("step-failure-artifact-missing.png")
        .await?;

    tear_down_everything(client).await?;
    desktop.close().await
}
