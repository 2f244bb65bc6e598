//! Native primitives: circomlib Poseidon for the arities ALC uses, and
//! EdDSA-Poseidon signing and verification on Baby Jubjub.
//!
//! Ids: `poseidon/{1,2,4,5,7}-in`, `poseidon-form/{reference,fast}` (the circomlib
//! round structure against the sparse-matrix form, side by side, 4 inputs),
//! `eddsa/sign`, `eddsa/verify`.

use alc_benches::rng;
use alc_circuits::eddsa::SecretKey;
use alc_circuits::poseidon::{hash_n, params, permute};
use alc_circuits::Fr;
use ark_ff::UniformRand;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

fn inputs<const N: usize>() -> [Fr; N] {
    let mut r = rng(N as u64);
    std::array::from_fn(|_| Fr::rand(&mut r))
}

fn bench_hash<const N: usize>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    let x = inputs::<N>();
    c.bench_with_input(
        BenchmarkId::from_parameter(format!("{N}-in")),
        &x,
        |b, x| b.iter(|| hash_n::<N>(black_box(x))),
    );
}

fn poseidon(c: &mut Criterion) {
    let mut g = c.benchmark_group("poseidon");
    bench_hash::<1>(&mut g);
    bench_hash::<2>(&mut g);
    bench_hash::<4>(&mut g);
    bench_hash::<5>(&mut g);
    bench_hash::<7>(&mut g);
    g.finish();

    let x = inputs::<4>();
    let mut g = c.benchmark_group("poseidon-form");
    g.bench_function("reference", |b| {
        b.iter(|| permute(params(4), black_box(&x)))
    });
    g.bench_function("fast", |b| b.iter(|| hash_n::<4>(black_box(&x))));
    g.finish();
}

fn eddsa(c: &mut Criterion) {
    let mut r = rng(7);
    let sk = SecretKey::generate(&mut r);
    let pk = sk.public_key();
    let msg = Fr::rand(&mut r);
    let sig = sk.sign(&msg);
    assert!(pk.verify(&msg, &sig));

    let mut g = c.benchmark_group("eddsa");
    g.bench_function("sign", |b| b.iter(|| black_box(&sk).sign(black_box(&msg))));
    g.bench_function("verify", |b| {
        b.iter(|| black_box(&pk).verify(black_box(&msg), black_box(&sig)))
    });
    g.finish();
}

criterion_group!(benches, poseidon, eddsa);
criterion_main!(benches);
