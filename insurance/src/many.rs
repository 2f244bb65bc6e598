//! Verifying many permits' cover proofs at once.
//!
//! Bulletproofs 5 offers no batch verification of *independent* range proofs (its
//! `verify_multiple` checks one aggregated proof made by one prover). So this module
//! batches only what it can do with the public API:
//!
//! * the insurers' Schnorr signatures are checked together with one random linear
//!   combination: with fresh random `z_i`,
//!   `(Σ z_i·s_i)·G - Σ (z_i·c_i)·X_i - Σ z_i·R_i == 0` in one multiscalar
//!   multiplication. A forged signature passes with probability about `1/ℓ`.
//!   When the combination fails, each signature is checked alone to find the culprits;
//! * the range proofs are verified **one by one, in parallel** on the rayon pool. That
//!   saves wall-clock time on several cores but no work per proof.

use std::fmt;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;

use crate::proof::{check_expiry, check_range, check_registered};
use crate::{CoverCertificate, CoverProof, Error, InsurerRegistry};

/// One permit's claim: "`certificate` insures at least `minimum` (tier `tier`), and
/// `proof` shows it".
#[derive(Clone, Copy, Debug)]
pub struct CoverClaim<'a> {
    /// The insurer's certificate.
    pub certificate: &'a CoverCertificate,
    /// The permit holder's cover proof.
    pub proof: &'a CoverProof,
    /// The permit tier claimed.
    pub tier: u8,
    /// That tier's minimum cover.
    pub minimum: u64,
}

/// The claims that failed, by index into the input, in increasing index order, each
/// with the error [`crate::verify_cover`] would have returned for it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFailures {
    failures: Vec<(usize, Error)>,
}

impl ClaimFailures {
    /// Every failed claim: `(index, error)`, indices increasing, never empty.
    pub fn failures(&self) -> &[(usize, Error)] {
        &self.failures
    }

    /// The indices of the failed claims, increasing.
    pub fn indices(&self) -> Vec<usize> {
        self.failures.iter().map(|(i, _)| *i).collect()
    }
}

impl fmt::Display for ClaimFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cover claim(s) failed", self.failures.len())?;
        if let Some((i, e)) = self.failures.first() {
            write!(f, "; first: claim {i}: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ClaimFailures {}

/// Verifies many claims: per claim the same checks, with the same outcome, as
/// [`crate::verify_cover`], but with the signatures batched and the range proofs run in
/// parallel (see the module documentation). `rng` draws the batching weights.
///
/// # Errors
/// [`ClaimFailures`] listing every failed claim; the others are valid.
pub fn verify_cover_many<Reg, R>(
    claims: &[CoverClaim<'_>],
    now: u64,
    registered: &Reg,
    rng: &mut R,
) -> Result<(), ClaimFailures>
where
    Reg: InsurerRegistry + ?Sized,
    R: RngCore + CryptoRng,
{
    let mut failures = Vec::new();
    let mut pending = Vec::with_capacity(claims.len());
    for (i, claim) in claims.iter().enumerate() {
        match check_registered(claim.certificate, registered) {
            Ok(()) => pending.push(i),
            Err(e) => failures.push((i, e)),
        }
    }

    let signed_ok = batch_verify_signatures(claims, &pending, rng);
    let mut survivors = Vec::with_capacity(pending.len());
    for i in pending {
        let outcome = if signed_ok {
            Ok(())
        } else {
            claims[i].certificate.verify_signature()
        };
        match outcome.and_then(|()| check_expiry(claims[i].certificate, now)) {
            Ok(()) => survivors.push(i),
            Err(e) => failures.push((i, e)),
        }
    }

    failures.par_extend(survivors.par_iter().filter_map(|&i| {
        let c = &claims[i];
        check_range(c.certificate, c.proof, c.tier, c.minimum)
            .err()
            .map(|e| (i, e))
    }));

    if failures.is_empty() {
        Ok(())
    } else {
        failures.sort_by_key(|(i, _)| *i);
        Err(ClaimFailures { failures })
    }
}

/// One random-linear-combination check of the signatures of `claims[i]`, `i` in
/// `which`. `true` means all of them verify (up to probability ~`1/ℓ` of error).
fn batch_verify_signatures<R: RngCore + CryptoRng>(
    claims: &[CoverClaim<'_>],
    which: &[usize],
    rng: &mut R,
) -> bool {
    let mut scalars = Vec::with_capacity(2 * which.len() + 1);
    let mut points = Vec::with_capacity(2 * which.len() + 1);
    let mut g_coefficient = Scalar::ZERO;
    for &i in which {
        let certificate = claims[i].certificate;
        let signature = certificate.signature();
        let Some(r) = signature.r().decompress() else {
            return false;
        };
        let z = Scalar::random(rng);
        g_coefficient += z * signature.s();
        scalars.push(-(z * certificate.signature_challenge()));
        points.push(*certificate.insurer().point());
        scalars.push(-z);
        points.push(r);
    }
    scalars.push(g_coefficient);
    points.push(RISTRETTO_BASEPOINT_POINT);
    RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}
