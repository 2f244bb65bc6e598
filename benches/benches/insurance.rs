//! The insurance wrapper (`alc-insurance`): certificates and 64-bit Bulletproofs cover
//! proofs over ristretto255.
//!
//! Ids (throughput in proofs, so criterion also reports proofs per second):
//! * `insurance/certify`: an insurer commits to a cover amount and signs it.
//! * `insurance/prove`: one cover proof (a 64-bit range proof) for a certificate.
//! * `insurance/verify`: `verify_cover` on one proof (registry lookup, Schnorr
//!   signature, expiry, range proof).
//! * `insurance/many-64`: `verify_cover_many` on 64 permits' claims (signatures in one
//!   multiscalar check, range proofs verified individually in parallel with rayon);
//!   per-proof time = time / 64.
//!
//! The proof size in bytes is printed at startup.

#![allow(missing_docs)] // `criterion_group!` defines an undocumented function

use alc_insurance::{
    certify, prove_cover, verify_cover, verify_cover_many, CoverCertificate, CoverClaim,
    CoverProof, InsurerPublic, InsurerSecret, COVER_PROOF_LEN,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Duration;

const NOW: u64 = 1_700_000_000;
const EXPIRES: u64 = NOW + 365 * 86_400;
const TIER: u8 = 2;
const MINIMUM: u64 = 5_000_000;

fn insurance(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let secret = InsurerSecret::generate(&mut rng);
    let registered: Vec<InsurerPublic> = vec![secret.public()];

    let mut certs: Vec<CoverCertificate> = Vec::new();
    let mut proofs: Vec<CoverProof> = Vec::new();
    let mut openings = Vec::new();
    for i in 0..64u64 {
        let (cert, opening) = certify(
            &secret,
            &format!("permit-{i}"),
            &format!("policy-{i}"),
            EXPIRES,
            MINIMUM + i * 250_000,
            &mut rng,
        )
        .expect("certify");
        proofs.push(prove_cover(&cert, &opening, TIER, MINIMUM, &mut rng).expect("prove"));
        certs.push(cert);
        openings.push(opening);
    }
    let claims: Vec<CoverClaim<'_>> = certs
        .iter()
        .zip(&proofs)
        .map(|(certificate, proof)| CoverClaim {
            certificate,
            proof,
            tier: TIER,
            minimum: MINIMUM,
        })
        .collect();
    verify_cover_many(&claims, NOW, &registered, &mut rng).expect("valid claims");
    let proof_len = proofs[0].to_bytes().len();
    assert_eq!(proof_len, COVER_PROOF_LEN);
    eprintln!(
        "insurance: cover proof {proof_len} bytes, certificate {} bytes ({} bytes JSON)",
        certs[0].to_bytes().len(),
        serde_json::to_string(&certs[0]).expect("json").len()
    );

    let mut g = c.benchmark_group("insurance");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(1));
    g.bench_function("certify", |b| {
        b.iter(|| {
            certify(
                &secret,
                "permit-0",
                "policy-0",
                EXPIRES,
                black_box(MINIMUM),
                &mut rng,
            )
            .expect("certify")
        })
    });
    g.bench_function("prove", |b| {
        b.iter(|| {
            prove_cover(black_box(&certs[0]), &openings[0], TIER, MINIMUM, &mut rng).expect("prove")
        })
    });
    g.bench_function("verify", |b| {
        b.iter(|| {
            verify_cover(
                black_box(&certs[0]),
                black_box(&proofs[0]),
                TIER,
                MINIMUM,
                NOW,
                &registered,
            )
            .expect("valid")
        })
    });
    g.throughput(Throughput::Elements(claims.len() as u64));
    g.bench_function(format!("many-{}", claims.len()), |b| {
        b.iter(|| verify_cover_many(black_box(&claims), NOW, &registered, &mut rng).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, insurance);
criterion_main!(benches);
