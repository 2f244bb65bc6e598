//! Load on the gateway from a second process (`wrk`), in one run: requests per second
//! and p99 latency through `/v1/public/*` (no lease check) and `/v1/autonomous/*` (full
//! lease check), and lease issues per second when many proofs arrive at once, with and
//! without batch verification.
//!
//! Run: `cargo run --release -p alc-benches --example gateway_load` (needs `wrk`:
//! `apt-get install wrk`). The authority and two gateways run in this process (devkit's
//! test authority and gateways, the echo upstream); `wrk` is the second process.

use alc_circuits::credential::HolderSecret;
use alc_devkit::authority::TestAuthority;
use alc_devkit::gateway::TestGateway;
use alc_protocol::gateway::LeaseRequest;
use alc_wallet::lease::ProverKeys;
use rand::SeedableRng;
use std::process::Command;
use std::time::Instant;

/// A lease request for the gateway at `gw`, proved now (a bearer lease: circuit v1).
async fn lease_request(
    c: &reqwest::Client,
    gw: &str,
    auth: &str,
    pk: &ProverKeys,
    cred: &alc_circuits::files::CredentialFile,
    secret: &HolderSecret,
) -> LeaseRequest {
    alc_benches::lease_request(c, gw, auth, pk, cred, secret, None)
        .await
        .0
}

fn wrk(url: &str, lease: &str) -> (f64, String) {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", "-d5s", "--latency"]);
    cmd.args(["-H", &format!("Authorization: Bearer {lease}")]);
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk is installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find(|l| l.trim_start().starts_with("99%"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        .unwrap_or_default();
    let non2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .unwrap_or("")
        .trim()
        .to_owned();
    (rps, format!("p99 {p99} {non2xx}"))
}

#[tokio::main]
async fn main() {
    // A licensed operator at an authority on loopback.
    let authority = TestAuthority::start().await;
    let (auth, _server) = authority.serve().await;
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let cred = authority.credential("load", &secret).await;

    let (pk, vk) =
        alc_prover::keys::setup(&mut rand_chacha::ChaCha20Rng::seed_from_u64(1)).unwrap();
    let pk = ProverKeys::new(pk, None).unwrap();
    let unlimited = "rate_per_min = 4000000000\n";
    let clock = &authority.clock;
    let batched = TestGateway::start(&auth, clock, &vk, unlimited).await;
    let single =
        TestGateway::start(&auth, clock, &vk, &format!("{unlimited}batch_max = 1\n")).await;
    let state = batched.state.clone();
    let (batched, _) = batched.serve().await;
    let (single, _) = single.serve().await;
    let c = reqwest::Client::builder().no_proxy().build().unwrap();

    // Requests through the gateway, checked and unchecked, in the same run.
    let (issued, _) = alc_benches::lease(&c, &batched, &auth, &pk, &cred, &secret, None).await;
    let lease = issued.lease;
    // The per-request check alone, in process (a cached token).
    let route = Some("/v1/autonomous/ping");
    state.gateway.checked(&lease, route, None).await.unwrap();
    let n = 200_000;
    let start = Instant::now();
    for _ in 0..n {
        state.gateway.checked(&lease, route, None).await.unwrap();
    }
    println!(
        "per-request lease check (cached token, {} bytes): {:.0} ns",
        lease.len(),
        start.elapsed().as_nanos() as f64 / f64::from(n)
    );

    // Both runs send the same lease header (the public route ignores it and strips it),
    // alternating three times; the medians are reported.
    let mut runs: [Vec<(f64, String)>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        for (i, route) in ["public", "autonomous"].into_iter().enumerate() {
            let u = format!("{batched}/v1/{route}/ping");
            let l = lease.clone();
            runs[i].push(
                tokio::task::spawn_blocking(move || wrk(&u, &l))
                    .await
                    .unwrap(),
            );
        }
    }
    for r in &mut runs {
        r.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let ((public, l_pub), (checked, l_chk)) = (runs[0][1].clone(), runs[1][1].clone());
    println!(
        "through the gateway (wrk -t2 -c32 -d5s, echo upstream, median of 3 alternating runs):"
    );
    println!("  /v1/public     (no lease check)   {public:>9.0} req/s  {l_pub}");
    println!("  /v1/autonomous (lease checked)    {checked:>9.0} req/s  {l_chk}");
    println!("  checked / unchecked: {:.1}%", 100.0 * checked / public);

    // Many proofs at once: 64 lease requests fired together, batched against one by one.
    for (name, gw) in [("batched (up to 64)", &batched), ("one by one", &single)] {
        let mut reqs = Vec::new();
        for _ in 0..64 {
            reqs.push(lease_request(&c, gw, &auth, &pk, &cred, &secret).await);
        }
        let start = Instant::now();
        let tasks: Vec<_> = reqs
            .into_iter()
            .map(|r| {
                let (c, url) = (c.clone(), format!("{gw}/v1/lease"));
                tokio::spawn(
                    async move { c.post(url).json(&r).send().await.unwrap().status().as_u16() },
                )
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 200);
        }
        let took = start.elapsed();
        println!(
            "64 lease requests at once, {name}: {took:?}, {:.0} leases/s",
            64.0 / took.as_secs_f64()
        );
    }
}
