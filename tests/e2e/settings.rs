//! The settings tab: a fresh sandbox wipes what a lesson made, and the dark theme applies.

use anyhow::Result;

use crate::desktop::{Desktop, click, run_step, tear_down_everything, wait_for, wait_for_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resetting_the_sandbox_empties_it_and_the_theme_turns_dark() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    run_step(client, "table").await?;

    click(client, "#tab-settings").await?;
    wait_for_text(client, "#settings-target", "sandbox at http://127.0.0.1:").await?;
    click(client, "#reset-sandbox").await?;
    wait_for_text(client, "#settings-notice", "fresh and empty").await?;
    wait_for(
        client,
        "#step-list .step[data-id='table'][data-status='idle']",
        20,
    )
    .await?;

    click(client, "#tab-data").await?;
    wait_for_text(client, ".data-view", "No tables on this target yet").await?;
    click(client, "#tab-resources").await?;
    wait_for(client, "#resources-empty", 20).await?;

    click(client, "#tab-settings").await?;
    click(client, "input[name='theme'][value='dark']").await?;
    let theme = client
        .execute("return document.documentElement.dataset.theme;", vec![])
        .await?;
    assert_eq!(theme.as_str(), Some("dark"));
    desktop.screenshot("settings-dark.png").await?;
    // The choice outlives the window (the webview keeps it); leave the OS in charge again.
    click(client, "input[name='theme'][value='system']").await?;

    desktop.close().await
}

/// The AWS target through the settings, with a second sandbox posing as AWS (the standard
/// `AWS_ENDPOINT_URL` setting): the lesson's table is made there, shown, and torn down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_an_aws_account_runs_the_lesson_there() -> Result<()> {
    let aws = lab_sandbox::start(lab_sandbox::Config::default()).await?;
    let endpoint = aws.endpoint();
    let desktop = Desktop::launch_with_env(&[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "AKIDPOSINGASAWS"),
        ("AWS_SECRET_ACCESS_KEY", "posing-as-aws"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
    ])
    .await?;
    let client = &desktop.client;

    click(client, "#tab-settings").await?;
    click(client, "input[type='radio'][value='aws']").await?;
    click(client, "#apply-target").await?;
    wait_for_text(client, "#settings-notice", "Connected").await?;
    wait_for_text(client, "#settings-target", "AWS in us-east-1").await?;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    let command = wait_for_text(client, ".cli-command", "serverless-lab:target").await?;
    assert!(
        command.contains("Value=aws") && !command.contains("--endpoint-url"),
        "AWS commands carry no sandbox endpoint: {command}"
    );
    // Nothing runs in a real account before the student says so.
    wait_for(client, "#run-step[disabled]", 10).await?;
    wait_for_text(
        client,
        "#aws-confirmation",
        "account 000000000000 (us-east-1)",
    )
    .await?;
    click(client, "#confirm-aws").await?;
    run_step(client, "table").await?;
    click(client, "#tab-data").await?;
    wait_for_text(client, ".data-view", "ccbda-lambda-first").await?;

    tear_down_everything(client).await?;
    desktop.close().await?;
    aws.shutdown().await;
    Ok(())
}
