//! The threshold opening against circomlibjs's values (`circuits/vectors/escrow.json`,
//! written by `tools/js/make-vectors.mjs`): a 2-of-3 sharing of a known secret, four
//! ciphertexts, every trustee's partial decryption point and their combination.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use alc_circuits::babyjubjub::{Scalar, BASE8};
use alc_circuits::escrow::Ciphertext;
use alc_escrow::dkg::EscrowPublic;
use alc_escrow::text::{point, point_text, scalar};
use alc_escrow::{open, partial, EscrowError, TrusteeShare};
use alc_protocol::escrow::{JointKey, KeyShare, JOINT_KEY, KEY_SHARE};
use ark_ec::CurveGroup;
use rand::SeedableRng;
use serde_json::Value;
use zeroize::Zeroizing;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../circuits/vectors/escrow.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn partials_and_openings_match_circomlibjs() {
    let v = vectors();
    let shares: Vec<Scalar> = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| scalar(s["share"].as_str().unwrap(), "share").unwrap())
        .collect();
    let pt = |p: &Value| {
        [
            p[0].as_str().unwrap().to_owned(),
            p[1].as_str().unwrap().to_owned(),
        ]
    };
    let joint = JointKey {
        kind: JOINT_KEY.into(),
        threshold: 2,
        trustees: 3,
        key: pt(&v["key"]),
        verification_keys: shares
            .iter()
            .map(|s| point_text(&(BASE8 * s).into_affine()))
            .collect(),
    };
    let public = EscrowPublic::from_text(&joint).unwrap();
    let trustees: Vec<TrusteeShare> = shares
        .iter()
        .zip(1..)
        .map(|(s, i)| {
            TrusteeShare::from_text(&KeyShare {
                kind: KEY_SHARE.into(),
                trustee: i,
                share: Zeroizing::new(alc_escrow::text::scalar_text(s)),
                key: joint.clone(),
            })
            .unwrap()
        })
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    for t in v["encryptions"].as_array().unwrap() {
        let serial: u32 = t["serial"].as_str().unwrap().parse().unwrap();
        let ct = Ciphertext {
            c1: point(&pt(&t["c1"]), "c1").unwrap(),
            c2: point(&pt(&t["c2"]), "c2").unwrap(),
        };
        let parts: Vec<_> = trustees
            .iter()
            .map(|s| partial(s, &ct.c1, &mut rng))
            .collect();
        for (p, expected) in parts.iter().zip(t["partials"].as_array().unwrap()) {
            assert_eq!(p.point, pt(&expected["point"]), "trustee {}", p.trustee);
        }
        assert_eq!(open(&public, &ct, &parts[..2]), Ok(serial));
        assert_eq!(open(&public, &ct, &parts[1..]), Ok(serial));
        // The twin: one trustee opens nothing.
        assert_eq!(
            open(&public, &ct, &parts[2..]),
            Err(EscrowError::TooFew { have: 1, need: 2 })
        );
    }
}
