//! The Groth16 prover's group arithmetic, as arkworks' `create_proof_with_assignment`
//! computes it, with [`crate::msm`] for the five multi-scalar multiplications.
//!
//! With the full assignment `z = (1, x, w)` (public inputs `x`, witness `w`), the
//! quotient coefficients `h` (arkworks' libsnark reduction), and randomness `r, s`:
//!
//! ```text
//! A = alpha + sum_i z_i a_i(tau) + r delta                          (G1)
//! B = beta  + sum_i z_i b_i(tau) + s delta                          (G2, and in G1 for C)
//! C = sum_{i in w} w_i L_i + sum_j h_j H_j + s A + r B_1 - r s delta    (G1)
//! ```
//!
//! The proof is the one arkworks would make with the same `r` and `s` (a test pins it).

use crate::msm::msm;
use alc_circuits::Fr;
use ark_bn254::{Bn254, G1Projective, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::CurveGroup;
use ark_ff::PrimeField;
use ark_ff::{FftField, Zero};
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::SynthesisError;
use ark_relations::utils::matrix::Matrix;

/// The proof for the full assignment `full` (`[1, inputs..., witnesses...]`) of the
/// circuit with constraint matrices `abc`, `inputs` counting the constant one.
pub(crate) fn create_proof(
    pk: &ProvingKey<Bn254>,
    r: Fr,
    s: Fr,
    abc: &[Matrix<Fr>],
    inputs: usize,
    constraints: usize,
    full: &[Fr],
) -> Result<Proof<Bn254>, SynthesisError> {
    let domain = Radix2EvaluationDomain::<Fr>::new(constraints + inputs)
        .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    // A snarkjs key's H query has a point per element of the domain (`crate::circom`).
    let h = if pk.h_query.len() == domain.size() {
        odd_coset_numerator(domain, abc, inputs, constraints, full)?
    } else {
        LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            abc,
            inputs,
            constraints,
            full,
        )?
    };
    let h: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
    // The constant one is the first element of every query.
    let z: Vec<_> = full[1..].iter().map(|x| x.into_bigint()).collect();
    let w = &z[inputs - 1..];

    let a = linear(pk.vk.alpha_g1, &pk.a_query, &z) + pk.delta_g1 * r;
    let b1 = linear(pk.beta_g1, &pk.b_g1_query, &z) + pk.delta_g1 * s;
    let b2: G2Projective = linear(pk.vk.beta_g2, &pk.b_g2_query, &z) + pk.vk.delta_g2 * s;
    let c: G1Projective =
        msm(&pk.l_query, w) + msm(&pk.h_query, &h) + a * s + b1 * r - pk.delta_g1 * (r * s);
    Ok(Proof {
        a: a.into_affine(),
        b: b2.into_affine(),
        c: c.into_affine(),
    })
}

/// `A B - C` on the odd coset `g H` of the domain `H` of size `n`, `g` a primitive
/// `2n`-th root of unity: the scalars of a snarkjs key's `H` query, whose points are the
/// odd Lagrange basis of the domain of size `2n` over `delta` (`crate::circom::zkey`).
/// Three inverse FFTs on `H` and three FFTs on `g H`, no division by `Z`. Rows past the
/// constraints hold the instance in `A` only, as the setup's reduction has them.
fn odd_coset_numerator(
    domain: Radix2EvaluationDomain<Fr>,
    abc: &[Matrix<Fr>],
    inputs: usize,
    constraints: usize,
    full: &[Fr],
) -> Result<Vec<Fr>, SynthesisError> {
    let n = domain.size();
    let coset = Fr::get_root_of_unity(2 * n as u64)
        .and_then(|g| domain.get_coset(g))
        .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    let rows = |k: usize| -> Vec<Fr> {
        let mut v = vec![Fr::zero(); n];
        for (x, row) in v.iter_mut().zip(abc[k].iter().take(constraints)) {
            *x = evaluate_constraint(row, full);
        }
        v
    };
    let (mut a, mut b, mut c) = (rows(0), rows(1), rows(2));
    a[constraints..constraints + inputs].copy_from_slice(&full[..inputs]);
    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    }
    Ok(a.iter()
        .zip(&b)
        .zip(&c)
        .map(|((a, b), c)| *a * b - c)
        .collect())
}

/// `base + query_0 + sum_i z_i query_{i+1}`.
fn linear<P: SWCurveConfig<ScalarField = Fr>>(
    base: Affine<P>,
    query: &[Affine<P>],
    z: &[<Fr as PrimeField>::BigInt],
) -> Projective<P> {
    let (one, rest) = query
        .split_first()
        .map_or((None, &[][..]), |(o, r)| (Some(o), r));
    let mut acc = msm(rest, z) + base;
    if let Some(one) = one {
        acc += one;
    }
    acc
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
    use super::*;
    use crate::example::Example;
    use crate::prove::assignment;
    use ark_groth16::Groth16;
    use ark_std::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// The odd-coset numerator against arkworks' quotient, as scalars at a random `tau`:
    /// `sum_i (A B - C)(g w^i) L_{2i+1}(tau) = h(tau) Z(tau)`, the identity a snarkjs
    /// `H` query rests on. The twin: the even Lagrange points (the domain itself, where
    /// the numerator vanishes) give zero, not `h(tau) Z(tau)`.
    #[test]
    fn the_odd_coset_numerator_is_the_quotient_times_z() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let ex = Example::generate(&mut rng, 1_790_000_000);
        let (st, w) = ex.prepare().unwrap();
        let full = assignment(&st, &w).unwrap();
        let m = crate::keys::Circuit::V1.matrices().unwrap();
        let domain = Radix2EvaluationDomain::<Fr>::new(m.num_constraints + m.num_instance).unwrap();
        let odd =
            odd_coset_numerator(domain, &m.abc, m.num_instance, m.num_constraints, &full).unwrap();
        let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full,
        )
        .unwrap();
        let tau = Fr::rand(&mut rng);
        let h_tau = h.iter().rev().fold(Fr::zero(), |acc, c| acc * tau + c);
        let expected = h_tau * domain.evaluate_vanishing_polynomial(tau);
        let double = Radix2EvaluationDomain::<Fr>::new(2 * domain.size()).unwrap();
        let l = double.evaluate_all_lagrange_coefficients(tau);
        let at = |first: usize| -> Fr {
            odd.iter()
                .zip(l.iter().skip(first).step_by(2))
                .map(|(q, l)| *q * l)
                .sum()
        };
        assert_eq!(at(1), expected);
        assert_ne!(at(0), expected);
    }

    /// Byte for byte the proof arkworks makes with the same `r` and `s`; another `s`
    /// gives another proof.
    #[test]
    fn same_proof_as_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (pk, _) = crate::setup(&mut rng).unwrap();
        let ex = Example::generate(&mut rng, 1_790_000_000);
        let (st, w) = ex.prepare().unwrap();
        let full = assignment(&st, &w).unwrap();
        let m = &pk.matrices;
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let ours = |s| {
            create_proof(
                &pk.pk,
                r,
                s,
                &m.abc,
                m.num_instance,
                m.num_constraints,
                &full,
            )
            .unwrap()
        };
        let theirs = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
            &pk.pk,
            r,
            s,
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full,
        )
        .unwrap();
        assert_eq!(ours(s), theirs);
        assert_ne!(ours(s + Fr::from(1u64)), theirs);
    }
}
