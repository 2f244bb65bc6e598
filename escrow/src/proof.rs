//! Sigma proofs on Baby Jubjub, made non-interactive by Fiat-Shamir: knowledge of a
//! discrete logarithm (Schnorr) and equality of two (Chaum-Pedersen).
//!
//! A proof is `(c, z)`: for bases `G_k` and points `P_k = w * G_k`, the prover draws `k`,
//! computes `A_k = k * G_k`, `c = H(tag, context, G_k, P_k, A_k)` and `z = k + c * w`; the
//! verifier recomputes `A_k = z * G_k - c * P_k` and checks `c`. With one base it is
//! Schnorr's proof, with two Chaum-Pedersen's. `H` is SHA-512 over the tag (length
//! first), the context and every point's coordinates (32 bytes little-endian each),
//! reduced modulo `l`: 512 bits, so the challenge's bias is below `2^-260`.

use alc_circuits::babyjubjub::{Point, Scalar};
use alc_circuits::field::to_le_bytes;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, UniformRand};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};
use zeroize::Zeroize;

/// A proof in challenge-response form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The challenge `c`.
    pub challenge: Scalar,
    /// The response `z = k + c * w`.
    pub response: Scalar,
}

fn challenge(tag: &str, context: &[u8], points: &[Point]) -> Scalar {
    let mut h = Sha512::new();
    h.update((tag.len() as u64).to_be_bytes());
    h.update(tag.as_bytes());
    h.update((context.len() as u64).to_be_bytes());
    h.update(context);
    for p in points {
        h.update(to_le_bytes(&p.x));
        h.update(to_le_bytes(&p.y));
    }
    Scalar::from_le_bytes_mod_order(&h.finalize())
}

/// Proves that `points[k] = witness * bases[k]` for every `k`.
pub fn prove<R: RngCore + CryptoRng>(
    tag: &str,
    context: &[u8],
    bases: &[Point],
    points: &[Point],
    witness: &Scalar,
    rng: &mut R,
) -> Proof {
    let mut k = Scalar::rand(rng);
    let commitments: Vec<Point> = bases.iter().map(|g| (*g * k).into_affine()).collect();
    let c = challenge(tag, context, &transcript(bases, points, &commitments));
    let z = k + c * witness;
    k.zeroize();
    Proof {
        challenge: c,
        response: z,
    }
}

/// Whether `proof` shows one `w` with `points[k] = w * bases[k]` for every `k`.
pub fn verify(tag: &str, context: &[u8], bases: &[Point], points: &[Point], proof: &Proof) -> bool {
    if bases.len() != points.len() {
        return false;
    }
    let commitments: Vec<Point> = bases
        .iter()
        .zip(points)
        .map(|(g, p)| (*g * proof.response - p.into_group() * proof.challenge).into_affine())
        .collect();
    challenge(tag, context, &transcript(bases, points, &commitments)) == proof.challenge
}

fn transcript(bases: &[Point], points: &[Point], commitments: &[Point]) -> Vec<Point> {
    bases
        .iter()
        .chain(points)
        .chain(commitments)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alc_circuits::babyjubjub::BASE8;
    use rand::SeedableRng;

    #[test]
    fn equal_logarithms_prove_and_every_change_is_refused() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let w = Scalar::rand(&mut rng);
        let c1 = (BASE8 * Scalar::rand(&mut rng)).into_affine();
        let bases = [BASE8, c1];
        let points = [(BASE8 * w).into_affine(), (c1 * w).into_affine()];
        let p = prove("t", b"ctx", &bases, &points, &w, &mut rng);
        assert!(verify("t", b"ctx", &bases, &points, &p));
        // Another tag, another context, another point, another base, a changed response.
        assert!(!verify("u", b"ctx", &bases, &points, &p));
        assert!(!verify("t", b"ctx2", &bases, &points, &p));
        let moved = [points[0], (points[1] + BASE8).into_affine()];
        assert!(!verify("t", b"ctx", &bases, &moved, &p));
        assert!(!verify("t", b"ctx", &[BASE8, BASE8], &points, &p));
        let bumped = Proof {
            response: p.response + Scalar::from(1u64),
            ..p
        };
        assert!(!verify("t", b"ctx", &bases, &points, &bumped));
        assert!(!verify("t", b"ctx", &bases[..1], &points, &p));
        // Unequal logarithms cannot be proved equal.
        let unequal = [points[0], (c1 * (w + Scalar::from(1u64))).into_affine()];
        let q = prove("t", b"ctx", &bases, &unequal, &w, &mut rng);
        assert!(!verify("t", b"ctx", &bases, &unequal, &q));
    }
}
