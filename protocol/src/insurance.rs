//! The insurance wrapper's files (`alc insurer certify`, `alc permit prove-cover`): an
//! insurer's certificate of a permit's cover, and the evidence a permit holder shows the
//! authority. Points, scalars and signatures are hex, the range proof base64;
//! `alc-insurance` decodes and checks them.

use serde::{Deserialize, Serialize};

/// `certificate.json`: an insurer's signed statement that policy `policy_id` of permit
/// `permit_id` covers, until `expires`, the amount committed to in `commitment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CoverCertificate {
    /// The certificate format version.
    pub version: u32,
    /// The insurer's public key (ristretto255, compressed), hex.
    pub insurer: String,
    /// The permit insured.
    pub permit_id: String,
    /// The insurer's policy identifier.
    pub policy_id: String,
    /// End of cover, unix seconds.
    pub expires: u64,
    /// The Pedersen commitment to the amount (compressed), hex.
    pub commitment: String,
    /// The insurer's Schnorr signature (64 bytes), hex.
    pub signature: String,
}

/// `cover.json`: a permit's cover evidence, the `insurance` of a permit registration or
/// renewal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CoverEvidence {
    /// The insurer's certificate.
    pub certificate: CoverCertificate,
    /// The Bulletproofs range proof (672 bytes), standard base64.
    pub proof: String,
    /// The tier the proof was made for. Optional: when given it must be the permit's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// The minimum the proof was made against. Optional: when given it must be the
    /// tier's (a mismatch then gets a precise error instead of an invalid proof).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<u64>,
}

/// `revocation.json` (`alc insurer revoke`): an insurer's signed statement that policy
/// `policy_id` of permit `permit_id` no longer covers it from `revoked_at`, before the
/// certificate's expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CoverRevocation {
    /// The format version.
    pub version: u32,
    /// The insurer's public key (ristretto255, compressed), hex.
    pub insurer: String,
    /// The permit whose cover ends.
    pub permit_id: String,
    /// The insurer's policy identifier.
    pub policy_id: String,
    /// When cover ended, unix seconds.
    pub revoked_at: u64,
    /// The insurer's Schnorr signature (64 bytes), hex.
    pub signature: String,
}
