//! EdDSA-Poseidon verification gadget (about 3,000 constraints).
//!
//! The circuit checks `S * Base8 == R8 + 8 * c * A` with `c = Poseidon(R8, A, M)`:
//!
//! * `A` and `R8` are on the curve (3 constraints each). `R8` need not be checked for
//!   the subgroup: `S * Base8` and `8 * c * A` are both of order `l`, so the equation
//!   forces `R8` into the subgroup. `A` is a public input that the verifier compares
//!   with the authority's key, which is validated natively (on the curve, order `l`).
//! * `S` is decomposed into 251 bits and `l - 1 - S` into 251 more: `S < l`, so a
//!   malleable `S + l` is rejected.
//! * `c` is written as `c = X + (q - 2) * l` with `X = 2C - (2^251 - 1)` for a 251-bit
//!   `C` and a 4-bit `q`; then `X = c (mod l)` and `X * T = 8 * c * A` for `T = 8 * A`.
//!   The signed digits `2 c_i - 1` of `X` drive a double-and-add ladder without any
//!   constant multiple of the variable base to subtract at the end. The decomposition
//!   is not unique (the integer `X + (q - 2) * l` may exceed `r`), which lets a prover
//!   use `c`, `c + r` or `c - r` as the challenge: at most a factor 3 on a forger's
//!   success probability, as argued in `docs/circuit.md`.
//! * Both scalar multiplications start from the offset point `G` (so both results
//!   carry `2^251 * G`) and the final comparison `fixed == R8 + ladder` uses one
//!   complete Edwards addition.

use super::Signature;
use crate::babyjubjub::constraints::{fixed_base_mul, variable_base_mul, EdwardsVar};
use crate::babyjubjub::{offset_point, Scalar, BASE8};
use crate::field::{to_biguint, Fr};
use crate::gadgets::{alloc_bits, from_bits_le, linear_combination, range_check};
use crate::poseidon::constraints::hash_var;
use ark_ec::CurveGroup;
use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::{
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use num_bigint::{BigInt, BigUint};

/// Bits of `S` and of the ladder scalar `C`.
pub const SCALAR_BITS: usize = 251;
/// Bits of the quotient `q` in the challenge decomposition.
const QUOTIENT_BITS: usize = 4;

/// A signature in the circuit: `R8` and the bits of `S`.
#[derive(Clone, Debug)]
pub struct SignatureVar {
    /// The nonce point.
    pub r8: EdwardsVar,
    /// `S`, little-endian, 251 bits.
    pub s_bits: Vec<Boolean<Fr>>,
}

impl SignatureVar {
    /// Allocates a signature as a private witness.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        sig: impl FnOnce() -> Result<Signature, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let sig = if cs.is_in_setup_mode() {
            None
        } else {
            Some(sig()?)
        };
        let r8 = EdwardsVar::new_witness(cs.clone(), || {
            sig.map(|s| s.r8).ok_or(SynthesisError::AssignmentMissing)
        })?;
        let s_bits = alloc_bits(
            cs,
            || {
                sig.map(|s| Fr::from_le_bytes_mod_order(&s.s.to_bytes_le()))
                    .ok_or(SynthesisError::AssignmentMissing)
            },
            SCALAR_BITS,
        )?;
        Ok(Self { r8, s_bits })
    }
}

/// Enforces that `sig` is a valid EdDSA-Poseidon signature of `message` under `a`.
pub fn enforce_valid(
    a: &EdwardsVar,
    message: &FpVar<Fr>,
    sig: &SignatureVar,
) -> Result<(), SynthesisError> {
    a.enforce_on_curve()?;
    sig.r8.enforce_on_curve()?;
    let c = hash_var(&[
        sig.r8.x.clone(),
        sig.r8.y.clone(),
        a.x.clone(),
        a.y.clone(),
        message.clone(),
    ])?;

    // c = 2C - (2^251 - 1) + (q - 2) l
    let cs = c.cs();
    let split = if cs.is_in_setup_mode() {
        None
    } else {
        Some(split_challenge(&c.value()?))
    };
    let split = split.transpose()?;
    let c_bits = alloc_bits(
        cs.clone(),
        || {
            split
                .as_ref()
                .map(|s| s.0)
                .ok_or(SynthesisError::AssignmentMissing)
        },
        SCALAR_BITS,
    )?;
    let q_bits = alloc_bits(
        cs.clone(),
        || {
            split
                .as_ref()
                .map(|s| s.1)
                .ok_or(SynthesisError::AssignmentMissing)
        },
        QUOTIENT_BITS,
    )?;
    let l = l_as_fr();
    let two = Fr::from(2u64);
    let offset = -(two.pow([SCALAR_BITS as u64]) - Fr::ONE) - two * l;
    linear_combination(&[two, l], &[from_bits_le(&c_bits)?, from_bits_le(&q_bits)?])?
        .enforce_equal(&(c.clone() - offset))?;

    // S < l: l - 1 - S fits in 251 bits.
    let s = from_bits_le(&sig.s_bits)?;
    range_check(&(FpVar::constant(l - Fr::ONE) - &s), SCALAR_BITS)?;

    let t = a.double()?.double()?.double()?.to_montgomery()?;
    let g = offset_point();
    let ladder = variable_base_mul(&c_bits, &t, &g)?; // 2^251 G + 8 c A
    let g_shift = (g * Scalar::from(two_pow_bits())).into_affine();
    let fixed = fixed_base_mul(&sig.s_bits, &BASE8, &g_shift)?; // 2^251 G + S Base8
    let right = sig.r8.add(&ladder.to_edwards()?)?;
    fixed.to_edwards()?.enforce_equal(&right)
}

fn two_pow_bits() -> BigUint {
    BigUint::from(1u8) << SCALAR_BITS
}

/// The subgroup order `l` as an element of the (larger) base field.
fn l_as_fr() -> Fr {
    Fr::from_le_bytes_mod_order(&Scalar::MODULUS.to_bytes_le())
}

/// Finds `C` (251 bits) and `q` (4 bits) with `c = 2C - (2^251 - 1) + (q - 2) l`.
fn split_challenge(c: &Fr) -> Result<(Fr, Fr), SynthesisError> {
    let l = BigInt::from(BigUint::from_bytes_le(&Scalar::MODULUS.to_bytes_le()));
    let half: BigInt = BigInt::from(two_pow_bits()) - 1; // 2^251 - 1
    let c = BigInt::from(to_biguint(c));
    for q in 0u32..1 << QUOTIENT_BITS {
        let x: BigInt = &c - (BigInt::from(q) - 2) * &l;
        if x.magnitude().bit(0) && x.magnitude() <= half.magnitude() {
            let big_c: BigInt = (x + &half) / 2;
            let big_c = big_c.to_biguint().ok_or(SynthesisError::Unsatisfiable)?;
            return Ok((Fr::from(big_c), Fr::from(q)));
        }
    }
    Err(SynthesisError::Unsatisfiable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babyjubjub::Point;
    use crate::eddsa::SecretKey;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::gr1cs::ConstraintSystem;

    fn run(pk: &Point, m: Fr, sig: Signature) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = EdwardsVar::new(
            FpVar::new_input(cs.clone(), || Ok(pk.x)).unwrap(),
            FpVar::new_input(cs.clone(), || Ok(pk.y)).unwrap(),
        );
        let mv = FpVar::new_witness(cs.clone(), || Ok(m)).unwrap();
        let sv = SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
        enforce_valid(&a, &mv, &sv).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn valid_signatures_satisfy_for_many_messages() {
        for k in 0..4u8 {
            let sk = SecretKey::from_bytes([k; 32]);
            let pk = *sk.public_key().point();
            for m in [
                Fr::from(0u64),
                Fr::from(1u64),
                -Fr::ONE,
                Fr::from(123456789u64 * k as u64),
            ] {
                let sig = sk.sign(&m);
                let (ok, n) = run(&pk, m, sig);
                assert!(ok, "key {k}");
                assert!(n < 3_200, "{n} constraints");
            }
        }
    }

    #[test]
    fn failing_twins() {
        let sk = SecretKey::from_bytes([9; 32]);
        let pk = *sk.public_key().point();
        let m = Fr::from(77u64);
        let sig = sk.sign(&m);
        assert!(run(&pk, m, sig).0);
        // Another message.
        assert!(!run(&pk, m + Fr::ONE, sig).0);
        // Another issuer key.
        let other = *SecretKey::from_bytes([10; 32]).public_key().point();
        assert!(!run(&other, m, sig).0);
        // A signature by another key on the same message.
        assert!(!run(&pk, m, SecretKey::from_bytes([10; 32]).sign(&m)).0);
        // Tampered R8 (still on the curve).
        let mut bad = sig;
        bad.r8 = (sig.r8 + BASE8).into_affine();
        assert!(!run(&pk, m, bad).0);
    }

    #[test]
    fn malleable_s_is_rejected() {
        // Find a signature whose S + l still fits in 251 bits, so only the S < l
        // check can reject it (the scalar multiplication itself would agree).
        let sk = SecretKey::from_bytes([3; 32]);
        let pk = *sk.public_key().point();
        let l = BigUint::from_bytes_le(&Scalar::MODULUS.to_bytes_le());
        let (m, sig) = (0u64..)
            .map(|i| (Fr::from(i), sk.sign(&Fr::from(i))))
            .find(|(_, s)| s.s_biguint() + &l < two_pow_bits())
            .unwrap();
        assert!(run(&pk, m, sig).0);
        let malleable = Signature::from_parts(sig.r8, &(sig.s_biguint() + l)).unwrap();
        assert!(!run(&pk, m, malleable).0);
    }

    #[test]
    fn challenge_split_is_exact() {
        let l = l_as_fr();
        let two = Fr::from(2u64);
        for c in [Fr::from(0u64), Fr::from(1u64), -Fr::ONE, l, l - Fr::ONE, -l] {
            let (big_c, q) = split_challenge(&c).unwrap();
            assert!(to_biguint(&big_c).bits() <= SCALAR_BITS as u64);
            assert!(to_biguint(&q) < BigUint::from(16u8));
            assert_eq!(
                two * big_c - (two.pow([SCALAR_BITS as u64]) - Fr::ONE) + (q - two) * l,
                c
            );
        }
    }
}
