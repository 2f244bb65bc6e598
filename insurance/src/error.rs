//! The crate's error type.

/// Why an insurance operation failed.
///
/// Verification errors are deliberately coarse: [`Error::InvalidProof`] says nothing
/// about which part of a range proof failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The certificate's insurer is not in the verifier's register of insurers.
    #[error("the certificate's insurer is not registered")]
    UnregisteredInsurer,
    /// The insurer's signature on the certificate does not verify.
    #[error("the certificate's signature does not verify")]
    BadCertificate,
    /// The insured policy has expired (`expires <= now`).
    #[error("the insured policy expired at {expires} (now {now})")]
    Expired {
        /// The certificate's expiry, unix seconds.
        expires: u64,
        /// The verifier's time, unix seconds.
        now: u64,
    },
    /// Prover side: the certified cover is below the tier's minimum, so no valid proof
    /// exists.
    #[error("the certified cover is below the tier minimum")]
    CoverBelowMinimum,
    /// Prover side: the opening does not open the certificate's commitment.
    #[error("the opening does not match the certificate's commitment")]
    OpeningMismatch,
    /// The cover proof does not verify.
    #[error("the cover proof does not verify")]
    InvalidProof,
    /// A certificate of a version this crate does not understand.
    #[error("unsupported insurance format version {0}")]
    UnsupportedVersion(u32),
    /// Bytes that are not a canonical encoding of a non-identity Ristretto point were
    /// given as an insurer's public key.
    #[error("invalid insurer public key")]
    InvalidPublicKey,
    /// Bytes that are not a canonical non-zero scalar were given as an insurer secret.
    #[error("invalid insurer secret key")]
    InvalidSecretKey,
    /// Input that does not parse (wrong length, bad encoding, out-of-range field).
    #[error("malformed input: {0}")]
    Malformed(String),
}

impl Error {
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        Error::Malformed(what.into())
    }
}
