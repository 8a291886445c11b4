//! Names under `localhost` are this machine (RFC 6761): browsers resolve
//! `{bucket}.s3-website.localhost` and `{api}.execute-api.localhost` so themselves, but the
//! system resolver often does not. The engine's HTTP clients resolve them the browsers' way, so a
//! check of a sandbox website's URL reaches what the student's browser reaches.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Resolves `*.localhost` to the loopback address and everything else as the system does.
#[derive(Debug, Default)]
struct LocalhostAware;

impl Resolve for LocalhostAware {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let loopback: Addrs =
                    Box::new(std::iter::once(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
                return Ok(loopback);
            }
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}

/// A reqwest client that resolves `*.localhost` to this machine.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(LocalhostAware))
        .build()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subdomains_of_localhost_are_this_machine() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt as _;
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await;
        });
        let answer = http_client()
            .get(format!("http://site.s3-website.localhost:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.text().await.unwrap(), "ok");
    }
}
