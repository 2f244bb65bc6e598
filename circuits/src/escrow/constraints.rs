//! The escrow gadget: the circuit proves that a public ciphertext encrypts the
//! credential's serial under the escrow key.
//!
//! The escrow key `Y` is a constant of the circuit (fixed per circuit version and
//! trusted setup), so both scalar multiplications by the randomness `r` are fixed-base:
//!
//! ```text
//! chain1 = G + r * Base8               (84 windows)
//! chain2 = G + r * Y + s * Base8       (84 + 7 windows, one accumulator)
//! c1 = chain1 - G,   c2 = chain2 - G   (one incomplete addition each)
//! ```
//!
//! where `G` is [`offset_point`]. The subtraction of `G` degenerates only if
//! `chain = ±G`: `chain1 = G` means `r = 0 mod l` (the addition `G + (-G)` is then
//! unsatisfiable: an honest prover never draws it), `chain1 = -G` means
//! `r * Base8 = -2G`, a discrete logarithm of `G`; likewise for `chain2`. Cost: 251
//! (the bits of `r`, their booleanity) + 499 + 539 (the chains) + 2 * 3 (the
//! subtractions) + 2 * 2 (back to Edwards) + 4 (equal to the public coordinates).

use super::EscrowKey;
use crate::babyjubjub::constraints::{fixed_base_msm, EdwardsVar, MontgomeryVar};
use crate::babyjubjub::{offset_point, Montgomery, Scalar, BASE8};
use crate::field::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::SynthesisError;

/// Bits of the randomness `r < l`: 251.
pub const RANDOMNESS_BITS: usize = Scalar::MODULUS_BIT_SIZE as usize;

/// A ciphertext in the circuit (public inputs, in Edwards coordinates).
#[derive(Clone, Debug)]
pub struct CiphertextVar {
    /// `c1 = r * Base8`.
    pub c1: EdwardsVar,
    /// `c2 = s * Base8 + r * Y`.
    pub c2: EdwardsVar,
}

impl CiphertextVar {
    /// Enforces `c1 = r * Base8` and `c2 = s * Base8 + r * key` for the little-endian
    /// bits of the serial `s` and of the randomness `r` (allocated, so booleans, by the
    /// caller).
    ///
    /// # Errors
    /// A synthesis error; in setup mode none.
    pub fn enforce_encrypts(
        &self,
        key: &EscrowKey,
        serial: &[Boolean<Fr>],
        r: &[Boolean<Fr>],
    ) -> Result<(), SynthesisError> {
        let g = offset_point();
        let minus_g = MontgomeryVar::constant(
            Montgomery::from_edwards(&-g).ok_or(SynthesisError::DivisionByZero)?,
        );
        let chain1 = fixed_base_msm(&[(r, &BASE8)], &g)?;
        let chain2 = fixed_base_msm(&[(r, key.point()), (serial, &BASE8)], &g)?;
        chain1
            .add(&minus_g)?
            .to_edwards()?
            .enforce_equal(&self.c1)?;
        chain2
            .add(&minus_g)?
            .to_edwards()?
            .enforce_equal(&self.c2)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babyjubjub::constraints::EdwardsVar;
    use crate::escrow::{Ciphertext, Randomness};
    use crate::gadgets::alloc_bits;
    use ark_ec::CurveGroup;
    use ark_ff::BigInteger;
    use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
    use rand::SeedableRng;

    fn key(x: u64) -> EscrowKey {
        EscrowKey::from_point((BASE8 * Scalar::from(x)).into_affine()).unwrap()
    }

    /// A constraint system proving `ct` encrypts `serial` under `key` with `r`: its
    /// satisfaction and the gadget's cost.
    fn prove(key: &EscrowKey, serial: u32, r: &Randomness, ct: &Ciphertext) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input = |cs: &ConstraintSystemRef<Fr>, v: Fr| FpVar::new_input(cs.clone(), || Ok(v));
        let ctv = CiphertextVar {
            c1: EdwardsVar::new(input(&cs, ct.c1.x).unwrap(), input(&cs, ct.c1.y).unwrap()),
            c2: EdwardsVar::new(input(&cs, ct.c2.x).unwrap(), input(&cs, ct.c2.y).unwrap()),
        };
        let rf = Fr::from_le_bytes_mod_order(&r.scalar().into_bigint().to_bytes_le());
        let sb = alloc_bits(cs.clone(), || Ok(Fr::from(serial)), 20).unwrap();
        let n = cs.num_constraints();
        let rb = alloc_bits(cs.clone(), || Ok(rf), RANDOMNESS_BITS).unwrap();
        ctv.enforce_encrypts(key, &sb, &rb).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints() - n)
    }

    #[test]
    fn the_gadget_accepts_the_native_encryption_and_costs_what_the_notes_say() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let y = key(31_337);
        for serial in [0, 1, 654_321, (1 << 20) - 1] {
            let r = Randomness::random(&mut rng);
            let ct = Ciphertext::encrypt(&y, serial, &r);
            assert_eq!(
                prove(&y, serial, &r, &ct),
                (true, 251 + 499 + 539 + 6 + 4 + 4)
            );
        }
    }

    #[test]
    fn the_gadget_refuses_another_serial_key_or_a_changed_ciphertext() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let y = key(31_337);
        let r = Randomness::random(&mut rng);
        let ct = Ciphertext::encrypt(&y, 77, &r);
        // A ciphertext of another serial, proved as this one's.
        let other = Ciphertext::encrypt(&y, 78, &r);
        assert!(!prove(&y, 77, &r, &other).0);
        // Under another escrow key.
        let elsewhere = Ciphertext::encrypt(&key(31_338), 77, &r);
        assert!(!prove(&y, 77, &r, &elsewhere).0);
        // c1 or c2 moved by one Base8.
        let step = |p: &crate::babyjubjub::Point| (*p + BASE8).into_affine();
        let c1 = Ciphertext {
            c1: step(&ct.c1),
            c2: ct.c2,
        };
        let c2 = Ciphertext {
            c1: ct.c1,
            c2: step(&ct.c2),
        };
        assert!(!prove(&y, 77, &r, &c1).0);
        assert!(!prove(&y, 77, &r, &c2).0);
        // A ciphertext made with other randomness (copied from an earlier proof).
        let earlier = Ciphertext::encrypt(&y, 77, &Randomness::random(&mut rng));
        assert!(!prove(&y, 77, &r, &earlier).0);
        // And the original holds.
        assert!(prove(&y, 77, &r, &ct).0);
    }
}
