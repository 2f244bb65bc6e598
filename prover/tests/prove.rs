//! Proofs end to end: setup, prove, verify, and the failing twins that only a real
//! proof can show (changed public inputs, flipped bytes), plus the pinned keys.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::field::to_decimal;
use alc_circuits::presentation::{encode_challenge, encode_manifest, Statement, Unsatisfied};
use alc_prover::example::Example;
use alc_prover::{keys, prove, PrepareError, ProveError, ProvingKey};
use alc_verifier::{verify, verify_batch, Presentation, Proof, VerifyError, VerifyingKey};
use ark_ff::One;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;

mod common;

const NOW: u64 = 1_790_000_000;
const PIN_SEED: u64 = 2026;

fn keys() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| keys::setup(&mut ChaCha20Rng::seed_from_u64(PIN_SEED)).unwrap())
}

fn example(seed: u64) -> (Example, Statement, alc_circuits::presentation::Witness) {
    let ex = Example::generate(&mut ChaCha20Rng::seed_from_u64(seed), NOW);
    let (st, w) = ex.prepare().unwrap();
    (ex, st, w)
}

fn proof_for(seed: u64) -> (Proof, Statement) {
    let (_, st, w) = example(seed);
    let p = prove(
        &keys().0,
        &st,
        &w,
        &mut ChaCha20Rng::seed_from_u64(seed + 1000),
    )
    .unwrap();
    (p, st)
}

#[test]
fn proof_verifies_and_is_128_bytes() {
    let (p, st) = proof_for(1);
    assert_eq!(verify(&keys().1, &p, &st), Ok(()));
    assert_eq!(p.to_bytes().len(), 128);
    assert_eq!(Proof::from_bytes(&p.to_bytes()).unwrap(), p);
}

#[test]
fn changed_public_inputs_are_rejected() {
    let (p, st) = proof_for(2);
    let vk = &keys().1;
    let twins = [
        Statement {
            challenge: encode_challenge(&[1; 32]),
            ..st
        },
        Statement {
            manifest: encode_manifest(&[1; 32]),
            ..st
        },
        Statement {
            now: st.now + 1,
            ..st
        },
        Statement { min_tier: 0, ..st },
        Statement {
            min_permit_tier: 0,
            ..st
        },
        Statement {
            scope: st.scope + ark_bn254::Fr::one(),
            ..st
        },
        Statement {
            pseudonym: st.pseudonym + ark_bn254::Fr::one(),
            ..st
        },
        Statement {
            status_root: st.status_root + ark_bn254::Fr::one(),
            ..st
        },
    ];
    for t in twins {
        assert_eq!(verify(vk, &p, &t), Err(VerifyError::Invalid), "{t:?}");
    }
    // Another proof's statement.
    let (_, other) = proof_for(3);
    assert_eq!(verify(vk, &p, &other), Err(VerifyError::Invalid));
}

#[test]
fn flipped_proof_bytes_are_rejected() {
    let (p, st) = proof_for(4);
    let bytes = p.to_bytes();
    for i in [0usize, 5, 31, 32, 64, 95, 96, 127] {
        for bit in [0u8, 3, 7] {
            let mut b = bytes;
            b[i] ^= 1 << bit;
            match Proof::from_bytes(&b) {
                Err(_) => {}
                Ok(q) => assert_eq!(
                    verify(&keys().1, &q, &st),
                    Err(VerifyError::Invalid),
                    "byte {i} bit {bit}"
                ),
            }
        }
    }
}

#[test]
fn batch_verifies_and_one_bad_proof_fails_it() {
    let items: Vec<(Proof, Statement)> = (10..14).map(proof_for).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    assert_eq!(verify_batch(&keys().1, &items, &mut rng), Ok(()));
    assert_eq!(verify_batch(&keys().1, &[], &mut rng), Ok(()));
    for bad in 0..items.len() {
        let mut twin = items.clone();
        twin[bad].1.now += 1;
        assert_eq!(
            verify_batch(&keys().1, &twin, &mut rng),
            Err(VerifyError::Invalid),
            "bad {bad}"
        );
    }
    // Two proofs swapped between statements.
    let mut swapped = items.clone();
    let p0 = swapped[0].0.clone();
    swapped[0].0 = swapped[1].0.clone();
    swapped[1].0 = p0;
    assert_eq!(
        verify_batch(&keys().1, &swapped, &mut rng),
        Err(VerifyError::Invalid)
    );
}

#[test]
fn prover_refuses_with_a_clear_reason() {
    let (mut ex, _, _) = example(5);
    ex.status.revoke(ex.credential.credential.serial).unwrap();
    assert_eq!(
        ex.prepare().err(),
        Some(PrepareError::Unsatisfied(Unsatisfied::Revoked))
    );
    let (mut ex, st, w) = example(6);
    let too_high = Statement { min_tier: 2, ..st };
    assert_eq!(
        prove(&keys().0, &too_high, &w, &mut ChaCha20Rng::seed_from_u64(1)).err(),
        Some(ProveError::Unsatisfied(Unsatisfied::Tier))
    );
    ex.request.now = ex.credential.credential.expires;
    assert_eq!(
        ex.prepare().err(),
        Some(PrepareError::Unsatisfied(Unsatisfied::Expired))
    );
}

#[test]
fn proving_key_encodings() {
    let pk = &keys().0;
    let fast = pk.to_fast_bytes();
    let digest: [u8; 32] =
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &fast)).into();
    let loaded = ProvingKey::from_fast_bytes(&fast, &digest).unwrap();
    assert_eq!(loaded.verifying_key().unwrap(), keys().1);
    // A flipped byte changes the digest: refused before any point is read.
    let mut bad = fast.clone();
    bad[1000] ^= 1;
    assert!(matches!(
        ProvingKey::from_fast_bytes(&bad, &digest),
        Err(keys::KeyError::DigestMismatch { .. })
    ));
    // The compressed form is checked point by point.
    let compressed = pk.to_compressed_bytes();
    assert!(compressed.len() < fast.len());
    assert_eq!(
        ProvingKey::from_compressed_bytes(&compressed)
            .unwrap()
            .verifying_key()
            .unwrap(),
        keys().1
    );
    assert!(ProvingKey::from_compressed_bytes(&compressed[..compressed.len() - 1]).is_err());
    assert!(ProvingKey::from_compressed_bytes(&[compressed.as_slice(), &[0]].concat()).is_err());
    // Move a_query[0]'s x coordinate (offset 656: the verifying key, beta_g1, delta_g1
    // and a length come first) until it leaves the curve: refused.
    let refused = (1..=16u8).any(|v| {
        let mut bad = compressed.clone();
        bad[656] ^= v;
        ProvingKey::from_compressed_bytes(&bad).is_err()
    });
    assert!(refused, "an off-curve point was accepted");
    // A proof made with the fast-loaded key verifies.
    let (_, st, w) = example(8);
    let p = prove(&loaded, &st, &w, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
    assert_eq!(verify(&keys().1, &p, &st), Ok(()));
}

/// The fast form read in pieces (as a browser wallet streams it from its cache): the
/// digest is checked over exactly the bytes parsed; and the progress stages of proving.
#[test]
fn fast_key_read_in_pieces_and_progress() {
    let fast = keys().0.to_fast_bytes();
    let digest: [u8; 32] =
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &fast)).into();
    let mut r = keys::FastKeyReader::new(fast.len());
    for piece in fast.chunks(65_536) {
        r.update(piece);
    }
    assert_eq!(r.len(), fast.len());
    let loaded = r.finish(&digest).unwrap();
    assert_eq!(loaded.verifying_key().unwrap(), keys().1);
    // A missing piece or a flipped byte: refused by the digest.
    let mut r = keys::FastKeyReader::new(0);
    r.update(&fast[..fast.len() - 1]);
    assert!(matches!(
        r.finish(&digest),
        Err(keys::KeyError::DigestMismatch { .. })
    ));
    let mut r = keys::FastKeyReader::default();
    assert!(r.is_empty());
    let mut bad = fast.clone();
    bad[fast.len() / 2] ^= 1;
    r.update(&bad);
    assert!(matches!(
        r.finish(&digest),
        Err(keys::KeyError::DigestMismatch { .. })
    ));

    let (_, st, w) = example(10);
    let mut stages = Vec::new();
    let p = alc_prover::prove_with_progress(
        &loaded,
        &st,
        &w,
        &mut ChaCha20Rng::seed_from_u64(11),
        &mut |s| stages.push(s.name()),
    )
    .unwrap();
    assert_eq!(stages, ["witness", "groth16"]);
    assert_eq!(verify(&keys().1, &p, &st), Ok(()));
}

/// The verifying key of the fixed-seed setup, and a proof made with it, are pinned in
/// `circuits/circuit_data/v1/`. A change to the circuit, the setup or arkworks'
/// randomness consumption shows here. Regenerate with `ALC_UPDATE_PINS=1`.
#[test]
fn pinned_verifying_key_and_proof() {
    let dir = common::pins("v1");
    let vk = &keys().1;
    if std::env::var_os("ALC_UPDATE_PINS").is_some() {
        let (p, st) = proof_for(100);
        std::fs::write(
            format!("{dir}/presentation.json"),
            Presentation {
                proof: p,
                statement: st,
            }
            .to_json()
                + "\n",
        )
        .unwrap();
    }
    common::check_pinned_key("v1", vk);
    let pres = Presentation::from_json(
        &std::fs::read_to_string(format!("{dir}/presentation.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(verify(vk, &pres.proof, &pres.statement), Ok(()));
    assert!(!to_decimal(&pres.statement.pseudonym).is_empty());
}

/// A proving key whose structure no honest setup makes is refused before it proves, by
/// every loading path (the digest-pinned fast form too: a digest names the key, it does
/// not vouch for it): `delta_g1 = O` (then `A` is a deterministic function of the
/// witness), a `delta_g1` or `beta_g1` that is not the G1 twin of its G2 point, and
/// `gamma = delta` in the verifying key inside. Twin: the honest key loads by each path.
#[test]
fn degenerate_proving_keys_are_refused() {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
    let compressed = keys().0.to_compressed_bytes();
    let fast = keys().0.to_fast_bytes();
    let honest =
        ark_groth16::ProvingKey::<ark_bn254::Bn254>::deserialize_compressed(&*compressed).unwrap();
    let pk_len = honest.uncompressed_size();
    let matrices = &fast[pk_len..];
    let digest = |b: &[u8]| -> [u8; 32] {
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), b)).into()
    };
    type Pk = ark_groth16::ProvingKey<ark_bn254::Bn254>;
    type Mutation = (&'static str, fn(&mut Pk));
    let mutations: [Mutation; 5] = [
        ("none", |_| {}),
        ("delta_g1 = O", |k| k.delta_g1 = ark_bn254::G1Affine::zero()),
        ("delta_g1 doubled", |k| {
            k.delta_g1 = (k.delta_g1 + k.delta_g1).into_affine();
        }),
        ("beta_g1 = delta_g1", |k| k.beta_g1 = k.delta_g1),
        ("gamma = delta", |k| k.vk.gamma_g2 = k.vk.delta_g2),
    ];
    for (what, mutate) in mutations {
        let mut k = honest.clone();
        mutate(&mut k);
        let mut c = Vec::new();
        k.serialize_compressed(&mut c).unwrap();
        let mut f = Vec::new();
        k.serialize_uncompressed(&mut f).unwrap();
        f.extend_from_slice(matrices);
        let by_compressed = ProvingKey::from_compressed_bytes(&c);
        let by_fast = ProvingKey::from_fast_bytes(&f, &digest(&f));
        if what == "none" {
            by_compressed.unwrap();
            by_fast.unwrap();
        } else {
            for r in [by_compressed, by_fast] {
                assert!(matches!(r, Err(keys::KeyError::Degenerate(_))), "{what}");
            }
        }
    }
}

/// A fast-load key is read without curve or subgroup checks, and its digest is whatever
/// its publisher computed: the points the structure check relies on (alpha, beta, gamma,
/// delta, the input points and the reference B-query pair) are each checked to be on
/// their curve and in the prime-order subgroup. Twin: the honest fast key loads.
#[test]
fn fast_keys_with_points_off_the_curve_are_refused() {
    use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
    type Pk = ark_groth16::ProvingKey<ark_bn254::Bn254>;
    let fast = keys().0.to_fast_bytes();
    let honest = Pk::deserialize_uncompressed_unchecked(&*fast).unwrap();
    let matrices = fast[honest.uncompressed_size()..].to_vec();
    let digest = |b: &[u8]| -> [u8; 32] {
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), b)).into()
    };
    let load = |k: &Pk| {
        let mut f = Vec::new();
        k.serialize_uncompressed(&mut f).unwrap();
        f.extend_from_slice(&matrices);
        ProvingKey::from_fast_bytes(&f, &digest(&f))
    };
    // The same x, another y: off the curve.
    let off = |p: G1Affine| G1Affine::new_unchecked(p.x, p.y + Fq::one());
    let off2 = |p: G2Affine| G2Affine::new_unchecked(p.x, p.y + Fq2::one());
    // On the twist, outside the prime-order subgroup.
    let outside = (1u64..)
        .find_map(|i| {
            let p = G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::one()), false)?;
            (!p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
        })
        .unwrap();
    let j = (0..honest.b_g1_query.len())
        .find(|&j| !honest.b_g1_query[j].is_zero() && !honest.b_g2_query[j].is_zero())
        .unwrap();
    type Mutation<'a> = (&'static str, Box<dyn Fn(&mut Pk) + 'a>);
    let mutations: [Mutation<'_>; 11] = [
        ("none", Box::new(|_| {})),
        (
            "delta_g1 off the curve",
            Box::new(|k| k.delta_g1 = off(k.delta_g1)),
        ),
        (
            "beta_g1 off the curve",
            Box::new(|k| k.beta_g1 = off(k.beta_g1)),
        ),
        (
            "alpha_g1 off the curve",
            Box::new(|k| k.vk.alpha_g1 = off(k.vk.alpha_g1)),
        ),
        (
            "IC_0 off the curve",
            Box::new(|k| k.vk.gamma_abc_g1[0] = off(k.vk.gamma_abc_g1[0])),
        ),
        (
            "beta_g2 off the twist",
            Box::new(|k| k.vk.beta_g2 = off2(k.vk.beta_g2)),
        ),
        (
            "gamma_g2 outside the subgroup",
            Box::new(move |k| k.vk.gamma_g2 = outside),
        ),
        (
            "delta_g2 outside the subgroup",
            Box::new(move |k| k.vk.delta_g2 = outside),
        ),
        (
            "delta_g2 off the twist",
            Box::new(|k| k.vk.delta_g2 = off2(k.vk.delta_g2)),
        ),
        (
            "B query p off the curve",
            Box::new(move |k| k.b_g1_query[j] = off(k.b_g1_query[j])),
        ),
        (
            "B query q outside the subgroup",
            Box::new(move |k| k.b_g2_query[j] = outside),
        ),
    ];
    for (what, mutate) in mutations {
        let mut k = honest.clone();
        mutate(&mut k);
        let r = load(&k);
        if what == "none" {
            r.unwrap();
        } else {
            assert!(
                matches!(
                    r,
                    Err(keys::KeyError::Malformed(_) | keys::KeyError::Degenerate(_))
                ),
                "{what}: {:?}",
                r.err()
            );
        }
    }
}

/// The fast form carries its circuit's matrices, read from the file: matrices the prover
/// would index out of bounds (a term naming a variable past the last, a missing row, a
/// missing matrix) are refused on load, not a panic in the first proof. Twin: the honest
/// matrices load.
#[test]
fn fast_keys_whose_matrices_do_not_fit_are_refused() {
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
    type Pk = ark_groth16::ProvingKey<ark_bn254::Bn254>;
    type Matrices = (
        Vec<Vec<Vec<(alc_circuits::Fr, usize)>>>,
        usize,
        usize,
        usize,
    );
    let fast = keys().0.to_fast_bytes();
    let pk_len = Pk::deserialize_uncompressed_unchecked(&*fast)
        .unwrap()
        .uncompressed_size();
    let honest = Matrices::deserialize_uncompressed_unchecked(&fast[pk_len..]).unwrap();
    let vars = honest.1 + honest.2;
    type Mutation = (&'static str, fn(&mut Matrices, usize));
    let mutations: [Mutation; 4] = [
        ("none", |_, _| {}),
        ("a term names no variable", |m, vars| {
            let row = m.0[2].iter_mut().find(|r| !r.is_empty()).unwrap();
            row[0].1 = vars;
        }),
        ("a row short", |m, _| {
            m.0[1].pop();
        }),
        ("no C matrix", |m, _| {
            m.0.pop();
        }),
    ];
    for (what, mutate) in mutations {
        let mut m = honest.clone();
        mutate(&mut m, vars);
        let mut f = fast[..pk_len].to_vec();
        m.serialize_uncompressed(&mut f).unwrap();
        let digest: [u8; 32] =
            sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &f)).into();
        let r = ProvingKey::from_fast_bytes(&f, &digest);
        if what == "none" {
            r.unwrap();
        } else {
            assert!(
                matches!(r, Err(keys::KeyError::Malformed(_))),
                "{what}: {:?}",
                r.err()
            );
        }
    }
}
