//! Cover proofs: a Bulletproofs range proof that the certified cover is at least a
//! tier's minimum, against a commitment the verifier derives itself.

use std::fmt;

use bulletproofs::RangeProof;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::tags::{COVER_PROOF_DOMAIN, COVER_RANGE_BITS, INSURANCE_VERSION};
use crate::{gens, CoverCertificate, CoverOpening, Error, InsurerRegistry};

/// Length in bytes of an encoded [`CoverProof`]: `(2·log2(64) + 9)·32`.
pub const COVER_PROOF_LEN: usize = (2 * 6 + 9) * 32;

/// A proof that a certificate's committed cover is at least a tier's minimum: a 64-bit
/// Bulletproofs range proof on `C' = C - minimum·B`.
///
/// Bytes: exactly [`COVER_PROOF_LEN`] bytes of `RangeProof::to_bytes`. JSON: the same
/// bytes as a standard base64 string.
#[derive(Clone)]
pub struct CoverProof(RangeProof);

impl CoverProof {
    /// The [`COVER_PROOF_LEN`]-byte encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// The encoding in standard base64 (its JSON form).
    pub fn to_base64(&self) -> String {
        alc_protocol::encoding::base64(&self.to_bytes())
    }

    /// Parses the base64 form.
    ///
    /// # Errors
    /// [`Error::Malformed`] when it is not base64, or as [`CoverProof::from_bytes`].
    pub fn from_base64(s: &str) -> Result<Self, Error> {
        let bytes = alc_protocol::encoding::base64_bytes(s)
            .map_err(|e| Error::malformed(format!("cover proof: {e}")))?;
        CoverProof::from_bytes(&bytes)
    }

    /// Parses the encoding.
    ///
    /// # Errors
    /// [`Error::Malformed`] on a wrong length or non-canonical scalars. (Points are
    /// checked during verification.)
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != COVER_PROOF_LEN {
            return Err(Error::malformed(format!(
                "cover proof must be {COVER_PROOF_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        RangeProof::from_bytes(bytes)
            .map(CoverProof)
            .map_err(|e| Error::malformed(format!("cover proof: {e}")))
    }
}

impl fmt::Debug for CoverProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CoverProof({})", self.to_base64())
    }
}

impl PartialEq for CoverProof {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl Eq for CoverProof {}

impl Serialize for CoverProof {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for CoverProof {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CoverProof::from_base64(&s).map_err(serde::de::Error::custom)
    }
}

/// The range proof's transcript before Bulletproofs absorbs `C'`: the domain, the
/// version, the permit, the tier and its minimum, and the whole certificate (so also
/// its commitment, insurer, policy, expiry and signature).
pub(crate) fn cover_transcript(
    domain: &'static [u8],
    certificate: &CoverCertificate,
    tier: u8,
    minimum: u64,
) -> Transcript {
    let mut t = Transcript::new(domain);
    t.append_u64(b"version", u64::from(INSURANCE_VERSION));
    t.append_message(b"permit-id", certificate.permit_id().as_bytes());
    t.append_u64(b"tier", u64::from(tier));
    t.append_u64(b"minimum", minimum);
    t.append_message(b"certificate", &certificate.to_bytes());
    t
}

/// `C' = C - minimum·B`, computed by the verifier from the signed commitment.
pub(crate) fn shifted_commitment(
    certificate: &CoverCertificate,
    minimum: u64,
) -> Result<CompressedRistretto, Error> {
    let c = certificate
        .commitment()
        .decompress()
        .ok_or_else(|| Error::malformed("commitment is not a valid point"))?;
    Ok((c - gens::pedersen().B * Scalar::from(minimum)).compress())
}

/// The permit holder's side: proves that the cover in `certificate` is at least
/// `minimum`, for `tier`.
///
/// # Errors
/// [`Error::OpeningMismatch`] when `opening` does not open the certificate's
/// commitment; [`Error::CoverBelowMinimum`] when its amount is below `minimum` (no
/// valid proof exists then).
pub fn prove_cover<R: RngCore + CryptoRng>(
    certificate: &CoverCertificate,
    opening: &CoverOpening,
    tier: u8,
    minimum: u64,
    rng: &mut R,
) -> Result<CoverProof, Error> {
    prove_cover_in(COVER_PROOF_DOMAIN, certificate, opening, tier, minimum, rng)
}

pub(crate) fn prove_cover_in<R: RngCore + CryptoRng>(
    domain: &'static [u8],
    certificate: &CoverCertificate,
    opening: &CoverOpening,
    tier: u8,
    minimum: u64,
    rng: &mut R,
) -> Result<CoverProof, Error> {
    if !opening.opens(certificate) {
        return Err(Error::OpeningMismatch);
    }
    let excess = opening
        .amount()
        .checked_sub(minimum)
        .ok_or(Error::CoverBelowMinimum)?;
    let mut t = cover_transcript(domain, certificate, tier, minimum);
    // Same blinding: excess·B + blinding·B_blinding = C - minimum·B = C'.
    let (proof, committed) = RangeProof::prove_single_with_rng(
        gens::bulletproof(),
        gens::pedersen(),
        &mut t,
        excess,
        opening.blinding(),
        COVER_RANGE_BITS,
        rng,
    )
    .map_err(|_| Error::InvalidProof)?;
    if committed != shifted_commitment(certificate, minimum)? {
        return Err(Error::OpeningMismatch);
    }
    Ok(CoverProof(proof))
}

/// The certificate checks of [`verify_cover`], in its order, without the range proof.
pub(crate) fn check_registered<R: InsurerRegistry + ?Sized>(
    certificate: &CoverCertificate,
    registered: &R,
) -> Result<(), Error> {
    if certificate.version() != INSURANCE_VERSION {
        return Err(Error::UnsupportedVersion(certificate.version()));
    }
    if !registered.is_registered(certificate.insurer()) {
        return Err(Error::UnregisteredInsurer);
    }
    Ok(())
}

pub(crate) fn check_expiry(certificate: &CoverCertificate, now: u64) -> Result<(), Error> {
    if certificate.expires() > now {
        Ok(())
    } else {
        Err(Error::Expired {
            expires: certificate.expires(),
            now,
        })
    }
}

/// Checks the range proof against the `C'` derived from `certificate`.
pub(crate) fn check_range(
    certificate: &CoverCertificate,
    proof: &CoverProof,
    tier: u8,
    minimum: u64,
) -> Result<(), Error> {
    check_range_in(COVER_PROOF_DOMAIN, certificate, proof, tier, minimum)
}

pub(crate) fn check_range_in(
    domain: &'static [u8],
    certificate: &CoverCertificate,
    proof: &CoverProof,
    tier: u8,
    minimum: u64,
) -> Result<(), Error> {
    let shifted = shifted_commitment(certificate, minimum)?;
    let mut t = cover_transcript(domain, certificate, tier, minimum);
    proof
        .0
        .verify_single(
            gens::bulletproof(),
            gens::pedersen(),
            &mut t,
            &shifted,
            COVER_RANGE_BITS,
        )
        .map_err(|_| Error::InvalidProof)
}

/// The authority's side: accepts `proof` as showing that `certificate` insures its
/// permit for at least `minimum` (the minimum of `tier`) at time `now`.
///
/// Checks, in order: the insurer is registered, the certificate's signature, the
/// policy has not expired (`expires > now`), and the range proof on
/// `C' = C - minimum·B`, which this function derives itself.
///
/// # Errors
/// The first failing check: [`Error::UnregisteredInsurer`], [`Error::BadCertificate`],
/// [`Error::Expired`], [`Error::InvalidProof`] (or [`Error::UnsupportedVersion`]).
pub fn verify_cover<R: InsurerRegistry + ?Sized>(
    certificate: &CoverCertificate,
    proof: &CoverProof,
    tier: u8,
    minimum: u64,
    now: u64,
    registered: &R,
) -> Result<(), Error> {
    check_registered(certificate, registered)?;
    certificate.verify_signature()?;
    check_expiry(certificate, now)?;
    check_range(certificate, proof, tier, minimum)
}
