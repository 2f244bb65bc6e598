//! Leases: proving to a gateway's challenge for an agent's lease and keeping it fresh,
//! narrowing a lease into a sub-agent's, and calling routes with one.
//!
//! A proof is made against the latest root the authority published (checked under its
//! pinned key) and only once the gateway accepts that root; a renewal is a new proof by
//! the same holder. Renewing at two thirds of a lease's lifetime, and at once when the
//! authority publishes a new epoch, keeps an agent working across ordinary revocations
//! of others and stops it at its own: a revoked credential cannot be proved.

use crate::client::{AuthorityClient, GatewayClient, Raw};
use crate::credential::{pinned_authority, published_list, signed_status};
use crate::store::{PinnedAuthority, StoredLease, Wallet};
use crate::WalletError;
use alc_circuits::credential::HolderSecret;
use alc_circuits::files::CredentialFile;
use alc_circuits::status::StatusList;
use alc_protocol::files::{Presentation, ProofRequest};
use alc_protocol::gateway::{DelegateRequest, Issued, LeaseRequest, Route};
use alc_protocol::time::now;
use alc_prover::{prepare, prove, ProvingKey};
use alc_verifier::Presentation as Checked;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The `type` of a lease file in the wallet.
pub const LEASE_FILE: &str = "alc-wallet-lease";

/// SHA-256 of an agent manifest, hex: what a proof and a lease bind.
pub fn manifest_digest(manifest: &[u8]) -> String {
    hex::encode(Sha256::digest(manifest))
}

/// Proves `req` with the wallet's credential against `list`: the presentation for the
/// gateway `service`, and how long proving took.
///
/// # Errors
/// [`WalletError::Unsatisfied`] when the credential cannot satisfy the request (revoked,
/// expired, tier too low: refused before proving), [`WalletError::Prove`].
pub fn present(
    service: &str,
    pk: &ProvingKey,
    credential: &CredentialFile,
    secret: &HolderSecret,
    list: &StatusList,
    req: &ProofRequest,
) -> Result<(Presentation, Duration), WalletError> {
    let (statement, w) = prepare(&credential.issuer, &credential.signed, secret, list, req)
        .map_err(|e| WalletError::Unsatisfied {
            service: service.to_owned(),
            reason: e.to_string(),
        })?;
    let start = Instant::now();
    let proof = prove(pk, &statement, &w, &mut rand::rngs::OsRng)
        .map_err(|e| WalletError::Prove(e.to_string()))?;
    let took = start.elapsed();
    Ok((Checked { proof, statement }.to_wire(), took))
}

/// A lease kept in the wallet from a gateway's answer.
fn stored(
    issued: Issued,
    gateway: &str,
    agent: &str,
    manifest: &str,
    parent: Option<String>,
) -> StoredLease {
    StoredLease {
        kind: LEASE_FILE.into(),
        gateway: gateway.to_owned(),
        agent: agent.to_owned(),
        manifest: manifest.to_owned(),
        lease: issued.lease,
        lease_id: issued.lease_id,
        expires_at: issued.expires_at,
        obtained_at: now(),
        epoch: Some(issued.epoch),
        rights: issued.rights,
        parent,
    }
}

/// Proves for leases of one agent at one gateway, with the wallet's credential.
pub struct Leaser {
    authority: AuthorityClient,
    gateway: GatewayClient,
    pk: ProvingKey,
    credential: CredentialFile,
    secret: HolderSecret,
    pinned: PinnedAuthority,
    agent: String,
    manifest: String,
}

/// What [`Leaser::keep`] tells its caller as it goes.
#[derive(Debug)]
pub enum Keep<'a> {
    /// A renewal starts, and why.
    Renewing(&'a str),
    /// A renewal succeeded: the new lease (kept in the wallet) and the proving time.
    Renewed(&'a StoredLease, Duration),
    /// The authority's status could not be read this time; the lease is kept.
    StatusUnreadable(&'a WalletError),
    /// A renewal failed for now and is tried again.
    Retrying(&'a WalletError),
}

impl Leaser {
    /// A leaser for `agent` (its manifest digest `manifest`) at `gateway`, with the
    /// wallet's credential and the holder secret `secret`; pins the authority on first
    /// contact.
    ///
    /// # Errors
    /// No credential, or as [`pinned_authority`].
    pub async fn new(
        w: &Wallet,
        authority: AuthorityClient,
        gateway: GatewayClient,
        pk: ProvingKey,
        secret: HolderSecret,
        agent: &str,
        manifest: &str,
    ) -> Result<Self, WalletError> {
        let credential = w.need_credential()?;
        let pinned = pinned_authority(w, &authority).await?;
        Ok(Self {
            authority,
            gateway,
            pk,
            credential,
            secret,
            pinned,
            agent: agent.to_owned(),
            manifest: manifest.to_owned(),
        })
    }

    /// A challenge, a proof against the latest published root the gateway accepts, and a
    /// lease (the renewal of `renewing` if given): the lease, and how long proving took.
    ///
    /// # Errors
    /// Transient ones ([`WalletError::is_transient`]: a service unreachable, a gateway
    /// not yet up to date) and final ones (revoked: the proof cannot be made; killed).
    pub async fn lease(
        &self,
        renewing: Option<&StoredLease>,
    ) -> Result<(StoredLease, Duration), WalletError> {
        let (list, r) = published_list(&self.authority, &self.pinned).await?;
        // A gateway learns a new root within moments (pushed): wait a little for it.
        let mut tries = 0;
        let challenge = loop {
            let ch = self.gateway.challenge().await?;
            if ch.roots.iter().any(|x| x.root == r.root) {
                break ch;
            }
            tries += 1;
            if tries == 10 {
                return Err(WalletError::RootNotAccepted {
                    service: self.gateway.service().to_owned(),
                    epoch: r.epoch,
                });
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let req = ProofRequest::from_challenge(&challenge, &self.manifest, Route::Autonomous);
        let (presentation, took) = present(
            self.gateway.service(),
            &self.pk,
            &self.credential,
            &self.secret,
            &list,
            &req,
        )?;
        let body = LeaseRequest {
            presentation,
            agent: self.agent.clone(),
            manifest: self.manifest.clone(),
        };
        let issued = self
            .gateway
            .lease(&body, renewing.map(|l| l.lease.as_str()))
            .await?;
        Ok((
            stored(
                issued,
                self.gateway.url(),
                &self.agent,
                &self.manifest,
                None,
            ),
            took,
        ))
    }

    /// Keeps `current` fresh, saving every renewal in `w`: renews at two thirds of its
    /// lifetime, and at once when the authority publishes a newer epoch (looked at every
    /// `poll`); retries what may pass until the lease would expire. Returns only with the
    /// reason renewing stopped: a refusal (revoked, killed) or an expiry.
    ///
    /// # Errors
    /// Always, eventually: that is how it ends.
    pub async fn keep(
        &self,
        w: &Wallet,
        mut current: StoredLease,
        poll: Duration,
        mut on: impl FnMut(Keep<'_>),
    ) -> Result<(), WalletError> {
        let mut obtained = Instant::now();
        loop {
            let lifetime = current.expires_at.saturating_sub(current.obtained_at);
            let renew_at = obtained + Duration::from_secs(lifetime) * 2 / 3;
            let mut reason = "two thirds of its lifetime passed".to_owned();
            while Instant::now() < renew_at {
                let wait = (renew_at - Instant::now()).min(poll);
                tokio::time::sleep(wait).await;
                if Instant::now() >= renew_at {
                    break;
                }
                match signed_status(&self.authority, &self.pinned).await {
                    Ok(r) if r.epoch > current.epoch.unwrap_or(0) => {
                        reason = format!(
                            "the authority published epoch {}{}",
                            r.epoch,
                            if r.emergency { " (emergency)" } else { "" }
                        );
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => on(Keep::StatusUnreadable(&e)),
                }
            }
            on(Keep::Renewing(&reason));
            loop {
                match self.lease(Some(&current)).await {
                    Ok((l, took)) => {
                        current = l;
                        obtained = Instant::now();
                        w.save_lease(&current)?;
                        on(Keep::Renewed(&current, took));
                        break;
                    }
                    Err(e) if !e.is_transient() => return Err(e),
                    Err(e) => {
                        if now() + 1 >= current.expires_at {
                            return Err(e);
                        }
                        on(Keep::Retrying(&e));
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
            }
        }
    }
}

/// The lease of `agent`, or the wallet's only root lease.
///
/// # Errors
/// No such lease, no lease at all, or several root leases and no agent named.
pub fn pick_lease(w: &Wallet, agent: Option<&str>) -> Result<StoredLease, WalletError> {
    if let Some(a) = agent {
        return w
            .lease(a)?
            .ok_or_else(|| WalletError::NoLeaseFor(a.to_owned()));
    }
    let mut roots: Vec<StoredLease> = w
        .leases()?
        .into_iter()
        .filter(|l| l.parent.is_none())
        .collect();
    match roots.len() {
        0 => Err(WalletError::NoLease),
        1 => roots.pop().ok_or(WalletError::NoLease),
        _ => Err(WalletError::WhichLease(
            roots.into_iter().map(|l| l.agent).collect(),
        )),
    }
}

/// Calls `path` with `lease` at its gateway (or at `gateway`, another base URL of it):
/// the answer as it came.
///
/// # Errors
/// A path that is not a route, or the gateway unreachable.
pub async fn call(
    http: &crate::client::Http,
    lease: &StoredLease,
    gateway: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<Raw, WalletError> {
    if !path.starts_with('/') {
        return Err(WalletError::Route(path.to_owned()));
    }
    let g = GatewayClient::new(http, gateway.unwrap_or(&lease.gateway));
    g.call(method, path, Some(&lease.lease), body).await
}

/// What a sub-agent's lease may do.
#[derive(Clone, Debug)]
pub struct Narrowing {
    /// Route prefixes, inside the parent's.
    pub rights: Vec<String>,
    /// Lifetime in seconds (default: the parent's remaining life).
    pub ttl: Option<u64>,
    /// Requests per minute (default: the parent's).
    pub rate: Option<u32>,
}

/// Narrows the lease of `parent` (or the wallet's only root lease) into a child lease for
/// the sub-agent `agent` (its manifest digest `manifest`), kept in the wallet under the
/// sub-agent's name: the child and its parent.
///
/// # Errors
/// No such parent, an expired parent, the parent's own name, the gateway's refusal.
pub async fn spawn(
    w: &Wallet,
    http: &crate::client::Http,
    parent: Option<&str>,
    agent: &str,
    manifest: &str,
    narrowing: &Narrowing,
) -> Result<(StoredLease, StoredLease), WalletError> {
    let p = pick_lease(w, parent)?;
    if p.agent == agent {
        return Err(WalletError::SameAgent(agent.to_owned()));
    }
    let t = now();
    if p.expires_at <= t {
        return Err(WalletError::LeaseExpired {
            agent: p.agent,
            at: p.expires_at,
        });
    }
    let req = DelegateRequest {
        agent: agent.to_owned(),
        manifest: manifest.to_owned(),
        rights: narrowing.rights.clone(),
        ttl_secs: narrowing.ttl.unwrap_or(p.expires_at - t).max(1),
        rate_per_min: narrowing.rate,
    };
    let g = GatewayClient::new(http, &p.gateway);
    let issued = g.delegate(&p.lease, &req).await?;
    let child = stored(issued, &p.gateway, agent, manifest, Some(p.agent.clone()));
    w.save_lease(&child)?;
    Ok((child, p))
}
