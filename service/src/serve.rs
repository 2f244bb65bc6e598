//! Serving a router the way a public service must: a client that sends its request head
//! slowly (slowloris), or opens a connection and sends nothing, is cut off after
//! [`Limits::header_read_timeout`]; one that sends its head promptly and then trickles
//! the body is cut off by the body rule below; one address holds at most
//! [`Limits::max_connections_per_ip`] connections at a time (more are closed at accept);
//! and shutdown is graceful (connections finish the request in flight).
//!
//! `axum::serve` sets no timer, so hyper's header-read timeout never fires there: 600
//! connections each sending one header line every 10 s stayed open indefinitely.
//!
//! The header-read timeout bounds the wait for a connection's first byte, and each
//! request head (HTTP/1: from the first byte of a request, or from the moment a
//! kept-alive connection waits for its next one, until the blank line).
//!
//! **The body rule** (HTTP/1 and each HTTP/2 stream alike) counts only the time the
//! service spends *waiting for the client*: while the handler reads the body and no
//! bytes are there. Time the handler spends elsewhere (checking a lease, an upstream
//! slow to take a streamed upload) is not the client's and is not counted. Then:
//!
//! * no single wait for the next piece of the body may exceed
//!   [`Limits::body_read_timeout`] (a client that stops sending), and
//! * all the waits together may not exceed `body_read_timeout` plus one second per
//!   [`Limits::body_min_rate`] bytes received so far (a client that trickles).
//!
//! So an upload of any length that keeps up at least `body_min_rate` bytes per second on
//! average, never pausing longer than `body_read_timeout`, is never cut (the gateway's
//! streamed proxy bodies included); a slower one is cut after about `body_read_timeout`
//! beyond what its bytes paid for. A cut body is an error to the handler, and the answer
//! is replaced by `408 request_timeout` in the protocol's one error body (with
//! `Connection: close` on HTTP/1: the rest of the body is never read) unless an answer
//! had already left.
//!
//! Neither rule bounds answers: a streamed answer (the status stream, an upstream that
//! thinks for minutes) is the service's to end.

use crate::Problem;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// What one client may hold of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest a request head may take to arrive (and an idle connection may wait for
    /// its next request).
    pub header_read_timeout: Duration,
    /// Longest the service waits for the next piece of a request body, and the base of
    /// the body's whole waiting budget (the module's body rule).
    pub body_read_timeout: Duration,
    /// Bytes per second of body that extend the waiting budget by one second each: the
    /// slowest average rate an upload may keep up indefinitely (0: none; the waits of a
    /// whole body together stay within `body_read_timeout`).
    pub body_min_rate: u64,
    /// Most connections open at once from one IP address (0: no limit, for a service
    /// behind a proxy that sees every client as one address: limit there instead).
    pub max_connections_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            body_min_rate: 1024,
            max_connections_per_ip: 256,
        }
    }
}

/// A request body cut off by the body rule.
#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly")]
struct TooSlow;

/// A request body read under the body rule; `cut` is set when it gives up.
struct Paced {
    inner: Option<Incoming>,
    limits: Limits,
    cut: Arc<AtomicBool>,
    /// Bytes of body received.
    received: u64,
    /// Time spent waiting for the client, in waits that have ended.
    waited: Duration,
    /// When the current wait began.
    waiting_since: Option<Instant>,
    /// The current wait's end (made on the first wait: a body that comes with its head
    /// never needs one).
    timer: Option<Pin<Box<Sleep>>>,
}

impl Paced {
    fn new(inner: Incoming, limits: Limits, cut: Arc<AtomicBool>) -> Self {
        Self {
            inner: Some(inner),
            limits,
            cut,
            received: 0,
            waited: Duration::ZERO,
            waiting_since: None,
            timer: None,
        }
    }

    /// How long a wait beginning now may last: at most `body_read_timeout`, and at most
    /// what is left of the budget.
    fn allowance(&self) -> Duration {
        let earned = match self.limits.body_min_rate {
            0 => Duration::ZERO,
            rate => Duration::from_secs_f64(self.received as f64 / rate as f64),
        };
        self.limits
            .body_read_timeout
            .saturating_add(earned)
            .saturating_sub(self.waited)
            .min(self.limits.body_read_timeout)
    }
}

impl hyper::body::Body for Paced {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(r) = Pin::new(inner).poll_frame(cx) {
            if let Some(since) = this.waiting_since.take() {
                this.waited = this.waited.saturating_add(since.elapsed());
            }
            if let Some(data) = r.as_ref().and_then(|f| f.as_ref().ok()?.data_ref()) {
                this.received = this.received.saturating_add(data.len() as u64);
            }
            return Poll::Ready(r.map(|f| f.map_err(Into::into)));
        }
        if this.waiting_since.is_none() {
            let now = Instant::now();
            let end = now + this.allowance();
            this.waiting_since = Some(now);
            match this.timer.as_mut() {
                Some(t) => t.as_mut().reset(end),
                None => this.timer = Some(Box::pin(tokio::time::sleep_until(end))),
            }
        }
        match this.timer.as_mut().map(|t| t.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => {
                this.inner = None;
                this.cut.store(true, Ordering::Relaxed);
                Poll::Ready(Some(Err(TooSlow.into())))
            }
            _ => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(hyper::body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), hyper::body::Body::size_hint)
    }
}

/// The answer to a request whose body was cut off.
fn too_slow(version: Version) -> Response {
    let mut resp = Problem::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        TooSlow.to_string(),
    )
    .into_response();
    if version < Version::HTTP_2 {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// `app`'s answer to `req`, its body read under the body rule.
async fn answer(
    app: Router,
    limits: Limits,
    req: Request<Incoming>,
) -> Result<Response, Infallible> {
    let version = req.version();
    let cut = Arc::new(AtomicBool::new(false));
    let paced = {
        let cut = cut.clone();
        req.map(|b| Body::new(Paced::new(b, limits, cut)))
    };
    let resp = app.oneshot(paced).await?;
    if cut.load(Ordering::Relaxed) {
        tracing::debug!("request body too slow: answered 408");
        return Ok(too_slow(version));
    }
    Ok(resp)
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
        let service = {
            let app = app.clone();
            TowerToHyperService::new(tower::service_fn(move |req| {
                answer(app.clone(), limits, req)
            }))
        };
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
