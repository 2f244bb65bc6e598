//! Domain separators and version constants of the insurance wrapper.
//!
//! They live here rather than in `alc-circuits`' `tags` module because that crate
//! pulls in the whole arkworks stack, which this Ristretto-only crate does not need.
//! Changing any value here changes what certificates and cover proofs mean: it is a
//! new [`INSURANCE_VERSION`].

/// Version of the certificate encoding, the signature transcript and the cover-proof
/// transcript. Written into every certificate and bound into every transcript.
pub const INSURANCE_VERSION: u32 = 1;

/// Merlin domain separator of an insurer's Schnorr signature on a cover certificate.
pub const CERTIFICATE_DOMAIN: &[u8] = b"alc/v1/insurance/certificate";

/// Merlin domain separator of an insurer's Schnorr signature revoking a certificate
/// during its term.
pub const REVOCATION_DOMAIN: &[u8] = b"alc/v1/insurance/revocation";

/// Merlin domain separator of a cover proof (the Bulletproofs range proof that the
/// certified cover is at least a tier's minimum).
pub const COVER_PROOF_DOMAIN: &[u8] = b"alc/v1/insurance/cover-proof";

/// Width in bits of the range proof: `cover - minimum` is shown to lie in `[0, 2^64)`.
pub const COVER_RANGE_BITS: usize = 64;

/// Longest permit or policy identifier a certificate may carry, in bytes.
pub const MAX_ID_LEN: usize = 256;
