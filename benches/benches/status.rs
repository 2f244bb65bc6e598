//! The status list (2^20 serials, 64-bit leaves, 4-ary Poseidon tree of depth 7).
//!
//! Ids:
//! * `status/revoke`: one revocation of a fresh serial in a list with 1% revoked.
//! * `status/holder-path/100`, `status/holder-path/1pct`: what a holder does offline,
//!   `StatusList::decode` of the published form then `.path(serial)`, for a list with
//!   100 and with 1% (10,486) serials revoked.
//! * `status/encode/1pct`: the published form of the 1% list.
//! * `status_tree_arity/4-ary-node` vs `status_tree_arity/binary-node`: one native
//!   node hash (`hash_n::<4>`, width 5, against `hash_n::<2>`, width 3). A tree over
//!   2^14 leaves needs 5,461 4-ary nodes or 16,383 binary ones.

use alc_benches::{fixture, rng};
use alc_circuits::poseidon::hash_n;
use alc_circuits::status::{StatusList, BITSTRING_BYTES};
use alc_circuits::tags::STATUS_CAPACITY;
use alc_circuits::Fr;
use ark_ff::UniformRand;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use rand::seq::index::sample;
use rand::Rng;
use std::time::Duration;

/// 1% of 2^20, rounded.
const ONE_PERCENT: usize = 10_486;

/// A list with `n` random serials revoked, and a serial that is not revoked. Built
/// from its bitstring (one tree build instead of `7 n` path updates).
fn list_with(n: usize, seed: u64) -> (StatusList, u32) {
    let mut r = rng(seed);
    let picks = sample(&mut r, STATUS_CAPACITY, n + 1);
    let mut serials = picks.iter();
    let holder = serials.next().expect("n + 1 picks") as u32;
    let mut bits = vec![0u8; BITSTRING_BYTES];
    for s in serials {
        bits[s / 8] |= 0x80 >> (s % 8);
    }
    let list = StatusList::from_bitstring(&bits).expect("2^20 bits");
    assert_eq!(list.revoked_count(), n);
    assert!(!list.is_revoked(holder).expect("in range"));
    (list, holder)
}

fn status(c: &mut Criterion) {
    let (list_1pct, holder_1pct) = list_with(ONE_PERCENT, 1);
    let enc_1pct = list_1pct.encode();
    let ex = &fixture().example;
    let (list_100, holder_100) = (&ex.status, ex.credential.credential.serial);
    assert_eq!(list_100.revoked_count(), 100);
    let enc_100 = list_100.encode();

    let mut g = c.benchmark_group("status");

    let mut r = rng(2);
    g.bench_function("revoke", |b| {
        b.iter_batched(
            || {
                let serial = loop {
                    let s = r.gen_range(0..STATUS_CAPACITY as u32);
                    if !list_1pct.is_revoked(s).expect("in range") {
                        break s;
                    }
                };
                (list_1pct.clone(), serial)
            },
            |(mut list, serial)| {
                assert!(list.revoke(serial).expect("in range"));
                list
            },
            BatchSize::LargeInput,
        )
    });

    g.bench_function("encode/1pct", |b| b.iter(|| black_box(&list_1pct).encode()));

    // Decoding rebuilds the tree: about 5,461 node hashes for the 1% list.
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    for (name, enc, serial) in [
        ("holder-path/100", &enc_100, holder_100),
        ("holder-path/1pct", &enc_1pct, holder_1pct),
    ] {
        let expected = StatusList::decode(enc)
            .expect("decodes")
            .path(serial)
            .expect("in range");
        assert!(!expected.is_revoked(serial));
        g.bench_function(name, |b| {
            b.iter(|| {
                StatusList::decode(black_box(enc))
                    .expect("decodes")
                    .path(black_box(serial))
                    .expect("in range")
            })
        });
    }

    g.finish();
}

fn status_tree_arity(c: &mut Criterion) {
    let mut r = rng(3);
    let four: [Fr; 4] = std::array::from_fn(|_| Fr::rand(&mut r));
    let two: [Fr; 2] = std::array::from_fn(|_| Fr::rand(&mut r));
    let mut g = c.benchmark_group("status_tree_arity");
    g.bench_function("4-ary-node", |b| b.iter(|| hash_n::<4>(black_box(&four))));
    g.bench_function("binary-node", |b| b.iter(|| hash_n::<2>(black_box(&two))));
    g.finish();
}

criterion_group!(benches, status, status_tree_arity);
criterion_main!(benches);
