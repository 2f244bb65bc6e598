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
use crate::db::Db;
use crate::error::Internal;
use crate::keys::Keys;
use alc_circuits::field;
use alc_circuits::status::StatusList;
use alc_protocol::status::{SignedStatus, StatusResponse};
use sqlx::AnyConnection;
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
    /// Rebuilds the list from the database and checks it against the latest epoch (the
    /// first start records epoch 0, under the writer lock so that two processes starting
    /// together record it once).
    pub async fn restore(db: &Db, cfg: &Config, keys: &Keys, now: u64) -> Result<Self, Internal> {
        let mut tx = crate::db::begin_write(&db.pool, db.backend).await?;
        let revoked: Vec<i64> =
            sqlx::query_scalar("SELECT serial FROM credentials WHERE revoked_at IS NOT NULL")
                .fetch_all(&mut *tx)
                .await?;
        let list =
            StatusList::from_revoked(revoked.iter().map(|s| *s as u32)).map_err(Internal::new)?;
        let (epoch, emergency) = match latest(&mut tx).await? {
            Some((epoch, root, emergency)) => {
                check_root(&list, epoch, &root)?;
                (epoch, emergency)
            }
            None => {
                sqlx::query("INSERT INTO epochs (epoch, root, produced_at, emergency, reason) VALUES (0, $1, $2, 0, 'initial')")
                    .bind(field::to_decimal(&list.root()))
                    .bind(now as i64)
                    .execute(&mut *tx)
                    .await?;
                let entry = crate::revocation::epoch_entry(0, &list, false, now);
                crate::registry::append_in(&mut tx, &entry)
                    .await
                    .map_err(Internal::new)?;
                (0, false)
            }
        };
        tx.commit().await?;
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

    /// Brings the list up to the database's latest epoch, which another process sharing
    /// the database may have recorded (`docs/scaling.md`): each missed epoch in turn,
    /// its credentials applied and its root checked against the recorded one, is
    /// installed and published, so subscribers see every epoch, an emergency among them
    /// included. Returns whether the list moved.
    pub async fn catch_up(&self, conn: &mut AnyConnection, now: u64) -> Result<bool, Internal> {
        let (mut list, mine) = self.snapshot();
        let missed: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT epoch, root, emergency FROM epochs WHERE epoch > $1 ORDER BY epoch",
        )
        .bind(mine as i64)
        .fetch_all(&mut *conn)
        .await?;
        if missed.is_empty() {
            return Ok(false);
        }
        let revoked: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT serial, revoked_epoch FROM credentials WHERE revoked_epoch > $1",
        )
        .bind(mine as i64)
        .fetch_all(&mut *conn)
        .await?;
        let mut moved = false;
        for (epoch, root, emergency) in missed {
            for (serial, _) in revoked.iter().filter(|(_, e)| *e == epoch) {
                list.revoke(*serial as u32).map_err(Internal::new)?;
            }
            check_root(&list, epoch as u64, &root)?;
            // Another task may have installed it (or a later one) meanwhile.
            moved |= self.install_newer(list.clone(), epoch as u64, emergency != 0, now);
        }
        Ok(moved)
    }

    /// A copy of the list (for a revocation to work on).
    pub fn snapshot(&self) -> (StatusList, u64) {
        let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (g.list.clone(), g.response.epoch)
    }

    /// Installs a committed epoch and publishes its signed response.
    pub fn install(&self, list: StatusList, epoch: u64, emergency: bool, now: u64) -> SignedStatus {
        let inner = self.sign(list, epoch, emergency, now);
        let signed = inner.signed.clone();
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = inner;
        let _ = self.stream.send(signed.clone());
        signed
    }

    /// Installs a committed epoch unless this one or a later one already is.
    fn install_newer(&self, list: StatusList, epoch: u64, emergency: bool, now: u64) -> bool {
        let inner = self.sign(list, epoch, emergency, now);
        let signed = inner.signed.clone();
        {
            let mut g = self.inner.write().unwrap_or_else(|p| p.into_inner());
            if g.response.epoch >= epoch {
                return false;
            }
            *g = inner;
        }
        let _ = self.stream.send(signed);
        true
    }

    fn sign(&self, list: StatusList, epoch: u64, emergency: bool, now: u64) -> Inner {
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
        Inner {
            list,
            response,
            signed,
        }
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

    /// The epoch installed.
    pub fn epoch(&self) -> u64 {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .response
            .epoch
    }

    /// Subscribes to new signed responses.
    pub fn subscribe(&self) -> broadcast::Receiver<SignedStatus> {
        self.stream.subscribe()
    }
}

/// The latest recorded epoch: its number, root and emergency flag.
async fn latest(conn: &mut AnyConnection) -> Result<Option<(u64, String, bool)>, Internal> {
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT epoch, root, emergency FROM epochs ORDER BY epoch DESC LIMIT 1")
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(e, root, emergency)| (e as u64, root, emergency != 0)))
}

/// The list must give the root recorded for its epoch (the authority refuses to serve a
/// list that does not).
fn check_root(list: &StatusList, epoch: u64, root: &str) -> Result<(), Internal> {
    let got = field::to_decimal(&list.root());
    if got != root {
        return Err(Internal::new(format!(
            "status list integrity: the revoked credentials give root {got} but epoch {epoch} recorded {root}"
        )));
    }
    Ok(())
}

/// The PostgreSQL channel a recorded epoch is announced on (its number, on commit).
pub const CHANNEL: &str = "alc_status";

/// How long a process goes without re-reading the latest epoch when no announcement
/// came (a lost notification, a SQLite file shared on one host).
pub const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Announces epoch `epoch` inside the transaction recording it: PostgreSQL delivers the
/// notification to every listening process when, and only if, the transaction commits.
pub(crate) async fn announce(
    tx: &mut AnyConnection,
    backend: crate::db::Backend,
    epoch: u64,
) -> Result<(), Internal> {
    if backend == crate::db::Backend::Postgres {
        sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(epoch.to_string())
            .execute(tx)
            .await?;
    }
    Ok(())
}

impl crate::authority::Authority {
    /// Follows the epochs other processes on the database record, for as long as the
    /// service runs: on each announcement (PostgreSQL), and every [`FOLLOW_POLL`]
    /// regardless, the list catches up ([`StatusState::catch_up`]) and a new epoch goes
    /// to this process's push subscribers.
    pub async fn follow_status(&self) {
        let mut listener = match &self.location {
            crate::db::Location::Postgres(url) => listen(url).await,
            crate::db::Location::Sqlite(_) => None,
        };
        loop {
            match listener.as_mut() {
                Some(l) => {
                    if let Ok(Err(e)) = tokio::time::timeout(FOLLOW_POLL, l.recv()).await {
                        tracing::warn!(error = %e, "status announcements: the listener failed; it reconnects");
                        tokio::time::sleep(FOLLOW_POLL).await;
                    }
                }
                None => tokio::time::sleep(FOLLOW_POLL).await,
            }
            match self.catch_up_status().await {
                Ok(true) => tracing::info!(epoch = self.status.epoch(), "status list caught up"),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "status list: cannot catch up"),
            }
        }
    }
}

async fn listen(url: &str) -> Option<sqlx::postgres::PgListener> {
    let listening = async {
        let mut l = sqlx::postgres::PgListener::connect(url).await?;
        l.listen(CHANNEL).await?;
        Ok::<_, sqlx::Error>(l)
    };
    match listening.await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "status announcements: cannot listen; polling every second");
            None
        }
    }
}
