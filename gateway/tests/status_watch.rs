//! The status watcher against a real authority served over TCP: it adopts the status,
//! is pushed an emergency within a second, adopts nothing from an authority with another
//! key or name, retries while the authority is down and catches up, lets freshness lapse
//! past `next_update` + grace, and stops when its view is dropped.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::field::{from_decimal, Fr};
use alc_devkit::authority::{TestAuthority, NAME, T0};
use alc_gateway::status::{spawn_watcher, EpochNotify, StatusView};
use alc_protocol::status::StatusResponse;
use alc_protocol::time::Clock;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

struct Auth(TestAuthority);

impl Deref for Auth {
    type Target = TestAuthority;
    fn deref(&self) -> &TestAuthority {
        &self.0
    }
}

async fn authority(status_interval_secs: u64) -> Auth {
    Auth(
        TestAuthority::builder()
            .config(&format!("status_interval_secs = {status_interval_secs}"))
            .start()
            .await,
    )
}

impl Auth {
    fn key(&self) -> ed25519_dalek::VerifyingKey {
        self.authority.keys().status.verifying_key()
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.0.clock.clone())
    }

    /// A credential for a fresh identity that passed the assessment: its serial.
    async fn credential(&self, subject: &str) -> u32 {
        let id = self.passed(subject).await;
        let holder = alc_circuits::field::Fr::from(12345u64);
        self.issue(&id, &holder).await.signed.credential.serial
    }
}

/// A response's root, parsed.
fn root(r: &StatusResponse) -> Fr {
    from_decimal(&r.root).unwrap()
}

/// Serves the authority's API on a fresh local port.
async fn serve(a: &Auth) -> SocketAddr {
    let (url, _server) = a.0.serve().await;
    url.trim_start_matches("http://").parse().unwrap()
}

/// A TCP relay to `upstream`; aborting it closes every connection it carries (the
/// authority "dies" for the watcher).
fn relay(listener: TcpListener, upstream: SocketAddr) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            conns.spawn(async move {
                if let Ok(mut out) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
            while conns.try_join_next().is_some() {}
        }
    })
}

/// [`relay`], counting in `streams` the requests for the push stream it carries.
fn counting_relay(
    listener: TcpListener,
    upstream: SocketAddr,
    streams: Arc<AtomicUsize>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((inbound, _)) = listener.accept().await else {
                continue;
            };
            let streams = streams.clone();
            conns.spawn(async move {
                let Ok(out) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut in_read, mut in_write) = inbound.into_split();
                let (mut out_read, mut out_write) = out.into_split();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut out_read, &mut in_write).await;
                });
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = in_read.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let seen = buf[..n]
                        .windows(STREAM_REQUEST.len())
                        .filter(|w| *w == STREAM_REQUEST)
                        .count();
                    streams.fetch_add(seen, Ordering::SeqCst);
                    if out_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                back.abort();
            });
            while conns.try_join_next().is_some() {}
        }
    })
}

/// The request line of the push stream.
const STREAM_REQUEST: &[u8] = b"GET /v1/status/stream ";

/// A local port with nothing listening (yet).
async fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
}

fn recorder() -> (EpochNotify, mpsc::UnboundedReceiver<StatusResponse>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let notify: EpochNotify = Arc::new(move |r: &StatusResponse| {
        let _ = tx.send(r.clone());
    });
    (notify, rx)
}

async fn next_notified(
    rx: &mut mpsc::UnboundedReceiver<StatusResponse>,
    within: Duration,
) -> StatusResponse {
    tokio::time::timeout(within, rx.recv())
        .await
        .expect("no notification in time")
        .unwrap()
}

async fn wait_for(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn epoch(view: &StatusView) -> Option<u64> {
    view.current().map(|(r, _)| r.epoch)
}

#[tokio::test]
async fn watcher_adopts_the_status_and_is_pushed_an_emergency_within_a_second() {
    let a = authority(300).await;
    let addr = serve(&a).await;
    let (s0, s1) = (a.credential("op0").await, a.credential("op1").await);
    let view = Arc::new(StatusView::new(NAME.into(), a.key(), 900, 60));
    let (notify, mut rx) = recorder();
    let task = spawn_watcher(view.clone(), format!("http://{addr}/"), a.clock(), notify).unwrap();

    let first = next_notified(&mut rx, Duration::from_secs(5)).await;
    assert_eq!((first.epoch, first.emergency), (0, false));
    assert_eq!(first.issuer, NAME);
    assert!(view.is_fresh(a.clock.now()));
    assert_eq!(view.accepts_root(&root(&first), a.clock.now()), Some(0));
    // Let the stream connect, so what follows is pushed.
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(a.revoke(s0, false).await, 1);
    let second = next_notified(&mut rx, Duration::from_secs(1)).await;
    assert_eq!((second.epoch, second.emergency), (1, false));
    let now = a.clock.now();
    assert_eq!(view.accepts_root(&root(&first), now), Some(0));
    assert_eq!(view.min_epoch(), 0);

    let revoked_at = Instant::now();
    assert_eq!(a.revoke(s1, true).await, 2);
    let third = next_notified(&mut rx, Duration::from_secs(1)).await;
    assert!(revoked_at.elapsed() < Duration::from_secs(1));
    assert_eq!((third.epoch, third.emergency), (2, true));
    assert_eq!(view.min_epoch(), 2);
    assert_eq!(view.accepts_root(&root(&first), now), None);
    assert_eq!(view.accepts_root(&root(&second), now), None);
    assert_eq!(view.accepts_root(&root(&third), now), Some(2));
    assert_eq!(epoch(&view), Some(2));
    task.abort();
}

/// The push stream stays open: over 8 s (past any 5 s request timeout) the watcher asks
/// for it once, and a revocation at the end is still pushed at once. Twin: a client with a
/// 5 s total timeout (the bug this catches) asks again at about 6 s.
#[tokio::test]
async fn watcher_holds_one_stream_connection_past_five_seconds() {
    let a = authority(3600).await;
    let upstream = serve(&a).await;
    let serial = a.credential("op0").await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = listener.local_addr().unwrap();
    let streams = Arc::new(AtomicUsize::new(0));
    let up = counting_relay(listener, upstream, streams.clone());
    let view = Arc::new(StatusView::new(NAME.into(), a.key(), 900, 60));
    let (notify, mut rx) = recorder();
    let task = spawn_watcher(view.clone(), format!("http://{front}"), a.clock(), notify).unwrap();
    next_notified(&mut rx, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let asked = streams.load(Ordering::SeqCst);
    assert_eq!(asked, 1, "the stream was asked for {asked} times in 8 s");
    let revoked_at = Instant::now();
    assert_eq!(a.revoke(serial, true).await, 1);
    let pushed = next_notified(&mut rx, Duration::from_secs(1)).await;
    assert!(revoked_at.elapsed() < Duration::from_millis(500));
    assert!(pushed.emergency);
    task.abort();
    up.abort();
}

#[tokio::test]
async fn watcher_pinned_to_another_key_or_name_adopts_nothing() {
    let a = authority(300).await;
    let addr = serve(&a).await;
    let wrong_key = ed25519_dalek::SigningKey::from_bytes(&[8; 32]).verifying_key();
    let views = [
        Arc::new(StatusView::new(NAME.into(), wrong_key, 900, 60)),
        Arc::new(StatusView::new("impostor".into(), a.key(), 900, 60)),
    ];
    let mut tasks = Vec::new();
    let mut receivers = Vec::new();
    for v in &views {
        let (notify, rx) = recorder();
        receivers.push(rx);
        tasks.push(spawn_watcher(v.clone(), format!("http://{addr}"), a.clock(), notify).unwrap());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (v, rx) in views.iter().zip(&mut receivers) {
        assert_eq!(v.current(), None);
        assert!(!v.is_fresh(a.clock.now()));
        assert!(rx.try_recv().is_err());
    }
    for t in tasks {
        t.abort();
    }
}

#[tokio::test]
async fn watcher_retries_while_the_authority_is_down_and_catches_up() {
    let a = authority(300).await;
    let upstream = serve(&a).await;
    let (s0, s1) = (a.credential("op0").await, a.credential("op1").await);
    let front = free_port().await;
    let view = Arc::new(StatusView::new(NAME.into(), a.key(), 900, 60));
    let (notify, mut rx) = recorder();
    let task = spawn_watcher(view.clone(), format!("http://{front}"), a.clock(), notify).unwrap();

    // Down at first: nothing to adopt.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(view.current(), None);
    assert_eq!(a.revoke(s0, false).await, 1);

    // Up: the watcher catches up with epoch 1.
    let up = relay(TcpListener::bind(front).await.unwrap(), upstream);
    let adopted = next_notified(&mut rx, Duration::from_secs(10)).await;
    assert_eq!(adopted.epoch, 1);
    // Let the stream connect.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Killed: an emergency happens while the watcher cannot hear of it.
    up.abort();
    let _ = up.await;
    assert_eq!(a.revoke(s1, true).await, 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(epoch(&view), Some(1));
    assert!(rx.try_recv().is_err());

    // Back on the same port: the watcher catches up.
    let up = relay(TcpListener::bind(front).await.unwrap(), upstream);
    let caught = next_notified(&mut rx, Duration::from_secs(10)).await;
    assert_eq!((caught.epoch, caught.emergency), (2, true));
    assert_eq!(view.min_epoch(), 2);
    assert_eq!(view.accepts_root(&root(&adopted), a.clock.now()), None);
    up.abort();
    task.abort();
}

#[tokio::test]
async fn freshness_lapses_with_the_authority_down_past_next_update_and_grace() {
    const INTERVAL: u64 = 60;
    const GRACE: u64 = 30;
    let a = authority(INTERVAL).await;
    let upstream = serve(&a).await;
    let front = free_port().await;
    let up = relay(TcpListener::bind(front).await.unwrap(), upstream);
    let view = Arc::new(StatusView::new(NAME.into(), a.key(), 900, GRACE));
    let (notify, mut rx) = recorder();
    let task = spawn_watcher(view.clone(), format!("http://{front}"), a.clock(), notify).unwrap();
    let first = next_notified(&mut rx, Duration::from_secs(5)).await;
    assert_eq!(first.next_update, T0 + INTERVAL);

    // next_update passes with the authority up: the watcher pulls a re-signed response.
    a.clock.advance(INTERVAL);
    let next_update = |v: &StatusView| v.current().map(|(r, _)| r.next_update);
    wait_for("a refresh", Duration::from_secs(5), || {
        next_update(&view) == Some(T0 + 2 * INTERVAL)
    })
    .await;
    assert!(rx.try_recv().is_err(), "a refresh is not a new epoch");

    // Down, and time passes next_update + grace.
    up.abort();
    let _ = up.await;
    a.clock.advance(INTERVAL + GRACE);
    assert!(view.is_fresh(a.clock.now()), "next_update + grace exactly");
    a.clock.advance(1);
    assert!(!view.is_fresh(a.clock.now()), "next_update + grace + 1");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!view.is_fresh(a.clock.now()));

    // Back: the watcher, still retrying, makes the view fresh again.
    let up = relay(TcpListener::bind(front).await.unwrap(), upstream);
    wait_for("fresh again", Duration::from_secs(10), || {
        view.is_fresh(a.clock.now())
    })
    .await;
    assert_eq!(epoch(&view), Some(0));
    up.abort();
    task.abort();
}

#[tokio::test]
async fn watcher_stops_when_the_view_is_dropped() {
    let a = authority(300).await;
    let addr = serve(&a).await;
    let view = Arc::new(StatusView::new(NAME.into(), a.key(), 900, 60));
    let (notify, mut rx) = recorder();
    let task = spawn_watcher(view.clone(), format!("http://{addr}"), a.clock(), notify).unwrap();
    next_notified(&mut rx, Duration::from_secs(5)).await;
    assert!(!task.is_finished());
    drop(view);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the watcher outlived its view")
        .unwrap();
}
