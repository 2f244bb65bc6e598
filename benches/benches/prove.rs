//! Proving the example credential with the fixed-seed circuit-v1 key.
//!
//! Ids:
//! * `prove/{n}-threads` (the default rayon pool, `n` = the machine's cores) and
//!   `prove/1-thread`: the whole `alc_prover::prove` (native check, witness, Groth16).
//! * `witness/assignment`: witness generation alone (`alc_prover::prove::assignment`).
//! * `witness/prepare`: statement and witness from the credential, holder secret,
//!   status list (including the holder's path) and request (`alc_prover::prepare`).
//! * `pk-load/fast` (SHA-256 check, unchecked points) and `pk-load/compressed` (every
//!   point decompressed and checked). Both include the constraint-matrix synthesis
//!   that every load does.

use alc_benches::{fixture, keys, prepare_example, rng};
use alc_prover::prove::assignment;
use alc_prover::{prove, ProvingKey};
use criterion::{black_box, criterion_group, criterion_main, Criterion, SamplingMode};
use sha2::{Digest, Sha256};
use std::time::Duration;

fn proving(c: &mut Criterion) {
    let (pk, vk) = keys();
    let f = fixture();
    let threads = rayon::current_num_threads();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let p = f.prove(1);
    alc_verifier::verify(vk, &p, &f.statement).expect("the benchmarked proof verifies");

    let mut g = c.benchmark_group("prove");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    let mut r = rng(11);
    if threads > 1 {
        g.bench_function(format!("{threads}-threads"), |b| {
            b.iter(|| prove(pk, &f.statement, &f.witness, &mut r).expect("prove"))
        });
    }
    g.bench_function("1-thread", |b| {
        b.iter(|| single.install(|| prove(pk, &f.statement, &f.witness, &mut r).expect("prove")))
    });
    g.finish();
}

fn witness(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("witness");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("assignment", |b| {
        b.iter(|| assignment(black_box(&f.statement), black_box(&f.witness)).expect("witness"))
    });
    g.bench_function("prepare", |b| {
        b.iter(|| prepare_example(black_box(&f.example)))
    });
    g.finish();
}

fn pk_load(c: &mut Criterion) {
    let (pk, vk) = keys();
    let fast = pk.to_fast_bytes();
    let digest: [u8; 32] = Sha256::digest(&fast).into();
    let compressed = pk.to_compressed_bytes();
    for loaded in [
        ProvingKey::from_fast_bytes(&fast, &digest).expect("fast load"),
        ProvingKey::from_compressed_bytes(&compressed).expect("compressed load"),
    ] {
        assert_eq!(&loaded.verifying_key().expect("vk"), vk);
    }

    // A compressed load takes about a second: 10 samples of one load each.
    let mut g = c.benchmark_group("pk-load");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(12));
    g.bench_function("fast", |b| {
        b.iter(|| ProvingKey::from_fast_bytes(black_box(&fast), &digest).expect("fast load"))
    });
    g.bench_function("compressed", |b| {
        b.iter(|| ProvingKey::from_compressed_bytes(black_box(&compressed)).expect("load"))
    });
    g.finish();
}

criterion_group!(benches, proving, witness, pk_load);
criterion_main!(benches);
