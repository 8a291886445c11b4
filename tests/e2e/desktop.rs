//! Launching the app under tauri-driver and connecting a WebDriver client to it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The app running in a real window, with a WebDriver session on it. Dropping it stops the driver
/// (and with it the app).
pub struct Desktop {
    pub client: Client,
    pub data_dir: tempfile::TempDir,
    driver: DriverProcess,
}

impl Desktop {
    /// Starts tauri-driver on free ports and opens a session on the app binary built with this
    /// test, with its data in a fresh temporary directory.
    pub async fn launch() -> Result<Self> {
        Self::launch_with_env(&[]).await
    }

    /// Like [`Desktop::launch`], with extra environment variables for the app (e.g. AWS
    /// settings).
    pub async fn launch_with_env(env: &[(&str, &str)]) -> Result<Self> {
        require_display()?;
        let tauri_driver = find_tauri_driver()?;
        // WebKitWebDriver occasionally drops the very first session request on a loaded machine;
        // a fresh driver on fresh ports gets past it.
        let mut last_error = None;
        for attempt in 1..=LAUNCH_ATTEMPTS {
            match Self::launch_once(&tauri_driver, env, attempt).await {
                Ok(desktop) => return Ok(desktop),
                Err(error) => {
                    eprintln!("launch attempt {attempt} failed: {error:#}");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the app was never launched")))
    }

    async fn launch_once(tauri_driver: &Path, env: &[(&str, &str)], attempt: u32) -> Result<Self> {
        let data_dir = tempfile::tempdir().context("creating the app's data directory")?;
        let [port, native_port] = free_ports()?;
        let log_path =
            artifact_dir()?.join(format!("tauri-driver-{}-{attempt}.log", std::process::id()));
        let log = std::fs::File::create(&log_path).context("creating the tauri-driver log")?;
        let driver = DriverProcess(
            Command::new(tauri_driver)
                .args(["--port", &port.to_string()])
                .args(["--native-port", &native_port.to_string()])
                .env("SERVERLESS_LAB_DATA_DIR", data_dir.path())
                // The webview's own storage (the remembered layout) starts empty too.
                .env("XDG_DATA_HOME", data_dir.path().join("webview"))
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log.try_clone().context("sharing the tauri-driver log")?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {}", tauri_driver.display()))?,
        );
        wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(20),
        )?;
        let client = connect(port)
            .await
            .with_context(|| format!("opening a WebDriver session (see {})", log_path.display()))?;
        Ok(Self {
            client,
            data_dir,
            driver,
        })
    }

    /// Waits for the page to paint, then saves a PNG screenshot of the window as `name`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
                vec![],
            )
            .await
            .context("waiting for a paint")?;
        let png = self
            .client
            .screenshot()
            .await
            .context("taking a screenshot")?;
        let path = artifact_dir()?.join(name);
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Ends the WebDriver session, which closes the app, then stops the driver.
    pub async fn close(self) -> Result<()> {
        self.client
            .close()
            .await
            .context("closing the WebDriver session")?;
        drop(self.driver);
        Ok(())
    }
}

async fn connect(port: u16) -> Result<Client> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "tauri:options".to_owned(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_serverless-lab") }),
    );
    Ok(ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?)
}

/// The tauri-driver process; stopped with SIGTERM when dropped, so it also stops WebKitWebDriver
/// (SIGKILL would leave that running).
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let driver = &mut self.0;
        if let Ok(Some(_)) = driver.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &driver.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = driver.kill();
        let _ = driver.wait();
    }
}

/// Where screenshots and logs of the run go: `<target>/tmp/e2e`.
pub fn artifact_dir() -> Result<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn require_display() -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!("no display: run the desktop tests under Xvfb (`make test` does: xvfb-run -a …)");
    }
    Ok(())
}

fn find_tauri_driver() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return Ok(PathBuf::from(path));
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin"));
    }
    candidates
        .into_iter()
        .map(|dir| dir.join("tauri-driver"))
        .find(|path| path.is_file())
        .context(
            "tauri-driver not found: install it with `make deps` \
             (cargo install tauri-driver --version '^2' --locked)",
        )
}

/// How many times a launch is tried before the test fails.
const LAUNCH_ATTEMPTS: u32 = 2;

/// Two distinct free ports: both listeners stay open until both are chosen.
fn free_ports() -> Result<[u16; 2]> {
    let first = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    let second = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    let port = |listener: &TcpListener| -> Result<u16> {
        Ok(listener
            .local_addr()
            .context("reading the free port")?
            .port())
    };
    Ok([port(&first)?, port(&second)?])
}

fn wait_for_port(addr: SocketAddr, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("tauri-driver did not listen on {addr} within {timeout:?}")
}

/// Waits up to `seconds` for an element matching `css`.
pub async fn wait_for(client: &Client, css: &str, seconds: u64) -> Result<Element> {
    client
        .wait()
        .at_most(Duration::from_secs(seconds))
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("waiting for {css}"))
}

/// Clicks the element matching `css` once it is there.
pub async fn click(client: &Client, css: &str) -> Result<()> {
    wait_for(client, css, 20)
        .await?
        .click()
        .await
        .with_context(|| format!("clicking {css}"))
}

/// A request's timeline as the window shows it, once it has a call row: one `phase: label` line
/// per row.
pub async fn waterfall_rows(client: &Client) -> Result<String> {
    wait_for(client, "#waterfall .row[data-phase='call']", 20).await?;
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#waterfall .row')]\
             .map((row) => `${row.dataset.phase}: ${row.querySelector('.label').textContent}`)\
             .join('\\n');",
            vec![],
        )
        .await?;
    Ok(rows.as_str().unwrap_or_default().to_owned())
}

/// Waits until the element `css` shows text containing `expected`.
pub async fn wait_for_text(client: &Client, css: &str, expected: &str) -> Result<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(expected)
        {
            return Ok(text);
        }
        if std::time::Instant::now() > deadline {
            let shown = match client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => "<not on the page>".to_owned(),
            };
            bail!("{css} never showed {expected:?}; it shows {shown:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element `css` holds text containing `expected`, clipped or not (its
/// `textContent`, where [`wait_for_text`] sees only what is rendered visible).
pub async fn wait_for_content(client: &Client, css: &str, expected: &str) -> Result<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let content = match client.find(Locator::Css(css)).await {
            Ok(element) => element.prop("textContent").await.ok().flatten(),
            Err(_) => None,
        };
        if let Some(content) = &content
            && content.contains(expected)
        {
            return Ok(content.clone());
        }
        if std::time::Instant::now() > deadline {
            bail!("{css} never held {expected:?}; it holds {content:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the selected lesson's step `step` from its button and waits until it is done.
pub async fn run_step(client: &Client, step: &str) -> Result<()> {
    click(client, &format!("#step-list .step[data-id='{step}']")).await?;
    wait_for(
        client,
        &format!("article.step-view[data-step='{step}']"),
        10,
    )
    .await?;
    click(client, "#run-step").await?;
    wait_for(
        client,
        &format!("#step-list .step[data-id='{step}'][data-status='done']"),
        60,
    )
    .await
    .with_context(|| format!("step {step} finishes"))?;
    Ok(())
}

/// Tears everything down from the resources panel and waits for the verification.
pub async fn tear_down_everything(client: &Client) -> Result<()> {
    click(client, "#tab-resources").await?;
    // The button is enabled once the plan has loaded.
    wait_for(client, "#resource-list .resource", 20).await?;
    wait_for(client, "#teardown:not([disabled])", 20).await?;
    click(client, "#teardown").await?;
    click(client, "#teardown-confirm").await?;
    wait_for_text(
        client,
        "#teardown-result",
        "Verified: nothing of the lab is left",
    )
    .await?;
    Ok(())
}
