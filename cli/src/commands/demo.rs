//! `alc demo`: the whole compact on loopback, in one process, on embedded defaults.
//!
//! A development identity provider, a licensing authority with three escrow trustees
//! (2 of 3) and two gateways A and B (built-in echo upstream) start on `127.0.0.1` with
//! temporary SQLite files; the trustees' key and circuit v2's keys are made on the first
//! run and cached (the demo trustees' shares beside them: development only). Then the
//! story: identity check, two failed assessments and a cooling-off (configured to a few
//! seconds), a pass, a licence credential, a zero-knowledge proof escrowing the serial
//! and binding the agent's key, a key-bound lease at A, public / sandbox / autonomous
//! calls (each signed), at B a lease whose agent spawns a sub-agent that spawns another,
//! the registry trace of the grandchild; the grandchild misbehaves at B, B reports it, two
//! of the three trustees open the incident on the record, the licence is revoked with an
//! emergency status and every agent of the operator gets 403 at A and at B, a renewal
//! cannot be proved, and a registry audit counts the openings. Every step checks what it shows: any deviation ends
//! the demo with a non-zero exit. `--json` prints the same story as one JSON event per
//! line.

use super::registry::{trace_chain, Link, Registry};
use crate::keydir::{load_any_verifying_key, load_prover_keys, DIGESTS, ESCROW_KEY};
use alc_circuits::credential::HolderSecret;
use alc_escrow::dkg::TrusteeShare;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::{
    Answer, Filed, GatewayRegistration, Marked, Registered, ShownQuestion,
};
use alc_protocol::escrow::{KeyShare, KEY_SHARE};
use alc_protocol::gateway::IncidentRequest;
use alc_protocol::time::{now, SystemClock};
use alc_registry::checkpoint::SignedCheckpoint;
use alc_wallet::client::{AuthorityClient, GatewayClient, Http};
use alc_wallet::lease::{self, manifest_digest, Leaser, Narrowing, ProverKeys};
use alc_wallet::store::{Config, OpenAttempt, StoredLease};
use alc_wallet::{credential, enrol, Wallet, WalletError};
use anyhow::{anyhow, bail, ensure, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Key directory (created by setup on first run, reused afterwards).
    #[arg(long, env = "ALC_KEYS", default_value_os_t = crate::keydir::default_cache())]
    keys: PathBuf,
    /// Print the story as JSON events, one per line.
    #[arg(long)]
    json: bool,
    /// A PostgreSQL server (`postgres://user@host/db`, a role that may create
    /// databases): the authority and each gateway get a fresh database of their own
    /// there, dropped at the end [default: SQLite files in the temporary folder].
    #[arg(long)]
    database: Option<String>,
}

impl DemoArgs {
    /// Tells the story.
    pub fn run(self) -> Result<()> {
        run(&self.keys, self.json, self.database.as_deref())
    }
}

/// `alc demo`, on SQLite or on fresh databases of the PostgreSQL server `database`.
pub fn run(keys: &Path, json: bool, database: Option<&str>) -> Result<()> {
    let story = Story::new(json);
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = rt.block_on(async {
        let Some(server) = database else {
            return tell(&story, keys, None).await;
        };
        let mut made = Vec::new();
        let mut databases = Databases::default();
        for slot in [
            &mut databases.authority,
            &mut databases.gateway_a,
            &mut databases.gateway_b,
        ] {
            let url = alc_devkit::postgres::create_database(server, "alc_demo")
                .await
                .with_context(|| {
                    format!(
                        "cannot create a database on {}",
                        alc_service::redact_url(server)
                    )
                })?;
            made.push(url.clone());
            *slot = Some(url);
        }
        let told = tell(&story, keys, Some(&databases)).await;
        for url in made {
            if let Err(e) = alc_devkit::postgres::drop_database(server, &url).await {
                eprintln!("could not drop {}: {e}", alc_service::redact_url(&url));
            }
        }
        told
    });
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
    let (url, _server) = alc_devkit::http::serve(router)
        .await
        .context("cannot listen on 127.0.0.1")?;
    Ok(url)
}

fn manifest(agent: &str) -> String {
    manifest_digest(format!("manifest of {agent}").as_bytes())
}

/// The wallet's passphrase in the demo (a real wallet asks for one).
const PASSPHRASE: &str = "the demo's wallet passphrase";

/// The stage: the services on loopback and the clients that talk to them.
struct Stage {
    /// Temporary data of the services and the wallet (removed at the end).
    work: tempfile::TempDir,
    prover: ProverKeys,
    http: Http,
    idp: String,
    auth: AuthorityClient,
    /// Gateway A.
    gw: GatewayClient,
    /// Gateway B and its admin token.
    gw_b: GatewayClient,
    gw_b_admin: String,
    /// The authority's `initial` admin token.
    admin: String,
    /// The demo trustees' key shares (development only: real trustees keep their own).
    trustees: Vec<TrusteeShare>,
}

impl Stage {
    fn prover(&self) -> Result<ProverKeys> {
        Ok(ProverKeys::new(self.prover.pk.clone(), self.prover.escrow)?)
    }
}

/// The operator after the licensing chapter: her wallet, its secret and its credential.
struct Operator {
    wallet: Wallet,
    secret: HolderSecret,
    serial: u32,
}

/// The agents of the sub-agents chapter, and what the registry showed of them.
struct Agents {
    /// The agent at gateway A.
    root: StoredLease,
    /// At gateway B: the root lease (and its leaser), a child and the grandchild.
    leaser_b: Leaser,
    root_b: StoredLease,
    child: StoredLease,
    grandchild: StoredLease,
    registry: Registry,
    chain: Vec<Link>,
    checkpoint: SignedCheckpoint,
}

/// The PostgreSQL databases of a demo on PostgreSQL (none: SQLite).
#[derive(Default)]
struct Databases {
    authority: Option<String>,
    gateway_a: Option<String>,
    gateway_b: Option<String>,
}

async fn tell(story: &Story, keys: &Path, databases: Option<&Databases>) -> Result<()> {
    story.chapter("ALC: licensing operators of autonomous AI agents, in zero knowledge");
    story.detail("a development identity provider, an authority with three escrow trustees and two gateways start on 127.0.0.1 with temporary data");
    if let Some(d) = databases {
        story.detail(&format!(
            "on PostgreSQL: the authority on {}, the gateways on databases of their own",
            alc_service::redact_url(d.authority.as_deref().unwrap_or_default())
        ));
    }
    let none = Databases::default();
    let stage = set_up(story, keys, databases.unwrap_or(&none)).await?;
    story.chapter("1. Licensing the operator");
    let alice = licensing(story, &stage).await?;
    story.chapter("2. Proving the licence and working through gateway A");
    let root = working(story, &stage, &alice).await?;
    story.chapter("3. Sub-agents at gateway B and the chain of liability");
    let agents = sub_agents(story, &stage, &alice, root).await?;
    story.chapter("4. An incident, opened on the record: the kill switch at every gateway");
    let incident = kill_switch(story, &stage, &alice, &agents).await?;
    story.chapter("5. Auditing the registry");
    auditing(story, &agents, incident).await
}

/// The keys (set up on the first run), the development identity provider, the
/// authority and the gateway, the gateway registered with the registry.
async fn set_up(story: &Story, keys: &Path, databases: &Databases) -> Result<Stage> {
    if !keys.join(DIGESTS).exists() {
        let start = Instant::now();
        demo_trustees(keys)?;
        story.ok(
            "trustees",
            "three trustees generate a 2-of-3 escrow key (joint Feldman: no one holds it)",
            Some(start.elapsed()),
        );
        let (r, took) = story
            .slow(
                "trusted setup of circuit v2 under it (first run only)",
                async { super::setup::run_quiet(keys, Some(&keys.join(ESCROW_KEY))) },
            )
            .await;
        r?;
        story.ok(
            "setup",
            &format!("new Groth16 keys, cached in {}", keys.display()),
            Some(took),
        );
    }
    let (prover, took) = story
        .slow("loading the proving key", async { load_prover_keys(keys) })
        .await;
    let prover = prover?;
    ensure!(
        prover.escrow.is_some(),
        "the keys in {} are circuit v1's: the demo needs circuit v2's (remove the folder to make them)",
        keys.display()
    );
    let vk = load_any_verifying_key(keys)?;
    let trustees = (1..=3)
        .map(|i| {
            let path = keys.join("trustees").join(format!("trustee-{i}.json"));
            let text = crate::fsio::read_string(&path)?;
            let file: KeyShare = alc_protocol::files::parse(&text, KEY_SHARE)?;
            Ok(TrusteeShare::from_text(&file)?)
        })
        .collect::<Result<Vec<_>>>()?;
    story.ok(
        "keys",
        "circuit v2's proving key loaded (SHA-256 checked first), the verifying key, the trustees' escrow key",
        Some(took),
    );

    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let idp = format!("http://{}", idp_listener.local_addr()?);
    let dev = alc_devkit::idp::DevIdp::generate(idp.clone());
    tokio::spawn(async move { alc_devkit::idp::serve(idp_listener, dev).await });
    let adata = work.path().join("authority");
    std::fs::create_dir_all(&adata)?;
    std::fs::write(
        adata.join("authority.toml"),
        format!(
            "name = \"demo-authority\"\nescrow_key = {:?}\n\n[assessment]\ncooling_off_secs = {COOLING_OFF_SECS}\n\n[[identity_providers]]\nissuer = \"{idp}\"\naudience = \"{AUDIENCE}\"\njwks = {{ url = \"{idp}/jwks.json\" }}\n",
            keys.join(ESCROW_KEY).to_string_lossy()
        ),
    )?;
    let authority = alc_issuer::service::open_on(
        &adata,
        Arc::new(SystemClock),
        databases.authority.as_deref(),
    )
    .await
    .map_err(|e| anyhow!("the authority: {e}"))?;
    let digest = authority.public_keys().digest();
    let auth_url = serve(alc_issuer::api::app(authority)).await?;
    let admin = std::fs::read_to_string(adata.join("admin-token"))?
        .trim()
        .to_owned();
    let http = Http::new()?;
    let auth = AuthorityClient::new(&http, &auth_url);
    let at = |scope: &'static str, database: &Option<String>| Place {
        scope,
        database: database.clone(),
    };
    let (gw_url, _) = gateway(
        &work,
        &at("demo.gateway", &databases.gateway_a),
        &digest,
        &vk,
        &admin,
        &http,
        &auth,
    )
    .await?;
    let (gw_b_url, gw_b_admin) = gateway(
        &work,
        &at("demo.gateway-b", &databases.gateway_b),
        &digest,
        &vk,
        &admin,
        &http,
        &auth,
    )
    .await?;
    story.ok("services", &format!("identity provider {idp}, authority {auth_url}, gateways A {gw_url} and B {gw_b_url} (registered with the registry)"), None);
    Ok(Stage {
        work,
        prover,
        gw: GatewayClient::new(&http, &gw_url),
        gw_b: GatewayClient::new(&http, &gw_b_url),
        gw_b_admin,
        http,
        idp,
        auth,
        admin,
        trustees,
    })
}

/// The right (or, with `right` false, a wrong) option of each question shown.
fn answers(bank: &Bank, questions: &[ShownQuestion], right: bool) -> Result<Vec<Answer>> {
    let mut key = bank.key(questions)?;
    if !right {
        for (a, q) in key.iter_mut().zip(questions) {
            a.option = (a.option + 1) % q.options.len().max(1);
        }
    }
    Ok(key)
}

/// One sitting of the assessment: an attempt, answered right or wrong; the mark.
async fn sit(s: &Stage, w: &Wallet, bank: &Bank, right: bool) -> Result<Marked> {
    let a: OpenAttempt = enrol::open_attempt(w, &s.auth)
        .await?
        .ok_or_else(|| anyhow!("the identity has passed already"))?;
    let chosen = answers(bank, &a.questions, right)?;
    Ok(enrol::submit(w, &s.auth, &a, chosen).await?)
}

/// Chapter 1: alice's wallet, her identity check, two failed sittings, the cooling-off,
/// a pass, and her credential.
async fn licensing(story: &Story, s: &Stage) -> Result<Operator> {
    let start = Instant::now();
    let config = Config {
        authority: Some(s.auth.url().to_owned()),
        gateway: Some(s.gw.url().to_owned()),
        idp: Some(s.idp.clone()),
        keys: None,
    };
    let w = Wallet::create(&s.work.path().join("wallet"), config, PASSPHRASE, false)?;
    let req = alc_devkit::idp::TokenRequest {
        subject: "alice".into(),
        audience: AUDIENCE.into(),
        nonce: Some(s.auth.nonce().await?.nonce),
        ttl_secs: None,
    };
    let token = alc_devkit::idp::request_token(&s.idp, &req)
        .await
        .map_err(|e| anyhow!(e))?;
    enrol::sign_in(&w, &s.auth, &token.id_token).await?;
    story.ok(
        "identity",
        "alice signs in with an ID token; the authority keeps only a keyed hash of who she is",
        Some(start.elapsed()),
    );

    let bank = Bank::from_toml(DEFAULT_BANK).map_err(|e| anyhow!("question bank: {e}"))?;
    for n in 1..=2 {
        let marked = sit(s, &w, &bank, false).await?;
        ensure!(!marked.passed, "a wrong attempt passed");
        story.refused(
            "assessment",
            &format!(
                "attempt {n}: {}/{} correct, below the {}% pass mark",
                marked.correct, marked.total, marked.pass_mark_percent
            ),
            None,
        );
    }
    let until = match enrol::open_attempt(&w, &s.auth).await {
        Err(WalletError::CoolingOff(until)) => until,
        other => bail!("a third attempt started without a cooling-off ({other:?})"),
    };
    story.refused(
        "cooling",
        &format!("two failures: no new attempt for {COOLING_OFF_SECS} s (the demo's setting; the default is 24 h), until {until}"),
        None,
    );
    let ((), took) = story
        .slow("waiting out the cooling-off", async {
            while now() < until {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
    story.ok("cooling", "cooling-off over", Some(took));
    let marked = sit(s, &w, &bank, true).await?;
    ensure!(marked.passed, "the right answers did not pass: {marked:?}");
    story.ok(
        "assessment",
        &format!(
            "attempt 3: {}/{} correct: passed",
            marked.correct, marked.total
        ),
        None,
    );

    let secret = w.unlock(PASSPHRASE)?;
    let start = Instant::now();
    let (credential, _) = credential::obtain(
        &w,
        &s.auth,
        &secret,
        credential::Kind::Licence { permit: None },
        false,
    )
    .await?;
    let c = &credential.signed.credential;
    story.ok("credential", &format!("licence credential, tier {}, serial {}: signed over Poseidon(sk); sk never left the wallet", c.tier, c.serial), Some(start.elapsed()));
    Ok(Operator {
        serial: c.serial,
        wallet: w,
        secret,
    })
}

/// The demo trustees: a 2-of-3 escrow key made in process, its public file and the
/// three key shares written beside the keys (development only).
fn demo_trustees(keys: &Path) -> Result<()> {
    use alc_escrow::{deal, finish, joint_key, Params};
    let params = Params::new(2, 3)?;
    let rng = &mut rand::rngs::OsRng;
    let dealt = (1..=3)
        .map(|i| deal(params, i, rng))
        .collect::<Result<Vec<_>, _>>()?;
    let dealings: Vec<_> = dealt.iter().map(|(d, _)| d.clone()).collect();
    let dir = keys.join("trustees");
    alc_protocol::fsio::private_dir(&dir)?;
    for me in 1..=3 {
        let mine: Vec<_> = dealt
            .iter()
            .flat_map(|(_, s)| s.iter().filter(|s| s.recipient == me).cloned())
            .collect();
        let share = finish(params, me, &dealings, &mine)?;
        crate::fsio::write(
            &dir.join(format!("trustee-{me}.json")),
            alc_protocol::files::pretty(&share.to_text()).as_bytes(),
            crate::fsio::Mode::Secret,
            true,
        )?;
    }
    let key = joint_key(params, &dealings)?;
    crate::fsio::write(
        &keys.join(ESCROW_KEY),
        alc_protocol::files::pretty(&key).as_bytes(),
        crate::fsio::Mode::Public,
        true,
    )?;
    Ok(())
}

/// Where a demo gateway serves: its scope, and its PostgreSQL database (none: SQLite).
struct Place {
    scope: &'static str,
    database: Option<String>,
}

/// A gateway on circuit v2 at `place`'s scope, registered with the registry, filing incidents
/// with the authority's token, and given the digest of the authority's keys (`digest`:
/// the demo runs the authority, so it knows them first hand): its URL and its admin token.
async fn gateway(
    work: &tempfile::TempDir,
    place: &Place,
    digest: &str,
    vk: &alc_verifier::VerifyingKey,
    admin: &str,
    http: &Http,
    auth: &AuthorityClient,
) -> Result<(String, String)> {
    let scope = place.scope;
    let gdata = work.path().join(scope);
    std::fs::create_dir_all(&gdata)?;
    std::fs::write(gdata.join("gateway.toml"), format!("scope = \"{scope}\"\n"))?;
    std::fs::write(gdata.join("authority-report-token"), admin)?;
    let gstate = alc_gateway::service::open(
        &alc_gateway::service::ServeOptions {
            data: gdata.clone(),
            scope: None,
            authority_digest: Some(digest.to_owned()),
            listen: "127.0.0.1:0".parse()?,
            authority: Some(auth.url().to_owned()),
            upstream: Some(alc_devkit::upstream::ECHO.into()),
            database: place.database.clone(),
            in_process: alc_devkit::upstream::offered(),
            verifying_key: vk.clone(),
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
    let url = serve(alc_gateway::api::app(gstate)).await?;
    let registration = GatewayRegistration {
        id: scope.into(),
        key: registry_key,
        url: url.clone(),
        reason: "demo onboarding".into(),
    };
    let _: Registered = http
        .post(
            auth.service(),
            &format!("{}/v1/admin/gateways", auth.url()),
            Some(admin),
            &registration,
        )
        .await?;
    let gw_admin = std::fs::read_to_string(gdata.join("admin-token"))?
        .trim()
        .to_owned();
    Ok((url, gw_admin))
}

/// Calls `path` with `lease` (signed with its key) at its gateway, or at gateway A with
/// none: the status, the refusal's message and the answer.
async fn call(
    s: &Stage,
    alice: &Operator,
    path: &str,
    lease: Option<&StoredLease>,
) -> Result<(u16, String, Value)> {
    let body = json!({ "prompt": "hello" });
    let raw = match lease {
        Some(l) => {
            lease::call(
                &s.http,
                l,
                Some(&alice.secret),
                None,
                Method::POST,
                path,
                Some(&body),
            )
            .await?
        }
        None => {
            s.gw.call(Method::POST, path, None, None, Some(&body))
                .await?
        }
    };
    let answer = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    Ok((raw.status, raw.error().message, answer))
}

/// Chapter 2: a proof for a key-bound lease at gateway A, and signed calls on the public,
/// sandbox and autonomous routes.
async fn working(story: &Story, s: &Stage, alice: &Operator) -> Result<StoredLease> {
    let leaser = Leaser::new(
        &alice.wallet,
        s.auth.clone(),
        s.gw.clone(),
        s.prover()?,
        alice.secret.clone(),
        "alice-agent",
        &manifest("alice-agent"),
    )
    .await?;
    let (root, proving) = leaser.lease(None).await?;
    alice.wallet.save_lease(&root)?;
    story.ok(
        "prove",
        "Groth16 proof (circuit v2): tier >= 1, valid now, not revoked, bound to gateway A's challenge and the agent's key, the serial encrypted to the trustees",
        Some(proving),
    );
    let minutes = root.expires_at.saturating_sub(now()).div_ceil(60);
    story.ok(
        "lease",
        &format!(
            "lease {} for agent alice-agent at A, {minutes} minutes, bound to its key; the gateway knows a pseudonym, not alice",
            root.lease_id
        ),
        None,
    );
    let calls: [(&str, Option<&StoredLease>); 3] = [
        ("/v1/public/models", None),
        ("/v1/sandbox/chat", Some(&root)),
        ("/v1/autonomous/chat", Some(&root)),
    ];
    for (path, lease) in calls {
        let start = Instant::now();
        let (status, why, _) = call(s, alice, path, lease).await?;
        ensure!(status == 200, "{path}: {status} {why}");
        let how = if lease.is_some() {
            ", signed with the agent's key"
        } else {
            ""
        };
        story.ok(
            "call",
            &format!("{path}: 200 from the upstream{how}"),
            Some(start.elapsed()),
        );
    }
    let (status, why, _) = call(s, alice, "/v1/autonomous/chat", None).await?;
    ensure!(
        status == 401,
        "an autonomous call without a lease got {status}"
    );
    story.refused(
        "call",
        &format!("/v1/autonomous/chat without a lease: {status} ({why})"),
        None,
    );
    let bare =
        s.gw.call(
            Method::POST,
            "/v1/autonomous/chat",
            Some(&root.lease),
            None,
            None,
        )
        .await?;
    ensure!(
        bare.status == 401,
        "the lease token without its key got {}",
        bare.status
    );
    story.refused(
        "call",
        &format!(
            "the same lease token without its key: {} ({})",
            bare.status,
            bare.error().message
        ),
        None,
    );
    Ok(root)
}

/// Chapter 3: at gateway B the operator's agent spawns a sub-agent, which spawns another
/// with narrower rights, each with its own key; the registry traces the grandchild to
/// the root lease.
async fn sub_agents(
    story: &Story,
    s: &Stage,
    alice: &Operator,
    root: StoredLease,
) -> Result<Agents> {
    let w = &alice.wallet;
    let leaser_b = Leaser::new(
        w,
        s.auth.clone(),
        s.gw_b.clone(),
        s.prover()?,
        alice.secret.clone(),
        "alice-ops",
        &manifest("alice-ops"),
    )
    .await?;
    let (root_b, proving) = leaser_b.lease(None).await?;
    w.save_lease(&root_b)?;
    story.ok(
        "lease",
        &format!(
            "a proof at gateway B: lease {} for agent alice-ops (another pseudonym, another key)",
            root_b.lease_id
        ),
        Some(proving),
    );
    let narrow = |rights: &str, ttl: u64| Narrowing {
        rights: vec![rights.to_owned()],
        ttl: Some(ttl),
        rate: None,
    };
    let (child, _) = lease::spawn(
        w,
        &s.http,
        Some(&alice.secret),
        Some("alice-ops"),
        "alice-ops/researcher",
        &manifest("researcher"),
        &narrow("/v1/autonomous/", 600),
    )
    .await?;
    story.ok(
        "spawn",
        &format!(
            "alice-ops spawns alice-ops/researcher (lease {}, its own key, authorised by the parent's signature)",
            child.lease_id
        ),
        None,
    );
    let (grandchild, _) = lease::spawn(
        w,
        &s.http,
        Some(&alice.secret),
        Some("alice-ops/researcher"),
        "alice-ops/researcher/fetcher",
        &manifest("fetcher"),
        &narrow("/v1/autonomous/search/", 300),
    )
    .await?;
    story.ok(
        "spawn",
        &format!(
            "researcher spawns alice-ops/researcher/fetcher (lease {}), narrower routes",
            grandchild.lease_id
        ),
        None,
    );
    let (status, _, _) = call(s, alice, "/v1/autonomous/search/papers", Some(&grandchild)).await?;
    ensure!(status == 200, "the grandchild's call got {status}");
    let (status, _, _) = call(s, alice, "/v1/autonomous/chat", Some(&grandchild)).await?;
    ensure!(
        status == 403,
        "the grandchild called outside its rights: {status}"
    );
    story.refused("rights", "the fetcher may search but not chat: 403", None);

    let (registry, _) = Registry::connect(s.auth.url(), None).await?;
    let (traced, took) = story
        .slow("waiting for the gateway to submit the links", async {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                match trace_chain(&registry, &grandchild.lease_id).await {
                    Ok(r) => break Ok(r),
                    Err(e) if Instant::now() > deadline => break Err(e),
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
        .await;
    let (chain, checkpoint) = traced?;
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
            "{}agent {}... lease {} depth {} at {} (entry {})",
            "  ".repeat(i),
            &l.spawn.agent[..12],
            l.spawn.lease_id,
            l.spawn.depth,
            l.spawn.gateway,
            l.index
        ));
    }
    // The registry names the agent and its manifest only by salted commitments; the
    // holder, who has the lease's salt, opens them to show what was recorded.
    let salt: [u8; 32] = hex::decode(&grandchild.registry_salt)
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("the gateway gave the grandchild's lease no registry salt")?;
    ensure!(
        chain[0]
            .spawn
            .opens(&salt, &grandchild.agent, &grandchild.manifest),
        "the registry's entry does not open to the grandchild's agent and manifest"
    );
    story.ok(
        "open",
        "the registry shows agents only as salted commitments; alice-ops opens the fetcher's with its lease's salt",
        None,
    );
    Ok(Agents {
        root,
        leaser_b,
        root_b,
        child,
        grandchild,
        registry,
        chain,
        checkpoint,
    })
}

/// Chapter 4: the fetcher misbehaves at B; B reports it with its chain and its lease's
/// escrow ciphertext; trustees 1 and 3 open it on the record; the licence is revoked
/// with an emergency status and every agent of the operator is refused at A and at B at
/// its next call; a renewal cannot be proved. Returns the incident.
async fn kill_switch(story: &Story, s: &Stage, alice: &Operator, a: &Agents) -> Result<i64> {
    let (_, _, answer) = call(
        s,
        alice,
        "/v1/autonomous/search/everything",
        Some(&a.grandchild),
    )
    .await?;
    let pseudonym = answer["headers"]["x-alc-pseudonym"]
        .as_str()
        .ok_or_else(|| anyhow!("the upstream saw no pseudonym"))?
        .to_owned();
    story.detail("the fetcher scrapes far beyond its manifest at gateway B");
    let start = Instant::now();
    let filed: Filed = s
        .http
        .post(
            s.gw_b.service(),
            &format!("{}/v1/admin/incident", s.gw_b.url()),
            Some(&s.gw_b_admin),
            &IncidentRequest {
                pseudonym,
                description: "the fetcher scraped far beyond its manifest".into(),
            },
        )
        .await?;
    story.ok(
        "incident",
        &format!(
            "gateway B reports incident {} with the fetcher's chain and its lease's escrow ciphertext; B never learns whose licence it is",
            filed.id
        ),
        Some(start.elapsed()),
    );
    let mut opened = None;
    for j in [1u32, 3] {
        let start = Instant::now();
        let r = super::escrow::release(
            &s.http,
            &s.trustees[j as usize - 1],
            filed.id,
            s.auth.url(),
            &s.admin,
        )
        .await?;
        story.ok(
            "opening",
            &format!(
                "trustee {j} releases its share on the record: opening entry {} in the registry (inclusion verified), then its partial decryption with its proof ({} of {})",
                r.registry_index, r.progress.partials, r.progress.threshold
            ),
            Some(start.elapsed()),
        );
        opened = r.progress.opened;
    }
    let o = opened.ok_or_else(|| anyhow!("two trustees did not open the incident"))?;
    ensure!(
        o.serial == alice.serial,
        "the incident opened to serial {}, not alice's",
        o.serial
    );
    story.ok(
        "revoke",
        &format!(
            "opened: licence serial {}, permit {}; the authority revokes it with an emergency status (epoch {})",
            o.serial,
            o.permit.as_deref().unwrap_or("none"),
            o.epoch
        ),
        None,
    );
    let start = Instant::now();
    let agents = [
        ("alice-agent at A", &a.root, "/v1/autonomous/chat"),
        ("alice-ops at B", &a.root_b, "/v1/autonomous/chat"),
        ("researcher at B", &a.child, "/v1/autonomous/chat"),
        (
            "fetcher at B",
            &a.grandchild,
            "/v1/autonomous/search/papers",
        ),
    ];
    let mut refused = [false; 4];
    let latency = loop {
        for (i, (_, lease, path)) in agents.iter().enumerate() {
            if !refused[i] {
                let (status, _, _) = call(s, alice, path, Some(lease)).await?;
                ensure!(status == 200 || status == 403, "{path} answered {status}");
                refused[i] = status == 403;
            }
        }
        if refused.iter().all(|r| *r) {
            break start.elapsed();
        }
        ensure!(
            start.elapsed() < Duration::from_secs(5),
            "a gateway kept serving a revoked licence"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    story.refused(
        "403",
        &format!(
            "every agent of the licence is refused at both gateways ({}) {} after the opening",
            agents.map(|a| a.0).join(", "),
            super::human(latency)
        ),
        None,
    );
    match a.leaser_b.lease(Some(&a.root_b)).await {
        Err(e) => story.refused("renew", &format!("no new lease: {e}"), None),
        Ok(_) => bail!("a revoked licence renewed its lease"),
    }
    Ok(filed.id)
}

async fn auditing(story: &Story, a: &Agents, incident: i64) -> Result<()> {
    let start = Instant::now();
    let reg = &a.registry;
    let cp = reg.checkpoint().await?;
    let proof = reg
        .consistency(a.checkpoint.checkpoint().size, cp.checkpoint().size)
        .await?;
    alc_registry::audit::check_consistency(&a.checkpoint, &cp, &proof)
        .context("the registry is not consistent with the checkpoint seen before")?;
    for l in &a.chain {
        let (_, leaf) = reg.entry(l.index).await?;
        reg.verify_inclusion(l.index, &leaf, &cp).await?;
    }
    story.ok(
        "audit",
        &format!(
            "checkpoint of {} entries signed by the authority, consistent with the earlier one of {}, every link included",
            cp.checkpoint().size,
            a.checkpoint.checkpoint().size
        ),
        Some(start.elapsed()),
    );
    let mut openings = 0;
    for i in a.checkpoint.checkpoint().size..cp.checkpoint().size {
        if let (alc_registry::entry::Entry::Opening(o), _) = reg.entry(i).await? {
            ensure!(
                o.incident == incident.to_string(),
                "an opening of another incident"
            );
            openings += 1;
        }
    }
    ensure!(
        openings == 2,
        "the registry shows {openings} openings, not 2"
    );
    story.ok(
        "audit",
        &format!("the registry shows 2 openings of incident {incident} (trustees 1 and 3, the ciphertext's digest): how often licences are opened is public, whose is not"),
        None,
    );
    Ok(())
}
