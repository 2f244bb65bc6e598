//! Throwaway PostgreSQL databases for tests. `ALC_TEST_POSTGRES` names a server (a URL
//! whose role may create databases: the test command starts one on loopback); each
//! caller gets a database of its own there. With `ALC_REQUIRE_POSTGRES=1` and no server
//! named, asking for one fails the test rather than skipping it.
//!
//! `ALC_TEST_AUTHORITY_ON_POSTGRES=1` puts every [`crate::authority::TestAuthority`] on
//! a fresh database of that server: the test command runs the authority's suite once on
//! SQLite and once so.

/// The variable naming the test server.
pub const SERVER: &str = "ALC_TEST_POSTGRES";

/// The test server's URL, or none (the caller skips) when none is named and none is
/// required.
///
/// # Panics
///
/// With `ALC_REQUIRE_POSTGRES=1` and no server named.
pub fn server() -> Option<String> {
    match std::env::var(SERVER) {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("ALC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "ALC_REQUIRE_POSTGRES=1 but {SERVER} names no server"
            );
            None
        }
    }
}

/// Whether test authorities run on PostgreSQL (`ALC_TEST_AUTHORITY_ON_POSTGRES=1`).
pub fn authority_on_postgres() -> bool {
    std::env::var("ALC_TEST_AUTHORITY_ON_POSTGRES").as_deref() == Ok("1")
}

/// A fresh database named `{prefix}_{random}` on the server `base` names: its URL.
///
/// # Panics
///
/// If the server refuses the connection or the database.
pub async fn fresh_database(base: &str, prefix: &str) -> String {
    create_database(base, prefix)
        .await
        .expect("the test server lets the test create a database")
}

/// [`fresh_database`], its failure returned (`prefix`: ASCII letters, digits, `_`).
pub async fn create_database(base: &str, prefix: &str) -> Result<String, sqlx::Error> {
    let name = format!("{prefix}_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base).await?;
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await?;
    Ok(with_database(base, &name))
}

/// Drops the database of `url` (made by [`fresh_database`] on the server `base`), even
/// with connections still open to it: best effort, for cleaning up.
pub async fn drop_database(base: &str, url: &str) -> Result<(), sqlx::Error> {
    let name = url
        .rsplit_once('/')
        .map_or(url, |(_, n)| n)
        .split('?')
        .next()
        .unwrap_or_default();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(sqlx::Error::Configuration(
            format!("not a test database: {name:?}").into(),
        ));
    }
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base).await?;
    sqlx::Executor::execute(
        &mut conn,
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
    )
    .await?;
    Ok(())
}

/// `base` with its database replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (rest, String::new()),
    };
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    format!("{scheme}://{host}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5433/postgres?sslmode=disable", "t1"),
            "postgres://u@127.0.0.1:5433/t1?sslmode=disable"
        );
        // The twin: a URL without a database gains one.
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5433", "t1"),
            "postgres://u@127.0.0.1:5433/t1"
        );
    }
}
