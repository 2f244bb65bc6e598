//! Circuit v2 at the constraint level: v1's relation plus the escrowed serial. An honest
//! witness satisfies it; each failing twin does not, natively or in the circuit. The
//! constraint count is pinned, and v2 fits v1's evaluation domain.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use alc_circuits::babyjubjub::{Scalar, BASE8};
use alc_circuits::escrow::{Ciphertext, EscrowKey, Randomness};
use alc_circuits::presentation::v2::{
    constraint_breakdown, encode_holder_key, PresentationCircuit, RawCircuit, Statement, Witness,
    NUM_PUBLIC_INPUTS, PUBLIC_INPUT_NAMES,
};
use alc_circuits::presentation::{StatementError, Unsatisfied};
use alc_circuits::Fr;
use ark_ec::CurveGroup;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use common::Fixture;
use rand::SeedableRng;

fn key(x: u64) -> EscrowKey {
    EscrowKey::from_point((BASE8 * Scalar::from(x)).into_affine()).unwrap()
}

/// A v2 statement and witness for the fixture's credential, escrowed under `escrow`.
fn honest(escrow: &EscrowKey, seed: u64) -> (Statement, Witness) {
    let f = Fixture::new();
    let r = Randomness::random(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed));
    let statement = Statement {
        v1: f.statement,
        escrow: Ciphertext::encrypt(escrow, f.credential.serial, &r),
        holder_key: encode_holder_key(&[5; 32]),
    };
    let witness = Witness {
        v1: f.witness(),
        randomness: r,
    };
    (statement, witness)
}

fn satisfied(escrow: &EscrowKey, statement: Statement, witness: Witness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(*escrow, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.is_satisfied().unwrap()
}

/// The twin is refused natively with `why` and leaves the circuit unsatisfied.
fn rejected(escrow: &EscrowKey, statement: Statement, witness: Witness, why: Unsatisfied) {
    assert_eq!(statement.check(escrow, &witness), Err(why));
    assert!(
        !satisfied(escrow, statement, witness),
        "{why:?} satisfied the circuit"
    );
}

/// Public inputs out of range (`min_tier` or `min_permit_tier` 256 or `r - 1`, `now` 2^64
/// or `r - 1`), with the witness an honest prover computes for them, leave v2 unsatisfied
/// as they do v1. Twin: the honest inputs through the same raw path satisfy.
#[test]
fn public_inputs_out_of_range_leave_the_circuit_unsatisfied() {
    let y = key(1_234_567);
    let (s, w) = honest(&y, 1);
    let satisfied = |inputs: [Fr; NUM_PUBLIC_INPUTS]| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        RawCircuit {
            escrow: y,
            inputs,
            witness: w.clone(),
        }
        .generate_constraints(cs.clone())
        .unwrap();
        cs.is_satisfied().unwrap()
    };
    let honest = s.public_inputs();
    assert!(satisfied(honest));
    let r_minus_1 = -Fr::from(1u64);
    let two_64 = Fr::from(u64::MAX) + Fr::from(1u64);
    let (min_tier, min_permit_tier, now) = (3, 4, 5);
    for (i, value) in [
        (min_tier, Fr::from(256u64)),
        (min_tier, r_minus_1),
        (min_permit_tier, Fr::from(256u64)),
        (min_permit_tier, r_minus_1),
        (now, two_64),
        (now, r_minus_1),
    ] {
        let mut inputs = honest;
        inputs[i] = value;
        assert!(!satisfied(inputs), "input {i} = {value}");
    }
}

#[test]
fn honest_witness_satisfies() {
    let y = key(1_234_567);
    let (s, w) = honest(&y, 1);
    assert_eq!(s.check(&y, &w), Ok(()));
    assert!(satisfied(&y, s, w));
    // The public inputs round-trip, in the documented order.
    let (s, _) = honest(&y, 1);
    let inputs = s.public_inputs();
    assert_eq!(inputs.len(), NUM_PUBLIC_INPUTS);
    assert_eq!(inputs[10], s.escrow.c1.x);
    assert_eq!(inputs[14], s.holder_key);
    assert_eq!(
        PUBLIC_INPUT_NAMES[..10],
        alc_circuits::presentation::PUBLIC_INPUT_NAMES
    );
    assert_eq!(PUBLIC_INPUT_NAMES[10], "escrow_c1_x");
    assert_eq!(PUBLIC_INPUT_NAMES[14], "holder_key");
    assert_eq!(Statement::from_public_inputs(&inputs), Ok(s));
}

#[test]
fn a_ciphertext_of_another_serial() {
    let y = key(1_234_567);
    let (mut s, w) = honest(&y, 2);
    s.escrow = Ciphertext::encrypt(&y, w.v1.credential.serial + 1, &w.randomness);
    rejected(&y, s, w, Unsatisfied::Escrow);
}

#[test]
fn a_ciphertext_under_another_escrow_key() {
    let y = key(1_234_567);
    let (mut s, w) = honest(&y, 3);
    s.escrow = Ciphertext::encrypt(&key(7), w.v1.credential.serial, &w.randomness);
    rejected(&y, s, w, Unsatisfied::Escrow);
    // And an honest v2 statement does not satisfy a circuit made for another key.
    let (s, w) = honest(&y, 3);
    rejected(&key(7), s, w, Unsatisfied::Escrow);
}

#[test]
fn c1_or_c2_changed() {
    let y = key(1_234_567);
    for which in [1, 2] {
        let (mut s, w) = honest(&y, 4);
        let p = if which == 1 {
            &mut s.escrow.c1
        } else {
            &mut s.escrow.c2
        };
        *p = (*p + BASE8).into_affine();
        rejected(&y, s, w, Unsatisfied::Escrow);
    }
}

#[test]
fn a_ciphertext_copied_from_an_earlier_proof() {
    let y = key(1_234_567);
    let (earlier, _) = honest(&y, 5);
    let (mut s, w) = honest(&y, 6);
    s.escrow = earlier.escrow;
    rejected(&y, s, w, Unsatisfied::Escrow);
}

#[test]
fn v1_twins_still_fail_in_v2() {
    let y = key(1_234_567);
    let (mut s, w) = honest(&y, 7);
    s.v1.min_tier = 9;
    rejected(&y, s, w, Unsatisfied::Tier);
}

#[test]
fn ciphertext_points_off_the_subgroup_are_refused() {
    let y = key(1_234_567);
    let (s, _) = honest(&y, 8);
    let mut inputs = s.public_inputs();
    inputs[11] += Fr::from(1u64);
    assert_eq!(
        Statement::from_public_inputs(&inputs),
        Err(StatementError::EscrowOffCurve)
    );
    assert_eq!(
        Statement::from_public_inputs(&inputs[..14]),
        Err(StatementError::Count(14))
    );
}

#[test]
fn pinned_constraint_count_fits_v1s_domain() {
    // Regenerate with ALC_UPDATE_PINS=1 after a deliberate change (a new circuit version).
    let b = constraint_breakdown(key(1)).unwrap();
    assert_eq!(b.public_inputs, NUM_PUBLIC_INPUTS);
    assert_eq!(b.components.last(), Some(&("escrowed serial", 1_303)));
    assert_eq!(
        b,
        constraint_breakdown(key(2)).unwrap(),
        "the key changes no count"
    );
    assert_eq!(b.domain_size(), 8_192, "{b:?}");
    common::check_pinned_count("v2", b.constraints);
}

#[test]
fn every_witness_variable_is_pinned_by_a_constraint() {
    let escrow = key(77);
    let (statement, witness) = honest(&escrow, 3);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(escrow, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    let n = cs.num_witness_variables();
    assert_eq!(common::free_witnesses(&cs), Vec::<usize>::new(), "of {n}");
    // Its failing twin: one witness variable no constraint uses is found, and only it.
    let (statement, witness) = honest(&escrow, 3);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(escrow, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    let _unused = cs.new_witness_variable(|| Ok(Fr::from(5u64))).unwrap();
    assert_eq!(common::free_witnesses(&cs), vec![n]);
}
