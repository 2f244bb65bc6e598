//! Corporate operating permits (`docs/architecture.md`, "Corporate permits").
//!
//! Tier 1: personal or start-up, no further requirement. Tier 2: insurance cover of at
//! least the tier's minimum, proved when the permit is registered or its insurance
//! renewed (see [`crate::insurance`]) and not expired, and at least
//! `min_principal_operators` principal operators. Tier 3: as tier 2 (with its own
//! minimum), and every agent system registered under the permit names a principal
//! operator (and there is at least one). Permit-bound credentials are refused while a
//! requirement is unmet; suspending or revoking a permit revokes all its credentials in
//! one status update.

use crate::authority::{audit, Authority};
use crate::config::Config;
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::IdKey;
use crate::insurance::CoverRefusal;
use alc_protocol::authority::{
    Insurance, NewAgentSystem, NewOperator, NewPermit, Permit, PermitStatusChange,
};
use sqlx::{Sqlite, Transaction};

#[derive(sqlx::FromRow)]
struct CoverRow {
    insurer: String,
    insurer_key: Vec<u8>,
    policy_id: String,
    expires: i64,
    commitment: Vec<u8>,
    minimum: i64,
    accepted_at: i64,
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

/// Loads a permit with its insurance in force.
pub async fn load(tx: &mut Transaction<'static, Sqlite>, id: &str) -> Result<Permit, PermitError> {
    let row: Option<(String, String, i64, String)> =
        sqlx::query_as("SELECT id, name, tier, status FROM permits WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let (id, name, tier, status) = row.ok_or_else(|| PermitError::NotFound(id.to_owned()))?;
    let cover: Option<CoverRow> = sqlx::query_as(
        "SELECT i.id AS insurer, c.insurer AS insurer_key, c.policy_id, c.expires, c.commitment, c.minimum, c.accepted_at
         FROM permit_covers c JOIN insurers i ON i.key = c.insurer
         WHERE c.permit_id = ? ORDER BY c.id DESC LIMIT 1",
    )
    .bind(&id)
    .fetch_optional(&mut **tx)
    .await?;
    let insurance = cover.map(|c| Insurance {
        insurer: c.insurer,
        insurer_key: hex::encode(c.insurer_key),
        policy_id: c.policy_id,
        expires: c.expires as u64,
        commitment: hex::encode(c.commitment),
        minimum: c.minimum as u64,
        accepted_at: c.accepted_at as u64,
    });
    Ok(Permit {
        id,
        name,
        tier: tier as u8,
        status,
        insurance,
    })
}

/// Refuses unless the identity is an operator of the permit.
pub async fn require_operator(
    permit: &Permit,
    tx: &mut Transaction<'static, Sqlite>,
    id_key: &IdKey,
) -> Result<(), PermitError> {
    let is: Option<i64> = sqlx::query_scalar(
        "SELECT principal FROM permit_operators WHERE permit_id = ? AND id_key = ?",
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
    tx: &mut Transaction<'static, Sqlite>,
    cfg: &Config,
    now: u64,
) -> Result<(), PermitError> {
    let unmet = |why: String| {
        Err(PermitError::Unmet {
            permit: permit.id.clone(),
            why,
        })
    };
    if permit.status != "active" {
        return unmet(format!("is {}", permit.status));
    }
    if let Some(minimum) = cfg.insurance.min_cover(permit.tier) {
        match &permit.insurance {
            None => {
                return unmet(format!(
                    "tier {} needs insurance: renew it with a certificate and a cover proof",
                    permit.tier
                ))
            }
            Some(i) if i.expires <= now => {
                return unmet("insurance has expired: renew it".into())
            }
            Some(i) if i.minimum < minimum => {
                return unmet(format!(
                    "insurance was proved against a minimum of {}, tier {} now requires {minimum}: renew it",
                    i.minimum, permit.tier
                ))
            }
            Some(_) => {}
        }
    }
    if permit.tier < 2 {
        return Ok(());
    }
    let rules = &cfg.permits;
    let principals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM permit_operators WHERE permit_id = ? AND principal = 1",
    )
    .bind(&permit.id)
    .fetch_one(&mut **tx)
    .await?;
    if (principals as u32) < rules.min_principal_operators {
        return unmet(format!(
            "tier {} needs {} principal operators, it has {principals}",
            permit.tier, rules.min_principal_operators
        ));
    }
    if permit.tier == 3 {
        let (systems, unnamed): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE principal IS NULL OR principal NOT IN
               (SELECT id_key FROM permit_operators WHERE permit_id = ?1 AND principal = 1))
             FROM agent_systems WHERE permit_id = ?1",
        )
        .bind(&permit.id)
        .fetch_one(&mut **tx)
        .await?;
        if systems == 0 {
            return unmet("tier 3 needs its agent systems registered".into());
        }
        if unnamed > 0 {
            return unmet(format!(
                "{unnamed} agent systems have no principal operator"
            ));
        }
    }
    Ok(())
}

impl Authority {
    /// Registers a permit. For a tier with a minimum cover, the request's insurance is
    /// checked first ([`crate::insurance`]); a refusal writes nothing.
    pub async fn create_permit(&self, p: &NewPermit, actor: &str) -> Result<Permit, PermitError> {
        if p.id.is_empty() || p.id.len() > 128 || !p.id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PermitError::BadId);
        }
        if !(1..=3).contains(&p.tier) {
            return Err(PermitError::BadTier);
        }
        let now = self.now();
        let cover = self
            .check_cover(&p.id, p.tier, p.insurance.as_ref(), now)
            .await?;
        let mut w = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO permits (id, name, tier, status, created_at) VALUES (?, ?, ?, 'active', ?)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(p.tier as i64)
        .bind(now as i64)
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
        let mut details = serde_json::json!({ "permit": p.id, "tier": p.tier });
        if let Some(cover) = &cover {
            cover.store(&mut w.tx, now, actor).await?;
            details["insurance"] = cover.audit_details();
        }
        audit(&mut w.tx, actor, now, "permit-create", &p.reason, details).await?;
        let permit = load(&mut w.tx, &p.id).await?;
        w.commit().await?;
        Ok(permit)
    }

    /// Adds (or updates) an operator of a permit.
    pub async fn add_operator(
        &self,
        permit: &str,
        op: &NewOperator,
        actor: &str,
    ) -> Result<(), PermitError> {
        let id_key = self
            .keys
            .identity
            .identity_key(&op.identity.issuer, &op.identity.subject)
            .to_vec();
        let now = self.now();
        let mut w = self.write().await?;
        load(&mut w.tx, permit).await?;
        sqlx::query("INSERT OR IGNORE INTO identities (id_key, created_at) VALUES (?, ?)")
            .bind(&id_key)
            .bind(now as i64)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO permit_operators (permit_id, id_key, principal) VALUES (?, ?, ?)
             ON CONFLICT (permit_id, id_key) DO UPDATE SET principal = excluded.principal",
        )
        .bind(permit)
        .bind(&id_key)
        .bind(op.principal)
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
        Ok(w.commit().await?)
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
        load(&mut w.tx, permit).await?;
        let principal: Option<i64> = sqlx::query_scalar(
            "SELECT principal FROM permit_operators WHERE permit_id = ? AND id_key = ?",
        )
        .bind(permit)
        .bind(&id_key)
        .fetch_optional(&mut *w.tx)
        .await?;
        if principal != Some(1) {
            return Err(PermitError::NotPrincipal);
        }
        sqlx::query(
            "INSERT INTO agent_systems (permit_id, name, principal) VALUES (?, ?, ?)
             ON CONFLICT (permit_id, name) DO UPDATE SET principal = excluded.principal",
        )
        .bind(permit)
        .bind(&sys.name)
        .bind(&id_key)
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
        let p = load(&mut w.tx, permit).await?;
        if p.status == "revoked" {
            return Err(PermitError::Revoked(permit.to_owned()));
        }
        sqlx::query("UPDATE permits SET status = ? WHERE id = ?")
            .bind(&change.status)
            .bind(permit)
            .execute(&mut *w.tx)
            .await?;
        let serials: Vec<i64> = if change.status == "active" {
            Vec::new()
        } else {
            sqlx::query_scalar(
                "SELECT serial FROM credentials WHERE permit_id = ? AND revoked_at IS NULL",
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
        self.revoke_in(w, &serials, &change.reason, change.emergency, now)
            .await?;
        Ok(serials)
    }
}
