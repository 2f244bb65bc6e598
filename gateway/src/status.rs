//! Following the authority's status: the gateway's view of the status list, and the task
//! that keeps it current.
//!
//! A lease is minted for a proof made against one root of the authority's status list
//! (DESIGN.md, "Gateways, leases and the kill switch"). The gateway therefore needs to know
//! which roots it may still accept, and it learns that only from signed status responses
//! ([`SignedStatus`]). [`StatusView`] holds what the gateway has verified:
//!
//! * the current response (the highest epoch seen), re-signed copies refreshing its
//!   `next_update`;
//! * the roots it superseded, each accepted for `lease_ttl` seconds after it was superseded
//!   so that provers holding a slightly older root are not turned away;
//! * the emergency floor: when a response carries `emergency: true`, every root of an older
//!   epoch stops being accepted at once (the kill switch).
//!
//! The view refuses what would let an attacker (or a confused authority replica) move it
//! backwards: a bad signature or issuer, an epoch lower than the current one (a replay), a
//! second, different response for the current epoch (equivocation), and a response that was
//! already out of date when it arrived.
//!
//! [`spawn_watcher`] keeps a view current: it pulls `GET /v1/status` at start and whenever
//! `next_update` passes, and listens to the push stream `GET /v1/status/stream` (server-sent
//! events, parsed here with a size cap per event) so that an emergency reaches the gateway
//! within a second. Every failure is logged and retried with a capped exponential backoff;
//! nothing stops the task but the view being dropped or the task being aborted.

use alc_circuits::field::{self, Fr};
use alc_protocol::status::{SignedStatus, StatusError, StatusResponse};
use alc_protocol::time::Clock;
use futures::StreamExt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

/// At most this many superseded roots are remembered (the oldest are forgotten first).
const MAX_SUPERSEDED: usize = 1024;
/// Largest accepted status response (pull body or one server-sent event).
const MAX_EVENT_BYTES: usize = 64 * 1024;
/// Time limit of a pull, and of the stream's response headers.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// A stream that sends nothing (not even a keep-alive) for this long is reconnected.
const STREAM_IDLE: Duration = Duration::from_secs(60);
/// First retry delay after a failure.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How often the watcher looks at the clock while waiting for `next_update`.
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// What [`StatusView::apply`] did with a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The response is of a higher epoch than the current one (or is the first one) and
    /// became current.
    NewEpoch {
        /// Its epoch.
        epoch: u64,
        /// Whether it is an emergency epoch (older roots are no longer accepted).
        emergency: bool,
    },
    /// The current epoch, re-signed later: its `produced_at` and `next_update` replace the
    /// current ones.
    Refreshed,
    /// Nothing new: the current response again, or an older signing of the current epoch.
    Unchanged,
}

/// A status response the view refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusViewError {
    /// Not a status response, or not signed by the pinned status key.
    #[error("status response refused: {0}")]
    Invalid(#[from] StatusError),
    /// Signed by the pinned key but naming another authority.
    #[error("status response from issuer {got:?}, expected {expected:?}")]
    WrongIssuer {
        /// The authority the view follows.
        expected: String,
        /// The issuer named in the response.
        got: String,
    },
    /// A response for another status list than the one the view follows.
    #[error("status response for list {got:?}, but the view follows list {expected:?}")]
    WrongList {
        /// The list of the current response.
        expected: String,
        /// The list named in the response.
        got: String,
    },
    /// An epoch lower than the current one: a replayed or stale response.
    #[error("stale status response: epoch {epoch} is older than the current epoch {current}")]
    Stale {
        /// The response's epoch.
        epoch: u64,
        /// The current epoch.
        current: u64,
    },
    /// A second, different response (root or emergency flag) for the current epoch.
    #[error("equivocation: a different status response for the current epoch {epoch}")]
    Equivocation {
        /// The epoch.
        epoch: u64,
    },
    /// The response was already past `next_update` + grace when it arrived.
    #[error(
        "expired status response: next_update {next_update} (plus grace) is before now ({now})"
    )]
    Expired {
        /// The response's `next_update`.
        next_update: u64,
        /// The time it was applied at.
        now: u64,
    },
}

/// A root that was current once.
#[derive(Debug)]
struct Superseded {
    epoch: u64,
    root: Fr,
    /// When the next epoch replaced it (unix seconds).
    at: u64,
}

#[derive(Debug)]
struct Current {
    response: StatusResponse,
    signed: SignedStatus,
    /// The response's root, parsed.
    root: Fr,
}

#[derive(Debug, Default)]
struct Inner {
    current: Option<Current>,
    /// Oldest first.
    superseded: Vec<Superseded>,
    /// The emergency floor: no root of a lower epoch is accepted.
    floor: u64,
}

/// The gateway's verified view of the authority's status list. Share it as
/// `Arc<StatusView>`; every method takes `&self`.
#[derive(Debug)]
pub struct StatusView {
    issuer: String,
    key: ed25519_dalek::VerifyingKey,
    lease_ttl: u64,
    grace: u64,
    inner: RwLock<Inner>,
}

impl StatusView {
    /// A view with no status yet.
    ///
    /// `issuer`: the authority's name that must appear in responses; `key`: its pinned
    /// status key; `lease_ttl`: seconds an older root stays acceptable after it was
    /// superseded; `grace`: seconds after `next_update` during which the last good status is
    /// still used.
    pub fn new(
        issuer: String,
        key: ed25519_dalek::VerifyingKey,
        lease_ttl: u64,
        grace: u64,
    ) -> Self {
        Self {
            issuer,
            key,
            lease_ttl,
            grace,
            inner: RwLock::new(Inner::default()),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Verifies a signed response and folds it into the view at `now` (unix seconds).
    ///
    /// Refused: a bad signature or issuer, another list than the current one, an epoch
    /// lower than the current one, a different root (or emergency flag) for the current
    /// epoch, and a response already past `next_update + grace`. The current epoch re-signed
    /// later is [`Applied::Refreshed`]; an older or identical signing is
    /// [`Applied::Unchanged`]. A higher epoch becomes current and the previous current root
    /// is remembered as superseded at `now`; if the new response is an emergency, the floor
    /// rises to its epoch and every older root stops being accepted.
    pub fn apply(&self, signed: &SignedStatus, now: u64) -> Result<Applied, StatusViewError> {
        self.apply_signed(signed, now).map(|(applied, _)| applied)
    }

    /// [`Self::apply`], also returning the verified response.
    fn apply_signed(
        &self,
        signed: &SignedStatus,
        now: u64,
    ) -> Result<(Applied, StatusResponse), StatusViewError> {
        let response = signed.verify(&self.key)?;
        let root = field::from_decimal(&response.root).map_err(|_| StatusError::Malformed)?;
        if response.issuer != self.issuer {
            return Err(StatusViewError::WrongIssuer {
                expected: self.issuer.clone(),
                got: response.issuer,
            });
        }
        let mut g = self.write();
        if let Some(cur) = &g.current {
            let c = &cur.response;
            if response.list != c.list {
                return Err(StatusViewError::WrongList {
                    expected: c.list.clone(),
                    got: response.list,
                });
            }
            if response.epoch < c.epoch {
                return Err(StatusViewError::Stale {
                    epoch: response.epoch,
                    current: c.epoch,
                });
            }
            if response.epoch == c.epoch
                && (response.root != c.root || response.emergency != c.emergency)
            {
                return Err(StatusViewError::Equivocation {
                    epoch: response.epoch,
                });
            }
        }
        if now > response.next_update.saturating_add(self.grace) {
            return Err(StatusViewError::Expired {
                next_update: response.next_update,
                now,
            });
        }
        let same_epoch = g.current.as_ref().map(|c| c.response.epoch) == Some(response.epoch);
        if same_epoch {
            let newer = g
                .current
                .as_ref()
                .is_some_and(|c| response.produced_at > c.response.produced_at);
            if !newer {
                return Ok((Applied::Unchanged, response));
            }
            g.current = Some(Current {
                response: response.clone(),
                signed: signed.clone(),
                root,
            });
            return Ok((Applied::Refreshed, response));
        }
        if let Some(old) = g.current.take() {
            g.superseded.push(Superseded {
                epoch: old.response.epoch,
                root: old.root,
                at: now,
            });
        }
        if response.emergency {
            g.floor = g.floor.max(response.epoch);
        }
        let applied = Applied::NewEpoch {
            epoch: response.epoch,
            emergency: response.emergency,
        };
        g.current = Some(Current {
            response: response.clone(),
            signed: signed.clone(),
            root,
        });
        let (floor, ttl) = (g.floor, self.lease_ttl);
        g.superseded
            .retain(|s| s.epoch >= floor && now.saturating_sub(s.at) < ttl);
        let excess = g.superseded.len().saturating_sub(MAX_SUPERSEDED);
        g.superseded.drain(..excess);
        Ok((applied, response))
    }

    /// The epoch of `root` if it is acceptable for a new lease at `now`: the current root,
    /// or an older root superseded less than `lease_ttl` seconds ago and at or above the
    /// emergency floor. `None` otherwise (unknown, too old, below the floor, or no status
    /// yet). Freshness is a separate question: see [`Self::is_fresh`].
    pub fn accepts_root(&self, root: &Fr, now: u64) -> Option<u64> {
        let g = self.read();
        let cur = g.current.as_ref()?;
        if cur.root == *root {
            return Some(cur.response.epoch);
        }
        g.superseded
            .iter()
            .rev()
            .find(|s| s.root == *root && self.superseded_ok(s, g.floor, now))
            .map(|s| s.epoch)
    }

    fn superseded_ok(&self, s: &Superseded, floor: u64, now: u64) -> bool {
        s.epoch >= floor && now.saturating_sub(s.at) < self.lease_ttl
    }

    /// The lowest epoch a lease may carry: the emergency floor (0 before any emergency).
    pub fn min_epoch(&self) -> u64 {
        self.read().floor
    }

    /// Whether the last good status may still be used: `now <= next_update + grace`
    /// (false before the first status).
    pub fn is_fresh(&self, now: u64) -> bool {
        self.read()
            .current
            .as_ref()
            .is_some_and(|c| now <= c.response.next_update.saturating_add(self.grace))
    }

    /// The current verified response and its signed form (for the challenge endpoint).
    pub fn current(&self) -> Option<(StatusResponse, SignedStatus)> {
        self.read()
            .current
            .as_ref()
            .map(|c| (c.response.clone(), c.signed.clone()))
    }

    /// The roots acceptable at `now`, newest first: `(epoch, root)`.
    pub fn accepted_roots(&self, now: u64) -> Vec<(u64, Fr)> {
        let g = self.read();
        let Some(cur) = g.current.as_ref() else {
            return Vec::new();
        };
        std::iter::once((cur.response.epoch, cur.root))
            .chain(
                g.superseded
                    .iter()
                    .rev()
                    .filter(|s| self.superseded_ok(s, g.floor, now))
                    .map(|s| (s.epoch, s.root)),
            )
            .collect()
    }

    /// The current `next_update`, if there is a status.
    fn next_update(&self) -> Option<u64> {
        self.read().current.as_ref().map(|c| c.response.next_update)
    }
}

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
/// Must be called inside a tokio runtime.
pub fn spawn_watcher(
    view: Arc<StatusView>,
    authority: String,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    notify: EpochNotify,
) -> tokio::task::JoinHandle<()> {
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
    tokio::spawn(async move {
        tokio::select! {
            () = watcher.pull_loop() => {}
            () = watcher.stream_loop() => {}
        }
        tracing::debug!(authority = %watcher.status_url, "status watcher stopped: the view is gone");
    })
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

/// One server-sent event.
#[derive(Debug, PartialEq, Eq)]
struct SseEvent {
    /// The `event:` field (`message` when absent).
    event: String,
    /// The `data:` lines joined with `\n`.
    data: String,
}

/// An event (or an unterminated line) over the parser's size cap.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("server-sent event larger than {0} bytes")]
struct SseTooLarge(usize);

impl From<SseTooLarge> for WatchError {
    fn from(_: SseTooLarge) -> Self {
        Self::TooLarge
    }
}

/// Incremental `text/event-stream` parser (the WHATWG rules we need): lines end with LF,
/// CRLF or CR, even across chunk boundaries; a blank line dispatches the event; lines
/// starting with `:` are comments (keep-alives); `id`, `retry` and unknown fields are
/// ignored; a leading BOM is skipped; an incomplete event at the end is dropped.
#[derive(Debug)]
struct SseParser {
    /// Bytes of the line not yet terminated.
    buf: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    /// The last chunk ended with CR: an LF starting the next one belongs to it.
    after_cr: bool,
    /// Still at the start of the stream (a BOM may follow).
    at_start: bool,
    cap: usize,
}

impl SseParser {
    fn new(cap: usize) -> Self {
        Self {
            buf: Vec::new(),
            event: String::new(),
            data: String::new(),
            has_data: false,
            after_cr: false,
            at_start: true,
            cap,
        }
    }

    /// Feeds a chunk; returns the events it completes.
    fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseTooLarge> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut buf = std::mem::take(&mut self.buf);
        buf.extend_from_slice(chunk);
        let mut start = 0;
        if self.at_start {
            if buf.len() < BOM.len() && BOM.starts_with(&buf) {
                self.buf = buf;
                return Ok(Vec::new());
            }
            if buf.starts_with(BOM) {
                start = BOM.len();
            }
            self.at_start = false;
        }
        if self.after_cr && start < buf.len() {
            if buf[start] == b'\n' {
                start += 1;
            }
            self.after_cr = false;
        }
        let mut out = Vec::new();
        while let Some(i) = buf[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let end = start + i;
            let next = if buf[end] == b'\r' {
                match buf.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        self.after_cr = true;
                        end + 1
                    }
                }
            } else {
                end + 1
            };
            self.line(&buf[start..end], &mut out)?;
            start = next;
        }
        buf.drain(..start);
        if buf.len() + self.data.len() + self.event.len() > self.cap {
            return Err(SseTooLarge(self.cap));
        }
        self.buf = buf;
        Ok(out)
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseTooLarge> {
        if line.is_empty() {
            if self.has_data {
                let mut data = std::mem::take(&mut self.data);
                data.pop(); // the `\n` after the last data line
                let event = match std::mem::take(&mut self.event) {
                    e if e.is_empty() => "message".to_owned(),
                    e => e,
                };
                out.push(SseEvent { event, data });
            }
            self.event.clear();
            self.data.clear();
            self.has_data = false;
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        match field {
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            b"data" => {
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
                self.has_data = true;
            }
            _ => {}
        }
        if self.data.len() + self.event.len() > self.cap {
            return Err(SseTooLarge(self.cap));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    const ISSUER: &str = "test-authority";
    const T: u64 = 1_790_000_000;
    const TTL: u64 = 900;
    const GRACE: u64 = 60;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn response(epoch: u64, root: u64, produced_at: u64, emergency: bool) -> StatusResponse {
        StatusResponse {
            issuer: ISSUER.into(),
            list: "default".into(),
            epoch,
            root: field::to_decimal(&Fr::from(root)),
            produced_at,
            next_update: produced_at + 300,
            emergency,
        }
    }

    fn signed(r: &StatusResponse) -> SignedStatus {
        SignedStatus::sign(r, &key())
    }

    fn view() -> StatusView {
        StatusView::new(ISSUER.into(), key().verifying_key(), TTL, GRACE)
    }

    fn new_epoch(epoch: u64, emergency: bool) -> Result<Applied, StatusViewError> {
        Ok(Applied::NewEpoch { epoch, emergency })
    }

    #[test]
    fn first_status_becomes_current() {
        let v = view();
        let r0 = response(0, 100, T, false);
        assert_eq!(v.apply(&signed(&r0), T), new_epoch(0, false));
        assert_eq!(v.current(), Some((r0.clone(), signed(&r0))));
        assert_eq!(v.accepts_root(&Fr::from(100u64), T), Some(0));
        assert_eq!(v.accepted_roots(T), vec![(0, Fr::from(100u64))]);
        assert_eq!(v.min_epoch(), 0);
        assert!(v.is_fresh(T));
    }

    #[test]
    fn before_any_status_nothing_is_accepted_and_nothing_is_fresh() {
        let v = view();
        assert_eq!(v.accepts_root(&Fr::from(100u64), T), None);
        assert_eq!(v.accepts_root(&Fr::from(0u64), 0), None);
        assert!(v.accepted_roots(T).is_empty());
        assert!(!v.is_fresh(0));
        assert!(!v.is_fresh(T));
        assert_eq!(v.current(), None);
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn higher_epoch_replaces_and_the_older_root_is_accepted_within_lease_ttl() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        let r1 = response(1, 101, T + 10, false);
        assert_eq!(v.apply(&signed(&r1), T + 10), new_epoch(1, false));
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 10), Some(1));
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 10), Some(0));
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 10 + TTL - 1), Some(0));
        assert_eq!(
            v.accepted_roots(T + 10),
            vec![(1, Fr::from(101u64)), (0, Fr::from(100u64))]
        );
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn the_older_root_is_refused_once_lease_ttl_has_passed() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        v.apply(&signed(&response(1, 101, T + 10, false)), T + 10)
            .unwrap();
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 10 + TTL), None);
        assert_eq!(v.accepted_roots(T + 10 + TTL), vec![(1, Fr::from(101u64))]);
        // The current root stays acceptable however old; an unknown root never is.
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 10 + TTL), Some(1));
        assert_eq!(v.accepts_root(&Fr::from(999u64), T + 10), None);
        // Forgotten on the next epoch too.
        v.apply(
            &signed(&response(2, 102, T + TTL + 10, false)),
            T + TTL + 10,
        )
        .unwrap();
        assert_eq!(
            v.accepted_roots(T + TTL + 10),
            vec![(2, Fr::from(102u64)), (1, Fr::from(101u64))]
        );
    }

    #[test]
    fn an_emergency_refuses_every_older_root_at_once() {
        let v = view();
        v.apply(&signed(&response(0, 100, T, false)), T).unwrap();
        v.apply(&signed(&response(1, 101, T + 10, false)), T + 10)
            .unwrap();
        assert_eq!(
            v.apply(&signed(&response(2, 102, T + 20, true)), T + 20),
            new_epoch(2, true)
        );
        assert_eq!(v.min_epoch(), 2);
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 20), None);
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 20), None);
        assert_eq!(v.accepts_root(&Fr::from(102u64), T + 20), Some(2));
        assert_eq!(v.accepted_roots(T + 20), vec![(2, Fr::from(102u64))]);
        // A later ordinary epoch keeps the floor; the emergency root itself stays
        // acceptable for the lease TTL.
        assert_eq!(
            v.apply(&signed(&response(3, 103, T + 30, false)), T + 30),
            new_epoch(3, false)
        );
        assert_eq!(v.min_epoch(), 2);
        assert_eq!(v.accepts_root(&Fr::from(102u64), T + 30), Some(2));
        assert_eq!(v.accepts_root(&Fr::from(101u64), T + 30), None);
    }

    #[test]
    fn a_lower_epoch_is_refused_as_stale() {
        let v = view();
        let r1 = response(1, 101, T + 10, false);
        v.apply(&signed(&r1), T + 10).unwrap();
        assert_eq!(
            v.apply(&signed(&response(0, 100, T + 20, false)), T + 20),
            Err(StatusViewError::Stale {
                epoch: 0,
                current: 1
            })
        );
        // The same response again is no change.
        assert_eq!(v.apply(&signed(&r1), T + 20), Ok(Applied::Unchanged));
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(100u64), T + 20), None);
    }

    #[test]
    fn another_root_for_the_same_epoch_is_equivocation() {
        let v = view();
        let r1 = response(1, 101, T, false);
        v.apply(&signed(&r1), T).unwrap();
        assert_eq!(
            v.apply(&signed(&response(1, 666, T + 5, false)), T + 5),
            Err(StatusViewError::Equivocation { epoch: 1 })
        );
        assert_eq!(
            v.apply(&signed(&response(1, 101, T + 5, true)), T + 5),
            Err(StatusViewError::Equivocation { epoch: 1 })
        );
        assert_eq!(v.current().unwrap().0, r1);
        assert_eq!(v.accepts_root(&Fr::from(666u64), T + 5), None);
        assert_eq!(v.min_epoch(), 0);
    }

    #[test]
    fn the_same_epoch_re_signed_later_refreshes_next_update() {
        let v = view();
        let first = response(1, 101, T, false);
        v.apply(&signed(&first), T).unwrap();
        let later = response(1, 101, T + 300, false);
        assert_eq!(v.apply(&signed(&later), T + 300), Ok(Applied::Refreshed));
        assert_eq!(v.current(), Some((later.clone(), signed(&later))));
        assert!(v.is_fresh(T + 600 + GRACE));
        // The older signing again changes nothing.
        assert_eq!(v.apply(&signed(&first), T + 300), Ok(Applied::Unchanged));
        assert_eq!(v.current().unwrap().0.next_update, T + 600);
    }

    #[test]
    fn a_wrong_signature_issuer_or_list_is_refused() {
        let v = view();
        let r0 = response(0, 100, T, false);
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            v.apply(&SignedStatus::sign(&r0, &other), T),
            Err(StatusViewError::Invalid(StatusError::Signature))
        );
        let mut elsewhere = r0.clone();
        elsewhere.issuer = "another-authority".into();
        assert!(matches!(
            v.apply(&signed(&elsewhere), T),
            Err(StatusViewError::WrongIssuer { .. })
        ));
        let garbage = SignedStatus {
            payload: "!!".into(),
            signature: signed(&r0).signature,
        };
        assert_eq!(
            v.apply(&garbage, T),
            Err(StatusViewError::Invalid(StatusError::Malformed))
        );
        assert_eq!(v.current(), None);
        assert!(!v.is_fresh(T));
        // Once following list "default", another list is refused.
        v.apply(&signed(&r0), T).unwrap();
        let mut other_list = response(5, 105, T, false);
        other_list.list = "other".into();
        assert!(matches!(
            v.apply(&signed(&other_list), T),
            Err(StatusViewError::WrongList { .. })
        ));
        assert_eq!(v.current().unwrap().0, r0);
    }

    #[test]
    fn freshness_ends_exactly_after_next_update_plus_grace() {
        let v = view();
        let r0 = response(0, 100, T, false);
        v.apply(&signed(&r0), T).unwrap();
        assert!(v.is_fresh(r0.next_update));
        assert!(v.is_fresh(r0.next_update + GRACE));
        assert!(!v.is_fresh(r0.next_update + GRACE + 1));
    }

    #[test]
    fn a_response_already_expired_on_arrival_is_refused() {
        let r0 = response(0, 100, T, false);
        let late = r0.next_update + GRACE + 1;
        let v = view();
        assert_eq!(
            v.apply(&signed(&r0), late),
            Err(StatusViewError::Expired {
                next_update: r0.next_update,
                now: late
            })
        );
        assert_eq!(v.current(), None);
        // Its twin: at the last fresh second it is taken.
        assert_eq!(
            v.apply(&signed(&r0), r0.next_update + GRACE),
            new_epoch(0, false)
        );
    }

    #[test]
    fn superseded_roots_are_bounded() {
        let v = StatusView::new(ISSUER.into(), key().verifying_key(), u64::MAX, GRACE);
        let n = MAX_SUPERSEDED as u64 + 10;
        for e in 0..=n {
            v.apply(&signed(&response(e, 1000 + e, T, false)), T)
                .unwrap();
        }
        let roots = v.accepted_roots(T);
        assert_eq!(roots.len(), MAX_SUPERSEDED + 1);
        assert_eq!(roots[0], (n, Fr::from(1000 + n)));
        assert_eq!(v.accepts_root(&Fr::from(1000 + n - 1), T), Some(n - 1));
        assert_eq!(v.accepts_root(&Fr::from(1000u64), T), None);
    }

    fn parse_in_pieces(input: &[u8], piece: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new(MAX_EVENT_BYTES);
        input
            .chunks(piece)
            .flat_map(|c| p.push(c).unwrap())
            .collect()
    }

    #[test]
    fn sse_parser_reads_events_split_anywhere_with_any_line_ending() {
        let lf = "\u{feff}: hello\n\nevent: status\ndata: {\"payload\":\"a\"}\n\n:\n\nid: 3\nretry: 10\ndata:one\ndata: two\n\nevent: status\ndata: {\"partial\"";
        let want = vec![
            SseEvent {
                event: "status".into(),
                data: "{\"payload\":\"a\"}".into(),
            },
            SseEvent {
                event: "message".into(),
                data: "one\ntwo".into(),
            },
        ];
        for ending in ["\n", "\r\n", "\r"] {
            let input = lf.replace('\n', ending);
            for piece in [1, 2, 3, 7, input.len()] {
                assert_eq!(
                    parse_in_pieces(input.as_bytes(), piece),
                    want,
                    "line ending {ending:?}, pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn sse_parser_refuses_an_oversized_event() {
        let mut p = SseParser::new(64);
        let fits = format!("event: status\ndata: {}\n\n", "x".repeat(40));
        assert_eq!(p.push(fits.as_bytes()).unwrap().len(), 1);
        // One data line over the cap, and an unterminated line over the cap.
        let big = format!("data: {}\n", "x".repeat(100));
        assert_eq!(p.push(big.as_bytes()), Err(SseTooLarge(64)));
        let mut p = SseParser::new(64);
        assert_eq!(p.push("y".repeat(65).as_bytes()), Err(SseTooLarge(64)));
        // Many small data lines adding up.
        let mut p = SseParser::new(64);
        let mut result = Ok(Vec::new());
        for _ in 0..20 {
            result = p.push(b"data: xxxxxx\n");
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseTooLarge(64)));
    }
}
