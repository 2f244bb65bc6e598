//! `alc_service::serve` against slow and greedy clients over real TCP: a request head
//! dribbled a line at a time (slowloris) and a connection that sends nothing are cut off
//! after the header-read timeout, while `axum::serve` (the twin) keeps them open; a body
//! trickled or broken off after a prompt head is answered `408` within the body rule's
//! bound, over HTTP/1 and HTTP/2, while a long upload that keeps up the minimum rate
//! passes; one address gets at most its cap of connections; an ordinary request is
//! answered.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_service::{serve, Limits};
use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// `/` answers `ok`; `/count` reads the whole body and answers its length.
fn app() -> Router {
    Router::new().route("/", get(|| async { "ok" })).route(
        "/count",
        post(|body: Bytes| async move { body.len().to_string() }),
    )
}

async fn start(limits: Limits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app(), limits, std::future::pending()));
    addr
}

/// Sends a request head one header line every 300 ms for up to `for_at_most`; whether the
/// server closed the connection meanwhile (and when).
async fn dribble(addr: SocketAddr, for_at_most: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 256];
    while started.elapsed() < for_at_most {
        if s.write_all(b"X-Slow: 1\r\n").await.is_err() {
            return Some(started.elapsed());
        }
        match tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            // A 408 or any answer before the head is complete: the server gave up on it.
            Ok(Ok(_)) => return Some(started.elapsed()),
            Err(_) => {}
        }
    }
    None
}

/// Whether the server closes a connection that sends nothing within `within`.
async fn closes_idle(addr: SocketAddr, within: Duration) -> bool {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(within, s.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

async fn get_ok(addr: SocketAddr) -> bool {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    out.starts_with(b"HTTP/1.1 200")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_after_the_header_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(1),
        max_connections_per_ip: 64,
        ..Limits::default()
    };
    let addr = start(limits).await;
    assert!(get_ok(addr).await);
    let cut = dribble(addr, Duration::from_secs(4)).await;
    let cut = cut.expect("a slowloris client stayed connected");
    assert!(cut < Duration::from_millis(2500), "{cut:?}");
    assert!(closes_idle(addr, Duration::from_secs(3)).await);
    // A kept-alive connection waiting for its next request is cut off too.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(s.read(&mut buf).await.unwrap() > 0);
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "an idle kept-alive connection stayed open");

    // The twin: axum::serve sets no timer, and keeps both open.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await });
    assert_eq!(dribble(plain, Duration::from_secs(3)).await, None);
    assert!(!closes_idle(plain, Duration::from_secs(2)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_at_most_its_cap_of_connections() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections_per_ip: 4,
        ..Limits::default()
    };
    let addr = start(limits).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let s = TcpStream::connect(addr).await.unwrap();
        held.push(s);
    }
    // Let the server account for them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        closes_idle(addr, Duration::from_secs(1)).await,
        "a fifth connection was kept"
    );
    assert!(!get_ok(addr).await, "a fifth connection was served");
    // One closed: room for one more, which is served.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(get_ok(addr).await);
}

/// The body rule of the tests below: no wait over 1 s, and 1 s plus a second per 1,000
/// bytes received in all.
const BODY: Limits = Limits {
    header_read_timeout: Duration::from_secs(10),
    body_read_timeout: Duration::from_secs(1),
    body_min_rate: 1000,
    max_connections_per_ip: 64,
};

/// Posts a body of `len` bytes to `/count` over HTTP/1, the head at once and then
/// `chunk` bytes every `every` (after a first burst of `burst` bytes; 0: no more) until
/// all is sent or the server answers; the answer (empty if the server closed without
/// one, `gave up` after 20 s without either) and when it came.
async fn post_paced(
    addr: SocketAddr,
    len: usize,
    burst: usize,
    chunk: usize,
    every: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut sent = burst.min(len);
    s.write_all(&vec![b'a'; sent]).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(every, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                // The whole answer: its head and its (short) body.
                if out.windows(4).any(|w| w == b"\r\n\r\n") && out.ends_with(b"}")
                    || out.ends_with(len.to_string().as_bytes())
                {
                    break;
                }
            }
            Err(_) if sent < len && chunk > 0 => {
                let n = chunk.min(len - sent);
                if s.write_all(&vec![b'a'; n]).await.is_err() {
                    break;
                }
                sent += n;
            }
            Err(_) if started.elapsed() > Duration::from_secs(20) => {
                return ("gave up".into(), started.elapsed())
            }
            Err(_) => {}
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

/// Whether `answer` is the body rule's `408` in the one error body (or nothing: the
/// connection closed).
fn is_408(answer: &str) -> bool {
    answer.is_empty()
        || (answer.starts_with("HTTP/1.1 408")
            && answer.contains(r#""error":"request_timeout""#)
            && answer.to_ascii_lowercase().contains("connection: close"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_or_stalled_body_is_cut_off_and_a_steady_one_passes() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, app(), BODY, std::future::pending()));
        addr
    };
    // A trickle: one byte every 100 ms earns 1 ms each; cut after about 1 s.
    let (answer, at) = post_paced(addr, 100, 0, 1, Duration::from_millis(100)).await;
    assert!(is_408(&answer), "{answer}");
    assert!(at < Duration::from_millis(2500), "cut after {at:?}");
    // A burst that earns 100 s, then silence: cut after one wait of 1 s.
    let (answer, at) = post_paced(addr, 200_000, 100_000, 0, Duration::from_millis(100)).await;
    assert!(is_408(&answer), "{answer}");
    assert!(at < Duration::from_millis(2500), "cut after {at:?}");
    // A steady upload at twice the minimum rate, three times as long as the timeout,
    // passes; so does a body sent at once.
    let (answer, at) = post_paced(addr, 6000, 0, 200, Duration::from_millis(100)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n6000"), "{answer}");
    assert!(at > Duration::from_millis(2500), "{at:?}");
    let (answer, _) = post_paced(addr, 65_536, 65_536, 0, Duration::from_millis(100)).await;
    assert!(answer.ends_with("\r\n\r\n65536"), "{answer}");

    // The twin: axum::serve waits for a trickled body as long as it trickles.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await });
    let (answer, at) = post_paced(plain, 30, 0, 1, Duration::from_millis(100)).await;
    assert!(answer.ends_with("\r\n\r\n30"), "{answer}");
    assert!(at > Duration::from_millis(2900), "{at:?}");
}

/// A request body fed from a channel.
struct Feed(mpsc::Receiver<Bytes>);

impl hyper::body::Body for Feed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// Posts to `/count` on one HTTP/2 stream of a fresh connection, feeding `chunks` of
/// `chunk` bytes, one every `every`, then ending the stream or (`hold`) holding it open;
/// the answer's status and body, and when it came.
async fn post_h2(
    addr: SocketAddr,
    chunks: usize,
    chunk: usize,
    every: Duration,
    hold: bool,
) -> (u16, String, Duration) {
    let started = Instant::now();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for _ in 0..chunks {
            if tx.send(Bytes::from(vec![b'a'; chunk])).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
        if hold {
            // Never ended: only the server can end this stream.
            tx.closed().await;
        }
    });
    let req = hyper::Request::post(format!("http://{addr}/count"))
        .body(Feed(rx))
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(20), send.send_request(req))
        .await
        .expect("no answer on the stream")
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_stream_is_held_to_the_same_body_rule() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app(), BODY, std::future::pending()));
    // A few bytes, then a stream held open: 408 in the one error body, within the bound.
    let (status, body, at) = post_h2(addr, 3, 10, Duration::from_millis(100), true).await;
    assert_eq!(status, 408, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "request_timeout", "{v}");
    assert!(at < Duration::from_millis(2500), "cut after {at:?}");
    // A steady stream at twice the minimum rate, longer than the timeout, passes.
    let (status, body, at) = post_h2(addr, 20, 200, Duration::from_millis(100), false).await;
    assert_eq!((status, body.as_str()), (200, "4000"));
    assert!(at > Duration::from_millis(1900), "{at:?}");
}
