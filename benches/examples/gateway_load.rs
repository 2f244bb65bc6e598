//! Load on the gateway from a second process (`wrk`), in one run: requests per second
//! and p99 latency through `/v1/public/*` (no lease check) and `/v1/autonomous/*` (full
//! lease check), and lease issues per second when many proofs arrive at once, with and
//! without batch verification.
//!
//! Run: `cargo run --release -p alc-benches --example gateway_load` (needs `wrk`:
//! `apt-get install wrk`). The authority and two gateways run in this process with the
//! built-in echo upstream; `wrk` is the second process.

use alc_circuits::credential::HolderSecret;
use alc_devkit::idp::DevIdp;
use alc_gateway::api::app;
use alc_gateway::service::{open, ServeOptions};
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::Answer;
use alc_protocol::authority::CredentialRequest;
use alc_protocol::time::SystemClock;
use alc_prover::{prepare, prove, ProvingKey};
use rand::SeedableRng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const AUD: &str = "alc-authority";

fn now() -> u64 {
    alc_protocol::time::now()
}

async fn serve(router: axum::Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, router).await });
    url
}

async fn gateway(
    dir: &std::path::Path,
    authority: &str,
    vk: &alc_verifier::VerifyingKey,
    toml: &str,
) -> (String, alc_gateway::api::AppState) {
    std::fs::write(dir.join("gateway.toml"), toml).unwrap();
    let opts = ServeOptions {
        data: dir.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        authority: Some(authority.into()),
        upstream: Some("echo".into()),
        in_process: alc_devkit::upstream::offered(),
        verifying_key: vk.clone(),
    };
    let state = open(&opts, Arc::new(SystemClock)).await.unwrap();
    while state.gateway.status().current().is_none() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (serve(app(state.clone())).await, state)
}

/// A lease request for the gateway at `gw`, proved now.
async fn lease_request(
    c: &reqwest::Client,
    gw: &str,
    auth: &str,
    pk: &ProvingKey,
    cred: &alc_circuits::files::CredentialFile,
    secret: &HolderSecret,
) -> Value {
    let ch: Value = c
        .get(format!("{gw}/v1/lease/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list: Value = c
        .get(format!("{auth}/v1/status/list"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list =
        alc_circuits::status::StatusList::decode(list["encoded_list"].as_str().unwrap()).unwrap();
    let manifest = hex::encode(Sha256::digest(b"load test agent"));
    let req = alc_prover::ProofRequest {
        min_tier: 1,
        min_permit_tier: 0,
        now: ch["now"].as_str().unwrap().parse().unwrap(),
        scope: ch["scope"].as_str().unwrap().into(),
        challenge: ch["challenge"].as_str().unwrap().into(),
        manifest: manifest.clone(),
    };
    let (st, w) = prepare(&cred.issuer, &cred.signed, secret, &list, &req).unwrap();
    let proof = prove(pk, &st, &w, &mut rand::rngs::OsRng).unwrap();
    let pres: Value = serde_json::from_str(
        &alc_verifier::Presentation {
            proof,
            statement: st,
        }
        .to_json(),
    )
    .unwrap();
    json!({ "presentation": pres, "agent": "load", "manifest": manifest })
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
    let dir = tempfile::tempdir().unwrap();
    let (adir, g1, g2) = (
        dir.path().join("a"),
        dir.path().join("g1"),
        dir.path().join("g2"),
    );
    for d in [&adir, &g1, &g2] {
        std::fs::create_dir_all(d).unwrap();
    }
    let idp = DevIdp::generate("https://idp.load".into());
    std::fs::write(adir.join("jwks.json"), idp.jwks().to_string()).unwrap();
    std::fs::write(
        adir.join("authority.toml"),
        format!("[[identity_providers]]\nissuer = \"https://idp.load\"\naudience = \"{AUD}\"\njwks = {{ file = \"{}\" }}\n", adir.join("jwks.json").display()),
    )
    .unwrap();
    let authority = alc_issuer::service::open(&adir, Arc::new(SystemClock))
        .await
        .unwrap();
    let auth = serve(alc_issuer::api::app(authority.clone())).await;
    // A licensed operator.
    let n = authority.nonce().await.unwrap();
    let session = authority
        .login(&idp.mint("load", AUD, Some(&n.nonce), now(), 600))
        .await
        .unwrap();
    let id = authority.session_identity(&session.session).await.unwrap();
    let attempt = authority.start_attempt(&id).await.unwrap();
    let bank = Bank::from_toml(DEFAULT_BANK).unwrap();
    let answers: Vec<Answer> = attempt
        .questions
        .iter()
        .map(|q| {
            let b = bank.questions.iter().find(|b| b.id == q.id).unwrap();
            Answer {
                question: q.id.clone(),
                option: q
                    .options
                    .iter()
                    .position(|o| *o == b.options[b.answer])
                    .unwrap(),
            }
        })
        .collect();
    authority
        .submit_attempt(&attempt.attempt, &answers)
        .await
        .unwrap();
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let cred = authority
        .issue(
            &id,
            &CredentialRequest {
                holder: alc_circuits::field::to_decimal(&secret.commitment()),
                permit: None,
            },
        )
        .await
        .unwrap();

    let (pk, vk) =
        alc_prover::keys::setup(&mut rand_chacha::ChaCha20Rng::seed_from_u64(1)).unwrap();
    let unlimited = "rate_per_min = 4000000000\n";
    let (batched, state) = gateway(&g1, &auth, &vk, unlimited).await;
    let (single, _) = gateway(&g2, &auth, &vk, &format!("{unlimited}batch_max = 1\n")).await;
    let c = reqwest::Client::builder().no_proxy().build().unwrap();

    // Requests through the gateway, checked and unchecked, in the same run.
    let req = lease_request(&c, &batched, &auth, &pk, &cred, &secret).await;
    let lease: Value = c
        .post(format!("{batched}/v1/lease"))
        .json(&req)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lease = lease["lease"].as_str().unwrap().to_owned();
    // The per-request check alone, in process (a cached token).
    let route = Some("/v1/autonomous/ping");
    state.gateway.checked(&lease, route).await.unwrap();
    let n = 200_000;
    let start = Instant::now();
    for _ in 0..n {
        state.gateway.checked(&lease, route).await.unwrap();
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
