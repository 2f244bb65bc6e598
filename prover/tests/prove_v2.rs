//! Circuit v2 proofs end to end: setup under an escrow key, prove, verify; the failing
//! twins only a real proof shows (another holder key, another ciphertext, another
//! escrow key's proof, a v1 proof under the v2 key and the reverse).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::babyjubjub::{Scalar, BASE8};
use alc_circuits::escrow::{Ciphertext, EscrowKey, Randomness};
use alc_circuits::presentation::v2::{encode_holder_key, Statement, Witness};
use alc_prover::example::Example;
use alc_prover::{keys, prove, prove_v2, ProvingKey};
use alc_verifier::{
    verify, verify_v2, PresentationError, PresentationV2, VerifyError, VerifyingKey,
};
use ark_ec::CurveGroup;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::Digest;
use std::sync::OnceLock;

mod common;

const NOW: u64 = 1_790_000_000;

fn escrow(x: u64) -> EscrowKey {
    EscrowKey::from_point((BASE8 * Scalar::from(x)).into_affine()).unwrap()
}

fn keys_v2() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| keys::setup_v2(&escrow(77), &mut ChaCha20Rng::seed_from_u64(1)).unwrap())
}

/// A v2 statement and witness for a fresh example, escrowed under `key`.
fn example(key: &EscrowKey, seed: u64) -> (Statement, Witness, Example) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let ex = Example::generate(&mut rng, NOW);
    let (v1, w1) = ex.prepare().unwrap();
    let r = Randomness::random(&mut rng);
    let statement = Statement {
        v1,
        escrow: Ciphertext::encrypt(key, w1.credential.serial, &r),
        holder_key: encode_holder_key(&[seed as u8; 32]),
    };
    (
        statement,
        Witness {
            v1: w1,
            randomness: r,
        },
        ex,
    )
}

#[test]
fn a_v2_proof_verifies_and_binds_its_holder_key_and_ciphertext() {
    let (pk, vk) = keys_v2();
    assert!(vk.is_v2());
    assert_eq!(pk.num_public_inputs(), 15);
    let y = escrow(77);
    let (st, w, _) = example(&y, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(100);
    let p = prove_v2(pk, &y, &st, &w, &mut rng).unwrap();
    assert_eq!(verify_v2(vk, &p, &st), Ok(()));
    // The fast-load form carries v2's matrices: a reloaded key proves as well, and a
    // flipped byte is refused by the digest.
    let fast = pk.to_fast_bytes();
    let digest: [u8; 32] = sha2::Sha256::digest(&fast).into();
    let reloaded = ProvingKey::from_fast_bytes(&fast, &digest).unwrap();
    assert_eq!(&reloaded.verifying_key().unwrap(), vk);
    let p2 = prove_v2(&reloaded, &y, &st, &w, &mut rng).unwrap();
    assert_eq!(verify_v2(vk, &p2, &st), Ok(()));
    let mut bad = fast.clone();
    bad[1000] ^= 1;
    assert!(ProvingKey::from_fast_bytes(&bad, &digest).is_err());
    // Another holder key: the binding holds although no constraint uses the key.
    let other_key = Statement {
        holder_key: encode_holder_key(&[200; 32]),
        ..st
    };
    assert_eq!(verify_v2(vk, &p, &other_key), Err(VerifyError::Invalid));
    // Another ciphertext of the same serial, fresh randomness: not this proof's.
    let fresh = Statement {
        escrow: Ciphertext::encrypt(&y, w.v1.credential.serial, &Randomness::random(&mut rng)),
        ..st
    };
    assert_eq!(verify_v2(vk, &p, &fresh), Err(VerifyError::Invalid));
}

#[test]
fn proofs_do_not_cross_escrow_keys_or_circuit_versions() {
    let (pk, vk) = keys_v2();
    let mut rng = ChaCha20Rng::seed_from_u64(200);
    // A statement honest under another escrow key than the setup's: its proof does not
    // verify under this key (the trustees of a proof are the setup's).
    let other = escrow(78);
    let (st, w, _) = example(&other, 2);
    let p = prove_v2(pk, &other, &st, &w, &mut rng).unwrap();
    assert_eq!(verify_v2(vk, &p, &st), Err(VerifyError::Invalid));
    // A v1 proof is not a v2 proof, and the v2 key refuses v1 statements.
    let (v1_pk, v1_vk) = keys::setup(&mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let (st, w, _) = example(&escrow(77), 3);
    let p1 = prove(&v1_pk, &st.v1, &w.v1, &mut rng).unwrap();
    assert_eq!(verify(&v1_vk, &p1, &st.v1), Ok(()));
    assert_eq!(verify(vk, &p1, &st.v1), Err(VerifyError::Invalid));
    assert_eq!(verify_v2(vk, &p1, &st), Err(VerifyError::Invalid));
    // And a v2 proof does not pass as v1 under the v1 key.
    let p2 = prove_v2(pk, &escrow(77), &st, &w, &mut rng).unwrap();
    assert_eq!(verify(&v1_vk, &p2, &st.v1), Err(VerifyError::Invalid));
    // A v1 key cannot prove v2.
    assert!(prove_v2(&v1_pk, &escrow(77), &st, &w, &mut rng).is_err());
}

#[test]
fn a_dishonest_escrow_is_refused_before_proving() {
    let (pk, _) = keys_v2();
    let y = escrow(77);
    let (mut st, w, _) = example(&y, 4);
    st.escrow = Ciphertext::encrypt(&y, w.v1.credential.serial ^ 1, &w.randomness);
    assert!(prove_v2(pk, &y, &st, &w, &mut ChaCha20Rng::seed_from_u64(5)).is_err());
}

/// Circuit v2's fixed-seed verifying key (under the test escrow key `77 * Base8`, whose
/// secret is public: tests only) and a presentation made with it are pinned in
/// `circuits/circuit_data/v2/`. A change to circuit v2, its setup or the escrow gadget
/// shows here; the presentation must keep verifying. Regenerate with
/// `ALC_UPDATE_PINS=1` (this test alone).
#[test]
fn pinned_v2_verifying_key_and_presentation() {
    let dir = common::pins("v2");
    let (pk, vk) = keys_v2();
    if std::env::var_os("ALC_UPDATE_PINS").is_some() {
        let (st, w, _) = example(&escrow(77), 100);
        let mut rng = ChaCha20Rng::seed_from_u64(101);
        let proof = prove_v2(pk, &escrow(77), &st, &w, &mut rng).unwrap();
        let pres = PresentationV2 {
            proof,
            statement: st,
        };
        std::fs::write(format!("{dir}/presentation.json"), pres.to_json() + "\n").unwrap();
    }
    let pinned_vk = common::check_pinned_key("v2", vk);
    let json = std::fs::read_to_string(format!("{dir}/presentation.json")).unwrap();
    let pres = PresentationV2::from_json(&json).unwrap();
    assert_eq!(PresentationV2::from_json(&pres.to_json()).unwrap(), pres);
    assert_eq!(verify_v2(&pinned_vk, &pres.proof, &pres.statement), Ok(()));
    // The twins: another holder key; a v2 file read as v1; a ciphertext point moved off
    // the curve.
    let moved = Statement {
        holder_key: pres.statement.holder_key + alc_circuits::Fr::from(1u64),
        ..pres.statement
    };
    assert_eq!(
        verify_v2(&pinned_vk, &pres.proof, &moved),
        Err(VerifyError::Invalid)
    );
    assert!(alc_verifier::Presentation::from_json(&json).is_err());
    let mut wire = pres.to_wire();
    wire.statement.escrow.c1[1] = "1".into();
    assert!(matches!(
        PresentationV2::from_wire(&wire),
        Err(PresentationError::Statement(_))
    ));
    let mut wire = pres.to_wire();
    wire.circuit = "alc-presentation-v1".into();
    assert!(matches!(
        PresentationV2::from_wire(&wire),
        Err(PresentationError::Circuit(_))
    ));
}
