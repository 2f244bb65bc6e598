//! Key-bound leases under load, in one run: requests per second through
//! `/v1/autonomous/*` with a bearer lease (circuit v1, `allow_v1`) and with a key-bound
//! lease (circuit v2: every request signed, RFC 9421 profile, `docs/leases.md`), from the
//! same load generator, alternating five times; `wrk` on the bearer lease for
//! comparison with earlier figures; and the bearer lease through the same gateway served
//! by plain `axum::serve`, against `alc_service::serve`'s limits (header timer,
//! connections per address).
//!
//! Run: `cargo run --release -p alc-benches --example signed_load` (needs `wrk` for the
//! reference line). The authority and both gateways run in this process; the load
//! generator is this program again in a second process (`--generate`): keep-alive
//! HTTP/1.1 connections over loopback, each request signed afresh when a key is given.

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::{from_decimal, to_decimal};
use alc_devkit::authority::TestAuthority;
use alc_devkit::gateway::TestGateway;
use alc_devkit::keys::{test_escrow_key, test_keys, test_keys_v2};
use alc_protocol::signature::{CONTENT_DIGEST, SIGNATURE, SIGNATURE_INPUT};
use alc_wallet::keys::{AgentKey, Signer};
use alc_wallet::lease::ProverKeys;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CONNECTIONS: usize = 32;
const SECONDS: u64 = 5;
const RUNS: usize = 5;
const PATH: &str = "/v1/autonomous/ping";

/// The generator's side: `--generate ADDR TOKEN [SECRET SALT BINDING LEASE_ID NOW]`
/// (`NOW`: the gateway's clock, which is the test authority's manual one).
async fn generate(args: &[String]) {
    let addr = args[0].clone();
    let token = args[1].clone();
    let offset = args
        .get(6)
        .map(|n| n.parse::<i64>().unwrap() - alc_protocol::time::now() as i64)
        .unwrap_or(0);
    let signer = (args.len() == 7).then(|| {
        let secret = HolderSecret::from_field(from_decimal(&args[2]).unwrap());
        let salt: [u8; 16] = hex::decode(&args[3]).unwrap().try_into().unwrap();
        let key = AgentKey::derive(&secret, &salt);
        Signer::new(&key, &args[4], &args[5], "gateway").unwrap()
    });
    let signer = std::sync::Arc::new(signer);
    let url = reqwest::Url::parse(&format!("http://{addr}{PATH}")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (addr, token, signer, url) = (addr.clone(), token.clone(), signer.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            let (mut ok, mut other) = (0u64, 0u64);
            let mut buf = vec![0u8; 16 * 1024];
            while Instant::now() < deadline {
                let mut req = format!(
                    "GET {PATH} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n"
                );
                if let Some(sig) = signer.as_ref() {
                    let created = (alc_protocol::time::now() as i64 + offset) as u64;
                    let h = sig.sign_at("GET", &url, b"", created);
                    req.push_str(&format!(
                        "{CONTENT_DIGEST}: {}\r\n{SIGNATURE_INPUT}: {}\r\n{SIGNATURE}: {}\r\n",
                        h.content_digest, h.signature_input, h.signature
                    ));
                }
                req.push_str("\r\n");
                s.write_all(req.as_bytes()).await.unwrap();
                // One response: headers, then Content-Length bytes.
                let mut have = 0;
                let (head_end, length) = loop {
                    let n = s.read(&mut buf[have..]).await.unwrap();
                    assert!(n > 0, "the gateway closed the connection");
                    have += n;
                    if let Some(i) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = std::str::from_utf8(&buf[..i]).unwrap().to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map(|v| v.trim().parse().unwrap())
                            .unwrap_or(0);
                        if head.starts_with("http/1.1 200") {
                            ok += 1
                        } else {
                            other += 1
                        }
                        break (i + 4, length);
                    }
                };
                while have < head_end + length {
                    let n = s.read(&mut buf[have..]).await.unwrap();
                    assert!(n > 0, "the gateway closed the connection");
                    have += n;
                }
            }
            (ok, other)
        }));
    }
    let (mut ok, mut other) = (0, 0);
    for t in tasks {
        let (o, x) = t.await.unwrap();
        ok += o;
        other += x;
    }
    println!("{} {}", ok as f64 / SECONDS as f64, other);
}

/// Runs the generator in a second process: requests per second answered 200, and the
/// count of other answers.
fn run_generator(args: &[String]) -> (f64, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--generate")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    (
        it.next().unwrap_or("0").parse().unwrap_or(0.0),
        it.next().unwrap_or("0").parse().unwrap_or(0),
    )
}

fn wrk(url: &str, lease: &str) -> f64 {
    let out = Command::new("wrk")
        .args([
            "-t2",
            "-c32",
            &format!("-d{SECONDS}s"),
            "-H",
            &format!("Authorization: Bearer {lease}"),
            url,
        ])
        .output();
    let Ok(out) = out else { return 0.0 };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("Requests/sec"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        return rt.block_on(generate(&args[1..]));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let authority = TestAuthority::start().await;
        let (auth, _server) = authority.serve().await;
        let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
        let cred = authority.credential("load", &secret).await;
        let unlimited = "rate_per_min = 4000000000\n";
        let clock = &authority.clock;
        let v1 = TestGateway::start(&auth, clock, &test_keys().1, unlimited).await;
        let v2 = TestGateway::start(&auth, clock, &test_keys_v2().1, unlimited).await;
        let (v1_url, _) = v1.serve().await;
        let (v2_url, _) = v2.serve().await;
        // The same v1 gateway behind plain `axum::serve` (no header timer, no per-address
        // cap): the serve loop before `alc_service::serve`, side by side.
        let plain_url = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let app = v1.app.clone();
            tokio::spawn(async move { axum::serve(listener, app).await });
            url
        };
        let c = reqwest::Client::builder().no_proxy().build().unwrap();

        let v1_keys = ProverKeys::new(test_keys().0.clone(), None).unwrap();
        let v2_keys = ProverKeys::new(test_keys_v2().0.clone(), Some(test_escrow_key())).unwrap();
        let (bearer, _) = alc_benches::lease(&c, &v1_url, &auth, &v1_keys, &cred, &secret, None).await;
        let salt = [5u8; 16];
        let key = AgentKey::derive(&secret, &salt);
        let (bound, ch) = alc_benches::lease(&c, &v2_url, &auth, &v2_keys, &cred, &secret, Some(&key)).await;
        assert_eq!(bound.key, Some(key.public_hex()));

        let addr = |u: &str| u.trim_start_matches("http://").to_owned();
        let bearer_args = vec![addr(&v1_url), bearer.lease.clone()];
        let signed_args = vec![
            addr(&v2_url),
            bound.lease.clone(),
            to_decimal(secret.expose()),
            hex::encode(salt),
            ch.binding_key.clone(),
            bound.lease_id.clone(),
            alc_protocol::time::Clock::now(clock).to_string(),
        ];
        // The generator's own share: the bearer lease's requests signed as the v2 ones are
        // (the v1 gateway ignores and strips the headers).
        let mut unchecked_args = signed_args.clone();
        unchecked_args[0] = addr(&v1_url);
        unchecked_args[1] = bearer.lease.clone();
        let mut plain_args = bearer_args.clone();
        plain_args[0] = addr(&plain_url);
        let (mut b, mut s, mut w, mut u, mut p) = (vec![], vec![], vec![], vec![], vec![]);
        let generate = |args: &Vec<String>| {
            let a = args.clone();
            tokio::task::spawn_blocking(move || run_generator(&a))
        };
        for _ in 0..RUNS {
            let (rps, other) = generate(&bearer_args).await.unwrap();
            assert_eq!(other, 0, "bearer: non-200 answers");
            b.push(rps);
            let (rps, other) = generate(&signed_args).await.unwrap();
            assert_eq!(other, 0, "signed: non-200 answers");
            s.push(rps);
            u.push(generate(&unchecked_args).await.unwrap().0);
            let (rps, other) = generate(&plain_args).await.unwrap();
            assert_eq!(other, 0, "bearer behind axum::serve: non-200 answers");
            p.push(rps);
            let (url, l) = (format!("{v1_url}{PATH}"), bearer.lease.clone());
            w.push(tokio::task::spawn_blocking(move || wrk(&url, &l)).await.unwrap());
        }
        println!("through the gateway (GET {PATH}, echo upstream, {CONNECTIONS} connections, {SECONDS} s, median of {RUNS} alternating runs):");
        println!("  runs: {:?}", (&b, &s, &u, &w, &p));
        let (b, s, u, w, p) = (median(b), median(s), median(u), median(w), median(p));
        println!("  bearer lease (v1), Rust generator       {b:>9.0} req/s");
        println!("  key-bound lease (v2), signed, same      {s:>9.0} req/s");
        println!("  signed / bearer: {:.2}", s / b);
        println!("  bearer lease, requests signed, unchecked {u:>9.0} req/s (the generator's share)");
        println!("  bearer lease (v1), wrk (reference)      {w:>9.0} req/s");
        println!("  bearer lease (v1), plain axum::serve    {p:>9.0} req/s (alc_service::serve / axum::serve: {:.2})", b / p);
    });
}
