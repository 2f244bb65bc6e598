//! snarkjs 0.7 JSON for the verifying key, the proof and the public inputs, so any
//! holder of the verifying key can check an ALC proof with `snarkjs groth16 verify`.
//!
//! * field elements: decimal strings;
//! * G1: `[x, y, "1"]`; G2: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`;
//! * `verification_key.json`: `protocol`, `curve` (`"bn128"`), `nPublic`, `vk_alpha_1`,
//!   `vk_beta_2`, `vk_gamma_2`, `vk_delta_2`, and `IC` (arkworks' `gamma_abc_g1`).
//!   `vk_alphabeta_12` is not written: snarkjs 0.7's verifier recomputes the pairing and
//!   never reads it;
//! * `proof.json`: `pi_a`, `pi_b`, `pi_c`, `protocol`, `curve`; `public.json`: an array.
//!
//! Import is strict where snarkjs is lenient: coordinates must be canonical (below the
//! modulus), points affine (`z = 1`), on the curve and in the prime-order subgroup, and
//! public inputs below `r`.

use crate::{Proof, VerifyingKey};
use alc_circuits::presentation::{v2, NUM_PUBLIC_INPUTS};
use alc_circuits::Fr;
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use serde_json::{json, Value};
use std::str::FromStr;

/// snarkjs JSON that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnarkjsError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// A field is missing or has the wrong shape.
    #[error("{0}: missing or of the wrong shape")]
    Shape(&'static str),
    /// A number is not a canonical decimal below the modulus.
    #[error("{0}: not a canonical decimal below the field modulus")]
    Number(&'static str),
    /// A point is not affine, not on the curve or not in the prime-order subgroup.
    #[error("{0}: not a valid affine point of the prime-order subgroup")]
    Point(&'static str),
    /// Wrong protocol, curve or number of public inputs.
    #[error("{0}")]
    Unsupported(String),
}

fn fq_dec(x: &Fq) -> String {
    x.into_bigint().to_string()
}

fn g1(p: &G1Affine) -> Value {
    json!([fq_dec(&p.x), fq_dec(&p.y), "1"])
}

fn g2(p: &G2Affine) -> Value {
    json!([
        [fq_dec(&p.x.c0), fq_dec(&p.x.c1)],
        [fq_dec(&p.y.c0), fq_dec(&p.y.c1)],
        ["1", "0"]
    ])
}

/// `verification_key.json`.
pub fn export_verifying_key(vk: &VerifyingKey) -> String {
    let vk = vk.ark();
    let v = json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len() - 1,
        "vk_alpha_1": g1(&vk.alpha_g1),
        "vk_beta_2": g2(&vk.beta_g2),
        "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2),
        "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// `proof.json`.
pub fn export_proof(proof: &Proof) -> String {
    let p = proof.ark();
    let v = json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bn128",
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// `public.json`.
pub fn export_public(inputs: &[Fr]) -> String {
    let v: Vec<String> = inputs.iter().map(alc_circuits::field::to_decimal).collect();
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn parse(s: &str) -> Result<Value, SnarkjsError> {
    serde_json::from_str(s).map_err(|e| SnarkjsError::Json(e.to_string()))
}

fn fq(v: &Value, what: &'static str) -> Result<Fq, SnarkjsError> {
    let s = v.as_str().ok_or(SnarkjsError::Shape(what))?;
    if s.is_empty() || s.len() > 80 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SnarkjsError::Number(what));
    }
    let n = BigUint::from_str(s).map_err(|_| SnarkjsError::Number(what))?;
    if n >= BigUint::from_bytes_le(&Fq::MODULUS.to_bytes_le()) {
        return Err(SnarkjsError::Number(what));
    }
    Ok(Fq::from_le_bytes_mod_order(&n.to_bytes_le()))
}

fn array<'a>(v: &'a Value, n: usize, what: &'static str) -> Result<&'a [Value], SnarkjsError> {
    match v.as_array() {
        Some(a) if a.len() == n => Ok(a),
        _ => Err(SnarkjsError::Shape(what)),
    }
}

fn parse_g1(v: &Value, what: &'static str) -> Result<G1Affine, SnarkjsError> {
    let a = array(v, 3, what)?;
    if a[2].as_str() != Some("1") {
        return Err(SnarkjsError::Point(what));
    }
    let p = G1Affine::new_unchecked(fq(&a[0], what)?, fq(&a[1], what)?);
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() && !p.is_zero() {
        Ok(p)
    } else {
        Err(SnarkjsError::Point(what))
    }
}

fn parse_g2(v: &Value, what: &'static str) -> Result<G2Affine, SnarkjsError> {
    let a = array(v, 3, what)?;
    let z = array(&a[2], 2, what)?;
    if z[0].as_str() != Some("1") || z[1].as_str() != Some("0") {
        return Err(SnarkjsError::Point(what));
    }
    let c = |v: &Value| -> Result<Fq2, SnarkjsError> {
        let c = array(v, 2, what)?;
        Ok(Fq2::new(fq(&c[0], what)?, fq(&c[1], what)?))
    };
    let p = G2Affine::new_unchecked(c(&a[0])?, c(&a[1])?);
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() && !p.is_zero() {
        Ok(p)
    } else {
        Err(SnarkjsError::Point(what))
    }
}

fn check_protocol(v: &Value) -> Result<(), SnarkjsError> {
    if v.get("protocol").and_then(Value::as_str) != Some("groth16") {
        return Err(SnarkjsError::Unsupported(
            "protocol must be \"groth16\"".into(),
        ));
    }
    if v.get("curve").and_then(Value::as_str) != Some("bn128") {
        return Err(SnarkjsError::Unsupported("curve must be \"bn128\"".into()));
    }
    Ok(())
}

/// Imports `verification_key.json`.
pub fn import_verifying_key(s: &str) -> Result<VerifyingKey, SnarkjsError> {
    let v = parse(s)?;
    check_protocol(&v)?;
    let get = |k: &'static str| v.get(k).ok_or(SnarkjsError::Shape(k));
    let ic: Vec<G1Affine> = get("IC")?
        .as_array()
        .ok_or(SnarkjsError::Shape("IC"))?
        .iter()
        .map(|p| parse_g1(p, "IC"))
        .collect::<Result<_, _>>()?;
    let n_public = get("nPublic")?
        .as_u64()
        .ok_or(SnarkjsError::Shape("nPublic"))?;
    if ![NUM_PUBLIC_INPUTS, v2::NUM_PUBLIC_INPUTS].contains(&(n_public as usize))
        || ic.len() != n_public as usize + 1
    {
        return Err(SnarkjsError::Unsupported(format!(
            "circuit v1 has {NUM_PUBLIC_INPUTS} public inputs and v2 {}; this key has nPublic {n_public} and {} IC points",
            v2::NUM_PUBLIC_INPUTS,
            ic.len()
        )));
    }
    let vk = ark_groth16::VerifyingKey::<Bn254> {
        alpha_g1: parse_g1(get("vk_alpha_1")?, "vk_alpha_1")?,
        beta_g2: parse_g2(get("vk_beta_2")?, "vk_beta_2")?,
        gamma_g2: parse_g2(get("vk_gamma_2")?, "vk_gamma_2")?,
        delta_g2: parse_g2(get("vk_delta_2")?, "vk_delta_2")?,
        gamma_abc_g1: ic,
    };
    VerifyingKey::from_ark(vk).map_err(|e| SnarkjsError::Unsupported(e.to_string()))
}

/// Imports `proof.json`.
pub fn import_proof(s: &str) -> Result<Proof, SnarkjsError> {
    let v = parse(s)?;
    check_protocol(&v)?;
    let get = |k: &'static str| v.get(k).ok_or(SnarkjsError::Shape(k));
    Ok(Proof::from_ark(ark_groth16::Proof {
        a: parse_g1(get("pi_a")?, "pi_a")?,
        b: parse_g2(get("pi_b")?, "pi_b")?,
        c: parse_g1(get("pi_c")?, "pi_c")?,
    }))
}

/// Imports `public.json`: exactly circuit v1's or v2's number of canonical decimals
/// below `r` (a verifying key then takes only its own number).
pub fn import_public(s: &str) -> Result<Vec<Fr>, SnarkjsError> {
    let v = parse(s)?;
    let n = match v.as_array().map(Vec::len) {
        Some(n) if n == v2::NUM_PUBLIC_INPUTS => n,
        _ => NUM_PUBLIC_INPUTS,
    };
    let a = array(&v, n, "public inputs")?;
    a.iter()
        .map(|x| {
            let s = x.as_str().ok_or(SnarkjsError::Shape("public input"))?;
            alc_circuits::field::from_decimal(s).map_err(|_| SnarkjsError::Number("public input"))
        })
        .collect()
}
