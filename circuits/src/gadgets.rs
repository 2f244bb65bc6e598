//! Small R1CS building blocks shared by the gadgets: free linear combinations, bit
//! decompositions (range checks) and multiplexers.
//!
//! Costs: a linear combination is free; a boolean is one constraint; a range check of
//! an existing variable to `n` bits is `n + 1`; a multiplexer level is one constraint
//! per pair.

use crate::field::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::fp::{AllocatedFp, FpVar},
    select::CondSelectGadget,
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// `sum_i coeffs[i] * vars[i]` as one new linear combination (no constraint).
pub fn linear_combination(coeffs: &[Fr], vars: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut constant = Fr::ZERO;
    let mut terms: Vec<(Fr, Variable)> = Vec::with_capacity(vars.len());
    let mut cs = ConstraintSystemRef::None;
    let mut value = Some(Fr::ZERO);
    for (c, v) in coeffs.iter().zip(vars) {
        match v {
            FpVar::Constant(k) => constant += *c * k,
            FpVar::Var(a) => {
                cs = cs.or(a.cs.clone());
                terms.push((*c, a.variable));
                value = value.zip(a.value().ok()).map(|(acc, x)| acc + *c * x);
            }
        }
    }
    if terms.is_empty() {
        return Ok(FpVar::Constant(constant));
    }
    if !constant.is_zero() {
        terms.push((constant, Variable::One));
    }
    let value = value.map(|v| v + constant);
    let variable = cs.new_lc(|| LinearCombination(terms))?;
    let value = if cs.is_in_setup_mode() { None } else { value };
    Ok(FpVar::Var(AllocatedFp::new(value, variable, cs)))
}

/// The field element `sum_i bits[i] * 2^i` (free; `bits.len() <= 253` keeps it below r).
pub fn from_bits_le(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut coeffs = Vec::with_capacity(bits.len());
    let mut power = Fr::ONE;
    for _ in bits {
        coeffs.push(power);
        power.double_in_place();
    }
    let vars: Vec<FpVar<Fr>> = bits.iter().map(|b| FpVar::from(b.clone())).collect();
    linear_combination(&coeffs, &vars)
}

/// Allocates `n` boolean witnesses holding the low `n` bits of `value` (little-endian).
pub fn alloc_bits(
    cs: ConstraintSystemRef<Fr>,
    value: impl FnOnce() -> Result<Fr, SynthesisError>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let bits: Option<Vec<bool>> = if cs.is_in_setup_mode() {
        None
    } else {
        Some(value()?.into_bigint().to_bits_le())
    };
    (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                bits.as_ref()
                    .map(|b| b[i])
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect()
}

/// Range check: enforces `0 <= x < 2^n` and returns the bits of `x` (`n <= 252`).
///
/// A value out of range leaves the system unsatisfied (its low bits do not add up).
pub fn range_check(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    assert!(n <= 252, "a decomposition must be unique: 2^n < r");
    let bits = alloc_bits(x.cs(), || x.value(), n)?;
    from_bits_le(&bits)?.enforce_equal(x)?;
    Ok(bits)
}

/// `values[index]` where `index` is given by little-endian bits (`values.len() == 2^bits`).
/// Costs `values.len() - 1` constraints.
pub fn mux(bits: &[Boolean<Fr>], values: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    assert_eq!(values.len(), 1 << bits.len());
    let mut layer = values.to_vec();
    for b in bits {
        layer = layer
            .chunks(2)
            .map(|pair| FpVar::conditionally_select(b, &pair[1], &pair[0]))
            .collect::<Result<_, _>>()?;
    }
    Ok(layer.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn range_check_accepts_in_range_and_rejects_out_of_range() {
        for (v, ok) in [(0u64, true), (255, true), (256, false), (u64::MAX, false)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(v))).unwrap();
            let bits = range_check(&x, 8).unwrap();
            assert_eq!(bits.len(), 8);
            assert_eq!(cs.is_satisfied().unwrap(), ok, "{v}");
            assert_eq!(cs.num_constraints(), 9);
        }
        // A negative number (r - 1) is out of range too.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(-Fr::ONE)).unwrap();
        range_check(&x, 64).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn mux_selects_and_linear_combination_is_free() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let values: Vec<FpVar<Fr>> = (0..8u64)
            .map(|i| FpVar::new_witness(cs.clone(), || Ok(Fr::from(100 + i))).unwrap())
            .collect();
        let idx = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).unwrap();
        let bits = range_check(&idx, 3).unwrap();
        let before = cs.num_constraints();
        let out = mux(&bits, &values).unwrap();
        assert_eq!(cs.num_constraints() - before, 7);
        assert_eq!(out.value().unwrap(), Fr::from(105u64));
        let before = cs.num_constraints();
        let lc = linear_combination(&[Fr::from(2u64), Fr::from(3u64)], &values[..2]).unwrap();
        assert_eq!(cs.num_constraints(), before);
        assert_eq!(lc.value().unwrap(), Fr::from(2 * 100 + 3 * 101u64));
        assert!(cs.is_satisfied().unwrap());
    }
}
