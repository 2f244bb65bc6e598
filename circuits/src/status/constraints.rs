//! The status check in the circuit: the serial's bit is 0 in a leaf that lies on a path
//! to the public root. About 2,200 constraints: 64 booleans for the leaf, 63 to pick
//! the bit, and 7 levels of a 4-ary Poseidon (297) plus 3 to place the path's node.
//!
//! The prover supplies the four children of every level in order; the circuit only
//! checks that the child at the serial's position is the node computed below it. The
//! other three are the siblings, which are free witnesses in any Merkle proof.

use super::StatusPath;
use crate::field::Fr;
use crate::gadgets::{alloc_bits, from_bits_le, mux};
use crate::poseidon::constraints::hash_var;
use crate::tags::{STATUS_ARITY, STATUS_DEPTH, STATUS_LEAF_BITS, STATUS_LEAF_BITS_LOG2};
use ark_r1cs_std::{
    alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar, fields::FieldVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// A status path as private witnesses.
#[derive(Clone, Debug)]
pub struct StatusPathVar {
    /// The leaf's 64 bits.
    pub leaf_bits: Vec<Boolean<Fr>>,
    /// The four children at each level, bottom up.
    pub children: Vec<[FpVar<Fr>; STATUS_ARITY]>,
}

impl StatusPathVar {
    /// Allocates a path for `serial` as witnesses.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        path: impl FnOnce() -> Result<(StatusPath, u32), SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let path = if cs.is_in_setup_mode() {
            None
        } else {
            Some(path()?)
        };
        let leaf_bits = alloc_bits(
            cs.clone(),
            || {
                path.map(|(p, _)| Fr::from(p.leaf))
                    .ok_or(SynthesisError::AssignmentMissing)
            },
            STATUS_LEAF_BITS,
        )?;
        let all = path.map(|(p, serial)| p.children(serial));
        let children = (0..STATUS_DEPTH)
            .map(|d| {
                let level: Vec<FpVar<Fr>> = (0..STATUS_ARITY)
                    .map(|i| {
                        FpVar::new_witness(cs.clone(), || {
                            all.map(|a| a[d][i])
                                .ok_or(SynthesisError::AssignmentMissing)
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok([
                    level[0].clone(),
                    level[1].clone(),
                    level[2].clone(),
                    level[3].clone(),
                ])
            })
            .collect::<Result<_, SynthesisError>>()?;
        Ok(Self {
            leaf_bits,
            children,
        })
    }

    /// Enforces that bit `serial` is 0 and that the path leads to `root`.
    /// `serial` is the serial's 20 little-endian bits.
    pub fn enforce_unrevoked(
        &self,
        serial: &[Boolean<Fr>],
        root: &FpVar<Fr>,
    ) -> Result<(), SynthesisError> {
        let (position, mut digits) = serial.split_at(STATUS_LEAF_BITS_LOG2);
        let bits: Vec<FpVar<Fr>> = self
            .leaf_bits
            .iter()
            .map(|b| FpVar::from(b.clone()))
            .collect();
        enforce_mux_equals(position, &bits, &FpVar::zero())?;
        let mut node = from_bits_le(&self.leaf_bits)?;
        for children in &self.children {
            let (digit, rest) = digits.split_at(2);
            enforce_mux_equals(digit, children, &node)?;
            node = hash_var(children)?;
            digits = rest;
        }
        node.enforce_equal(root)
    }
}

/// Enforces `values[index] == target` for little-endian index bits, in
/// `values.len() - 1` constraints (the last multiplexer level is the equality).
fn enforce_mux_equals(
    bits: &[Boolean<Fr>],
    values: &[FpVar<Fr>],
    target: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    let (last, lower) = bits.split_last().ok_or(SynthesisError::Unsatisfiable)?;
    let half = values.len() / 2;
    let lo = mux(lower, &values[..half])?;
    let hi = mux(lower, &values[half..])?;
    // target = lo + last * (hi - lo)
    FpVar::from(last.clone()).mul_equals(&(hi - &lo), &(target - &lo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::StatusList;
    use crate::tags::SERIAL_BITS;
    use ark_relations::gr1cs::ConstraintSystem;

    fn run(list: &StatusList, serial: u32, path_serial: u32, root: Fr) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let root = FpVar::new_input(cs.clone(), || Ok(root)).unwrap();
        let s = alloc_bits(cs.clone(), || Ok(Fr::from(serial)), SERIAL_BITS).unwrap();
        let path = list.path(path_serial).unwrap();
        let n = cs.num_constraints();
        let p = StatusPathVar::new_witness(cs.clone(), || Ok((path, path_serial))).unwrap();
        p.enforce_unrevoked(&s, &root).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints() - n)
    }

    #[test]
    fn unrevoked_serial_satisfies_and_twins_fail() {
        let mut list = StatusList::new();
        for s in [10u32, 11, 100_000] {
            list.revoke(s).unwrap();
        }
        let root = list.root();
        let (ok, n) = run(&list, 12, 12, root);
        assert!(ok);
        assert_eq!(n, 64 + 63 + STATUS_DEPTH * (297 + 3) + 1);
        // Revoked bit, in the same leaf and in another.
        assert!(!run(&list, 11, 11, root).0);
        assert!(!run(&list, 100_000, 100_000, root).0);
        // A root of another list.
        let mut other = list.clone();
        other.revoke(5).unwrap();
        assert!(!run(&list, 12, 12, other.root()).0);
        // A path for another serial (another leaf) does not prove this serial.
        assert!(!run(&list, 12, 12 + 64 * 4, root).0);
        // Extremes of the serial range.
        assert!(run(&list, 0, 0, root).0);
        assert!(run(&list, (1 << 20) - 1, (1 << 20) - 1, root).0);
    }
}
