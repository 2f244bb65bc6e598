//! Leases: proving to a gateway's challenge for an agent's lease and keeping it fresh,
//! narrowing a lease into a sub-agent's, and calling routes with one.
//!
//! A proof is made against the latest root the authority published (checked under its
//! pinned key) and only once the gateway accepts that root; a renewal is a new proof by
//! the same holder. Renewing at two thirds of a lease's lifetime, and at once when the
//! authority publishes a new epoch, keeps an agent working across ordinary revocations
//! of others and stops it at its own: a revoked credential cannot be proved.
//!
//! With circuit v2's keys (the escrow key beside the proving key) every root lease gets
//! a fresh agent key (`crate::keys`): the proof encrypts the credential's serial to the
//! trustees and binds that key, the gateway mints the lease for it, and every later call
//! with the lease (and its renewal, and a sub-agent's delegation, which names the
//! sub-agent's own key) is signed with it. A tier-3 agent system's leases are bound to
//! the system's certified key instead, and carry its certificate (`crate::systems`).

use crate::client::{AuthorityClient, GatewayClient, Raw};
use crate::credential::{check_gateway, pinned_authority, published_list, signed_status};
use crate::keys::{AgentKey, Signer};
use crate::store::{PinnedAuthority, StoredLease, StoredSystem, Wallet};
use crate::WalletError;
use alc_circuits::credential::HolderSecret;
use alc_circuits::escrow::EscrowKey;
use alc_circuits::files::CredentialFile;
use alc_circuits::presentation::v2;
use alc_circuits::status::StatusList;
use alc_protocol::files::ProofRequest;
use alc_protocol::gateway::{AnyPresentation, DelegateRequest, Issued, LeaseRequest, Route};
use alc_protocol::time::now;
use alc_prover::{prepare, prepare_v2, prove, prove_v2, ProvingKey};
use alc_verifier::{Presentation as Checked, PresentationV2};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The `type` of a lease file in the wallet.
pub const LEASE_FILE: &str = "alc-wallet-lease";

/// SHA-256 of an agent manifest, hex: what a proof and a lease bind.
pub fn manifest_digest(manifest: &[u8]) -> String {
    hex::encode(Sha256::digest(manifest))
}

/// The keys a wallet proves with: the proving key and, for circuit v2, the trustees'
/// escrow key it was made under (from the same key directory).
pub struct ProverKeys {
    /// The proving key.
    pub pk: ProvingKey,
    /// Circuit v2's escrow key (none: circuit v1).
    pub escrow: Option<EscrowKey>,
}

impl ProverKeys {
    /// The keys, checked to agree: a v2 proving key needs its escrow key, a v1 key none.
    ///
    /// # Errors
    /// [`WalletError::Prove`] when they do not.
    pub fn new(pk: ProvingKey, escrow: Option<EscrowKey>) -> Result<Self, WalletError> {
        let v2 = pk.num_public_inputs() == v2::NUM_PUBLIC_INPUTS;
        if v2 != escrow.is_some() {
            return Err(WalletError::Prove(
                "a circuit-v2 proving key needs the escrow key it was made under, and only it"
                    .into(),
            ));
        }
        Ok(Self { pk, escrow })
    }
}

/// Proves `req` with the wallet's credential against `list`: the presentation for the
/// gateway `service` (circuit v2's bound to `holder`'s key, which it then needs), and how
/// long proving took.
///
/// # Errors
/// [`WalletError::Unsatisfied`] when the credential cannot satisfy the request (revoked,
/// expired, tier too low: refused before proving), [`WalletError::Prove`].
pub fn present(
    service: &str,
    keys: &ProverKeys,
    credential: &CredentialFile,
    secret: &HolderSecret,
    list: &StatusList,
    req: &ProofRequest,
    holder: Option<&AgentKey>,
) -> Result<(AnyPresentation, Duration), WalletError> {
    let unsatisfied = |e: alc_prover::PrepareError| WalletError::Unsatisfied {
        service: service.to_owned(),
        reason: e.to_string(),
    };
    let failed = |e: alc_prover::ProveError| WalletError::Prove(e.to_string());
    let rng = &mut rand::rngs::OsRng;
    let (issuer, signed) = (&credential.issuer, &credential.signed);
    let mut start = Instant::now();
    let p = match (&keys.escrow, holder) {
        (Some(escrow), Some(holder)) => {
            let (st, w) = prepare_v2(
                issuer,
                signed,
                secret,
                list,
                req,
                escrow,
                &holder.public_bytes(),
                rng,
            )
            .map_err(unsatisfied)?;
            start = Instant::now();
            let proof = prove_v2(&keys.pk, escrow, &st, &w, rng).map_err(failed)?;
            AnyPresentation::V2(
                PresentationV2 {
                    proof,
                    statement: st,
                }
                .to_wire(),
            )
        }
        (None, None) => {
            let (statement, w) = prepare(issuer, signed, secret, list, req).map_err(unsatisfied)?;
            let proof = prove(&keys.pk, &statement, &w, rng).map_err(failed)?;
            AnyPresentation::V1(Checked { proof, statement }.to_wire())
        }
        _ => {
            return Err(WalletError::Prove(
                "circuit v2 binds an agent key, circuit v1 none".into(),
            ))
        }
    };
    Ok((p, start.elapsed()))
}

/// The signer of a stored lease: none for a bearer lease; for a key-bound one, its key
/// re-derived from the holder secret (`secret`, which it then needs).
///
/// # Errors
/// [`WalletError::Locked`] without the secret, [`WalletError::Damaged`] for a lease file
/// whose key is not this wallet's.
pub fn signer(
    lease: &StoredLease,
    secret: Option<&HolderSecret>,
) -> Result<Option<Signer>, WalletError> {
    let (Some(public), Some(salt), Some(binding)) =
        (&lease.key, &lease.key_salt, &lease.binding_key)
    else {
        return Ok(None);
    };
    let secret = secret.ok_or_else(|| WalletError::Locked(lease.agent.clone()))?;
    let key = AgentKey::of_lease(secret, salt, public, &lease.agent)?;
    Signer::new(&key, binding, &lease.lease_id, &lease.gateway).map(Some)
}

/// How a lease is bound: its key's salt and the gateway's binding key (hex).
struct Binding {
    salt: String,
    gateway: String,
}

/// A lease kept in the wallet from a gateway's answer.
fn stored(
    issued: Issued,
    gateway: &str,
    agent: &str,
    manifest: &str,
    parent: Option<String>,
    binding: Option<Binding>,
    system: Option<String>,
) -> StoredLease {
    let (key_salt, binding_key) = match binding {
        Some(b) => (Some(b.salt), Some(b.gateway)),
        None => (None, None),
    };
    StoredLease {
        key: issued.key,
        registry_salt: issued.registry_salt,
        key_salt,
        binding_key,
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
        system,
    }
}

/// Proves for leases of one agent at one gateway, with the wallet's credential.
pub struct Leaser {
    authority: AuthorityClient,
    gateway: GatewayClient,
    keys: ProverKeys,
    credential: CredentialFile,
    secret: HolderSecret,
    pinned: PinnedAuthority,
    agent: String,
    manifest: String,
    system: Option<StoredSystem>,
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
        keys: ProverKeys,
        secret: HolderSecret,
        agent: &str,
        manifest: &str,
    ) -> Result<Self, WalletError> {
        let credential = w.need_credential()?;
        let pinned = pinned_authority(w, &authority).await?;
        Ok(Self {
            authority,
            gateway,
            keys,
            credential,
            secret,
            pinned,
            agent: agent.to_owned(),
            manifest: manifest.to_owned(),
            system: None,
        })
    }

    /// The same leaser for the wallet's certified tier-3 agent system `name`
    /// (`crate::systems`): its leases are bound to the system's key and carry its
    /// certificate.
    ///
    /// # Errors
    /// [`WalletError::Prove`] under circuit v1 (whose leases bind no key), or as
    /// [`crate::systems::system`].
    pub fn for_system(mut self, w: &Wallet, name: &str) -> Result<Self, WalletError> {
        if self.keys.escrow.is_none() {
            return Err(WalletError::Prove(
                "an agent system's leases are bound to its key, which takes circuit v2's keys"
                    .into(),
            ));
        }
        let (s, _) = crate::systems::system(w, &self.secret, name)?;
        self.system = Some(s);
        Ok(self)
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
        check_gateway(
            &self.authority,
            &self.pinned,
            self.gateway.url(),
            &challenge,
        )
        .await?;
        let expires = self.credential.signed.credential.expires;
        if challenge.lease_ends >= expires {
            return Err(WalletError::Unsatisfied {
                service: self.gateway.service().to_owned(),
                reason: format!(
                    "it expires at {}, before a lease from this gateway would end ({}): renew your licence",
                    crate::when::utc(expires),
                    crate::when::utc(challenge.lease_ends)
                ),
            });
        }
        // The most the credential can have: autonomous routes if its tiers meet theirs,
        // else the sandbox (an apprentice's tier 0).
        let c = &self.credential.signed.credential;
        let auto = challenge.policy.of(Route::Autonomous);
        let route = if c.tier >= auto.min_tier && c.permit_tier >= auto.min_permit_tier {
            Route::Autonomous
        } else {
            Route::Sandbox
        };
        let req = ProofRequest::from_challenge(&challenge, &self.manifest, route);
        // A system's key (while its certificate lasts: checked at each renewal), else a
        // fresh one under circuit v2.
        let holder = match &self.system {
            Some(s) => Some((crate::systems::key(s, &self.secret)?, s.key_salt.clone())),
            None => self
                .keys
                .escrow
                .is_some()
                .then(|| AgentKey::fresh(&self.secret)),
        };
        let (presentation, took) = present(
            self.gateway.service(),
            &self.keys,
            &self.credential,
            &self.secret,
            &list,
            &req,
            holder.as_ref().map(|(k, _)| k),
        )?;
        let body = LeaseRequest {
            presentation,
            agent: self.agent.clone(),
            manifest: self.manifest.clone(),
            key: holder.as_ref().map(|(k, _)| k.public_hex()),
            system: self.system.as_ref().map(|s| s.certificate.clone()),
        };
        let old = match renewing {
            Some(l) => Some((l.lease.as_str(), signer(l, Some(&self.secret))?)),
            None => None,
        };
        let issued = self
            .gateway
            .lease(&body, old.as_ref().map(|(t, s)| (*t, s.as_ref())))
            .await?;
        if issued.key != body.key {
            return Err(WalletError::Malformed {
                service: self.gateway.service().to_owned(),
                reason: "issued a lease bound to another key than the proof's".into(),
            });
        }
        let binding = holder.map(|(_, salt)| Binding {
            salt,
            gateway: challenge.binding_key.clone(),
        });
        Ok((
            stored(
                issued,
                self.gateway.url(),
                &self.agent,
                &self.manifest,
                None,
                binding,
                self.system.as_ref().map(|s| s.system.clone()),
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

/// Calls `path` with `lease` at its gateway (or at `gateway`, another base URL of it),
/// signed with its key if it is bound (re-derived from `secret`): the answer as it came.
///
/// # Errors
/// A path that is not a route, a bound lease without the secret, or the gateway
/// unreachable.
pub async fn call(
    http: &crate::client::Http,
    lease: &StoredLease,
    secret: Option<&HolderSecret>,
    gateway: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<Raw, WalletError> {
    if !path.starts_with('/') {
        return Err(WalletError::Route(path.to_owned()));
    }
    let signer = signer(lease, secret)?;
    let g = GatewayClient::new(http, gateway.unwrap_or(&lease.gateway));
    g.call(method, path, Some(&lease.lease), signer.as_ref(), body)
        .await
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
/// sub-agent's name: the child and its parent. Under a key-bound parent the child gets a
/// fresh key of its own, and the parent's key signs the request that names it (both
/// derived from `secret`, which it then needs).
///
/// # Errors
/// No such parent, an expired parent, the parent's own name, a bound parent without the
/// secret, the gateway's refusal.
pub async fn spawn(
    w: &Wallet,
    http: &crate::client::Http,
    secret: Option<&HolderSecret>,
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
    let parent_signer = signer(&p, secret)?;
    let child_key = match (&parent_signer, secret) {
        (Some(_), Some(s)) => Some(AgentKey::fresh(s)),
        _ => None,
    };
    let req = DelegateRequest {
        agent: agent.to_owned(),
        manifest: manifest.to_owned(),
        rights: narrowing.rights.clone(),
        ttl_secs: narrowing.ttl.unwrap_or(p.expires_at - t).max(1),
        rate_per_min: narrowing.rate,
        key: child_key.as_ref().map(|(k, _)| k.public_hex()),
    };
    let g = GatewayClient::new(http, &p.gateway);
    let issued = g.delegate(&p.lease, parent_signer.as_ref(), &req).await?;
    if issued.key != req.key {
        return Err(WalletError::Malformed {
            service: g.service().to_owned(),
            reason: "issued a child lease bound to another key than the one asked for".into(),
        });
    }
    let binding = match (child_key, &p.binding_key) {
        (Some((_, salt)), Some(gateway)) => Some(Binding {
            salt,
            gateway: gateway.clone(),
        }),
        _ => None,
    };
    let child = stored(
        issued,
        &p.gateway,
        agent,
        manifest,
        Some(p.agent.clone()),
        binding,
        p.system.clone(),
    );
    w.save_lease(&child)?;
    Ok((child, p))
}
