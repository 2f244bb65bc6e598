//! Checking a phase-2 ceremony, as `snarkjs zkey verify` does: the contribution chain a
//! zkey records ([`check_chain`]), and every query point against the Powers of Tau
//! the ceremony started from and ALC's own constraint matrices ([`check_queries`]).
//! `docs/ceremony.md` has the argument; in short:
//!
//! **The chain.** snarkjs's initial key has `delta = 1`. Contribution `i` multiplies
//! `delta` (and divides the `C` and `H` queries) by a secret `x_i`, and records
//! `delta_after`, a proof of knowledge of `x_i`: `(s, x_i s)` in G1 for a random `s` and
//! `x_i h` in G2, with `h = hashToG2(t_i)` and `t_i` the BLAKE2b-512 of the transcript
//! so far followed by `s` and `x_i s`. Checked, for each `i`: `t_i` is that hash; `e(s,
//! x_i h) = e(x_i s, h)` (the same `x_i` in both); `e(delta_{i-1}, x_i h) =
//! e(delta_i, h)` (`delta` moved by that `x_i`); a beacon's `s` and `x_i` are the ones
//! its public hash gives. Then the transcript absorbs `delta_i`, `s`, `x_i s`, `x_i h`
//! and `t_i`; a contribution's own hash is the BLAKE2b-512 of those five, which is what
//! `snarkjs zkey contribute` prints to its contributor. The last `delta_i` must be the
//! key's `delta` in G1, and `delta` in G2 its twin.
//!
//! **The queries.** With `L_j` the Lagrange basis of the circuit's domain (size `n`),
//! `a_w, b_w, c_w` the circuit's polynomials for wire `w` (`a_w(tau) = sum_j A[j][w]
//! L_j(tau)`, with `A` including the one extra row per public wire), the initial key
//! is `A_w = a_w(tau)`, `B_w = b_w(tau)` (G1 and G2), `IC_w = beta a_w + alpha b_w + c_w`
//! at `tau` for public wires, the same over `delta` for private ones (`C`), and `H_k =
//! L^{2n}_{2k+1}(tau) / delta`. One random linear combination per query (scalars of
//! 128 bits from the operating system, unknown to whoever made the file) checks each
//! equation at once: `sum_w r_w A_w = sum_j (sum_w r_w A[j][w]) L_j(tau)`, a
//! multi-scalar multiplication on each side; the `delta` queries with one pairing. A
//! key that differs from the equations anywhere passes with probability `2^-128`.
//!
//! What it takes on trust: the Powers of Tau (its hash against a published one, and
//! `snarkjs powersoftau verify` for its own chain), and the names (snarkjs hashes no
//! name: a contributor finds their own contribution by its hash). The circuit hash is
//! shown as recorded; ALC checks what it stands for (the points and coefficients)
//! rather than re-hashing snarkjs's initial file.

use super::ptau::Ptau;
use super::rng::{g1_uncompressed, g2_uncompressed, hash_to_g2, SnarkRng};
use super::zkey::{ContributionKind, Zkey};
use crate::keys::Matrices;
use alc_circuits::Fr;
use ark_bn254::{Bn254, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use blake2::{Blake2b512, Digest};
use rand_core::{OsRng, RngCore};

/// Why a ceremony does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// The zkey records no contribution.
    #[error("the zkey has no phase-2 contribution")]
    NoContribution,
    /// Contribution `index` (from 1) fails a check.
    #[error("contribution #{index}{}: {why}", name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Contribution {
        /// Its position, from 1.
        index: usize,
        /// The name it gives.
        name: Option<String>,
        /// The check it fails.
        why: &'static str,
    },
    /// A beacon asks for more rounds of hashing than the caller allows.
    #[error(
        "contribution #{index} is a beacon of 2^{exp} hash rounds, more than the 2^{max} allowed"
    )]
    BeaconTooLong {
        /// Its position, from 1.
        index: usize,
        /// Its exponent.
        exp: u8,
        /// The allowed one.
        max: u8,
    },
    /// The key's `delta` is not the chain's.
    #[error("the key's delta is not the last contribution's")]
    Delta,
    /// A point of the verifying key is not the Powers of Tau's.
    #[error("the key's {0} is not the Powers of Tau's")]
    Key(&'static str),
    /// The Powers of Tau was read for another domain than the key's.
    #[error("the Powers of Tau was read for a domain of {ptau}, the key's is {key}")]
    Domain {
        /// The domain it was read for.
        ptau: usize,
        /// The key's.
        key: usize,
    },
    /// A query does not follow from the Powers of Tau and the circuit.
    #[error("the {0} does not follow from the Powers of Tau and this circuit")]
    Query(&'static str),
}

/// One contribution, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// A secret or a beacon.
    pub kind: ContributionKind,
    /// The name it gives (not covered by any hash).
    pub name: Option<String>,
    /// Its hash, as `snarkjs zkey contribute` printed it to the contributor.
    pub hash: [u8; 64],
    /// A beacon's hash and exponent.
    pub beacon: Option<(Vec<u8>, u8)>,
}

/// A verified contribution chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The contributions in order.
    pub contributions: Vec<Checked>,
    /// The transcript's hash: BLAKE2b-512 over the circuit hash and every
    /// contribution, the value to pin for the whole ceremony.
    pub transcript: [u8; 64],
}

/// Checks the contribution chain of `zkey`; a beacon may ask for at most
/// `2^max_beacon_exp` rounds of SHA-256.
///
/// # Errors
/// [`CeremonyError`]: no contribution, a broken link (named), or a key whose `delta`
/// is not the chain's.
pub fn check_chain(zkey: &Zkey, max_beacon_exp: u8) -> Result<Chain, CeremonyError> {
    if zkey.contributions.is_empty() {
        return Err(CeremonyError::NoContribution);
    }
    let mut transcript = Blake2b512::new();
    transcript.update(&zkey.circuit_hash);
    let mut delta = G1Affine::generator();
    let mut out = Vec::new();
    for (i, c) in zkey.contributions.iter().enumerate() {
        let fail = |why| CeremonyError::Contribution {
            index: i + 1,
            name: c.name.clone(),
            why,
        };
        let mut ours = transcript.clone();
        ours.update(g1_uncompressed(&c.g1_s));
        ours.update(g1_uncompressed(&c.g1_sx));
        let t: [u8; 64] = ours.finalize().into();
        if t.as_slice() != c.transcript.as_slice() {
            return Err(fail(
                "its transcript hash is not the hash of the chain before it",
            ));
        }
        let h = hash_to_g2(&t);
        if !same_ratio(c.g1_s, c.g1_sx, h, c.g2_spx) {
            return Err(fail("its proof of knowledge does not verify"));
        }
        if !same_ratio(delta, c.delta_after, h, c.g2_spx) {
            return Err(fail(
                "its delta does not follow from the one before by its key",
            ));
        }
        let beacon = match (c.kind, &c.beacon) {
            (ContributionKind::Beacon, None) => return Err(fail("a beacon without its hash")),
            (ContributionKind::Beacon, Some((hash, exp))) => {
                if *exp > max_beacon_exp {
                    return Err(CeremonyError::BeaconTooLong {
                        index: i + 1,
                        exp: *exp,
                        max: max_beacon_exp,
                    });
                }
                let mut rng = SnarkRng::beacon(hash, *exp);
                let x = rng.fr();
                let s = rng.g1();
                if s != c.g1_s || (s * x).into_affine() != c.g1_sx {
                    return Err(fail("its key is not the one its beacon gives"));
                }
                Some((hash.clone(), *exp))
            }
            _ => None,
        };
        let mut own = Blake2b512::new();
        for h in [&mut transcript, &mut own] {
            h.update(g1_uncompressed(&c.delta_after));
            h.update(g1_uncompressed(&c.g1_s));
            h.update(g1_uncompressed(&c.g1_sx));
            h.update(g2_uncompressed(&c.g2_spx));
            h.update(&c.transcript);
        }
        out.push(Checked {
            kind: c.kind,
            name: c.name.clone(),
            hash: own.finalize().into(),
            beacon,
        });
        delta = c.delta_after;
    }
    let pk = &zkey.pk.pk;
    if pk.delta_g1 != delta
        || !same_ratio(
            G1Affine::generator(),
            delta,
            G2Affine::generator(),
            pk.vk.delta_g2,
        )
    {
        return Err(CeremonyError::Delta);
    }
    Ok(Chain {
        contributions: out,
        transcript: transcript.finalize().into(),
    })
}

/// `e(a, d) = e(b, c)`, none of the four the identity (snarkjs `sameRatio`).
fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    if a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero() {
        return false;
    }
    let minus_b = (-b.into_group()).into_affine();
    Bn254::multi_pairing([a, minus_b], [d, c]).is_zero()
}

/// Checks every query point of `zkey` against `ptau` (read for the zkey's domain) and
/// the circuit's matrices, and `alpha`, `beta` and `gamma` against the Powers of Tau.
///
/// # Errors
/// [`CeremonyError::Key`] or [`CeremonyError::Query`], naming what differs.
pub fn check_queries(zkey: &Zkey, ptau: &Ptau) -> Result<(), CeremonyError> {
    let pk = &zkey.pk.pk;
    let m = &zkey.pk.matrices;
    if pk.vk.alpha_g1 != ptau.alpha_g1 {
        return Err(CeremonyError::Key("alpha"));
    }
    if pk.beta_g1 != ptau.beta_g1 || pk.vk.beta_g2 != ptau.beta_g2 {
        return Err(CeremonyError::Key("beta"));
    }
    if pk.vk.gamma_g2 != G2Affine::generator() {
        return Err(CeremonyError::Key("gamma (snarkjs's is the generator)"));
    }
    let n = ptau.tau_g1.len();
    let key = m
        .domain_size()
        .map_err(|_| CeremonyError::Query("circuit's domain"))?;
    if n != key {
        return Err(CeremonyError::Domain { ptau: n, key });
    }
    let vars = m.num_instance + m.num_witness;
    let r: Vec<Fr> = (0..vars).map(|_| random()).collect();
    let (public, private) = (0..m.num_instance, m.num_instance..vars);
    let a_pub = rows(m, 0, &r, public.clone(), n);
    let a_priv = rows(m, 0, &r, private.clone(), n);
    let b_pub = rows(m, 1, &r, public.clone(), n);
    let b_priv = rows(m, 1, &r, private.clone(), n);
    let c_pub = rows(m, 2, &r, public, n);
    let c_priv = rows(m, 2, &r, private, n);
    let sum = |x: &[Fr], y: &[Fr]| -> Vec<Fr> { x.iter().zip(y).map(|(a, b)| *a + b).collect() };
    let g1 = |bases: &[G1Affine], scalars: &[Fr]| G1Projective::msm_unchecked(bases, scalars);
    let g2 = |bases: &[G2Affine], scalars: &[Fr]| G2Projective::msm_unchecked(bases, scalars);

    if g1(&pk.a_query, &r) != g1(&ptau.tau_g1, &sum(&a_pub, &a_priv)) {
        return Err(CeremonyError::Query("A query"));
    }
    let b_all = sum(&b_pub, &b_priv);
    if g1(&pk.b_g1_query, &r) != g1(&ptau.tau_g1, &b_all) {
        return Err(CeremonyError::Query("B query in G1"));
    }
    if g2(&pk.b_g2_query, &r) != g2(&ptau.tau_g2, &b_all) {
        return Err(CeremonyError::Query("B query in G2"));
    }
    let abc = |a: &[Fr], b: &[Fr], c: &[Fr]| {
        g1(&ptau.beta_tau_g1, a) + g1(&ptau.alpha_tau_g1, b) + g1(&ptau.tau_g1, c)
    };
    if g1(&pk.vk.gamma_abc_g1, &r[..m.num_instance]) != abc(&a_pub, &b_pub, &c_pub) {
        return Err(CeremonyError::Query(
            "IC (the verifying key's input points)",
        ));
    }
    let over_delta = |lhs: G1Projective, rhs: G1Projective| {
        let pair = [lhs.into_affine(), (-rhs).into_affine()];
        Bn254::multi_pairing(pair, [pk.vk.delta_g2, G2Affine::generator()]).is_zero()
    };
    if !over_delta(
        g1(&pk.l_query, &r[m.num_instance..]),
        abc(&a_priv, &b_priv, &c_priv),
    ) {
        return Err(CeremonyError::Query("C query"));
    }
    let s: Vec<Fr> = (0..n).map(|_| random()).collect();
    if pk.h_query.len() != n || !over_delta(g1(&pk.h_query, &s), g1(&ptau.odd_tau_g1, &s)) {
        return Err(CeremonyError::Query("H query"));
    }
    Ok(())
}

/// `rho_j = sum_w r_w M[j][w]` over the wires `w` in `wires`, for matrix `k` (A, B, C);
/// `A` has one more row per public wire, `z_w` at row `constraints + w`.
fn rows(m: &Matrices, k: usize, r: &[Fr], wires: std::ops::Range<usize>, n: usize) -> Vec<Fr> {
    let mut rho = vec![Fr::zero(); n];
    for (j, terms) in m.abc[k].iter().enumerate() {
        for (value, w) in terms {
            if wires.contains(w) {
                rho[j] += r[*w] * value;
            }
        }
    }
    if k == 0 {
        for w in wires.filter(|w| *w < m.num_instance) {
            rho[m.num_constraints + w] += r[w];
        }
    }
    rho
}

/// A 128-bit scalar from the operating system.
fn random() -> Fr {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    Fr::from(u128::from_le_bytes(b))
}
