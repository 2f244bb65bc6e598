//! The insurance wrapper at the authority (`docs/architecture.md`, "Corporate permits").
//!
//! Insurers register their ristretto255 public keys with the authority. An insurer
//! certifies a permit's liability cover by signing a Pedersen commitment to the amount
//! (with the permit id, its policy id and an expiry); the permit holder, who alone gets
//! the opening, proves with a Bulletproofs range proof that the committed cover is at
//! least the permit tier's minimum (`[insurance] min_cover` in `authority.toml`). The
//! library is `alc-insurance`.
//!
//! When a permit of a tier that needs insurance is registered or its insurance renewed,
//! the authority checks, in this order: the certificate names this permit (and, when the
//! request states them, the tier and minimum it was proved for are this permit's); the
//! insurer is registered; the insurer's signature; the policy has not expired; and the
//! range proof against the minimum *the authority* requires for the tier, on a
//! commitment it derives itself from the signed one. Any failure refuses the request
//! with a [`CoverRefusal`] (422) and nothing is written. On success it stores the
//! certificate (with its commitment) and the proof, never an amount: it has learnt only
//! that the cover is at least the minimum.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use crate::permits::{self, PermitError};
use alc_insurance::{verify_cover, Evidence, InsurerPublic};
use alc_protocol::authority::{
    CoverRenewal, InsuranceRequirements, InsurerRegistration, Permit, RegisteredInsurer,
};
use alc_protocol::insurance::CoverEvidence;
use sqlx::{Any, Transaction};

/// Why a permit's insurance evidence is refused (HTTP 422, with [`CoverRefusal::code`]
/// as the error code).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoverRefusal {
    /// The tier needs insurance and the request carries none.
    #[error("tier {tier} needs insurance: send the insurer's certificate and a cover proof against the minimum of {minimum}")]
    Required {
        /// The permit's tier.
        tier: u8,
        /// Its minimum cover.
        minimum: u64,
    },
    /// The tier needs no insurance, yet the request carries some.
    #[error("tier {tier} needs no insurance: leave it out")]
    NotRequired {
        /// The permit's tier.
        tier: u8,
    },
    /// The certificate insures another permit.
    #[error("the certificate insures permit {certified:?}, not {permit:?}")]
    OtherPermit {
        /// The certificate's permit id.
        certified: String,
        /// The permit of the request.
        permit: String,
    },
    /// The proof says it was made for another tier.
    #[error("the cover proof was made for tier {claimed}, the permit is tier {tier}")]
    OtherTier {
        /// The tier stated with the proof.
        claimed: u8,
        /// The permit's tier.
        tier: u8,
    },
    /// The proof says it was made against another minimum.
    #[error(
        "the cover proof was made against a minimum of {claimed}; tier {tier} requires {required}"
    )]
    OtherMinimum {
        /// The minimum stated with the proof.
        claimed: u64,
        /// The permit's tier.
        tier: u8,
        /// The authority's minimum for it.
        required: u64,
    },
    /// The certificate's insurer is not registered with the authority.
    #[error("the certificate's insurer {0} is not registered with the authority")]
    UnregisteredInsurer(String),
    /// The insurer's signature does not verify (a tampered or forged certificate).
    #[error("the insurer's signature on the certificate does not verify")]
    BadCertificate,
    /// The policy has expired.
    #[error("the insured policy expired at {expires} (now {now})")]
    Expired {
        /// The certificate's expiry, unix seconds.
        expires: u64,
        /// The authority's clock.
        now: u64,
    },
    /// The range proof does not verify: no proof that cover >= the minimum.
    #[error("the cover proof does not show cover of at least {minimum} for tier {tier} of permit {permit:?}")]
    InvalidProof {
        /// The permit.
        permit: String,
        /// Its tier.
        tier: u8,
        /// The minimum checked against.
        minimum: u64,
    },
    /// Any other reason the certificate cannot be used (an unsupported version).
    #[error("the certificate cannot be used: {0}")]
    Unusable(alc_insurance::Error),
}

impl CoverRefusal {
    /// The machine-readable error code of the response body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required { .. } => "insurance_required",
            Self::NotRequired { .. } => "insurance_not_required",
            Self::OtherPermit { .. } => "insurance_other_permit",
            Self::OtherTier { .. } | Self::OtherMinimum { .. } => "insurance_other_minimum",
            Self::UnregisteredInsurer(_) => "insurer_unregistered",
            Self::BadCertificate => "insurance_bad_certificate",
            Self::Expired { .. } => "insurance_expired",
            Self::InvalidProof { .. } => "insurance_invalid_proof",
            Self::Unusable(_) => "insurance_unusable",
        }
    }
}

/// Why an insurer's revocation of a certificate is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoverRevocationError {
    /// The statement does not decode.
    #[error("revocation: {0}")]
    Malformed(String),
    /// The insurer is not registered with the authority.
    #[error("the revoking insurer is not registered with the authority")]
    UnregisteredInsurer,
    /// The signature does not verify.
    #[error("the insurer's signature on the revocation does not verify")]
    BadSignature,
    /// No permit has the revocation's permit id.
    #[error("no permit {0:?}")]
    NoPermit(String),
    /// The permit's cover in force is not this insurer's policy (revoking another
    /// permit's, or an old, certificate changes nothing).
    #[error("the permit's cover in force is not this insurer's policy {0:?}")]
    NotInForce(String),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(CoverRevocationError);

/// Why an insurer cannot be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InsurerError {
    /// An id that is not 1 to 64 letters, digits, `-`, `_` or `.`.
    #[error("insurer id: 1 to 64 letters, digits, -, _ or .")]
    BadId,
    /// A key that is not a ristretto255 public key in hex.
    #[error("key: expected a ristretto255 public key, 64 hex characters")]
    BadKey,
    /// A registration without its reason.
    #[error("a registration needs a reason")]
    NoReason,
    /// The id is registered with another key.
    #[error("insurer {0:?} is registered with another key")]
    OtherKey(String),
    /// The key is registered under another id.
    #[error("this key is registered as insurer {0:?}")]
    KeyTaken(String),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(InsurerError);

/// Evidence that passed every check, ready to be stored.
#[derive(Debug)]
pub(crate) struct AcceptedCover {
    evidence: Evidence,
    tier: u8,
    minimum: u64,
}

impl AcceptedCover {
    /// What the audit log records: no amount (the authority has none).
    pub(crate) fn audit_details(&self) -> serde_json::Value {
        let c = &self.evidence.certificate;
        serde_json::json!({
            "insurer": c.insurer().to_string(),
            "policy_id": c.policy_id(),
            "expires": c.expires(),
            "commitment": hex::encode(c.commitment().as_bytes()),
            "tier": self.tier,
            "minimum": self.minimum,
        })
    }

    /// Appends the cover to the permit's record inside the caller's transaction.
    pub(crate) async fn store(
        &self,
        tx: &mut Transaction<'static, Any>,
        now: u64,
        actor: &str,
    ) -> Result<(), Internal> {
        let c = &self.evidence.certificate;
        let certificate = serde_json::to_string(c).map_err(Internal::new)?;
        sqlx::query(
            "INSERT INTO permit_covers (permit_id, insurer, policy_id, expires, commitment, certificate, proof, tier, minimum, accepted_at, accepted_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(c.permit_id())
        .bind(c.insurer().to_bytes().as_slice())
        .bind(c.policy_id())
        .bind(i64::try_from(c.expires()).unwrap_or(i64::MAX))
        .bind(c.commitment().as_bytes().as_slice())
        .bind(certificate)
        .bind(self.evidence.proof.to_bytes())
        .bind(i64::from(self.tier))
        .bind(i64::try_from(self.minimum).map_err(Internal::new)?)
        .bind(now as i64)
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

fn check_insurer_id(id: &str) -> Result<(), InsurerError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(InsurerError::BadId);
    }
    Ok(())
}

impl Authority {
    /// Registers an insurer's public key. Registering the same id with the same key again
    /// changes nothing; another key under a registered id, or a key registered under
    /// another id, is a conflict.
    pub async fn register_insurer(
        &self,
        r: &InsurerRegistration,
        actor: &str,
    ) -> Result<RegisteredInsurer, InsurerError> {
        check_insurer_id(&r.id)?;
        let key: InsurerPublic = r.key.trim().parse().map_err(|_| InsurerError::BadKey)?;
        if r.reason.trim().is_empty() {
            return Err(InsurerError::NoReason);
        }
        let key_bytes = key.to_bytes();
        let now = self.now();
        let mut w = self.write().await?;
        let existing: Option<(String, Vec<u8>, i64)> = sqlx::query_as(
            "SELECT id, key, registered_at FROM insurers WHERE id = $1 OR key = $2 ORDER BY id = $3 DESC LIMIT 1",
        )
        .bind(&r.id)
        .bind(key_bytes.as_slice())
        .bind(&r.id)
        .fetch_optional(&mut *w.tx)
        .await?;
        match existing {
            Some((id, k, at)) if id == r.id && k == key_bytes => {
                return Ok(RegisteredInsurer {
                    id,
                    key: key.to_string(),
                    registered_at: at as u64,
                })
            }
            Some((id, _, _)) if id == r.id => return Err(InsurerError::OtherKey(id)),
            Some((id, _, _)) => return Err(InsurerError::KeyTaken(id)),
            None => {}
        }
        sqlx::query(
            "INSERT INTO insurers (id, key, registered_at, registered_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(&r.id)
        .bind(key_bytes.as_slice())
        .bind(now as i64)
        .bind(actor)
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            actor,
            now,
            "insurer-register",
            &r.reason,
            serde_json::json!({ "insurer": r.id, "key": key.to_string() }),
        )
        .await?;
        w.commit().await?;
        Ok(RegisteredInsurer {
            id: r.id.clone(),
            key: key.to_string(),
            registered_at: now,
        })
    }

    /// The minimums and the registered insurers (public).
    pub async fn insurance_requirements(&self) -> Result<InsuranceRequirements, Internal> {
        let rows: Vec<(String, Vec<u8>, i64)> =
            sqlx::query_as("SELECT id, key, registered_at FROM insurers ORDER BY id")
                .fetch_all(&self.db)
                .await?;
        let min_cover = (1..=3u8)
            .filter_map(|t| self.cfg.insurance.min_cover(t).map(|m| (t.to_string(), m)))
            .collect();
        Ok(InsuranceRequirements {
            min_cover,
            insurers: rows
                .into_iter()
                .map(|(id, key, at)| RegisteredInsurer {
                    id,
                    key: hex::encode(key),
                    registered_at: at as u64,
                })
                .collect(),
        })
    }

    /// Checks a permit's cover evidence for `tier` at `now` (see the module
    /// documentation). `Ok(None)`: the tier needs no insurance and none was sent.
    pub(crate) async fn check_cover(
        &self,
        permit: &str,
        tier: u8,
        evidence: Option<&CoverEvidence>,
        now: u64,
    ) -> Result<Option<AcceptedCover>, PermitError> {
        let Some(minimum) = self.cfg.insurance.min_cover(tier) else {
            return match evidence {
                None => Ok(None),
                Some(_) => Err(CoverRefusal::NotRequired { tier }.into()),
            };
        };
        let wire = evidence.ok_or(CoverRefusal::Required { tier, minimum })?;
        let e = Evidence::from_wire(wire).map_err(|err| PermitError::Evidence(err.to_string()))?;
        let certificate = &e.certificate;
        if certificate.permit_id() != permit {
            return Err(CoverRefusal::OtherPermit {
                certified: certificate.permit_id().to_owned(),
                permit: permit.to_owned(),
            }
            .into());
        }
        if let Some(claimed) = e.tier.filter(|&t| t != tier) {
            return Err(CoverRefusal::OtherTier { claimed, tier }.into());
        }
        if let Some(claimed) = e.minimum.filter(|&m| m != minimum) {
            return Err(CoverRefusal::OtherMinimum {
                claimed,
                tier,
                required: minimum,
            }
            .into());
        }
        let insurer = *certificate.insurer();
        let registered: Option<i64> = sqlx::query_scalar("SELECT 1 FROM insurers WHERE key = $1")
            .bind(insurer.to_bytes().as_slice())
            .fetch_optional(&self.db)
            .await?;
        let registered: Vec<InsurerPublic> = registered.map(|_| insurer).into_iter().collect();
        // One claim takes about a millisecond of CPU (BENCHMARKS.md): off the async workers.
        let (c, p) = (certificate.clone(), e.proof.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            verify_cover(&c, &p, tier, minimum, now, registered.as_slice())
        })
        .await
        .map_err(Internal::new)?;
        outcome.map_err(|err| {
            use alc_insurance::Error as E;
            match err {
                E::UnregisteredInsurer => CoverRefusal::UnregisteredInsurer(insurer.to_string()),
                E::BadCertificate => CoverRefusal::BadCertificate,
                E::Expired { expires, now } => CoverRefusal::Expired { expires, now },
                E::InvalidProof => CoverRefusal::InvalidProof {
                    permit: permit.to_owned(),
                    tier,
                    minimum,
                },
                other => CoverRefusal::Unusable(other),
            }
        })?;
        Ok(Some(AcceptedCover {
            evidence: e,
            tier,
            minimum,
        }))
    }

    /// An insurer's revocation of a permit's cover during its term: the insurer must be
    /// registered, its signature valid, and the revoked policy the permit's cover in
    /// force. The permit then misses its insurance requirement ([`crate::enforcement`]:
    /// a grace period, then suspension) until its insurance is renewed. Idempotent.
    pub async fn revoke_cover(
        &self,
        r: &alc_protocol::insurance::CoverRevocation,
    ) -> Result<Permit, CoverRevocationError> {
        let statement = serde_json::to_string(r).map_err(Internal::new)?;
        let rev = alc_insurance::CoverRevocation::try_from(r.clone())
            .map_err(|e| CoverRevocationError::Malformed(e.to_string()))?;
        let insurer = rev.insurer().to_bytes();
        let now = self.now();
        let mut w = self.write().await?;
        let registered: Option<String> =
            sqlx::query_scalar("SELECT id FROM insurers WHERE key = $1")
                .bind(insurer.as_slice())
                .fetch_optional(&mut *w.tx)
                .await?;
        let insurer_id = registered.ok_or(CoverRevocationError::UnregisteredInsurer)?;
        rev.verify()
            .map_err(|_| CoverRevocationError::BadSignature)?;
        let grace = self.cfg.permits.grace_period_secs;
        let p = permits::load(&mut w.tx, rev.permit_id(), grace)
            .await
            .map_err(|e| match e {
                PermitError::NotFound(id) => CoverRevocationError::NoPermit(id),
                other => Internal::new(other).into(),
            })?;
        let cover = p
            .insurance
            .as_ref()
            .filter(|i| i.insurer_key == hex::encode(insurer) && i.policy_id == rev.policy_id())
            .ok_or_else(|| CoverRevocationError::NotInForce(rev.policy_id().to_owned()))?;
        if cover.revoked_at.is_some() {
            // Revoked already: nothing changes.
            w.commit().await?;
            return Ok(p);
        }
        sqlx::query(
            "INSERT INTO cover_revocations (insurer, permit_id, policy_id, revoked_at, statement, received_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(insurer.as_slice())
        .bind(rev.permit_id())
        .bind(rev.policy_id())
        .bind(i64::try_from(rev.revoked_at()).unwrap_or(i64::MAX))
        .bind(statement)
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await?;
        let details = serde_json::json!({
            "permit": rev.permit_id(), "insurer": insurer_id, "policy_id": rev.policy_id(),
            "revoked_at": rev.revoked_at(),
        });
        audit(
            &mut w.tx,
            &format!("insurer:{insurer_id}"),
            now,
            "permit-insurance-revoked",
            "revoked by the insurer",
            details,
        )
        .await?;
        let p = permits::load(&mut w.tx, rev.permit_id(), grace)
            .await
            .map_err(Internal::new)?;
        w.commit().await?;
        self.enforce_soon();
        Ok(p)
    }

    /// Renews a permit's insurance: a new certificate and cover proof, checked like at
    /// registration against the permit's tier. A revoked permit cannot be renewed; a
    /// suspended one can (its status is unchanged).
    pub async fn renew_insurance(
        &self,
        permit: &str,
        r: &CoverRenewal,
        actor: &str,
    ) -> Result<Permit, PermitError> {
        let now = self.now();
        let found: Option<(i64, String)> =
            sqlx::query_as("SELECT tier, status FROM permits WHERE id = $1")
                .bind(permit)
                .fetch_optional(&self.db)
                .await?;
        let (tier, status) = found.ok_or_else(|| PermitError::NotFound(permit.to_owned()))?;
        if status == "revoked" {
            return Err(PermitError::Revoked(permit.to_owned()));
        }
        let tier = u8::try_from(tier).map_err(Internal::new)?;
        let cover = self
            .check_cover(permit, tier, Some(&r.insurance), now)
            .await?
            .ok_or_else(|| Internal::new("checked evidence missing"))?;
        let mut w = self.write().await?;
        let p = permits::load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        if p.status == "revoked" || p.tier != tier {
            return Err(PermitError::Changed(permit.to_owned()));
        }
        cover.store(&mut w.tx, now, actor).await?;
        let mut details = cover.audit_details();
        details["permit"] = serde_json::Value::from(permit);
        audit(
            &mut w.tx,
            actor,
            now,
            "permit-insurance",
            &r.reason,
            details,
        )
        .await?;
        let p = permits::load(&mut w.tx, permit, self.cfg.permits.grace_period_secs).await?;
        w.commit().await?;
        // The renewal may end a lapse.
        self.enforce_soon();
        Ok(p)
    }
}
