//! `alc wallet`: the operator's side of the compact, from the command line.
//!
//! `init` makes a wallet directory with an encrypted holder secret ([`store`]); `kyc`
//! signs in at the authority with an identity provider's ID token; `assess` sits the
//! assessment (an interactive quiz, or `--answers FILE`); `obtain` fetches the signed
//! credential for the wallet's holder commitment; `status` checks the credential against
//! the authority's signed, published status list; `lease` proves to a gateway and keeps
//! the lease (with `--keep`, renewed at two thirds of its lifetime and at once when the
//! authority publishes a new epoch, until a renewal is refused); `call` uses a lease;
//! `spawn` narrows a lease into a sub-agent's.
//!
//! Nothing secret is printed: not the passphrase, the holder secret, the session or a
//! lease token (`--token` prints a lease's token on purpose, to hand it to an agent).

pub mod store;

use crate::client::{message, Authority, Http};
use crate::keydir;
use alc_circuits::field::to_decimal;
use alc_circuits::status::StatusList;
use alc_prover::files::CredentialFile;
use alc_prover::{prepare, prove, ProvingKey, Request};
use alc_verifier::status::{SignedStatus, StatusResponse};
use alc_verifier::Presentation;
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use store::{Config, OpenAttempt, PinnedAuthority, Session, StoredLease, Wallet};

const DEFAULT_AUTHORITY: &str = "http://127.0.0.1:8600";
const DEFAULT_GATEWAY: &str = "http://127.0.0.1:8700";
const DEFAULT_IDP: &str = "http://127.0.0.1:8650";

/// The wallet directory.
#[derive(Args, Debug)]
pub struct Dir {
    /// The wallet directory [default: $XDG_DATA_HOME/alc/wallet, else ~/.local/share/alc/wallet].
    #[arg(long, env = "ALC_WALLET")]
    dir: Option<PathBuf>,
}

impl Dir {
    fn path(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(store::default_dir)
    }
    fn open(&self) -> Result<Wallet> {
        Wallet::open(&self.path())
    }
}

/// The operator's wallet: holder secret, identity check, assessment, credential, leases.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a wallet: a directory (0700) with a fresh holder secret encrypted under a
    /// passphrase (asked without echo, or ALC_WALLET_PASSPHRASE) and wallet.toml with the
    /// services' addresses.
    ///
    /// Example: alc wallet init --authority http://127.0.0.1:8600 --gateway http://127.0.0.1:8700
    Init {
        #[command(flatten)]
        dir: Dir,
        /// The licensing authority's URL, kept in wallet.toml.
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
        /// The gateway's URL, kept in wallet.toml.
        #[arg(long, env = "ALC_GATEWAY_URL")]
        gateway: Option<String>,
        /// The (development) identity provider's URL, kept in wallet.toml.
        #[arg(long, env = "ALC_IDP_URL")]
        idp: Option<String>,
        /// The key directory with the proving key, kept in wallet.toml.
        #[arg(long, env = "ALC_KEYS")]
        keys: Option<PathBuf>,
        /// Replace an existing wallet's holder secret (its credential becomes useless).
        #[arg(long)]
        force: bool,
    },
    /// Prove who you are to the authority with an identity provider's ID token; keeps the
    /// authority session in the wallet. With --subject the token comes from the
    /// DEVELOPMENT identity provider (`alc dev-idp`), which checks nobody's identity.
    ///
    /// Example: alc wallet kyc --idp http://127.0.0.1:8650 --subject alice
    Kyc {
        #[command(flatten)]
        dir: Dir,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
        /// The development identity provider's URL [default: wallet.toml's, else http://127.0.0.1:8650].
        #[arg(long, env = "ALC_IDP_URL")]
        idp: Option<String>,
        /// The subject to ask the development identity provider for.
        #[arg(long, conflicts_with = "id_token")]
        subject: Option<String>,
        /// The audience of the token (the authority's client id at the provider).
        #[arg(long, env = "ALC_IDP_AUDIENCE", default_value = "alc-authority")]
        audience: String,
        /// An ID token from a real provider, carrying a nonce from `alc wallet kyc --nonce`.
        #[arg(long, env = "ALC_ID_TOKEN", hide_env_values = true)]
        id_token: Option<String>,
        /// Only print a fresh sign-in nonce, to put in the real provider's request.
        #[arg(long, conflicts_with_all = ["subject", "id_token"])]
        nonce: bool,
    },
    /// Sit the assessment: an interactive quiz on the terminal (answer with the option's
    /// number, `q` to stop and resume later), or answers from a file. Shows the mark and
    /// the outcome: pass, cooling-off and its end, or lockout. Exits non-zero unless passed.
    ///
    /// The answers file is JSON: [{"question": "<id>", "option": <0-based position as
    /// shown by --questions>}] or [{"question": "<id>", "answer": "<the option's text>"}];
    /// every question of the attempt needs one entry, other entries are ignored.
    ///
    /// Example: alc wallet assess        (or: alc wallet assess --answers answers.json)
    Assess {
        #[command(flatten)]
        dir: Dir,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
        /// Submit the answers in this file instead of asking.
        #[arg(long, conflicts_with = "questions")]
        answers: Option<PathBuf>,
        /// Only print the open attempt's questions as JSON (starting one if needed).
        #[arg(long)]
        questions: bool,
    },
    /// After a pass, obtain the licence credential for this wallet's holder key (asks the
    /// passphrase) and keep it with the authority's keys.
    ///
    /// Example: alc wallet obtain
    Obtain {
        #[command(flatten)]
        dir: Dir,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
        /// A corporate operating permit id to bind the credential to.
        #[arg(long)]
        permit: Option<String>,
        /// Replace a credential already in the wallet.
        #[arg(long)]
        force: bool,
    },
    /// Is my credential valid and unrevoked under the authority's latest signed root?
    /// Exits non-zero if it is revoked, expired or not yet valid.
    ///
    /// Example: alc wallet status
    Status {
        #[command(flatten)]
        dir: Dir,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
    },
    /// Prove to a gateway and keep its lease for an agent (asks the passphrase). With
    /// --keep, stay running and renew at two thirds of the lease's lifetime, and at once
    /// when the authority publishes a new status epoch; exit non-zero when a renewal is
    /// refused (revoked, killed).
    ///
    /// Example: alc wallet lease --agent agent-1 --manifest agent.toml --keep
    Lease {
        #[command(flatten)]
        dir: Dir,
        /// The agent the lease is for.
        #[arg(long)]
        agent: String,
        /// The agent's manifest file (its SHA-256 is bound into the proof).
        #[arg(long)]
        manifest: PathBuf,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
        /// The gateway's URL [default: wallet.toml's, else http://127.0.0.1:8700].
        #[arg(long, env = "ALC_GATEWAY_URL")]
        gateway: Option<String>,
        /// Key directory with the proving key [default: wallet.toml's, else the key cache of `alc demo`].
        #[arg(long, env = "ALC_KEYS")]
        keys: Option<PathBuf>,
        /// Keep the lease fresh until a renewal is refused (or Ctrl-C).
        #[arg(long)]
        keep: bool,
        /// With --keep: seconds between two looks at the authority's status.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        poll: u64,
        /// Print only the lease's bearer token (to hand to the agent).
        #[arg(long, conflicts_with = "keep")]
        token: bool,
    },
    /// Call a gateway route with an agent's lease and print the answer; exits non-zero
    /// with the gateway's reason when it refuses (401, 403, ...).
    ///
    /// Example: alc wallet call /v1/autonomous/chat --data '{"prompt": "hello"}'
    Call {
        #[command(flatten)]
        dir: Dir,
        /// The route, e.g. /v1/autonomous/chat.
        path: String,
        /// A JSON body (or @FILE); the method is then POST unless --method says otherwise.
        #[arg(long)]
        data: Option<String>,
        /// The HTTP method [default: POST with --data, else GET].
        #[arg(long)]
        method: Option<String>,
        /// Whose lease [default: the wallet's only root lease].
        #[arg(long)]
        agent: Option<String>,
        /// Another base URL for the lease's gateway (e.g. one more copy of it).
        #[arg(long, env = "ALC_GATEWAY_URL")]
        gateway: Option<String>,
    },
    /// Narrow a lease into a child lease for a sub-agent (fewer routes, shorter life),
    /// kept in the wallet under the sub-agent's name for `alc wallet call --agent`.
    ///
    /// Example: alc wallet spawn --agent researcher-1 --manifest researcher.toml --rights /v1/autonomous/search/ --ttl 300
    Spawn {
        #[command(flatten)]
        dir: Dir,
        /// The sub-agent.
        #[arg(long)]
        agent: String,
        /// The sub-agent's manifest file (its SHA-256 goes into the lease and the registry).
        #[arg(long)]
        manifest: PathBuf,
        /// A route prefix the child may call, inside the parent's (repeatable).
        #[arg(long = "rights", required = true)]
        rights: Vec<String>,
        /// Lifetime in seconds (capped by the parent's) [default: the parent's remaining life].
        #[arg(long)]
        ttl: Option<u64>,
        /// Requests per minute (at most the parent's) [default: the parent's].
        #[arg(long)]
        rate: Option<u32>,
        /// The parent agent [default: the wallet's only root lease].
        #[arg(long)]
        parent: Option<String>,
        /// Print only the child lease's bearer token (to hand to the sub-agent).
        #[arg(long)]
        token: bool,
    },
}

/// Runs a wallet command.
pub fn run(cmd: WalletCommand) -> Result<()> {
    match cmd {
        WalletCommand::Init {
            dir,
            authority,
            gateway,
            idp,
            keys,
            force,
        } => init(
            &dir.path(),
            Config {
                authority: authority.map(|u| trim_url(&u)),
                gateway: gateway.map(|u| trim_url(&u)),
                idp: idp.map(|u| trim_url(&u)),
                keys,
            },
            force,
        ),
        WalletCommand::Kyc {
            dir,
            authority,
            idp,
            subject,
            audience,
            id_token,
            nonce,
        } => {
            let w = dir.open()?;
            let authority = authority_url(&w, authority);
            let idp = idp
                .or_else(|| w.config.idp.clone())
                .unwrap_or_else(|| DEFAULT_IDP.into());
            block_on(kyc(
                &w,
                &authority,
                &trim_url(&idp),
                subject,
                &audience,
                id_token,
                nonce,
            ))
        }
        WalletCommand::Assess {
            dir,
            authority,
            answers,
            questions,
        } => {
            let w = dir.open()?;
            let authority = authority_url(&w, authority);
            block_on(assess(&w, &authority, answers.as_deref(), questions))
        }
        WalletCommand::Obtain {
            dir,
            authority,
            permit,
            force,
        } => {
            let w = dir.open()?;
            let authority = authority_url(&w, authority);
            block_on(obtain(&w, &authority, permit, force))
        }
        WalletCommand::Status { dir, authority } => {
            let w = dir.open()?;
            let authority = authority_url(&w, authority);
            block_on(status(&w, &authority))
        }
        WalletCommand::Lease {
            dir,
            agent,
            manifest,
            authority,
            gateway,
            keys,
            keep,
            poll,
            token,
        } => {
            let w = dir.open()?;
            let authority = authority_url(&w, authority);
            let gateway = trim_url(
                &gateway
                    .or_else(|| w.config.gateway.clone())
                    .unwrap_or_else(|| DEFAULT_GATEWAY.into()),
            );
            let keys = keys
                .or_else(|| w.config.keys.clone())
                .unwrap_or_else(keydir::default_cache);
            let opts = LeaseOpts {
                authority,
                gateway,
                keys,
                agent,
                manifest: manifest_hash(&manifest)?,
                keep,
                poll: Duration::from_secs(poll),
                token,
            };
            lease(&w, &opts)
        }
        WalletCommand::Call {
            dir,
            path,
            data,
            method,
            agent,
            gateway,
        } => {
            let w = dir.open()?;
            block_on(call(&w, &path, data, method, agent, gateway))
        }
        WalletCommand::Spawn {
            dir,
            agent,
            manifest,
            rights,
            ttl,
            rate,
            parent,
            token,
        } => {
            let w = dir.open()?;
            let manifest = manifest_hash(&manifest)?;
            block_on(spawn(
                &w, parent, &agent, &manifest, &rights, ttl, rate, token,
            ))
        }
    }
}

fn block_on<F: std::future::Future<Output = Result<()>>>(f: F) -> Result<()> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(f)
}

fn trim_url(u: &str) -> String {
    u.trim().trim_end_matches('/').to_owned()
}

fn authority_url(w: &Wallet, flag: Option<String>) -> String {
    trim_url(
        &flag
            .or_else(|| w.config.authority.clone())
            .unwrap_or_else(|| DEFAULT_AUTHORITY.into()),
    )
}

fn manifest_hash(path: &Path) -> Result<String> {
    let bytes = crate::fsio::read_bytes(path).context("the agent manifest")?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// Unix seconds now.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-03-01 14:05:09 UTC`.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `in 14 min 3 s`, `2 h 5 min ago`.
pub fn relative(secs: u64) -> String {
    let n = now();
    let (d, future) = if secs >= n {
        (secs - n, true)
    } else {
        (n - secs, false)
    };
    let text = if d >= 86_400 {
        format!("{} d {} h", d / 86_400, d % 86_400 / 3600)
    } else if d >= 3600 {
        format!("{} h {} min", d / 3600, d % 3600 / 60)
    } else if d >= 60 {
        format!("{} min {} s", d / 60, d % 60)
    } else {
        format!("{d} s")
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

fn when(secs: u64) -> String {
    format!("{} ({})", utc(secs), relative(secs))
}

fn field_str<'a>(v: &'a Value, k: &str, what: &str) -> Result<&'a str> {
    v[k].as_str()
        .ok_or_else(|| anyhow!("the {what} answered without {k}"))
}

// ---------------------------------------------------------------------------------------
// init

fn init(dir: &Path, config: Config, force: bool) -> Result<()> {
    let pass = store::passphrase(true)?;
    let w = Wallet::create(dir, config, &pass, force)?;
    println!("Created the wallet {} (mode 0700).", w.dir.display());
    println!(
        "  holder secret  holder.secret: argon2id ({} MiB, {} passes, {} lanes) + XChaCha20-Poly1305",
        store::KDF_M_KIB / 1024,
        store::KDF_T,
        store::KDF_P
    );
    println!("  configuration  wallet.toml");
    println!(
        "Next: alc wallet kyc --subject NAME (development identity provider) or --id-token TOKEN"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// kyc

async fn kyc(
    w: &Wallet,
    authority: &str,
    idp: &str,
    subject: Option<String>,
    audience: &str,
    id_token: Option<String>,
    print_nonce: bool,
) -> Result<()> {
    let http = Http::new()?;
    let a = Authority {
        http: &http,
        url: authority.to_owned(),
    };
    if print_nonce {
        println!("{}", a.nonce().await?);
        return Ok(());
    }
    let token = match (id_token, subject) {
        (Some(t), _) => zeroize::Zeroizing::new(t),
        (None, Some(subject)) => {
            let nonce = a.nonce().await?;
            let what = format!("identity provider at {idp}");
            let v = crate::client::ok(
                &what,
                http.post(
                    &what,
                    &format!("{idp}/token"),
                    None,
                    &json!({ "subject": subject, "audience": audience, "nonce": nonce }),
                )
                .await?,
            )?;
            if v["development_only"] == true {
                println!("(development identity provider: it checks nobody's identity)");
            }
            zeroize::Zeroizing::new(field_str(&v, "id_token", &what)?.to_owned())
        }
        (None, None) => bail!(
            "say who you are: --subject NAME with the development identity provider, or --id-token TOKEN from your provider"
        ),
    };
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.post(
            &what,
            &format!("{authority}/v1/identity"),
            None,
            &json!({ "id_token": token.as_str() }),
        )
        .await?,
    )?;
    let session = Session {
        authority: authority.to_owned(),
        session: field_str(&v, "session", &what)?.to_owned(),
        expires_at: v["expires_at"].as_u64().unwrap_or(0),
    };
    w.save_session(&session)?;
    println!(
        "Signed in at {authority}: session kept in the wallet until {}.",
        when(session.expires_at)
    );
    print_identity(&v["identity"]);
    Ok(())
}

fn print_identity(id: &Value) {
    if id["passed"] == true {
        println!("Assessment: passed. Next: alc wallet obtain");
        return;
    }
    let failures = id["failures"].as_u64().unwrap_or(0);
    println!("Assessment: not passed yet; failed attempts so far: {failures}.");
    let cooling = id["cooling_until"].as_u64().unwrap_or(0);
    if id["locked"] == true {
        println!(
            "Locked: after {failures} failed attempts an administrator must record completed formal training before another attempt."
        );
    } else if cooling > now() {
        println!("Cooling-off: no new attempt before {}.", when(cooling));
    } else {
        println!("Next: alc wallet assess");
    }
}

// ---------------------------------------------------------------------------------------
// assess

fn session_for(w: &Wallet, authority: &str) -> Result<Session> {
    let s = w
        .session()?
        .ok_or_else(|| anyhow!("not signed in at the authority: run `alc wallet kyc` first"))?;
    if s.authority != authority {
        bail!(
            "the wallet's session is with {}, not {authority}: run `alc wallet kyc` again",
            s.authority
        );
    }
    if s.expires_at <= now() {
        bail!(
            "the authority session expired at {}: run `alc wallet kyc` again",
            utc(s.expires_at)
        );
    }
    Ok(s)
}

/// The open attempt: the one kept in the wallet, or a new one. `None` if already passed.
async fn open_attempt(w: &Wallet, http: &Http, authority: &str) -> Result<Option<OpenAttempt>> {
    if let Some(a) = w.attempt()? {
        if a.authority == authority && a.expires_at > now() {
            return Ok(Some(a));
        }
        w.clear_attempt()?;
    }
    let s = session_for(w, authority)?;
    let what = format!("authority at {authority}");
    let (code, v) = Authority {
        http,
        url: authority.to_owned(),
    }
    .start_attempt(&s.session)
    .await?;
    match code {
        200 => {}
        429 => {
            let until = v["retry_at"].as_u64().unwrap_or(0);
            bail!(
                "cooling-off after failed attempts: no new attempt before {}",
                when(until)
            )
        }
        409 if message(&v).contains("already passed") => {
            println!("This identity has already passed the assessment. Next: alc wallet obtain");
            return Ok(None);
        }
        401 => bail!(
            "the {what} refused the session ({}): run `alc wallet kyc` again",
            message(&v)
        ),
        _ => bail!("the {what} refused ({code}): {}", message(&v)),
    }
    let questions = v["questions"]
        .as_array()
        .cloned()
        .ok_or_else(|| anyhow!("the {what} answered without questions"))?;
    let a = OpenAttempt {
        authority: authority.to_owned(),
        attempt: field_str(&v, "attempt", &what)?.to_owned(),
        expires_at: v["expires_at"].as_u64().unwrap_or(0),
        answers: vec![None; questions.len()],
        questions,
    };
    w.save_attempt(&a)?;
    Ok(Some(a))
}

fn options(q: &Value) -> Vec<String> {
    q["options"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|s| s.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The answers in a file, matched to the attempt's questions.
fn answers_from_file(a: &OpenAttempt, path: &Path) -> Result<Vec<(String, usize)>> {
    let text = crate::fsio::read_string(path)?;
    let entries: Vec<Value> = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{} is not a JSON list of {{\"question\", \"option\"}} or {{\"question\", \"answer\"}}: {e}",
            path.display()
        )
    })?;
    let mut out = vec![];
    for q in &a.questions {
        let id = q["id"].as_str().unwrap_or("");
        let opts = options(q);
        let e = entries
            .iter()
            .find(|e| e["question"].as_str() == Some(id))
            .ok_or_else(|| anyhow!("{} has no answer for question {id}", path.display()))?;
        let option = if let Some(n) = e["option"].as_u64() {
            let n = n as usize;
            if n >= opts.len() {
                bail!(
                    "{}: question {id} has options 0 to {}, not {n}",
                    path.display(),
                    opts.len() - 1
                );
            }
            n
        } else if let Some(text) = e["answer"].as_str() {
            opts.iter()
                .position(|o| o.trim() == text.trim())
                .ok_or_else(|| {
                    anyhow!(
                        "{}: no option of question {id} reads {text:?}",
                        path.display()
                    )
                })?
        } else {
            bail!(
                "{}: the entry for question {id} needs \"option\" (a number) or \"answer\" (text)",
                path.display()
            );
        };
        out.push((id.to_owned(), option));
    }
    Ok(out)
}

/// Asks the questions on the terminal, keeping each answer in the wallet as it is given.
fn quiz(w: &Wallet, a: &mut OpenAttempt) -> Result<Vec<(String, usize)>> {
    let n = a.questions.len();
    a.answers.resize(n, None);
    let paused = |a: &OpenAttempt| {
        anyhow!(
            "the quiz is paused: your answers so far are kept in the wallet; run `alc wallet assess` again before {} to finish (an attempt left to lapse counts as a failure)",
            utc(a.expires_at)
        )
    };
    let done = a.answers.iter().filter(|x| x.is_some()).count();
    println!(
        "The assessment: {n} questions. Answer with the option's number; q stops and keeps your answers."
    );
    println!("This attempt closes {}.", when(a.expires_at));
    if done > 0 {
        println!("Resuming: {done} of {n} already answered.");
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for i in 0..n {
        if a.answers[i].is_some() {
            continue;
        }
        let q = a.questions[i].clone();
        let opts = options(&q);
        println!();
        println!(
            "Question {} of {n} ({})",
            i + 1,
            q["area"].as_str().unwrap_or("general")
        );
        println!("{}", q["text"].as_str().unwrap_or(""));
        for (j, o) in opts.iter().enumerate() {
            println!("  {}) {o}", j + 1);
        }
        loop {
            print!("Your answer [1-{}]: ", opts.len());
            std::io::stdout().flush()?;
            let Some(line) = lines.next() else {
                println!();
                return Err(paused(a));
            };
            let line = line.context("cannot read the terminal")?;
            let t = line.trim();
            if t.eq_ignore_ascii_case("q") {
                return Err(paused(a));
            }
            match t.parse::<usize>() {
                Ok(k) if (1..=opts.len()).contains(&k) => {
                    a.answers[i] = Some(k - 1);
                    w.save_attempt(a)?;
                    break;
                }
                _ => println!("Type a number from 1 to {}, or q to stop.", opts.len()),
            }
        }
    }
    println!();
    Ok(a.questions
        .iter()
        .zip(&a.answers)
        .map(|(q, x)| (q["id"].as_str().unwrap_or("").to_owned(), x.unwrap_or(0)))
        .collect())
}

async fn assess(
    w: &Wallet,
    authority: &str,
    answers: Option<&Path>,
    questions_only: bool,
) -> Result<()> {
    let http = Http::new()?;
    let Some(mut a) = open_attempt(w, &http, authority).await? else {
        return Ok(());
    };
    if questions_only {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "expires_at": a.expires_at, "questions": a.questions })
            )?
        );
        return Ok(());
    }
    let chosen = match answers {
        Some(path) => answers_from_file(&a, path)?,
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("no terminal to ask the questions on: run in a terminal, or pass --answers FILE");
            }
            quiz(w, &mut a)?
        }
    };
    let what = format!("authority at {authority}");
    let body: Vec<Value> = chosen
        .iter()
        .map(|(q, o)| json!({ "question": q, "option": o }))
        .collect();
    let (code, v) = http
        .post(
            &what,
            &format!("{authority}/v1/assessment/submit"),
            None,
            &json!({ "attempt": a.attempt, "answers": body }),
        )
        .await?;
    if code != 400 {
        // The attempt is spent (marked, expired or unknown): never submit it again.
        w.clear_attempt()?;
    }
    if !(200..300).contains(&code) {
        bail!("the {what} refused ({code}): {}", message(&v));
    }
    let correct = v["correct"].as_u64().unwrap_or(0);
    let total = v["total"].as_u64().unwrap_or(0).max(1);
    let mark = v["pass_mark_percent"].as_u64().unwrap_or(0);
    println!(
        "Result: {correct} of {total} correct ({}%); the pass mark is {mark}%.",
        correct * 100 / total
    );
    if v["passed"] == true {
        println!("Passed. Next: alc wallet obtain");
        return Ok(());
    }
    println!("Not passed.");
    print_identity(&v["identity"]);
    bail!("the assessment was not passed ({correct} of {total} correct)")
}

// ---------------------------------------------------------------------------------------
// obtain and status

async fn authority_info(http: &Http, authority: &str) -> Result<PinnedAuthority> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/authority"), None)
            .await?,
    )?;
    let key = |i: usize| {
        v["issuer_key"][i]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the {what} answered without its issuer key"))
    };
    Ok(PinnedAuthority {
        url: authority.to_owned(),
        name: field_str(&v, "name", &what)?.to_owned(),
        issuer_key: [key(0)?, key(1)?],
        status_key: field_str(&v, "status_key", &what)?.to_owned(),
    })
}

fn issuer_key(c: &CredentialFile) -> [String; 2] {
    let p = c.issuer.point();
    [to_decimal(&p.x), to_decimal(&p.y)]
}

async fn obtain(w: &Wallet, authority: &str, permit: Option<String>, force: bool) -> Result<()> {
    if let Some(c) = w.credential()? {
        if !force {
            bail!(
                "the wallet already holds a credential (serial {}): use --force to replace it",
                c.signed.credential.serial
            );
        }
    }
    let s = session_for(w, authority)?;
    let pass = store::passphrase(false)?;
    let secret = w.unlock(&pass)?;
    drop(pass);
    let http = Http::new()?;
    let what = format!("authority at {authority}");
    let mut body = json!({ "holder": to_decimal(&secret.commitment()) });
    if let Some(p) = &permit {
        body["permit"] = json!(p);
    }
    let (code, v) = http
        .post(
            &what,
            &format!("{authority}/v1/credentials"),
            Some(&s.session),
            &body,
        )
        .await?;
    if !(200..300).contains(&code) {
        bail!("the {what} refused ({code}): {}", message(&v));
    }
    let cred = CredentialFile::from_json(&v.to_string())
        .map_err(|e| anyhow!("the {what} sent a bad credential: {e}"))?;
    if cred.signed.credential.holder != secret.commitment() {
        bail!("the {what} issued a credential for another holder key");
    }
    let info = authority_info(&http, authority).await?;
    if info.issuer_key != issuer_key(&cred) {
        bail!("the {what} signed the credential with a key other than the one it publishes");
    }
    w.save_credential(&cred)?;
    w.save_pinned(&info)?;
    let c = &cred.signed.credential;
    println!(
        "Credential obtained from {}: serial {}, tier {}, permit tier {}.",
        info.name, c.serial, c.tier, c.permit_tier
    );
    println!("  valid    {} to {}", utc(c.not_before), utc(c.expires));
    println!("  stored   {}", w.dir.join("credential.json").display());
    println!("Next: alc wallet status, then alc wallet lease --agent ID --manifest FILE");
    Ok(())
}

/// The authority's latest signed status, verified under the pinned key.
async fn signed_status(
    http: &Http,
    authority: &str,
    pinned: &PinnedAuthority,
) -> Result<StatusResponse> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/status"), None)
            .await?,
    )?;
    verify_status(&v, pinned, &what)
}

fn status_key(pinned: &PinnedAuthority) -> Result<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&pinned.status_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("authority.json in the wallet is damaged (status key)"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| anyhow!("authority.json in the wallet is damaged (status key)"))
}

fn verify_status(v: &Value, pinned: &PinnedAuthority, what: &str) -> Result<StatusResponse> {
    let signed: SignedStatus = serde_json::from_value(v.clone())
        .map_err(|_| anyhow!("the {what} sent a malformed status response"))?;
    let r = signed.verify(&status_key(pinned)?).map_err(|e| {
        anyhow!("the {what} sent a status response that does not verify under its pinned key: {e}")
    })?;
    if r.issuer != pinned.name {
        bail!(
            "the {what} sent a status response of {:?}, not of {:?}",
            r.issuer,
            pinned.name
        );
    }
    Ok(r)
}

/// The published list with its signed response; the list must hash to the signed root.
async fn published_list(
    http: &Http,
    authority: &str,
    pinned: &PinnedAuthority,
) -> Result<(StatusList, StatusResponse)> {
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.get(&what, &format!("{authority}/v1/status/list"), None)
            .await?,
    )?;
    let r = verify_status(&v["status"], pinned, &what)?;
    let list = StatusList::decode(v["encoded_list"].as_str().unwrap_or(""))
        .map_err(|e| anyhow!("the {what} sent a bad status list: {e}"))?;
    if list.root() != r.root {
        bail!("the {what} published a status list whose root is not the signed root");
    }
    Ok((list, r))
}

async fn pinned_authority(w: &Wallet, http: &Http, authority: &str) -> Result<PinnedAuthority> {
    match w.pinned()? {
        Some(p) => Ok(p),
        None => {
            let p = authority_info(http, authority).await?;
            w.save_pinned(&p)?;
            Ok(p)
        }
    }
}

fn short(root: &str) -> String {
    if root.len() > 16 {
        format!("{}…{}", &root[..8], &root[root.len() - 6..])
    } else {
        root.to_owned()
    }
}

async fn status(w: &Wallet, authority: &str) -> Result<()> {
    let cred = w.need_credential()?;
    let http = Http::new()?;
    let pinned = pinned_authority(w, &http, authority).await?;
    if pinned.issuer_key != issuer_key(&cred) {
        bail!(
            "the wallet's credential was not issued by the pinned authority {}",
            pinned.name
        );
    }
    let (list, r) = published_list(&http, authority, &pinned).await?;
    let c = &cred.signed.credential;
    let revoked = list
        .is_revoked(c.serial)
        .map_err(|e| anyhow!("the status list has no serial {}: {e}", c.serial))?;
    let t = now();
    println!(
        "credential  serial {}, tier {}, permit tier {}, from {}",
        c.serial, c.tier, c.permit_tier, r.issuer
    );
    println!(
        "            valid {} to {}",
        utc(c.not_before),
        utc(c.expires)
    );
    println!(
        "status      epoch {}, root {}{}, signed {}; next update {}",
        r.epoch,
        short(&to_decimal(&r.root)),
        if r.emergency { " (emergency)" } else { "" },
        utc(r.produced_at),
        relative(r.next_update)
    );
    println!(
        "            {}",
        if revoked { "REVOKED" } else { "not revoked" }
    );
    for l in w.leases()? {
        let state = if l.expires_at > t {
            format!("expires {}", relative(l.expires_at))
        } else {
            "expired".into()
        };
        let parent = l
            .parent
            .as_deref()
            .map(|p| format!(", child of {p}"))
            .unwrap_or_default();
        println!("lease       {} at {}: {state}{parent}", l.agent, l.gateway);
    }
    if revoked {
        bail!(
            "your credential (serial {}) is revoked under epoch {} of {}",
            c.serial,
            r.epoch,
            r.issuer
        );
    }
    if t >= c.expires {
        bail!("your credential expired at {}", utc(c.expires));
    }
    if t < c.not_before {
        bail!("your credential is not valid before {}", utc(c.not_before));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// lease

struct LeaseOpts {
    authority: String,
    gateway: String,
    keys: PathBuf,
    agent: String,
    manifest: String,
    keep: bool,
    poll: Duration,
    token: bool,
}

/// Why getting a lease failed: worth another try later, or final (refused, revoked).
struct Failure {
    retry: bool,
    err: anyhow::Error,
}

fn retry(err: anyhow::Error) -> Failure {
    Failure { retry: true, err }
}

fn fatal(err: anyhow::Error) -> Failure {
    Failure { retry: false, err }
}

struct Prover<'a> {
    http: Http,
    opts: &'a LeaseOpts,
    pk: ProvingKey,
    cred: CredentialFile,
    secret: alc_circuits::credential::HolderSecret,
    pinned: PinnedAuthority,
}

impl Prover<'_> {
    /// A challenge, a proof against the latest published root the gateway accepts, and a
    /// lease (a renewal of `renewing` if given).
    async fn lease(
        &self,
        renewing: Option<&StoredLease>,
    ) -> Result<(StoredLease, Duration), Failure> {
        let o = self.opts;
        let (list, r) = published_list(&self.http, &o.authority, &self.pinned)
            .await
            .map_err(retry)?;
        let what = format!("gateway at {}", o.gateway);
        let root = to_decimal(&r.root);
        // A gateway learns a new root within moments (pushed): wait a little for it.
        let mut tries = 0;
        let ch = loop {
            let (code, ch) = self
                .http
                .get(&what, &format!("{}/v1/lease/challenge", o.gateway), None)
                .await
                .map_err(retry)?;
            if !(200..300).contains(&code) {
                return Err(retry(anyhow!(
                    "the {what} gave no challenge ({code}): {}",
                    message(&ch)
                )));
            }
            let accepted = ch["roots"]
                .as_array()
                .is_some_and(|rs| rs.iter().any(|x| x["root"].as_str() == Some(root.as_str())));
            if accepted {
                break ch;
            }
            tries += 1;
            if tries == 10 {
                return Err(retry(anyhow!(
                    "the {what} does not accept the authority's latest root (epoch {}) yet",
                    r.epoch
                )));
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let text = |k: &str| -> Result<String, Failure> {
            ch[k]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| retry(anyhow!("the {what}'s challenge has no {k}")))
        };
        let req = Request {
            min_tier: ch["policy"]["autonomous"]["min_tier"].as_u64().unwrap_or(1) as u8,
            min_permit_tier: ch["policy"]["autonomous"]["min_permit_tier"]
                .as_u64()
                .unwrap_or(0) as u8,
            now: text("now")?
                .parse()
                .map_err(|_| retry(anyhow!("the {what}'s challenge has a bad time")))?,
            scope: text("scope")?,
            challenge: text("challenge")?,
            manifest: o.manifest.clone(),
        };
        let (st, wit) = prepare(
            &self.cred.issuer,
            &self.cred.signed,
            &self.secret,
            &list,
            &req,
        )
        .map_err(|e| fatal(anyhow!("your credential cannot satisfy the {what}: {e}")))?;
        let start = Instant::now();
        let proof = prove(&self.pk, &st, &wit, &mut rand::rngs::OsRng)
            .map_err(|e| fatal(anyhow!("proving failed: {e}")))?;
        let took = start.elapsed();
        let presentation: Value = serde_json::from_str(
            &Presentation {
                proof,
                statement: st,
            }
            .to_json(),
        )
        .map_err(|e| fatal(e.into()))?;
        let body =
            json!({ "presentation": presentation, "agent": o.agent, "manifest": o.manifest });
        let (path, bearer) = match renewing {
            Some(l) => ("/v1/lease/renew", Some(l.lease.as_str())),
            None => ("/v1/lease", None),
        };
        let (code, v) = self
            .http
            .post(&what, &format!("{}{path}", o.gateway), bearer, &body)
            .await
            .map_err(retry)?;
        if !(200..300).contains(&code) {
            let e = anyhow!("the {what} refused ({code}): {}", message(&v));
            return Err(if code == 429 || code >= 500 {
                retry(e)
            } else {
                fatal(e)
            });
        }
        let lease = StoredLease {
            kind: "alc-wallet-lease".into(),
            gateway: o.gateway.clone(),
            agent: o.agent.clone(),
            manifest: o.manifest.clone(),
            lease: v["lease"]
                .as_str()
                .ok_or_else(|| fatal(anyhow!("the {what} answered without a lease")))?
                .to_owned(),
            lease_id: v["lease_id"].as_str().unwrap_or("").to_owned(),
            expires_at: v["expires_at"].as_u64().unwrap_or(0),
            obtained_at: now(),
            epoch: Some(v["epoch"].as_u64().unwrap_or(r.epoch)),
            rights: v["rights"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            parent: None,
        };
        Ok((lease, took))
    }
}

fn lease(w: &Wallet, o: &LeaseOpts) -> Result<()> {
    let cred = w.need_credential()?;
    let pk = keydir::load_proving_key(&o.keys)
        .with_context(|| format!("the proving key in {}", o.keys.display()))?;
    let pass = store::passphrase(false)?;
    let secret = w.unlock(&pass)?;
    drop(pass);
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let http = Http::new()?;
        let pinned = pinned_authority(w, &http, &o.authority).await?;
        let p = Prover {
            http,
            opts: o,
            pk,
            cred,
            secret,
            pinned,
        };
        let (mut current, took) = p.lease(None).await.map_err(|f| f.err)?;
        w.save_lease(&current)?;
        if o.token {
            println!("{}", current.lease);
            return Ok(());
        }
        println!(
            "Lease for {} at {}: id {}, expires {}; proved in {}.",
            current.agent,
            current.gateway,
            current.lease_id,
            when(current.expires_at),
            super::human(took)
        );
        println!("  stored   {}", w.lease_path(&current.agent).display());
        if !o.keep {
            return Ok(());
        }
        println!("Keeping it fresh (Ctrl-C to stop).");
        let mut obtained = Instant::now();
        loop {
            let lifetime = current.expires_at.saturating_sub(current.obtained_at);
            let renew_at = obtained + Duration::from_secs(lifetime) * 2 / 3;
            let mut reason = "two thirds of its lifetime passed".to_owned();
            while Instant::now() < renew_at {
                let wait = (renew_at - Instant::now()).min(o.poll);
                tokio::time::sleep(wait).await;
                if Instant::now() >= renew_at {
                    break;
                }
                match signed_status(&p.http, &o.authority, &p.pinned).await {
                    Ok(r) if r.epoch > current.epoch.unwrap_or(0) => {
                        reason = format!(
                            "the authority published epoch {}{}",
                            r.epoch,
                            if r.emergency { " (emergency)" } else { "" }
                        );
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => println!("warning: {e:#}"),
                }
            }
            println!("Renewing: {reason}.");
            loop {
                match p.lease(Some(&current)).await {
                    Ok((l, took)) => {
                        current = l;
                        obtained = Instant::now();
                        w.save_lease(&current)?;
                        println!(
                            "Renewed: lease {} (epoch {}), expires {}; proved in {}.",
                            current.lease_id,
                            current.epoch.unwrap_or(0),
                            when(current.expires_at),
                            super::human(took)
                        );
                        break;
                    }
                    Err(f) if !f.retry => {
                        return Err(f.err.context(format!(
                            "the renewal of {}'s lease was refused",
                            current.agent
                        )));
                    }
                    Err(f) => {
                        if now() + 1 >= current.expires_at {
                            return Err(f.err.context(format!(
                                "{}'s lease expired before it could be renewed",
                                current.agent
                            )));
                        }
                        println!("warning: cannot renew yet ({:#}); trying again", f.err);
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// call and spawn

/// The lease of `agent`, or the wallet's only root lease.
fn pick_lease(w: &Wallet, agent: Option<&str>) -> Result<StoredLease> {
    if let Some(a) = agent {
        return w.lease(a)?.ok_or_else(|| {
            anyhow!("no lease for agent {a:?} in the wallet: run `alc wallet lease --agent {a} --manifest FILE` (or spawn it)")
        });
    }
    let roots: Vec<StoredLease> = w
        .leases()?
        .into_iter()
        .filter(|l| l.parent.is_none())
        .collect();
    match roots.len() {
        0 => {
            bail!("no lease in the wallet: run `alc wallet lease --agent ID --manifest FILE` first")
        }
        1 => Ok(roots
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no lease"))?),
        _ => bail!(
            "the wallet holds leases for several agents ({}): choose one with --agent",
            roots
                .iter()
                .map(|l| l.agent.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

async fn call(
    w: &Wallet,
    path: &str,
    data: Option<String>,
    method: Option<String>,
    agent: Option<String>,
    gateway: Option<String>,
) -> Result<()> {
    if !path.starts_with('/') {
        bail!("the route must start with / (e.g. /v1/autonomous/chat), not {path:?}");
    }
    let l = pick_lease(w, agent.as_deref())?;
    let base = gateway
        .map(|g| trim_url(&g))
        .unwrap_or_else(|| l.gateway.clone());
    let body = match &data {
        None => None,
        Some(d) => {
            let text = match d.strip_prefix('@') {
                Some(file) => crate::fsio::read_string(Path::new(file))?,
                None => d.clone(),
            };
            let v: Value =
                serde_json::from_str(&text).map_err(|e| anyhow!("--data is not JSON: {e}"))?;
            Some(v)
        }
    };
    let method = method
        .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into())
        .to_ascii_uppercase();
    let m = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| anyhow!("{method:?} is not an HTTP method"))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .context("cannot build an HTTP client")?;
    let mut req = client
        .request(m, format!("{base}{path}"))
        .bearer_auth(&l.lease);
    if let Some(b) = &body {
        req = req.json(b);
    }
    let what = format!("gateway at {base}");
    let resp = req.send().await.map_err(|e| {
        let why = if e.is_connect() {
            "connection refused or unreachable".to_owned()
        } else if e.is_timeout() {
            "timed out".to_owned()
        } else {
            e.without_url().to_string()
        };
        anyhow!("cannot reach the {what}: {why}")
    })?;
    let code = resp.status().as_u16();
    let text = resp
        .text()
        .await
        .map_err(|e| anyhow!("the {what} broke off its answer: {}", e.without_url()))?;
    let json: Option<Value> = serde_json::from_str(&text).ok();
    if !(200..300).contains(&code) {
        let why = json
            .as_ref()
            .map(message)
            .unwrap_or_else(|| text.trim().to_owned());
        bail!("the {what} refused {}'s call ({code}): {why}", l.agent);
    }
    match json {
        Some(v) => println!("{}", serde_json::to_string_pretty(&v)?),
        None => print!("{text}"),
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn spawn(
    w: &Wallet,
    parent: Option<String>,
    agent: &str,
    manifest: &str,
    rights: &[String],
    ttl: Option<u64>,
    rate: Option<u32>,
    token: bool,
) -> Result<()> {
    let p = pick_lease(w, parent.as_deref())?;
    if p.agent == agent {
        bail!("a sub-agent needs its own id, not its parent's ({agent})");
    }
    let t = now();
    if p.expires_at <= t {
        bail!(
            "{}'s lease expired at {}: renew it with `alc wallet lease` first",
            p.agent,
            utc(p.expires_at)
        );
    }
    let ttl = ttl.unwrap_or(p.expires_at - t).max(1);
    let http = Http::new()?;
    let what = format!("gateway at {}", p.gateway);
    let mut body =
        json!({ "agent": agent, "manifest": manifest, "rights": rights, "ttl_secs": ttl });
    if let Some(r) = rate {
        body["rate_per_min"] = json!(r);
    }
    let (code, v) = http
        .post(
            &what,
            &format!("{}/v1/lease/delegate", p.gateway),
            Some(&p.lease),
            &body,
        )
        .await?;
    if !(200..300).contains(&code) {
        bail!(
            "the {what} refused the child lease ({code}): {}",
            message(&v)
        );
    }
    let child = StoredLease {
        kind: "alc-wallet-lease".into(),
        gateway: p.gateway.clone(),
        agent: agent.to_owned(),
        manifest: manifest.to_owned(),
        lease: field_str(&v, "lease", &what)?.to_owned(),
        lease_id: v["lease_id"].as_str().unwrap_or("").to_owned(),
        expires_at: v["expires_at"].as_u64().unwrap_or(0),
        obtained_at: t,
        epoch: v["epoch"].as_u64().or(p.epoch),
        rights: v["rights"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_else(|| rights.to_vec()),
        parent: Some(p.agent.clone()),
    };
    w.save_lease(&child)?;
    if token {
        println!("{}", child.lease);
        return Ok(());
    }
    println!(
        "Child lease for {} (from {}): id {}, routes {}, expires {}.",
        child.agent,
        p.agent,
        child.lease_id,
        child.rights.join(" "),
        when(child.expires_at)
    );
    println!("  stored   {}", w.lease_path(&child.agent).display());
    println!(
        "Use it: alc wallet call --agent {} PATH (or hand `alc wallet spawn ... --token` to the sub-agent)",
        child.agent
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_790_000_000), "2026-09-21 14:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
