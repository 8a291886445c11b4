//! Lesson `dynamodb-manager`'s performance part in the window: the function step's choice of
//! code, the REST API provisioned from "Run to here", the lesson's load step at 128 MB filling
//! the Load tab's charts second by second, the memory raised by its step, a try-it request
//! loaded into the Load tab and run again for a few seconds, drawn over the first run, and the
//! report exported as a self-contained HTML page — then everything torn down.

use anyhow::{Context, Result};

use crate::desktop::{Desktop, click, run_step, tear_down_everything, wait_for, wait_for_text};

/// Fills the input `css` with `text`.
async fn fill(client: &fantoccini::Client, css: &str, text: &str) -> Result<()> {
    let input = wait_for(client, css, 10).await?;
    input
        .clear()
        .await
        .with_context(|| format!("clearing {css}"))?;
    input
        .send_keys(text)
        .await
        .with_context(|| format!("typing into {css}"))
}

/// Runs the Load tab's request for a few seconds under `label`; answers how many seconds the
/// latency chart drew.
async fn short_run(client: &fantoccini::Client, label: &str) -> Result<usize> {
    fill(client, "#load-duration", "3").await?;
    fill(client, "#load-label", label).await?;
    click(client, "#load-start").await?;
    wait_for(client, "#load-stop", 10).await?;
    wait_for_text(client, "#load-summary h3", label).await?;
    let points = wait_for(client, "figure[data-chart='latency']", 10)
        .await?
        .attr("data-points")
        .await?
        .unwrap_or_default();
    wait_for(client, "figure[data-chart='latency'] canvas", 10).await?;
    Ok(points.parse().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_test_charts_the_api_before_and_after_more_memory() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='dynamodb-manager']").await?;
    // The function step offers the tutorial's Python code beside the lab's Rust.
    click(client, "#step-list .step[data-id='function']").await?;
    let choice = wait_for_text(client, "#step-choice", "ddb-manager-py").await?;
    assert!(choice.contains("ddb-manager — "), "{choice}");
    click(client, "#step-list .step[data-id='deploy']").await?;
    click(client, "#run-to-here").await?;
    wait_for(
        client,
        "#step-list .step[data-id='deploy'][data-status='done']",
        180,
    )
    .await?;

    // The lesson's load step: its seconds fill the Load tab, which opens by itself.
    run_step(client, "load-128").await?;
    wait_for_text(client, "#load-summary h3", "128 MB").await?;
    let points: usize = wait_for(client, "figure[data-chart='latency']", 10)
        .await?
        .attr("data-points")
        .await?
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    assert!(
        points >= 10,
        "the latency chart has a point a second: {points}"
    );
    let cost = wait_for_text(client, "#load-cost", "estimate").await?;
    assert!(
        cost.contains("us-east-1") && cost.contains("GB-s"),
        "{cost}"
    );

    // More memory; then "Create an item", loaded into the Load tab and run for a few seconds,
    // is drawn over the step's run of the same request.
    run_step(client, "memory").await?;
    click(client, "#step-list .step[data-id='try-it']").await?;
    click(client, ".load-it").await?;
    let url = wait_for(client, "#load-url", 10)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(
        url.ends_with("/Prod/DynamoDBManager"),
        "the method's URL: {url}"
    );
    let points = short_run(client, "1024 MB").await?;
    assert!(
        points >= 2,
        "the latency chart has a point a second: {points}"
    );
    wait_for_text(client, "figure[data-chart='latency']", "128 MB").await?;
    wait_for_text(client, "#load-summary table", "128 MB").await?;
    desktop.screenshot("load.png").await?;

    click(client, "#load-export-html").await?;
    let saved = wait_for_text(client, "#load-summary", "Saved to").await?;
    let path = saved
        .rsplit("Saved to")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let page = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    assert!(page.contains("<svg") && page.contains("1024 MB") && page.contains("128 MB"));
    assert!(!page.contains("<script"), "the report stands alone");

    tear_down_everything(client).await?;
    desktop.close().await
}
