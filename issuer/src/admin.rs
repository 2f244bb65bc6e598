//! Administrators' bearer tokens (stored hashed, with scopes) and their authentication.
//!
//! Scopes: `revoke`, `gateways` (registering gateways' registry keys), `permits`,
//! `insurers` (registering insurers' keys), `training`, `questions` (the bank's figures and
//! retiring questions), `identities` (linking identities as one person), `incidents`
//! (administration), `report`
//! (gateways filing incidents), `open` (escrow trustees releasing their shares for an
//! incident) and `tokens` (creating tokens). On first start the
//! authority creates the token `initial` with every scope and writes it to
//! `DATA/admin-token` (mode 0600); it is never logged.

use crate::authority::{audit, new_token, token_hash, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::{CreatedToken, NewToken};
use std::path::Path;

/// Why an administrator's token is refused, or a new one cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No live token has this value.
    #[error("unknown or revoked token")]
    UnknownToken,
    /// The token lacks the scope the operation needs.
    #[error("token {token:?} lacks the {scope:?} scope")]
    MissingScope {
        /// The token's name.
        token: String,
        /// The scope needed.
        scope: String,
    },
    /// A token name that is not 1 to 64 letters, digits, `-` or `_`.
    #[error("token id: 1 to 64 letters, digits, - or _")]
    BadName,
    /// Scopes outside [`SCOPES`] (or none).
    #[error("scopes must be some of {}", SCOPES.join(", "))]
    BadScopes,
    /// A token of this name exists.
    #[error("a token named {0:?} exists")]
    Exists(String),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(AdminError);

/// Every scope.
pub const SCOPES: [&str; 11] = [
    "revoke",
    "gateways",
    "permits",
    "insurers",
    "training",
    "questions",
    "identities",
    "incidents",
    "report",
    "open",
    "tokens",
];

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The token's public name.
    pub id: String,
    scopes: Vec<String>,
}

impl Actor {
    /// Refuses unless the token has `scope`.
    pub fn require(&self, scope: &str) -> Result<(), AdminError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(AdminError::MissingScope {
                token: self.id.clone(),
                scope: scope.to_owned(),
            })
        }
    }
}

impl Authority {
    /// The token behind a bearer value.
    pub async fn actor(&self, bearer: &str) -> Result<Actor, AdminError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT id, scopes FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(bearer))
        .fetch_optional(&self.db)
        .await?;
        let (id, scopes) = row.ok_or(AdminError::UnknownToken)?;
        Ok(Actor {
            id,
            scopes: scopes.split(',').map(str::to_owned).collect(),
        })
    }

    /// Creates a token.
    pub async fn create_token(
        &self,
        req: &NewToken,
        actor: &str,
    ) -> Result<CreatedToken, AdminError> {
        if req.id.is_empty()
            || req.id.len() > 64
            || !req
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AdminError::BadName);
        }
        if req.scopes.is_empty() || req.scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
            return Err(AdminError::BadScopes);
        }
        let now = self.now();
        let (token, hash) = new_token();
        let mut w = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO admin_tokens (id, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&req.id)
        .bind(&hash)
        .bind(req.scopes.join(","))
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await;
        match done {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AdminError::Exists(req.id.clone()))
            }
            other => {
                other?;
            }
        }
        audit(
            &mut w.tx,
            actor,
            now,
            "token-create",
            &req.reason,
            serde_json::json!({ "id": req.id, "scopes": req.scopes }),
        )
        .await?;
        w.commit().await?;
        Ok(CreatedToken {
            id: req.id.clone(),
            token,
        })
    }

    /// On first start: the `initial` token with every scope, written to `path` (0600).
    pub async fn ensure_initial_token(&self, path: &Path) -> Result<bool, AdminError> {
        let any: i64 = sqlx::query_scalar("SELECT count(*) FROM admin_tokens")
            .fetch_one(&self.db)
            .await?;
        if any > 0 {
            return Ok(false);
        }
        let req = NewToken {
            id: "initial".into(),
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            reason: "first start".into(),
        };
        let created = self.create_token(&req, "authority").await?;
        crate::keys::write_secret(path, format!("{}\n", created.token).as_bytes())
            .map_err(Internal::new)?;
        Ok(true)
    }
}
