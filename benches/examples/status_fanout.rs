//! Status push fan-out (issue 18, `docs/scaling.md`): N concurrent subscribers of the
//! authority's status stream (`GET /v1/status/stream`, server-sent events) over loopback,
//! one revocation, and the time until every subscriber has the new epoch, from just
//! before the revocation is asked for (its durable commit included).
//!
//! `ulimit -n 4096; cargo run --release -p alc-benches --example status_fanout [-- N]`
//! (N = 1,000 by default; client and server sockets share the process's descriptors).
//! Trials of one revocation each; p50, p99 and the last subscriber per trial.

use alc_circuits::credential::HolderSecret;
use alc_devkit::authority::TestAuthority;
use std::time::{Duration, Instant};

/// The epoch in one SSE `data:` line (`{"payload": base64url(JSON), ...}`), unchecked:
/// the timing is the push, not the subscribers' signature checks.
fn epoch_of(line: &str) -> Option<u64> {
    let json: serde_json::Value = serde_json::from_str(line.strip_prefix("data:")?.trim()).ok()?;
    let payload = alc_protocol::encoding::base64url_bytes(json["payload"].as_str()?).ok()?;
    let response: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    response["epoch"].as_u64()
}

/// One subscriber: reports when it is listening, then each later epoch it sees, and when.
async fn subscribe(
    client: reqwest::Client,
    url: String,
    ready: tokio::sync::mpsc::UnboundedSender<()>,
    seen: tokio::sync::mpsc::UnboundedSender<(u64, Instant)>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut resp = client.get(url).send().await?.error_for_status()?;
    let mut pending = String::new();
    let mut listening = false;
    while let Some(chunk) = resp.chunk().await? {
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = pending.find('\n') {
            let line: String = pending.drain(..=i).collect();
            let Some(epoch) = epoch_of(&line) else {
                continue;
            };
            if listening {
                seen.send((epoch, Instant::now()))?;
            } else {
                listening = true;
                ready.send(())?;
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1000);
    let t = TestAuthority::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/v1/status/stream", listener.local_addr()?);
    // Every subscriber comes from 127.0.0.1: no per-address cap here.
    let limits = alc_service::Limits {
        max_connections_per_ip: 0,
        ..alc_service::Limits::default()
    };
    tokio::spawn(alc_service::serve(
        listener,
        t.app.clone(),
        limits,
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..n {
        let (c, u, r, s) = (
            client.clone(),
            url.clone(),
            ready_tx.clone(),
            seen_tx.clone(),
        );
        tokio::spawn(async move {
            if let Err(e) = subscribe(c, u, r, s).await {
                eprintln!("a subscriber failed: {e}");
            }
        });
    }
    let started = Instant::now();
    for _ in 0..n {
        ready_rx.recv().await.ok_or("subscribers gone")?;
    }
    println!("{n} subscribers listening after {:?}", started.elapsed());
    for trial in 0..5 {
        let holder = HolderSecret::generate(&mut rand::rngs::OsRng);
        let cred = t.credential(&format!("op{trial}"), &holder).await;
        let asked = Instant::now();
        let epoch = t.revoke(cred.signed.credential.serial, false).await;
        let answered = asked.elapsed();
        let mut times = Vec::with_capacity(n);
        while times.len() < n {
            let (e, at) = tokio::time::timeout(Duration::from_secs(30), seen_rx.recv())
                .await?
                .ok_or("subscribers gone")?;
            if e == epoch {
                times.push(at.saturating_duration_since(asked));
            }
        }
        times.sort();
        println!(
            "epoch {epoch}: revocation answered in {answered:?}; all {n} subscribers had it after {:?} (p50 {:?}, p99 {:?})",
            times[n - 1],
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    Ok(())
}
