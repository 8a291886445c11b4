//! A real browser for the tests: headless Chromium under chromedriver (fantoccini), and a small
//! web server that gives the pages it loads an origin of their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The files a [`PageServer`] serves: by path, a content type and the bytes.
type Files = HashMap<String, (String, Vec<u8>)>;

/// A small web server on its own port: another origin than the sandbox's.
pub struct PageServer {
    port: u16,
    files: Arc<Mutex<Files>>,
    task: tokio::task::JoinHandle<()>,
}

impl PageServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let files = Arc::new(Mutex::new(Files::new()));
        let shared = files.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let mut request = vec![0; 8192];
                    let read = stream.read(&mut request).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&request[..read]).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
                    let file = shared.lock().unwrap().get(&path).cloned();
                    let (status, content_type, body) = match file {
                        Some((content_type, body)) => ("200 OK", content_type, body),
                        None => (
                            "404 Not Found",
                            "text/plain".to_owned(),
                            b"not here".to_vec(),
                        ),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                });
            }
        });
        Self { port, files, task }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serves `body` at `path` from now on.
    pub fn serve(&self, path: &str, content_type: &str, body: Vec<u8>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_owned(), (content_type.to_owned(), body));
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headless Chromium under chromedriver, with a session open.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Self {
        let chromedriver = find("chromedriver", &["/usr/bin/chromedriver"]);
        let chromium = find(
            "chromium",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    "--host-resolver-rules=MAP rebound.test 127.0.0.1",
                ],
            }),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() < deadline => {
                    eprintln!("waiting for chromedriver: {error}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => panic!("no WebDriver session with Chromium: {error}"),
            }
        };
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    /// `window.results` once the page says it is done.
    pub async fn wait_for_results(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let results = self
                .client
                .execute("return window.results || null;", vec![])
                .await
                .unwrap();
            if results["done"] == true {
                return results;
            }
            assert!(
                Instant::now() < deadline,
                "the page never finished: {results}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the promise the page's expression `call` returns settles to.
    pub async fn settle(&self, call: &str) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1]; \
             Promise.resolve({call}).then(done, error => done({{ thrown: String(error) }}));"
        );
        self.client
            .execute_async(&script, vec![])
            .await
            .unwrap_or_else(|error| panic!("{call}: {error}"))
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(None) = self.driver.try_wait() {
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }
}

/// `name` on `PATH` or at one of `known` places; panics saying how to install it.
fn find(name: &str, known: &[&str]) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(known.iter().map(PathBuf::from))
        .find(|candidate| Path::new(candidate).is_file())
        .unwrap_or_else(|| {
            panic!("{name} is not installed: run `make deps-test` (Debian: apt-get install chromium chromium-driver)")
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap()
}
