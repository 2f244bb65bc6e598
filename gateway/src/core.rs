//! The gateway's decisions: issuing, renewing and delegating leases, and the per-request
//! check (token signature once, then the lease index, the kill set, the emergency floor,
//! the route and tier, and the rate limits from memory). No HTTP and no SQL here: a
//! refusal is a [`Deny`] (`crate::api` answers it), the store is `crate::store`.

use crate::batch::Batcher;
use crate::config::Config;
use crate::lease::{Lease, Minter, Parsed};
use crate::possession::{Replays, SignedRequest};
use crate::status::StatusView;
use crate::store::{Store, StoreError};
use alc_circuits::babyjubjub::Point;
use alc_circuits::field::{self, Fr};
use alc_circuits::presentation::v2::encode_holder_key;
use alc_circuits::presentation::{encode_challenge, encode_manifest, encode_scope};
use alc_protocol::encoding::hex_array;
use alc_protocol::gateway::{AnyPresentation, DelegateRequest, Issued, LeaseRequest};
use alc_protocol::signature::RequestKey;
use alc_protocol::time::Clock;
use alc_registry::entry::{self as registry, Entry, KillTarget};
use alc_verifier::{Presentation, PresentationV2, Statement};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

pub use alc_protocol::gateway::{AUTONOMOUS, PUBLIC, SANDBOX};

/// Why a request is refused (the HTTP answer of each: `crate::api`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Deny {
    /// No usable lease (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A lease that does not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Malformed input (400).
    #[error("{0}")]
    BadRequest(String),
    /// Too many requests (429); the allowance renews at `retry_at` (unix seconds).
    #[error("rate limit exceeded")]
    RateLimited {
        /// When the next minute's allowance starts.
        retry_at: u64,
        /// Seconds until then (at least 1): `Retry-After`.
        wait: u64,
    },
    /// The gateway cannot decide safely now (503), e.g. its status is stale.
    #[error("{0}")]
    Unavailable(String),
    /// A failure inside the gateway (500); the detail is logged, never answered.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for Deny {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// A checked lease, cached by token. The hot path reads it without locks: kill checks
/// are redone only when the kill set has changed (a generation counter), and rate
/// counters are atomics (`minute << 32 | count`).
#[derive(Debug)]
pub struct Checked {
    /// Lease ids from the root lease to this one.
    pub chain: Vec<String>,
    /// This lease.
    pub lease: Lease,
    /// Kill-set generation at which this lease was last found alive (`u64::MAX`: never).
    alive_at: AtomicU64,
    /// This lease's rate counter.
    lease_rate: AtomicU64,
    /// Its pseudonym's rate counter, shared by all its leases (and, through the
    /// store, by the fleet: [`crate::rate`]).
    nym_rate: Arc<crate::rate::NymRate>,
    /// The key its requests are tagged with (none: a bearer lease).
    request_key: Option<RequestKey>,
}

impl Checked {
    /// Whether every request with this lease must be signed with its key.
    pub fn is_bound(&self) -> bool {
        self.request_key.is_some()
    }
}

/// Counts one request in a per-minute window; false when `limit` is reached.
fn count(counter: &AtomicU64, limit: u32, minute: u64) -> bool {
    let mut cur = counter.load(Ordering::Relaxed);
    loop {
        let (m, n) = (cur >> 32, cur & 0xffff_ffff);
        let next = if m != minute & 0xffff_ffff {
            (minute & 0xffff_ffff) << 32 | 1
        } else if n >= u64::from(limit) {
            return false;
        } else {
            cur + 1
        };
        match counter.compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(actual) => cur = actual,
        }
    }
}

#[derive(Default)]
struct KillSet {
    leases: HashSet<String>,
    pseudonyms: HashSet<String>,
    last: i64,
}

/// The gateway.
pub struct Gateway {
    pub(crate) cfg: Config,
    pub(crate) store: Store,
    pub(crate) minter: Minter,
    pub(crate) status: Arc<StatusView>,
    pub(crate) batcher: Batcher,
    pub(crate) issuer: Point,
    pub(crate) clock: Arc<dyn Clock>,
    /// The binding secret (X25519) request keys are agreed with, and its public key.
    binding: Zeroizing<[u8; 32]>,
    pub(crate) binding_public: [u8; 32],
    /// Whether the verifying key is circuit v2's (else v1, allowed by the configuration).
    pub(crate) v2: bool,
    replays: Replays,
    scope: Fr,
    cache: RwLock<HashMap<String, Arc<Checked>>>,
    kills: RwLock<KillSet>,
    kill_generation: AtomicU64,
    rates: crate::rate::FleetRates,
}

fn digest(s: &str, what: &str) -> Result<[u8; 32], Deny> {
    hex_array(s).map_err(|_| Deny::BadRequest(format!("{what} must be a SHA-256 digest in hex")))
}

fn random_id() -> String {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

/// An agent's Ed25519 public key from hex (`alc_protocol::signature::agent_key`).
fn agent_key(hex: &str) -> Result<ed25519_dalek::VerifyingKey, Deny> {
    alc_protocol::signature::agent_key(hex).ok_or_else(|| {
        Deny::BadRequest("key: an Ed25519 public key of full order, 32 bytes in hex".into())
    })
}

/// The pseudonym a presentation states (decimal, as sent).
fn stated_pseudonym(p: &AnyPresentation) -> &str {
    match p {
        AnyPresentation::V2(p) => &p.statement.v1.pseudonym,
        AnyPresentation::V1(p) => &p.statement.pseudonym,
    }
}

/// What a checked presentation gives a lease.
struct Proven {
    statement: Statement,
    epoch: u64,
    rights: Vec<String>,
    key: Option<String>,
    escrow: Option<String>,
    system: Option<alc_protocol::systems::SystemCertificate>,
}

fn valid_agent(a: &str) -> Result<(), Deny> {
    if a.is_empty() || a.len() > 128 || !a.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Deny::BadRequest(
            "agent: 1 to 128 printable ASCII characters".into(),
        ));
    }
    Ok(())
}

impl Gateway {
    /// A gateway over its parts: `binding` is its binding secret (X25519), `v2` whether
    /// the batcher's key is circuit v2's.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: Config,
        store: Store,
        minter: Minter,
        status: Arc<StatusView>,
        batcher: Batcher,
        issuer: Point,
        clock: Arc<dyn Clock>,
        binding: Zeroizing<[u8; 32]>,
        v2: bool,
    ) -> Arc<Self> {
        let scope = encode_scope(&cfg.scope);
        let cfg_rate = cfg.rate_per_min;
        let binding_public = alc_protocol::signature::binding_public(&binding);
        Arc::new(Self {
            cfg,
            store,
            minter,
            status,
            batcher,
            issuer,
            clock,
            binding,
            binding_public,
            v2,
            replays: Replays::default(),
            scope,
            cache: RwLock::new(HashMap::new()),
            kills: RwLock::new(KillSet::default()),
            kill_generation: AtomicU64::new(0),
            rates: crate::rate::FleetRates::new(cfg_rate, random_id()),
        })
    }

    /// Now.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// A fresh challenge: its bytes (hex) and the gateway time it binds.
    pub async fn challenge(&self) -> Result<(String, u64, u64), Deny> {
        let now = self.now();
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let expires = now + self.cfg.challenge_ttl_secs;
        self.store
            .add_challenge(&field::to_decimal(&encode_challenge(&bytes)), now, expires)
            .await?;
        Ok((hex::encode(bytes), now, expires))
    }

    /// Checks a presentation for a new lease: its circuit (v2 unless v1 is allowed), its
    /// key binding, its scope, issuer, manifest, root and challenge, and its proof.
    async fn check_presentation(&self, req: &LeaseRequest) -> Result<Proven, Deny> {
        let now = self.now();
        valid_agent(&req.agent)?;
        let bad = |e: alc_verifier::PresentationError| Deny::BadRequest(e.to_string());
        let (proof, st, inputs, key, escrow) = match &req.presentation {
            AnyPresentation::V2(wire) => {
                if !self.v2 {
                    return Err(Deny::Forbidden(
                        "this gateway verifies circuit-v1 proofs only".into(),
                    ));
                }
                let p = PresentationV2::from_wire(wire).map_err(bad)?;
                let key = agent_key(req.key.as_deref().ok_or_else(|| {
                    Deny::BadRequest(
                        "key: a circuit-v2 lease is bound to the agent's Ed25519 public key".into(),
                    )
                })?)?;
                if encode_holder_key(key.as_bytes()) != p.statement.holder_key {
                    return Err(Deny::Forbidden("the proof is bound to another key".into()));
                }
                let escrow = serde_json::to_string(&wire.statement.escrow)
                    .map_err(|e| Deny::Internal(e.to_string()))?;
                let inputs = p.statement.public_inputs().to_vec();
                (
                    p.proof,
                    p.statement.v1,
                    inputs,
                    Some(hex::encode(key.as_bytes())),
                    Some(escrow),
                )
            }
            AnyPresentation::V1(wire) => {
                if self.v2 {
                    return Err(Deny::Forbidden("this gateway requires circuit v2 (alc-presentation-v2), whose proofs escrow the licence's serial and bind the agent's key: prove with a v2 key directory".into()));
                }
                if req.key.is_some() {
                    return Err(Deny::BadRequest(
                        "key: a circuit-v1 proof binds no key (its lease is a bearer token)".into(),
                    ));
                }
                let p = Presentation::from_wire(wire).map_err(bad)?;
                let inputs = p.statement.public_inputs().to_vec();
                (p.proof, p.statement, inputs, None, None)
            }
        };
        if st.scope != self.scope {
            return Err(Deny::Forbidden(
                "the proof is for another gateway's scope".into(),
            ));
        }
        if st.issuer() != self.issuer {
            return Err(Deny::Forbidden(
                "the proof is for another licensing authority's key".into(),
            ));
        }
        if st.manifest != encode_manifest(&digest(&req.manifest, "manifest")?) {
            return Err(Deny::Forbidden(
                "the proof is bound to another agent manifest".into(),
            ));
        }
        let epoch = self
            .status
            .accepts_root(&st.status_root, now)
            .ok_or_else(|| Deny::Forbidden("the proof's status root is not accepted (stale, superseded by an emergency, or unknown): fetch the current list and prove again".into()))?;
        let challenge = field::to_decimal(&st.challenge);
        // The proof is made at the challenge's lease end (its time plus the lease
        // lifetime), so the credential is valid until the lease ends (docs/leases.md).
        let issued_at = st.now.checked_sub(self.cfg.lease_ttl_secs);
        let open = match issued_at {
            Some(at) => self.store.challenge_open(&challenge, at, now).await?,
            None => false,
        };
        if !open {
            return Err(Deny::Forbidden(
                "the challenge is unknown, expired or already used, or the proof is not made at its lease_ends".into(),
            ));
        }
        let mut rights = vec![SANDBOX.to_owned()];
        if st.min_tier >= self.cfg.min_tier && st.min_permit_tier >= self.cfg.min_permit_tier {
            if !self.status.is_fresh(now) {
                return Err(Deny::Unavailable("the authority's status is stale: no new autonomous leases until it is reachable again".into()));
            }
            rights.push(AUTONOMOUS.to_owned());
        }
        // The agent system the key operates, certified by the authority: required where
        // autonomous routes need permit tier 3 (docs/permits.md, "Agent systems").
        let system =
            match (&req.system, &key) {
                (None, _) => None,
                (Some(_), None) => return Err(Deny::BadRequest(
                    "system: a system certificate names an agent key; a circuit-v1 lease has none"
                        .into(),
                )),
                (Some(c), Some(k)) => Some(
                    self.status
                        .verify_system(c, k, now)
                        .map_err(|e| Deny::Forbidden(format!("system: {e}")))?,
                ),
            };
        if self.cfg.min_permit_tier >= 3
            && rights.iter().any(|r| r == AUTONOMOUS)
            && system.is_none()
        {
            return Err(Deny::Forbidden("system: this gateway's autonomous routes need permit tier 3, whose leases name their agent system: send the authority's certificate for the agent key (`alc wallet system certify NAME --permit PERMIT`, then `alc wallet lease --system NAME`)".into()));
        }
        if !self.batcher.verify(proof, inputs).await {
            return Err(Deny::Forbidden("the proof does not verify".into()));
        }
        if !self.store.consume_challenge(&challenge, now).await? {
            return Err(Deny::Forbidden(
                "the challenge is unknown, expired or already used".into(),
            ));
        }
        Ok(Proven {
            statement: st,
            epoch,
            rights,
            key,
            escrow,
            system,
        })
    }

    /// The salt of a lease's registry commitments (`alc_registry::entry`): derived from
    /// the binding secret and the lease id, so the gateway can always recompute it, and
    /// given to the holder with the lease.
    fn registry_salt(&self, lease_id: &str) -> [u8; 32] {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(b"alc/v1/gateway-registry-salt\0");
        h.update(self.binding.as_ref());
        h.update(lease_id.as_bytes());
        h.finalize().into()
    }

    /// The registry entry of a new lease (validated now, so the outbox only ever holds
    /// entries the registry accepts): the agent and its manifest as commitments under
    /// the lease's salt. The gateway does not learn the permit: no hash.
    fn spawn_entry(&self, l: &Lease, salt: &[u8; 32], now: u64) -> Result<Entry, Deny> {
        let e = Entry::Spawn(registry::Spawn {
            gateway: self.cfg.scope.clone(),
            lease_id: l.id.clone(),
            parent_lease: l.parent.clone(),
            agent: registry::agent_commitment(&self.cfg.scope, salt, &l.agent),
            pseudonym: l.pseudonym.clone(),
            permit_hash: String::new(),
            permissions: registry::Permissions {
                routes: l.rights.clone(),
                rate_per_min: l.rate_per_min,
                expires: l.expires,
                tier: l.tier,
                permit_tier: l.permit_tier,
            },
            manifest_hash: registry::manifest_commitment(&self.cfg.scope, salt, &l.manifest),
            depth: l.depth,
            system: l
                .system
                .as_ref()
                .map(|s| registry::system_commitment(&self.cfg.scope, salt, s)),
            at: now,
        });
        e.validate()
            .map_err(|e| Deny::BadRequest(format!("lease: {e}")))?;
        Ok(e)
    }

    /// Issues a root lease for a presentation.
    pub async fn issue(&self, req: &LeaseRequest) -> Result<Issued, Deny> {
        let Proven {
            statement: st,
            epoch,
            rights,
            key,
            escrow,
            system,
        } = self.check_presentation(req).await?;
        let now = self.now();
        let lease = Lease {
            id: random_id(),
            parent: None,
            pseudonym: field::to_decimal(&st.pseudonym),
            tier: st.min_tier,
            permit_tier: st.min_permit_tier,
            epoch,
            agent: req.agent.clone(),
            manifest: req.manifest.to_ascii_lowercase(),
            rights,
            rate_per_min: self.cfg.rate_per_min,
            // The time the proof showed the credential valid at: never after its expiry.
            // Not past the system's certificate either: the lease names the system.
            expires: system.as_ref().map_or(st.now, |c| st.now.min(c.not_after)),
            depth: 0,
            key,
            escrow,
            system: system.map(|c| c.system),
        };
        if self.is_killed_pseudonym(&lease.pseudonym) {
            return Err(Deny::Forbidden(
                "this pseudonym is killed at this gateway".into(),
            ));
        }
        let salt = self.registry_salt(&lease.id);
        let spawn = self.spawn_entry(&lease, &salt, now)?;
        let (token, block) = self
            .minter
            .mint(&lease)
            .map_err(|e| Deny::Internal(e.to_string()))?;
        self.store.add_lease(&block, &lease, now, &spawn).await?;
        Ok(Issued {
            lease: token,
            lease_id: lease.id,
            expires_at: lease.expires,
            rights: lease.rights,
            epoch,
            registry_salt: hex::encode(salt),
            key: lease.key,
        })
    }

    /// Renews: a new proof from the same holder (same pseudonym) as a lease that was not
    /// killed (it may have expired), the request signed with the old lease's key if it
    /// is bound. A revoked credential cannot prove against the current root, so its
    /// renewal fails: that is the kill switch.
    pub async fn renew(
        &self,
        bearer: &str,
        signed: &SignedRequest<'_>,
        req: &LeaseRequest,
    ) -> Result<Issued, Deny> {
        let old = self.load(bearer, None).await?;
        self.possession(&old, signed)?;
        self.not_killed(&old)?;
        if stated_pseudonym(&req.presentation) != old.lease.pseudonym {
            return Err(Deny::Forbidden(
                "the renewal proof is from another holder".into(),
            ));
        }
        self.issue(req).await
    }

    /// Mints a narrower child lease for a sub-agent. Under a key-bound parent the request
    /// is signed with the parent's key and names the child's own key, which the parent's
    /// signature over the body so authorises.
    pub async fn delegate(
        &self,
        bearer: &str,
        signed: &SignedRequest<'_>,
        req: &DelegateRequest,
    ) -> Result<Issued, Deny> {
        let parent = self.checked(bearer, None, Some(signed)).await?;
        valid_agent(&req.agent)?;
        digest(&req.manifest, "manifest")?;
        let p = &parent.lease;
        let key = match (&p.key, &req.key) {
            (Some(_), Some(k)) => Some(hex::encode(agent_key(k)?.as_bytes())),
            (Some(_), None) => {
                return Err(Deny::BadRequest(
                    "key: a child of a key-bound lease needs the sub-agent's own key".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(Deny::BadRequest(
                    "key: a bearer lease's children are bearer leases".into(),
                ))
            }
            (None, None) => None,
        };
        if p.depth + 1 > self.cfg.max_depth {
            return Err(Deny::Forbidden(format!(
                "sub-agent chains are limited to depth {}",
                self.cfg.max_depth
            )));
        }
        if req.rights.is_empty()
            || req.rights.iter().any(|r| {
                !r.starts_with("/v1/") || !p.rights.iter().any(|pr| r.starts_with(pr.as_str()))
            })
        {
            return Err(Deny::Forbidden(
                "a child lease may only narrow its parent's routes".into(),
            ));
        }
        let rate = req.rate_per_min.unwrap_or(p.rate_per_min);
        if rate == 0 || rate > p.rate_per_min {
            return Err(Deny::Forbidden(
                "a child lease may not have a higher rate than its parent".into(),
            ));
        }
        let now = self.now();
        if req.ttl_secs == 0 {
            return Err(Deny::BadRequest("ttl_secs must be positive".into()));
        }
        let child = Lease {
            id: random_id(),
            parent: Some(p.id.clone()),
            pseudonym: p.pseudonym.clone(),
            tier: p.tier,
            permit_tier: p.permit_tier,
            epoch: p.epoch,
            agent: req.agent.clone(),
            manifest: req.manifest.to_ascii_lowercase(),
            rights: req.rights.clone(),
            rate_per_min: rate,
            expires: (now + req.ttl_secs).min(p.expires),
            depth: p.depth + 1,
            key,
            escrow: None,
            system: p.system.clone(),
        };
        let salt = self.registry_salt(&child.id);
        let spawn = self.spawn_entry(&child, &salt, now)?;
        let parsed = self
            .minter
            .parse(bearer)
            .map_err(|_| Deny::Unauthenticated("not a lease of this gateway"))?;
        let (token, block) = self
            .minter
            .attenuate(&parsed.token, &child)
            .map_err(|e| Deny::Internal(e.to_string()))?;
        self.store.add_lease(&block, &child, now, &spawn).await?;
        Ok(Issued {
            lease: token,
            lease_id: child.id,
            expires_at: child.expires,
            rights: child.rights,
            epoch: child.epoch,
            registry_salt: hex::encode(salt),
            key: child.key,
        })
    }

    /// Kills a lease (and its descendants) or every lease of a pseudonym, at once.
    pub async fn kill(
        &self,
        lease: Option<&str>,
        pseudonym: Option<&str>,
        reason: &str,
    ) -> Result<(), Deny> {
        let now = self.now();
        let (kind, value) = match (lease, pseudonym) {
            (Some(l), None) => {
                if !self.store.lease_exists(l).await? {
                    return Err(Deny::BadRequest(format!("no lease {l:?} at this gateway")));
                }
                ("lease", l)
            }
            (None, Some(p)) => {
                field::from_decimal(p).map_err(|e| Deny::BadRequest(format!("pseudonym: {e}")))?;
                ("pseudonym", p)
            }
            _ => {
                return Err(Deny::BadRequest(
                    "name exactly one of lease or pseudonym".into(),
                ))
            }
        };
        let entry = Entry::Kill(registry::Kill {
            gateway: self.cfg.scope.clone(),
            target: match kind {
                "lease" => KillTarget::Lease(value.to_owned()),
                _ => KillTarget::Pseudonym(value.to_owned()),
            },
            reason: reason.to_owned(),
            at: now,
        });
        entry
            .validate()
            .map_err(|e| Deny::BadRequest(format!("kill: {e}")))?;
        self.store.kill(kind, value, reason, now, &entry).await?;
        self.refresh_kills().await
    }

    /// Loads kills recorded by any process since the last refresh.
    pub async fn refresh_kills(&self) -> Result<(), Deny> {
        let last = self.kills.read().unwrap_or_else(|p| p.into_inner()).last;
        let new = self.store.kills_since(last).await?;
        if new.is_empty() {
            return Ok(());
        }
        let mut k = self.kills.write().unwrap_or_else(|p| p.into_inner());
        for kill in new {
            k.last = k.last.max(kill.id);
            match kill.kind.as_str() {
                "lease" => k.leases.insert(kill.value),
                _ => k.pseudonyms.insert(kill.value),
            };
        }
        // Every cached lease is checked against the new kill set on its next use.
        self.kill_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn is_killed_pseudonym(&self, p: &str) -> bool {
        self.kills
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .pseudonyms
            .contains(p)
    }

    /// Says this process is counting calls, and learns how many are
    /// ([`crate::rate`]; called every [`crate::rate::HEARTBEAT`]).
    pub async fn rate_heartbeat(&self) -> Result<(), crate::store::StoreError> {
        self.rates.heartbeat(&self.store, self.now()).await
    }

    /// Charges one call of a lease admitted for `route` ([`Gateway::admit`]) to its
    /// pseudonym's rate limit, which the fleet holds together ([`crate::rate`]): from
    /// this process's allowance, or after claiming more of the fleet's.
    pub async fn charge(&self, c: &Checked, route: Option<&str>) -> Result<(), Deny> {
        if route.is_none() {
            return Ok(());
        }
        let now = self.now();
        let minute = now / 60;
        if self
            .rates
            .admit(&self.store, &c.lease.pseudonym, &c.nym_rate, minute)
            .await?
        {
            return Ok(());
        }
        let retry_at = (minute + 1) * 60;
        Err(Deny::RateLimited {
            retry_at,
            wait: retry_at.saturating_sub(now).max(1),
        })
    }

    /// Drops cached tokens that have expired, and idle rate counters (called periodically).
    pub fn sweep(&self) {
        let now = self.now();
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, c| c.lease.expires > now);
        self.rates.sweep(now / 60);
    }

    /// The lease behind a token: from the cache, or parsed (signature) and resolved in
    /// the index, checking the token's own rules for `route` on first sight.
    async fn load(&self, bearer: &str, route: Option<&str>) -> Result<Arc<Checked>, Deny> {
        if let Some(c) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(bearer)
        {
            return Ok(c.clone());
        }
        let now = self.now();
        let parsed = self
            .minter
            .parse(bearer)
            .map_err(|_| Deny::Unauthenticated("not a lease of this gateway"))?;
        let (chain, lease) = self.index(&parsed).await?;
        let nym_rate = self.rates.of(&lease.pseudonym);
        let request_key = match &lease.key {
            Some(k) => Some(
                RequestKey::for_gateway(
                    &self.binding,
                    &agent_key(k)
                        .map_err(|_| Deny::Internal("a lease index key is unusable".into()))?,
                )
                .map_err(|e| Deny::Internal(e.to_string()))?,
            ),
            None => None,
        };
        let c = Arc::new(Checked {
            chain,
            lease,
            alive_at: AtomicU64::new(u64::MAX),
            lease_rate: AtomicU64::new(0),
            nym_rate,
            request_key,
        });
        if let Some(r) = route {
            if c.lease.expires > now && Minter::authorize(&parsed, r, now).is_err() {
                return Err(Deny::Forbidden(
                    "the lease does not cover this route".into(),
                ));
            }
        }
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(bearer.to_owned(), c.clone());
        Ok(c)
    }

    fn not_killed(&self, c: &Checked) -> Result<(), Deny> {
        let generation = self.kill_generation.load(Ordering::SeqCst);
        if c.alive_at.load(Ordering::Relaxed) == generation {
            return Ok(());
        }
        let k = self.kills.read().unwrap_or_else(|p| p.into_inner());
        if c.chain.iter().any(|id| k.leases.contains(id)) {
            return Err(Deny::Forbidden(
                "the lease, or a lease it descends from, was killed".into(),
            ));
        }
        if k.pseudonyms.contains(&c.lease.pseudonym) {
            return Err(Deny::Forbidden(
                "this pseudonym is killed at this gateway".into(),
            ));
        }
        c.alive_at.store(generation, Ordering::Relaxed);
        Ok(())
    }

    /// The lease behind a token, its signature and own rules checked (cached): whether
    /// it [is bound](Checked::is_bound) says if [`Gateway::admit`] needs the request signed.
    pub async fn lease(&self, bearer: &str, route: Option<&str>) -> Result<Arc<Checked>, Deny> {
        self.load(bearer, route).await
    }

    /// Proof of possession: a bound lease's request must be signed with its key.
    fn possession(&self, c: &Checked, signed: &SignedRequest<'_>) -> Result<(), Deny> {
        match &c.request_key {
            Some(key) => {
                crate::possession::check(key, &c.lease.id, signed, &self.replays, self.now())
            }
            None => Ok(()),
        }
    }

    /// The per-request check of a lease token for `route` (None: any route, for
    /// delegation): token signature (once), proof of possession for a key-bound lease
    /// (`signed`: the request as received; none: unsigned), kills, expiry, emergency
    /// floor, route, tier, rate.
    pub async fn checked(
        &self,
        bearer: &str,
        route: Option<&str>,
        signed: Option<&SignedRequest<'_>>,
    ) -> Result<Arc<Checked>, Deny> {
        let c = self.load(bearer, route).await?;
        self.admit(&c, route, signed)?;
        self.charge(&c, route).await?;
        Ok(c)
    }

    /// [`Gateway::checked`] for a lease already loaded with [`Gateway::lease`].
    pub fn admit(
        &self,
        c: &Checked,
        route: Option<&str>,
        signed: Option<&SignedRequest<'_>>,
    ) -> Result<(), Deny> {
        match signed {
            Some(s) => self.possession(c, s)?,
            None if c.is_bound() => {
                return Err(Deny::Unauthenticated(
                    "this lease is bound to a key: sign the request (Signature-Input, Signature and Content-Digest headers, RFC 9421)",
                ))
            }
            None => {}
        }
        let now = self.now();
        let l = &c.lease;
        self.not_killed(c)?;
        if now >= l.expires {
            return Err(Deny::Forbidden(EXPIRED.into()));
        }
        if l.epoch < self.status.min_epoch() {
            return Err(Deny::Forbidden(
                "an emergency revocation superseded the status root of this lease: prove again"
                    .into(),
            ));
        }
        if let Some(r) = route {
            if !l.rights.iter().any(|p| r.starts_with(p.as_str())) {
                return Err(Deny::Forbidden(
                    "the lease does not cover this route".into(),
                ));
            }
            if r.starts_with(AUTONOMOUS)
                && (l.tier < self.cfg.min_tier || l.permit_tier < self.cfg.min_permit_tier)
            {
                return Err(Deny::Forbidden(
                    "insufficient licence or permit tier for autonomous routes".into(),
                ));
            }
            let minute = now / 60;
            if !count(&c.lease_rate, l.rate_per_min, minute) {
                let retry_at = (minute + 1) * 60;
                return Err(Deny::RateLimited {
                    retry_at,
                    wait: retry_at.saturating_sub(now).max(1),
                });
            }
        }
        Ok(())
    }

    /// Resolves every block of a token in the lease index.
    async fn index(&self, parsed: &Parsed) -> Result<(Vec<String>, Lease), Deny> {
        let mut chain = Vec::with_capacity(parsed.blocks.len());
        let mut last: Option<Lease> = None;
        for block in &parsed.blocks {
            let lease = self.store.lease(block).await?.ok_or(Deny::Unauthenticated(
                "the lease has a block this gateway did not mint",
            ))?;
            if lease.parent.as_deref() != last.as_ref().map(|l| l.id.as_str()) {
                return Err(Deny::Unauthenticated(
                    "the lease's blocks do not form a chain",
                ));
            }
            chain.push(lease.id.clone());
            last = Some(lease);
        }
        let lease = last.ok_or(Deny::Unauthenticated("empty lease"))?;
        Ok((chain, lease))
    }
}

impl Gateway {
    /// The gateway's view of the authority's status.
    pub fn status(&self) -> &StatusView {
        &self.status
    }

    /// The store (shared with the registry submitter).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Registry entries not yet in the registry, oldest first.
    pub async fn pending_entries(&self) -> Result<Vec<(i64, Entry)>, Deny> {
        Ok(self.store.outbox(1000).await?)
    }

    /// The lease id of a token (for administrators and tests).
    pub async fn lease_id_of(&self, bearer: &str) -> Option<String> {
        self.load(bearer, None)
            .await
            .ok()
            .map(|c| c.lease.id.clone())
    }

    /// The pseudonym of a token (for administrators and tests).
    pub async fn pseudonym_of(&self, bearer: &str) -> Option<String> {
        self.load(bearer, None)
            .await
            .ok()
            .map(|c| c.lease.pseudonym.clone())
    }
}

/// The reason given for an expired lease.
pub const EXPIRED: &str = "the lease has expired: renew it with a new proof";
