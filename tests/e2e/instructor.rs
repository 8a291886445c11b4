//! Instructor mode: auto-play runs the whole lesson with a pause after each step, and the
//! presentation scale enlarges everything.

use anyhow::Result;

use crate::desktop::{Desktop, click, tear_down_everything, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_play_runs_the_lesson_step_after_step() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    // Set through the DOM: clicking an <option> opens GTK's native popup menu.
    let pause = wait_for(client, "select[aria-label='Pause after each step']", 5).await?;
    client
        .execute(
            "const select = arguments[0]; select.value = '1';\
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::to_value(&pause)?],
        )
        .await?;
    click(client, "#auto-play").await?;
    wait_for(client, "#stop-play", 10).await?;
    wait_for(
        client,
        "#step-list .step[data-id='questions'][data-status='done']",
        90,
    )
    .await?;
    let pending = client
        .find_all(fantoccini::Locator::Css(
            "#step-list .step:not([data-status='done'])",
        ))
        .await?;
    assert!(pending.is_empty(), "every step ran");
    wait_for(client, "#auto-play", 10).await?;

    let before = font_size(client).await?;
    let slider = wait_for(client, "input[aria-label='Presentation scale']", 5).await?;
    client
        .execute(
            "const slider = arguments[0]; slider.value = '1.5';\
             slider.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&slider)?],
        )
        .await?;
    let after = font_size(client).await?;
    assert!(
        after > before * 1.4,
        "the scale grows the text: {before} → {after}"
    );
    desktop.screenshot("presentation.png").await?;

    tear_down_everything(client).await?;
    desktop.close().await
}

async fn font_size(client: &fantoccini::Client) -> Result<f64> {
    let size = client
        .execute(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize);",
            vec![],
        )
        .await?;
    Ok(size.as_f64().unwrap_or_default())
}
