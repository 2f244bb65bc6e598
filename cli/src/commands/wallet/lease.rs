//! `alc wallet lease`, `call` and `spawn`: proving to a gateway and keeping the lease
//! fresh, using it, and narrowing it into a sub-agent's.

use super::credential::{pinned_authority, published_list, signed_status};
use super::store::{PinnedAuthority, StoredLease, Wallet};
use super::{field_str, now, store, trim_url, utc, when};
use crate::client::{message, present, request_from_challenge, Http};
use crate::keydir;
use alc_circuits::files::CredentialFile;
use alc_prover::ProvingKey;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `alc wallet lease` was asked for, flags and wallet configuration resolved.
pub(super) struct LeaseOpts {
    pub(super) authority: String,
    pub(super) gateway: String,
    pub(super) keys: PathBuf,
    pub(super) agent: String,
    pub(super) manifest: String,
    pub(super) keep: bool,
    pub(super) poll: Duration,
    pub(super) token: bool,
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
        let root = r.root.clone();
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
        let req = request_from_challenge(&what, &ch, &o.manifest).map_err(retry)?;
        let (presentation, took) =
            present(&what, &self.pk, &self.cred, &self.secret, &list, &req).map_err(fatal)?;
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

pub(super) fn lease(w: &Wallet, o: &LeaseOpts) -> Result<()> {
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
            crate::commands::human(took)
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
                            crate::commands::human(took)
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

pub(super) async fn call(
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
    let resp = req
        .send()
        .await
        .map_err(|e| crate::client::unreachable(&what, e))?;
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
pub(super) async fn spawn(
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
