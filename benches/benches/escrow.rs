//! The threshold escrow (alc-escrow over alc-circuits' ElGamal on Baby Jubjub).
//!
//! Ids:
//! * `escrow/encrypt`: one ciphertext of a serial (what a wallet adds to a proof, natively).
//! * `escrow/partial`: one trustee's partial decryption with its Chaum-Pedersen proof.
//! * `escrow/open-2-of-3`: an opening: 2 partial decryptions with proofs, their checks,
//!   the Lagrange combination and the serial by baby-step giant-step (the table built
//!   once, before timing).
//! * `escrow/dkg-2-of-3`: the whole key generation of three trustees (3 dealings, each
//!   trustee's checks and its share).

use alc_circuits::escrow::{recover_serial, Ciphertext, Randomness};
use alc_escrow::dkg::{deal, finish, Params};
use alc_escrow::{open, partial, TrusteeShare};
use alc_protocol::escrow::DealtShare;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use std::time::Duration;

fn generation(params: Params, seed: u64) -> Vec<TrusteeShare> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let n = params.trustees();
    let mut dealings = Vec::new();
    let mut inbox: Vec<Vec<DealtShare>> = vec![Vec::new(); n as usize];
    for i in 1..=n {
        let (d, shares) = deal(params, i, &mut rng).expect("a dealing");
        dealings.push(d);
        for s in shares {
            inbox[s.recipient as usize - 1].push(s);
        }
    }
    (1..=n)
        .map(|j| finish(params, j, &dealings, &inbox[j as usize - 1]).expect("a share"))
        .collect()
}

fn escrow(c: &mut Criterion) {
    let params = Params::new(2, 3).expect("2 of 3");
    let trustees = generation(params, 1);
    let public = trustees[0].public().clone();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let serial = 987_654;
    let ct = Ciphertext::encrypt(public.key(), serial, &Randomness::random(&mut rng));
    // The baby-step table, built once per process.
    let _ = recover_serial(&ct.c2);

    let mut g = c.benchmark_group("escrow");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("encrypt", |b| {
        b.iter(|| {
            Ciphertext::encrypt(
                public.key(),
                black_box(serial),
                &Randomness::random(&mut rng),
            )
        })
    });
    g.bench_function("partial", |b| {
        b.iter(|| partial(&trustees[0], black_box(&ct.c1), &mut rng))
    });
    g.bench_function("open-2-of-3", |b| {
        b.iter(|| {
            let parts = [
                partial(&trustees[0], &ct.c1, &mut rng),
                partial(&trustees[2], &ct.c1, &mut rng),
            ];
            assert_eq!(open(&public, black_box(&ct), &parts), Ok(serial));
        })
    });
    g.bench_function("dkg-2-of-3", |b| b.iter(|| generation(params, 3)));
    g.finish();
}

criterion_group!(benches, escrow);
criterion_main!(benches);
