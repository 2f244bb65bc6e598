//! EdDSA-Poseidon on Baby Jubjub, exactly as circomlib / circomlibjs
//! (`signPoseidon`, `verifyPoseidon`).
//!
//! * Key: a 32-byte secret seed. `h = BLAKE-512(seed)`; the low half is pruned
//!   (`h[0] &= 0xF8`, `h[31] &= 0x7F`, `h[31] |= 0x40`) and read little-endian as `s`;
//!   the public key is `A = (s >> 3) * Base8`.
//! * Sign `M` (a field element): `r = BLAKE-512(h[32..64] || M as 32 LE bytes) mod l`,
//!   `R8 = r * Base8`, `c = Poseidon(R8.x, R8.y, A.x, A.y, M)`, `S = (r + c * s) mod l`.
//! * Verify: `R8` and `A` on the curve, `S < l`, and `S * Base8 == R8 + (8 * c) * A`.
//!
//! Signing is deterministic, so the same seed and message give the same signature as
//! circomlibjs (tested against committed vectors, and the other way round with node).

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::babyjubjub::{is_on_curve, point_in_subgroup, Point, Scalar, BASE8};
use crate::field::{to_le_bytes, Fr};
use crate::poseidon::hash_n;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, BigInteger256, PrimeField};
use blake_hash::{Blake512, Digest};
use num_bigint::BigUint;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// An EdDSA-Poseidon secret key: the 32-byte seed circomlibjs calls the private key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Expanded key material, wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Expanded {
    /// The pruned scalar `s` (a multiple of 8), as an integer.
    s: [u8; 32],
    /// The nonce prefix, `h[32..64]`.
    prefix: [u8; 32],
}

impl SecretKey {
    /// A key from its 32-byte seed.
    pub fn from_bytes(seed: [u8; 32]) -> Self {
        Self(seed)
    }

    /// A fresh random key.
    pub fn generate<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self(seed)
    }

    /// The 32-byte seed (secret: handle with care).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    fn expand(&self) -> Expanded {
        let mut h: [u8; 64] = Blake512::digest(&self.0).into();
        h[0] &= 0xf8;
        h[31] &= 0x7f;
        h[31] |= 0x40;
        let mut e = Expanded {
            s: [0; 32],
            prefix: [0; 32],
        };
        e.s.copy_from_slice(&h[..32]);
        e.prefix.copy_from_slice(&h[32..]);
        h.zeroize();
        e
    }

    /// The public key `A = (s >> 3) * Base8`.
    pub fn public_key(&self) -> PublicKey {
        let e = self.expand();
        let s = BigUint::from_bytes_le(&e.s) >> 3u32;
        PublicKey((BASE8 * Scalar::from(s)).into_affine())
    }

    /// Signs a field element.
    pub fn sign(&self, message: &Fr) -> Signature {
        let e = self.expand();
        let a = self.public_key();
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(&e.prefix);
        buf[32..].copy_from_slice(&to_le_bytes(message));
        let r_hash: [u8; 64] = Blake512::digest(&buf).into();
        buf.zeroize();
        let r = Scalar::from_le_bytes_mod_order(&r_hash);
        let r8 = (BASE8 * r).into_affine();
        let c = challenge(&r8, &a.0, message);
        let s = r + to_scalar(&c) * Scalar::from_le_bytes_mod_order(&e.s);
        Signature {
            r8,
            s: s.into_bigint(),
        }
    }
}

/// A public key: a point of order `l` (checked on construction from coordinates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(Point);

/// A public key that is not a point of order `l`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Baby Jubjub point of prime order (off the curve, small order or identity)")]
pub struct InvalidPublicKey;

impl PublicKey {
    /// A public key from coordinates: on the curve, in the order-`l` subgroup, not the
    /// identity.
    pub fn from_coordinates(x: Fr, y: Fr) -> Result<Self, InvalidPublicKey> {
        match point_in_subgroup(x, y) {
            Some(p) if !p.is_zero() => Ok(Self(p)),
            _ => Err(InvalidPublicKey),
        }
    }

    /// The point.
    pub fn point(&self) -> &Point {
        &self.0
    }

    /// Verifies a signature exactly as circomlibjs `verifyPoseidon`.
    pub fn verify(&self, message: &Fr, sig: &Signature) -> bool {
        verify_point(&self.0, message, sig)
    }
}

/// Verification against any curve point `A`, as circomlibjs (which checks only that
/// `A` is on the curve).
pub fn verify_point(a: &Point, message: &Fr, sig: &Signature) -> bool {
    if !is_on_curve(a.x, a.y) || !is_on_curve(sig.r8.x, sig.r8.y) {
        return false;
    }
    let Some(s) = sig.scalar() else { return false };
    let c = challenge(&sig.r8, a, message);
    let left = BASE8 * s;
    let right = sig.r8.into_group() + a.mul_by_cofactor_to_group() * to_scalar(&c);
    left == right
}

/// `Poseidon(R8.x, R8.y, A.x, A.y, M)`.
pub fn challenge(r8: &Point, a: &Point, message: &Fr) -> Fr {
    hash_n(&[r8.x, r8.y, a.x, a.y, *message])
}

/// A field element read as an integer modulo `l`.
fn to_scalar(x: &Fr) -> Scalar {
    Scalar::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
}

/// An EdDSA-Poseidon signature `(R8, S)`.
///
/// `S` is kept as the integer it was given as, so a non-canonical `S >= l` can be
/// represented, and rejected: by [`PublicKey::verify`] natively and by the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The nonce point.
    pub r8: Point,
    /// The response, as an integer below 2^256.
    pub s: BigInteger256,
}

impl Signature {
    /// `S` as a scalar if it is canonical (`S < l`).
    pub fn scalar(&self) -> Option<Scalar> {
        Scalar::from_bigint(self.s)
    }

    /// `S` as an integer.
    pub fn s_biguint(&self) -> BigUint {
        BigUint::from_bytes_le(&self.s.to_bytes_le())
    }

    /// A signature from `R8` and the integer `S` (`S < 2^256`; not checked against `l`).
    pub fn from_parts(r8: Point, s: &BigUint) -> Option<Self> {
        let bytes = s.to_bytes_le();
        if bytes.len() > 32 {
            return None;
        }
        let mut buf = [0u8; 32];
        buf[..bytes.len()].copy_from_slice(&bytes);
        let mut limbs = [0u64; 4];
        for (l, c) in limbs.iter_mut().zip(buf.chunks(8)) {
            *l = u64::from_le_bytes(c.try_into().ok()?);
        }
        Some(Self {
            r8,
            s: BigInteger256::new(limbs),
        })
    }
}

impl Default for Signature {
    fn default() -> Self {
        Self {
            r8: Point::zero(),
            s: BigInteger256::zero(),
        }
    }
}

/// JSON forms: a point as `["x", "y"]`, a signature as `{"R8": [..], "S": "<decimal>"}`.
mod json {
    use super::*;
    use crate::field;
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    fn point_strings(p: &Point) -> [String; 2] {
        [field::to_decimal(&p.x), field::to_decimal(&p.y)]
    }

    fn parse_point<E: Error>(xy: &[String; 2]) -> Result<(Fr, Fr), E> {
        Ok((
            field::from_decimal(&xy[0]).map_err(E::custom)?,
            field::from_decimal(&xy[1]).map_err(E::custom)?,
        ))
    }

    impl Serialize for PublicKey {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            point_strings(&self.0).serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for PublicKey {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (x, y) = parse_point(&<[String; 2]>::deserialize(d)?)?;
            PublicKey::from_coordinates(x, y).map_err(D::Error::custom)
        }
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SignatureJson {
        #[serde(rename = "R8")]
        r8: [String; 2],
        #[serde(rename = "S")]
        s: String,
    }

    impl Serialize for Signature {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            SignatureJson {
                r8: point_strings(&self.r8),
                s: self.s_biguint().to_string(),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Signature {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let j = SignatureJson::deserialize(d)?;
            let (x, y) = parse_point(&j.r8)?;
            if j.s.is_empty() || j.s.len() > 80 || !j.s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(D::Error::custom("S is not a decimal integer"));
            }
            let s: BigUint = j.s.parse().map_err(D::Error::custom)?;
            Signature::from_parts(Point::new_unchecked(x, y), &s)
                .ok_or_else(|| D::Error::custom("S does not fit 256 bits"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sign_then_verify_and_failing_twins() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let sk = SecretKey::generate(&mut rng);
        let pk = sk.public_key();
        let m = Fr::from(42u64);
        let sig = sk.sign(&m);
        assert!(pk.verify(&m, &sig));
        // Another message, another key, a tampered R8, a non-canonical S.
        assert!(!pk.verify(&Fr::from(43u64), &sig));
        let other = SecretKey::generate(&mut rng).public_key();
        assert!(!other.verify(&m, &sig));
        let mut bad = sig;
        bad.r8 = (sig.r8 + BASE8).into_affine();
        assert!(!pk.verify(&m, &bad));
        let l = BigUint::from_bytes_le(&Scalar::MODULUS.to_bytes_le());
        let malleable = Signature::from_parts(sig.r8, &(sig.s_biguint() + l)).unwrap();
        assert!(!pk.verify(&m, &malleable));
        assert!(format!("{sk:?}").contains("redacted"));
    }

    #[test]
    fn json_round_trips_and_validates() {
        let sk = SecretKey::from_bytes([5; 32]);
        let pk = sk.public_key();
        let sig = sk.sign(&Fr::from(1u64));
        let pj = serde_json::to_string(&pk).unwrap();
        assert_eq!(serde_json::from_str::<PublicKey>(&pj).unwrap(), pk);
        let sj = serde_json::to_string(&sig).unwrap();
        assert!(sj.contains("\"R8\"") && sj.contains("\"S\""), "{sj}");
        assert_eq!(serde_json::from_str::<Signature>(&sj).unwrap(), sig);
        // The identity is not a public key; S must be decimal.
        assert!(serde_json::from_str::<PublicKey>(r#"["0","1"]"#).is_err());
        assert!(serde_json::from_str::<Signature>(r#"{"R8":["0","1"],"S":"-1"}"#).is_err());
    }

    #[test]
    fn public_key_validation() {
        let pk = SecretKey::from_bytes([7; 32]).public_key();
        let p = pk.point();
        assert_eq!(PublicKey::from_coordinates(p.x, p.y), Ok(pk));
        assert!(PublicKey::from_coordinates(Fr::from(0u64), Fr::from(1u64)).is_err());
        assert!(PublicKey::from_coordinates(p.x, p.y + Fr::from(1u64)).is_err());
        // A point of order 2 is on the curve but not in the subgroup.
        assert!(PublicKey::from_coordinates(Fr::from(0u64), -Fr::from(1u64)).is_err());
    }
}
