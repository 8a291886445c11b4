//! The "This setup" panel: a click calls the `app_info` command and the window shows its answer,
//! including the endpoint of the sandbox the app started — which must really answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::Locator;

use crate::desktop::Desktop;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_details_displays_version_target_and_data_dir() -> Result<()> {
    let desktop = Desktop::launch().await?;
    let client = &desktop.client;

    let button = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#show-app-info"))
        .await
        .context("the app shows its Show details button")?;
    assert!(
        client.find(Locator::Css("#app-info")).await.is_err(),
        "details are shown only after the click"
    );

    button.click().await.context("clicking Show details")?;
    let version = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#app-version"))
        .await
        .context("the details appear after the click")?
        .text()
        .await?;
    assert_eq!(version, env!("CARGO_PKG_VERSION"));

    let data_dir = client
        .find(Locator::Css("#app-data-dir"))
        .await?
        .text()
        .await?;
    assert_eq!(data_dir, desktop.data_dir.path().display().to_string());

    let target = client
        .find(Locator::Css("#app-target"))
        .await?
        .text()
        .await?;
    let endpoint = target
        .strip_prefix("sandbox at ")
        .with_context(|| format!("the target is the sandbox, got {target:?}"))?;
    let health = http_get(endpoint, "/_sandbox/health")?;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"ok\""),
        "the sandbox the window names answers its health check: {health}"
    );

    let shot = desktop.screenshot("setup-panel.png").await?;
    let size = std::fs::metadata(&shot)?.len();
    assert!(
        size > 10_000,
        "a real screenshot, not a blank one ({size} bytes)"
    );
    eprintln!("screenshot: {}", shot.display());

    desktop.close().await
}

/// A plain HTTP/1.1 GET over loopback, returning the whole response as text.
pub fn http_get(endpoint: &str, path: &str) -> Result<String> {
    http_request(endpoint, "GET", path, &[], "")
}

/// A plain HTTP/1.1 request over loopback, returning the whole response as text.
pub fn http_request(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<String> {
    let Some(authority) = endpoint.strip_prefix("http://") else {
        bail!("not an http:// endpoint: {endpoint}");
    };
    if !authority.starts_with("127.0.0.1:") {
        bail!("the sandbox must listen on loopback, got {authority}");
    }
    let mut stream =
        TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}
