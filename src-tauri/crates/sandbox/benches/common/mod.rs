//! What the benchmarks share: the servers they measure (this binary re-executed as a child
//! process, so its CPU time can be read apart from the load generator's) and HTTP clients — a
//! general one, and a lean one for DynamoDB calls ([`wire`]).

#![allow(dead_code)]

pub mod wire;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Runs a benchmark, unless this process was started as one of its servers.
pub fn main_with<F: std::future::Future<Output = ()>>(run: impl FnOnce() -> F) {
    if serve_if_asked() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}

/// Handles `serve-sandbox [DATA_DIR [CONCURRENCY]]` and `serve-floor SIZE`; returns false for a normal run.
pub fn serve_if_asked() -> bool {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve-sandbox") => serve_sandbox(
            args.get(2).cloned().filter(|dir| !dir.is_empty()),
            args.get(3).and_then(|n| n.parse().ok()),
        ),
        Some("serve-floor") => serve_floor(args.get(2).map_or(200, |n| n.parse().unwrap_or(200))),
        _ => return false,
    }
    true
}

/// Runs a sandbox keeping its state in `data_dir`, with `concurrency` as the Lambda account limit.
pub fn serve_sandbox(data_dir: Option<String>, concurrency: Option<usize>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let config = lab_sandbox::Config {
            data_dir: data_dir.map(Into::into),
            lambda_concurrency: concurrency.unwrap_or(lab_sandbox::lambda::DEFAULT_CONCURRENCY),
            ..lab_sandbox::Config::default()
        };
        let sandbox = lab_sandbox::start(config)
            .await
            .expect("the sandbox starts");
        println!("{}", sandbox.local_addr().port());
        std::future::pending::<()>().await;
    });
}

pub fn serve_floor(response_size: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let body = Bytes::from(format!(
            "{{\"Item\":\"{}\"}}",
            "x".repeat(response_size.saturating_sub(11))
        ));
        let app = axum::Router::new().fallback(move |request: Bytes| {
            let body = body.clone();
            async move {
                // Touch the request like a server would, then answer a same-size body.
                std::hint::black_box(request.len());
                ([("content-type", "application/x-amz-json-1.0")], body)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        println!("{}", listener.local_addr().expect("an address").port());
        axum::serve(listener, app).await.expect("the floor serves");
    });
}

/// A server child process and its port; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn spawn(args: &[&str]) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this binary"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the server prints its port");
        let port = line.trim().parse().expect("a port number");
        Self { child, port }
    }

    /// Starts `program` with `args`, where `{port}` stands for a free loopback port, and waits
    /// until it accepts connections there (at most `patience`).
    pub fn spawn_external(program: &std::path::Path, args: &[String], patience: Duration) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.replace("{port}", &port.to_string()))
            .collect();
        let child = Command::new(program)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{} starts: {error}", program.display()));
        let server = Self { child, port };
        let deadline = std::time::Instant::now() + patience;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "{} did not listen on port {port} within {patience:?}",
                program.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The memory the process holds (resident set size), from /proc/<pid>/status.
    pub fn resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kib| kib * 1024)
    }

    /// User plus system CPU time the process has used, from /proc/<pid>/stat.
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may contain spaces) start after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
        let total = ticks(11) + ticks(12);
        Duration::from_micros(total * 1_000_000 / clock_ticks_per_second())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// HTTP/1.1 clients with keep-alive pools, aimed at one server.
#[derive(Clone)]
pub struct Target {
    client: Client<HttpConnector, Full<Bytes>>,
    url: String,
    lean: wire::Pool,
}

impl Target {
    pub fn new(port: u16) -> Self {
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(64)
            .build_http();
        Self {
            client,
            url: format!("http://127.0.0.1:{port}/"),
            lean: wire::Pool::new(port),
        }
    }

    /// POSTs `body` to `path` with `headers`; the status and the body of the answer.
    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, Bytes) {
        self.send(hyper::Method::POST, path, headers, body).await
    }

    async fn send(
        &self,
        method: hyper::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, Bytes) {
        let url = format!("{}{}", self.url.trim_end_matches('/'), path);
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        let response = self
            .client
            .request(request)
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, body)
    }

    /// GETs `path`; the status and the body of the answer.
    pub async fn get(&self, path: &str) -> (u16, Bytes) {
        self.send(hyper::Method::GET, path, &[], Vec::new()).await
    }

    /// A DynamoDB operation, through the lean client.
    pub async fn call(&self, operation: &str, body: &str) -> (u16, Bytes) {
        let target = format!("DynamoDB_20120810.{operation}");
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
            ("x-amz-date", "20260101T000000Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ];
        self.lean.post(&headers, body.as_bytes()).await
    }
}

/// The release build of `binary` (from lab-test-function), zipped as a `provided.al2023`
/// package (base64).
pub fn function_zip(binary: &str) -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target")
        });
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release", "-p", "lab-test-function"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building lab-test-function failed");
    let code = std::fs::read(target.join("release").join(binary)).expect("the function is built");
    let zip = lab_sandbox::lambda::package::zip_files(&[("bootstrap", &code, 0o755)]);
    base64::engine::general_purpose::STANDARD.encode(zip)
}

/// The allocator the app and the `lab` CLI run the sandbox with, so that what is measured here
/// is what they serve.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
