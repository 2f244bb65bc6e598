//! Escrow of a credential's serial: ElGamal on Baby Jubjub with the message in the
//! exponent, natively.
//!
//! The trustees hold shares of a secret `x`; their joint public key is the
//! [`EscrowKey`] `Y = x * Base8`. A presentation carries a fresh [`Ciphertext`] of its
//! credential's serial `s`:
//!
//! ```text
//! c1 = r * Base8,    c2 = s * Base8 + r * Y        (r uniform in [0, l))
//! ```
//!
//! Two presentations of one licence are unlinkable (IND-CPA under DDH in the order-`l`
//! subgroup: `(c1, c2 - s * Base8)` is a DH tuple with `Y`). Opening needs `x * c1`
//! (which t trustees compute together, see `alc-escrow`), then `s * Base8 = c2 - x * c1`
//! and the serial by baby-step giant-step over `[0, 2^20)` ([`recover_serial`]: 2^10
//! steps of each kind). `docs/escrow.md` argues the choice against a Poseidon hybrid.

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::babyjubjub::{point_in_subgroup, Point, PointProjective, Scalar, BASE8};
use crate::field::Fr;
use crate::tags::SERIAL_BITS;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use rand::{CryptoRng, RngCore};
use std::collections::HashMap;
use std::sync::OnceLock;
use zeroize::Zeroize;

/// Why an escrow value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowError {
    /// A point off the curve, outside the order-`l` subgroup, or the identity.
    #[error("the {0} is not a point of order l on Baby Jubjub")]
    Point(&'static str),
}

/// The trustees' joint public key `Y = x * Base8` (never the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EscrowKey(Point);

impl EscrowKey {
    /// The key from its coordinates, checked (on the curve, order `l`, not the identity).
    ///
    /// # Errors
    /// [`EscrowError::Point`].
    pub fn from_coordinates(x: Fr, y: Fr) -> Result<Self, EscrowError> {
        Self::from_point(Point::new_unchecked(x, y))
    }

    /// The key from a point, checked as [`EscrowKey::from_coordinates`].
    ///
    /// # Errors
    /// [`EscrowError::Point`].
    pub fn from_point(p: Point) -> Result<Self, EscrowError> {
        point_in_subgroup(p.x, p.y)
            .filter(|p| !p.is_zero())
            .map(Self)
            .ok_or(EscrowError::Point("escrow key"))
    }

    /// The point `Y`.
    pub fn point(&self) -> &Point {
        &self.0
    }

    /// Whether the key's secret is at most [`WEAK_SECRETS`]: `Y = x * Base8` for such an
    /// `x` is found by walking `Base8, 2 Base8, ...`, so anyone can open every ciphertext
    /// under it. The test keys (`x = 77`) are; a key from `alc escrow deal` is not (its
    /// secret is a sum of uniform scalars). About 1,024 point additions.
    pub fn is_weak(&self) -> bool {
        let mut p = crate::babyjubjub::BASE8.into_group();
        let base = p;
        for _ in 0..WEAK_SECRETS {
            if p.into_affine() == self.0 {
                return true;
            }
            p += base;
        }
        false
    }
}

/// The secrets [`EscrowKey::is_weak`] looks for: `1..=WEAK_SECRETS`.
pub const WEAK_SECRETS: u64 = 1024;

/// The randomness of one encryption: secret (whoever holds it can decrypt), wiped on
/// drop, never printed.
#[derive(Clone)]
pub struct Randomness(Scalar);

impl Randomness {
    /// Fresh randomness, uniform in `[0, l)`.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(Scalar::rand(rng))
    }

    /// Given randomness (outside test vectors; a wallet draws it with [`Randomness::random`]).
    pub fn from_scalar(r: Scalar) -> Self {
        Self(r)
    }

    /// The scalar `r`.
    pub fn scalar(&self) -> &Scalar {
        &self.0
    }
}

impl std::fmt::Debug for Randomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Randomness(..)")
    }
}

impl Drop for Randomness {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// An ElGamal ciphertext `(c1, c2)` of a serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// `r * Base8`.
    pub c1: Point,
    /// `s * Base8 + r * Y`.
    pub c2: Point,
}

impl Ciphertext {
    /// Encrypts `serial` (below `2^20`) under `key` with `r`.
    pub fn encrypt(key: &EscrowKey, serial: u32, r: &Randomness) -> Self {
        debug_assert!(serial < 1 << SERIAL_BITS);
        let c1 = (BASE8 * r.0).into_affine();
        let c2 = (BASE8 * Scalar::from(serial) + key.0 * r.0).into_affine();
        Self { c1, c2 }
    }

    /// A ciphertext read from its coordinates: both points on the curve and of order `l`
    /// (the identity is allowed: `c2` is the identity for serial 0 and `r = 0`, and a
    /// gateway learns nothing from either).
    ///
    /// # Errors
    /// [`EscrowError::Point`].
    pub fn from_coordinates(c1: [Fr; 2], c2: [Fr; 2]) -> Result<Self, EscrowError> {
        Ok(Self {
            c1: point_in_subgroup(c1[0], c1[1]).ok_or(EscrowError::Point("ciphertext's c1"))?,
            c2: point_in_subgroup(c2[0], c2[1]).ok_or(EscrowError::Point("ciphertext's c2"))?,
        })
    }

    /// The serial, given the shared point `x * c1`; `None` if `c2 - x * c1` is not
    /// `s * Base8` for a serial below `2^20` (a wrong shared point).
    pub fn open(&self, shared: &Point) -> Option<u32> {
        recover_serial(&(self.c2.into_group() - shared.into_group()).into_affine())
    }
}

/// Baby steps `j * Base8` for `j < 2^10`, by point.
fn baby_steps() -> &'static HashMap<Point, u32> {
    static T: OnceLock<HashMap<Point, u32>> = OnceLock::new();
    T.get_or_init(|| {
        let mut acc = PointProjective::default();
        let base = BASE8.into_group();
        let mut points = Vec::with_capacity(BABY);
        for _ in 0..BABY {
            points.push(acc);
            acc += base;
        }
        PointProjective::normalize_batch(&points)
            .into_iter()
            .zip(0u32..)
            .collect()
    })
}

/// Baby steps per giant step: `2^10`, half of the serial's 20 bits.
const BABY: usize = 1 << (SERIAL_BITS / 2);

/// Giant steps normalised together: one field inversion per batch, not per step.
const GIANT_BATCH: usize = 64;

/// The serial `s < 2^20` with `m = s * Base8`, by baby-step giant-step (at most 2^10
/// table look-ups after a 2^10-point table built once; the giant steps are normalised
/// to affine form [`GIANT_BATCH`] at a time); `None` if there is none.
pub fn recover_serial(m: &Point) -> Option<u32> {
    let table = baby_steps();
    let giant = -(BASE8 * Scalar::from(BABY as u64));
    let steps = (1usize << SERIAL_BITS) / BABY;
    let mut point = m.into_group();
    let mut batch = Vec::with_capacity(GIANT_BATCH);
    for first in (0..steps).step_by(GIANT_BATCH) {
        batch.clear();
        for _ in first..(first + GIANT_BATCH).min(steps) {
            batch.push(point);
            point += giant;
        }
        for (i, p) in PointProjective::normalize_batch(&batch).iter().enumerate() {
            if let Some(j) = table.get(p) {
                return Some(((first + i) * BABY) as u32 + j);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn key(x: u64) -> EscrowKey {
        EscrowKey::from_point((BASE8 * Scalar::from(x)).into_affine()).unwrap()
    }

    #[test]
    fn keys_with_small_secrets_are_weak() {
        for x in [1, 7, 77, WEAK_SECRETS] {
            assert!(key(x).is_weak(), "{x}");
        }
        // Twins: just past the range, and a large secret.
        assert!(!key(WEAK_SECRETS + 1).is_weak());
        assert!(!key(123_456_789).is_weak());
    }

    #[test]
    fn encrypts_and_opens_every_edge_of_the_serial_range() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let x = Scalar::from(123_456_789u64);
        let y = key(123_456_789);
        for serial in [0, 1, 1023, 1024, 777_777, (1 << 20) - 1] {
            let ct = Ciphertext::encrypt(&y, serial, &Randomness::random(&mut rng));
            let shared = (ct.c1 * x).into_affine();
            assert_eq!(ct.open(&shared), Some(serial));
            // The twin: another secret's shared point opens to nothing.
            let wrong = (ct.c1 * (x + Scalar::from(1u64))).into_affine();
            assert_eq!(ct.open(&wrong), None);
        }
    }

    #[test]
    fn fresh_randomness_gives_unrelated_ciphertexts_of_one_serial() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let y = key(5);
        let a = Ciphertext::encrypt(&y, 42, &Randomness::random(&mut rng));
        let b = Ciphertext::encrypt(&y, 42, &Randomness::random(&mut rng));
        assert_ne!(a.c1, b.c1);
        assert_ne!(a.c2, b.c2);
    }

    #[test]
    fn serials_beyond_the_range_are_not_recovered() {
        let m = (BASE8 * Scalar::from(1u64 << 20)).into_affine();
        assert_eq!(recover_serial(&m), None);
    }

    #[test]
    fn keys_and_ciphertexts_off_the_subgroup_are_refused() {
        // The identity as a key, a point of order 2, and an off-curve point.
        assert!(EscrowKey::from_point(Point::zero()).is_err());
        assert!(EscrowKey::from_coordinates(Fr::from(0u64), -Fr::from(1u64)).is_err());
        assert!(EscrowKey::from_coordinates(Fr::from(1u64), Fr::from(2u64)).is_err());
        let p = *key(9).point();
        assert!(Ciphertext::from_coordinates([p.x, p.y], [p.x, p.y]).is_ok());
        assert_eq!(
            Ciphertext::from_coordinates([p.x, p.y], [p.x, p.y + Fr::from(1u64)]),
            Err(EscrowError::Point("ciphertext's c2"))
        );
    }

    #[test]
    fn randomness_is_never_printed() {
        let r = Randomness::random(&mut rand_chacha::ChaCha20Rng::seed_from_u64(1));
        assert_eq!(format!("{r:?}"), "Randomness(..)");
    }
}
