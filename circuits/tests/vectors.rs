//! Outside test vectors: values computed by circomlibjs 0.1.7 (`tools/js/make-vectors.mjs`
//! wrote `circuits/vectors/*.json`), and ALC's own signatures checked by circomlibjs
//! through node (`tools/js/verify-eddsa.mjs`; run `npm ci --prefix tools/js` first, as
//! the README's test command does).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::babyjubjub::constraints::EdwardsVar;
use alc_circuits::babyjubjub::{Point, Scalar, BASE8};
use alc_circuits::eddsa::{constraints as eddsa_gadget, PublicKey, SecretKey, Signature};
use alc_circuits::escrow::constraints::{CiphertextVar, RANDOMNESS_BITS};
use alc_circuits::escrow::{Ciphertext, EscrowKey, Randomness};
use alc_circuits::field::{from_decimal, to_decimal};
use alc_circuits::gadgets::alloc_bits;
use alc_circuits::poseidon;
use alc_circuits::tags::SERIAL_BITS;
use alc_circuits::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
use ark_relations::gr1cs::ConstraintSystem;
use num_bigint::BigUint;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fr(v: &Value) -> Fr {
    from_decimal(v.as_str().unwrap()).unwrap()
}

fn point(v: &Value) -> Point {
    Point::new_unchecked(fr(&v[0]), fr(&v[1]))
}

#[test]
fn poseidon_matches_circomlibjs_for_every_arity() {
    let v = load("poseidon.json");
    let vectors = v["vectors"].as_array().unwrap();
    let mut arities = std::collections::BTreeSet::new();
    for t in vectors {
        let inputs: Vec<Fr> = t["inputs"].as_array().unwrap().iter().map(fr).collect();
        arities.insert(inputs.len());
        assert_eq!(
            poseidon::hash(&inputs).unwrap(),
            fr(&t["output"]),
            "{inputs:?}"
        );
    }
    assert_eq!(arities, (1..=16).collect());
    // Inputs 0 and r - 1 are among them.
    let all: Vec<&str> = vectors
        .iter()
        .flat_map(|t| t["inputs"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(all.contains(&"0"));
    assert!(all.contains(&to_decimal(&-Fr::from(1u64)).as_str()));
}

#[test]
fn baby_jubjub_matches_circomlibjs() {
    let v = load("babyjub.json");
    assert_eq!(point(&v["base8"]), BASE8);
    for t in v["additions"].as_array().unwrap() {
        assert_eq!(
            (point(&t["p"]) + point(&t["q"])).into_affine(),
            point(&t["sum"])
        );
    }
    for t in v["scalar_multiplications"].as_array().unwrap() {
        let k: BigUint = t["scalar"].as_str().unwrap().parse().unwrap();
        let r = point(&t["point"])
            .mul_bigint(k.to_u64_digits())
            .into_affine();
        assert_eq!(r, point(&t["result"]), "{}", t["scalar"]);
    }
    let l = BigUint::from_bytes_le(&ark_ff::BigInteger::to_bytes_le(&Scalar::MODULUS));
    assert_eq!(v["subgroup_order"].as_str().unwrap(), l.to_string());
}

#[test]
fn eddsa_matches_circomlibjs_byte_for_byte() {
    let v = load("eddsa.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 20);
    for (i, t) in vectors.iter().enumerate() {
        let seed: [u8; 32] = hex::decode(t["private_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let sk = SecretKey::from_bytes(seed);
        let pk = sk.public_key();
        assert_eq!(*pk.point(), point(&t["public_key"]), "public key {i}");
        let m = fr(&t["message"]);
        let expected: Signature = serde_json::from_value(t["signature"].clone()).unwrap();
        // Deterministic signing: the same signature as circomlibjs.
        assert_eq!(sk.sign(&m), expected, "signature {i}");
        assert!(pk.verify(&m, &expected));
        assert!(!pk.verify(&(m + Fr::from(1u64)), &expected));
    }
}

#[test]
fn eddsa_gadget_accepts_circomlibjs_signatures() {
    use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
    use ark_relations::gr1cs::ConstraintSystem;
    let v = load("eddsa.json");
    for t in v["vectors"].as_array().unwrap().iter().step_by(3) {
        let pk = point(&t["public_key"]);
        let m = fr(&t["message"]);
        let sig: Signature = serde_json::from_value(t["signature"].clone()).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = alc_circuits::babyjubjub::constraints::EdwardsVar::new(
            FpVar::new_input(cs.clone(), || Ok(pk.x)).unwrap(),
            FpVar::new_input(cs.clone(), || Ok(pk.y)).unwrap(),
        );
        let mv = FpVar::new_witness(cs.clone(), || Ok(m)).unwrap();
        let sv = eddsa_gadget::SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
        eddsa_gadget::enforce_valid(&a, &mv, &sv).unwrap();
        assert!(cs.is_satisfied().unwrap());
    }
}

/// ALC's signatures, and tampered ones, checked by circomlibjs `verifyPoseidon` in node.
#[test]
fn circomlibjs_accepts_alc_signatures_and_rejects_tampered_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js");
    assert!(
        root.join("node_modules/circomlibjs").exists(),
        "circomlibjs is not installed: run `npm ci --prefix tools/js` (the README's test command does)"
    );
    let mut items = Vec::new();
    let mut expected = Vec::new();
    for k in 0..6u8 {
        let sk = SecretKey::from_bytes([k.wrapping_mul(37).wrapping_add(1); 32]);
        let pk: PublicKey = sk.public_key();
        for m in [
            Fr::from(k as u64),
            -Fr::from(1u64),
            Fr::from(0xdead_beef_u64 * (k as u64 + 1)),
        ] {
            let sig = sk.sign(&m);
            items.push(serde_json::json!({ "public_key": pk, "message": to_decimal(&m), "signature": sig }));
            expected.push(true);
            let mut bad = sig;
            bad.r8 = (sig.r8 + BASE8).into_affine();
            items.push(serde_json::json!({ "public_key": pk, "message": to_decimal(&m), "signature": bad }));
            expected.push(false);
            items.push(serde_json::json!({ "public_key": pk, "message": to_decimal(&(m + Fr::from(1u64))), "signature": sig }));
            expected.push(false);
        }
    }
    let dir = std::env::temp_dir().join(format!("alc-eddsa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("signatures.json");
    std::fs::write(&file, serde_json::to_string(&items).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(root.join("verify-eddsa.mjs"))
        .arg(&file)
        .output()
        .expect("node is installed");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got, expected);
}

fn scalar(v: &Value) -> Scalar {
    v.as_str().unwrap().parse().unwrap()
}

/// `c` encrypts `serial` under `key` with `r`, as the circuit sees it: satisfied or not.
fn gadget_accepts(key: &EscrowKey, serial: u32, r: &Randomness, c: &Ciphertext) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let input = |v: Fr| FpVar::new_input(cs.clone(), || Ok(v)).unwrap();
    let var = CiphertextVar {
        c1: EdwardsVar::new(input(c.c1.x), input(c.c1.y)),
        c2: EdwardsVar::new(input(c.c2.x), input(c.c2.y)),
    };
    let rf = Fr::from_le_bytes_mod_order(&r.scalar().into_bigint().to_bytes_le());
    let sb = alloc_bits(cs.clone(), || Ok(Fr::from(serial)), SERIAL_BITS).unwrap();
    let rb = alloc_bits(cs.clone(), || Ok(rf), RANDOMNESS_BITS).unwrap();
    var.enforce_encrypts(key, &sb, &rb).unwrap();
    cs.is_satisfied().unwrap()
}

#[test]
fn escrow_encryption_and_partial_decryptions_match_circomlibjs() {
    let v = load("escrow.json");
    let x = scalar(&v["secret"]);
    let key = EscrowKey::from_point(point(&v["key"])).unwrap();
    assert_eq!(*key.point(), (BASE8 * x).into_affine());
    let shares: Vec<Scalar> = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| scalar(&s["share"]))
        .collect();
    let cases = v["encryptions"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for t in cases {
        let serial: u32 = t["serial"].as_str().unwrap().parse().unwrap();
        let r = Randomness::from_scalar(scalar(&t["randomness"]));
        let ct = Ciphertext::encrypt(&key, serial, &r);
        assert_eq!(ct.c1, point(&t["c1"]), "c1 of serial {serial}");
        assert_eq!(ct.c2, point(&t["c2"]), "c2 of serial {serial}");
        for p in t["partials"].as_array().unwrap() {
            let i = p["index"].as_u64().unwrap() as usize;
            assert_eq!((ct.c1 * shares[i - 1]).into_affine(), point(&p["point"]));
        }
        assert_eq!(ct.open(&point(&t["shared"])), Some(serial));
        // The twin: one trustee's partial alone opens nothing.
        assert_eq!(ct.open(&point(&t["partials"][0]["point"])), None);
        // The circuit accepts circomlibjs's ciphertext, and not under another serial.
        assert!(gadget_accepts(&key, serial, &r, &ct));
        assert!(!gadget_accepts(&key, serial ^ 1, &r, &ct));
    }
}
