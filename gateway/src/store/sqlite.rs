//! The gateway's store: SQLite in WAL mode, shared by the gateway processes on one host
//! (challenges consumed once across all of them, one lease index, one kill set).

use crate::lease::Lease;
use alc_protocol::authority::ChainLink;
use alc_registry::entry::Entry;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// An entry's JSON for the outbox (entries serialise infallibly: plain strings and
/// numbers).
fn json(e: &Entry) -> String {
    serde_json::to_string(e).unwrap_or_default()
}

/// The store.
#[derive(Clone, Debug)]
pub struct Store {
    db: SqlitePool,
    /// One writer at a time within this process: concurrent writers would otherwise meet
    /// SQLite's busy handler and its sleeps (other processes still do, rarely).
    write: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Woken when this process adds to the registry outbox.
    wake: std::sync::Arc<tokio::sync::Notify>,
}

/// A kill as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kill {
    /// Sequence number.
    pub id: i64,
    /// `lease` or `pseudonym`.
    pub kind: String,
    /// The lease id or pseudonym.
    pub value: String,
}

/// The store cannot be read or written (the detail is for the log).
#[derive(Debug, thiserror::Error)]
#[error("gateway store: {0}")]
pub struct StoreError(#[from] sqlx::Error);

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self(e.into())
    }
}

#[derive(sqlx::FromRow)]
struct LeaseRow {
    lease_id: String,
    parent_lease: Option<String>,
    pseudonym: String,
    tier: i64,
    permit_tier: i64,
    epoch: i64,
    agent: String,
    manifest: String,
    rights: String,
    rate_per_min: i64,
    expires: i64,
    depth: i64,
    holder_key: Option<String>,
    escrow: Option<String>,
    system: Option<String>,
}

impl Store {
    /// Opens (creating) and migrates the store.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
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
            wake: Default::default(),
        })
    }

    /// Records a fresh challenge.
    pub async fn add_challenge(
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

    /// Whether a challenge is outstanding, unexpired, and was issued with time `issued`.
    pub async fn challenge_open(
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

    /// Consumes a challenge: true for exactly one caller, across all processes.
    pub async fn consume_challenge(&self, challenge: &str, now: u64) -> Result<bool, StoreError> {
        let _writer = self.write.lock().await;
        let done = sqlx::query("DELETE FROM challenges WHERE challenge = ? AND expires_at > ?")
            .bind(challenge)
            .bind(now as i64)
            .execute(&self.db)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a lease under its block's revocation identifier, and its registry entry
    /// (the spawn link) in the outbox, in one transaction.
    pub async fn add_lease(
        &self,
        block: &str,
        l: &Lease,
        now: u64,
        spawn: &Entry,
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
        .bind(serde_json::to_string(&l.rights).unwrap_or_default())
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
            .bind(json(spawn))
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The lease recorded under a block identifier.
    pub async fn lease(&self, block: &str) -> Result<Option<Lease>, StoreError> {
        let row: Option<LeaseRow> = sqlx::query_as(
            "SELECT lease_id, parent_lease, pseudonym, tier, permit_tier, epoch, agent, manifest, rights, rate_per_min, expires, depth, holder_key, escrow, system
             FROM leases WHERE block = ?",
        )
        .bind(block)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(|r| Lease {
            id: r.lease_id,
            parent: r.parent_lease,
            pseudonym: r.pseudonym,
            tier: r.tier as u8,
            permit_tier: r.permit_tier as u8,
            epoch: r.epoch as u64,
            agent: r.agent,
            manifest: r.manifest,
            rights: serde_json::from_str(&r.rights).unwrap_or_default(),
            rate_per_min: r.rate_per_min as u32,
            expires: r.expires as u64,
            depth: r.depth as u32,
            key: r.holder_key,
            escrow: r.escrow,
            system: r.system,
        }))
    }

    /// Whether a lease id exists.
    pub async fn lease_exists(&self, lease_id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM leases WHERE lease_id = ?")
            .bind(lease_id)
            .fetch_one(&self.db)
            .await?;
        Ok(n == 1)
    }

    /// Records a kill (and its registry entry).
    pub async fn kill(
        &self,
        kind: &str,
        value: &str,
        reason: &str,
        now: u64,
        entry: &Entry,
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
            .bind(json(entry))
            .bind(now as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(id)
    }

    /// Kills recorded after `after` (by any process).
    pub async fn kills_since(&self, after: i64) -> Result<Vec<Kill>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, kind, value FROM kills WHERE id > ? ORDER BY id")
                .bind(after)
                .fetch_all(&self.db)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, value)| Kill { id, kind, value })
            .collect())
    }

    /// The chain of leases of a pseudonym, for an incident report.
    pub async fn chain_of(&self, pseudonym: &str) -> Result<Vec<ChainLink>, StoreError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, Option<String>, String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT lease_id, parent_lease, agent, manifest, depth, system, created_at FROM leases WHERE pseudonym = ? ORDER BY created_at, depth",
        )
        .bind(pseudonym)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(lease, parent, agent, manifest, depth, system, at)| ChainLink {
                    lease,
                    parent,
                    agent,
                    manifest,
                    depth: depth as u32,
                    system,
                    at: at as u64,
                },
            )
            .collect())
    }

    /// The escrow ciphertext of a pseudonym's latest root lease (circuit v2), for an
    /// incident report.
    pub async fn escrow_of(&self, pseudonym: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT escrow FROM leases WHERE pseudonym = ? AND escrow IS NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .bind(pseudonym)
        .fetch_optional(&self.db)
        .await?
        .flatten())
    }

    /// Up to `limit` registry entries not yet in the registry, oldest first. A row that
    /// does not parse (written before entries had their registry form) is parked with
    /// the reason, never dropped.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<(i64, Entry)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, entry FROM registry_outbox WHERE submitted_at IS NULL AND refused IS NULL ORDER BY id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.db)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, e) in rows {
            match serde_json::from_str::<Entry>(&e) {
                Ok(entry) => out.push((id, entry)),
                Err(err) => {
                    self.refuse(id, &format!("not a registry entry: {err}"))
                        .await?
                }
            }
        }
        Ok(out)
    }

    /// What the registry submitter waits on.
    pub fn outbox_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Marks an outbox row as in the registry at `index`.
    pub async fn submitted(&self, id: i64, index: u64, now: u64) -> Result<(), StoreError> {
        let _writer = self.write.lock().await;
        sqlx::query("UPDATE registry_outbox SET submitted_at = ?, registry_index = ? WHERE id = ?")
            .bind(now as i64)
            .bind(index as i64)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Parks an outbox row the registry refused, with its reason (kept for operators).
    pub async fn refuse(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        let _writer = self.write.lock().await;
        sqlx::query("UPDATE registry_outbox SET refused = ? WHERE id = ?")
            .bind(reason)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
