//! Proving: the witness is computed by running the circuit in witness-only mode (no
//! constraints recorded, no linear combinations stored), then combined with the
//! matrices the proving key computed once.

use crate::keys::ProvingKey;
use alc_circuits::escrow::EscrowKey;
use alc_circuits::presentation::{v2, PresentationCircuit, Statement, Unsatisfied, Witness};
use alc_circuits::Fr;
use alc_verifier::Proof;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_std::UniformRand;
use rand_core::CryptoRngCore;

/// A proof that could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The witness does not satisfy the statement (checked natively first).
    #[error("cannot prove: {0}")]
    Unsatisfied(#[from] Unsatisfied),
    /// Witness generation or the prover failed.
    #[error("prover failed: {0}")]
    Internal(String),
}

/// The full assignment `[1, public inputs..., witnesses...]` of circuit v1.
pub fn assignment(statement: &Statement, witness: &Witness) -> Result<Vec<Fr>, ProveError> {
    assign(PresentationCircuit::new(*statement, witness.clone()))
}

/// The full assignment of circuit v2 under `escrow`.
pub fn assignment_v2(
    escrow: &EscrowKey,
    statement: &v2::Statement,
    witness: &v2::Witness,
) -> Result<Vec<Fr>, ProveError> {
    assign(v2::PresentationCircuit::new(
        *escrow,
        *statement,
        witness.clone(),
    ))
}

fn assign(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Vec<Fr>, ProveError> {
    let internal = |e: ark_relations::gr1cs::SynthesisError| ProveError::Internal(e.to_string());
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone()).map_err(internal)?;
    let cs = cs
        .borrow()
        .ok_or_else(|| ProveError::Internal("constraint system dropped".into()))?;
    let mut full = cs.instance_assignment().map_err(internal)?.to_vec();
    full.extend_from_slice(cs.witness_assignment().map_err(internal)?);
    Ok(full)
}

/// A stage of [`prove_with_progress`], reported when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Computing the witness (the circuit run in witness-only mode).
    Witness,
    /// The Groth16 prover proper (the quotient polynomial and the multi-scalar
    /// multiplications): most of the time.
    Groth16,
}

impl Stage {
    /// A short lowercase name (`"witness"`, `"groth16"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Witness => "witness",
            Self::Groth16 => "groth16",
        }
    }
}

/// Proves a statement, after checking natively that the witness satisfies it.
pub fn prove(
    pk: &ProvingKey,
    statement: &Statement,
    witness: &Witness,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof, ProveError> {
    prove_with_progress(pk, statement, witness, rng, &mut |_| {})
}

/// [`prove`], calling `progress` as each [`Stage`] starts (a wallet's progress
/// indicator; in the browser, where the prover runs in a worker, the page times the
/// stages).
pub fn prove_with_progress(
    pk: &ProvingKey,
    statement: &Statement,
    witness: &Witness,
    rng: &mut dyn CryptoRngCore,
    progress: &mut dyn FnMut(Stage),
) -> Result<Proof, ProveError> {
    statement.check(witness)?;
    progress(Stage::Witness);
    let full = assignment(statement, witness)?;
    progress(Stage::Groth16);
    groth16(pk, &full, rng)
}

/// Proves a circuit-v2 statement under the escrow key `escrow` (the one the key's setup
/// used: a proof under another does not verify), after checking natively that the
/// witness satisfies it.
pub fn prove_v2(
    pk: &ProvingKey,
    escrow: &EscrowKey,
    statement: &v2::Statement,
    witness: &v2::Witness,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof, ProveError> {
    statement.check(escrow, witness)?;
    let full = assignment_v2(escrow, statement, witness)?;
    groth16(pk, &full, rng)
}

/// The Groth16 proof of a full assignment.
fn groth16(pk: &ProvingKey, full: &[Fr], rng: &mut dyn CryptoRngCore) -> Result<Proof, ProveError> {
    let m = &pk.matrices;
    if full.len() != m.num_instance + m.num_witness {
        return Err(ProveError::Internal(format!(
            "assignment has {} variables, circuit {}",
            full.len(),
            m.num_instance + m.num_witness
        )));
    }
    let (r, s) = (
        Fr::rand(&mut rng.as_rngcore()),
        Fr::rand(&mut rng.as_rngcore()),
    );
    let proof = crate::groth16::create_proof(
        &pk.pk,
        r,
        s,
        &m.abc,
        m.num_instance,
        m.num_constraints,
        full,
    )
    .map_err(|e| ProveError::Internal(e.to_string()))?;
    Ok(Proof::from_ark(proof))
}
