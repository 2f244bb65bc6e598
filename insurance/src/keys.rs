//! Insurer key pairs: a secret scalar `x` and the public point `X = x·G` on
//! ristretto255 (`G` the standard basepoint).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;

/// An insurer's signing key: a non-zero scalar, wiped from memory on drop.
///
/// Its `Debug` output never shows the scalar.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct InsurerSecret(Scalar);

impl InsurerSecret {
    /// Draws a fresh key from `rng`.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let x = Scalar::random(rng);
            if x != Scalar::ZERO {
                return InsurerSecret(x);
            }
        }
    }

    /// Reads a key from its 32-byte little-endian canonical encoding.
    ///
    /// # Errors
    /// [`Error::InvalidSecretKey`] when the bytes are not a canonical scalar or are zero.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let x: Option<Scalar> = Scalar::from_canonical_bytes(*bytes).into();
        match x {
            Some(x) if x != Scalar::ZERO => Ok(InsurerSecret(x)),
            _ => Err(Error::InvalidSecretKey),
        }
    }

    /// The key's 32-byte encoding, in a buffer wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key `x·G`.
    pub fn public(&self) -> InsurerPublic {
        let point = RistrettoPoint::mul_base(&self.0);
        InsurerPublic {
            compressed: point.compress(),
            point,
        }
    }

    pub(crate) fn scalar(&self) -> &Scalar {
        &self.0
    }
}

impl fmt::Debug for InsurerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InsurerSecret(<redacted>)")
    }
}

/// An insurer's public key: a valid, non-identity ristretto255 point.
///
/// Serialised (serde, `Display`, `FromStr`) as 64 lowercase hex characters of its
/// compressed encoding. Equality and hashing are on that encoding, which is canonical.
#[derive(Clone, Copy)]
pub struct InsurerPublic {
    compressed: CompressedRistretto,
    point: RistrettoPoint,
}

impl InsurerPublic {
    /// Reads a public key from its 32-byte compressed encoding.
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] when the bytes are not the canonical encoding of a
    /// ristretto255 point, or encode the identity (for which any signature verifies).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let compressed = CompressedRistretto(*bytes);
        let point = compressed.decompress().ok_or(Error::InvalidPublicKey)?;
        if point.is_identity() {
            return Err(Error::InvalidPublicKey);
        }
        Ok(InsurerPublic { compressed, point })
    }

    /// The 32-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.compressed.to_bytes()
    }

    /// The compressed point.
    pub fn as_compressed(&self) -> &CompressedRistretto {
        &self.compressed
    }

    pub(crate) fn point(&self) -> &RistrettoPoint {
        &self.point
    }
}

impl PartialEq for InsurerPublic {
    fn eq(&self, other: &Self) -> bool {
        self.compressed == other.compressed
    }
}

impl Eq for InsurerPublic {}

impl Hash for InsurerPublic {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.compressed.as_bytes().hash(state);
    }
}

impl fmt::Display for InsurerPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.compressed.as_bytes()))
    }
}

impl fmt::Debug for InsurerPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InsurerPublic({self})")
    }
}

impl FromStr for InsurerPublic {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        InsurerPublic::from_bytes(&crate::encoding::hex_array(s, "insurer public key")?)
    }
}

impl Serialize for InsurerPublic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InsurerPublic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A register of insurers the verifier accepts: a slice, array or `Vec` of public keys,
/// or any `Fn(&InsurerPublic) -> bool`.
pub trait InsurerRegistry {
    /// Whether certificates signed by `insurer` are accepted.
    fn is_registered(&self, insurer: &InsurerPublic) -> bool;
}

impl<F: Fn(&InsurerPublic) -> bool> InsurerRegistry for F {
    fn is_registered(&self, insurer: &InsurerPublic) -> bool {
        self(insurer)
    }
}

impl InsurerRegistry for [InsurerPublic] {
    fn is_registered(&self, insurer: &InsurerPublic) -> bool {
        self.contains(insurer)
    }
}

impl<const N: usize> InsurerRegistry for [InsurerPublic; N] {
    fn is_registered(&self, insurer: &InsurerPublic) -> bool {
        self.contains(insurer)
    }
}

impl InsurerRegistry for Vec<InsurerPublic> {
    fn is_registered(&self, insurer: &InsurerPublic) -> bool {
        self.contains(insurer)
    }
}
