//! Administrators' bearer tokens (stored hashed, with scopes) and their authentication.
//!
//! Scopes: `revoke`, `gateways` (registering gateways' registry keys), `permits`,
//! `insurers` (registering insurers' keys), `training`, `incidents` (administration), `report`
//! (gateways filing incidents) and `tokens` (creating tokens). On first start the
//! authority creates the token `initial` with every scope and writes it to
//! `DATA/admin-token` (mode 0600); it is never logged.

use crate::authority::{audit, new_token, token_hash, Authority};
use crate::error::ApiError;
use alc_protocol::authority::{CreatedToken, NewToken};
use std::path::Path;

/// Every scope.
pub const SCOPES: [&str; 8] = [
    "revoke",
    "gateways",
    "permits",
    "insurers",
    "training",
    "incidents",
    "report",
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
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "token {:?} lacks the {scope:?} scope",
                self.id
            )))
        }
    }
}

impl Authority {
    /// The token behind a bearer value.
    pub async fn actor(&self, bearer: &str) -> Result<Actor, ApiError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT id, scopes FROM admin_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash(bearer))
        .fetch_optional(&self.db)
        .await?;
        let (id, scopes) = row.ok_or(ApiError::Unauthorized("unknown or revoked token"))?;
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
    ) -> Result<CreatedToken, ApiError> {
        if req.id.is_empty()
            || req.id.len() > 64
            || !req
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::BadRequest(
                "token id: 1 to 64 letters, digits, - or _".into(),
            ));
        }
        if req.scopes.is_empty() || req.scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
            return Err(ApiError::BadRequest(format!(
                "scopes must be some of {}",
                SCOPES.join(", ")
            )));
        }
        let now = self.now();
        let (token, hash) = new_token();
        let mut w = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO admin_tokens (id, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&req.id)
        .bind(&hash)
        .bind(req.scopes.join(","))
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await;
        match done {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(ApiError::Conflict(format!(
                    "a token named {:?} exists",
                    req.id
                )))
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
    pub async fn ensure_initial_token(&self, path: &Path) -> Result<bool, ApiError> {
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
            .map_err(ApiError::internal)?;
        Ok(true)
    }
}
