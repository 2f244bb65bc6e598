//! Continuous enforcement of permit requirements (`docs/permits.md`).
//!
//! A permit's requirements ([`crate::permits::unmet`]) are checked for every active
//! permit by [`Authority::enforce`]: every `enforcement_interval_secs`, and soon after
//! each event that can break one (a licence revoked, an operator demoted, an insurer's
//! revocation). The rule:
//!
//! - met, and was met: nothing;
//! - unmet, and was met: the lapse is recorded (`unmet_since = now`), audited
//!   (`permit-lapse`), shown in the permit (`lapse.suspend_at`) and sent to its contacts;
//!   no new permit-bound credential is issued meanwhile, the live ones stay live;
//! - unmet for `grace_period_secs` or longer: the permit is suspended, which revokes its
//!   live credentials in one status update as an administrator's suspension does, audited
//!   (`permit-status`, actor `authority`) and sent to its contacts;
//! - met again before that: the lapse is cleared (`permit-restored`) and sent.
//!
//! Each permit is decided in its own write transaction, so the finding and the notices
//! (an outbox, [`Authority::deliver_notices`]) commit together or not at all; a crash
//! between two permits loses nothing, the next run continues. Expiry needs no event:
//! the periodic run sees a licence or an insurance certificate past its time.

use crate::authority::{audit, Authority, WriteTx};
use crate::error::Internal;
use crate::permits;
use std::time::Duration;

/// What one enforcement run did, by permit id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enforced {
    /// Permits found missing a requirement (grace period started).
    pub lapsed: Vec<String>,
    /// Permits whose requirements are met again.
    pub restored: Vec<String>,
    /// Permits suspended at the end of their grace period.
    pub suspended: Vec<String>,
}

/// Most attempts to deliver one notice.
const MAX_DELIVERIES: i64 = 10;

/// Queues `body` for each of `contacts` (the outbox), in `w`.
pub(crate) async fn notify(
    w: &mut WriteTx<'_>,
    permit: &str,
    contacts: &[String],
    body: serde_json::Value,
    now: u64,
) -> Result<(), Internal> {
    for c in contacts {
        sqlx::query(
            "INSERT INTO permit_notices (permit_id, contact, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(permit)
        .bind(c)
        .bind(body.to_string())
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(())
}

impl Authority {
    /// Asks the enforcement task to run now (after an event that can break a
    /// requirement). Returns at once.
    pub fn enforce_soon(&self) {
        self.enforcement.notify_one();
    }

    /// Checks every active permit against its tier's requirements and acts by the rule
    /// of this module.
    pub async fn enforce(&self) -> Result<Enforced, Internal> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM permits WHERE status = 'active' ORDER BY id")
                .fetch_all(&self.db)
                .await?;
        let mut done = Enforced::default();
        for id in ids {
            self.enforce_one(&id, &mut done).await?;
        }
        Ok(done)
    }

    async fn enforce_one(&self, id: &str, done: &mut Enforced) -> Result<(), Internal> {
        let now = self.now();
        let grace = self.cfg.permits.grace_period_secs;
        let mut w = self.write().await?;
        let p = permits::load(&mut w.tx, id, grace)
            .await
            .map_err(Internal::new)?;
        if p.status != "active" {
            return w.commit().await;
        }
        let why = permits::unmet(&p, &mut w.tx, &self.cfg, now).await?;
        match (why, &p.lapse) {
            (None, None) => w.commit().await,
            (None, Some(lapse)) => {
                sqlx::query(
                    "UPDATE permits SET unmet_since = NULL, unmet_reason = NULL WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
                let details = serde_json::json!({ "permit": id, "unmet_since": lapse.since });
                audit(
                    &mut w.tx,
                    "authority",
                    now,
                    "permit-restored",
                    "requirements met again",
                    details.clone(),
                )
                .await?;
                let body = serde_json::json!({ "event": "restored", "permit": id, "at": now });
                notify(&mut w, id, &p.contacts, body, now).await?;
                done.restored.push(id.to_owned());
                w.commit().await
            }
            (Some(why), None) => {
                sqlx::query("UPDATE permits SET unmet_since = $1, unmet_reason = $2 WHERE id = $3")
                    .bind(now as i64)
                    .bind(&why)
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                let suspend_at = now.saturating_add(grace);
                let details =
                    serde_json::json!({ "permit": id, "why": why, "suspend_at": suspend_at });
                audit(&mut w.tx, "authority", now, "permit-lapse", &why, details).await?;
                let body = serde_json::json!({
                    "event": "lapse", "permit": id, "at": now, "why": why, "suspend_at": suspend_at,
                });
                notify(&mut w, id, &p.contacts, body, now).await?;
                tracing::warn!(permit = id, why, suspend_at, "permit requirement unmet");
                done.lapsed.push(id.to_owned());
                w.commit().await
            }
            (Some(why), Some(lapse)) if now >= lapse.suspend_at => {
                sqlx::query("UPDATE permits SET status = 'suspended' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                let serials: Vec<i64> = sqlx::query_scalar(
                    "SELECT serial FROM credentials WHERE permit_id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .fetch_all(&mut *w.tx)
                .await?;
                let serials: Vec<u32> = serials.into_iter().map(|s| s as u32).collect();
                let reason = format!(
                    "requirements unmet since {} (grace period {grace} s): {why}",
                    lapse.since
                );
                let details = serde_json::json!({
                    "permit": id, "status": "suspended", "revoked": serials, "unmet_since": lapse.since,
                });
                audit(
                    &mut w.tx,
                    "authority",
                    now,
                    "permit-status",
                    &reason,
                    details,
                )
                .await?;
                let body = serde_json::json!({
                    "event": "suspended", "permit": id, "at": now, "why": why, "revoked": serials.len(),
                });
                notify(&mut w, id, &p.contacts, body, now).await?;
                tracing::warn!(
                    permit = id,
                    revoked = serials.len(),
                    "permit suspended: requirements unmet past the grace period"
                );
                done.suspended.push(id.to_owned());
                self.revoke_in(w, &serials, &reason, false, now).await?;
                Ok(())
            }
            (Some(why), Some(lapse)) => {
                if why != lapse.why {
                    sqlx::query("UPDATE permits SET unmet_reason = $1 WHERE id = $2")
                        .bind(&why)
                        .bind(id)
                        .execute(&mut *w.tx)
                        .await?;
                }
                w.commit().await
            }
        }
    }

    /// Delivers pending notices: each is POSTed (JSON) to its contact and marked
    /// delivered on a 2xx answer; others are retried on later runs, up to
    /// [`MAX_DELIVERIES`] attempts. Returns how many were delivered.
    pub async fn deliver_notices(&self) -> Result<usize, Internal> {
        let pending: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, contact, body FROM permit_notices
             WHERE delivered_at IS NULL AND attempts < $1 ORDER BY id LIMIT 100",
        )
        .bind(MAX_DELIVERIES)
        .fetch_all(&self.db)
        .await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Internal::new)?;
        let mut delivered = 0;
        for (id, contact, body) in pending {
            let ok = client
                .post(&contact)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            let mut w = self.write().await?;
            if ok {
                sqlx::query("UPDATE permit_notices SET attempts = attempts + 1, delivered_at = $1 WHERE id = $2")
                    .bind(self.now() as i64)
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                delivered += 1;
            } else {
                sqlx::query("UPDATE permit_notices SET attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                tracing::warn!(
                    notice = id,
                    "a permit notice was not delivered; retrying later"
                );
            }
            w.commit().await?;
        }
        Ok(delivered)
    }

    /// Runs enforcement and delivery every `enforcement_interval_secs`, and soon after
    /// [`Authority::enforce_soon`]; for `alc authority serve`.
    pub async fn enforcement_loop(&self) {
        let every = Duration::from_secs(self.cfg.permits.enforcement_interval_secs);
        loop {
            if let Err(e) = self.enforce().await {
                tracing::error!(error = %e, "permit enforcement failed; retrying");
            }
            if let Err(e) = self.deliver_notices().await {
                tracing::error!(error = %e, "permit notices: delivery failed; retrying");
            }
            let _ = tokio::time::timeout(every, self.enforcement.notified()).await;
        }
    }
}
