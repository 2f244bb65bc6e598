//! Opening an incident to the licence behind it, on the record (`docs/escrow.md`).
//!
//! A gateway's report carries the escrow ciphertext of the misbehaving lease (circuit v2:
//! the credential's serial encrypted to the trustees' joint key). A trustee (token scope
//! `open`) first asks for an opening: the authority appends an `opening` entry (incident,
//! ciphertext digest, trustee) to the registry and records it, and only then hands the
//! trustee the ciphertext. The trustee checks the entry is in the log and submits its
//! partial decryption with its Chaum-Pedersen proof; the authority refuses one without a
//! recorded opening, and names the trustee of one that does not check. When t partials
//! check, it combines them, recovers the serial and, in the same transaction, records it
//! and revokes the licence with an emergency status: every gateway then refuses the
//! licence's leases, and it cannot prove again.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_escrow::EscrowError;
use alc_protocol::authority::{Opened, OpeningProgress, OpeningRecorded};
use alc_protocol::escrow::Partial;
use alc_protocol::files::EscrowCiphertext;

/// Why an opening or a partial is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpeningError {
    /// The authority has no escrow key configured.
    #[error("no escrow key is configured (escrow_key in authority.toml)")]
    NoEscrow,
    /// No such incident.
    #[error("no incident {0}")]
    NoIncident(i64),
    /// The incident's report carried no ciphertext (a circuit-v1 lease).
    #[error("incident {0} carries no escrow ciphertext: it cannot be opened")]
    NoCiphertext(i64),
    /// Not a trustee of the joint key.
    #[error("trustee {0} is not one of the escrow key's trustees")]
    NoTrustee(u32),
    /// A partial from a trustee whose opening is not on the record.
    #[error("trustee {trustee} has no opening on the record for incident {incident}: a share is released only after its registry entry")]
    NotOnRecord {
        /// The incident.
        incident: i64,
        /// The trustee.
        trustee: u32,
    },
    /// A partial that does not check against the trustee's verification key.
    #[error("the partial decryption of trustee {0} does not check: that trustee is to blame")]
    BadPartial(u32),
    /// A partial already submitted.
    #[error("trustee {0} already submitted its partial decryption")]
    Duplicate(u32),
    /// The combination gives no serial (a ciphertext not of a serial).
    #[error("the partials combine to no serial: the ciphertext is not of a credential")]
    NotASerial,
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(OpeningError);

pub use alc_escrow::text::ciphertext_digest;

impl Authority {
    /// The incident's ciphertext, refused if there is none.
    async fn incident_escrow(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
    ) -> Result<EscrowCiphertext, OpeningError> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT escrow FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        let text = row
            .ok_or(OpeningError::NoIncident(id))?
            .ok_or(OpeningError::NoCiphertext(id))?;
        serde_json::from_str(&text).map_err(|e| Internal::new(e).into())
    }

    /// Records trustee `trustee`'s opening of incident `id`: the registry entry first
    /// (in the same transaction); again for a trustee already on the record, the same
    /// entry.
    pub async fn record_opening(
        &self,
        id: i64,
        trustee: u32,
        actor: &str,
    ) -> Result<OpeningRecorded, OpeningError> {
        let escrow = self.escrow.as_ref().ok_or(OpeningError::NoEscrow)?;
        escrow
            .verification_key(trustee)
            .ok_or(OpeningError::NoTrustee(trustee))?;
        let now = self.now();
        let mut w = self.write().await?;
        let ct = self.incident_escrow(&mut w.tx, id).await?;
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT registry_index FROM openings WHERE incident = $1 AND trustee = $2",
        )
        .bind(id)
        .bind(i64::from(trustee))
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(index) = known {
            w.commit().await?;
            return Ok(OpeningRecorded {
                registry_index: index as u64,
                escrow: ct,
            });
        }
        let entry = alc_registry::entry::Entry::Opening(alc_registry::entry::Opening {
            incident: id.to_string(),
            ciphertext: ciphertext_digest(&ct),
            trustee,
            at: now,
        });
        let appended = crate::registry::append_in(&mut w.tx, &entry)
            .await
            .map_err(Internal::new)?;
        let index: u64 = appended.index.parse().map_err(Internal::new)?;
        sqlx::query(
            "INSERT INTO openings (incident, trustee, registry_index, opened_at, actor) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i64::from(trustee))
        .bind(index as i64)
        .bind(now as i64)
        .bind(actor)
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            actor,
            now,
            "incident-opening",
            "a trustee releases its share",
            serde_json::json!({ "incident": id, "trustee": trustee, "registry_index": index }),
        )
        .await?;
        w.commit().await?;
        Ok(OpeningRecorded {
            registry_index: index,
            escrow: ct,
        })
    }

    /// Takes a trustee's partial decryption for incident `id`: checked against its
    /// verification key, refused without its opening on the record. The t-th valid one
    /// opens the incident: the serial recorded and its licence revoked (emergency) in
    /// one transaction.
    pub async fn submit_partial(
        &self,
        id: i64,
        partial: &Partial,
        actor: &str,
    ) -> Result<OpeningProgress, OpeningError> {
        let escrow = self.escrow.as_ref().ok_or(OpeningError::NoEscrow)?;
        let threshold = escrow.params().threshold();
        let now = self.now();
        let mut w = self.write().await?;
        let ct = self.incident_escrow(&mut w.tx, id).await?;
        let ciphertext = alc_escrow::text::statement_ciphertext(&ct).map_err(Internal::new)?;
        let trustee = partial.trustee;
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT partial FROM openings WHERE incident = $1 AND trustee = $2")
                .bind(id)
                .bind(i64::from(trustee))
                .fetch_optional(&mut *w.tx)
                .await?;
        match row {
            None => {
                return Err(OpeningError::NotOnRecord {
                    incident: id,
                    trustee,
                })
            }
            Some(Some(_)) => return Err(OpeningError::Duplicate(trustee)),
            Some(None) => {}
        }
        let _decryption_share = alc_escrow::open::check_partial(escrow, &ciphertext.c1, partial)
            .map_err(|_| OpeningError::BadPartial(trustee))?;
        sqlx::query("UPDATE openings SET partial = $1 WHERE incident = $2 AND trustee = $3")
            .bind(serde_json::to_string(partial).map_err(Internal::new)?)
            .bind(id)
            .bind(i64::from(trustee))
            .execute(&mut *w.tx)
            .await?;
        let texts: Vec<String> = sqlx::query_scalar(
            "SELECT partial FROM openings WHERE incident = $1 AND partial IS NOT NULL ORDER BY trustee",
        )
        .bind(id)
        .fetch_all(&mut *w.tx)
        .await?;
        let partials: Vec<Partial> = texts
            .iter()
            .map(|t| serde_json::from_str(t).map_err(Internal::new))
            .collect::<Result<_, _>>()?;
        let count = partials.len() as u32;
        if count < threshold {
            w.commit().await?;
            return Ok(OpeningProgress {
                partials: count,
                threshold,
                opened: None,
            });
        }
        let serial = match alc_escrow::open::open(escrow, &ciphertext, &partials) {
            Ok(s) => s,
            Err(EscrowError::BadPartial(j)) => return Err(OpeningError::BadPartial(j)),
            Err(EscrowError::NotASerial) => return Err(OpeningError::NotASerial),
            Err(e) => return Err(Internal::new(e).into()),
        };
        let credential: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT permit_id, revoked_at FROM credentials WHERE serial = $1")
                .bind(i64::from(serial))
                .fetch_optional(&mut *w.tx)
                .await?;
        let (permit, revoked_at) = credential.ok_or(OpeningError::NotASerial)?;
        let reason = format!("incident {id} opened by {count} trustees");
        audit(
            &mut w.tx,
            actor,
            now,
            "incident-opened",
            &reason,
            serde_json::json!({ "incident": id, "serial": serial, "permit": permit }),
        )
        .await?;
        // A permit's incident reporting channels hear of it (the outbox, delivered after
        // the commit): the incident, and which of its licences.
        if let Some(p) = &permit {
            let channels = crate::permits::load(&mut w.tx, p, self.cfg.permits.grace_period_secs)
                .await
                .map_err(Internal::new)?
                .reporting;
            let body = serde_json::json!({
                "event": "incident-opened", "permit": p, "incident": id,
                "serial": serial, "at": now,
            });
            crate::enforcement::notify(&mut w, p, &channels, body, now).await?;
        }
        let serials = if revoked_at.is_some() {
            Vec::new()
        } else {
            vec![serial]
        };
        // The epoch the revocation will install (or the current one if already revoked).
        let (_, current) = self.status.snapshot();
        let epoch = if serials.is_empty() {
            current
        } else {
            current + 1
        };
        sqlx::query("UPDATE incidents SET opened_serial = $1, opened_epoch = $2 WHERE id = $3")
            .bind(i64::from(serial))
            .bind(epoch as i64)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let revoked = self.revoke_in(w, &serials, &reason, true, now).await?;
        self.enforce_soon(); // delivers the notices
        Ok(OpeningProgress {
            partials: count,
            threshold,
            opened: Some(Opened {
                serial,
                permit,
                epoch: revoked.epoch,
            }),
        })
    }
}
