//! The PostgreSQL backend: one database shared by a fleet of gateway processes.
//!
//! Every commit is durable before the caller is answered (`synchronous_commit` is kept
//! at least `local`: a server or URL that turns it off is overridden for the gateway's
//! sessions). A kill is numbered under a transaction-level advisory lock, so kill ids
//! commit in order, and announced with `NOTIFY` on [`KILL_CHANNEL`] in its transaction:
//! every other process's listener wakes its kill-set refresh at the commit.

use super::{rights_json, ChainRow, LeaseRow, StoreError};
use crate::lease::Lease;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Executor, PgPool};
use std::str::FromStr;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::Notify;

/// The channel kills are announced on (the payload is the kill's id).
pub const KILL_CHANNEL: &str = "alc_gateway_kills";

/// The advisory lock key kills are numbered under ("alc-kill" in ASCII).
const KILL_LOCK: i64 = 0x616c_632d_6b69_6c6c;

/// The PostgreSQL store.
#[derive(Clone)]
pub(super) struct Postgres {
    db: PgPool,
}

impl Postgres {
    /// Connects to and migrates the database.
    pub(super) async fn open(url: &str) -> Result<Self, StoreError> {
        let opts = PgConnectOptions::from_str(url)?;
        let db = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // Durable before acknowledged: never a commit that a crash may lose.
                    let sync: String =
                        sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
                            .fetch_one(&mut *conn)
                            .await?;
                    if sync == "off" {
                        conn.execute("SET synchronous_commit = on").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations-postgres").run(&db).await?;
        Ok(Self { db })
    }

    /// Listens on [`KILL_CHANNEL`] for the life of the store (while `wake` lives): each
    /// notification, and each reconnection (when notifications may have been missed),
    /// wakes `wake`.
    pub(super) async fn listen_kills(&self, wake: Weak<Notify>) -> Result<(), StoreError> {
        let mut listener = PgListener::connect_with(&self.db).await?;
        listener.listen(KILL_CHANNEL).await?;
        tokio::spawn(async move {
            loop {
                // Look now and then whether the store is gone.
                let next = tokio::time::timeout(Duration::from_secs(5), listener.try_recv()).await;
                let Some(wake) = wake.upgrade() else { break };
                match next {
                    Err(_) => {}
                    Ok(Ok(Some(_))) => wake.notify_one(),
                    Ok(Ok(None)) => {
                        tracing::warn!(
                            "kill notifications: the connection was lost; reconnecting (kills are re-read meanwhile)"
                        );
                        wake.notify_one();
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "kill notifications: cannot listen; retrying in 1 s (kills are re-read meanwhile)");
                        drop(wake);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }

    pub(super) async fn add_challenge(
        &self,
        challenge: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM challenges WHERE expires_at <= $1")
            .bind(now as i64)
            .execute(&self.db)
            .await?;
        sqlx::query("INSERT INTO challenges (challenge, now, expires_at) VALUES ($1, $2, $3)")
            .bind(challenge)
            .bind(now as i64)
            .bind(expires_at as i64)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    pub(super) async fn challenge_open(
        &self,
        challenge: &str,
        issued: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM challenges WHERE challenge = $1 AND now = $2 AND expires_at > $3",
        )
        .bind(challenge)
        .bind(issued as i64)
        .bind(now as i64)
        .fetch_one(&self.db)
        .await?;
        Ok(n == 1)
    }

    /// A concurrent second DELETE of the row waits for the first and then finds nothing:
    /// one caller sees one row affected.
    pub(super) async fn consume_challenge(
        &self,
        challenge: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM challenges WHERE challenge = $1 AND expires_at > $2")
            .bind(challenge)
            .bind(now as i64)
            .execute(&self.db)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn add_lease(
        &self,
        block: &str,
        l: &Lease,
        now: u64,
        spawn: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO leases (block, lease_id, parent_lease, pseudonym, tier, permit_tier, epoch, agent, manifest, rights, rate_per_min, expires, depth, created_at, holder_key, escrow, system)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(block)
        .bind(&l.id)
        .bind(&l.parent)
        .bind(&l.pseudonym)
        .bind(l.tier as i64)
        .bind(l.permit_tier as i64)
        .bind(l.epoch as i64)
        .bind(&l.agent)
        .bind(&l.manifest)
        .bind(rights_json(l))
        .bind(l.rate_per_min as i64)
        .bind(l.expires as i64)
        .bind(l.depth as i64)
        .bind(now as i64)
        .bind(&l.key)
        .bind(&l.escrow)
        .bind(&l.system)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO registry_outbox (kind, entry, at) VALUES ('spawn', $1, $2)")
            .bind(spawn)
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn lease(&self, block: &str) -> Result<Option<LeaseRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT lease_id, parent_lease, pseudonym, tier, permit_tier, epoch, agent, manifest, rights, rate_per_min, expires, depth, holder_key, escrow, system
             FROM leases WHERE block = $1",
        )
        .bind(block)
        .fetch_optional(&self.db)
        .await?)
    }

    pub(super) async fn lease_exists(&self, lease_id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM leases WHERE lease_id = $1")
            .bind(lease_id)
            .fetch_one(&self.db)
            .await?;
        Ok(n == 1)
    }

    /// Numbered under the advisory lock (released at the commit, after the row is
    /// visible), announced at the commit.
    pub(super) async fn kill(
        &self,
        kind: &str,
        value: &str,
        reason: &str,
        now: u64,
        entry: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KILL_LOCK)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO kills (kind, value, reason, at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(kind)
        .bind(value)
        .bind(reason)
        .bind(now as i64)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO registry_outbox (kind, entry, at) VALUES ('kill', $1, $2)")
            .bind(entry)
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(KILL_CHANNEL)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(super) async fn kills_since(
        &self,
        after: i64,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, kind, value FROM kills WHERE id > $1 ORDER BY id")
                .bind(after)
                .fetch_all(&self.db)
                .await?,
        )
    }

    pub(super) async fn chain_of(&self, pseudonym: &str) -> Result<Vec<ChainRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT lease_id, parent_lease, agent, manifest, depth, system, created_at FROM leases WHERE pseudonym = $1 ORDER BY created_at, depth",
        )
        .bind(pseudonym)
        .fetch_all(&self.db)
        .await?)
    }

    pub(super) async fn escrow_of(&self, pseudonym: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT escrow FROM leases WHERE pseudonym = $1 AND escrow IS NOT NULL ORDER BY created_at DESC, seq DESC LIMIT 1",
        )
        .bind(pseudonym)
        .fetch_optional(&self.db)
        .await?
        .flatten())
    }

    pub(super) async fn outbox(&self, limit: u32) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, entry FROM registry_outbox WHERE submitted_at IS NULL AND refused IS NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.db)
        .await?)
    }

    pub(super) async fn submitted(&self, id: i64, index: u64, now: u64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE registry_outbox SET submitted_at = $1, registry_index = $2 WHERE id = $3",
        )
        .bind(now as i64)
        .bind(index as i64)
        .bind(id)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    pub(super) async fn refuse(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE registry_outbox SET refused = $1 WHERE id = $2")
            .bind(reason)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    pub(super) async fn rate_claim(
        &self,
        pseudonym: &str,
        minute: u64,
        limit: u64,
        fleet: u64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        // Claims need no durability (a crash forgets at most a minute's): no flush.
        tx.execute("SET LOCAL synchronous_commit = off").await?;
        sqlx::query(
            "INSERT INTO rate_claims (pseudonym, minute, claimed) VALUES ($1, $2, 0)
             ON CONFLICT (pseudonym, minute) DO NOTHING",
        )
        .bind(pseudonym)
        .bind(minute as i64)
        .execute(&mut *tx)
        .await?;
        // The row locked until the commit: claims of one pseudonym's minute queue here.
        let claimed: i64 = sqlx::query_scalar(
            "SELECT claimed FROM rate_claims WHERE pseudonym = $1 AND minute = $2 FOR UPDATE",
        )
        .bind(pseudonym)
        .bind(minute as i64)
        .fetch_one(&mut *tx)
        .await?;
        let granted = super::claim_size(limit, claimed as u64, fleet);
        sqlx::query(
            "UPDATE rate_claims SET claimed = claimed + $3 WHERE pseudonym = $1 AND minute = $2",
        )
        .bind(pseudonym)
        .bind(minute as i64)
        .bind(granted as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(granted)
    }

    pub(super) async fn rate_heartbeat(&self, instance: &str, now: u64) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute("SET LOCAL synchronous_commit = off").await?;
        sqlx::query("INSERT INTO rate_instances (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at")
            .bind(instance)
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        let live = now.saturating_sub(super::RATE_LIVE_SECS) as i64;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM rate_instances WHERE seen_at >= $1")
            .bind(live)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM rate_instances WHERE seen_at < $1")
            .bind(live - 60)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM rate_claims WHERE minute < $1")
            .bind((now / 60) as i64 - 1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n as u64)
    }
}
