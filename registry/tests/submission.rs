//! Gateway submissions: signing, verification and every refusal.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
use alc_registry::entry::{Entry, Kill, KillTarget, StatusEpoch};
use alc_registry::submission::{sign, GatewayKey, Submission, SubmissionError};
use ed25519_dalek::VerifyingKey;
use std::collections::HashMap;

fn kill(gateway: &str) -> Entry {
    Entry::Kill(Kill {
        gateway: gateway.into(),
        target: KillTarget::Lease("lease-9".into()),
        reason: "operator request".into(),
        at: 1_790_000_000,
    })
}

fn registry(keys: &[&GatewayKey]) -> HashMap<String, VerifyingKey> {
    keys.iter()
        .map(|k| (k.gateway().to_owned(), k.verifying_key()))
        .collect()
}

#[test]
fn valid_submission_verifies_and_survives_json() {
    let gw = GatewayKey::from_seed("gw-a.example", &[1; 32]);
    let keys = registry(&[&gw]);
    let sub = sign(&gw, kill("gw-a.example")).unwrap();
    let leaf = sub.verify(|g| keys.get(g).copied()).unwrap();
    assert_eq!(leaf, kill("gw-a.example").to_leaf().unwrap());
    let json = serde_json::to_string(&sub).unwrap();
    let back: Submission = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sub);
    assert_eq!(back.verify(|g| keys.get(g).copied()).unwrap(), leaf);
    // The secret seed never shows in Debug output.
    let debug = format!("{gw:?}");
    assert!(
        debug.contains("gw-a.example") && !debug.contains("[1, 1, 1"),
        "{debug}"
    );
}

#[test]
fn refusals_are_distinct() {
    let a = GatewayKey::from_seed("gw-a.example", &[1; 32]);
    let b = GatewayKey::from_seed("gw-b.example", &[2; 32]);
    let keys = registry(&[&a, &b]);
    let lookup = |g: &str| keys.get(g).copied();

    // Forged: a flipped bit, or a signature by another key.
    let mut sub = sign(&a, kill("gw-a.example")).unwrap();
    sub.signature[5] ^= 1;
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::BadSignature("gw-a.example".into()))
    );
    let impostor = GatewayKey::from_seed("gw-a.example", &[3; 32]);
    let sub = sign(&impostor, kill("gw-a.example")).unwrap();
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::BadSignature("gw-a.example".into()))
    );

    // The entry changed after signing.
    let mut sub = sign(&a, kill("gw-a.example")).unwrap();
    if let Entry::Kill(k) = &mut sub.entry {
        k.reason = "something else".into();
    }
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::BadSignature("gw-a.example".into()))
    );

    // Unknown gateway.
    let c = GatewayKey::from_seed("gw-c.example", &[4; 32]);
    let sub = sign(&c, kill("gw-c.example")).unwrap();
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::UnknownGateway("gw-c.example".into()))
    );

    // A gateway writing in another's name: refused when signing and when verifying,
    // even if the signature itself is valid for the submitter.
    assert!(matches!(
        sign(&a, kill("gw-b.example")),
        Err(SubmissionError::GatewayMismatch { .. })
    ));
    let mut sub = sign(&a, kill("gw-a.example")).unwrap();
    sub.entry = kill("gw-b.example");
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::GatewayMismatch {
            submitter: "gw-a.example".into(),
            entry: "gw-b.example".into()
        })
    );
    // Relabelling the submitter to match a stolen entry fails the signature instead.
    let mut sub = sign(&a, kill("gw-a.example")).unwrap();
    sub.gateway = "gw-b.example".into();
    sub.entry = kill("gw-b.example");
    assert_eq!(
        sub.verify(lookup),
        Err(SubmissionError::BadSignature("gw-b.example".into()))
    );

    // Authority-only entries.
    let epoch = Entry::StatusEpoch(StatusEpoch {
        epoch: 1,
        root: "5".into(),
        emergency: false,
        at: 1,
    });
    assert_eq!(
        sign(&a, epoch).unwrap_err(),
        SubmissionError::NotAGatewayEntry
    );

    // Invalid entries.
    assert!(matches!(
        sign(&a, kill("")),
        Err(SubmissionError::InvalidEntry(_))
    ));

    // Malformed JSON submissions.
    let sub = sign(&a, kill("gw-a.example")).unwrap();
    let mut v = serde_json::to_value(&sub).unwrap();
    v["signature"] = "AAAA".into();
    assert!(serde_json::from_value::<Submission>(v.clone()).is_err());
    v["signature"] = serde_json::to_value(&sub).unwrap()["signature"].clone();
    v["extra"] = 1.into();
    assert!(serde_json::from_value::<Submission>(v).is_err());
}
