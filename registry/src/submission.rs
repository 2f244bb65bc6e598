//! Gateway submissions: an entry signed with the submitting gateway's Ed25519 key.
//!
//! The signature covers
//!
//! ```text
//! REGISTRY_SUBMISSION_TAG ("alc/v1/registry/submission\0")
//!   || u16 big-endian length of the gateway id || gateway id (ASCII)
//!   || the entry's canonical leaf bytes (see crate::entry)
//! ```
//!
//! so a signature can be neither moved to another gateway's name nor to another entry,
//! nor confused with any other ALC signature (domain tag). The authority checks, in this
//! order: the entry is valid; it speaks for the submitting gateway (an entry's own
//! `gateway` must equal the submitter: a gateway cannot write in another's name, and
//! authority-only entries cannot be submitted); the gateway is registered; the
//! signature verifies (strict Ed25519: no small-order keys, canonical encodings). On
//! success it gets the leaf bytes to append.
use crate::entry::{Entry, EntryError};
use crate::tags::REGISTRY_SUBMISSION_TAG;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmissionError {
    /// The entry itself is invalid.
    #[error("invalid entry: {0}")]
    InvalidEntry(#[from] EntryError),
    /// The entry names another gateway than the submitter.
    #[error("gateway {submitter:?} cannot submit an entry of gateway {entry:?}")]
    GatewayMismatch {
        /// Who submitted.
        submitter: String,
        /// The gateway the entry names.
        entry: String,
    },
    /// The entry belongs to no gateway (the authority writes those itself).
    #[error("gateways cannot submit this kind of entry")]
    NotAGatewayEntry,
    /// No key is registered for the submitting gateway.
    #[error("unknown gateway {0:?}")]
    UnknownGateway(String),
    /// The signature does not verify under the gateway's registered key.
    #[error("bad signature from gateway {0:?}")]
    BadSignature(String),
}

/// A gateway's signing key with its identifier. The secret is zeroised on drop
/// (`ed25519-dalek`'s `zeroize` feature) and never printed.
pub struct GatewayKey {
    gateway: String,
    key: SigningKey,
}

impl GatewayKey {
    /// The key for `gateway` from a 32-byte Ed25519 seed (the caller zeroises its copy).
    pub fn from_seed(gateway: &str, seed: &[u8; 32]) -> Self {
        Self {
            gateway: gateway.to_owned(),
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The gateway identifier.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }

    /// The public key to register with the authority.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs a challenge this gateway hands out (wallets check it against the key the
    /// authority registered for the gateway: `alc_protocol::gateways`).
    pub fn sign_challenge(&self, challenge: &mut alc_protocol::gateway::Challenge) {
        challenge.sign(&self.key);
    }
}

impl fmt::Debug for GatewayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayKey")
            .field("gateway", &self.gateway)
            .field("public", &self.key.verifying_key())
            .finish_non_exhaustive()
    }
}

/// A signed entry as a gateway sends it (JSON; the signature in base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The submitting gateway.
    pub gateway: String,
    /// The entry.
    pub entry: Entry,
    /// Ed25519 over the message in the module docs.
    #[serde(with = "crate::encoding::signature")]
    pub signature: [u8; 64],
}

/// The signed message (module docs). Only called with a gateway id that passed entry
/// validation (at most `MAX_ID_LEN` = 128 bytes), so the length fits in a `u16`.
fn message(gateway: &str, leaf: &[u8]) -> Vec<u8> {
    debug_assert!(gateway.len() <= crate::entry::MAX_ID_LEN);
    let mut m = Vec::with_capacity(REGISTRY_SUBMISSION_TAG.len() + 2 + gateway.len() + leaf.len());
    m.extend_from_slice(REGISTRY_SUBMISSION_TAG);
    m.extend_from_slice(&(gateway.len() as u16).to_be_bytes());
    m.extend_from_slice(gateway.as_bytes());
    m.extend_from_slice(leaf);
    m
}

/// The entry's leaf bytes, if the entry is valid and speaks for `gateway`.
fn leaf_for(gateway: &str, entry: &Entry) -> Result<Vec<u8>, SubmissionError> {
    let leaf = entry.to_leaf()?;
    match entry.gateway() {
        None => Err(SubmissionError::NotAGatewayEntry),
        Some(g) if g != gateway => Err(SubmissionError::GatewayMismatch {
            submitter: gateway.to_owned(),
            entry: g.to_owned(),
        }),
        Some(_) => Ok(leaf),
    }
}

/// Signs `entry` as `key`'s gateway. Fails if the entry is invalid or names another
/// gateway, exactly as the authority would.
pub fn sign(key: &GatewayKey, entry: Entry) -> Result<Submission, SubmissionError> {
    let leaf = leaf_for(&key.gateway, &entry)?;
    let signature = key.key.sign(&message(&key.gateway, &leaf)).to_bytes();
    Ok(Submission {
        gateway: key.gateway.clone(),
        entry,
        signature,
    })
}

impl Submission {
    /// Verifies the submission against the registered gateway keys (`keys(gateway id)`
    /// returns the key or `None`) and returns the canonical leaf bytes to append.
    pub fn verify<F>(&self, keys: F) -> Result<Vec<u8>, SubmissionError>
    where
        F: FnOnce(&str) -> Option<VerifyingKey>,
    {
        let leaf = leaf_for(&self.gateway, &self.entry)?;
        let key = keys(&self.gateway)
            .ok_or_else(|| SubmissionError::UnknownGateway(self.gateway.clone()))?;
        key.verify_strict(
            &message(&self.gateway, &leaf),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| SubmissionError::BadSignature(self.gateway.clone()))?;
        Ok(leaf)
    }
}
