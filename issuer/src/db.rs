//! The database: one SQLite file in WAL mode with `synchronous = FULL`, so a committed
//! transaction survives a crash (a revocation that returned 200 is durable), foreign
//! keys on, and the migrations in `issuer/migrations/` applied at start.
//!
//! Writes go through one writer at a time (the authority holds a mutex around every
//! write transaction, which it opens with `BEGIN IMMEDIATE`), so rules that read then
//! write (attempt limits, serial allocation) cannot race.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// Opens (creating if needed) and migrates the database.
pub async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}
