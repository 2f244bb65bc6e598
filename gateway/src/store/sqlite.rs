//! The SQLite backend: one file in WAL mode, shared by the gateway processes on one host
//! (challenges consumed once across all of them, one lease index, one kill set). SQLite
//! has one writer at a time, so kills are numbered in commit order.

use super::{rights_json, ChainRow, LeaseRow, StoreError};
use crate::lease::Lease;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The SQLite store.
#[derive(Clone)]
pub(super) struct Sqlite {
    db: SqlitePool,
    /// One writer at a time within this process: concurrent writers would otherwise meet
    /// SQLite's busy handler and its sleeps (other processes still do, rarely).
    write: Arc<tokio::sync::Mutex<()>>,
}

impl Sqlite {
    /// Opens (creating) and migrates the store.
    pub(super) async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let db = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&db).await?;
        Ok(Self {
            db,
            write: Default::default(),
        })
    }

    pub(super) async fn add_challenge(
        &self,
        challenge: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        let _writer = self.write.lock().await;
        sqlx::query("DELETE FROM challenges WHERE expires_at <= ?")
            .bind(now as i64)
            .execute(&self.db)
            .await?;
        sqlx::query("INSERT INTO challenges (challenge, now, expires_at) VALUES (?, ?, ?)")
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
            "SELECT count(*) FROM challenges WHERE challenge = ? AND now = ? AND expires_at > ?",
        )
        .bind(challenge)
        .bind(issued as i64)
        .bind(now as i64)
        .fetch_one(&self.db)
        .await?;
        Ok(n == 1)
    }

    pub(super) async fn consume_challenge(
        &self,
        challenge: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        let _writer = self.write.lock().await;
        let done = sqlx::query("DELETE FROM challenges WHERE challenge = ? AND expires_at > ?")
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
        let _writer = self.write.lock().await;
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO leases (block, lease_id, parent_lease, pseudonym, tier, permit_tier, epoch, agent, manifest, rights, rate_per_min, expires, depth, created_at, holder_key, escrow, system)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        sqlx::query("INSERT INTO registry_outbox (kind, entry, at) VALUES ('spawn', ?, ?)")
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
             FROM leases WHERE block = ?",
        )
        .bind(block)
        .fetch_optional(&self.db)
        .await?)
    }

    pub(super) async fn lease_exists(&self, lease_id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM leases WHERE lease_id = ?")
            .bind(lease_id)
            .fetch_one(&self.db)
            .await?;
        Ok(n == 1)
    }

    pub(super) async fn kill(
        &self,
        kind: &str,
        value: &str,
        reason: &str,
        now: u64,
        entry: &str,
    ) -> Result<i64, StoreError> {
        let _writer = self.write.lock().await;
        let mut tx = self.db.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO kills (kind, value, reason, at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(kind)
        .bind(value)
        .bind(reason)
        .bind(now as i64)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO registry_outbox (kind, entry, at) VALUES ('kill', ?, ?)")
            .bind(entry)
            .bind(now as i64)
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
            sqlx::query_as("SELECT id, kind, value FROM kills WHERE id > ? ORDER BY id")
                .bind(after)
                .fetch_all(&self.db)
                .await?,
        )
    }

    pub(super) async fn chain_of(&self, pseudonym: &str) -> Result<Vec<ChainRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT lease_id, parent_lease, agent, manifest, depth, system, created_at FROM leases WHERE pseudonym = ? ORDER BY created_at, depth",
        )
        .bind(pseudonym)
        .fetch_all(&self.db)
        .await?)
    }

    pub(super) async fn escrow_of(&self, pseudonym: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT escrow FROM leases WHERE pseudonym = ? AND escrow IS NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .bind(pseudonym)
        .fetch_optional(&self.db)
        .await?
        .flatten())
    }

    pub(super) async fn outbox(&self, limit: u32) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, entry FROM registry_outbox WHERE submitted_at IS NULL AND refused IS NULL ORDER BY id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.db)
        .await?)
    }

    pub(super) async fn submitted(&self, id: i64, index: u64, now: u64) -> Result<(), StoreError> {
        let _writer = self.write.lock().await;
        sqlx::query("UPDATE registry_outbox SET submitted_at = ?, registry_index = ? WHERE id = ?")
            .bind(now as i64)
            .bind(index as i64)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    pub(super) async fn refuse(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        let _writer = self.write.lock().await;
        sqlx::query("UPDATE registry_outbox SET refused = ? WHERE id = ?")
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
        let _writer = self.write.lock().await;
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "SELECT claimed FROM rate_claims WHERE pseudonym = ? AND minute = ?",
        )
        .bind(pseudonym)
        .bind(minute as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let granted = super::claim_size(limit, claimed.unwrap_or(0) as u64, fleet);
        sqlx::query(
            "INSERT INTO rate_claims (pseudonym, minute, claimed) VALUES (?, ?, ?)
             ON CONFLICT (pseudonym, minute) DO UPDATE SET claimed = claimed + excluded.claimed",
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
        let _writer = self.write.lock().await;
        let mut tx = self.db.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO rate_instances (id, seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at")
            .bind(instance)
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        let live = now.saturating_sub(super::RATE_LIVE_SECS) as i64;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM rate_instances WHERE seen_at >= ?")
            .bind(live)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM rate_instances WHERE seen_at < ?")
            .bind(live - 60)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM rate_claims WHERE minute < ?")
            .bind((now / 60) as i64 - 1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n as u64)
    }
}
