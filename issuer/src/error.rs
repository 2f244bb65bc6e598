//! The failure no caller can fix: the database, a stored value that does not parse, a
//! key that cannot be read. [`Internal`] carries its detail to the log (the HTTP edge
//! answers a generic `500`); every module's error has an `Internal` variant beside the
//! refusals of its own domain, and `crate::api` maps them all to HTTP, once.

/// A failure inside the authority.
#[derive(Debug, thiserror::Error)]
#[error("internal error: {0}")]
pub struct Internal(String);

impl Internal {
    /// A failure described by `detail` (logged, never answered).
    pub fn new(detail: impl std::fmt::Display) -> Self {
        Self(detail.to_string())
    }

    /// What to log.
    pub fn detail(&self) -> &str {
        &self.0
    }
}

impl From<sqlx::Error> for Internal {
    fn from(e: sqlx::Error) -> Self {
        Self::new(format!("database: {e}"))
    }
}

/// `impl From<sqlx::Error>` for module errors with an `Internal(Internal)` variant.
macro_rules! internal_from_sqlx {
    ($($t:ty),* $(,)?) => {
        $(impl From<sqlx::Error> for $t {
            fn from(e: sqlx::Error) -> Self {
                Self::Internal(e.into())
            }
        })*
    };
}
pub(crate) use internal_from_sqlx;
