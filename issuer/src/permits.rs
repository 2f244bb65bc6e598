//! Corporate operating permits (`docs/architecture.md`, "Corporate permits").
//!
//! Tier 1: personal or start-up, no further requirement. Tier 2: insurance cover of at
//! least the tier's minimum, proved when the permit is registered or its insurance
//! renewed (see [`crate::insurance`]), not expired and not revoked by its insurer, and at
//! least `min_principal_operators` *licensed* principal operators: identities holding a
//! live personal operator licence (tier >= 1, not revoked, not expired) from this
//! authority. Tier 3: as tier 2 (with its own minimum), and every agent system
//! registered under the permit names a licensed principal operator (and there is at
//! least one). Permit-bound credentials are refused while a requirement is unmet;
//! suspending or revoking a permit revokes all its credentials in one status update.
//!
//! The requirements hold for as long as the permit lives, not only when a credential is
//! issued: [`crate::enforcement`] checks them and suspends a permit that has missed one
//! for the grace period.

use crate::authority::{audit, Authority};
use crate::config::Config;
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::IdKey;
use crate::insurance::CoverRefusal;
use alc_protocol::authority::{
    AgentSystem, Insurance, NewAgentSystem, NewOperator, NewPermit, Permit, PermitConditions,
    PermitLapse, PermitStatusChange,
};
use sqlx::{Any, Transaction};

#[derive(sqlx::FromRow)]
struct CoverRow {
    insurer: String,
    insurer_key: Vec<u8>,
    policy_id: String,
    expires: i64,
    commitment: Vec<u8>,
    minimum: i64,
    accepted_at: i64,
    revoked_at: Option<i64>,
}

/// Why a permit cannot be registered, changed or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PermitError {
    /// An id that is not 1 to 128 printable ASCII characters.
    #[error("permit id: 1 to 128 printable ASCII characters")]
    BadId,
    /// A tier other than 1, 2 or 3.
    #[error("permit tier must be 1, 2 or 3")]
    BadTier,
    /// A status other than active, suspended or revoked.
    #[error("status must be active, suspended or revoked")]
    BadStatus,
    /// The id is taken.
    #[error("permit {0:?} already exists")]
    Exists(String),
    /// No permit has this id.
    #[error("no permit {0:?}")]
    NotFound(String),
    /// The identity is not one of the permit's operators.
    #[error("this identity is not an operator of permit {0:?}")]
    NotOperator(String),
    /// The permit is not active or misses one of its tier's requirements.
    #[error("permit {permit:?}: {why}")]
    Unmet {
        /// The permit.
        permit: String,
        /// What is missing.
        why: String,
    },
    /// A principal operator without a live personal operator licence.
    #[error("a principal operator must hold a live operator licence (tier 1 or higher) from this authority")]
    NotLicensed,
    /// An identity under an issuer that is not one of the authority's providers.
    #[error("{0:?} is not one of this authority's identity providers")]
    UnknownProvider(String),
    /// No live session has this token.
    #[error("unknown or expired session")]
    UnknownSession,
    /// No such agent system, or the caller is not its named principal operator.
    #[error("no such agent system of yours: only an agent system's named principal operator, signed in, can certify its keys")]
    NotSystemPrincipal,
    /// Not an Ed25519 public key of full order, in hex.
    #[error("key: an Ed25519 public key of full order, 32 bytes in hex")]
    BadKey,
    /// An incident contact that is not `mailto:`, `tel:` or an http(s) URL.
    #[error("incident contact: a mailto:, tel: or http(s) URL of at most 512 characters")]
    BadIncidentContact,
    /// A contact that is not an http(s) URL.
    #[error("contacts: at most 8 http(s) URLs of at most 512 characters")]
    BadContact,
    /// An agent system's principal is not a principal operator of the permit.
    #[error("the named principal is not a principal operator of this permit")]
    NotPrincipal,
    /// A revoked permit stays revoked.
    #[error("permit {0:?} is revoked for good")]
    Revoked(String),
    /// The permit changed between the check of its insurance and the write.
    #[error("permit {0:?} changed while its insurance was checked; retry")]
    Changed(String),
    /// Insurance evidence that does not decode.
    #[error("insurance: {0}")]
    Evidence(String),
    /// Insurance evidence refused by one of its checks.
    #[error(transparent)]
    Cover(#[from] CoverRefusal),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(PermitError);

#[derive(sqlx::FromRow)]
struct PermitRow {
    id: String,
    name: String,
    tier: i64,
    status: String,
    contacts: String,
    unmet_since: Option<i64>,
    unmet_reason: Option<String>,
    incident_contact: Option<String>,
    reporting: String,
}

/// Loads a permit with its insurance in force and, while it misses a requirement, when
/// it is suspended (after `grace` seconds).
pub async fn load(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    grace: u64,
) -> Result<Permit, PermitError> {
    let row: Option<PermitRow> = sqlx::query_as(
        "SELECT id, name, tier, status, contacts, unmet_since, unmet_reason, incident_contact, reporting FROM permits WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let row = row.ok_or_else(|| PermitError::NotFound(id.to_owned()))?;
    let PermitRow {
        id,
        name,
        tier,
        status,
        ..
    } = &row;
    let (id, name, tier, status) = (id.clone(), name.clone(), *tier, status.clone());
    let contacts: Vec<String> = serde_json::from_str(&row.contacts).map_err(Internal::new)?;
    let reporting: Vec<String> = serde_json::from_str(&row.reporting).map_err(Internal::new)?;
    let lapse = row.unmet_since.map(|since| PermitLapse {
        since: since as u64,
        suspend_at: (since as u64).saturating_add(grace),
        why: row.unmet_reason.clone().unwrap_or_default(),
    });
    let cover: Option<CoverRow> = sqlx::query_as(
        "SELECT i.id AS insurer, c.insurer AS insurer_key, c.policy_id, c.expires, c.commitment, c.minimum, c.accepted_at,
                (SELECT min(r.revoked_at) FROM cover_revocations r
                 WHERE r.insurer = c.insurer AND r.permit_id = c.permit_id AND r.policy_id = c.policy_id
                 AND r.received_at >= c.accepted_at) AS revoked_at
         FROM permit_covers c JOIN insurers i ON i.key = c.insurer
         WHERE c.permit_id = $1 ORDER BY c.id DESC LIMIT 1",
    )
    .bind(&id)
    .fetch_optional(&mut **tx)
    .await?;
    let systems: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT name, system_id FROM agent_systems WHERE permit_id = $1 ORDER BY name",
    )
    .bind(&id)
    .fetch_all(&mut **tx)
    .await?;
    let systems = systems
        .into_iter()
        .map(|(name, system)| AgentSystem { name, system })
        .collect();
    let insurance = cover.map(|c| Insurance {
        insurer: c.insurer,
        insurer_key: hex::encode(c.insurer_key),
        policy_id: c.policy_id,
        expires: c.expires as u64,
        commitment: hex::encode(c.commitment),
        minimum: c.minimum as u64,
        accepted_at: c.accepted_at as u64,
        revoked_at: c.revoked_at.map(|t| t as u64),
    });
    Ok(Permit {
        id,
        name,
        tier: tier as u8,
        status,
        insurance,
        contacts,
        incident_contact: row.incident_contact.clone(),
        reporting,
        systems,
        lapse,
    })
}

/// The condition, in SQL over `permit_operators o`, that the operator holds a live
/// personal operator licence at `?1`, the enclosing query's first parameter (now).
const LICENSED: &str = "EXISTS (SELECT 1 FROM credentials l WHERE l.id_key = o.id_key
    AND l.permit_id IS NULL AND l.tier >= 1 AND l.revoked_at IS NULL AND l.expires > $1)";

/// The live personal operator licence of an identity: its serial and expiry.
pub(crate) async fn licence(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id_key: &[u8],
    now: u64,
) -> Result<Option<(u32, u64)>, Internal> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT serial, expires FROM credentials WHERE id_key = $1 AND permit_id IS NULL
         AND tier >= 1 AND revoked_at IS NULL AND expires > $2",
    )
    .bind(id_key)
    .bind(now as i64)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(s, e)| (s as u32, e as u64)))
}

/// Refuses unless the identity is an operator of the permit.
pub async fn require_operator(
    permit: &Permit,
    tx: &mut Transaction<'static, Any>,
    id_key: &IdKey,
) -> Result<(), PermitError> {
    let is: Option<i64> = sqlx::query_scalar(
        "SELECT principal FROM permit_operators WHERE permit_id = $1 AND id_key = $2",
    )
    .bind(&permit.id)
    .bind(id_key)
    .fetch_optional(&mut **tx)
    .await?;
    is.map(|_| ())
        .ok_or_else(|| PermitError::NotOperator(permit.id.clone()))
}

/// Refuses unless the permit is active and meets its tier's requirements.
pub async fn require_met(
    permit: &Permit,
    tx: &mut Transaction<'static, Any>,
    cfg: &Config,
    now: u64,
) -> Result<(), PermitError> {
    let why = if permit.status != "active" {
        Some(format!("is {}", permit.status))
    } else {
        unmet(permit, tx, cfg, now).await?
    };
    match why {
        None => Ok(()),
        Some(why) => Err(PermitError::Unmet {
            permit: permit.id.clone(),
            why,
        }),
    }
}

/// The first of its tier's requirements the permit misses at `now`, if any (its status
/// aside).
pub async fn unmet(
    permit: &Permit,
    tx: &mut Transaction<'static, Any>,
    cfg: &Config,
    now: u64,
) -> Result<Option<String>, Internal> {
    if let Some(minimum) = cfg.insurance.min_cover(permit.tier) {
        match &permit.insurance {
            None => {
                return Ok(Some(format!(
                    "tier {} needs insurance: renew it with a certificate and a cover proof",
                    permit.tier
                )))
            }
            Some(i) if i.revoked_at.is_some() => {
                return Ok(Some(
                    "insurance was revoked by its insurer: renew it".into(),
                ))
            }
            Some(i) if i.expires <= now => {
                return Ok(Some("insurance has expired: renew it".into()))
            }
            Some(i) if i.minimum < minimum => {
                return Ok(Some(format!(
                    "insurance was proved against a minimum of {}, tier {} now requires {minimum}: renew it",
                    i.minimum, permit.tier
                )))
            }
            Some(_) => {}
        }
    }
    if permit.tier < 2 {
        return Ok(None);
    }
    if permit.incident_contact.is_none() {
        return Ok(Some(format!(
            "tier {} needs an incident contact",
            permit.tier
        )));
    }
    if permit.reporting.is_empty() {
        return Ok(Some(format!(
            "tier {} needs at least one incident reporting channel",
            permit.tier
        )));
    }
    let rules = &cfg.permits;
    let (principals, licensed): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*), count(*) FILTER (WHERE {LICENSED})
         FROM permit_operators o WHERE o.permit_id = $2 AND o.principal = 1"
    ))
    .bind(now as i64)
    .bind(&permit.id)
    .fetch_one(&mut **tx)
    .await?;
    if (licensed as u32) < rules.min_principal_operators {
        return Ok(Some(format!(
            "tier {} needs {} principal operators with a live operator licence, it has {licensed} (of {principals} named)",
            permit.tier, rules.min_principal_operators
        )));
    }
    if permit.tier == 3 {
        let (systems, unnamed): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*), count(*) FILTER (WHERE principal IS NULL OR principal NOT IN
               (SELECT o.id_key FROM permit_operators o
                WHERE o.permit_id = $2 AND o.principal = 1 AND {LICENSED}))
             FROM agent_systems WHERE permit_id = $2"
        ))
        .bind(now as i64)
        .bind(&permit.id)
        .fetch_one(&mut **tx)
        .await?;
        if systems == 0 {
            return Ok(Some("tier 3 needs its agent systems registered".into()));
        }
        if unnamed > 0 {
            return Ok(Some(format!(
                "{unnamed} agent systems have no licensed principal operator"
            )));
        }
    }
    Ok(None)
}

fn web(c: &str) -> bool {
    c.len() <= 512
        && reqwest::Url::parse(c)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false)
}

fn check_contacts(contacts: &[String]) -> Result<(), PermitError> {
    if contacts.len() > 8 || !contacts.iter().all(|c| web(c)) {
        return Err(PermitError::BadContact);
    }
    Ok(())
}

/// An incident contact (`mailto:`, `tel:` or an http(s) URL) and reporting channels
/// (at most 8 http(s) URLs).
fn check_conditions(contact: Option<&str>, reporting: &[String]) -> Result<(), PermitError> {
    let contact_ok = contact.is_none_or(|c| {
        web(c)
            || (c.len() <= 512
                && (c.strip_prefix("mailto:").is_some_and(|a| a.contains('@'))
                    || c.strip_prefix("tel:").is_some_and(|n| {
                        n.len() >= 4
                            && n.bytes()
                                .all(|b| b.is_ascii_digit() || b"+-. ".contains(&b))
                    })))
    });
    if !contact_ok {
        return Err(PermitError::BadIncidentContact);
    }
    if reporting.len() > 8 || !reporting.iter().all(|c| web(c)) {
        return Err(PermitError::BadContact);
    }
    Ok(())
}

impl Authority {
    /// A permit, with its insurance and any lapse of its requirements.
    pub async fn permit(&self, id: &str) -> Result<Permit, PermitError> {
        let mut tx = self.db.begin().await?;
        let p = load(&mut tx, id, self.cfg.permits.grace_period_secs).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Registers a permit. For a tier with a minimum cover, the request's insurance is
    /// checked first ([`crate::insurance`]); a refusal writes nothing.
    pub async fn create_permit(&self, p: &NewPermit, actor: &str) -> Result<Permit, PermitError> {
        if p.id.is_empty() || p.id.len() > 128 || !p.id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PermitError::BadId);
        }
        if !(1..=3).contains(&p.tier) {
            return Err(PermitError::BadTier);
        }
        check_contacts(&p.contacts)?;
        check_conditions(p.incident_contact.as_deref(), &p.reporting)?;
        let now = self.now();
        let cover = self
            .check_cover(&p.id, p.tier, p.insurance.as_ref(), now)
            .await?;
        let mut w = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO permits (id, name, tier, status, created_at, contacts, incident_contact, reporting)
             VALUES ($1, $2, $3, 'active', $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(p.tier as i64)
        .bind(now as i64)
        .bind(serde_json::to_string(&p.contacts).map_err(Internal::new)?)
        .bind(&p.incident_contact)
        .bind(serde_json::to_string(&p.reporting).map_err(Internal::new)?)
        .execute(&mut *w.tx)
        .await;
        match done {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(PermitError::Exists(p.id.clone()))
            }
            other => {
                other?;
            }
        }
        let mut details = serde_json::json!({
            "permit": p.id, "tier": p.tier, "contacts": p.contacts,
            "incident_contact": p.incident_contact, "reporting": p.reporting,
        });
        if let Some(cover) = &cover {
            cover.store(&mut w.tx, now, actor).await?;
            details["insurance"] = cover.audit_details();
        }
        audit(&mut w.tx, actor, now, "permit-create", &p.reason, details).await?;
        let permit = load(&mut w.tx, &p.id, self.cfg.permits.grace_period_secs).await?;
        w.commit().await?;
        Ok(permit)
    }

    /// Replaces a permit's incident conditions, on the record.
    pub async fn set_conditions(
        &self,
        permit: &str,
        c: &PermitConditions,
        actor: &str,
    ) -> Result<Permit, PermitError> {
        check_conditions(c.incident_contact.as_deref(), &c.reporting)?;
        let now = self.now();
        let mut w = self.write().await?;
        load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        sqlx::query("UPDATE permits SET incident_contact = $1, reporting = $2 WHERE id = $3")
            .bind(&c.incident_contact)
            .bind(serde_json::to_string(&c.reporting).map_err(Internal::new)?)
            .bind(permit)
            .execute(&mut *w.tx)
            .await?;
        let details = serde_json::json!({
            "permit": permit, "incident_contact": c.incident_contact, "reporting": c.reporting,
        });
        audit(
            &mut w.tx,
            actor,
            now,
            "permit-conditions",
            &c.reason,
            details,
        )
        .await?;
        let p = load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        w.commit().await?;
        // Conditions removed may leave the permit short; added, met again.
        self.enforce_soon();
        Ok(p)
    }

    /// Adds (or updates) an operator of a permit.
    pub async fn add_operator(
        &self,
        permit: &str,
        op: &NewOperator,
        actor: &str,
    ) -> Result<(), PermitError> {
        if !self
            .cfg
            .identity_providers
            .iter()
            .any(|p| p.issuer == op.identity.issuer)
        {
            return Err(PermitError::UnknownProvider(op.identity.issuer.clone()));
        }
        let id_key = self
            .keys
            .identity
            .identity_key(&op.identity.issuer, &op.identity.subject)
            .to_vec();
        let now = self.now();
        let mut w = self.write().await?;
        let id_key = crate::people::person(&mut w.tx, &id_key).await?;
        load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        if op.principal && licence(&mut w.tx, &id_key, now).await?.is_none() {
            return Err(PermitError::NotLicensed);
        }
        sqlx::query(
            "INSERT INTO identities (id_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&id_key)
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "INSERT INTO permit_operators (permit_id, id_key, principal) VALUES ($1, $2, $3)
             ON CONFLICT (permit_id, id_key) DO UPDATE SET principal = excluded.principal",
        )
        .bind(permit)
        .bind(&id_key)
        .bind(i64::from(op.principal))
        .execute(&mut *w.tx)
        .await?;
        let details = serde_json::json!({ "permit": permit, "identity": hex::encode(&id_key), "principal": op.principal });
        audit(
            &mut w.tx,
            actor,
            now,
            "permit-operator",
            &op.reason,
            details,
        )
        .await?;
        w.commit().await?;
        // A demotion may leave the permit short of principals.
        self.enforce_soon();
        Ok(())
    }

    /// Registers an agent system with its principal operator.
    pub async fn add_agent_system(
        &self,
        permit: &str,
        sys: &NewAgentSystem,
        actor: &str,
    ) -> Result<(), PermitError> {
        let id_key = self
            .keys
            .identity
            .identity_key(&sys.principal.issuer, &sys.principal.subject)
            .to_vec();
        let now = self.now();
        let mut w = self.write().await?;
        let id_key = crate::people::person(&mut w.tx, &id_key).await?;
        load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        let principal: Option<i64> = sqlx::query_scalar(
            "SELECT principal FROM permit_operators WHERE permit_id = $1 AND id_key = $2",
        )
        .bind(permit)
        .bind(&id_key)
        .fetch_optional(&mut *w.tx)
        .await?;
        if principal != Some(1) {
            return Err(PermitError::NotPrincipal);
        }
        sqlx::query(
            "INSERT INTO agent_systems (permit_id, name, principal, system_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (permit_id, name) DO UPDATE SET principal = excluded.principal,
               system_id = coalesce(agent_systems.system_id, excluded.system_id)",
        )
        .bind(permit)
        .bind(&sys.name)
        .bind(&id_key)
        .bind(crate::systems::new_system_id())
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            actor,
            now,
            "permit-agent-system",
            &sys.reason,
            serde_json::json!({ "permit": permit, "system": sys.name }),
        )
        .await?;
        Ok(w.commit().await?)
    }

    /// Changes a permit's status; suspending or revoking revokes all its live credentials
    /// in one status update. Returns the serials revoked.
    pub async fn set_permit_status(
        &self,
        permit: &str,
        change: &PermitStatusChange,
        actor: &str,
    ) -> Result<Vec<u32>, PermitError> {
        if !matches!(change.status.as_str(), "active" | "suspended" | "revoked") {
            return Err(PermitError::BadStatus);
        }
        let now = self.now();
        let mut w = self.write().await?;
        let p = load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        if p.status == "revoked" {
            return Err(PermitError::Revoked(permit.to_owned()));
        }
        if change.status == "active" {
            // Reactivating a permit that still misses a requirement would only restart
            // its grace period: refused, with what is missing.
            if let Some(why) = unmet(&p, &mut w.tx, &self.cfg, now).await? {
                return Err(PermitError::Unmet { permit: p.id, why });
            }
        }
        sqlx::query(
            "UPDATE permits SET status = $1, unmet_since = NULL, unmet_reason = NULL WHERE id = $2",
        )
        .bind(&change.status)
        .bind(permit)
        .execute(&mut *w.tx)
        .await?;
        let serials: Vec<i64> = if change.status == "active" {
            Vec::new()
        } else {
            sqlx::query_scalar(
                "SELECT serial FROM credentials WHERE permit_id = $1 AND revoked_at IS NULL",
            )
            .bind(permit)
            .fetch_all(&mut *w.tx)
            .await?
        };
        let serials: Vec<u32> = serials.into_iter().map(|s| s as u32).collect();
        let details =
            serde_json::json!({ "permit": permit, "status": change.status, "revoked": serials });
        audit(
            &mut w.tx,
            actor,
            now,
            "permit-status",
            &change.reason,
            details,
        )
        .await?;
        let done = self
            .revoke_in(w, &serials, &change.reason, change.emergency, now)
            .await?;
        Ok(done.serials)
    }
}
