//! The task that keeps a [`StatusView`] current: it pulls the signed status at start and
//! whenever `next_update` passes, listens to the push stream (server-sent events) so an
//! emergency arrives within a second, and retries every failure with a capped
//! exponential backoff.

use super::sse::{SseParser, SseTooLarge};
use super::view::{Applied, StatusView, StatusViewError};
use super::MAX_EVENT_BYTES;
use alc_protocol::status::{SignedStatus, StatusResponse};
use alc_protocol::time::Clock;
use futures::StreamExt;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Time limit of a pull, and of the stream's response headers.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// TCP keep-alive probes on the watcher's connections.
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);
/// A stream that sends nothing (not even a keep-alive) for this long is reconnected.
const STREAM_IDLE: Duration = Duration::from_secs(60);
/// First retry delay after a failure.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How often the watcher looks at the clock while waiting for `next_update`.
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// Why one pull or one stream connection failed (logged, then retried).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
enum WatchError {
    #[error("request failed: {}", chain(.0))]
    Request(#[from] reqwest::Error),
    #[error("the authority answered HTTP {0}")]
    Http(u16),
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("not an event stream (content-type {0:?})")]
    NotEventStream(String),
    #[error("a response or event is larger than {MAX_EVENT_BYTES} bytes")]
    TooLarge,
    #[error("the stream sent nothing for {0:?}")]
    Idle(Duration),
    #[error("not a signed status response")]
    Malformed,
    #[error(transparent)]
    Refused(#[from] StatusViewError),
    #[error("the status view is gone")]
    ViewGone,
}

impl From<SseTooLarge> for WatchError {
    fn from(_: SseTooLarge) -> Self {
        Self::TooLarge
    }
}

/// An error and its sources, `: `-separated (reqwest's own message omits the cause).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        s.push_str(": ");
        s.push_str(&c.to_string());
        source = c.source();
    }
    s
}

/// Exponential retry delay: 1 s doubling to 30 s, back to 1 s after a success.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Self(BACKOFF_MIN)
    }

    fn reset(&mut self) {
        self.0 = BACKOFF_MIN;
    }

    fn next_delay(&mut self) -> Duration {
        let d = self.0;
        self.0 = (d * 2).min(BACKOFF_MAX);
        d
    }
}

/// Called with the new current response after every new epoch.
pub type EpochNotify = Arc<dyn Fn(&StatusResponse) + Send + Sync>;

/// Keeps `view` current until the returned task is aborted (or every other
/// `Arc<StatusView>` is dropped: the task holds the view weakly and then ends by itself;
/// dropping a tokio `JoinHandle` alone does not stop a task).
///
/// Pulls `GET {authority}/v1/status` at start and again whenever the view's `next_update`
/// passes by `clock()` (checked every second, so a test clock works), and on any failure
/// with a backoff of 1 s doubling to 30 s; subscribes to `GET {authority}/v1/status/stream`
/// (server-sent events `status`), reconnecting with the same backoff when the stream ends,
/// fails or stays silent for 60 s. Every response received is applied with `clock()` as
/// now; failures are logged (`warn`) and never stop the task. `notify` is called, on the
/// watcher's task, after every `apply` that returned [`Applied::NewEpoch`] (including the
/// first status); keep it short and non-blocking.
///
/// The watcher makes its own HTTP client: a connect timeout, TCP keep-alive, and no
/// total timeout, which would cut the push stream it holds open (a client shared with
/// one-off requests once did, every 5 s: an emergency landing while it reconnected took up
/// to a second to reach the gateway). Pulls carry their own time limit.
///
/// Must be called inside a tokio runtime. Fails only if no HTTP client can be built.
pub fn spawn_watcher(
    view: Arc<StatusView>,
    authority: String,
    clock: Arc<dyn Clock>,
    notify: EpochNotify,
) -> Result<tokio::task::JoinHandle<()>, reqwest::Error> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(REQUEST_TIMEOUT)
        .tcp_keepalive(TCP_KEEPALIVE)
        .build()?;
    let base = authority.trim_end_matches('/');
    let watcher = Watcher {
        view: Arc::downgrade(&view),
        status_url: format!("{base}/v1/status"),
        stream_url: format!("{base}/v1/status/stream"),
        client,
        clock,
        notify,
    };
    drop(view);
    Ok(tokio::spawn(async move {
        tokio::select! {
            () = watcher.pull_loop() => {}
            () = watcher.stream_loop() => {}
        }
        tracing::debug!(authority = %watcher.status_url, "status watcher stopped: the view is gone");
    }))
}

struct Watcher {
    view: Weak<StatusView>,
    status_url: String,
    stream_url: String,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    notify: EpochNotify,
}

impl Watcher {
    /// Applies a response; logs and notifies a new epoch.
    fn deliver(&self, signed: &SignedStatus, source: &'static str) -> Result<Applied, WatchError> {
        let view = self.view.upgrade().ok_or(WatchError::ViewGone)?;
        let (applied, response) = view.apply_signed(signed, self.clock.now())?;
        drop(view);
        match applied {
            Applied::NewEpoch { epoch, emergency } => {
                tracing::info!(epoch, emergency, source, "new status epoch");
                let notify = &self.notify;
                let called =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| notify(&response)));
                if called.is_err() {
                    tracing::error!(epoch, "the status notification callback panicked");
                }
            }
            Applied::Refreshed => tracing::debug!(
                epoch = response.epoch,
                next_update = response.next_update,
                source,
                "status refreshed"
            ),
            Applied::Unchanged => {}
        }
        Ok(applied)
    }

    async fn pull_once(&self) -> Result<Applied, WatchError> {
        let mut resp = self
            .client
            .get(&self.status_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(WatchError::Http(resp.status().as_u16()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_EVENT_BYTES as u64)
        {
            return Err(WatchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > MAX_EVENT_BYTES {
                return Err(WatchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let signed: SignedStatus =
            serde_json::from_slice(&body).map_err(|_| WatchError::Malformed)?;
        self.deliver(&signed, "pull")
    }

    /// Pulls at start, then whenever `next_update` passes; backs off while it has passed
    /// (no status yet, failures, or an authority that has not re-signed yet).
    async fn pull_loop(&self) {
        let mut backoff = Backoff::new();
        loop {
            match self.pull_once().await {
                Ok(_) => {}
                Err(WatchError::ViewGone) => return,
                Err(e) => tracing::warn!(url = %self.status_url, error = %e, "status pull failed"),
            }
            let Some(view) = self.view.upgrade() else {
                return;
            };
            let due = view.next_update();
            drop(view);
            match due {
                Some(next) if next > self.clock.now() => {
                    backoff.reset();
                    if !self.wait_until_due().await {
                        return;
                    }
                }
                _ => tokio::time::sleep(backoff.next_delay()).await,
            }
        }
    }

    /// Sleeps until the view's `next_update` (re-read every tick: the stream may move it)
    /// has passed. False if the view is gone.
    async fn wait_until_due(&self) -> bool {
        loop {
            let Some(view) = self.view.upgrade() else {
                return false;
            };
            let due = view.next_update();
            drop(view);
            match due {
                Some(next) if next > self.clock.now() => tokio::time::sleep(CLOCK_TICK).await,
                _ => return true,
            }
        }
    }

    async fn stream_loop(&self) {
        let mut backoff = Backoff::new();
        loop {
            match self.stream_once(&mut backoff).await {
                Ok(()) => {
                    tracing::info!(url = %self.stream_url, "status stream ended; reconnecting")
                }
                Err(WatchError::ViewGone) => return,
                Err(e) => {
                    tracing::warn!(url = %self.stream_url, error = %e, "status stream failed")
                }
            }
            tokio::time::sleep(backoff.next_delay()).await;
            if self.view.strong_count() == 0 {
                return;
            }
        }
    }

    /// One connection to the push stream, until it ends or fails. Resets `backoff` once a
    /// status event applies.
    async fn stream_once(&self, backoff: &mut Backoff) -> Result<(), WatchError> {
        let send = self
            .client
            .get(&self.stream_url)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send();
        let resp = tokio::time::timeout(REQUEST_TIMEOUT, send)
            .await
            .map_err(|_| WatchError::Timeout(REQUEST_TIMEOUT))??;
        if !resp.status().is_success() {
            return Err(WatchError::Http(resp.status().as_u16()));
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !content_type.starts_with("text/event-stream") {
            return Err(WatchError::NotEventStream(content_type));
        }
        let mut body = resp.bytes_stream();
        let mut parser = SseParser::new(MAX_EVENT_BYTES);
        loop {
            let chunk = match tokio::time::timeout(STREAM_IDLE, body.next()).await {
                Err(_) => return Err(WatchError::Idle(STREAM_IDLE)),
                Ok(None) => return Ok(()),
                Ok(Some(chunk)) => chunk?,
            };
            for event in parser.push(&chunk)? {
                if event.event != "status" {
                    tracing::debug!(event = %event.event, "ignoring a server-sent event");
                    continue;
                }
                let delivered = serde_json::from_str::<SignedStatus>(&event.data)
                    .map_err(|_| WatchError::Malformed)
                    .and_then(|signed| self.deliver(&signed, "stream"));
                match delivered {
                    Ok(_) => backoff.reset(),
                    Err(WatchError::ViewGone) => return Err(WatchError::ViewGone),
                    Err(e) => {
                        tracing::warn!(url = %self.stream_url, error = %e, "status event refused")
                    }
                }
            }
        }
    }
}
