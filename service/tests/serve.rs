//! `alc_service::serve` against slow and greedy clients over real TCP: a request head
//! dribbled a line at a time (slowloris) and a connection that sends nothing are cut off
//! after the header-read timeout, while `axum::serve` (the twin) keeps them open; one
//! address gets at most its cap of connections; an ordinary request is answered.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_service::{serve, Limits};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn app() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
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
