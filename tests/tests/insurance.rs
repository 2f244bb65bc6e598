//! The insurance wrapper with the real `alc` binary: an insurer's keys and certificate,
//! the permit holder's cover proof, and a real `alc authority serve` accepting the
//! permit; cover below the minimum and an unregistered insurer refused, nothing written.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok, Service};
use alc_protocol::authority::{CoverRenewal, InsurerRegistration, NewPermit};
use alc_protocol::insurance::{CoverCertificate, CoverEvidence};
use reqwest::blocking::Client;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const MIN2: u64 = 1_000_000;

fn post(c: &Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = c.post(url).bearer_auth(token).json(body).send().unwrap();
    (resp.status().as_u16(), resp.json().unwrap_or(Value::Null))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A proof file's JSON as the protocol's cover evidence.
fn cover(evidence: &Value) -> CoverEvidence {
    serde_json::from_value(evidence.clone()).unwrap()
}

/// A permit registration at tier 2 with `insurance`.
fn new_permit(id: &str, name: &str, insurance: CoverEvidence, reason: &str) -> Value {
    serde_json::to_value(NewPermit {
        id: id.into(),
        name: name.into(),
        tier: 2,
        insurance: Some(insurance),
        contacts: Vec::new(),
        incident_contact: Some("mailto:incidents@example.test".into()),
        reporting: vec!["https://example.test/incidents".into()],
        reason: reason.into(),
    })
    .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `alc insurer certify` then `alc permit prove-cover`; returns the proof file's JSON.
fn certify_and_prove(dir: &Path, key: &Path, permit: &str, amount: u64, minimum: u64) -> Value {
    let out = dir.join(permit);
    ok(alc(
        dir,
        &[
            "insurer",
            "certify",
            "--key",
            s(key),
            "--permit",
            permit,
            "--policy",
            "POL-1",
            "--days",
            "30",
            "--amount",
            &amount.to_string(),
            "--out",
            s(&out),
        ],
    ));
    let proof = out.join("proof.json");
    ok(prove_cover(
        dir,
        &out.join("certificate.json"),
        &out.join("opening.json"),
        minimum,
        &proof,
    ));
    read_json(&proof)
}

/// `alc permit prove-cover --tier 2` (overwriting `out`).
fn prove_cover(dir: &Path, certificate: &Path, opening: &Path, minimum: u64, out: &Path) -> Output {
    alc(
        dir,
        &[
            "permit",
            "prove-cover",
            "--certificate",
            s(certificate),
            "--opening",
            s(opening),
            "--tier",
            "2",
            "--minimum",
            &minimum.to_string(),
            "--out",
            s(out),
            "--force",
        ],
    )
}

#[test]
fn insurer_certifies_holder_proves_and_the_authority_accepts_the_permit() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    // The insurer's key: secret 0600, public key printed.
    let key = dir.join("insurer.key");
    let public = ok(alc(dir, &["insurer", "keygen", "--out", s(&key)]));
    let public = public.trim();
    assert_eq!(public.len(), 64, "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails(alc(dir, &["insurer", "keygen", "--out", s(&key)]), "exists");

    // The authority, with its own tier-2 minimum.
    let data = dir.join("authority");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("authority.toml"),
        format!("[insurance]\nmin_cover = {{ \"2\" = {MIN2}, \"3\" = 5000000 }}\n"),
    )
    .unwrap();
    let auth = Service::start(
        dir,
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            s(&data),
        ],
    );
    let admin = std::fs::read_to_string(data.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let c = Client::new();
    let published: Value = c
        .get(format!("{}/v1/insurance", auth.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(published["min_cover"]["2"], MIN2, "{published}");
    let (st, v) = post(
        &c,
        &format!("{}/v1/admin/insurers", auth.url),
        &admin,
        &serde_json::to_value(InsurerRegistration {
            id: "lloyds-1".into(),
            key: public.into(),
            reason: "licensed insurer".into(),
        })
        .unwrap(),
    );
    assert_eq!(st, 200, "{v}");

    // Certify 2,500,000 for permit acme; the holder proves >= the published minimum.
    let evidence = certify_and_prove(dir, &key, "acme", 2_500_000, MIN2);
    let opening = dir.join("acme").join("opening.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&opening).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(evidence["tier"], 2);
    assert!(!evidence.to_string().contains("2500000"));
    let permits = format!("{}/v1/admin/permits", auth.url);
    let (st, v) = post(
        &c,
        &permits,
        &admin,
        &new_permit("acme", "Acme Ltd", cover(&evidence), "application 7"),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["insurance"]["commitment"],
        evidence["certificate"]["commitment"]
    );
    assert_eq!(v["insurance"]["minimum"], MIN2);
    assert!(!v.to_string().contains("2500000"), "{v}");

    // Cover below the minimum: the holder cannot prove it...
    let thin = dir.join("thin");
    ok(alc(
        dir,
        &[
            "insurer",
            "certify",
            "--key",
            s(&key),
            "--permit",
            "thin",
            "--policy",
            "POL-2",
            "--expires",
            "4102444800",
            "--amount",
            &(MIN2 - 1).to_string(),
            "--out",
            s(&thin),
        ],
    ));
    let prove = |minimum: u64| {
        prove_cover(
            dir,
            &thin.join("certificate.json"),
            &thin.join("opening.json"),
            minimum,
            &thin.join("proof.json"),
        )
    };
    fails(prove(MIN2), "below the tier minimum");
    // ...and a proof against a lower minimum is refused by the authority.
    ok(prove(MIN2 - 1));
    let mut low = cover(&read_json(&thin.join("proof.json")));
    let body = |insurance: &CoverEvidence| new_permit("thin", "Thin Ltd", insurance.clone(), "r");
    let (st, v) = post(&c, &permits, &admin, &body(&low));
    assert_eq!(
        (st, v["error"].as_str()),
        (422, Some("insurance_other_minimum")),
        "{v}"
    );
    low.minimum = None;
    let (st, v) = post(&c, &permits, &admin, &body(&low));
    assert_eq!(
        (st, v["error"].as_str()),
        (422, Some("insurance_invalid_proof")),
        "{v}"
    );

    // An insurer the authority does not know.
    let rogue = dir.join("rogue.key");
    ok(alc(dir, &["insurer", "keygen", "--out", s(&rogue)]));
    let evidence = certify_and_prove(dir, &rogue, "rogue-co", 9_000_000, MIN2);
    let (st, v) = post(
        &c,
        &permits,
        &admin,
        &new_permit("rogue-co", "Rogue", cover(&evidence), "r"),
    );
    assert_eq!(
        (st, v["error"].as_str()),
        (422, Some("insurer_unregistered")),
        "{v}"
    );

    // Nothing was written for the refused permits: renewing them finds no permit.
    for id in ["thin", "rogue-co"] {
        let (st, v) = post(
            &c,
            &format!("{}/v1/admin/permits/{id}/insurance", auth.url),
            &admin,
            &serde_json::to_value(CoverRenewal {
                insurance: cover(&evidence),
                reason: "r".into(),
            })
            .unwrap(),
        );
        assert_eq!(st, 404, "{id}: {v}");
    }

    // A mismatched opening and a tampered certificate are caught before proving.
    let mut cert: CoverCertificate =
        serde_json::from_value(read_json(&dir.join("acme").join("certificate.json"))).unwrap();
    cert.policy_id = "POL-X".into();
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, serde_json::to_string(&cert).unwrap()).unwrap();
    let x = dir.join("x.json");
    fails(
        prove_cover(dir, &tampered, &opening, 1, &x),
        "signature does not verify",
    );
    fails(
        prove_cover(dir, &thin.join("certificate.json"), &opening, 1, &x),
        "opening does not match",
    );

    // The insurer revokes acme's cover during its term. Twins first: the rogue insurer's
    // statement, and a revocation of a policy acme's cover is not.
    let revoke = |key: &Path, policy: &str, more: &[&str]| {
        let mut args = vec![
            "insurer",
            "revoke",
            "--key",
            s(key),
            "--permit",
            "acme",
            "--policy",
            policy,
            "--authority",
            &auth.url,
        ];
        args.extend_from_slice(more);
        alc(dir, &args)
    };
    let rogue_says = fails(revoke(&rogue, "POL-1", &[]), "(403)");
    assert!(rogue_says.contains("not registered"), "{rogue_says}");
    fails(revoke(&key, "POL-9", &[]), "(409)");
    let statement = dir.join("revocation.json");
    let out = ok(revoke(&key, "POL-1", &["--out", s(&statement)]));
    assert!(out.contains("revoked"), "{out}");
    let acme = || -> Value {
        c.get(format!("{}/v1/admin/permits/acme", auth.url))
            .bearer_auth(&admin)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let permit = acme();
    assert!(
        permit["insurance"]["revoked_at"].as_u64().is_some(),
        "{permit}"
    );
    // The running authority's enforcement finds the lapse at once (the event wakes it).
    let mut lapse = Value::Null;
    for _ in 0..50 {
        let p = acme();
        if !p["lapse"].is_null() {
            lapse = p["lapse"].clone();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        lapse["why"]
            .as_str()
            .unwrap_or("")
            .contains("revoked by its insurer"),
        "{lapse}"
    );
}
