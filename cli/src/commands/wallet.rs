//! `alc wallet`: the operator's side of the compact, from the command line.
//!
//! `init` makes a wallet directory with an encrypted holder secret ([`store`]); `kyc`
//! signs in at the authority with an identity provider's ID token; `assess` sits the
//! assessment (an interactive quiz, or `--answers FILE`); `obtain` fetches the signed
//! credential for the wallet's holder commitment; `status` checks the credential against
//! the authority's signed, published status list; `lease` proves to a gateway and keeps
//! the lease (with `--keep`, renewed at two thirds of its lifetime and at once when the
//! authority publishes a new epoch, until a renewal is refused); `call` uses a lease;
//! `spawn` narrows a lease into a sub-agent's. This module holds the commands and `init`;
//! [`enrol`] has `kyc` and `assess`, [`credential`] `obtain` and `status`, [`lease`]
//! `lease`, `call` and `spawn`.
//!
//! Nothing secret is printed: not the passphrase, the holder secret, the session or a
//! lease token (`--token` prints a lease's token on purpose, to hand it to an agent).

mod credential;
mod enrol;
mod lease;
pub mod store;

use super::now;
use crate::keydir;
use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use credential::{obtain, status};
use enrol::{assess, kyc};
use lease::{call, spawn, LeaseOpts};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::{Config, Wallet};

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
            lease::lease(&w, &opts)
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
