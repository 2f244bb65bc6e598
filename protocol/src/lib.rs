//! ALC's shared wire and file formats (`docs/architecture.md`): everything two parties
//! send each other or hand over as a file, as plain serde types, and the conventions they
//! rest on.
//!
//! | module | what |
//! |---|---|
//! | [`authority`] | the licensing authority's API: identity, assessment, credentials, revocation, incidents, permits, insurers, tokens |
//! | [`gateway`] | a provider gateway's API: challenge, lease request and answer, delegation, kills |
//! | [`signature`] | key-bound requests: ALC's profile of RFC 9421 HTTP Message Signatures |
//! | [`status`] | signed status responses and the published status list |
//! | [`files`] | credential, holder, issuer key, status list, proof request, presentation, key digests |
//! | [`keys`] | the authority's signed key descriptor: the digests of the keys wallets prove with |
//! | [`insurance`] | an insurer's cover certificate and a permit's cover evidence |
//! | [`escrow`] | the trustees' key generation, key shares, joint key and partial decryptions |
//! | [`error`] | the one error body of every service |
//! | [`encoding`] | hex, base64, 64-bit integers and field elements as text |
//! | [`time`] | unix seconds and the [`time::Clock`] that reads them |
//! | [`fsio`] | the one file writer (atomic, fsync) and secret-file reader (0600 only) |
//!
//! This crate holds shapes, not checks that need cryptography: a field element is a
//! decimal string here, and the crate that owns the arithmetic (`alc-circuits`,
//! `alc-verifier`, `alc-insurance`) turns it into a value and refuses what is not
//! canonical. It depends on serde and small encoders only, and builds for wasm32; the
//! feature `signing` adds Ed25519 for signed status responses and the request key of
//! key-bound leases (X25519, HMAC-SHA256), `openapi` the schema
//! derives the authority's `/openapi.json` is made from.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authority;
pub mod encoding;
pub mod error;
pub mod escrow;
pub mod files;
pub mod fsio;
pub mod gateway;
pub mod gateways;
pub mod insurance;
pub mod keys;
#[cfg(feature = "signing")]
mod sealed;
pub mod signature;
pub mod status;
pub mod systems;
pub mod time;
