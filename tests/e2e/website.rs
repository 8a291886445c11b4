//! Lesson 1's web page in the window: running the lesson to its upload step puts the page on an
//! S3 website; the step shows the page's URL and opens it in the student's browser (here a
//! `$BROWSER` that records what it was asked to open); the sandbox serves that URL; the Source
//! tab shows the page's source beside the function's. Then everything is torn down.

use anyhow::{Context, Result};

use crate::desktop::{Desktop, click, tear_down_everything, wait_for, wait_for_content};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lesson_opens_its_s3_hosted_page_in_the_browser() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let opened = scratch.path().join("opened.txt");
    let browser = scratch.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )?;
    let mut permissions = std::fs::metadata(&browser)?.permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&browser, permissions)?;
    let browser = browser.display().to_string();
    let desktop = Desktop::launch_with_env(&[("BROWSER", browser.as_str())]).await?;
    let client = &desktop.client;

    click(client, "#lesson-list .lesson[data-id='crud-http-api']").await?;
    click(client, "#step-list .step[data-id='site-upload']").await?;
    click(client, "#run-to-here").await?;
    wait_for(
        client,
        "#step-list .step[data-id='site-upload'][data-status='done']",
        180,
    )
    .await?;
    let url = wait_for_content(client, ".page-url", "s3-website.localhost")
        .await?
        .trim()
        .to_owned();
    assert!(
        url.starts_with("http://serverless-lab-000000000000-things-page.s3-website.localhost:"),
        "{url}"
    );
    desktop.screenshot("website-step").await?;

    click(client, ".open-page").await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let asked = loop {
        if let Ok(text) = std::fs::read_to_string(&opened)
            && !text.trim().is_empty()
        {
            break text.trim().to_owned();
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the browser was never asked to open the page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(asked, url);

    // The sandbox serves that URL: its host names the bucket's website.
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let port = authority
        .rsplit_once(':')
        .map(|(_, port)| port.to_owned())
        .context("the URL has a port")?;
    let page = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/"))
        .header("host", authority)
        .send()
        .await?;
    assert_eq!(page.status(), 200);
    assert!(page.text().await?.contains("<h1>Things</h1>"));

    // The page's source, as written, in the Source tab.
    click(client, "#tab-source").await?;
    click(client, ".site-chip").await?;
    let source = wait_for_content(client, "#source-code", "Things").await?;
    assert!(source.contains("app.js"), "{source}");
    click(client, "#source-files .file").await?;
    let script = wait_for_content(client, "#source-code", "apiUrl").await?;
    assert!(script.contains("${URL}"), "the source as written: {script}");
    desktop.screenshot("website-source").await?;

    tear_down_everything(client).await?;
    desktop.close().await
}
