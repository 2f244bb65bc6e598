//! Circuit v1 end to end at the constraint level: an honest witness satisfies it, and
//! each failing twin (one thing changed) does not, natively or in the circuit.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::{HolderSecret, SignedCredential};
use alc_circuits::eddsa::SecretKey;
use alc_circuits::presentation::{
    constraint_breakdown, encode_scope, PresentationCircuit, RawCircuit, Statement, Unsatisfied,
    Witness,
};
use alc_circuits::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};

mod common;
use common::{Fixture, NOW};

fn satisfied(statement: Statement, witness: Witness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.is_satisfied().unwrap()
}

/// Asserts the twin is rejected natively with `why` and leaves the circuit unsatisfied.
fn rejected(statement: Statement, witness: Witness, why: Unsatisfied) {
    assert_eq!(statement.check(&witness), Err(why));
    assert!(
        !satisfied(statement, witness),
        "{why:?} satisfied the circuit"
    );
}

#[test]
fn honest_witness_satisfies() {
    let f = Fixture::new();
    assert_eq!(f.statement.check(&f.witness()), Ok(()));
    assert!(satisfied(f.statement, f.witness()));
}

#[test]
fn wrong_issuer_key() {
    let f = Fixture::new();
    let other = *SecretKey::from_bytes([43; 32]).public_key().point();
    let st = Statement {
        issuer_pk_x: other.x,
        issuer_pk_y: other.y,
        ..f.statement
    };
    rejected(st, f.witness(), Unsatisfied::Signature);
}

#[test]
fn tampered_credential_field() {
    let f = Fixture::new();
    let mut w = f.witness();
    w.credential.tier = 2;
    rejected(f.statement, w, Unsatisfied::Signature);
    let mut w = f.witness();
    w.credential.expires += 1;
    rejected(f.statement, w, Unsatisfied::Signature);
}

#[test]
fn signature_by_another_key() {
    let f = Fixture::new();
    let mut w = f.witness();
    w.signature = SignedCredential::sign(f.credential, &SecretKey::from_bytes([1; 32]))
        .unwrap()
        .signature;
    rejected(f.statement, w, Unsatisfied::Signature);
}

#[test]
fn malleable_signature_s_plus_l() {
    // Vary the credential until its signature's S + l still fits the circuit's 251 bits,
    // so that only the S < l check can reject the malleable twin.
    let mut f = Fixture::new();
    let l = num_bigint::BigUint::from_bytes_le(&ark_ff::BigInteger::to_bytes_le(
        &<alc_circuits::babyjubjub::Scalar as ark_ff::PrimeField>::MODULUS,
    ));
    let limit = num_bigint::BigUint::from(1u8) << 251u32;
    let w = (0u64..)
        .find_map(|i| {
            f.credential.not_before = NOW - 1000 - i;
            let w = f.witness();
            (w.signature.s_biguint() + &l < limit).then_some(w)
        })
        .unwrap();
    assert!(satisfied(f.statement, w.clone()));
    let mut twin = w;
    twin.signature = alc_circuits::eddsa::Signature::from_parts(
        twin.signature.r8,
        &(twin.signature.s_biguint() + l),
    )
    .unwrap();
    rejected(f.statement, twin, Unsatisfied::Signature);
}

#[test]
fn revoked_bit() {
    let mut f = Fixture::new();
    f.list.revoke(f.credential.serial).unwrap();
    f.statement.status_root = f.list.root();
    rejected(f.statement, f.witness(), Unsatisfied::Revoked);
}

#[test]
fn root_of_another_list() {
    let f = Fixture::new();
    let mut other = f.list.clone();
    other.revoke(999).unwrap();
    let st = Statement {
        status_root: other.root(),
        ..f.statement
    };
    rejected(st, f.witness(), Unsatisfied::StatusRoot);
}

#[test]
fn tier_below_minimum() {
    let f = Fixture::new();
    rejected(
        Statement {
            min_tier: 2,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Tier,
    );
    rejected(
        Statement {
            min_tier: 255,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Tier,
    );
}

#[test]
fn permit_tier_below_minimum() {
    let f = Fixture::new();
    rejected(
        Statement {
            min_permit_tier: 3,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::PermitTier,
    );
}

/// Whether the circuit over raw public inputs, with the witness an honest prover computes
/// for them, is satisfied.
fn raw_satisfied(inputs: [Fr; 10], witness: Witness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    RawCircuit { inputs, witness }
        .generate_constraints(cs.clone())
        .unwrap();
    cs.is_satisfied().unwrap()
}

/// Public inputs out of range, which no `Statement` can hold and a cheating prover can
/// assign: `min_tier` or `min_permit_tier` of 256 or `r - 1`, `now` of 2^64 or `r - 1`.
/// The constraints alone refuse each. `min_tier = r - 1` is what only the range check on
/// `min_tier` itself catches (`tier - min_tier` is then `tier + 1`, in range), and likewise
/// for `min_permit_tier`; `now`'s own range check is implied by `not_before <= now <
/// expires` over 64-bit values, so no `now` is refused by it alone. Twin: the honest
/// inputs, through the same raw path, satisfy.
#[test]
fn public_inputs_out_of_range_leave_the_circuit_unsatisfied() {
    let f = Fixture::new();
    let honest = f.statement.public_inputs();
    assert!(raw_satisfied(honest, f.witness()));
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
        assert!(!raw_satisfied(inputs, f.witness()), "input {i} = {value}");
    }
}

#[test]
fn not_yet_valid_and_expired_at_the_edges() {
    let f = Fixture::new();
    let c = f.credential;
    // The edges themselves: valid from not_before inclusive, until expires exclusive.
    assert!(satisfied(
        Statement {
            now: c.not_before,
            ..f.statement
        },
        f.witness()
    ));
    assert!(satisfied(
        Statement {
            now: c.expires - 1,
            ..f.statement
        },
        f.witness()
    ));
    rejected(
        Statement {
            now: c.not_before - 1,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::NotYetValid,
    );
    rejected(
        Statement {
            now: c.expires,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Expired,
    );
}

#[test]
fn values_near_2_64_do_not_wrap() {
    // A credential valid until the end of time, presented at the very last second.
    let mut f = Fixture::new();
    f.credential.expires = u64::MAX;
    f.credential.not_before = 0;
    let st = Statement {
        now: u64::MAX - 1,
        ..f.statement
    };
    assert!(satisfied(st, f.witness()));
    // now == expires == 2^64 - 1: `expires - now - 1` is -1, that is r - 1, in the
    // field; the 64-bit range check must reject it rather than wrap.
    rejected(
        Statement {
            now: u64::MAX,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Expired,
    );
    // A credential that expired at second 1 of the epoch, presented at 2^64 - 1.
    f.credential.expires = 1;
    rejected(
        Statement {
            now: u64::MAX,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Expired,
    );
    // Not yet valid: not_before at 2^64 - 1, presented at 0.
    f.credential.not_before = u64::MAX - 1;
    f.credential.expires = u64::MAX;
    rejected(
        Statement {
            now: 0,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::NotYetValid,
    );
}

#[test]
fn another_scope_needs_another_pseudonym() {
    let f = Fixture::new();
    let scope = encode_scope("other.gateway");
    rejected(
        Statement {
            scope,
            ..f.statement
        },
        f.witness(),
        Unsatisfied::Pseudonym,
    );
    let ok = Statement {
        scope,
        pseudonym: f.secret.pseudonym(&scope),
        ..f.statement
    };
    assert!(satisfied(ok, f.witness()));
    assert_ne!(ok.pseudonym, f.statement.pseudonym);
}

#[test]
fn another_holder_secret() {
    let f = Fixture::new();
    let mut w = f.witness();
    w.secret = HolderSecret::from_field(Fr::from(1u64));
    rejected(f.statement, w, Unsatisfied::Holder);
}

#[test]
fn pinned_constraint_count() {
    let b = constraint_breakdown().unwrap();
    common::check_pinned_count("v1", b.constraints);
    assert_eq!(b.public_inputs, 10);
    assert_eq!(b.domain_size(), 8192, "{b:?}");
    assert_eq!(
        b.components.iter().map(|c| c.1).sum::<usize>(),
        b.constraints
    );
    println!("{b:#?}");
}

#[test]
fn every_witness_variable_is_pinned_by_a_constraint() {
    let f = Fixture::new();
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(f.statement, f.witness())
        .generate_constraints(cs.clone())
        .unwrap();
    let n = cs.num_witness_variables();
    assert_eq!(common::free_witnesses(&cs), Vec::<usize>::new(), "of {n}");
    // Its failing twin: one witness variable no constraint uses is found, and only it.
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(f.statement, f.witness())
        .generate_constraints(cs.clone())
        .unwrap();
    let _unused = cs.new_witness_variable(|| Ok(Fr::from(5u64))).unwrap();
    assert_eq!(common::free_witnesses(&cs), vec![n]);
}
