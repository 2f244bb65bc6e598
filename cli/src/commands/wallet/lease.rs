//! `alc wallet lease`, `alc wallet call` and `alc wallet spawn`: proving to a gateway and
//! keeping the lease fresh, using it, and narrowing it into a sub-agent's.

use super::{authority_url, block_on, manifest_hash, passphrase, trim_url, Dir, DEFAULT_GATEWAY};
use crate::commands::human;
use crate::keydir;
use alc_circuits::credential::HolderSecret;
use alc_wallet::client::{AuthorityClient, GatewayClient, Http};
use alc_wallet::lease::{self, Keep, Leaser, Narrowing};
use alc_wallet::store::StoredLease;
use alc_wallet::when::when;
use alc_wallet::Wallet;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `alc wallet lease`.
#[derive(Args, Debug)]
pub struct LeaseArgs {
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
    /// Lease for the wallet's certified tier-3 agent system NAME (`alc wallet system
    /// certify`): the lease is bound to the system's key and names the system.
    #[arg(long, value_name = "NAME")]
    system: Option<String>,
}

impl LeaseArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let authority = authority_url(&w, self.authority);
        let gateway = trim_url(
            &self
                .gateway
                .or_else(|| w.config.gateway.clone())
                .unwrap_or_else(|| DEFAULT_GATEWAY.into()),
        );
        let keys = self
            .keys
            .or_else(|| w.config.keys.clone())
            .unwrap_or_else(keydir::default_cache);
        let manifest = manifest_hash(&self.manifest)?;
        w.need_credential()?;
        let prover = keydir::load_prover_keys(&keys)
            .with_context(|| format!("the proving key in {}", keys.display()))?;
        let pass = passphrase(false)?;
        let secret = w.unlock(&pass)?;
        drop(pass);
        block_on(async move {
            let http = Http::new()?;
            let leaser = Leaser::new(
                &w,
                AuthorityClient::new(&http, &authority),
                GatewayClient::new(&http, &gateway),
                prover,
                secret,
                &self.agent,
                &manifest,
            )
            .await?;
            let leaser = match &self.system {
                Some(name) => leaser.for_system(&w, name)?,
                None => leaser,
            };
            let (current, took) = leaser.lease(None).await?;
            w.save_lease(&current)?;
            if self.token {
                println!("{}", current.lease);
                return Ok(());
            }
            println!(
                "Lease for {} at {}: id {}, expires {}; proved in {}.",
                current.agent,
                current.gateway,
                current.lease_id,
                when(current.expires_at),
                human(took)
            );
            if let Some(id) = &current.system {
                println!("  system   {id}");
            }
            println!("  stored   {}", w.lease_path(&current.agent).display());
            if !self.keep {
                return Ok(());
            }
            println!("Keeping it fresh (Ctrl-C to stop).");
            let agent = current.agent.clone();
            let stopped = leaser
                .keep(
                    &w,
                    current,
                    Duration::from_secs(self.poll),
                    |event| match event {
                        Keep::Renewing(reason) => println!("Renewing: {reason}."),
                        Keep::Renewed(l, took) => println!(
                            "Renewed: lease {} (epoch {}), expires {}; proved in {}.",
                            l.lease_id,
                            l.epoch.unwrap_or(0),
                            when(l.expires_at),
                            human(took)
                        ),
                        Keep::StatusUnreadable(e) => println!("warning: {e}"),
                        Keep::Retrying(e) => {
                            println!("warning: cannot renew yet ({e}); trying again")
                        }
                    },
                )
                .await;
            match stopped {
                Ok(()) => Ok(()),
                Err(e) if e.is_transient() => Err(anyhow::Error::from(e).context(format!(
                    "{agent}'s lease expired before it could be renewed"
                ))),
                Err(e) => Err(anyhow::Error::from(e)
                    .context(format!("the renewal of {agent}'s lease was refused"))),
            }
        })
    }
}

/// `alc wallet call`.
#[derive(Args, Debug)]
pub struct CallArgs {
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
}

impl CallArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        block_on(async move {
            if !self.path.starts_with('/') {
                return Err(alc_wallet::WalletError::Route(self.path).into());
            }
            let l = lease::pick_lease(&w, self.agent.as_deref())?;
            let body = match &self.data {
                None => None,
                Some(d) => {
                    let text = match d.strip_prefix('@') {
                        Some(file) => crate::fsio::read_string(Path::new(file))?,
                        None => d.clone(),
                    };
                    let v: Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow!("--data is not JSON: {e}"))?;
                    Some(v)
                }
            };
            let method = self
                .method
                .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into())
                .to_ascii_uppercase();
            let m = reqwest::Method::from_bytes(method.as_bytes())
                .map_err(|_| anyhow!("{method:?} is not an HTTP method"))?;
            let http = Http::with_timeout(Duration::from_secs(60))?;
            let gateway = self.gateway.map(|g| trim_url(&g));
            let base = gateway.clone().unwrap_or_else(|| l.gateway.clone());
            let secret = unlock_for(&w, &l)?;
            let raw = lease::call(
                &http,
                &l,
                secret.as_ref(),
                gateway.as_deref(),
                m,
                &self.path,
                body.as_ref(),
            )
            .await?;
            let text = String::from_utf8_lossy(&raw.body).into_owned();
            let json: Option<Value> = serde_json::from_str(&text).ok();
            if !raw.is_success() {
                bail!(
                    "the gateway at {base} refused {}'s call ({}): {}",
                    l.agent,
                    raw.status,
                    raw.error().message
                );
            }
            match json {
                Some(v) => println!("{}", serde_json::to_string_pretty(&v)?),
                None => print!("{text}"),
            }
            Ok(())
        })
    }
}

/// The holder secret, unlocked, if `l` is bound to a key (derived from it).
fn unlock_for(w: &Wallet, l: &StoredLease) -> Result<Option<HolderSecret>> {
    if l.key.is_none() {
        return Ok(None);
    }
    let pass = passphrase(false)?;
    Ok(Some(w.unlock(&pass)?))
}

/// `alc wallet spawn`.
#[derive(Args, Debug)]
pub struct SpawnArgs {
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
}

impl SpawnArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let manifest = manifest_hash(&self.manifest)?;
        block_on(async move {
            let narrowing = Narrowing {
                rights: self.rights,
                ttl: self.ttl,
                rate: self.rate,
            };
            let http = Http::new()?;
            let secret = unlock_for(&w, &lease::pick_lease(&w, self.parent.as_deref())?)?;
            let (child, parent) = lease::spawn(
                &w,
                &http,
                secret.as_ref(),
                self.parent.as_deref(),
                &self.agent,
                &manifest,
                &narrowing,
            )
            .await?;
            if self.token {
                println!("{}", child.lease);
                return Ok(());
            }
            println!(
                "Child lease for {} (from {}): id {}, routes {}, expires {}.",
                child.agent,
                parent.agent,
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
        })
    }
}
