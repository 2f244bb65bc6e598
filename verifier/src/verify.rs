//! Single and batch verification.
//!
//! One proof: `e(A, B) = e(alpha, beta) * e(IC(x), gamma) * e(C, delta)`, checked as one
//! multi-Miller loop of three pairs and one final exponentiation against the prepared
//! `e(alpha, beta)`.
//!
//! A batch of `n`: with random 128-bit `r_i` (`r_0 = 1`; drawn from the RNG's seed and a
//! hash of the whole batch, so a failing RNG cannot be exploited: `batch_scalars`), check
//! `prod_i e(r_i A_i, B_i) * e(-sum r_i IC(x_i), gamma) * e(-sum r_i C_i, delta)
//!  * e(-(sum r_i) alpha, beta) = 1`: `n + 3` Miller loops and one final
//! exponentiation. `sum_i r_i IC(x_i)` is one (inputs + 1)-point multi-scalar multiplication of
//! the combined inputs. If any proof is invalid the batch passes with probability at
//! most `2^-128` over the `r_i`; a failed batch says nothing about which proof failed
//! (callers who need that fall back to [`verify`] one by one).

use crate::{Proof, VerifyingKey};
use alc_circuits::presentation::{v2, Statement, NUM_PUBLIC_INPUTS};
use alc_circuits::Fr;
use ark_bn254::{Bn254, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, One, PrimeField};
use ark_groth16::Groth16;
use rand_core::CryptoRngCore;

/// A proof that does not verify. Deliberately carries no reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The proof (or one proof of the batch) is not valid for its statement.
    #[error("proof is invalid")]
    Invalid,
}

/// Verifies one proof for a circuit-v1 statement (invalid under a v2 key).
pub fn verify(vk: &VerifyingKey, proof: &Proof, statement: &Statement) -> Result<(), VerifyError> {
    verify_inputs(vk, proof, &statement.public_inputs())
}

/// Verifies one proof for a circuit-v2 statement (invalid under a v1 key).
pub fn verify_v2(
    vk: &VerifyingKey,
    proof: &Proof,
    statement: &v2::Statement,
) -> Result<(), VerifyError> {
    verify_inputs(vk, proof, &statement.public_inputs())
}

/// Verifies one proof for raw public inputs (exactly as many as the key has).
pub fn verify_inputs(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> Result<(), VerifyError> {
    // arkworks zips inputs with the key: a short input list would be silently accepted.
    if inputs.len() != vk.num_public_inputs() {
        return Err(VerifyError::Invalid);
    }
    match Groth16::<Bn254>::verify_proof(&vk.pvk, &proof.0, inputs) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::Invalid),
    }
}

/// The batch's scalars: `r_0 = 1`, and for `i >= 1` 128 bits of
/// `SHA-256(BATCH_TAG || seed || proofs and inputs || i)`, odd, where `seed` is 32 bytes
/// of `rng`. Binding them to the batch itself means an `rng` that fails (returns zeros,
/// or what an attacker predicts) still gives scalars the submitter cannot choose its
/// proofs against: two invalid proofs with `C + D` and `C - D` cancel only when their
/// scalars are equal, which now takes a hash collision.
fn batch_scalars(items: &[(&Proof, &[Fr])], rng: &mut dyn CryptoRngCore) -> Vec<Fr> {
    use sha2::{Digest, Sha256};
    const BATCH_TAG: &[u8] = b"alc/v1/batch-verify\0";
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut t = Sha256::new();
    t.update(BATCH_TAG);
    t.update(seed);
    t.update((items.len() as u64).to_be_bytes());
    for (p, inputs) in items {
        t.update(p.to_bytes());
        for x in inputs.iter() {
            t.update(x.into_bigint().to_bytes_le());
        }
    }
    let transcript = t.finalize();
    (0..items.len())
        .map(|i| {
            if i == 0 {
                return Fr::one();
            }
            let h = Sha256::new()
                .chain_update(transcript)
                .chain_update((i as u64).to_be_bytes())
                .finalize();
            let mut b = [0u8; 16];
            b.copy_from_slice(&h[..16]);
            Fr::from(u128::from_le_bytes(b) | 1)
        })
        .collect()
}

/// Verifies many circuit-v1 proofs at once (module docs). An empty batch verifies.
pub fn verify_batch(
    vk: &VerifyingKey,
    items: &[(Proof, Statement)],
    rng: &mut dyn CryptoRngCore,
) -> Result<(), VerifyError> {
    if vk.num_public_inputs() != NUM_PUBLIC_INPUTS {
        return Err(VerifyError::Invalid);
    }
    let inputs: Vec<[Fr; NUM_PUBLIC_INPUTS]> =
        items.iter().map(|(_, s)| s.public_inputs()).collect();
    let batch: Vec<(&Proof, &[Fr])> = items
        .iter()
        .zip(&inputs)
        .map(|((p, _), x)| (p, &x[..]))
        .collect();
    verify_batch_inputs(vk, &batch, rng)
}

/// Verifies many proofs for raw public inputs at once (module docs), each exactly as
/// many inputs as the key has (circuit v1 or v2). An empty batch verifies.
pub fn verify_batch_inputs(
    vk: &VerifyingKey,
    items: &[(&Proof, &[Fr])],
    rng: &mut dyn CryptoRngCore,
) -> Result<(), VerifyError> {
    if items.is_empty() {
        return Ok(());
    }
    let n_inputs = vk.num_public_inputs();
    if items.iter().any(|(_, x)| x.len() != n_inputs) {
        return Err(VerifyError::Invalid);
    }
    let ark = vk.ark();
    let r = batch_scalars(items, rng);
    let r_sum: Fr = r.iter().sum();

    // sum_i r_i IC(x_i) = IC_0 * sum r_i + sum_j IC_j * (sum_i r_i x_ij)
    let mut combined = vec![Fr::ZERO; n_inputs + 1];
    combined[0] = r_sum;
    for ((_, inputs), ri) in items.iter().zip(&r) {
        for (c, x) in combined[1..].iter_mut().zip(inputs.iter()) {
            *c += *ri * x;
        }
    }
    let ic = G1Projective::msm(&ark.gamma_abc_g1, &combined).map_err(|_| VerifyError::Invalid)?;
    let cs: Vec<G1Affine> = items.iter().map(|(p, _)| p.0.c).collect();
    let c_sum = G1Projective::msm(&cs, &r).map_err(|_| VerifyError::Invalid)?;

    let mut g1: Vec<G1Affine> = items
        .iter()
        .zip(&r)
        .map(|((p, _), ri)| {
            if ri.is_one() {
                p.0.a
            } else {
                p.0.a.mul_bigint(ri.into_bigint()).into_affine()
            }
        })
        .collect();
    let mut g2: Vec<G2Affine> = items.iter().map(|(p, _)| p.0.b).collect();
    g1.extend(G1Projective::normalize_batch(&[
        -ic,
        -c_sum,
        -(ark.alpha_g1.into_group() * r_sum),
    ]));
    g2.extend([ark.gamma_g2, ark.delta_g2, ark.beta_g2]);
    let ml = Bn254::multi_miller_loop(g1, g2);
    match Bn254::final_exponentiation(ml) {
        Some(out) if out.0.is_one() => Ok(()),
        _ => Err(VerifyError::Invalid),
    }
}
