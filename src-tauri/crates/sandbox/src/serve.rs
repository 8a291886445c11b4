//! The accept loop: each connection on the sandbox's port is plain HTTP or TLS, told apart by its
//! first byte (a TLS handshake record starts with 0x16), and then served by the same router, with
//! upgrades (WebSockets). On shutdown it stops accepting and lets open connections finish.

use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::tls::Tls;

/// How long a new connection may take to send its first byte, or to finish a TLS handshake.
const OPENING: Duration = Duration::from_secs(10);

/// The first byte of a TLS record carrying a handshake (a ClientHello).
const TLS_HANDSHAKE: u8 = 0x16;

/// What each connection's task holds: the signal to finish, and a handle whose drop says it has.
#[derive(Clone)]
struct Lifetime {
    stopping: watch::Receiver<()>,
    _open: watch::Receiver<()>,
}

/// Serves `router` on `listener` until `stop` resolves, then waits for open connections to
/// finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Tls,
    stop: impl std::future::Future<Output = ()>,
) {
    let (stop_all, stopping) = watch::channel(());
    let (all_closed, open) = watch::channel(());
    let lifetime = Lifetime {
        stopping,
        _open: open,
    };
    let mut stop = pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let (router, tls, lifetime) = (router.clone(), tls.clone(), lifetime.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            match opens_with_tls(&stream).await {
                Some(true) => {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(OPENING, tls.acceptor.accept(stream)).await
                    {
                        serve_stream(stream, router, lifetime).await;
                    }
                }
                Some(false) => serve_stream(stream, router, lifetime).await,
                None => {}
            }
        });
    }
    drop(listener);
    drop(stop_all);
    drop(lifetime);
    all_closed.closed().await;
}

/// Serves HTTP/1.1 requests (and upgrades) on one connection, plain or decrypted, until the
/// client leaves or the server stops.
async fn serve_stream<I>(io: I, router: Router, mut lifetime: Lifetime)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut connection = pin!(
        hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(router))
            .with_upgrades()
    );
    let mut finishing = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::trace!(%error, "a connection ended with an error");
                }
                return;
            }
            _ = lifetime.stopping.changed(), if !finishing => {
                finishing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Whether the client opened with a TLS handshake; `None` if it sent nothing in time.
async fn opens_with_tls(stream: &TcpStream) -> Option<bool> {
    let mut first = [0_u8; 1];
    match tokio::time::timeout(OPENING, stream.peek(&mut first)).await {
        Ok(Ok(1)) => Some(first[0] == TLS_HANDSHAKE),
        _ => None,
    }
}
