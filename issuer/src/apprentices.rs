//! Supervised apprentices (`docs/permits.md`, "Apprentices").
//!
//! An apprenticeship is asked for by the apprentice (signed in), who receives a
//! one-time code and hands it to the licensed operator who will supervise them, out of
//! band. The supervisor (signed in, holding a live personal operator licence) accepts
//! with the code. Naming a serial grants nothing: only the supervisor's acceptance binds
//! the apprenticeship to their licence. An operator supervises at most
//! `apprentices.max_per_supervisor` apprentices at once.
//!
//! The apprentice credential (tier 0, sandbox routes only) names the supervisor's
//! licence serial and expires no later than it. Revoking the supervisor's licence (by an
//! administrator, a permit's suspension or an opening) revokes the apprentices' live
//! credentials in the same status update and ends the apprenticeships
//! ([`crate::revocation`]).

use crate::authority::{audit, token_hash, Authority};
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::IdKey;
use crate::permits;
use alc_protocol::authority::{Apprenticeship, ApprenticeshipRequested};

/// Why an apprenticeship request or acceptance is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApprenticeError {
    /// The apprentice already has a request waiting or an apprenticeship running.
    #[error("this identity already has an apprenticeship requested or running")]
    Open,
    /// A licensed operator needs no supervision.
    #[error("this identity holds an operator licence: it needs no apprenticeship")]
    Licensed,
    /// No waiting request has this code (unknown, accepted already, or lapsed).
    #[error("no apprenticeship request waits under this code (unknown, used or lapsed)")]
    UnknownCode,
    /// An operator cannot supervise themselves.
    #[error("an operator cannot supervise themselves")]
    SelfSupervision,
    /// The accepting identity holds no live operator licence.
    #[error("a supervisor must hold a live operator licence (tier 1 or higher)")]
    NotLicensed,
    /// The supervisor supervises the maximum already.
    #[error("this operator already supervises {0} apprentices, the most allowed")]
    Full(u32),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(ApprenticeError);

/// The columns of [`Row`].
const SELECT: &str = "SELECT id, apprentice, requested_at, expires_at, accepted_at, supervisor_serial, ended_at, ended_reason FROM apprenticeships";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    apprentice: Vec<u8>,
    requested_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    supervisor_serial: Option<i64>,
    ended_at: Option<i64>,
    ended_reason: Option<String>,
}

impl Row {
    fn view(self, me: &[u8], now: u64) -> Apprenticeship {
        let state = match (self.accepted_at, self.ended_at) {
            (_, Some(_)) => "ended",
            (Some(_), None) => "accepted",
            (None, None) if (self.expires_at as u64) <= now => "lapsed",
            (None, None) => "requested",
        };
        Apprenticeship {
            id: self.id as u64,
            role: if self.apprentice == me {
                "apprentice"
            } else {
                "supervisor"
            }
            .into(),
            state: state.into(),
            requested_at: self.requested_at as u64,
            accepted_at: self.accepted_at.map(|t| t as u64),
            supervisor_serial: self.supervisor_serial.map(|s| s as u32),
            ended_reason: self.ended_reason,
        }
    }
}

impl Authority {
    /// The apprentice's request: a one-time code for the supervisor.
    pub async fn request_apprenticeship(
        &self,
        apprentice: &IdKey,
    ) -> Result<ApprenticeshipRequested, ApprenticeError> {
        let now = self.now();
        let mut w = self.write().await?;
        if permits::licence(&mut w.tx, apprentice, now)
            .await?
            .is_some()
        {
            return Err(ApprenticeError::Licensed);
        }
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM apprenticeships WHERE apprentice = $1 AND ended_at IS NULL
             AND (accepted_at IS NOT NULL OR expires_at > $2) LIMIT 1",
        )
        .bind(apprentice)
        .bind(now as i64)
        .fetch_optional(&mut *w.tx)
        .await?;
        if open.is_some() {
            return Err(ApprenticeError::Open);
        }
        // Hex, 128 bits: read aloud or typed without a character a command line takes
        // for an option (base64url codes may start with `-`).
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let code = hex::encode(bytes);
        let hash = token_hash(&code);
        let expires_at = now + self.cfg.apprentices.request_ttl_secs;
        sqlx::query(
            "INSERT INTO apprenticeships (code_hash, apprentice, requested_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&hash)
        .bind(apprentice)
        .bind(now as i64)
        .bind(expires_at as i64)
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            "operator",
            now,
            "apprenticeship-request",
            "requested by the apprentice",
            serde_json::json!({ "apprentice": hex::encode(apprentice) }),
        )
        .await?;
        w.commit().await?;
        Ok(ApprenticeshipRequested { code, expires_at })
    }

    /// The supervisor's acceptance, with the apprentice's code.
    pub async fn accept_apprenticeship(
        &self,
        supervisor: &IdKey,
        code: &str,
    ) -> Result<Apprenticeship, ApprenticeError> {
        let now = self.now();
        let mut w = self.write().await?;
        let found: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, apprentice FROM apprenticeships WHERE code_hash = $1
             AND accepted_at IS NULL AND ended_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(code))
        .bind(now as i64)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (id, apprentice) = found.ok_or(ApprenticeError::UnknownCode)?;
        if &apprentice == supervisor {
            return Err(ApprenticeError::SelfSupervision);
        }
        let (serial, _) = permits::licence(&mut w.tx, supervisor, now)
            .await?
            .ok_or(ApprenticeError::NotLicensed)?;
        let max = self.cfg.apprentices.max_per_supervisor;
        let running: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apprenticeships WHERE supervisor = $1 AND accepted_at IS NOT NULL AND ended_at IS NULL",
        )
        .bind(supervisor)
        .fetch_one(&mut *w.tx)
        .await?;
        if running as u64 >= u64::from(max) {
            return Err(ApprenticeError::Full(max));
        }
        sqlx::query(
            "UPDATE apprenticeships SET supervisor = $1, supervisor_serial = $2, accepted_at = $3 WHERE id = $4",
        )
        .bind(supervisor)
        .bind(i64::from(serial))
        .bind(now as i64)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            "operator",
            now,
            "apprenticeship-accept",
            "accepted by the supervisor",
            serde_json::json!({ "apprenticeship": id, "supervisor": serial }),
        )
        .await?;
        let row = self.row(&mut w.tx, id).await?;
        w.commit().await?;
        Ok(row.view(supervisor, now))
    }

    async fn row(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
    ) -> Result<Row, Internal> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?)
    }

    /// The apprenticeships an identity is the apprentice or the supervisor of, newest
    /// first.
    pub async fn apprenticeships(&self, me: &IdKey) -> Result<Vec<Apprenticeship>, Internal> {
        let now = self.now();
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE apprentice = $1 OR supervisor = $1 ORDER BY id DESC LIMIT 100"
        ))
        .bind(me)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| r.view(me, now)).collect())
    }
}
