//! The gateway's store: the replay set (challenges), the lease index, the kill set and
//! the registry outbox, shared by every gateway process that opens the same database.
//!
//! Two backends behind one API (`docs/fleet.md`):
//!
//! * **SQLite** (the default): `gateway.db` in the data folder, in WAL mode, shared by
//!   the gateway processes on one host;
//! * **PostgreSQL** (`database = "postgres://..."` in `gateway.toml`, or
//!   `ALC_GATEWAY_DATABASE`): one database shared by a fleet of gateway processes on
//!   many hosts.
//!
//! Both give the same guarantees: a challenge is consumed by exactly one caller across
//! all processes; a lease and its registry entry, a kill and its registry entry, are
//! each written in one transaction, committed durably before the caller is answered;
//! kills are numbered in commit order, so [`Store::kills_since`] never skips one. The
//! per-request lease check never reads the store: the gateway keeps the kill set in
//! memory and refreshes it when [`Store::kills_changed`] returns (a notification from
//! another process on PostgreSQL, else every [`KILL_POLL`]).

mod postgres;
mod sqlite;

pub use postgres::KILL_CHANNEL;

use crate::lease::Lease;
use alc_protocol::authority::ChainLink;
use alc_registry::entry::Entry;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often the kill set is re-read when no notification arrives: the bound on a kill's
/// propagation to the other processes when notifications are lost (or on SQLite, which
/// has none).
pub const KILL_POLL: Duration = Duration::from_millis(200);

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (the default: `gateway.db` in the data folder).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&redact(url)).finish(),
        }
    }
}

impl Database {
    /// The database a `database` setting names, `data` the data folder: empty (or
    /// `sqlite://PATH`, relative to the data folder) is SQLite, `postgres://` or
    /// `postgresql://` PostgreSQL.
    pub fn from_setting(setting: &str, data: &Path) -> Result<Self, StoreError> {
        let s = setting.trim();
        if s.is_empty() {
            return Ok(Self::Sqlite(data.join("gateway.db")));
        }
        if let Some(path) = s.strip_prefix("sqlite://") {
            return Ok(Self::Sqlite(data.join(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        Err(StoreError(sqlx::Error::Configuration(
            format!(
                "database {:?}: expected postgres://..., sqlite://PATH, or nothing (gateway.db)",
                redact(s)
            )
            .into(),
        )))
    }

    /// The database for a log line: a PostgreSQL URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => p.display().to_string(),
            Self::Postgres(url) => redact(url),
        }
    }
}

/// A connection URL without its password (`postgres://user:***@host/db`).
pub use alc_service::redact_url as redact;

/// A kill as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kill {
    /// Sequence number (in commit order).
    pub id: i64,
    /// `lease` or `pseudonym`.
    pub kind: String,
    /// The lease id or pseudonym.
    pub value: String,
}

/// The store cannot be read or written (the detail is for the log; it never holds the
/// database's password).
#[derive(Debug, thiserror::Error)]
#[error("gateway store: {0}")]
pub struct StoreError(#[from] sqlx::Error);

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self(e.into())
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// The store (a handle: clones share one connection pool).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Woken when this process adds to the registry outbox.
    wake: Arc<Notify>,
    /// Woken when another process may have recorded a kill (PostgreSQL's notifications).
    kill_wake: Arc<Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field(
                "backend",
                &match self.backend {
                    Backend::Sqlite(_) => "sqlite",
                    Backend::Postgres(_) => "postgres",
                },
            )
            .finish_non_exhaustive()
    }
}

/// Calls the same method on whichever backend the store has.
macro_rules! dispatch {
    ($self:ident . $m:ident ( $($a:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(b) => b.$m($($a),*).await,
            Backend::Postgres(b) => b.$m($($a),*).await,
        }
    };
}

impl Store {
    /// Opens (creating) and migrates a SQLite store.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::over(Backend::Sqlite(
            sqlite::Sqlite::open(path).await?,
        )))
    }

    /// Connects to and migrates a PostgreSQL store (`postgres://...`), and starts
    /// listening for other processes' kills.
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let pg = postgres::Postgres::open(url).await?;
        let store = Self::over(Backend::Postgres(pg.clone()));
        pg.listen_kills(Arc::downgrade(&store.kill_wake)).await?;
        Ok(store)
    }

    /// Opens the store `database` names.
    pub async fn connect(database: &Database) -> Result<Self, StoreError> {
        match database {
            Database::Sqlite(path) => Self::open(path).await,
            Database::Postgres(url) => Self::open_postgres(url).await,
        }
    }

    fn over(backend: Backend) -> Self {
        Self {
            backend,
            wake: Default::default(),
            kill_wake: Default::default(),
        }
    }

    /// Whether this store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Records a fresh challenge (and forgets expired ones).
    pub async fn add_challenge(
        &self,
        challenge: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        dispatch!(self.add_challenge(challenge, now, expires_at))
    }

    /// Whether a challenge is outstanding, unexpired, and was issued with time `issued`.
    pub async fn challenge_open(
        &self,
        challenge: &str,
        issued: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        dispatch!(self.challenge_open(challenge, issued, now))
    }

    /// Consumes a challenge: true for exactly one caller, across all processes.
    pub async fn consume_challenge(&self, challenge: &str, now: u64) -> Result<bool, StoreError> {
        dispatch!(self.consume_challenge(challenge, now))
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
        let spawn = json(spawn);
        dispatch!(self.add_lease(block, l, now, &spawn))?;
        self.wake.notify_one();
        Ok(())
    }

    /// The lease recorded under a block identifier (by any process).
    pub async fn lease(&self, block: &str) -> Result<Option<Lease>, StoreError> {
        let row: Option<LeaseRow> = dispatch!(self.lease(block))?;
        Ok(row.map(LeaseRow::into_lease))
    }

    /// Whether a lease id exists.
    pub async fn lease_exists(&self, lease_id: &str) -> Result<bool, StoreError> {
        dispatch!(self.lease_exists(lease_id))
    }

    /// Records a kill (and its registry entry) in one transaction; its sequence number.
    pub async fn kill(
        &self,
        kind: &str,
        value: &str,
        reason: &str,
        now: u64,
        entry: &Entry,
    ) -> Result<i64, StoreError> {
        let entry = json(entry);
        let id = dispatch!(self.kill(kind, value, reason, now, &entry))?;
        self.wake.notify_one();
        Ok(id)
    }

    /// Kills recorded after `after` (by any process), in order.
    pub async fn kills_since(&self, after: i64) -> Result<Vec<Kill>, StoreError> {
        let rows: Vec<(i64, String, String)> = dispatch!(self.kills_since(after))?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, value)| Kill { id, kind, value })
            .collect())
    }

    /// Returns when kills recorded by other processes may be waiting: at a notification
    /// (PostgreSQL), or after [`KILL_POLL`] at the latest.
    pub async fn kills_changed(&self) {
        let _ = tokio::time::timeout(KILL_POLL, self.kill_wake.notified()).await;
    }

    /// The chain of leases of a pseudonym, for an incident report.
    pub async fn chain_of(&self, pseudonym: &str) -> Result<Vec<ChainLink>, StoreError> {
        let rows = dispatch!(self.chain_of(pseudonym))?;
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
        dispatch!(self.escrow_of(pseudonym))
    }

    /// Up to `limit` registry entries not yet in the registry, oldest first. A row that
    /// does not parse (written before entries had their registry form) is parked with
    /// the reason, never dropped.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<(i64, Entry)>, StoreError> {
        let rows: Vec<(i64, String)> = dispatch!(self.outbox(limit))?;
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
    pub fn outbox_wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Marks an outbox row as in the registry at `index`.
    pub async fn submitted(&self, id: i64, index: u64, now: u64) -> Result<(), StoreError> {
        dispatch!(self.submitted(id, index, now))
    }

    /// Parks an outbox row the registry refused, with its reason (kept for operators).
    pub async fn refuse(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        dispatch!(self.refuse(id, reason))
    }

    /// Claims calls of `pseudonym`'s `minute` for this process (`limit` in all, `fleet`
    /// processes sharing it: [`claim_size`]), at least one while any is left. Returns the
    /// calls granted (0: the minute is spent).
    pub async fn rate_claim(
        &self,
        pseudonym: &str,
        minute: u64,
        limit: u64,
        fleet: u64,
    ) -> Result<u64, StoreError> {
        dispatch!(self.rate_claim(pseudonym, minute, limit, fleet))
    }

    /// Says this process (`instance`) is counting, and forgets old claims: the number
    /// of processes that said so within [`RATE_LIVE_SECS`] (this one included).
    pub async fn rate_heartbeat(&self, instance: &str, now: u64) -> Result<u64, StoreError> {
        dispatch!(self.rate_heartbeat(instance, now))
    }
}

/// What a process claims: an eighth of its share of the limit, `ceil(limit / 8N)`, or
/// what is left if that is less. Small claims keep a process with a stale view of the
/// fleet (a new member not counted yet) from taking the others' calls, and bound what
/// claims left unused at a minute's end can withhold to about an eighth of the limit.
pub(crate) fn claim_size(limit: u64, claimed: u64, fleet: u64) -> u64 {
    let left = limit.saturating_sub(claimed);
    left.min(limit.div_ceil(8 * fleet.max(1)))
}

/// A process that has not reported for this long no longer counts as one of the fleet.
pub const RATE_LIVE_SECS: u64 = 3;

/// An entry's JSON for the outbox (entries serialise infallibly: plain strings and
/// numbers).
fn json(e: &Entry) -> String {
    serde_json::to_string(e).unwrap_or_default()
}

/// A lease's columns, as both backends read them.
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

impl LeaseRow {
    fn into_lease(self) -> Lease {
        let r = self;
        Lease {
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
        }
    }
}

/// A lease's rights as stored (JSON).
fn rights_json(l: &Lease) -> String {
    serde_json::to_string(&l.rights).unwrap_or_default()
}

/// One link of a chain as read: lease, parent, agent, manifest, depth, system, at.
type ChainRow = (
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    i64,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_log_line() {
        let r = redact("postgres://alc:s3cret@db.example:5432/gw?sslmode=require");
        assert_eq!(r, "postgres://alc:***@db.example:5432/gw?sslmode=require");
        assert!(
            !format!("{:?}", Database::Postgres("postgres://a:s3cret@h/d".into()))
                .contains("s3cret")
        );
        let q = redact("postgresql://h/d?user=a&password=s3cret");
        assert!(!q.contains("s3cret"), "{q}");
        // The twin: a URL without a password is left as it is.
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
    }

    #[test]
    fn settings_name_their_backend() {
        let data = Path::new("/data");
        assert_eq!(
            Database::from_setting("", data).unwrap(),
            Database::Sqlite(data.join("gateway.db"))
        );
        assert!(matches!(
            Database::from_setting("postgres://h/d", data).unwrap(),
            Database::Postgres(_)
        ));
        // The twin: anything else is refused, without the password in the message.
        let e = Database::from_setting("mysql://u:s3cret@h/d", data).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}
