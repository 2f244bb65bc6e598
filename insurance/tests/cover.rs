//! End-to-end behaviour of the public API: accepted claims and their failing twins,
//! encodings, malformed input and many-claim verification.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_insurance::{
    certify, prove_cover, verify_cover, verify_cover_many, CoverCertificate, CoverClaim,
    CoverOpening, CoverProof, Error, InsurerPublic, InsurerSecret, COVER_OPENING_LEN,
    COVER_PROOF_LEN,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

const NOW: u64 = 1_700_000_000;
const EXPIRES: u64 = NOW + 30 * 86_400;
const TIER: u8 = 2;
const MINIMUM: u64 = 1_000_000;

struct Fixture {
    rng: ChaCha20Rng,
    secret: InsurerSecret,
    cert: CoverCertificate,
    opening: CoverOpening,
}

fn fixture(amount: u64) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(amount ^ 0x5eed);
    let secret = InsurerSecret::generate(&mut rng);
    let (cert, opening) =
        certify(&secret, "permit-42", "policy-7", EXPIRES, amount, &mut rng).unwrap();
    Fixture {
        rng,
        secret,
        cert,
        opening,
    }
}

impl Fixture {
    fn prove(&mut self, minimum: u64) -> CoverProof {
        prove_cover(&self.cert, &self.opening, TIER, minimum, &mut self.rng).unwrap()
    }

    fn registered(&self) -> [InsurerPublic; 1] {
        [self.secret.public()]
    }
}

fn verify(cert: &CoverCertificate, proof: &CoverProof, minimum: u64) -> Result<(), Error> {
    verify_cover(cert, proof, TIER, minimum, NOW, &[*cert.insurer()])
}

#[test]
fn cover_above_minimum_is_accepted() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &f.registered()),
        Ok(())
    );
    assert_eq!(f.opening.amount(), 5 * MINIMUM);
}

#[test]
fn cover_equal_to_minimum_is_accepted() {
    let mut f = fixture(MINIMUM);
    let proof = f.prove(MINIMUM);
    assert_eq!(verify(&f.cert, &proof, MINIMUM), Ok(()));
}

#[test]
fn extreme_amounts_are_accepted() {
    let mut f = fixture(u64::MAX);
    for minimum in [0, 1, u64::MAX - 1, u64::MAX] {
        let proof = f.prove(minimum);
        assert_eq!(
            verify(&f.cert, &proof, minimum),
            Ok(()),
            "minimum {minimum}"
        );
    }
    let mut zero = fixture(0);
    let proof = zero.prove(0);
    assert_eq!(verify(&zero.cert, &proof, 0), Ok(()));
}

#[test]
fn cover_below_minimum_cannot_be_proved() {
    let mut f = fixture(MINIMUM - 1);
    assert_eq!(
        prove_cover(&f.cert, &f.opening, TIER, MINIMUM, &mut f.rng).unwrap_err(),
        Error::CoverBelowMinimum
    );
    // A proof for a lower minimum does not carry over to the real one.
    let low = f.prove(MINIMUM - 1);
    assert_eq!(verify(&f.cert, &low, MINIMUM - 1), Ok(()));
    assert_eq!(verify(&f.cert, &low, MINIMUM), Err(Error::InvalidProof));
}

#[test]
fn opening_of_another_certificate_is_refused() {
    let a = fixture(5 * MINIMUM);
    let mut b = fixture(6 * MINIMUM);
    assert!(!a.opening.opens(&b.cert));
    assert!(b.opening.opens(&b.cert));
    assert_eq!(
        prove_cover(&b.cert, &a.opening, TIER, MINIMUM, &mut b.rng).unwrap_err(),
        Error::OpeningMismatch
    );
}

#[test]
fn proof_for_another_certificate_is_rejected() {
    let mut f = fixture(5 * MINIMUM);
    // Same insurer, same permit and policy, another commitment.
    let (other, other_opening) = certify(
        &f.secret,
        "permit-42",
        "policy-7",
        EXPIRES,
        5 * MINIMUM,
        &mut f.rng,
    )
    .unwrap();
    let proof = f.prove(MINIMUM);
    assert_eq!(verify(&other, &proof, MINIMUM), Err(Error::InvalidProof));
    let other_proof = prove_cover(&other, &other_opening, TIER, MINIMUM, &mut f.rng).unwrap();
    assert_eq!(
        verify(&f.cert, &other_proof, MINIMUM),
        Err(Error::InvalidProof)
    );
    assert_eq!(verify(&other, &other_proof, MINIMUM), Ok(()));
}

#[test]
fn proof_for_another_permit_is_rejected() {
    let mut f = fixture(5 * MINIMUM);
    let (other, _) = certify(
        &f.secret,
        "permit-43",
        "policy-7",
        EXPIRES,
        5 * MINIMUM,
        &mut f.rng,
    )
    .unwrap();
    let proof = f.prove(MINIMUM);
    assert_eq!(verify(&other, &proof, MINIMUM), Err(Error::InvalidProof));
}

#[test]
fn proof_for_another_minimum_or_tier_is_rejected() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    let registered = f.registered();
    for minimum in [0, MINIMUM - 1, MINIMUM + 1, 2 * MINIMUM] {
        assert_eq!(
            verify_cover(&f.cert, &proof, TIER, minimum, NOW, &registered),
            Err(Error::InvalidProof),
            "minimum {minimum}"
        );
    }
    for tier in [0, 1, 3, 255] {
        assert_eq!(
            verify_cover(&f.cert, &proof, tier, MINIMUM, NOW, &registered),
            Err(Error::InvalidProof),
            "tier {tier}"
        );
    }
}

fn tampered(
    cert: &CoverCertificate,
    field: &str,
    value: Value,
) -> Result<CoverCertificate, String> {
    let mut json = serde_json::to_value(cert).unwrap();
    json[field] = value;
    serde_json::from_value(json).map_err(|e| e.to_string())
}

fn flip_hex(s: &str, at: usize) -> String {
    let mut bytes = hex::decode(s).unwrap();
    bytes[at] ^= 1;
    hex::encode(bytes)
}

#[test]
fn tampered_certificate_fields_are_rejected() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    let json = serde_json::to_value(&f.cert).unwrap();
    let other_insurer = InsurerSecret::generate(&mut f.rng).public();
    let (unrelated, _) = certify(&f.secret, "x", "y", EXPIRES, 1, &mut f.rng).unwrap();
    let signature = json["signature"].as_str().unwrap();
    let cases: Vec<(&str, Value)> = vec![
        ("insurer", Value::from(other_insurer.to_string())),
        ("permit_id", Value::from("permit-43")),
        ("policy_id", Value::from("policy-8")),
        ("expires", Value::from(EXPIRES + 1)),
        ("expires", Value::from(EXPIRES - 1)),
        (
            "commitment",
            Value::from(hex::encode(unrelated.commitment().as_bytes())),
        ),
        ("signature", Value::from(flip_hex(signature, 0))),
        ("signature", Value::from(flip_hex(signature, 40))),
    ];
    let registered = [f.secret.public(), other_insurer];
    for (field, value) in cases {
        match tampered(&f.cert, field, value.clone()) {
            Ok(cert) => {
                assert_ne!(cert, f.cert);
                assert_eq!(
                    cert.verify_signature(),
                    Err(Error::BadCertificate),
                    "{field}"
                );
                assert_eq!(
                    verify_cover(&cert, &proof, TIER, MINIMUM, NOW, &registered),
                    Err(Error::BadCertificate),
                    "{field} = {value}"
                );
            }
            // A flipped bit may leave a non-canonical point or scalar: refused on parsing.
            Err(e) => assert_eq!(field, "signature", "{e}"),
        }
    }
    let version = tampered(&f.cert, "version", Value::from(2)).unwrap_err();
    assert!(version.contains("version 2"), "{version}");
    assert_eq!(
        CoverCertificate::from_bytes(&[&[0, 0, 0, 2][..], &f.cert.to_bytes()[4..]].concat()),
        Err(Error::UnsupportedVersion(2))
    );
    // Untouched JSON still verifies.
    let same: CoverCertificate = serde_json::from_value(json).unwrap();
    assert_eq!(verify(&same, &proof, MINIMUM), Ok(()));
}

#[test]
fn expired_policy_is_rejected() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    let registered = f.registered();
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, EXPIRES - 1, &registered),
        Ok(())
    );
    for now in [EXPIRES, EXPIRES + 1, u64::MAX] {
        assert_eq!(
            verify_cover(&f.cert, &proof, TIER, MINIMUM, now, &registered),
            Err(Error::Expired {
                expires: EXPIRES,
                now
            })
        );
    }
}

#[test]
fn unregistered_insurer_is_rejected() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    let stranger = InsurerSecret::generate(&mut f.rng).public();
    let me = f.secret.public();
    let empty: &[InsurerPublic] = &[];
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, empty),
        Err(Error::UnregisteredInsurer)
    );
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &[stranger]),
        Err(Error::UnregisteredInsurer)
    );
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &|_: &InsurerPublic| {
            false
        }),
        Err(Error::UnregisteredInsurer)
    );
    // Every kind of register accepts a registered insurer.
    let by_closure = |pk: &InsurerPublic| *pk == me;
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &by_closure),
        Ok(())
    );
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &vec![stranger, me]),
        Ok(())
    );
    assert_eq!(
        verify_cover(&f.cert, &proof, TIER, MINIMUM, NOW, &[stranger, me][..]),
        Ok(())
    );
}

#[test]
fn encodings_round_trip() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);

    let bytes = f.cert.to_bytes();
    assert_eq!(bytes.len(), 144 + "permit-42".len() + "policy-7".len());
    assert_eq!(CoverCertificate::from_bytes(&bytes).unwrap(), f.cert);
    let json = serde_json::to_string(&f.cert).unwrap();
    let back: CoverCertificate = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f.cert);

    let proof_bytes = proof.to_bytes();
    assert_eq!(proof_bytes.len(), COVER_PROOF_LEN);
    let from_bytes = CoverProof::from_bytes(&proof_bytes).unwrap();
    assert_eq!(from_bytes, proof);
    let proof_json = serde_json::to_string(&proof).unwrap();
    let from_json: CoverProof = serde_json::from_str(&proof_json).unwrap();
    assert_eq!(from_json, proof);
    assert_eq!(verify(&back, &from_json, MINIMUM), Ok(()));

    let pk = f.secret.public();
    assert_eq!(InsurerPublic::from_bytes(&pk.to_bytes()).unwrap(), pk);
    assert_eq!(pk.to_string().parse::<InsurerPublic>().unwrap(), pk);
    let pk_json = serde_json::to_string(&pk).unwrap();
    assert_eq!(pk_json, format!("\"{pk}\""));
    assert_eq!(serde_json::from_str::<InsurerPublic>(&pk_json).unwrap(), pk);

    let secret = InsurerSecret::from_bytes(&f.secret.to_bytes()).unwrap();
    assert_eq!(secret.public(), pk);

    let opening_bytes = f.opening.to_bytes();
    assert_eq!(opening_bytes.len(), COVER_OPENING_LEN);
    let opening = CoverOpening::from_bytes(&opening_bytes[..]).unwrap();
    assert_eq!(opening.amount(), f.opening.amount());
    assert!(opening.opens(&f.cert));
}

#[test]
fn invalid_keys_are_typed_errors() {
    // Identity, non-canonical (field element >= p), and an invalid encoding.
    let mut non_canonical = [0xff; 32];
    non_canonical[31] = 0x7f;
    let mut odd = [0u8; 32];
    odd[0] = 1;
    for bytes in [[0u8; 32], non_canonical, odd, [0xff; 32]] {
        assert_eq!(
            InsurerPublic::from_bytes(&bytes),
            Err(Error::InvalidPublicKey)
        );
    }
    assert!("zz".parse::<InsurerPublic>().is_err());
    assert!("00".parse::<InsurerPublic>().is_err());
    assert!(serde_json::from_str::<InsurerPublic>("\"0000\"").is_err());
    assert_eq!(
        InsurerSecret::from_bytes(&[0u8; 32]).unwrap_err(),
        Error::InvalidSecretKey
    );
    assert_eq!(
        InsurerSecret::from_bytes(&[0xff; 32]).unwrap_err(),
        Error::InvalidSecretKey
    );
}

#[test]
fn bad_identifiers_are_refused() {
    let mut f = fixture(5 * MINIMUM);
    let long = "p".repeat(257);
    for (permit, policy) in [
        ("", "p"),
        ("p", ""),
        (long.as_str(), "p"),
        ("p", long.as_str()),
    ] {
        assert!(matches!(
            certify(&f.secret, permit, policy, EXPIRES, 1, &mut f.rng),
            Err(Error::Malformed(_))
        ));
    }
    let max = "p".repeat(256);
    let (cert, _) = certify(&f.secret, &max, &max, EXPIRES, 1, &mut f.rng).unwrap();
    assert_eq!(
        CoverCertificate::from_bytes(&cert.to_bytes()).unwrap(),
        cert
    );
}

#[test]
fn malformed_bytes_are_errors_not_panics() {
    let mut f = fixture(5 * MINIMUM);
    let proof = f.prove(MINIMUM);
    let cert_bytes = f.cert.to_bytes();
    let proof_bytes = proof.to_bytes();
    let opening_bytes = f.opening.to_bytes().to_vec();

    // Every truncation and a trailing byte.
    for n in 0..cert_bytes.len() {
        assert!(
            CoverCertificate::from_bytes(&cert_bytes[..n]).is_err(),
            "cert[..{n}]"
        );
    }
    assert!(CoverCertificate::from_bytes(&[&cert_bytes[..], &[0]].concat()).is_err());
    for n in 0..proof_bytes.len() {
        assert!(
            CoverProof::from_bytes(&proof_bytes[..n]).is_err(),
            "proof[..{n}]"
        );
    }
    assert!(CoverProof::from_bytes(&[&proof_bytes[..], &[0u8; 32]].concat()).is_err());
    for n in 0..opening_bytes.len() {
        assert!(CoverOpening::from_bytes(&opening_bytes[..n]).is_err());
    }
    assert!(CoverOpening::from_bytes(&[&opening_bytes[..], &[0]].concat()).is_err());

    // Random bytes of many lengths.
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    for len in [
        0,
        1,
        31,
        32,
        40,
        64,
        144,
        160,
        300,
        COVER_PROOF_LEN - 32,
        COVER_PROOF_LEN,
    ] {
        for _ in 0..20 {
            let mut buf = vec![0u8; len];
            rng.fill_bytes(&mut buf);
            let _ = CoverCertificate::from_bytes(&buf);
            let _ = CoverOpening::from_bytes(&buf);
            if let Ok(p) = CoverProof::from_bytes(&buf) {
                assert_eq!(verify(&f.cert, &p, MINIMUM), Err(Error::InvalidProof));
            }
        }
    }
    // A valid header with random rest.
    for _ in 0..50 {
        let mut buf = cert_bytes.clone();
        rng.fill_bytes(&mut buf[36..]);
        let _ = CoverCertificate::from_bytes(&buf);
    }

    // Each 32-byte element of a valid proof, corrupted: refused on parsing or rejected.
    for chunk in 0..COVER_PROOF_LEN / 32 {
        let mut bad = proof_bytes.clone();
        bad[chunk * 32] ^= 1;
        if let Ok(p) = CoverProof::from_bytes(&bad) {
            assert_eq!(
                verify(&f.cert, &p, MINIMUM),
                Err(Error::InvalidProof),
                "{chunk}"
            );
        }
    }

    // Malformed JSON.
    for bad in ["\"not base64!\"", "\"AAAA\"", "42", "\"\""] {
        assert!(serde_json::from_str::<CoverProof>(bad).is_err(), "{bad}");
    }
    let mut json = serde_json::to_value(&f.cert).unwrap();
    json["commitment"] = Value::from("00");
    assert!(serde_json::from_value::<CoverCertificate>(json.clone()).is_err());
    json["commitment"] = Value::from(hex::encode([0xff; 32]));
    assert!(serde_json::from_value::<CoverCertificate>(json.clone()).is_err());
    json["commitment"] = Value::from(hex::encode(f.cert.commitment().as_bytes()));
    json["extra"] = Value::from(1);
    assert!(serde_json::from_value::<CoverCertificate>(json).is_err());
    assert!(serde_json::from_str::<CoverCertificate>("{}").is_err());
}

fn claims<'a>(
    certs: &'a [CoverCertificate],
    proofs: &'a [CoverProof],
    minimums: &[u64],
) -> Vec<CoverClaim<'a>> {
    (0..certs.len())
        .map(|i| CoverClaim {
            certificate: &certs[i],
            proof: &proofs[i],
            tier: TIER,
            minimum: minimums[i],
        })
        .collect()
}

#[test]
fn many_claims_accept_a_good_batch_and_pinpoint_bad_ones() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let insurers: Vec<InsurerSecret> = (0..3).map(|_| InsurerSecret::generate(&mut rng)).collect();
    let stranger = InsurerSecret::generate(&mut rng);
    let registered: Vec<InsurerPublic> = insurers.iter().map(InsurerSecret::public).collect();

    let mut certs = Vec::new();
    let mut proofs = Vec::new();
    let mut minimums = Vec::new();
    for i in 0..10u64 {
        let signer = if i == 6 {
            &stranger
        } else {
            &insurers[(i % 3) as usize]
        };
        let minimum = MINIMUM * (1 + i % 3);
        let expires = if i == 7 { NOW } else { EXPIRES };
        let (cert, opening) = certify(
            signer,
            &format!("permit-{i}"),
            &format!("policy-{i}"),
            expires,
            minimum + i * 1000,
            &mut rng,
        )
        .unwrap();
        proofs.push(prove_cover(&cert, &opening, TIER, minimum, &mut rng).unwrap());
        certs.push(cert);
        minimums.push(minimum);
    }
    // The good ones alone.
    let good: Vec<CoverClaim<'_>> = claims(&certs, &proofs, &minimums)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| ![6, 7].contains(i))
        .map(|(_, c)| c)
        .collect();
    assert_eq!(verify_cover_many(&good, NOW, &registered, &mut rng), Ok(()));
    assert_eq!(verify_cover_many(&[], NOW, &registered, &mut rng), Ok(()));

    // Break claim 2's minimum and claim 5's signature; 6 is unregistered, 7 expired.
    minimums[2] += 1;
    let mut json = serde_json::to_value(&certs[5]).unwrap();
    json["expires"] = Value::from(EXPIRES + 10);
    certs[5] = serde_json::from_value(json).unwrap();
    let all = claims(&certs, &proofs, &minimums);
    let failures = verify_cover_many(&all, NOW, &registered, &mut rng).unwrap_err();
    assert_eq!(failures.indices(), vec![2, 5, 6, 7]);
    for (i, error) in failures.failures() {
        let c = &all[*i];
        assert_eq!(
            Err(error.clone()),
            verify_cover(c.certificate, c.proof, c.tier, c.minimum, NOW, &registered),
            "claim {i}"
        );
    }
    assert_eq!(failures.failures()[1].1, Error::BadCertificate);
    assert!(failures
        .to_string()
        .starts_with("4 cover claim(s) failed; first: claim 2"));
}
