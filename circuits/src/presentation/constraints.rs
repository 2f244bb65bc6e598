//! The presentation circuit v1 as an R1CS: [`PresentationCircuit`].
//!
//! Public inputs are allocated first, in [`super::PUBLIC_INPUT_NAMES`] order, then the
//! witnesses in a fixed order, so setup and proving see the same variables.

use super::{Statement, Witness, NUM_PUBLIC_INPUTS};
use crate::babyjubjub::constraints::EdwardsVar;
use crate::credential::constraints::{CredentialVar, HolderSecretVar};
use crate::eddsa::constraints::{enforce_valid, SignatureVar};
use crate::field::Fr;
use crate::gadgets::{from_bits_le, range_check};
use crate::status::constraints::StatusPathVar;
use crate::tags::{TIER_BITS, TIME_BITS};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode,
};

/// Circuit v1. With no statement and witness it is the shape used for the setup.
#[derive(Clone, Debug, Default)]
pub struct PresentationCircuit {
    /// The public statement (`None` at setup).
    pub statement: Option<Statement>,
    /// The private witness (`None` at setup).
    pub witness: Option<Witness>,
}

/// Constraints per component, in synthesis order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    /// `(component, constraints)`.
    pub components: Vec<(&'static str, usize)>,
    /// Total constraints.
    pub constraints: usize,
    /// Public inputs (not counting the constant 1).
    pub public_inputs: usize,
    /// Private witness variables.
    pub witnesses: usize,
}

impl Breakdown {
    /// The Groth16 evaluation domain: the next power of two at or above
    /// constraints + public inputs + 1 (arkworks adds one row per instance variable).
    pub fn domain_size(&self) -> usize {
        (self.constraints + self.public_inputs + 1).next_power_of_two()
    }
}

impl PresentationCircuit {
    /// The circuit for a statement and its witness.
    pub fn new(statement: Statement, witness: Witness) -> Self {
        Self {
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
        synthesize(&cs, inputs.as_ref(), self.witness.as_ref(), meter)
    }
}

/// Circuit v1 over raw public inputs (field elements in circuit order, any value), with
/// the witness an honest prover would compute for them: the assignment a cheating prover
/// can make for inputs no [`Statement`] holds (`min_tier` 256 or `r - 1`, `now` 2^64),
/// so that tests can check that the constraints alone refuse them.
#[derive(Clone, Debug)]
pub struct RawCircuit {
    /// The public inputs, in [`super::PUBLIC_INPUT_NAMES`] order.
    pub inputs: [Fr; NUM_PUBLIC_INPUTS],
    /// The private witness.
    pub witness: Witness,
}

impl ConstraintSynthesizer<Fr> for RawCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        synthesize(
            &cs,
            Some(&self.inputs),
            Some(&self.witness),
            &mut Meter::new(&cs),
        )
    }
}

fn synthesize(
    cs: &ConstraintSystemRef<Fr>,
    inputs: Option<&[Fr; NUM_PUBLIC_INPUTS]>,
    witness: Option<&Witness>,
    meter: &mut Meter,
) -> Result<(), SynthesisError> {
    let inputs = Inputs::new(cs, inputs.map(|v| &v[..]))?;
    debug_assert_eq!(cs.num_instance_variables(), NUM_PUBLIC_INPUTS + 1);
    enforce(cs, &inputs, witness, meter)?;
    Ok(())
}

/// Counts constraints per component as synthesis goes.
pub(crate) struct Meter {
    cs: ConstraintSystemRef<Fr>,
    last: usize,
    /// `(component, constraints)`, in synthesis order.
    pub(crate) components: Vec<(&'static str, usize)>,
}

impl Meter {
    /// A meter starting at the system's current count.
    pub(crate) fn new(cs: &ConstraintSystemRef<Fr>) -> Self {
        Self {
            cs: cs.clone(),
            last: cs.num_constraints(),
            components: Vec::new(),
        }
    }

    /// Books the constraints since the last mark to `name`.
    pub(crate) fn mark(&mut self, name: &'static str) {
        let now = self.cs.num_constraints();
        self.components.push((name, now - self.last));
        self.last = now;
    }
}

/// Circuit v1's public inputs, allocated in [`super::PUBLIC_INPUT_NAMES`] order.
pub(crate) struct Inputs {
    issuer: EdwardsVar,
    status_root: FpVar<Fr>,
    min_tier: FpVar<Fr>,
    min_permit_tier: FpVar<Fr>,
    now: FpVar<Fr>,
    scope: FpVar<Fr>,
    pseudonym: FpVar<Fr>,
}

impl Inputs {
    /// Allocates the inputs from `values` (the public inputs in circuit order, from the
    /// first; `None` at setup). `challenge` and `manifest` are bound by their input rows
    /// alone, so no variable is kept for them.
    pub(crate) fn new(
        cs: &ConstraintSystemRef<Fr>,
        values: Option<&[Fr]>,
    ) -> Result<Self, SynthesisError> {
        let mut next = 0;
        let mut input = || {
            let i = next;
            next += 1;
            FpVar::new_input(cs.clone(), || {
                values
                    .and_then(|v| v.get(i).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        };
        let issuer = EdwardsVar::new(input()?, input()?);
        let status_root = input()?;
        let min_tier = input()?;
        let min_permit_tier = input()?;
        let now = input()?;
        let scope = input()?;
        let _challenge = input()?;
        let _manifest = input()?;
        let pseudonym = input()?;
        Ok(Self {
            issuer,
            status_root,
            min_tier,
            min_permit_tier,
            now,
            scope,
            pseudonym,
        })
    }
}

/// Circuit v1's relation over its inputs: returns the credential's variables (circuit
/// v2 escrows its serial).
pub(crate) fn enforce(
    cs: &ConstraintSystemRef<Fr>,
    inputs: &Inputs,
    w: Option<&Witness>,
    meter: &mut Meter,
) -> Result<CredentialVar, SynthesisError> {
    let missing = || SynthesisError::AssignmentMissing;
    // 2. Holder binding: pk = Poseidon(sk), pseudonym = Poseidon(sk, scope).
    let sk = HolderSecretVar::from_secret(cs.clone(), w.map(|w| &w.secret))?;
    let pk = sk.commitment()?;
    sk.pseudonym(&inputs.scope)?
        .enforce_equal(&inputs.pseudonym)?;
    meter.mark("holder binding and pseudonym");

    // 1. The authority's signature over the credential.
    let cred =
        CredentialVar::new_witness(cs.clone(), || w.map(|w| w.credential).ok_or(missing()), pk)?;
    let message = cred.commitment()?;
    meter.mark("credential fields and commitment");
    let sig = SignatureVar::new_witness(cs.clone(), || w.map(|w| w.signature).ok_or(missing()))?;
    enforce_valid(&inputs.issuer, &message, &sig)?;
    meter.mark("EdDSA-Poseidon signature");

    // 3. Tiers and validity, every compared value range-checked.
    range_check(&inputs.min_tier, TIER_BITS)?;
    range_check(&inputs.min_permit_tier, TIER_BITS)?;
    range_check(&inputs.now, TIME_BITS)?;
    range_check(&(from_bits_le(&cred.tier)? - &inputs.min_tier), TIER_BITS)?;
    range_check(
        &(from_bits_le(&cred.permit_tier)? - &inputs.min_permit_tier),
        TIER_BITS,
    )?;
    range_check(&(&inputs.now - from_bits_le(&cred.not_before)?), TIME_BITS)?;
    range_check(
        &(from_bits_le(&cred.expires)? - &inputs.now - Fr::from(1u64)),
        TIME_BITS,
    )?;
    meter.mark("tiers and validity");

    // 4. Not revoked under the public root.
    let path = StatusPathVar::new_witness(cs.clone(), || {
        w.map(|w| (w.status, w.credential.serial)).ok_or(missing())
    })?;
    path.enforce_unrevoked(&cred.serial, &inputs.status_root)?;
    meter.mark("status list");
    Ok(cred)
}

impl ConstraintSynthesizer<Fr> for PresentationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs.clone(), &mut Meter::new(&cs))
    }
}

/// Synthesises the circuit shape and counts constraints per component.
pub fn constraint_breakdown() -> Result<Breakdown, SynthesisError> {
    breakdown(|cs, meter| PresentationCircuit::default().synthesize(cs, meter))
}

/// The breakdown of a shape synthesised by `synthesize` (v1's or v2's).
pub(crate) fn breakdown(
    synthesize: impl FnOnce(ConstraintSystemRef<Fr>, &mut Meter) -> Result<(), SynthesisError>,
) -> Result<Breakdown, SynthesisError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    let mut meter = Meter::new(&cs);
    synthesize(cs.clone(), &mut meter)?;
    Ok(Breakdown {
        components: meter.components,
        constraints: cs.num_constraints(),
        public_inputs: cs.num_instance_variables() - 1,
        witnesses: cs.num_witness_variables(),
    })
}
