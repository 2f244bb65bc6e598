//! The presentation circuit v2 as an R1CS: [`PresentationCircuit`].
//!
//! Public inputs are allocated first, in [`super::PUBLIC_INPUT_NAMES`] order, then the
//! witnesses: v1's in v1's order, then the randomness's bits.

use super::{Statement, Witness, NUM_PUBLIC_INPUTS};
use crate::babyjubjub::constraints::EdwardsVar;
use crate::escrow::constraints::{CiphertextVar, RANDOMNESS_BITS};
use crate::escrow::EscrowKey;
use crate::field::Fr;
use crate::gadgets::alloc_bits;
use crate::presentation::constraints::{breakdown, enforce, Breakdown, Inputs, Meter};
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// Circuit v2 for an escrow key. With no statement and witness it is the shape used for
/// the setup (which the escrow key is part of).
#[derive(Clone, Debug)]
pub struct PresentationCircuit {
    /// The trustees' joint key: a constant of the circuit.
    pub escrow: EscrowKey,
    /// The public statement (`None` at setup).
    pub statement: Option<Statement>,
    /// The private witness (`None` at setup).
    pub witness: Option<Witness>,
}

impl PresentationCircuit {
    /// The shape for the setup under `escrow`.
    pub fn setup(escrow: EscrowKey) -> Self {
        Self {
            escrow,
            statement: None,
            witness: None,
        }
    }

    /// The circuit for a statement and its witness.
    pub fn new(escrow: EscrowKey, statement: Statement, witness: Witness) -> Self {
        Self {
            escrow,
            statement: Some(statement),
            witness: Some(witness),
        }
    }

    fn synthesize(
        self,
        cs: ConstraintSystemRef<Fr>,
        meter: &mut Meter,
    ) -> Result<(), SynthesisError> {
        let inputs = self.statement.map(|s| s.public_inputs());
        synthesize(
            &cs,
            &self.escrow,
            inputs.as_ref(),
            self.witness.as_ref(),
            meter,
        )
    }
}

/// Circuit v2 over raw public inputs (field elements in circuit order, any value), with
/// the witness an honest prover would compute for them: the assignment a cheating prover
/// can make for inputs no [`Statement`] holds, so that tests can check that the
/// constraints alone refuse them (as [`crate::presentation::constraints::RawCircuit`]).
#[derive(Clone, Debug)]
pub struct RawCircuit {
    /// The trustees' joint key: a constant of the circuit.
    pub escrow: EscrowKey,
    /// The public inputs, in [`super::PUBLIC_INPUT_NAMES`] order.
    pub inputs: [Fr; NUM_PUBLIC_INPUTS],
    /// The private witness.
    pub witness: Witness,
}

impl ConstraintSynthesizer<Fr> for RawCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let meter = &mut Meter::new(&cs);
        synthesize(
            &cs,
            &self.escrow,
            Some(&self.inputs),
            Some(&self.witness),
            meter,
        )
    }
}

fn synthesize(
    cs: &ConstraintSystemRef<Fr>,
    escrow: &EscrowKey,
    values: Option<&[Fr; NUM_PUBLIC_INPUTS]>,
    w: Option<&Witness>,
    meter: &mut Meter,
) -> Result<(), SynthesisError> {
    let inputs = Inputs::new(cs, values.map(|v| &v[..]))?;
    let input = |i: usize| {
        FpVar::new_input(cs.clone(), || {
            values
                .map(|v| v[i])
                .ok_or(SynthesisError::AssignmentMissing)
        })
    };
    let n = crate::presentation::NUM_PUBLIC_INPUTS;
    let ciphertext = CiphertextVar {
        c1: EdwardsVar::new(input(n)?, input(n + 1)?),
        c2: EdwardsVar::new(input(n + 2)?, input(n + 3)?),
    };
    let _holder_key = input(n + 4)?;
    debug_assert_eq!(cs.num_instance_variables(), NUM_PUBLIC_INPUTS + 1);

    let cred = enforce(cs, &inputs, w.map(|w| &w.v1), meter)?;

    // 5. The serial, escrowed under the circuit's key.
    let r = alloc_bits(
        cs.clone(),
        || {
            w.map(|w| {
                Fr::from_le_bytes_mod_order(&w.randomness.scalar().into_bigint().to_bytes_le())
            })
            .ok_or(SynthesisError::AssignmentMissing)
        },
        RANDOMNESS_BITS,
    )?;
    ciphertext.enforce_encrypts(escrow, &cred.serial, &r)?;
    meter.mark("escrowed serial");
    Ok(())
}

impl ConstraintSynthesizer<Fr> for PresentationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs.clone(), &mut Meter::new(&cs))
    }
}

/// Synthesises the circuit's shape (under any escrow key: the count does not depend on
/// it) and counts constraints per component.
///
/// # Errors
/// A synthesis error (none for the shape).
pub fn constraint_breakdown(escrow: EscrowKey) -> Result<Breakdown, SynthesisError> {
    breakdown(|cs, meter| PresentationCircuit::setup(escrow).synthesize(cs, meter))
}
