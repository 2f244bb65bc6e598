//! The status list and its signed responses (`docs/architecture.md`, "Revocation and status").
//!
//! The bitstring lives in memory and is rebuilt at start from the revoked credentials in
//! the database, whose latest epoch's root it must reproduce (the authority refuses to
//! start otherwise). A revocation sets bits on a copy, records the new epoch and root in
//! the same transaction as the credentials, commits, then installs the copy: what the
//! service publishes is never ahead of what is durable.
//!
//! Responses are re-signed with a fresh `produced_at` when `next_update` passes, and every
//! new response goes to the push stream (server-sent events).

use crate::config::Config;
use crate::error::Internal;
use crate::keys::Keys;
use alc_circuits::field;
use alc_circuits::status::StatusList;
use alc_protocol::status::{SignedStatus, StatusResponse};
use sqlx::SqlitePool;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::broadcast;

/// The published state of the list.
pub struct StatusState {
    inner: RwLock<Inner>,
    encoded: Mutex<Option<(u64, Arc<String>)>>,
    stream: broadcast::Sender<SignedStatus>,
    key: ed25519_dalek::SigningKey,
    issuer: String,
    interval: u64,
}

struct Inner {
    list: StatusList,
    response: StatusResponse,
    signed: SignedStatus,
}

/// The identifier of the authority's (single) status list.
pub const LIST_ID: &str = "default";

impl StatusState {
    /// Rebuilds the list from the database and checks it against the latest epoch.
    pub async fn restore(
        db: &SqlitePool,
        cfg: &Config,
        keys: &Keys,
        now: u64,
    ) -> Result<Self, Internal> {
        let revoked: Vec<i64> =
            sqlx::query_scalar("SELECT serial FROM credentials WHERE revoked_at IS NOT NULL")
                .fetch_all(db)
                .await?;
        let list =
            StatusList::from_revoked(revoked.iter().map(|s| *s as u32)).map_err(Internal::new)?;
        let latest: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT epoch, root, emergency FROM epochs ORDER BY epoch DESC LIMIT 1")
                .fetch_optional(db)
                .await?;
        let (epoch, emergency) = match latest {
            Some((epoch, root, emergency)) => {
                if root != field::to_decimal(&list.root()) {
                    return Err(Internal::new(format!(
                        "status list integrity: the revoked credentials give root {} but epoch {epoch} recorded {root}",
                        field::to_decimal(&list.root())
                    )));
                }
                (epoch as u64, emergency != 0)
            }
            None => {
                let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("INSERT INTO epochs (epoch, root, produced_at, emergency, reason) VALUES (0, ?, ?, 0, 'initial')")
                    .bind(field::to_decimal(&list.root()))
                    .bind(now as i64)
                    .execute(&mut *tx)
                    .await?;
                let entry = crate::revocation::epoch_entry(0, &list, false, now);
                crate::registry::append_in(&mut tx, &entry)
                    .await
                    .map_err(Internal::new)?;
                tx.commit().await?;
                (0, false)
            }
        };
        let (stream, _) = broadcast::channel(64);
        let key = keys.status.clone();
        let response = StatusResponse {
            issuer: cfg.name.clone(),
            list: LIST_ID.into(),
            epoch,
            root: field::to_decimal(&list.root()),
            produced_at: now,
            next_update: now + cfg.status_interval_secs,
            emergency,
        };
        let signed = SignedStatus::sign(&response, &key);
        Ok(Self {
            inner: RwLock::new(Inner {
                list,
                response,
                signed,
            }),
            encoded: Mutex::new(None),
            stream,
            key,
            issuer: cfg.name.clone(),
            interval: cfg.status_interval_secs,
        })
    }

    /// A copy of the list (for a revocation to work on).
    pub fn snapshot(&self) -> (StatusList, u64) {
        let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (g.list.clone(), g.response.epoch)
    }

    /// Installs a committed epoch and publishes its signed response.
    pub fn install(&self, list: StatusList, epoch: u64, emergency: bool, now: u64) -> SignedStatus {
        let response = StatusResponse {
            issuer: self.issuer.clone(),
            list: LIST_ID.into(),
            epoch,
            root: field::to_decimal(&list.root()),
            produced_at: now,
            next_update: now + self.interval,
            emergency,
        };
        let signed = SignedStatus::sign(&response, &self.key);
        {
            let mut g = self.inner.write().unwrap_or_else(|p| p.into_inner());
            *g = Inner {
                list,
                response,
                signed: signed.clone(),
            };
        }
        let _ = self.stream.send(signed.clone());
        signed
    }

    /// The current signed response, re-signed first if its `next_update` has passed.
    pub fn current(&self, now: u64) -> (StatusResponse, SignedStatus) {
        {
            let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
            if now < g.response.next_update {
                return (g.response.clone(), g.signed.clone());
            }
        }
        let mut g = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if now >= g.response.next_update {
            g.response.produced_at = now;
            g.response.next_update = now + self.interval;
            g.signed = SignedStatus::sign(&g.response, &self.key);
            let _ = self.stream.send(g.signed.clone());
        }
        (g.response.clone(), g.signed.clone())
    }

    /// The published list of the current epoch (encoded once per epoch).
    pub fn encoded(&self) -> (u64, Arc<String>) {
        let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let mut cache = self.encoded.lock().unwrap_or_else(|p| p.into_inner());
        match cache.as_ref() {
            Some((epoch, s)) if *epoch == g.response.epoch => (*epoch, s.clone()),
            _ => {
                let s = Arc::new(g.list.encode());
                *cache = Some((g.response.epoch, s.clone()));
                (g.response.epoch, s)
            }
        }
    }

    /// Subscribes to new signed responses.
    pub fn subscribe(&self) -> broadcast::Receiver<SignedStatus> {
        self.stream.subscribe()
    }
}
