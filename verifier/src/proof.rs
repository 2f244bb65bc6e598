//! The proof: three curve points, 128 bytes compressed.

use ark_bn254::Bn254;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

/// Length of a compressed proof: `A` (32) + `B` (64) + `C` (32).
pub const PROOF_BYTES: usize = 128;

/// A malformed encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Wrong length.
    #[error("a proof is {PROOF_BYTES} bytes, got {0}")]
    Length(usize),
    /// A point not on its curve, outside the prime-order subgroup, or badly encoded.
    #[error("proof points are not valid curve points in the prime-order subgroup")]
    Point,
    /// Not hexadecimal.
    #[error("proof is not hexadecimal")]
    Hex,
    /// A point the identity (no honest proof has one), or encoded other than in its one
    /// canonical form (arkworks reads an infinity flag and ignores the bytes beside it).
    #[error("proof points must be canonically encoded and not the identity")]
    NotCanonical,
}

/// A Groth16 proof for circuit v1.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof(pub(crate) ark_groth16::Proof<Bn254>);

impl Eq for Proof {}

impl Proof {
    /// Wraps an arkworks proof.
    pub fn from_ark(p: ark_groth16::Proof<Bn254>) -> Self {
        Self(p)
    }

    /// The arkworks proof.
    pub fn ark(&self) -> &ark_groth16::Proof<Bn254> {
        &self.0
    }

    /// Decodes 128 compressed bytes with curve and subgroup checks; refuses the identity
    /// as any of the three points, and any encoding but the canonical one, so one proof
    /// has one encoding (found by the `proof` fuzz target: an infinity flag with other
    /// bytes set decoded to the identity).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        use ark_ec::AffineRepr;
        if bytes.len() != PROOF_BYTES {
            return Err(DecodeError::Length(bytes.len()));
        }
        let p = ark_groth16::Proof::<Bn254>::deserialize_compressed(bytes)
            .map(Self)
            .map_err(|_| DecodeError::Point)?;
        if p.0.a.is_zero() || p.0.b.is_zero() || p.0.c.is_zero() || p.to_bytes() != bytes {
            return Err(DecodeError::NotCanonical);
        }
        Ok(p)
    }

    /// The 128-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; PROOF_BYTES] {
        let mut out = Vec::with_capacity(PROOF_BYTES);
        // Serialising into a Vec cannot fail.
        let _ = self.0.serialize_compressed(&mut out);
        let mut bytes = [0u8; PROOF_BYTES];
        bytes.copy_from_slice(&out);
        bytes
    }

    /// Lowercase hex of the compressed encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Decodes lowercase or uppercase hex.
    pub fn from_hex(s: &str) -> Result<Self, DecodeError> {
        Self::from_bytes(&hex::decode(s).map_err(|_| DecodeError::Hex)?)
    }
}
