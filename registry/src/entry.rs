//! Log entries and their one canonical encoding, which is the Merkle leaf.
//!
//! # Leaf encoding (version 1)
//!
//! ```text
//! leaf = REGISTRY_ENTRY_VERSION (one byte, 0x01) || canonical JSON of the entry
//! ```
//!
//! The canonical JSON is what `serde_json::to_vec` writes for [`Entry`]: no whitespace,
//! the `"kind"` tag first (`"spawn"`, `"kill"`, `"status_epoch"`, `"incident"`, `"opening"`), then
//! every field in declaration order, every field always present (`null` for an absent
//! option) except a spawn's `system`, which is omitted when absent (it came later), 64-bit numbers (`at`, `expires`, `epoch`) as decimal strings like every ALC
//! file, small numbers (`depth`, `rate_per_min`, `tier`, `permit_tier`) as JSON numbers,
//! strings in UTF-8 with serde_json's minimal escaping. For example:
//!
//! ```text
//! \x01{"kind":"kill","gateway":"gw.example","target":{"lease":"l-42"},"reason":"abuse","at":"1790000000"}
//! ```
//!
//! [`Entry::from_leaf`] parses the JSON, validates the entry, encodes it again and
//! requires the same bytes: whitespace, reordered or unknown fields, escapes where none
//! are needed and leading zeros are all rejected, so each entry has exactly one leaf and
//! each leaf exactly one entry. A leaf is at most [`REGISTRY_ENTRY_MAX_BYTES`] bytes.
//!
//! # What an entry may hold
//!
//! No personal data and no credential serial: gateway and lease identifiers, the licence
//! pseudonym at that gateway (a field element, unlinkable across gateways), hashes of
//! permits and incident summaries, and numbers. [`Entry::validate`] enforces the shapes
//! (module constants give the bounds).
//!
//! # Agents and manifests: commitments, scoped and salted
//!
//! A spawn entry's `agent` and `manifest_hash` are not the agent's id and its manifest's
//! SHA-256 but commitments to them ([`agent_commitment`], [`manifest_commitment`]):
//!
//! ```text
//! commit(tag, gateway, salt, value) = SHA-256(tag || len(gateway) || gateway || salt || len(value) || value)
//! ```
//!
//! with lengths as 8 bytes big-endian and `salt` 32 bytes the gateway derives for each
//! lease from a secret of its own and hands to the holder with the lease. The same agent
//! or manifest at two gateways, or in two leases, gives unrelated values, so a registry
//! reader cannot join two gateways' pseudonyms through them, nor test a guessed agent
//! name or a well-known manifest; the holder and the gateway, who know the salt, can
//! open the commitment to anyone ([`Spawn::opens`]). Both are 64 lowercase hex digits,
//! which an entry of the first version also accepts: the leaf format is unchanged.
use crate::merkle::{leaf_hash, Hash};
use crate::tags::{REGISTRY_ENTRY_MAX_BYTES, REGISTRY_ENTRY_VERSION};
use serde::{Deserialize, Serialize};

/// Longest identifier (gateway, agent, lease, incident) in bytes.
pub const MAX_ID_LEN: usize = 128;
/// Most route prefixes in one lease's permissions.
pub const MAX_ROUTES: usize = 32;
/// Longest route prefix in bytes.
pub const MAX_ROUTE_LEN: usize = 256;
/// Longest kill reason in bytes.
pub const MAX_REASON_LEN: usize = 512;
/// Longest incident category in bytes.
pub const MAX_CATEGORY_LEN: usize = 64;

/// Why an entry or a leaf was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// A leaf or encoded entry larger than [`REGISTRY_ENTRY_MAX_BYTES`].
    #[error("entry is {len} bytes, the limit is {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An empty leaf.
    #[error("empty leaf")]
    Empty,
    /// A leaf starting with an unknown version byte.
    #[error("unknown entry version {0}")]
    UnknownVersion(u8),
    /// Leaf bytes that are not an entry's JSON.
    #[error("malformed entry JSON: {0}")]
    Json(String),
    /// Valid JSON for an entry, but not its canonical encoding.
    #[error("entry is not canonically encoded")]
    NotCanonical,
    /// A field with the wrong shape.
    #[error("invalid {field}: {problem}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// A log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Entry {
    /// A lease issued at a gateway.
    Spawn(Spawn),
    /// A lease or a pseudonym killed at a gateway.
    Kill(Kill),
    /// The authority's status list moved to a new epoch.
    StatusEpoch(StatusEpoch),
    /// An incident was reported.
    Incident(Incident),
    /// A trustee was asked to release its share for an incident: appended before the
    /// trustee decrypts anything, so every opening is on the record.
    Opening(Opening),
}

/// An opening: trustee `trustee` releases its partial decryption of the ciphertext whose
/// digest is `ciphertext`, for incident `incident`. No serial, no licence: the public
/// sees how often licences are opened, never whose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// The incident's identifier (an `incident` entry before it).
    pub incident: String,
    /// SHA-256 of the ciphertext's canonical JSON (`c1`, `c2`), 64 lowercase hex digits.
    pub ciphertext: String,
    /// The trustee's index.
    pub trustee: u32,
    /// When (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub at: u64,
}

/// A lease issued at a gateway: a link in the chain of liability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spawn {
    /// The gateway that issued the lease (its identifier, the proof's scope).
    pub gateway: String,
    /// The new lease.
    pub lease_id: String,
    /// The lease it was delegated from; `None` for a root lease obtained with a
    /// zero-knowledge proof.
    pub parent_lease: Option<String>,
    /// The agent the lease is for: its commitment (module docs), 64 lowercase hex digits.
    pub agent: String,
    /// The licence pseudonym at this gateway (decimal field element).
    pub pseudonym: String,
    /// Hash of the operating permit (64 lowercase hex digits), or empty when the gateway
    /// knows none.
    pub permit_hash: String,
    /// What the lease allows.
    pub permissions: Permissions,
    /// The agent manifest's SHA-256: its commitment (module docs), 64 lowercase hex
    /// digits.
    pub manifest_hash: String,
    /// Delegation depth: 0 for a root lease, the parent's plus one otherwise.
    pub depth: u32,
    /// The tier-3 agent system the lease serves, as a commitment to its public id
    /// ([`system_commitment`], 64 lowercase hex digits), when the lease's key is
    /// certified for one (`alc_protocol::systems`). Absent otherwise, and then absent
    /// from the leaf too, so entries without a system encode as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// When (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub at: u64,
}

/// A lease's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Route prefixes it may call (each starts with `/`).
    pub routes: Vec<String>,
    /// Requests per minute.
    pub rate_per_min: u32,
    /// Expiry (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub expires: u64,
    /// Proven licence tier.
    pub tier: u8,
    /// Proven permit tier.
    pub permit_tier: u8,
}

/// A kill at a gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kill {
    /// The gateway that killed.
    pub gateway: String,
    /// What was killed.
    pub target: KillTarget,
    /// Why (free text without control characters; no personal data).
    pub reason: String,
    /// When (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub at: u64,
}

/// What a kill targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KillTarget {
    /// One lease and its descendants.
    Lease(String),
    /// Every lease of a pseudonym at that gateway (decimal field element).
    Pseudonym(String),
}

/// A status list epoch published by the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEpoch {
    /// The epoch number.
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub epoch: u64,
    /// The status-list Merkle root (decimal field element).
    pub root: String,
    /// Whether gateways must drop leases minted under older roots.
    pub emergency: bool,
    /// When (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub at: u64,
}

/// An incident report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// The incident's identifier.
    pub id: String,
    /// The reporting gateway, if a gateway reported it.
    pub gateway: Option<String>,
    /// The lease concerned, if any.
    pub lease_id: Option<String>,
    /// A short category (lowercase letters, digits, `-`, `_`).
    pub category: String,
    /// SHA-256 of the report's summary (64 lowercase hex digits); the text stays with the
    /// authority.
    pub summary_hash: String,
    /// When (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub at: u64,
}

fn bad(field: &'static str, problem: &'static str) -> EntryError {
    EntryError::InvalidField { field, problem }
}

/// Checks a gateway identifier as entries require it (1..=[`MAX_ID_LEN`] visible ASCII
/// characters), so a gateway can be refused at registration rather than at its first
/// submission.
pub fn check_gateway_id(s: &str) -> Result<(), EntryError> {
    check_id("gateway", s)
}

/// An identifier: 1..=[`MAX_ID_LEN`] visible ASCII characters (no spaces).
fn check_id(field: &'static str, s: &str) -> Result<(), EntryError> {
    if s.is_empty() {
        return Err(bad(field, "empty"));
    }
    if s.len() > MAX_ID_LEN {
        return Err(bad(field, "too long"));
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(field, "not visible ASCII"));
    }
    Ok(())
}

/// 64 lowercase hex digits (a SHA-256 digest).
fn check_sha256_hex(field: &'static str, s: &str) -> Result<(), EntryError> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(bad(field, "not 64 lowercase hex digits"));
    }
    Ok(())
}

/// A canonical decimal field element (no leading zeros, below the BN254 scalar modulus).
fn check_field_element(name: &'static str, s: &str) -> Result<(), EntryError> {
    use alc_protocol::encoding::{check_field_decimal, EncodingError};
    match check_field_decimal(s) {
        Ok(()) => Ok(()),
        Err(EncodingError::Decimal) if s.len() > 1 && s.bytes().all(|b| b.is_ascii_digit()) => {
            Err(bad(name, "not canonical (leading zeros)"))
        }
        Err(_) => Err(bad(name, "not a decimal field element")),
    }
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), EntryError> {
    if s.len() > max {
        return Err(bad(field, "too long"));
    }
    if s.chars().any(char::is_control) {
        return Err(bad(field, "contains control characters"));
    }
    Ok(())
}

fn commit(tag: &[u8], gateway: &str, salt: &[u8; 32], value: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(tag);
    h.update((gateway.len() as u64).to_be_bytes());
    h.update(gateway.as_bytes());
    h.update(salt);
    h.update((value.len() as u64).to_be_bytes());
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

/// The `agent` a spawn entry records for `agent` at `gateway` with the lease's `salt`
/// (module docs).
pub fn agent_commitment(gateway: &str, salt: &[u8; 32], agent: &str) -> String {
    commit(crate::tags::REGISTRY_AGENT_TAG, gateway, salt, agent)
}

/// The `manifest_hash` a spawn entry records for the manifest digest `manifest` (64
/// lowercase hex digits) at `gateway` with the lease's `salt` (module docs).
pub fn manifest_commitment(gateway: &str, salt: &[u8; 32], manifest: &str) -> String {
    commit(crate::tags::REGISTRY_MANIFEST_TAG, gateway, salt, manifest)
}

/// The `system` a spawn entry records for the agent system `system` (its public id) at
/// `gateway` with the lease's `salt` (module docs): the gateway and the holder can open
/// it, a registry reader cannot join one system's leases across gateways.
pub fn system_commitment(gateway: &str, salt: &[u8; 32], system: &str) -> String {
    commit(crate::tags::REGISTRY_SYSTEM_TAG, gateway, salt, system)
}

impl Spawn {
    /// Whether this entry records agent `agent` with manifest digest `manifest` under
    /// `salt`: what the holder or the gateway shows to prove what was recorded.
    pub fn opens(&self, salt: &[u8; 32], agent: &str, manifest: &str) -> bool {
        self.agent == agent_commitment(&self.gateway, salt, agent)
            && self.manifest_hash
                == manifest_commitment(&self.gateway, salt, &manifest.to_ascii_lowercase())
    }

    fn validate(&self) -> Result<(), EntryError> {
        check_id("gateway", &self.gateway)?;
        check_id("lease_id", &self.lease_id)?;
        match &self.parent_lease {
            None if self.depth != 0 => return Err(bad("depth", "a root lease has depth 0")),
            Some(_) if self.depth == 0 => {
                return Err(bad("depth", "a delegated lease has depth at least 1"))
            }
            Some(p) => {
                check_id("parent_lease", p)?;
                if *p == self.lease_id {
                    return Err(bad("parent_lease", "a lease cannot be its own parent"));
                }
            }
            None => {}
        }
        check_id("agent", &self.agent)?;
        check_field_element("pseudonym", &self.pseudonym)?;
        if !self.permit_hash.is_empty() {
            check_sha256_hex("permit_hash", &self.permit_hash)?;
        }
        check_sha256_hex("manifest_hash", &self.manifest_hash)?;
        if let Some(s) = &self.system {
            check_sha256_hex("system", s)?;
        }
        let routes = &self.permissions.routes;
        if routes.len() > MAX_ROUTES {
            return Err(bad("permissions.routes", "too many"));
        }
        for r in routes {
            if !r.starts_with('/')
                || r.len() > MAX_ROUTE_LEN
                || !r.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(bad(
                    "permissions.routes",
                    "each must be visible ASCII starting with '/'",
                ));
            }
        }
        Ok(())
    }
}

impl Entry {
    /// The gateway an entry speaks for: the one that must have signed its submission.
    /// `None` for entries only the authority writes (status epochs, incidents it filed
    /// itself).
    pub fn gateway(&self) -> Option<&str> {
        match self {
            Entry::Spawn(s) => Some(&s.gateway),
            Entry::Kill(k) => Some(&k.gateway),
            Entry::StatusEpoch(_) => None,
            Entry::Incident(i) => i.gateway.as_deref(),
            Entry::Opening(_) => None,
        }
    }

    /// When the entry happened (unix seconds).
    pub fn at(&self) -> u64 {
        match self {
            Entry::Spawn(s) => s.at,
            Entry::Kill(k) => k.at,
            Entry::StatusEpoch(e) => e.at,
            Entry::Incident(i) => i.at,
            Entry::Opening(o) => o.at,
        }
    }

    /// Checks every field's shape (module docs) and the encoded size.
    pub fn validate(&self) -> Result<(), EntryError> {
        self.to_leaf().map(|_| ())
    }

    fn validate_fields(&self) -> Result<(), EntryError> {
        match self {
            Entry::Spawn(s) => s.validate(),
            Entry::Kill(k) => {
                check_id("gateway", &k.gateway)?;
                match &k.target {
                    KillTarget::Lease(l) => check_id("target.lease", l)?,
                    KillTarget::Pseudonym(p) => check_field_element("target.pseudonym", p)?,
                }
                check_text("reason", &k.reason, MAX_REASON_LEN)
            }
            Entry::StatusEpoch(e) => check_field_element("root", &e.root),
            Entry::Incident(i) => {
                check_id("id", &i.id)?;
                if let Some(g) = &i.gateway {
                    check_id("gateway", g)?;
                }
                if let Some(l) = &i.lease_id {
                    check_id("lease_id", l)?;
                }
                let c = &i.category;
                if c.is_empty()
                    || c.len() > MAX_CATEGORY_LEN
                    || !c
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
                {
                    return Err(bad("category", "1-64 of a-z, 0-9, '-', '_'"));
                }
                check_sha256_hex("summary_hash", &i.summary_hash)
            }
            Entry::Opening(o) => {
                check_id("incident", &o.incident)?;
                if o.trustee == 0 {
                    return Err(bad("trustee", "trustees are numbered from 1"));
                }
                check_sha256_hex("ciphertext", &o.ciphertext)
            }
        }
    }

    /// The canonical leaf bytes (module docs), after validation.
    pub fn to_leaf(&self) -> Result<Vec<u8>, EntryError> {
        self.validate_fields()?;
        let mut out = vec![REGISTRY_ENTRY_VERSION];
        serde_json::to_writer(&mut out, self).map_err(|e| EntryError::Json(e.to_string()))?;
        if out.len() > REGISTRY_ENTRY_MAX_BYTES {
            return Err(EntryError::TooLarge {
                len: out.len(),
                max: REGISTRY_ENTRY_MAX_BYTES,
            });
        }
        Ok(out)
    }

    /// The Merkle leaf hash of the canonical leaf bytes.
    pub fn leaf_hash(&self) -> Result<Hash, EntryError> {
        Ok(leaf_hash(&self.to_leaf()?))
    }

    /// Parses stored leaf bytes: version, JSON, validation, and canonical form.
    pub fn from_leaf(leaf: &[u8]) -> Result<Entry, EntryError> {
        if leaf.len() > REGISTRY_ENTRY_MAX_BYTES {
            return Err(EntryError::TooLarge {
                len: leaf.len(),
                max: REGISTRY_ENTRY_MAX_BYTES,
            });
        }
        let (&version, json) = leaf.split_first().ok_or(EntryError::Empty)?;
        if version != REGISTRY_ENTRY_VERSION {
            return Err(EntryError::UnknownVersion(version));
        }
        let entry: Entry =
            serde_json::from_slice(json).map_err(|e| EntryError::Json(e.to_string()))?;
        if entry.to_leaf()? != leaf {
            return Err(EntryError::NotCanonical);
        }
        Ok(entry)
    }
}
