//! snarkjs JSON and validated decoding: an ALC proof exported as snarkjs 0.7 JSON is
//! accepted by snarkjs itself (node), imports round-trip, and malformed points or
//! non-canonical inputs are refused.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::field::to_decimal;
use alc_verifier::snarkjs::{self, SnarkjsError};
use alc_verifier::{
    verify, verify_inputs, DecodeError, Presentation, PresentationV2, Proof, Statement,
    VerifyError, VerifyingKey,
};
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ff::{One, PrimeField};
use ark_serialize::CanonicalSerialize;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The pinned verifying key and presentation of `circuits/circuit_data/v1/` (made by
/// the prover's fixed-seed setup; `prover/tests/prove.rs` checks they still agree with
/// it), so this crate tests without linking the prover.
fn fixture() -> &'static (VerifyingKey, Proof, Statement) {
    static F: OnceLock<(VerifyingKey, Proof, Statement)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/circuit_data/v1");
        let hex = std::fs::read_to_string(dir.join("verifying_key.hex")).unwrap();
        let vk = VerifyingKey::from_bytes(&hex::decode(hex.trim()).unwrap()).unwrap();
        let json = std::fs::read_to_string(dir.join("presentation.json")).unwrap();
        let p = Presentation::from_json(&json).unwrap();
        assert_eq!(verify(&vk, &p.proof, &p.statement), Ok(()));
        (vk, p.proof, p.statement)
    })
}

#[test]
fn import_round_trips() {
    let (vk, p, st) = fixture();
    let vk2 = snarkjs::import_verifying_key(&snarkjs::export_verifying_key(vk)).unwrap();
    assert_eq!(&vk2, vk);
    let p2 = snarkjs::import_proof(&snarkjs::export_proof(p)).unwrap();
    assert_eq!(&p2, p);
    let inputs = snarkjs::import_public(&snarkjs::export_public(&st.public_inputs())).unwrap();
    assert_eq!(inputs, st.public_inputs().to_vec());
    assert_eq!(verify_inputs(&vk2, &p2, &inputs), Ok(()));
}

fn snarkjs_verify(vk: &str, public: &str, proof: &str) -> bool {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js");
    assert!(
        tools.join("node_modules/snarkjs").exists(),
        "snarkjs is not installed: run `npm ci --prefix tools/js` (the README's test command does)"
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("vk.json", vk),
        ("public.json", public),
        ("proof.json", proof),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let out = Command::new("node")
        .arg(tools.join("snarkjs-verify.mjs"))
        .args(["vk.json", "public.json", "proof.json"].map(|n| dir.path().join(n)))
        .output()
        .expect("node runs");
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => panic!(
            "snarkjs-verify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[test]
fn snarkjs_accepts_alc_proofs_and_rejects_twins() {
    let (vk, p, st) = fixture();
    let vk_json = snarkjs::export_verifying_key(vk);
    let proof_json = snarkjs::export_proof(p);
    let public = st.public_inputs();
    assert!(snarkjs_verify(
        &vk_json,
        &snarkjs::export_public(&public),
        &proof_json
    ));
    // Changed challenge (index 7) and changed manifest (index 8).
    for i in [7usize, 8, 5, 9] {
        let mut twin = public;
        twin[i] += alc_circuits::Fr::one();
        assert!(
            !snarkjs_verify(&vk_json, &snarkjs::export_public(&twin), &proof_json),
            "input {i}"
        );
    }
}

/// Circuit v2's pinned key and presentation (`circuits/circuit_data/v2/`) through
/// snarkjs: accepted, and refused with a changed escrow coordinate or holder key.
#[test]
fn snarkjs_accepts_alc_v2_proofs_and_rejects_twins() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/circuit_data/v2");
    let hex = std::fs::read_to_string(dir.join("verifying_key.hex")).unwrap();
    let vk = VerifyingKey::from_bytes(&hex::decode(hex.trim()).unwrap()).unwrap();
    let json = std::fs::read_to_string(dir.join("presentation.json")).unwrap();
    let p = PresentationV2::from_json(&json).unwrap();
    let vk_json = snarkjs::export_verifying_key(&vk);
    let proof_json = snarkjs::export_proof(&p.proof);
    let public = p.statement.public_inputs();
    let public_json = snarkjs::export_public(&public);
    assert!(snarkjs_verify(&vk_json, &public_json, &proof_json));
    // The imports round-trip and verify in ALC too.
    let vk2 = snarkjs::import_verifying_key(&vk_json).unwrap();
    let inputs = snarkjs::import_public(&public_json).unwrap();
    assert_eq!(verify_inputs(&vk2, &p.proof, &inputs), Ok(()));
    // c1.x (index 10), c2.y (13), the holder key (14).
    for i in [10usize, 13, 14] {
        let mut twin = public;
        twin[i] += alc_circuits::Fr::one();
        assert!(
            !snarkjs_verify(&vk_json, &snarkjs::export_public(&twin), &proof_json),
            "input {i}"
        );
    }
}

#[test]
fn non_canonical_public_input_is_refused() {
    let (vk, p, st) = fixture();
    let mut public: Vec<String> = st.public_inputs().iter().map(to_decimal).collect();
    // challenge + r: the same value modulo r, but not canonical.
    let r = alc_circuits::field::modulus();
    let big = alc_circuits::field::to_biguint(&st.challenge) + r;
    public[7] = big.to_string();
    let json = serde_json::to_string(&public).unwrap();
    assert_eq!(
        snarkjs::import_public(&json),
        Err(SnarkjsError::Number("public input"))
    );
    assert_eq!(
        alc_circuits::field::from_decimal(&public[7]),
        Err(alc_circuits::field::FieldError::NotCanonical)
    );
    // The typed API cannot even express it; the raw API checks the count.
    assert_eq!(
        verify_inputs(vk, p, &st.public_inputs()[..9]),
        Err(VerifyError::Invalid)
    );
    assert_eq!(verify(vk, p, st), Ok(()));
}

/// A G2 point on the twist but outside the prime-order subgroup.
fn g2_outside_subgroup() -> G2Affine {
    (1u64..)
        .find_map(|i| {
            let p = G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::one()), false)?;
            (!p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
        })
        .unwrap()
}

/// An x with no G1 point above it.
fn g1_x_off_curve() -> Fq {
    (1u64..)
        .map(Fq::from)
        .find(|x| G1Affine::get_point_from_x_unchecked(*x, false).is_none())
        .unwrap()
}

#[test]
fn proof_points_off_curve_or_outside_subgroup_are_refused() {
    let (_, p, _) = fixture();
    let bytes = p.to_bytes();
    // B outside the subgroup (compressed form).
    let mut b = Vec::new();
    g2_outside_subgroup().serialize_compressed(&mut b).unwrap();
    let mut bad = bytes;
    bad[32..96].copy_from_slice(&b);
    assert_eq!(Proof::from_bytes(&bad), Err(DecodeError::Point));
    // A with an x that is not on the curve.
    let mut a = Vec::new();
    g1_x_off_curve().serialize_compressed(&mut a).unwrap();
    let mut bad = bytes;
    bad[..32].copy_from_slice(&a);
    assert_eq!(Proof::from_bytes(&bad), Err(DecodeError::Point));
    assert_eq!(
        Proof::from_bytes(&bytes[..127]),
        Err(DecodeError::Length(127))
    );
    // Found by the `proof` fuzz target: B's infinity flag (bit 6 of its last byte) with
    // other bytes beside it decoded to the identity, so one proof had many encodings.
    // Refused, as is the identity in any of the three points, canonically encoded too.
    let mut flagged = bytes;
    flagged[95] |= 0x40;
    assert_eq!(Proof::from_bytes(&flagged), Err(DecodeError::NotCanonical));
    for (at, len) in [(0, 32), (32, 64), (96, 32)] {
        let mut identity = bytes;
        identity[at..at + len].fill(0);
        identity[at + len - 1] = 0x40;
        assert_eq!(
            Proof::from_bytes(&identity),
            Err(DecodeError::NotCanonical),
            "identity at {at}"
        );
    }
    assert_eq!(Proof::from_bytes(&bytes).map(|q| q.to_bytes()), Ok(bytes));

    // The same in snarkjs JSON: off-curve A, out-of-subgroup B, infinity.
    let json: serde_json::Value = serde_json::from_str(&snarkjs::export_proof(p)).unwrap();
    let mut off = json.clone();
    let y = off["pi_a"][1].as_str().unwrap().to_owned();
    off["pi_a"][1] = serde_json::Value::String(
        (<Fq as std::str::FromStr>::from_str(&y).unwrap() + Fq::one())
            .into_bigint()
            .to_string(),
    );
    assert_eq!(
        snarkjs::import_proof(&off.to_string()),
        Err(SnarkjsError::Point("pi_a"))
    );
    let mut sub = json.clone();
    let q = g2_outside_subgroup();
    sub["pi_b"] = serde_json::json!([
        [
            q.x.c0.into_bigint().to_string(),
            q.x.c1.into_bigint().to_string()
        ],
        [
            q.y.c0.into_bigint().to_string(),
            q.y.c1.into_bigint().to_string()
        ],
        ["1", "0"]
    ]);
    assert_eq!(
        snarkjs::import_proof(&sub.to_string()),
        Err(SnarkjsError::Point("pi_b"))
    );
    let mut inf = json;
    inf["pi_c"] = serde_json::json!(["0", "1", "0"]);
    assert_eq!(
        snarkjs::import_proof(&inf.to_string()),
        Err(SnarkjsError::Point("pi_c"))
    );
}

#[test]
fn keys_of_another_shape_are_refused() {
    let (vk, _, _) = fixture();
    let mut v: serde_json::Value =
        serde_json::from_str(&snarkjs::export_verifying_key(vk)).unwrap();
    v["IC"].as_array_mut().unwrap().pop();
    v["nPublic"] = 9.into();
    assert!(matches!(
        snarkjs::import_verifying_key(&v.to_string()),
        Err(SnarkjsError::Unsupported(_))
    ));
    let bytes = vk.to_bytes();
    assert!(VerifyingKey::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert_eq!(VerifyingKey::from_bytes(&bytes).unwrap(), *vk);
}

/// Degenerate keys are refused on load, from arkworks bytes and from snarkjs JSON: the
/// identity as `gamma` or `delta` (or `alpha`, `beta`, an input's point), and `gamma ==
/// delta`, which is what a zkey with no phase-2 contribution has. Twin: the pinned key
/// with none of these loads.
#[test]
fn degenerate_keys_are_refused() {
    use alc_verifier::KeyError;
    use ark_ec::AffineRepr;
    let (vk, _, _) = fixture();
    let good = vk.ark().clone();
    assert!(VerifyingKey::from_ark(good.clone()).is_ok());
    type Mutation = (
        &'static str,
        fn(&mut ark_groth16::VerifyingKey<ark_bn254::Bn254>),
    );
    let mutations: [Mutation; 6] = [
        ("gamma = O", |k| k.gamma_g2 = G2Affine::zero()),
        ("delta = O", |k| k.delta_g2 = G2Affine::zero()),
        ("gamma = delta", |k| k.delta_g2 = k.gamma_g2),
        ("alpha = O", |k| k.alpha_g1 = G1Affine::zero()),
        ("beta = O", |k| k.beta_g2 = G2Affine::zero()),
        ("IC_3 = O", |k| k.gamma_abc_g1[3] = G1Affine::zero()),
    ];
    for (what, mutate) in mutations {
        let mut k = good.clone();
        mutate(&mut k);
        assert!(
            matches!(
                VerifyingKey::from_ark(k.clone()),
                Err(KeyError::Degenerate(_))
            ),
            "{what}"
        );
        let mut bytes = Vec::new();
        k.serialize_compressed(&mut bytes).unwrap();
        assert!(
            matches!(
                VerifyingKey::from_bytes(&bytes),
                Err(KeyError::Degenerate(_))
            ),
            "{what} from bytes"
        );
    }
    // snarkjs JSON: delta set to gamma (a zkey with no contribution); gamma or delta the
    // identity, as snarkjs writes it (projective, z = 0: `[["0","0"],["1","0"],["0","0"]]`)
    // and as an affine (0, 0), which no G2 point is. Twin: the exported key imports.
    let json = snarkjs::export_verifying_key(vk);
    assert_eq!(&snarkjs::import_verifying_key(&json).unwrap(), vk);
    let good: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut v = good.clone();
    v["vk_delta_2"] = v["vk_gamma_2"].clone();
    let e = snarkjs::import_verifying_key(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("gamma equals delta"), "{e}");
    let infinity = serde_json::json!([["0", "0"], ["1", "0"], ["0", "0"]]);
    let affine_zero = serde_json::json!([["0", "0"], ["0", "0"], ["1", "0"]]);
    for key in ["vk_gamma_2", "vk_delta_2"] {
        for o in [&infinity, &affine_zero] {
            let mut v = good.clone();
            v[key] = o.clone();
            assert_eq!(
                snarkjs::import_verifying_key(&v.to_string()),
                Err(SnarkjsError::Point(key)),
                "{key} = {o}"
            );
        }
    }
}

/// An RNG that has failed: every byte zero.
struct Zeros;

impl rand_core::RngCore for Zeros {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        dest.fill(0);
        Ok(())
    }
}

impl rand_core::CryptoRng for Zeros {}

#[test]
fn a_batch_with_c_plus_d_and_c_minus_d_is_refused_even_under_a_failed_rng() {
    use ark_ec::{AffineRepr, CurveGroup};
    let (vk, p, st) = fixture();
    let shift = |sign: i8| {
        let mut a = p.ark().clone();
        let d = ark_bn254::G1Affine::generator();
        a.c = if sign > 0 {
            (a.c + d).into_affine()
        } else {
            (a.c - d).into_affine()
        };
        Proof::from_ark(a)
    };
    let (plus, minus) = (shift(1), shift(-1));
    assert!(verify(vk, &plus, st).is_err() && verify(vk, &minus, st).is_err());
    let forged = [(plus, *st), (minus, *st)];
    // With equal scalars the two errors cancel (sum of C's = 2C): the batch must not use
    // scalars the submitter can predict, whatever the RNG gives.
    for rng in [
        &mut Zeros as &mut dyn rand_core::CryptoRngCore,
        &mut rand::rngs::OsRng,
    ] {
        assert_eq!(
            alc_verifier::verify_batch(vk, &forged, rng),
            Err(alc_verifier::VerifyError::Invalid)
        );
    }
    // Its twin: the honest proof twice passes under the failed RNG too.
    let honest = [(p.clone(), *st), (p.clone(), *st)];
    assert_eq!(alc_verifier::verify_batch(vk, &honest, &mut Zeros), Ok(()));
}

/// Raw public inputs out of their ranges (`min_tier` 256 or r - 1, `min_permit_tier` 256,
/// `now` 2^64): refused by the typed statement before any pairing, and the pinned proof
/// verifies for none of them, in ALC or in snarkjs. The in-range original is the twin.
#[test]
fn public_inputs_out_of_range_are_refused_by_alc_and_by_snarkjs() {
    let (vk, p, st) = fixture();
    let vk_json = snarkjs::export_verifying_key(vk);
    let proof_json = snarkjs::export_proof(p);
    let public = st.public_inputs();
    assert!(Statement::from_public_inputs(&public).is_ok());
    assert_eq!(verify_inputs(vk, p, &public), Ok(()));
    let r_minus_1 = -alc_circuits::Fr::one();
    let two_64 = alc_circuits::Fr::from(u64::MAX) + alc_circuits::Fr::one();
    let (min_tier, min_permit_tier, now) = (3, 4, 5);
    for (i, value) in [
        (min_tier, alc_circuits::Fr::from(256u64)),
        (min_tier, r_minus_1),
        (min_permit_tier, alc_circuits::Fr::from(256u64)),
        (now, two_64),
    ] {
        let mut twin = public;
        twin[i] = value;
        assert!(
            Statement::from_public_inputs(&twin).is_err(),
            "input {i} = {value}"
        );
        assert_eq!(
            verify_inputs(vk, p, &twin),
            Err(VerifyError::Invalid),
            "input {i}"
        );
        assert!(
            !snarkjs_verify(&vk_json, &snarkjs::export_public(&twin), &proof_json),
            "input {i}"
        );
    }
}
