//! The registry's format constants. They never enter the presentation circuit: changing
//! one is a new registry format (old leaves and signatures stop verifying), not a new
//! trusted setup.

/// First byte of every registry log leaf: the version of the canonical entry encoding
/// ([`crate::entry`]).
pub const REGISTRY_ENTRY_VERSION: u8 = 1;
/// Largest registry log leaf in bytes (the version byte plus canonical JSON).
pub const REGISTRY_ENTRY_MAX_BYTES: usize = 4096;
/// Prefix of the bytes a gateway signs (Ed25519) when it submits a registry entry.
pub const REGISTRY_SUBMISSION_TAG: &[u8] = b"alc/v1/registry/submission\0";
/// Prefix of a spawn entry's agent commitment ([`crate::entry::agent_commitment`]).
pub const REGISTRY_AGENT_TAG: &[u8] = b"alc/v1/registry/agent\0";
/// Prefix of a spawn entry's manifest commitment ([`crate::entry::manifest_commitment`]).
pub const REGISTRY_MANIFEST_TAG: &[u8] = b"alc/v1/registry/manifest\0";
/// Prefix of a spawn entry's agent-system commitment ([`crate::entry::system_commitment`]).
pub const REGISTRY_SYSTEM_TAG: &[u8] = b"alc/v1/registry/system\0";
