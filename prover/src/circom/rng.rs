//! snarkjs's deterministic randomness (ffjavascript's `ChaCha` and `fromRng`), which a
//! phase-2 ceremony's proofs of knowledge and beacons are defined by.
//!
//! * The generator is ChaCha20 (20 rounds, a 128-bit block counter from 0, no nonce)
//!   keyed with the first eight 32-bit *big-endian* words of a hash; its output is the
//!   block's words in order, and a 64-bit draw is `hi << 32 | lo` (the first word high).
//! * A field element is four 64-bit draws, limb 0 first, masked to the modulus' 254
//!   bits and drawn again while at or above the modulus. ffjavascript keeps elements in
//!   Montgomery form, so the drawn integer `v` *is* the Montgomery form: the element is
//!   `v / 2^256`.
//! * A point draws `x` (an `Fq2` draws `c0` then `c1`), then one bit `greatest`, again
//!   while `x^3 + b` is not a square; `y` is the square root that is "negative" exactly
//!   when `greatest` is set (an `Fq` is negative above `(q - 1) / 2`; an `Fq2` by `c1`,
//!   or by `c0` when `c1 = 0`). A G2 point is then multiplied by the twist's cofactor.
//! * `hashToG2(t)` is that G2 point from the generator keyed with `t`; a beacon's
//!   generator is keyed with the beacon hash after `2^exp` rounds of SHA-256.
//!
//! The values are pinned against snarkjs 0.7.6 by `prover/vectors/ceremony.json`
//! (`tools/js/ceremony-vectors.mjs`).

use alc_circuits::Fr;
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveConfig, CurveGroup};
use ark_ff::{BigInteger256, Field, PrimeField, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

/// ffjavascript's generator.
pub(crate) struct SnarkRng(ChaCha20Rng);

impl SnarkRng {
    /// Keyed with the first 32 bytes of `hash`, read as eight big-endian words.
    pub(crate) fn from_hash(hash: &[u8; 32]) -> Self {
        let mut key = [0u8; 32];
        for (k, h) in key.chunks_exact_mut(4).zip(hash.chunks_exact(4)) {
            k.copy_from_slice(&[h[3], h[2], h[1], h[0]]);
        }
        Self(ChaCha20Rng::from_seed(key))
    }

    /// A beacon's generator: `hash` after `2^exp` rounds of SHA-256.
    pub(crate) fn beacon(hash: &[u8], exp: u8) -> Self {
        let mut cur: [u8; 32] = Sha256::digest(hash).into();
        for _ in 1..(1u64 << exp) {
            cur = Sha256::digest(cur).into();
        }
        Self::from_hash(&cur)
    }

    pub(crate) fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    fn u64(&mut self) -> u64 {
        let hi = u64::from(self.u32());
        (hi << 32) | u64::from(self.u32())
    }

    /// A Montgomery form below `modulus` (both 254-bit).
    fn below(&mut self, modulus: &BigInteger256) -> BigInteger256 {
        loop {
            let mut limbs = [0u64; 4];
            for l in &mut limbs {
                *l = self.u64();
            }
            limbs[3] &= (1u64 << 62) - 1;
            let v = BigInteger256::new(limbs);
            if v < *modulus {
                return v;
            }
        }
    }

    /// `Fr.fromRng`.
    pub(crate) fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.below(&Fr::MODULUS))
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.below(&Fq::MODULUS))
    }

    /// `G1.fromRng`.
    pub(crate) fn g1(&mut self) -> G1Affine {
        let b = ark_bn254::g1::Config::COEFF_B;
        let (x, y) = self.point(|r| r.fq(), |x| x * x * x + b, |y| negative(*y));
        G1Affine::new_unchecked(x, y)
    }

    /// `G2.fromRng`.
    pub(crate) fn g2(&mut self) -> G2Affine {
        let b = ark_bn254::g2::Config::COEFF_B;
        let (x, y) = self.point(
            |r| {
                let c0 = r.fq();
                Fq2::new(c0, r.fq())
            },
            |x| x * x * x + b,
            |y| {
                if y.c1.is_zero() {
                    negative(y.c0)
                } else {
                    negative(y.c1)
                }
            },
        );
        G2Affine::new_unchecked(x, y)
            .mul_bigint(ark_bn254::g2::Config::COFACTOR)
            .into_affine()
    }

    fn point<F: Field>(
        &mut self,
        draw: impl Fn(&mut Self) -> F,
        rhs: impl Fn(&F) -> F,
        negative: impl Fn(&F) -> bool,
    ) -> (F, F) {
        loop {
            let x = draw(self);
            let greatest = self.u32() & 1 == 1;
            if let Some(y) = rhs(&x).sqrt() {
                let y = if greatest == negative(&y) { y } else { -y };
                return (x, y);
            }
        }
    }
}

/// ffjavascript's sign of an `Fq`: above `(q - 1) / 2`.
fn negative(y: Fq) -> bool {
    y.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

/// snarkjs's `hashToG2`: the G2 point a contribution's proof of knowledge is bound to.
pub(crate) fn hash_to_g2(transcript: &[u8; 64]) -> G2Affine {
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&transcript[..32]);
    SnarkRng::from_hash(&seed).g2()
}

/// A G1 point as snarkjs hashes it: `x` then `y`, big-endian, canonical; the identity
/// as zeros.
pub(crate) fn g1_uncompressed(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&be(x));
        out[32..].copy_from_slice(&be(y));
    }
    out
}

/// A G2 point likewise: `x.c1`, `x.c0`, `y.c1`, `y.c0`.
pub(crate) fn g2_uncompressed(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[32 * i..32 * i + 32].copy_from_slice(&be(*c));
        }
    }
    out
}

fn be(x: Fq) -> [u8; 32] {
    use ark_ff::BigInteger;
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let text = include_str!("../../vectors/ceremony.json");
        serde_json::from_str(text).expect("vectors parse")
    }

    fn bytes<const N: usize>(v: &Value) -> [u8; N] {
        let b = hex::decode(v.as_str().expect("hex string")).expect("hex");
        b.try_into().expect("length")
    }

    #[test]
    fn the_generator_is_ffjavascripts_chacha() {
        let v = vectors();
        let mut rng = SnarkRng::from_hash(&bytes(&v["chacha"]["seed"]));
        let words: Vec<u64> = v["chacha"]["words"]
            .as_array()
            .expect("words")
            .iter()
            .map(|w| w.as_u64().expect("word"))
            .collect();
        assert_eq!(words.len(), 40);
        for w in &words {
            assert_eq!(u64::from(rng.u32()), *w);
        }
        // Twin: another seed gives other words.
        let mut seed: [u8; 32] = bytes(&v["chacha"]["seed"]);
        seed[31] ^= 1;
        let mut other = SnarkRng::from_hash(&seed);
        assert_ne!(u64::from(other.u32()), words[0]);
    }

    #[test]
    fn hash_to_g2_is_snarkjss() {
        let v = vectors();
        let cases = v["hash_to_g2"].as_array().expect("cases");
        assert!(cases.len() >= 6);
        for c in cases {
            let t: [u8; 64] = bytes(&c["transcript"]);
            let p = hash_to_g2(&t);
            assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
            assert_eq!(g2_uncompressed(&p), bytes::<128>(&c["point"]));
            // Twin: one bit of the hashed half changes the point; the other half is not
            // hashed at all (snarkjs keys ChaCha with 32 bytes).
            let mut t2 = t;
            t2[0] ^= 1;
            assert_ne!(g2_uncompressed(&hash_to_g2(&t2)), bytes::<128>(&c["point"]));
            t2 = t;
            t2[63] ^= 1;
            assert_eq!(g2_uncompressed(&hash_to_g2(&t2)), bytes::<128>(&c["point"]));
        }
    }

    #[test]
    fn a_beacons_key_is_snarkjss() {
        let v = vectors();
        for c in v["beacon"].as_array().expect("cases") {
            let hash = hex::decode(c["hash"].as_str().expect("hash")).expect("hex");
            let exp = u8::try_from(c["exp"].as_u64().expect("exp")).expect("small");
            let mut rng = SnarkRng::beacon(&hash, exp);
            let x = rng.fr();
            let s = rng.g1();
            let sx = (s * x).into_affine();
            assert_eq!(g1_uncompressed(&s), bytes::<64>(&c["g1_s"]));
            assert_eq!(g1_uncompressed(&sx), bytes::<64>(&c["g1_sx"]));
            // Twin: one more round of SHA-256 is another key.
            let mut other = SnarkRng::beacon(&hash, exp + 1);
            let _ = other.fr();
            assert_ne!(g1_uncompressed(&other.g1()), bytes::<64>(&c["g1_s"]));
        }
    }
}
