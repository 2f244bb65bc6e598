//! Lease issuance and checked calls on a gateway fleet sharing one PostgreSQL store
//! (issue 18, `docs/fleet.md`), in one run: 96 proved lease requests fired at once at one
//! gateway on SQLite, at one on PostgreSQL, and spread over three on one PostgreSQL
//! database (batched verification, up to 64 per batch, in each gateway); then checked
//! autonomous calls through the same gateways, `wrk` with 32 connections in all (one
//! `wrk` per gateway, run together, their rates summed).
//!
//! Run: `ALC_TEST_POSTGRES=postgres://... cargo run --release -p alc-benches --example
//! fleet_leases` (needs `wrk`: `apt-get install wrk`). The authority and the gateways run in this process (devkit's, the echo
//! upstream; each gateway its own data folder and lease key, one scope, one database): on
//! a 2-core machine they share the same cores, so the three-gateway figure says what
//! sharing the store costs, not what three hosts would gain.

use alc_circuits::credential::HolderSecret;
use alc_devkit::authority::TestAuthority;
use alc_devkit::gateway::TestGateway;
use alc_wallet::lease::ProverKeys;
use rand::SeedableRng;
use std::process::Command;
use std::time::Instant;

/// `wrk` for 5 s with `connections` against `url`, the lease as bearer: requests/s.
fn wrk(url: &str, lease: &str, connections: usize) -> f64 {
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), "-d5s"])
        .args(["-H", &format!("Authorization: Bearer {lease}")])
        .arg(url)
        .output()
        .expect("wrk is installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("Non-2xx"), "refusals: {text}");
    text.lines()
        .find(|l| l.starts_with("Requests/sec"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

const REQUESTS: usize = 96;

#[tokio::main]
async fn main() {
    let server = alc_devkit::postgres::server()
        .expect("ALC_TEST_POSTGRES names a PostgreSQL server (a role that may create databases)");
    let authority = TestAuthority::start().await;
    let (auth, _server) = authority.serve().await;
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let cred = authority.credential("fleet-load", &secret).await;
    let (pk, vk) =
        alc_prover::keys::setup(&mut rand_chacha::ChaCha20Rng::seed_from_u64(1)).unwrap();
    let pk = ProverKeys::new(pk, None).unwrap();
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let unlimited = "rate_per_min = 1000000\n";
    for (name, gateways, postgres) in [
        ("SQLite, 1 gateway", 1, false),
        ("PostgreSQL, 1 gateway", 1, true),
        ("PostgreSQL, 3 gateways", 3, true),
    ] {
        let database = if postgres {
            let url = alc_devkit::postgres::fresh_database(&server, "alc_bench_fleet").await;
            format!("database = \"{url}\"\n")
        } else {
            String::new()
        };
        let mut fleet = Vec::new();
        let mut urls = Vec::new();
        for _ in 0..gateways {
            let g = TestGateway::start(
                &auth,
                &authority.clock,
                &vk,
                &format!("{unlimited}{database}"),
            )
            .await;
            urls.push(g.serve().await.0);
            fleet.push(g);
        }
        let mut reqs = Vec::with_capacity(REQUESTS);
        for i in 0..REQUESTS {
            let gw = urls[i % gateways].clone();
            let (req, _) =
                alc_benches::lease_request(&c, &gw, &auth, &pk, &cred, &secret, None).await;
            reqs.push((gw, req));
        }
        let start = Instant::now();
        let tasks: Vec<_> = reqs
            .into_iter()
            .map(|(gw, r)| {
                let c = c.clone();
                tokio::spawn(async move {
                    c.post(format!("{gw}/v1/lease"))
                        .json(&r)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 200);
        }
        let took = start.elapsed();
        println!(
            "{REQUESTS} lease requests at once, {name}: {took:?}, {:.0} leases/s",
            REQUESTS as f64 / took.as_secs_f64()
        );
        // Checked calls: one lease per gateway, every gateway loaded at once.
        let mut leases = Vec::new();
        for gw in &urls {
            let (issued, _) = alc_benches::lease(&c, gw, &auth, &pk, &cred, &secret, None).await;
            leases.push((format!("{gw}/v1/autonomous/ping"), issued.lease));
        }
        let per = 32 / gateways;
        let runs: Vec<_> = leases
            .into_iter()
            .map(|(u, l)| tokio::task::spawn_blocking(move || wrk(&u, &l, per)))
            .collect();
        let mut total = 0.0;
        for r in runs {
            total += r.await.unwrap();
        }
        println!("checked autonomous calls, {name}: {total:.0} req/s ({per} connections each)");
    }
}
