//! The database: SQLite in one file (the default) or PostgreSQL (`docs/scaling.md`), one
//! set of queries for both through sqlx's `Any` driver (placeholders `$1`, `$2`, ...,
//! which SQLite reads as numbered parameters), one schema per backend with its own
//! migrations (`issuer/migrations/` and `issuer/migrations-postgres/`).
//!
//! SQLite: WAL with `synchronous = FULL`, so a committed transaction survives a crash (a
//! revocation that returned 200 is durable), foreign keys on. PostgreSQL: a commit is
//! flushed to the primary's WAL before it returns (`synchronous_commit` is kept on: a
//! server or URL that turns it off is overridden for the authority's sessions).
//!
//! Writers are serialised. In one process the authority holds a mutex around every
//! write transaction; across processes SQLite's `BEGIN IMMEDIATE` takes the database's
//! write lock and PostgreSQL's transaction takes one advisory lock
//! ([`WRITER_LOCK`], released by the commit or the rollback). So the rules that read
//! then write (attempt limits, serial allocation, the registry's next index, the next
//! status epoch) cannot race, whichever process of a fleet runs them.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The engine behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// One SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Where the authority's records live: the `database` setting of `authority.toml`,
/// `ALC_AUTHORITY_DATABASE`, or `--database`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (the default: `authority.db` in the data folder).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// A `database` setting that names no database ALC can use.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0}: expected postgres://..., sqlite://PATH, or nothing (authority.db in the data folder)"
)]
pub struct LocationError(String);

impl Location {
    /// The database a setting names, `data` the data folder: empty is `authority.db`
    /// there, `sqlite://PATH` a file (relative to the data folder), `postgres://` or
    /// `postgresql://` a server.
    pub fn from_setting(setting: &str, data: &Path) -> Result<Self, LocationError> {
        let s = setting.trim();
        if s.is_empty() {
            return Ok(Self::Sqlite(data.join("authority.db")));
        }
        if let Some(path) = s.strip_prefix("sqlite://") {
            if !path.is_empty() {
                return Ok(Self::Sqlite(data.join(path)));
            }
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        Err(LocationError(alc_service::redact_url(s)))
    }

    /// The database for a log line: a PostgreSQL URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => p.display().to_string(),
            Self::Postgres(url) => alc_service::redact_url(url),
        }
    }
}

/// The advisory lock every PostgreSQL write transaction takes (a constant of ALC's own:
/// `'alc-auth'` as a big-endian integer).
pub const WRITER_LOCK: i64 = 0x616c_632d_6175_7468;

/// The pool and its engine.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connections.
    pub pool: AnyPool,
    /// Which engine they reach.
    pub backend: Backend,
    /// Where (PostgreSQL's listener connects there too).
    pub location: Location,
}

/// Opens (creating a SQLite file if needed) and migrates the database.
pub async fn open(location: &Location) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    match location {
        Location::Sqlite(path) => {
            let url = format!("sqlite://{}?mode=rwc", encode_path(path));
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(
                            &mut *conn,
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(AnyConnectOptions::from_str(&url)?)
                .await?;
            sqlx::migrate!("./migrations").run(&pool).await?;
            Ok(Db {
                pool,
                backend: Backend::Sqlite,
                location: location.clone(),
            })
        }
        Location::Postgres(url) => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // Durable before acknowledged: a server or URL that turns
                        // synchronous_commit off is overridden for these sessions.
                        let sync: String =
                            sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
                                .fetch_one(&mut *conn)
                                .await?;
                        if sync == "off" {
                            sqlx::Executor::execute(&mut *conn, "SET synchronous_commit = on")
                                .await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(AnyConnectOptions::from_str(url)?)
                .await?;
            sqlx::migrate!("./migrations-postgres").run(&pool).await?;
            Ok(Db {
                pool,
                backend: Backend::Postgres,
                location: location.clone(),
            })
        }
    }
}

/// A file path as the path of a `sqlite://` URL (`%`, `?` and `#` escaped).
fn encode_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Begins a write transaction holding the database's writer lock (see the module docs):
/// the caller serialises the writers of its own process.
pub async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(WRITER_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// The rows of a JSON array of integers bound at parameter `$n`, for `IN (...)`.
pub fn json_integers(backend: Backend, n: u8) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT value FROM json_each(${n})"),
        Backend::Postgres => format!("SELECT jsonb_array_elements_text(${n}::jsonb)::bigint"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_their_backend() {
        let data = Path::new("/data");
        assert_eq!(
            Location::from_setting("", data).ok(),
            Some(Location::Sqlite(data.join("authority.db")))
        );
        assert_eq!(
            Location::from_setting("sqlite://other.db", data).ok(),
            Some(Location::Sqlite(data.join("other.db")))
        );
        let pg = Location::from_setting("postgres://alc:s3cret@db.example/alc", data).unwrap();
        assert_eq!(
            pg,
            Location::Postgres("postgres://alc:s3cret@db.example/alc".into())
        );
        // Never the password in a log line.
        assert!(!format!("{pg:?} {}", pg.display()).contains("s3cret"));
        // The twins: another engine, or a file without a name, is refused, and the
        // refusal does not echo the password.
        let refused = Location::from_setting("mysql://u:s3cret@h/db", data).unwrap_err();
        assert!(!refused.to_string().contains("s3cret"), "{refused}");
        assert!(Location::from_setting("sqlite://", data).is_err());
    }

    /// The SQLite file is opened durable: WAL, `synchronous = FULL`, foreign keys on.
    #[tokio::test]
    async fn sqlite_is_opened_durable() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("odd?name#.db");
        let db = open(&Location::Sqlite(path.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(path.exists(), "the file is where the setting says");
        let mut conn = db.pool.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        let pragma = |name: &'static str| format!("PRAGMA {name}");
        let journal: String = sqlx::query_scalar(&pragma("journal_mode"))
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let sync: i64 = sqlx::query_scalar(&pragma("synchronous"))
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let fk: i64 = sqlx::query_scalar(&pragma("foreign_keys"))
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((journal.as_str(), sync, fk), ("wal", 2, 1));
        // The twin: a write breaking a foreign key is refused.
        let orphan =
            sqlx::query("INSERT INTO sessions (token_hash, id_key, expires_at) VALUES ($1, $2, 0)")
                .bind(vec![1u8])
                .bind(vec![2u8])
                .execute(&mut *conn)
                .await;
        assert!(orphan.is_err());
    }
}
