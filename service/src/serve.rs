//! Serving a router the way a public service must: a client that sends its request head
//! slowly (slowloris), or opens a connection and sends nothing, is cut off after
//! [`Limits::header_read_timeout`]; one address holds at most
//! [`Limits::max_connections_per_ip`] connections at a time (more are closed at accept);
//! and shutdown is graceful (connections finish the request in flight).
//!
//! `axum::serve` sets no timer, so hyper's header-read timeout never fires there: 600
//! connections each sending one header line every 10 s stayed open indefinitely.
//!
//! The header-read timeout bounds the wait for a connection's first byte, and each
//! request head (HTTP/1: from the first byte of a request, or from the moment a
//! kept-alive connection waits for its next one, until the blank line). It does not bound bodies or answers: a streamed answer (the status
//! stream, an upstream that thinks for minutes) is the service's to end.

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

/// What one client may hold of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest a request head may take to arrive (and an idle connection may wait for
    /// its next request).
    pub header_read_timeout: Duration,
    /// Most connections open at once from one IP address (0: no limit, for a service
    /// behind a proxy that sees every client as one address: limit there instead).
    pub max_connections_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections_per_ip: 256,
        }
    }
}

/// Open connections per address; a [`Slot`] holds one until dropped.
#[derive(Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Counts {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut m = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(ip).or_insert(0);
        if max != 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self
            .counts
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets open
/// connections finish their requests. Accept errors (too many open files, a connection
/// reset before it was accepted) are logged and retried, never fatal.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let counts = Arc::new(Counts::default());
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = counts.take(peer.ip(), limits.max_connections_per_ip) else {
            tracing::debug!(peer = %peer.ip(), "connection refused: too many from this address");
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|r: Request<Incoming>| r.map(Body::new)),
        );
        let mut close = close_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            // The protocol is told from the first bytes, before hyper's own header timer
            // runs: a connection that sends none within the timeout is closed here.
            let mut first = [0u8; 1];
            match tokio::time::timeout(limits.header_read_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            builder
                .http2()
                .timer(TokioTimer::new())
                .keep_alive_interval(limits.header_read_timeout)
                .keep_alive_timeout(limits.header_read_timeout);
            let mut conn =
                pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = close.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    drop(close_rx);
    let _ = close_tx.send(());
    close_tx.closed().await;
}
