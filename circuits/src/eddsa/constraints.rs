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
    enforce_valid_with_split(a, message, sig, split_challenge)
}

/// [`enforce_valid`], with the witness `(C, q)` of the challenge's decomposition
/// computed from the challenge by `split` ([`split_challenge`] for every caller but the
/// tests, which inject other decompositions). Only witness generation depends on
/// `split`: the constraints are the same for every `split`.
fn enforce_valid_with_split(
    a: &EdwardsVar,
    message: &FpVar<Fr>,
    sig: &SignatureVar,
    split: impl FnOnce(&Fr) -> Result<(Fr, Fr), SynthesisError>,
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
        Some(split(&c.value()?))
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
    use crate::babyjubjub::constraints::tests::violated_rows;
    use crate::babyjubjub::Point;
    use crate::eddsa::{challenge, to_scalar, verify_point, SecretKey};
    use crate::field::modulus;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::gr1cs::ConstraintSystem;

    /// The system for `sig` on `m` under `pk`, with the decomposition `split` makes.
    fn build(
        pk: &Point,
        m: Fr,
        sig: Signature,
        split: impl FnOnce(&Fr) -> Result<(Fr, Fr), SynthesisError>,
    ) -> ConstraintSystemRef<Fr> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = EdwardsVar::new(
            FpVar::new_input(cs.clone(), || Ok(pk.x)).unwrap(),
            FpVar::new_input(cs.clone(), || Ok(pk.y)).unwrap(),
        );
        let mv = FpVar::new_witness(cs.clone(), || Ok(m)).unwrap();
        let sv = SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
        enforce_valid_with_split(&a, &mv, &sv, split).unwrap();
        cs
    }

    fn run(pk: &Point, m: Fr, sig: Signature) -> (bool, usize) {
        let cs = build(pk, m, sig, split_challenge);
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    /// A decomposition `2C - (2^251 - 1) + (q - 2) l = c + k r` of a challenge `c`, an
    /// equation between integers.
    #[derive(Clone, Debug, PartialEq)]
    struct Split {
        k: i64,
        big_c: BigUint,
        q: u32,
    }

    impl Split {
        /// The witness `(C, q)`; the circuit's bits hold `C mod 2^251` and `q mod 16`.
        fn witness(&self) -> (Fr, Fr) {
            (Fr::from(self.big_c.clone()), Fr::from(self.q))
        }

        /// Whether it is in the documented ranges `C < 2^251`, `q < 16` (the 16 written
        /// out, not read from `QUOTIENT_BITS`, so that a change there shows).
        fn fits(&self) -> bool {
            self.big_c < two_pow_bits() && self.q < 16
        }

        /// The scalar the ladder runs on the 251 bits of `C mod 2^251`:
        /// `X = 2 (C mod 2^251) - (2^251 - 1)`, modulo `l`.
        fn ladder_scalar(&self) -> Scalar {
            let low = &self.big_c % two_pow_bits();
            Scalar::from(low) * Scalar::from(2u64) - Scalar::from(two_pow_bits() - 1u8)
        }
    }

    fn l_int() -> BigInt {
        BigInt::from(BigUint::from_bytes_le(&Scalar::MODULUS.to_bytes_le()))
    }

    /// Every decomposition of `c` with `k` in `-1..=3`, `q < 32` and `0 <= C < 2^252`
    /// (wider than the circuit's ranges, to find the ones it must refuse).
    fn splits(c: &Fr) -> Vec<Split> {
        let (r, l) = (BigInt::from(modulus()), l_int());
        let half = BigInt::from(two_pow_bits()) - 1;
        let mut out = Vec::new();
        for k in -1i64..=3 {
            for q in 0u32..32 {
                let x: BigInt = BigInt::from(to_biguint(c)) + k * &r - (i64::from(q) - 2) * &l;
                let twice: BigInt = x + &half; // 2C
                if twice.bit(0) {
                    continue;
                }
                match (twice / 2u8).to_biguint() {
                    Some(big_c) if big_c < two_pow_bits() << 1 => out.push(Split { k, big_c, q }),
                    _ => {}
                }
            }
        }
        // Each is a solution of the circuit's equation modulo r.
        let (two, l) = (Fr::from(2u64), l_as_fr());
        for s in &out {
            let (big_c, q) = s.witness();
            let lhs = two * big_c - (two.pow([SCALAR_BITS as u64]) - Fr::ONE) + (q - two) * l;
            assert_eq!(lhs, *c);
        }
        out
    }

    /// An issuer key `A = a * Base8` whose scalar the tests know, a nonce point
    /// `R8 = n * Base8`, and a message whose challenge has every kind of decomposition
    /// the tests need. Returns `(a, n, A, R8, m, c, splits(c))`.
    #[allow(clippy::type_complexity)]
    fn setup() -> (Scalar, Scalar, Point, Point, Fr, Fr, Vec<Split>) {
        let (a, n) = (
            Scalar::from(406_372_818_917u64),
            Scalar::from(12_648_430u64),
        );
        let (pk, r8) = ((BASE8 * a).into_affine(), (BASE8 * n).into_affine());
        for i in 0u64.. {
            let m = Fr::from(i);
            let c = challenge(&r8, &pk, &m);
            let all = splits(&c);
            let other_lift = all.iter().any(|s| s.k != 0 && s.fits());
            let big_q = all
                .iter()
                .any(|s| s.k == 2 && s.q >= 16 && s.big_c < two_pow_bits());
            let big_c = all.iter().any(|s| s.big_c >= two_pow_bits() && s.q < 16);
            if other_lift && big_q && big_c {
                return (a, n, pk, r8, m, c, all);
            }
        }
        unreachable!()
    }

    /// The signature `(R8, S)` with `S = n + 8 a X (mod l)`: valid for the ladder scalar
    /// `X` (`S * Base8 = R8 + X * 8A`), and a real EdDSA signature only if `X = c (mod l)`.
    fn answer(a: Scalar, n: Scalar, r8: Point, x: Scalar) -> Signature {
        Signature {
            r8,
            s: (n + Scalar::from(8u64) * a * x).into_bigint(),
        }
    }

    /// The witness index of `c_bits[0]`: where the 251 bits of `C mod 2^251` and the 4
    /// bits of `q mod 16` are allocated, one after the other (found by their values;
    /// asserted unique).
    fn challenge_bits_at(cs: &ConstraintSystemRef<Fr>, split: &Split) -> usize {
        let (big_c, q) = split.witness();
        let bits: Vec<Fr> = (big_c.into_bigint().to_bits_le()[..SCALAR_BITS].iter())
            .chain(&q.into_bigint().to_bits_le()[..QUOTIENT_BITS])
            .map(|&b| Fr::from(b))
            .collect();
        let w = cs.witness_assignment().unwrap();
        let at: Vec<usize> = (0..=w.len() - bits.len())
            .filter(|&i| w[i..i + bits.len()] == bits[..])
            .collect();
        assert_eq!(at.len(), 1, "the challenge's bits, once");
        at[0]
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

    #[test]
    fn alternative_challenge_lift_is_accepted() {
        // The right-hand side `2C - (2^251 - 1) + (q - 2) l` ranges over integers in
        // (-r, 2r), so the lifts are c - r, c and c + r: at most three challenges.
        let (r, l) = (BigInt::from(modulus()), l_int());
        let half = BigInt::from(two_pow_bits()) - 1;
        assert!(-&half - 2 * &l > -&r);
        assert!(&half + 13 * &l < 2 * &r);
        let (a, n, pk, r8, m, c, all) = setup();
        let fitting: Vec<&Split> = all.iter().filter(|s| s.fits()).collect();
        assert!(fitting.iter().all(|s| s.k.abs() <= 1));
        let mut challenges: Vec<Scalar> = fitting.iter().map(|s| s.ladder_scalar()).collect();
        challenges.sort();
        challenges.dedup();
        assert!(challenges.len() <= 3);
        // The honest split is one of them, the lift k = 0, running c itself.
        let (hc, hq) = split_challenge(&c).unwrap();
        let honest = fitting
            .iter()
            .find(|s| s.witness() == (hc, hq))
            .expect("the honest split");
        assert_eq!((honest.k, honest.ladder_scalar()), (0, to_scalar(&c)));
        let sig = answer(a, n, r8, to_scalar(&c));
        assert!(verify_point(&pk, &m, &sig));
        assert!(build(&pk, m, sig, |_| Ok((hc, hq))).is_satisfied().unwrap());

        // Another lift, c + r or c - r: another challenge modulo l, and a signature
        // answering it (not a valid EdDSA signature) satisfies the circuit with it.
        let other = *fitting.iter().find(|s| s.k != 0).unwrap();
        let x = other.ladder_scalar();
        assert_ne!(x, to_scalar(&c));
        let lifted = answer(a, n, r8, x);
        assert!(!verify_point(&pk, &m, &lifted));
        assert!(build(&pk, m, lifted, |_| Ok(other.witness()))
            .is_satisfied()
            .unwrap());
        // The twins: the lifted signature with the honest split, the honest signature
        // with the other split.
        assert!(!build(&pk, m, lifted, |_| Ok((hc, hq)))
            .is_satisfied()
            .unwrap());
        assert!(!build(&pk, m, sig, |_| Ok(other.witness()))
            .is_satisfied()
            .unwrap());
    }

    #[test]
    fn challenge_quotient_of_16_is_rejected() {
        // q >= 16 with C < 2^251 solves the equation for the lift c + 2r, a fourth
        // challenge that no fitting decomposition reaches: the factor-3 bound needs q's
        // 4 bits.
        let (a, n, pk, r8, m, _, all) = setup();
        let big_q = all
            .iter()
            .find(|s| s.k == 2 && s.q >= 16 && s.big_c < two_pow_bits())
            .unwrap();
        let x = big_q.ladder_scalar();
        assert!(!all.iter().any(|s| s.fits() && s.ladder_scalar() == x));
        let cs = build(&pk, m, answer(a, n, r8, x), |_| Ok(big_q.witness()));
        assert!(!cs.is_satisfied().unwrap());
        // q's 4 bits hold q - 16: the challenge equation is the one row violated.
        let equation = violated_rows(&cs, |_| {});
        assert_eq!(equation.len(), 1);
        // Bits that do add up to q need a top "bit" of 2 or 3: the equation holds then,
        // and that bit's boolean constraint, the only other row it is in, does not.
        let top = challenge_bits_at(&cs, big_q) + SCALAR_BITS + QUOTIENT_BITS - 1;
        let booleanity = violated_rows(&cs, |w| w[top] += Fr::from(2u64));
        assert_eq!(booleanity.len(), 1);
        assert_ne!(booleanity, equation);
    }

    #[test]
    fn challenge_scalar_of_2_251_is_rejected() {
        // C >= 2^251 with q < 16 solves the equation; the ladder can only run on the 251
        // bits of C mod 2^251, and the signature answers that.
        let (a, n, pk, r8, m, _, all) = setup();
        let big_c = all
            .iter()
            .find(|s| s.big_c >= two_pow_bits() && s.q < 16)
            .unwrap();
        let sig = answer(a, n, r8, big_c.ladder_scalar());
        let cs = build(&pk, m, sig, |_| Ok(big_c.witness()));
        assert!(!cs.is_satisfied().unwrap());
        // C's bits hold C - 2^251: the challenge equation is the one row violated.
        let equation = violated_rows(&cs, |_| {});
        assert_eq!(equation.len(), 1);
        // Bits that add up to C need a top "bit" of 2 or 3: the equation holds then, and
        // that bit's boolean constraint (and the ladder's product with it) does not.
        let top = challenge_bits_at(&cs, big_c) + SCALAR_BITS - 1;
        let rest = violated_rows(&cs, |w| w[top] += Fr::from(2u64));
        assert!(!rest.is_empty());
        assert!(!rest.contains(&equation[0]));
    }
}
