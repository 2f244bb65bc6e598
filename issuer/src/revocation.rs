//! Revocation: flip bits, record the new epoch and root with the credentials in one
//! transaction, commit (durable before any answer), then publish the signed response.

use crate::authority::{audit, Authority, WriteTx};
use crate::error::{internal_from_sqlx, Internal};
use alc_circuits::field;
use alc_protocol::authority::{RevokeRequest, Revoked};

/// The registry entry recording a status epoch.
pub(crate) fn epoch_entry(
    epoch: u64,
    list: &alc_circuits::status::StatusList,
    emergency: bool,
    at: u64,
) -> alc_registry::entry::Entry {
    alc_registry::entry::Entry::StatusEpoch(alc_registry::entry::StatusEpoch {
        epoch,
        root: field::to_decimal(&list.root()),
        emergency,
        at,
    })
}

/// Why a revocation is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// Every revocation names its reason (the audit log keeps it).
    #[error("a revocation needs a reason")]
    NoReason,
    /// No credential has this serial.
    #[error("no credential with serial {0}")]
    NotFound(u32),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(RevocationError);

/// A revocation slower than this is logged with where its time went.
pub(crate) const SLOW: std::time::Duration = std::time::Duration::from_millis(50);

impl Authority {
    /// Revokes one credential.
    pub async fn revoke(
        &self,
        req: &RevokeRequest,
        actor: &str,
    ) -> Result<Revoked, RevocationError> {
        if req.reason.trim().is_empty() {
            return Err(RevocationError::NoReason);
        }
        let now = self.now();
        let started = std::time::Instant::now();
        let mut w = self.write().await?;
        let locked = started.elapsed();
        let revoked: Option<Option<i64>> =
            sqlx::query_scalar("SELECT revoked_at FROM credentials WHERE serial = $1")
                .bind(req.serial as i64)
                .fetch_optional(&mut *w.tx)
                .await?;
        let serials = match revoked {
            None => return Err(RevocationError::NotFound(req.serial)),
            Some(Some(_)) => Vec::new(),
            Some(None) => vec![req.serial],
        };
        let details = serde_json::json!({ "serial": req.serial, "emergency": req.emergency, "already": serials.is_empty() });
        audit(&mut w.tx, actor, now, "revoke", &req.reason, details).await?;
        let done = self
            .revoke_in(w, &serials, &req.reason, req.emergency, now)
            .await?;
        let total = started.elapsed();
        // A principal's licence may have been what a permit's requirements counted on.
        self.enforce_soon();
        // A revocation is the kill switch: say where the time went when it is slow.
        if total >= SLOW {
            tracing::warn!(
                total_ms = total.as_secs_f64() * 1e3,
                writer_lock_ms = locked.as_secs_f64() * 1e3,
                serial = req.serial,
                "slow revocation"
            );
        }
        Ok(done)
    }

    /// Revokes `serials` inside `w` and commits; a new epoch if anything changed.
    pub(crate) async fn revoke_in(
        &self,
        mut w: WriteTx<'_>,
        serials: &[u32],
        reason: &str,
        emergency: bool,
        now: u64,
    ) -> Result<Revoked, Internal> {
        // The cascade: the live credentials of apprentices these licences supervise are
        // revoked in the same update, and the apprenticeships end.
        let mut serials = serials.to_vec();
        // One query each, indexed, whatever the number of serials (a permit's suspension).
        let list = serde_json::to_string(&serials).map_err(Internal::new)?;
        let supervised = format!(
            "SELECT serial FROM credentials WHERE revoked_at IS NULL AND supervisor IN ({})",
            crate::db::json_integers(self.backend, 1)
        );
        let mut apprentices: Vec<u32> = sqlx::query_scalar::<_, i64>(&supervised)
            .bind(&list)
            .fetch_all(&mut *w.tx)
            .await?
            .into_iter()
            .map(|a| a as u32)
            .collect();
        let ended = format!(
            "UPDATE apprenticeships SET ended_at = $1, ended_reason = 'the supervisor''s licence was revoked'
             WHERE ended_at IS NULL AND supervisor_serial IN ({})",
            crate::db::json_integers(self.backend, 2)
        );
        sqlx::query(&ended)
            .bind(now as i64)
            .bind(&list)
            .execute(&mut *w.tx)
            .await?;
        apprentices.retain(|a| !serials.contains(a));
        if !apprentices.is_empty() {
            let details = serde_json::json!({ "supervisors": serials, "apprentices": apprentices });
            audit(
                &mut w.tx,
                "authority",
                now,
                "revoke-apprentices",
                reason,
                details,
            )
            .await?;
            serials.extend(apprentices);
        }
        let serials = serials.as_slice();
        if serials.is_empty() {
            w.commit().await?;
            let (response, status) = self.status.current(now);
            return Ok(Revoked {
                serials: Vec::new(),
                epoch: response.epoch,
                status,
            });
        }
        // Another process on the database may have recorded epochs since this one last
        // looked: the writer lock is held, so the list caught up here is the latest.
        self.status.catch_up(&mut w.tx, now).await?;
        let (mut list, epoch) = self.status.snapshot();
        let epoch = epoch + 1;
        for s in serials {
            list.revoke(*s).map_err(Internal::new)?;
            sqlx::query(
                "UPDATE credentials SET revoked_at = $1, revoked_epoch = $2, revocation_reason = $3 WHERE serial = $4 AND revoked_at IS NULL",
            )
            .bind(now as i64)
            .bind(epoch as i64)
            .bind(reason)
            .bind(*s as i64)
            .execute(&mut *w.tx)
            .await?;
        }
        sqlx::query("INSERT INTO epochs (epoch, root, produced_at, emergency, reason) VALUES ($1, $2, $3, $4, $5)")
            .bind(epoch as i64)
            .bind(field::to_decimal(&list.root()))
            .bind(now as i64)
            .bind(i64::from(emergency))
            .bind(reason)
            .execute(&mut *w.tx)
            .await?;
        crate::registry::append_in(&mut w.tx, &epoch_entry(epoch, &list, emergency, now))
            .await
            .map_err(Internal::new)?;
        crate::status::announce(&mut w.tx, self.backend, epoch).await?;
        // The single writer is still held: nothing else can install an epoch until the
        // commit and the installation below are both done.
        let WriteTx { tx, guard } = w;
        let committing = std::time::Instant::now();
        tx.commit().await?;
        let committed = committing.elapsed();
        let status = self.status.install(list, epoch, emergency, now);
        let installed = committing.elapsed() - committed;
        drop(guard);
        tracing::info!(
            epoch,
            revoked = serials.len(),
            emergency,
            "status list updated"
        );
        if committed + installed >= SLOW {
            tracing::warn!(
                commit_ms = committed.as_secs_f64() * 1e3,
                install_ms = installed.as_secs_f64() * 1e3,
                epoch,
                "slow status update"
            );
        }
        Ok(Revoked {
            serials: serials.to_vec(),
            epoch,
            status,
        })
    }
}
