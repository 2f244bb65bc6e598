//! The chain-of-liability registry the authority hosts: an RFC 9162 Merkle log
//! ([`alc_registry`]) in the authority's SQLite file.
//!
//! * **Appending.** A gateway's signed [`Submission`] is checked against the gateway's
//!   registered key; the canonical leaf, and the complete-subtree nodes that
//!   [`merkle::append`] returns (`1 + trailing_ones(size)` of them), are inserted in one
//!   durable transaction before the index is returned. The authority appends its own
//!   status epochs and incidents inside the transactions that create them. Resubmitting
//!   an identical entry returns its existing index (gateways retry after crashes).
//! * **Serving.** Roots and proofs read O(log n) stored nodes ([`merkle::root_nodes`],
//!   [`merkle::inclusion_nodes`], [`merkle::consistency_nodes`]) in one query; nothing
//!   is rebuilt per request. Checkpoints are C2SP signed notes over
//!   `<origin>\n<size>\n<base64 root>\n`, signed on demand with `keys/registry.key`
//!   (Ed25519 is deterministic: one tree size, one note).

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::GatewayRegistration;
use alc_protocol::gateways::{GatewayList, RegisteredGateway, SignedGatewayList};
use alc_registry::api::{Appended, StoredEntry};
use alc_registry::checkpoint::{sign_checkpoint, Checkpoint, NoteSigner, VerifierKey};
use alc_registry::entry::Entry;
use alc_registry::merkle::{self, Hash, NodeId};
use alc_registry::submission::{Submission, SubmissionError};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;

use alc_protocol::encoding::base64 as b64;

/// Why the registry refuses a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// An entry that has no canonical encoding.
    #[error("registry entry: {0}")]
    Entry(String),
    /// A submission from a gateway the registry does not know, or not signed by its key.
    #[error("{0}")]
    Unauthorised(String),
    /// A malformed submission.
    #[error("{0}")]
    Submission(String),
    /// A gateway id that is not one.
    #[error("gateway id: {0}")]
    GatewayId(String),
    /// A key that is not 32 bytes of hex.
    #[error("key: expected 32 bytes of hex")]
    KeyHex,
    /// A key that is not an Ed25519 public key.
    #[error("key: not an Ed25519 public key")]
    KeyPoint,
    /// A gateway URL that is not https (nor http on loopback).
    #[error("url: {0}")]
    Url(String),
    /// A registration without its reason.
    #[error("a registration needs a reason")]
    NoReason,
    /// A gateway id registered with another key.
    #[error("gateway {0:?} is registered with another key")]
    OtherKey(String),
    /// No entry at this index.
    #[error("no entry {0}")]
    NoEntry(u64),
    /// No entry with this leaf hash.
    #[error("no entry with that leaf hash")]
    NoLeaf,
    /// Tree sizes the log cannot prove.
    #[error("the log holds {current} entries: sizes must satisfy {needed} <= size <= {current}")]
    Size {
        /// The entries now.
        current: u64,
        /// The least size the proof needs.
        needed: u64,
    },
    /// A proof request that does not fit the tree.
    #[error("{0}")]
    Proof(String),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(RegistryError);

fn hash_from(v: Vec<u8>) -> Result<Hash, Internal> {
    v.try_into()
        .map_err(|_| Internal::new("registry: a stored hash is not 32 bytes"))
}

/// Reads the given nodes in one query.
async fn nodes(
    conn: &mut AnyConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, Internal> {
    let mut out = HashMap::with_capacity(ids.len());
    // SQLite's default limit on bound parameters is 32766; proofs need at most ~130.
    for chunk in ids.chunks(200) {
        let values = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT level, idx, hash FROM registry_nodes WHERE (level, idx) IN (VALUES {values})"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&sql);
        for id in chunk {
            q = q.bind(i64::from(id.level)).bind(id.index as i64);
        }
        for (level, idx, hash) in q.fetch_all(&mut *conn).await? {
            let id = NodeId {
                level: level as u8,
                index: idx as u64,
            };
            out.insert(id, hash_from(hash)?);
        }
    }
    if out.len() != ids.len() {
        return Err(Internal::new("registry: a stored node is missing"));
    }
    Ok(out)
}

async fn size(conn: &mut AnyConnection) -> Result<u64, Internal> {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) + 1 FROM registry_leaves")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n.unwrap_or(0) as u64)
}

fn internal(e: impl std::fmt::Display) -> Internal {
    Internal::new(format!("registry: {e}"))
}

/// Appends `leaf` (canonical bytes of `entry`) inside `tx`; an identical leaf already
/// present gives its index instead.
pub(crate) async fn append_in(
    tx: &mut Transaction<'static, Any>,
    entry: &Entry,
) -> Result<Appended, RegistryError> {
    let leaf = entry
        .to_leaf()
        .map_err(|e| RegistryError::Entry(e.to_string()))?;
    let hash = merkle::leaf_hash(&leaf);
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT idx FROM registry_leaves WHERE hash = $1")
            .bind(hash.as_slice())
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(idx) = existing {
        return Ok(Appended {
            index: idx.to_string(),
            leaf_hash: b64(&hash),
            new: false,
        });
    }
    let n = size(tx).await?;
    let reads = nodes(tx, &merkle::append_reads(n)).await?;
    let new_nodes = merkle::append(&reads, n, hash).map_err(internal)?;
    let (kind, gateway, lease_id, agent) = match entry {
        Entry::Spawn(s) => (
            "spawn",
            Some(s.gateway.as_str()),
            Some(s.lease_id.as_str()),
            Some(s.agent.as_str()),
        ),
        Entry::Kill(k) => ("kill", Some(k.gateway.as_str()), None, None),
        Entry::StatusEpoch(_) => ("status-epoch", None, None, None),
        Entry::Incident(i) => ("incident", i.gateway.as_deref(), None, None),
        _ => ("other", None, None, None),
    };
    sqlx::query(
        "INSERT INTO registry_leaves (idx, leaf, hash, kind, gateway, lease_id, agent, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(n as i64)
    .bind(&leaf)
    .bind(hash.as_slice())
    .bind(kind)
    .bind(gateway)
    .bind(lease_id)
    .bind(agent)
    .bind(entry.at() as i64)
    .execute(&mut **tx)
    .await?;
    for (id, h) in new_nodes {
        sqlx::query("INSERT INTO registry_nodes (level, idx, hash) VALUES ($1, $2, $3)")
            .bind(i64::from(id.level))
            .bind(id.index as i64)
            .bind(h.as_slice())
            .execute(&mut **tx)
            .await?;
    }
    Ok(Appended {
        index: n.to_string(),
        leaf_hash: b64(&hash),
        new: true,
    })
}

/// The origin line of this authority's registry checkpoints.
pub fn origin(authority_name: &str) -> String {
    format!("{authority_name}/registry")
}

impl Authority {
    fn note_signer(&self) -> Result<NoteSigner, Internal> {
        NoteSigner::from_seed(&origin(&self.cfg.name), &self.keys.registry.to_bytes())
            .map_err(internal)
    }

    /// The verifier key of the registry's checkpoints (`name+id+key`).
    pub fn registry_key(&self) -> Result<VerifierKey, Internal> {
        Ok(self.note_signer()?.verifier_key())
    }

    /// Registers (or confirms) a gateway's key and the URL it serves wallets at. The same
    /// key with another URL moves the gateway (audited); another key is refused.
    pub async fn register_gateway(
        &self,
        r: &GatewayRegistration,
        actor: &str,
    ) -> Result<(), RegistryError> {
        alc_registry::entry::check_gateway_id(&r.id)
            .map_err(|e| RegistryError::GatewayId(e.to_string()))?;
        let key: [u8; 32] =
            alc_protocol::encoding::hex_array(r.key.trim()).map_err(|_| RegistryError::KeyHex)?;
        ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| RegistryError::KeyPoint)?;
        let url = r.url.trim().trim_end_matches('/');
        alc_protocol::gateways::check_service_url(url)
            .map_err(|e| RegistryError::Url(e.to_string()))?;
        if r.reason.trim().is_empty() {
            return Err(RegistryError::NoReason);
        }
        let now = self.now();
        let mut w = self.write().await?;
        let existing: Option<(Vec<u8>, String)> =
            sqlx::query_as("SELECT key, url FROM registry_gateways WHERE id = $1")
                .bind(&r.id)
                .fetch_optional(&mut *w.tx)
                .await?;
        let action = match existing {
            Some((k, _)) if k != key => return Err(RegistryError::OtherKey(r.id.clone())),
            Some((_, u)) if u == url => return Ok(()),
            Some(_) => {
                sqlx::query("UPDATE registry_gateways SET url = $1 WHERE id = $2")
                    .bind(url)
                    .bind(&r.id)
                    .execute(&mut *w.tx)
                    .await?;
                "move-gateway"
            }
            None => {
                sqlx::query(
                    "INSERT INTO registry_gateways (id, key, registered_at, registered_by, url) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&r.id)
                .bind(key.as_slice())
                .bind(now as i64)
                .bind(actor)
                .bind(url)
                .execute(&mut *w.tx)
                .await?;
                "register-gateway"
            }
        };
        audit(
            &mut w.tx,
            actor,
            now,
            action,
            &r.reason,
            serde_json::json!({ "gateway": r.id, "key": r.key.trim(), "url": url }),
        )
        .await?;
        Ok(w.commit().await?)
    }

    /// Every gateway registered with a URL, signed with the status key.
    pub async fn gateway_list(&self) -> Result<SignedGatewayList, RegistryError> {
        let rows: Vec<(String, Vec<u8>, String)> = sqlx::query_as(
            "SELECT id, key, url FROM registry_gateways WHERE url <> '' ORDER BY id",
        )
        .fetch_all(&self.db)
        .await?;
        let list = GatewayList {
            issuer: self.cfg.name.clone(),
            produced_at: self.now(),
            gateways: rows
                .into_iter()
                .map(|(id, key, url)| RegisteredGateway {
                    id,
                    key: hex::encode(key),
                    url,
                })
                .collect(),
        };
        Ok(SignedGatewayList::sign(&list, &self.keys.status))
    }

    /// Appends a gateway's signed entry: durable before it returns.
    pub async fn submit(&self, s: &Submission) -> Result<Appended, RegistryError> {
        let key: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT key FROM registry_gateways WHERE id = $1")
                .bind(&s.gateway)
                .fetch_optional(&self.db)
                .await?;
        let key = key.and_then(|k| {
            let k: [u8; 32] = k.try_into().ok()?;
            ed25519_dalek::VerifyingKey::from_bytes(&k).ok()
        });
        s.verify(|_| key).map_err(|e| match e {
            SubmissionError::UnknownGateway(_) | SubmissionError::BadSignature(_) => {
                RegistryError::Unauthorised(e.to_string())
            }
            e => RegistryError::Submission(e.to_string()),
        })?;
        let mut w = self.write().await?;
        let a = append_in(&mut w.tx, &s.entry).await?;
        w.commit().await?;
        Ok(a)
    }

    /// The current size of the log.
    pub async fn registry_size(&self) -> Result<u64, Internal> {
        let mut conn = self.db.acquire().await?;
        size(&mut conn).await
    }

    /// The signed checkpoint of the log as it is now.
    pub async fn checkpoint(&self) -> Result<String, Internal> {
        let mut conn = self.db.acquire().await?;
        let n = size(&mut conn).await?;
        let root =
            merkle::root(&nodes(&mut conn, &merkle::root_nodes(n)).await?, n).map_err(internal)?;
        let c = Checkpoint {
            origin: origin(&self.cfg.name),
            size: n,
            root,
            extensions: Vec::new(),
        };
        sign_checkpoint(&self.note_signer()?, &c).map_err(internal)
    }

    /// Entry `index`.
    pub async fn entry(&self, index: u64) -> Result<StoredEntry, RegistryError> {
        let leaf: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT leaf FROM registry_leaves WHERE idx = $1")
                .bind(index as i64)
                .fetch_optional(&self.db)
                .await?;
        let leaf = leaf.ok_or(RegistryError::NoEntry(index))?;
        let entry = Entry::from_leaf(&leaf).map_err(internal)?;
        Ok(StoredEntry {
            index: index.to_string(),
            leaf: b64(&leaf),
            entry,
        })
    }

    /// The index of the entry with leaf hash `hash`.
    pub async fn index_of(&self, hash: &Hash) -> Result<u64, RegistryError> {
        let idx: Option<i64> =
            sqlx::query_scalar("SELECT idx FROM registry_leaves WHERE hash = $1")
                .bind(hash.as_slice())
                .fetch_optional(&self.db)
                .await?;
        idx.map(|i| i as u64).ok_or(RegistryError::NoLeaf)
    }

    /// Spawn entries for a lease id or an agent id, oldest first.
    pub async fn spawns_of(&self, id: &str) -> Result<Vec<StoredEntry>, RegistryError> {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT idx, leaf FROM registry_leaves WHERE kind = 'spawn' AND (lease_id = $1 OR agent = $1) ORDER BY idx LIMIT 100",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter()
            .map(|(idx, leaf)| {
                Ok(StoredEntry {
                    index: idx.to_string(),
                    entry: Entry::from_leaf(&leaf).map_err(internal)?,
                    leaf: b64(&leaf),
                })
            })
            .collect()
    }

    async fn sized(
        &self,
        needed: u64,
        requested: Option<u64>,
    ) -> Result<(PoolConnection<Any>, u64), RegistryError> {
        let mut conn = self.db.acquire().await?;
        let current = size(&mut conn).await?;
        let n = requested.unwrap_or(current);
        if n > current || needed > n {
            return Err(RegistryError::Size { current, needed });
        }
        Ok((conn, n))
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries (default: now).
    pub async fn inclusion(
        &self,
        index: u64,
        size: Option<u64>,
    ) -> Result<merkle::InclusionProof, RegistryError> {
        let (mut conn, n) = self.sized(index.saturating_add(1), size).await?;
        let ids =
            merkle::inclusion_nodes(index, n).map_err(|e| RegistryError::Proof(e.to_string()))?;
        let src = nodes(&mut conn, &ids).await?;
        let hashes = merkle::inclusion_proof(&src, index, n).map_err(internal)?;
        Ok(merkle::InclusionProof {
            leaf_index: index,
            tree_size: n,
            hashes,
        })
    }

    /// The consistency proof between sizes `old` and `new`.
    pub async fn consistency(
        &self,
        old: u64,
        new: u64,
    ) -> Result<merkle::ConsistencyProof, RegistryError> {
        let (mut conn, n) = self.sized(old, Some(new)).await?;
        let ids =
            merkle::consistency_nodes(old, n).map_err(|e| RegistryError::Proof(e.to_string()))?;
        let src = nodes(&mut conn, &ids).await?;
        let hashes = merkle::consistency_proof(&src, old, n).map_err(internal)?;
        Ok(merkle::ConsistencyProof {
            old_size: old,
            new_size: n,
            hashes,
        })
    }
}
