//! Tests that need the crate's internals: transcripts under other domain separators,
//! certificates re-signed over the same commitment, and hand-forced range proofs.

use bulletproofs::RangeProof;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::certificate::sign_commitment;
use crate::proof::{check_range_in, cover_transcript, prove_cover_in, shifted_commitment};
use crate::tags::{CERTIFICATE_DOMAIN, COVER_PROOF_DOMAIN, COVER_RANGE_BITS};
use crate::*;

const NOW: u64 = 1_700_000_000;
const EXPIRES: u64 = NOW + 86_400;
const TIER: u8 = 2;
const OTHER_DOMAIN: &[u8] = b"alc/v1/insurance/other";

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn setup(amount: u64) -> (InsurerSecret, CoverCertificate, CoverOpening, ChaCha20Rng) {
    let mut rng = rng();
    let secret = InsurerSecret::generate(&mut rng);
    let (cert, opening) =
        certify(&secret, "permit-1", "policy-1", EXPIRES, amount, &mut rng).expect("certify");
    (secret, cert, opening, rng)
}

fn verify(cert: &CoverCertificate, proof: &CoverProof, minimum: u64) -> Result<(), Error> {
    let registered = [*cert.insurer()];
    verify_cover(cert, proof, TIER, minimum, NOW, &registered)
}

/// A range proof built by hand on the real cover-proof transcript, for any value and
/// blinding: what a cheating prover can do with the public bulletproofs API.
fn forced(cert: &CoverCertificate, minimum: u64, value: u64, blinding: &Scalar) -> CoverProof {
    let mut t = cover_transcript(COVER_PROOF_DOMAIN, cert, TIER, minimum);
    let (proof, _) = RangeProof::prove_single_with_rng(
        gens::bulletproof(),
        gens::pedersen(),
        &mut t,
        value,
        blinding,
        COVER_RANGE_BITS,
        &mut rng(),
    )
    .expect("range proof");
    CoverProof::from_bytes(&proof.to_bytes()).expect("round trip")
}

#[test]
fn certificate_under_another_domain_is_rejected() {
    let (secret, cert, opening, mut rng) = setup(5_000);
    let other = sign_commitment(
        OTHER_DOMAIN,
        &secret,
        "permit-1",
        "policy-1",
        EXPIRES,
        &opening,
        &mut rng,
    )
    .expect("sign");
    assert_eq!(other.verify_signature_in(OTHER_DOMAIN), Ok(()));
    assert_eq!(other.verify_signature(), Err(Error::BadCertificate));
    assert_eq!(
        cert.verify_signature_in(OTHER_DOMAIN),
        Err(Error::BadCertificate)
    );
    let proof = prove_cover(&other, &opening, TIER, 1_000, &mut rng).expect("prove");
    assert_eq!(verify(&other, &proof, 1_000), Err(Error::BadCertificate));
}

#[test]
fn cover_proof_under_another_domain_is_rejected() {
    let (_, cert, opening, mut rng) = setup(5_000);
    let proof =
        prove_cover_in(OTHER_DOMAIN, &cert, &opening, TIER, 1_000, &mut rng).expect("prove");
    assert_eq!(
        check_range_in(OTHER_DOMAIN, &cert, &proof, TIER, 1_000),
        Ok(())
    );
    assert_eq!(verify(&cert, &proof, 1_000), Err(Error::InvalidProof));
    let good = prove_cover(&cert, &opening, TIER, 1_000, &mut rng).expect("prove");
    assert_eq!(
        check_range_in(OTHER_DOMAIN, &cert, &good, TIER, 1_000),
        Err(Error::InvalidProof)
    );
}

#[test]
fn forced_proofs_below_the_minimum_are_rejected() {
    let (_, cert, opening, _) = setup(500);
    let minimum = 1_000;
    let blinding = *opening.blinding();
    // The shifted value wrapped round 2^64, with the right blinding.
    let wrapped = forced(&cert, minimum, 500u64.wrapping_sub(minimum), &blinding);
    assert_eq!(verify(&cert, &wrapped, minimum), Err(Error::InvalidProof));
    // The unshifted commitment C itself (a proof that the cover is >= 0).
    let unshifted = forced(&cert, minimum, 500, &blinding);
    assert_eq!(verify(&cert, &unshifted, minimum), Err(Error::InvalidProof));
    // A fresh commitment the prover chose: zero excess, another blinding.
    let fresh = forced(&cert, minimum, 0, &Scalar::from(42u64));
    assert_eq!(verify(&cert, &fresh, minimum), Err(Error::InvalidProof));
    // Large excess, random blinding.
    let large = forced(&cert, minimum, u64::MAX, &Scalar::from(7u64));
    assert_eq!(verify(&cert, &large, minimum), Err(Error::InvalidProof));
}

#[test]
fn forced_proof_with_the_right_value_is_what_prove_cover_makes() {
    // Sanity check of `forced`: with the honest excess it is accepted, so the rejections
    // above come from the values, not from the helper.
    let (_, cert, opening, _) = setup(5_000);
    let proof = forced(&cert, 1_000, 4_000, opening.blinding());
    assert_eq!(verify(&cert, &proof, 1_000), Ok(()));
    let shifted = shifted_commitment(&cert, 1_000).expect("point");
    let direct = gens::pedersen()
        .commit(Scalar::from(4_000u64), *opening.blinding())
        .compress();
    assert_eq!(shifted, direct);
}

#[test]
fn same_commitment_other_permit_policy_or_expiry_is_rejected() {
    let (secret, cert, opening, mut rng) = setup(5_000);
    let proof = prove_cover(&cert, &opening, TIER, 1_000, &mut rng).expect("prove");
    assert_eq!(verify(&cert, &proof, 1_000), Ok(()));
    for (permit, policy, expires) in [
        ("permit-2", "policy-1", EXPIRES),
        ("permit-1", "policy-2", EXPIRES),
        ("permit-1", "policy-1", EXPIRES + 1),
    ] {
        let other = sign_commitment(
            CERTIFICATE_DOMAIN,
            &secret,
            permit,
            policy,
            expires,
            &opening,
            &mut rng,
        )
        .expect("sign");
        assert_eq!(other.commitment(), cert.commitment());
        assert_eq!(other.verify_signature(), Ok(()));
        assert_eq!(verify(&other, &proof, 1_000), Err(Error::InvalidProof));
        let own = prove_cover(&other, &opening, TIER, 1_000, &mut rng).expect("prove");
        assert_eq!(verify(&other, &own, 1_000), Ok(()));
    }
}

#[test]
fn secrets_are_redacted_in_debug() {
    let (secret, _, opening, _) = setup(123_456_789);
    let s = format!("{secret:?} {opening:?}");
    assert!(s.contains("redacted"));
    assert!(!s.contains("123456789"));
    assert!(!s.contains(&hex::encode(*secret.to_bytes())));
    assert!(!s.contains(&hex::encode(opening.blinding().as_bytes())));
}
