//! `alc demo`: the whole compact on loopback, in one process, on embedded defaults.
//!
//! A development identity provider, a licensing authority and a gateway (built-in echo
//! upstream) start on `127.0.0.1` with temporary SQLite files; the keys are set up on the
//! first run and cached. Then the story: identity check, two failed assessments and a
//! cooling-off (configured to a few seconds), a pass, a licence credential, a
//! zero-knowledge proof, a lease, public / sandbox / autonomous calls, an agent spawning
//! a sub-agent that spawns another, the registry trace of the grandchild, an emergency
//! revocation after which every agent in the chain gets 403, a renewal that cannot be
//! proved, and a registry audit. Every step checks what it shows: any deviation ends
//! the demo with a non-zero exit. `--json` prints the same story as one JSON event per
//! line.

use super::registry::{trace_chain, Registry};
use crate::client::{self, Authority, Gateway, Http, Lease};
use crate::keydir::{load_proving_key, load_verifying_key, DIGESTS};
use alc_circuits::credential::HolderSecret;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::time::SystemClock;
use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cooling-off the demo's authority uses (the default is 24 hours).
const COOLING_OFF_SECS: u64 = 3;
const AUDIENCE: &str = "alc-authority";

/// How the story is told: coloured lines with spinners on a terminal, JSON events with
/// `--json`.
struct Story {
    json: bool,
    colour: bool,
    start: Instant,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

impl Story {
    fn new(json: bool) -> Self {
        let colour =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self {
            json,
            colour,
            start: Instant::now(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    fn event(&self, v: Value) {
        println!("{v}");
    }

    fn chapter(&self, title: &str) {
        if self.json {
            self.event(json!({ "event": "chapter", "title": title }));
        } else {
            println!("\n{}", self.paint("1", title));
        }
    }

    /// A step that went as it should; `refused` marks a refusal the story expects.
    fn step(&self, name: &str, refused: bool, text: &str, took: Option<Duration>) {
        if self.json {
            self.event(json!({
                "event": "step", "step": name,
                "outcome": if refused { "refused as expected" } else { "ok" },
                "detail": text, "ms": took.map(ms),
            }));
            return;
        }
        let mark = if refused {
            self.paint("33", "✗")
        } else {
            self.paint("32", "✓")
        };
        let time = took
            .map(|d| self.paint("2", &super::human(d)))
            .unwrap_or_default();
        println!("  {mark} {:<10} {text} {time}", self.paint("36", name));
    }

    fn ok(&self, name: &str, text: &str, took: Option<Duration>) {
        self.step(name, false, text, took);
    }

    fn refused(&self, name: &str, text: &str, took: Option<Duration>) {
        self.step(name, true, text, took);
    }

    fn detail(&self, text: &str) {
        if !self.json {
            println!("    {}", self.paint("2", text));
        }
    }

    /// Runs `f` with a spinner on a terminal; returns its output and time.
    async fn slow<T>(&self, what: &str, f: impl Future<Output = T>) -> (T, Duration) {
        let start = Instant::now();
        let spinner = self.colour.then(|| {
            let what = what.to_owned();
            tokio::spawn(async move {
                let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                for i in 0.. {
                    print!("\r  {} {what}...", frames[i % frames.len()]);
                    let _ = std::io::stdout().flush();
                    tokio::time::sleep(Duration::from_millis(80)).await;
                }
            })
        });
        let out = f.await;
        if let Some(s) = spinner {
            s.abort();
            print!("\r\x1b[2K");
            let _ = std::io::stdout().flush();
        }
        (out, start.elapsed())
    }
}

/// `alc demo`.
pub fn run(keys: &Path, json: bool) -> Result<()> {
    let story = Story::new(json);
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = rt.block_on(tell(&story, keys));
    let total = story.start.elapsed();
    match &result {
        Ok(()) if story.json => {
            story.event(json!({ "event": "done", "ok": true, "ms": ms(total) }))
        }
        Ok(()) => println!(
            "\n{} in {}",
            story.paint("1;32", "The compact held at every step"),
            super::human(total)
        ),
        Err(e) if story.json => {
            story.event(json!({ "event": "done", "ok": false, "error": format!("{e:#}") }))
        }
        Err(_) => {}
    }
    result
}

async fn serve(router: axum::Router) -> Result<String> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1")?;
    let url = format!("http://{}", l.local_addr()?);
    tokio::spawn(async move { axum::serve(l, router).await });
    Ok(url)
}

fn manifest(agent: &str) -> String {
    hex::encode(Sha256::digest(format!("manifest of {agent}").as_bytes()))
}

/// One sitting of the assessment: starts an attempt and submits the right or wrong
/// answers to its questions; the marked attempt.
async fn sit(
    auth: &Authority<'_>,
    session: &str,
    answer: &impl Fn(&Value, bool) -> Result<Vec<(String, usize)>>,
    right: bool,
    what: &str,
) -> Result<Value> {
    let (s, attempt) = auth.start_attempt(session).await?;
    ensure!(
        s == 200,
        "{what} could not start: {}",
        client::message(&attempt)
    );
    let id = attempt["attempt"].as_str().unwrap_or("");
    auth.submit(id, &answer(&attempt, right)?).await
}

async fn tell(story: &Story, keys: &Path) -> Result<()> {
    story.chapter("ALC: licensing operators of autonomous AI agents, in zero knowledge");
    story.detail("a development identity provider, an authority and a gateway start on 127.0.0.1 with temporary data");

    // Keys.
    if !keys.join(DIGESTS).exists() {
        let (r, took) = story
            .slow("trusted setup (first run only)", async {
                super::setup::run_quiet(keys)
            })
            .await;
        r?;
        story.ok(
            "setup",
            &format!("new Groth16 keys, cached in {}", keys.display()),
            Some(took),
        );
    }
    let (pk, took) = story
        .slow("loading the proving key", async { load_proving_key(keys) })
        .await;
    let pk = pk?;
    let vk = load_verifying_key(keys)?;
    story.ok(
        "keys",
        "proving key loaded (SHA-256 checked first), verifying key",
        Some(took),
    );

    // Services.
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let idp_url = format!("http://{}", idp_listener.local_addr()?);
    let idp = alc_devkit::idp::DevIdp::generate(idp_url.clone());
    tokio::spawn(async move { alc_devkit::idp::serve(idp_listener, idp).await });
    let adata = work.path().join("authority");
    std::fs::create_dir_all(&adata)?;
    std::fs::write(
        adata.join("authority.toml"),
        format!(
            "name = \"demo-authority\"\n\n[assessment]\ncooling_off_secs = {COOLING_OFF_SECS}\n\n[[identity_providers]]\nissuer = \"{idp_url}\"\naudience = \"{AUDIENCE}\"\njwks = {{ url = \"{idp_url}/jwks.json\" }}\n"
        ),
    )?;
    let clock = Arc::new(SystemClock);
    let authority = alc_issuer::service::open(&adata, clock)
        .await
        .map_err(|e| anyhow!("the authority: {e}"))?;
    let auth_url = serve(alc_issuer::api::app(authority)).await?;
    let admin = std::fs::read_to_string(adata.join("admin-token"))?
        .trim()
        .to_owned();
    let gdata = work.path().join("gateway");
    std::fs::create_dir_all(&gdata)?;
    std::fs::write(gdata.join("gateway.toml"), "scope = \"demo.gateway\"\n")?;
    let gstate = alc_gateway::service::open(
        &alc_gateway::service::ServeOptions {
            data: gdata.clone(),
            listen: "127.0.0.1:0".parse()?,
            authority: Some(auth_url.clone()),
            upstream: Some(alc_devkit::upstream::ECHO.into()),
            in_process: alc_devkit::upstream::offered(),
            verifying_key: vk,
        },
        Arc::new(SystemClock),
    )
    .await
    .map_err(|e| anyhow!("the gateway: {e}"))?;
    let registry_key = gstate.registry_key.clone();
    let status_ready = {
        let g = gstate.gateway.clone();
        async move {
            while g.status().current().is_none() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), status_ready)
        .await
        .map_err(|_| anyhow!("the gateway never received the authority's status"))?;
    let gw_url = serve(alc_gateway::api::app(gstate)).await?;
    let http = Http::new()?;
    client::ok(
        "authority",
        http.post(
            "authority",
            &format!("{auth_url}/v1/admin/gateways"),
            Some(&admin),
            &json!({ "id": "demo.gateway", "key": registry_key, "reason": "demo onboarding" }),
        )
        .await?,
    )?;
    story.ok("services", &format!("identity provider {idp_url}, authority {auth_url}, gateway {gw_url} (registered with the registry)"), None);
    let auth = Authority {
        http: &http,
        url: auth_url.clone(),
    };
    let gw = Gateway {
        http: &http,
        url: gw_url.clone(),
    };

    story.chapter("1. Licensing the operator");
    let start = Instant::now();
    let nonce = auth.nonce().await?;
    let token = client::ok(
        "identity provider",
        http.post(
            "identity provider",
            &format!("{idp_url}/token"),
            None,
            &json!({ "subject": "alice", "audience": AUDIENCE, "nonce": nonce }),
        )
        .await?,
    )?;
    let session = auth
        .sign_in(token["id_token"].as_str().unwrap_or(""))
        .await?;
    story.ok(
        "identity",
        "alice signs in with an ID token; the authority keeps only a keyed hash of who she is",
        Some(start.elapsed()),
    );

    let bank = Bank::from_toml(DEFAULT_BANK).map_err(|e| anyhow!("question bank: {e}"))?;
    let answer = |attempt: &Value, right: bool| -> Result<Vec<(String, usize)>> {
        let qs = attempt["questions"]
            .as_array()
            .ok_or_else(|| anyhow!("an attempt without questions"))?;
        qs.iter()
            .map(|q| {
                let id = q["id"].as_str().unwrap_or("");
                let b = bank
                    .questions
                    .iter()
                    .find(|b| b.id == id)
                    .ok_or_else(|| anyhow!("question {id} is not in the bank"))?;
                let options = q["options"].as_array().cloned().unwrap_or_default();
                let correct = options
                    .iter()
                    .position(|o| o.as_str() == Some(b.options[b.answer].as_str()))
                    .ok_or_else(|| anyhow!("question {id}: the correct option is missing"))?;
                let pick = if right {
                    correct
                } else {
                    (correct + 1) % options.len().max(1)
                };
                Ok((id.to_owned(), pick))
            })
            .collect()
    };
    for n in 1..=2 {
        let marked = sit(&auth, &session, &answer, false, &format!("attempt {n}")).await?;
        ensure!(marked["passed"] == false, "a wrong attempt passed");
        story.refused(
            "assessment",
            &format!(
                "attempt {n}: {}/{} correct, below the {}% pass mark",
                marked["correct"], marked["total"], marked["pass_mark_percent"]
            ),
            None,
        );
    }
    let (s, v) = auth.start_attempt(&session).await?;
    ensure!(
        s == 429,
        "a third attempt started without a cooling-off ({s})"
    );
    let until = v["retry_at"].as_u64().unwrap_or(0);
    story.refused(
        "cooling",
        &format!("two failures: no new attempt for {COOLING_OFF_SECS} s (the demo's setting; the default is 24 h), until {until}"),
        None,
    );
    let ((), took) = story
        .slow("waiting out the cooling-off", async {
            loop {
                if super::now() >= until {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
    story.ok("cooling", "cooling-off over", Some(took));
    let marked = sit(
        &auth,
        &session,
        &answer,
        true,
        "the attempt after the cooling-off",
    )
    .await?;
    ensure!(
        marked["passed"] == true,
        "the right answers did not pass: {marked}"
    );
    story.ok(
        "assessment",
        &format!(
            "attempt 3: {}/{} correct: passed",
            marked["correct"], marked["total"]
        ),
        None,
    );

    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let start = Instant::now();
    let credential = auth.obtain(&session, &secret).await?;
    let c = &credential.signed.credential;
    story.ok("credential", &format!("licence credential, tier {}, serial {}: signed over Poseidon(sk); sk never left the wallet", c.tier, c.serial), Some(start.elapsed()));

    story.chapter("2. Proving the licence and working through the gateway");
    let list = auth.status_list().await?;
    let (root_lease, proving) = gw
        .lease(
            &pk,
            &credential,
            &secret,
            &list,
            "alice-agent",
            &manifest("alice-agent"),
            None,
        )
        .await?;
    story.ok(
        "prove",
        "Groth16 proof: tier >= 1, valid now, not revoked, bound to this gateway's challenge",
        Some(proving),
    );
    let minutes = root_lease
        .expires_at
        .saturating_sub(super::example::unix_now()?)
        .div_ceil(60);
    story.ok(
        "lease",
        &format!(
            "lease {} for agent alice-agent, {minutes} minutes; the gateway knows a pseudonym, not alice",
            root_lease.id
        ),
        None,
    );
    let calls: [(&str, Option<&Lease>); 3] = [
        ("/v1/public/models", None),
        ("/v1/sandbox/chat", Some(&root_lease)),
        ("/v1/autonomous/chat", Some(&root_lease)),
    ];
    for (path, lease) in calls {
        let start = Instant::now();
        let (s, v) = gw.call(path, lease, &json!({ "prompt": "hello" })).await?;
        ensure!(s == 200, "{path}: {s} {}", client::message(&v));
        story.ok(
            "call",
            &format!("{path}: 200 from the upstream"),
            Some(start.elapsed()),
        );
    }
    let (s, v) = gw.call("/v1/autonomous/chat", None, &json!({})).await?;
    ensure!(s == 401, "an autonomous call without a lease got {s}");
    story.refused(
        "call",
        &format!(
            "/v1/autonomous/chat without a lease: {s} ({})",
            client::message(&v)
        ),
        None,
    );

    story.chapter("3. Sub-agents and the chain of liability");
    let child = gw
        .delegate(
            &root_lease,
            "alice-agent/researcher",
            &manifest("researcher"),
            &["/v1/autonomous/"],
            600,
        )
        .await?;
    story.ok(
        "spawn",
        &format!(
            "alice-agent spawns alice-agent/researcher (lease {})",
            child.id
        ),
        None,
    );
    let grandchild = gw
        .delegate(
            &child,
            "alice-agent/researcher/fetcher",
            &manifest("fetcher"),
            &["/v1/autonomous/search/"],
            300,
        )
        .await?;
    story.ok(
        "spawn",
        &format!(
            "researcher spawns alice-agent/researcher/fetcher (lease {}), narrower routes",
            grandchild.id
        ),
        None,
    );
    let (s, _) = gw
        .call(
            "/v1/autonomous/search/papers",
            Some(&grandchild),
            &json!({}),
        )
        .await?;
    ensure!(s == 200, "the grandchild's call got {s}");
    let (s, _) = gw
        .call("/v1/autonomous/chat", Some(&grandchild), &json!({}))
        .await?;
    ensure!(s == 403, "the grandchild called outside its rights: {s}");
    story.refused("rights", "the fetcher may search but not chat: 403", None);

    let (reg, _) = Registry::connect(&auth_url, None).await?;
    let (traced, took) = story
        .slow("waiting for the gateway to submit the links", async {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                match trace_chain(&reg, "alice-agent/researcher/fetcher").await {
                    Ok(r) => break Ok(r),
                    Err(e) if Instant::now() > deadline => break Err(e),
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
        .await;
    let (chain, first_cp) = traced?;
    ensure!(chain.len() == 3, "the trace has {} links", chain.len());
    story.ok(
        "trace",
        &format!(
            "registry trace of the fetcher: {} links up to the root lease, each inclusion-verified",
            chain.len()
        ),
        Some(took),
    );
    for (i, l) in chain.iter().enumerate() {
        story.detail(&format!(
            "{}{} lease {} depth {} at {} (entry {})",
            "  ".repeat(i),
            l.spawn.agent,
            l.spawn.lease_id,
            l.spawn.depth,
            l.spawn.gateway,
            l.index
        ));
    }

    story.chapter("4. The kill switch");
    let start = Instant::now();
    client::ok(
        "authority",
        http.post(
            "authority",
            &format!("{auth_url}/v1/admin/revoke"),
            Some(&admin),
            &json!({ "serial": c.serial, "reason": "demo: misconduct", "emergency": true }),
        )
        .await?,
    )?;
    story.ok(
        "revoke",
        &format!(
            "the authority revokes serial {} with an emergency status",
            c.serial
        ),
        Some(start.elapsed()),
    );
    let agents = [
        ("alice-agent", &root_lease, "/v1/autonomous/chat"),
        ("researcher", &child, "/v1/autonomous/chat"),
        ("fetcher", &grandchild, "/v1/autonomous/search/papers"),
    ];
    let mut refused = [false; 3];
    let latency = loop {
        for (i, (_, lease, path)) in agents.iter().enumerate() {
            if !refused[i] {
                let (s, _) = gw.call(path, Some(lease), &json!({})).await?;
                ensure!(s == 200 || s == 403, "{path} answered {s}");
                refused[i] = s == 403;
            }
        }
        if refused.iter().all(|r| *r) {
            break start.elapsed();
        }
        ensure!(
            start.elapsed() < Duration::from_secs(5),
            "the gateway kept serving a revoked licence"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    story.refused(
        "403",
        &format!(
            "every agent in the chain is refused ({}) {} after the revocation",
            agents.map(|a| a.0).join(", "),
            super::human(latency)
        ),
        None,
    );
    let list = auth.status_list().await?;
    let renewal = gw
        .lease(
            &pk,
            &credential,
            &secret,
            &list,
            "alice-agent",
            &manifest("alice-agent"),
            Some(&root_lease),
        )
        .await;
    match renewal {
        Err(e) => story.refused("renew", &format!("no new lease: {e:#}"), None),
        Ok(_) => bail!("a revoked licence renewed its lease"),
    }

    story.chapter("5. Auditing the registry");
    let start = Instant::now();
    let cp = reg.checkpoint().await?;
    let proof = reg
        .consistency(first_cp.checkpoint().size, cp.checkpoint().size)
        .await?;
    alc_registry::audit::check_consistency(&first_cp, &cp, &proof)
        .context("the registry is not consistent with the checkpoint seen before")?;
    for l in &chain {
        let (_, leaf) = reg.entry(l.index).await?;
        reg.verify_inclusion(l.index, &leaf, &cp).await?;
    }
    story.ok(
        "audit",
        &format!(
            "checkpoint of {} entries signed by the authority, consistent with the earlier one of {}, every link included",
            cp.checkpoint().size,
            first_cp.checkpoint().size
        ),
        Some(start.elapsed()),
    );
    Ok(())
}
