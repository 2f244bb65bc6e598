//! Poseidon gadget: the same permutation as [`super::permute`] in R1CS.
//!
//! Round constants and MDS layers are linear, so they cost nothing: the state is kept
//! as linear combinations. Each S-box `x^5` costs three constraints (`x^2`, `x^4`,
//! `x^5`), so a hash of `n` inputs costs `3 * (8 * (n + 1) + partial_rounds) - 3`
//! constraints: the first S-box of `state[0]` acts on a constant (the zero capacity
//! plus a round constant) and is free. That is 213 for one input, 240 for two, 297 for
//! four, 321 for five and 381 for seven.

use super::{params, Params, MAX_INPUTS};
use crate::field::Fr;
use crate::gadgets::linear_combination;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

/// Poseidon of a fixed number of inputs in the circuit.
pub fn hash_var<const N: usize>(inputs: &[FpVar<Fr>; N]) -> Result<FpVar<Fr>, SynthesisError> {
    const { assert!(N >= 1 && N <= MAX_INPUTS) };
    permute_var(params(N), inputs)
}

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

fn permute_var(p: &Params, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let t = p.width;
    let mut state: Vec<FpVar<Fr>> = Vec::with_capacity(t);
    state.push(FpVar::zero());
    state.extend_from_slice(inputs);
    for r in 0..p.rounds() {
        let c = &p.round_constants[r * t..(r + 1) * t];
        for (s, c) in state.iter_mut().zip(c) {
            *s += *c;
        }
        if p.is_full_round(r) {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        state = p
            .mds
            .iter()
            .map(|row| linear_combination(row, &state))
            .collect::<Result<_, _>>()?;
    }
    Ok(state.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{alloc::AllocVar, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::UniformRand;

    fn check<const N: usize>(expected_constraints: usize) {
        let mut rng = ark_std::test_rng();
        let inputs: [Fr; N] = std::array::from_fn(|_| Fr::rand(&mut rng));
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = inputs.map(|x| FpVar::new_witness(cs.clone(), || Ok(x)).unwrap());
        let out = hash_var(&vars).unwrap();
        assert_eq!(out.value().unwrap(), super::super::hash_n(&inputs));
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(cs.num_constraints(), expected_constraints);
    }

    #[test]
    fn gadget_equals_native_with_expected_cost() {
        check::<1>(213);
        check::<2>(240);
        check::<4>(297);
        check::<5>(321);
        check::<7>(381);
    }

    #[test]
    fn wrong_output_is_unsatisfied() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(7u64))).unwrap();
        let out = hash_var(&[x]).unwrap();
        let claimed =
            FpVar::new_input(cs.clone(), || Ok(super::super::hash_n(&[Fr::from(8u64)]))).unwrap();
        ark_r1cs_std::eq::EqGadget::enforce_equal(&out, &claimed).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
