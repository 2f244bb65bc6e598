//! Proving the example credential with the fixed-seed circuit-v1 key.
//!
//! Ids:
//! * `prove/{n}-threads` (the default rayon pool, `n` = the machine's cores) and
//!   `prove/1-thread`: the whole `alc_prover::prove` (native check, witness, Groth16).
//! * `prove-v2/{n}-threads`, `prove-v2/1-thread`: circuit v2 (the escrowed serial, the
//!   holder key) under a fixed-seed setup for a fixed escrow key, measured in the same
//!   run as v1 so the two compare side by side.
//! * `witness/assignment`: witness generation alone (`alc_prover::prove::assignment`).
//! * `witness/prepare`: statement and witness from the credential, holder secret,
//!   status list (including the holder's path) and request (`alc_prover::prepare`).
//! * `pk-load/fast` (SHA-256 check, unchecked points) and `pk-load/compressed` (every
//!   point decompressed and checked). Both include the constraint-matrix synthesis
//!   that every load does.
//! * `msm/{g1,g2}-{n}/{alc,arkworks}`: one multi-scalar multiplication of random bases
//!   and scalars, `alc_prover::msm` (batch-affine buckets) and arkworks' (XYZZ
//!   buckets) side by side, at the sizes of the prover's `H` query (G1) and `B` query
//!   (G2).

use alc_benches::{fixture, keys, prepare_example, rng};
use alc_circuits::babyjubjub::{Scalar, BASE8};
use alc_circuits::escrow::{Ciphertext, EscrowKey, Randomness};
use alc_circuits::presentation::v2;
use alc_prover::prove::assignment;
use alc_prover::{prove, prove_v2, ProvingKey};
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
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

    // Circuit v2 on the same example.
    let escrow = EscrowKey::from_point((BASE8 * Scalar::from(77u64)).into_affine())
        .expect("a point of order l");
    let (pk2, vk2) = alc_prover::keys::setup_v2(&escrow, &mut rng(12)).expect("v2 setup");
    let randomness = Randomness::random(&mut rng(13));
    let st2 = v2::Statement {
        v1: f.statement,
        escrow: Ciphertext::encrypt(&escrow, f.witness.credential.serial, &randomness),
        holder_key: v2::encode_holder_key(&[7; 32]),
    };
    let w2 = v2::Witness {
        v1: f.witness.clone(),
        randomness,
    };
    let p2 = prove_v2(&pk2, &escrow, &st2, &w2, &mut r).expect("v2 proof");
    alc_verifier::verify_v2(&vk2, &p2, &st2).expect("the benchmarked v2 proof verifies");
    let mut g = c.benchmark_group("prove-v2");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    if threads > 1 {
        g.bench_function(format!("{threads}-threads"), |b| {
            b.iter(|| prove_v2(&pk2, &escrow, &st2, &w2, &mut r).expect("prove"))
        });
    }
    g.bench_function("1-thread", |b| {
        b.iter(|| single.install(|| prove_v2(&pk2, &escrow, &st2, &w2, &mut r).expect("prove")))
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

fn msm(c: &mut Criterion) {
    fn pair<G: CurveGroup<ScalarField = Fr> + VariableBaseMSM<MulBase = G::Affine>>(
        c: &mut Criterion,
        name: &str,
        n: usize,
        ours: impl Fn(&[G::Affine], &[<Fr as PrimeField>::BigInt]) -> G,
    ) {
        let mut r = rng(12);
        let bases = G::normalize_batch(&(0..n).map(|_| G::rand(&mut r)).collect::<Vec<_>>());
        let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut r).into_bigint()).collect();
        assert_eq!(ours(&bases, &scalars), G::msm_bigint(&bases, &scalars));
        let mut g = c.benchmark_group(format!("msm/{name}-{n}"));
        g.sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        g.bench_function("alc", |b| {
            b.iter(|| ours(black_box(&bases), black_box(&scalars)))
        });
        g.bench_function("arkworks", |b| {
            b.iter(|| G::msm_bigint(black_box(&bases), black_box(&scalars)))
        });
        g.finish();
    }
    pair::<G1Projective>(c, "g1", 8191, alc_prover::msm::msm);
    pair::<G2Projective>(c, "g2", 6598, alc_prover::msm::msm);
}

criterion_group!(benches, proving, witness, pk_load, msm);
criterion_main!(benches);
