//! Verifying presentation proofs with the fixed-seed circuit-v1 key.
//!
//! Ids (throughput in proofs, so criterion also reports proofs per second):
//! * `verify/single`: one proof (`alc_verifier::verify`).
//! * `verify/decode`: 128 bytes to a proof with curve and subgroup checks
//!   (`Proof::from_bytes`).
//! * `verify/batch-8`, `verify/batch-64`: `verify_batch` on 8 and 64 distinct proofs
//!   (each of its own example); per-proof time = time / n.
//!
//! The 64 proofs are made once at startup (about 64 proving times).

use alc_benches::{keys, proofs, rng};
use alc_verifier::{verify, verify_batch, Proof};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};

fn verification(c: &mut Criterion) {
    let t = Instant::now();
    let vk = &keys().1;
    eprintln!("setup: {:.1?}", t.elapsed());
    let t = Instant::now();
    let items = proofs(64, 1);
    eprintln!("64 examples and proofs: {:.1?}", t.elapsed());
    let (proof, statement) = &items[0];
    let bytes = proof.to_bytes();
    let mut r = rng(5);
    assert!(verify_batch(vk, &items, &mut r).is_ok());
    assert!(verify_batch(vk, &items[..8], &mut r).is_ok());

    let mut g = c.benchmark_group("verify");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(1));
    g.bench_function("single", |b| {
        b.iter(|| verify(vk, black_box(proof), black_box(statement)).expect("valid"))
    });
    g.bench_function("decode", |b| {
        b.iter(|| Proof::from_bytes(black_box(&bytes)).expect("valid encoding"))
    });
    for n in [8usize, 64] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("batch-{n}"), |b| {
            b.iter(|| verify_batch(vk, black_box(&items[..n]), &mut r).expect("valid"))
        });
    }
    g.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
