//! Identity (KYC): a nonce, an OpenID Connect ID token from a configured provider, and a
//! session for the assessment and issuance that follow.
//!
//! The identity key is `HMAC(authority secret, issuer, subject)`; the subject itself is
//! never stored. Attempts, passes and licences hang off the key of the identity's
//! *person* ([`crate::people`]: identities linked across providers are one person), so a
//! new session, a new account at the authority or an account at another linked provider
//! cannot reset them. A session holds the person's key.

use crate::authority::{new_token, token_hash, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::{IdentityStatus, Nonce, Session};

/// Why a sign-in or a session is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// No identity provider is configured.
    #[error("this authority has no identity provider configured (authority.toml)")]
    NoProvider,
    /// The ID token fails a check (`crate::oidc`).
    #[error("ID token refused: {0}")]
    TokenRefused(String),
    /// A provider's keys cannot be had now.
    #[error("cannot check ID tokens now: {0}")]
    ProviderUnavailable(String),
    /// The token carries no nonce.
    #[error("ID token has no nonce")]
    NoNonce,
    /// The nonce is not one the authority gave out, or was used, or has expired.
    #[error("ID token nonce is unknown, expired or already used")]
    NonceSpent,
    /// No live session has this token.
    #[error("unknown or expired session")]
    UnknownSession,
    /// No identity has this key (it never signed in).
    #[error("unknown identity")]
    UnknownIdentity,
    /// The token's linking claim names a person this identity cannot be linked to.
    #[error("this identity cannot be linked to the person its provider's claim names: {0}")]
    LinkRefused(String),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(IdentityError);

/// Lifetime of a login nonce, seconds.
pub const NONCE_TTL: u64 = 600;

/// An identity key (32 bytes).
pub type IdKey = Vec<u8>;

impl Authority {
    /// Issues a login nonce.
    pub async fn nonce(&self) -> Result<Nonce, IdentityError> {
        let now = self.now();
        let (nonce, _) = new_token();
        sqlx::query("DELETE FROM nonces WHERE expires_at <= $1")
            .bind(now as i64)
            .execute(&self.db)
            .await?;
        sqlx::query("INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2)")
            .bind(&nonce)
            .bind((now + NONCE_TTL) as i64)
            .execute(&self.db)
            .await?;
        Ok(Nonce {
            nonce,
            expires_at: now + NONCE_TTL,
        })
    }

    /// Verifies an ID token, consumes its nonce and opens a session.
    pub async fn login(&self, id_token: &str) -> Result<Session, IdentityError> {
        let now = self.now();
        let verifier = self.verifier.as_ref().ok_or(IdentityError::NoProvider)?;
        let verified = verifier.verify(id_token, now).await.map_err(|e| {
            if e.is_token_error() {
                IdentityError::TokenRefused(e.to_string())
            } else {
                IdentityError::ProviderUnavailable(e.to_string())
            }
        })?;
        let nonce = verified.nonce.ok_or(IdentityError::NoNonce)?;
        let id_key = self
            .keys
            .identity
            .identity_key(&verified.issuer, &verified.subject)
            .to_vec();
        let (session, hash) = new_token();
        let expires_at = now + self.cfg.assessment.session_ttl_secs;
        let mut w = self.write().await?;
        let used = sqlx::query("DELETE FROM nonces WHERE nonce = $1 AND expires_at > $2")
            .bind(&nonce)
            .bind(now as i64)
            .execute(&mut *w.tx)
            .await?;
        if used.rows_affected() != 1 {
            return Err(IdentityError::NonceSpent);
        }
        sqlx::query(
            "INSERT INTO identities (id_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&id_key)
        .bind(now as i64)
        .execute(&mut *w.tx)
        .await?;
        let person = self
            .person_at_login(&mut w.tx, &id_key, verified.link.as_ref(), now)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, id_key, expires_at) VALUES ($1, $2, $3)")
            .bind(&hash)
            .bind(&person)
            .bind(expires_at as i64)
            .execute(&mut *w.tx)
            .await?;
        let identity = identity_status(&mut w.tx, &person).await?;
        w.commit().await?;
        Ok(Session {
            session,
            expires_at,
            identity,
        })
    }

    /// The identity behind a session token.
    pub async fn session_identity(&self, bearer: &str) -> Result<IdKey, IdentityError> {
        sqlx::query_scalar("SELECT id_key FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash(bearer))
            .bind(self.now() as i64)
            .fetch_optional(&self.db)
            .await?
            .ok_or(IdentityError::UnknownSession)
    }
}

/// Reads an identity's standing.
pub async fn identity_status(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id_key: &[u8],
) -> Result<IdentityStatus, IdentityError> {
    let row: Option<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT failures, cooling_until, locked, passed_at FROM identities WHERE id_key = $1",
    )
    .bind(id_key)
    .fetch_optional(&mut **tx)
    .await?;
    let (failures, cooling_until, locked, passed_at) = row.ok_or(IdentityError::UnknownIdentity)?;
    Ok(IdentityStatus {
        passed: passed_at.is_some(),
        failures: failures as u32,
        cooling_until: cooling_until as u64,
        locked: locked != 0,
    })
}
