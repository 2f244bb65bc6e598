//! The authority: its state, and the pieces every operation shares (the clock, the
//! single writer, random tokens, the audit log).

use crate::config::Config;
use crate::db::{Backend, Db};
use crate::error::Internal;
use crate::keys::Keys;
use crate::oidc::Verifier;
use crate::questions::Bank;
use crate::status::StatusState;
use alc_protocol::time::Clock;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;

/// The licensing authority.
pub struct Authority {
    pub(crate) db: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) location: crate::db::Location,
    pub(crate) cfg: Config,
    pub(crate) keys: Keys,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) verifier: Option<Verifier>,
    pub(crate) bank: Bank,
    pub(crate) status: StatusState,
    /// The trustees' joint escrow key (`escrow_key` in authority.toml), if configured.
    pub(crate) escrow: Option<alc_escrow::dkg::EscrowPublic>,
    /// The digests of the key directories `GET /v1/keys` publishes.
    pub(crate) circuit_keys: Vec<alc_protocol::files::Digests>,
    /// Wakes the enforcement task ([`crate::enforcement`]).
    pub(crate) enforcement: tokio::sync::Notify,
    write: tokio::sync::Mutex<()>,
}

/// A write transaction, holding the single-writer lock until it ends.
pub struct WriteTx<'a> {
    /// The transaction (`BEGIN IMMEDIATE`).
    pub tx: Transaction<'static, Any>,
    pub(crate) guard: tokio::sync::MutexGuard<'a, ()>,
}

impl WriteTx<'_> {
    /// Commits (durably: `crate::db`).
    pub async fn commit(self) -> Result<(), Internal> {
        Ok(self.tx.commit().await?)
    }
}

/// What the authority publishes for others to pin besides its own keys: the trustees'
/// escrow key and the digests of the proving keys wallets use.
#[derive(Default)]
pub struct Anchors {
    /// The trustees' joint escrow key, if configured.
    pub escrow: Option<alc_escrow::dkg::EscrowPublic>,
    /// The checked digests of the configured key directories (`crate::circuit_keys`).
    pub circuit_keys: Vec<alc_protocol::files::Digests>,
}

impl Authority {
    /// Builds the authority and restores its status list from the database.
    pub async fn new(
        db: Db,
        cfg: Config,
        keys: Keys,
        clock: Arc<dyn Clock>,
        verifier: Option<Verifier>,
        bank: Bank,
        anchors: Anchors,
    ) -> Result<Arc<Self>, Internal> {
        let status = StatusState::restore(&db, &cfg, &keys, clock.now()).await?;
        Ok(Arc::new(Self {
            db: db.pool,
            backend: db.backend,
            location: db.location,
            cfg,
            keys,
            clock,
            verifier,
            bank,
            status,
            escrow: anchors.escrow,
            circuit_keys: anchors.circuit_keys,
            enforcement: tokio::sync::Notify::new(),
            write: tokio::sync::Mutex::new(()),
        }))
    }

    /// Now, by the authority's clock.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The keys' public halves are published; this gives access for the service.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The key descriptor (`GET /v1/keys`): the configured key directories' digests,
    /// signed with the status key.
    pub fn key_descriptor(&self) -> alc_protocol::keys::SignedKeyDescriptor {
        alc_protocol::keys::SignedKeyDescriptor::sign(
            &alc_protocol::keys::KeyDescriptor {
                issuer: self.cfg.name.clone(),
                produced_at: self.now(),
                keys: self.circuit_keys.clone(),
            },
            &self.keys.status,
        )
    }

    /// The database (for tools and tests that read it directly).
    pub fn db_pool(&self) -> AnyPool {
        self.db.clone()
    }

    /// The engine the database runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The published status list.
    pub fn status(&self) -> &StatusState {
        &self.status
    }

    /// Catches the status list up with the epochs other processes on the database have
    /// recorded, publishing each ([`StatusState::catch_up`]): whether it moved.
    pub async fn catch_up_status(&self) -> Result<bool, Internal> {
        let mut conn = self.db.acquire().await?;
        self.status.catch_up(&mut conn, self.now()).await
    }

    /// The database: its pool, engine and location (for tools and tests).
    pub fn database(&self) -> Db {
        Db {
            pool: self.db.clone(),
            backend: self.backend,
            location: self.location.clone(),
        }
    }

    /// Its name and public keys, as `/v1/authority` publishes them and gateways and
    /// wallets pin them (`AuthorityKeys::digest` is what they compare out of band).
    pub fn public_keys(&self) -> alc_protocol::authority::AuthorityKeys {
        let pk = self.keys.issuer_public();
        let p = pk.point();
        alc_protocol::authority::AuthorityKeys {
            name: self.cfg.name.clone(),
            issuer_key: [
                alc_circuits::field::to_decimal(&p.x),
                alc_circuits::field::to_decimal(&p.y),
            ],
            status_key: alc_protocol::encoding::base64url(
                self.keys.status.verifying_key().as_bytes(),
            ),
        }
    }

    /// Starts a write transaction (one writer at a time).
    pub async fn write(&self) -> Result<WriteTx<'_>, Internal> {
        let guard = self.write.lock().await;
        let tx = crate::db::begin_write(&self.db, self.backend).await?;
        Ok(WriteTx { tx, guard })
    }
}

impl Authority {
    /// Writes a refused request to the audit log (`crate::api`'s `audit_refusals`).
    pub(crate) async fn audit_refusal(
        &self,
        actor: &str,
        details: serde_json::Value,
    ) -> Result<(), Internal> {
        let mut w = self.write().await?;
        let now = self.now();
        audit(&mut w.tx, actor, now, "refused", "request refused", details).await?;
        w.commit().await
    }
}

/// A fresh random token (32 bytes, base64url) and its SHA-256, which is what is stored.
pub fn new_token() -> (String, Vec<u8>) {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    let token = alc_protocol::encoding::base64url(&b);
    let hash = token_hash(&token);
    (token, hash)
}

/// SHA-256 of a bearer token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Appends to the audit log inside the caller's transaction.
pub async fn audit(
    tx: &mut Transaction<'static, Any>,
    actor: &str,
    at: u64,
    action: &str,
    reason: &str,
    details: serde_json::Value,
) -> Result<(), Internal> {
    sqlx::query(
        "INSERT INTO audit (actor, at, action, reason, details) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor)
    .bind(at as i64)
    .bind(action)
    .bind(reason)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
