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
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::GeneralEvaluationDomain;
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
    let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        abc,
        inputs,
        constraints,
        full,
    )?;
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
