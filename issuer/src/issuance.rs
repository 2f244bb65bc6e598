//! Issuance: a serial in the status list, the EdDSA-Poseidon signature over the
//! credential's commitment, one live credential per (identity, permit), and one holder
//! commitment for all of an identity's live credentials (so one pseudonym per gateway).
//!
//! The authority never sees the holder secret: the operator submits `pk = Poseidon(sk)`.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::IdKey;
use crate::permits::{self, PermitError};
use alc_circuits::credential::{permit_hash, Credential, SignedCredential};
use alc_circuits::field::{self, Fr};
use alc_circuits::files::CredentialFile;
use alc_circuits::tags::STATUS_CAPACITY;
use alc_protocol::authority::{ApprenticeRequest, CredentialRequest};

/// Tier of a licensed operator.
pub const OPERATOR_TIER: u8 = 1;
/// Tier of an apprentice (sandbox only).
pub const APPRENTICE_TIER: u8 = 0;

/// Why a credential is not issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuanceError {
    /// A holder commitment that is not a field element, or zero.
    #[error("holder: {0}")]
    Holder(String),
    /// No pass in the assessment yet.
    #[error("pass the competency assessment first")]
    NotPassed,
    /// Every serial of the status list is taken.
    #[error("the status list is full")]
    ListFull,
    /// The credential's fields do not fit the circuit.
    #[error("{0}")]
    Fields(String),
    /// One licence per identity (and permit).
    #[error(
        "this identity already holds a live credential for this permit (one licence per identity)"
    )]
    AlreadyHeld,
    /// A holder commitment other than the one this identity's live credentials share:
    /// with one per permit, a person with N permits would hold N+1 unlinkable
    /// pseudonyms at each gateway, and walk around a pseudonym kill or rate limit.
    #[error("this identity's live credentials are bound to another holder commitment: every credential of one identity shares its holder key (revoke the others first to change it)")]
    OtherHolder,
    /// No apprenticeship accepted by a supervisor is running for this identity.
    #[error(
        "no accepted apprenticeship: request one and have your supervising operator accept it"
    )]
    NoApprenticeship,
    /// The supervisor's licence is no longer live.
    #[error("the supervising operator's licence is no longer live")]
    BadSupervisor,
    /// The permit named, or what it requires.
    #[error(transparent)]
    Permit(#[from] PermitError),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(IssuanceError);

fn parse_holder(s: &str) -> Result<Fr, IssuanceError> {
    let pk = field::from_decimal(s).map_err(|e| IssuanceError::Holder(e.to_string()))?;
    if pk == Fr::from(0u64) {
        return Err(IssuanceError::Holder("zero is not a commitment".into()));
    }
    Ok(pk)
}

impl Authority {
    async fn sign_and_store(
        &self,
        w: &mut crate::authority::WriteTx<'_>,
        id_key: &IdKey,
        mut credential: Credential,
        permit_id: Option<&str>,
        supervisor: Option<u32>,
    ) -> Result<CredentialFile, IssuanceError> {
        let next: i64 = sqlx::query_scalar("SELECT coalesce(max(serial) + 1, 0) FROM credentials")
            .fetch_one(&mut *w.tx)
            .await?;
        if next as usize >= STATUS_CAPACITY {
            return Err(IssuanceError::ListFull);
        }
        credential.serial = next as u32;
        let holder = field::to_decimal(&credential.holder);
        let other: Option<String> = sqlx::query_scalar(
            "SELECT holder FROM credentials WHERE id_key = $1 AND revoked_at IS NULL AND expires > $2 AND holder <> $3 LIMIT 1",
        )
        .bind(id_key)
        .bind(self.now() as i64)
        .bind(&holder)
        .fetch_optional(&mut *w.tx)
        .await?;
        if other.is_some() {
            return Err(IssuanceError::OtherHolder);
        }
        let signed = SignedCredential::sign(credential, &self.keys.issuer)
            .map_err(|e| IssuanceError::Fields(e.to_string()))?;
        let inserted = sqlx::query(
            "INSERT INTO credentials (serial, id_key, permit_id, tier, permit_tier, not_before, expires, holder, signature, supervisor, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(next)
        .bind(id_key)
        .bind(permit_id)
        .bind(credential.tier as i64)
        .bind(credential.permit_tier as i64)
        .bind(credential.not_before as i64)
        .bind(credential.expires as i64)
        .bind(&holder)
        .bind(serde_json::to_string(&signed.signature).map_err(Internal::new)?)
        .bind(supervisor.map(i64::from))
        .bind(self.now() as i64)
        .execute(&mut *w.tx)
        .await;
        match inserted {
            Ok(_) => Ok(CredentialFile::new(self.keys.issuer_public(), signed)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(IssuanceError::AlreadyHeld)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Issues an operator credential to an identity that passed the assessment.
    pub async fn issue(
        &self,
        id_key: &IdKey,
        req: &CredentialRequest,
    ) -> Result<CredentialFile, IssuanceError> {
        let holder = parse_holder(&req.holder)?;
        let now = self.now();
        let mut w = self.write().await?;
        let passed: Option<Option<i64>> =
            sqlx::query_scalar("SELECT passed_at FROM identities WHERE id_key = $1")
                .bind(id_key)
                .fetch_optional(&mut *w.tx)
                .await?;
        if !matches!(passed, Some(Some(_))) {
            return Err(IssuanceError::NotPassed);
        }
        let (permit, permit_tier) = match &req.permit {
            None => (Fr::from(0u64), 0),
            Some(id) => {
                let p = permits::load(&mut w.tx, id, self.cfg.permits.grace_period_secs).await?;
                permits::require_operator(&p, &mut w.tx, id_key).await?;
                permits::require_met(&p, &mut w.tx, &self.cfg, now).await?;
                (permit_hash(id), p.tier)
            }
        };
        let credential = Credential {
            serial: 0,
            tier: OPERATOR_TIER,
            permit,
            permit_tier,
            not_before: now,
            expires: now + self.cfg.credential_validity_days * 86_400,
            holder,
        };
        let file = self
            .sign_and_store(&mut w, id_key, credential, req.permit.as_deref(), None)
            .await?;
        let serial = file.signed.credential.serial;
        audit(
            &mut w.tx,
            "operator",
            now,
            "issue",
            "assessment passed",
            serde_json::json!({ "serial": serial, "permit": req.permit }),
        )
        .await?;
        w.commit().await?;
        Ok(file)
    }

    /// Issues an apprentice credential (tier 0) under the apprenticeship the
    /// supervisor accepted ([`crate::apprentices`]); it expires no later than the
    /// supervisor's licence.
    pub async fn issue_apprentice(
        &self,
        id_key: &IdKey,
        req: &ApprenticeRequest,
    ) -> Result<CredentialFile, IssuanceError> {
        let holder = parse_holder(&req.holder)?;
        let now = self.now();
        let mut w = self.write().await?;
        let running: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT supervisor_serial, supervisor FROM apprenticeships
             WHERE apprentice = $1 AND accepted_at IS NOT NULL AND ended_at IS NULL",
        )
        .bind(id_key)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (serial, supervisor) = running.ok_or(IssuanceError::NoApprenticeship)?;
        let supervisor_serial = serial as u32;
        let (live, sup_expires) = permits::licence(&mut w.tx, &supervisor, now)
            .await?
            .ok_or(IssuanceError::BadSupervisor)?;
        if live != supervisor_serial {
            return Err(IssuanceError::BadSupervisor);
        }
        let credential = Credential {
            serial: 0,
            tier: APPRENTICE_TIER,
            permit: Fr::from(0u64),
            permit_tier: 0,
            not_before: now,
            expires: (now + self.cfg.credential_validity_days * 86_400).min(sup_expires),
            holder,
        };
        let file = self
            .sign_and_store(&mut w, id_key, credential, None, Some(supervisor_serial))
            .await?;
        let serial = file.signed.credential.serial;
        audit(
            &mut w.tx,
            "operator",
            now,
            "issue-apprentice",
            "supervised",
            serde_json::json!({ "serial": serial, "supervisor": supervisor_serial }),
        )
        .await?;
        w.commit().await?;
        Ok(file)
    }
}
