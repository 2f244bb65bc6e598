//! Opening an escrowed serial: each of `t` trustees publishes `D_j = x_j * c1` with a
//! Chaum-Pedersen proof that `log_Base8(Y_j) = log_c1(D_j)` (so a wrong share is caught
//! and its trustee named); anyone then combines `x * c1 = sum_j lambda_j D_j` with the
//! Lagrange coefficients at 0 of the trustees who took part, and reads the serial from
//! `c2 - x * c1` (`alc_circuits::escrow::recover_serial`).
//!
//! A partial decryption is bound to the joint key, the trustee and the ciphertext's
//! `c1`; it reveals nothing about `x_j` (the proof is zero-knowledge) and, with fewer
//! than `t` others, nothing about the serial.

use crate::dkg::{EscrowPublic, TrusteeShare};
use crate::proof;
use crate::text::{point, point_text, proof as proof_of, proof_text};
use crate::EscrowError;
use alc_circuits::babyjubjub::{Point, PointProjective, Scalar, BASE8};
use alc_circuits::escrow::Ciphertext;
use alc_circuits::field::to_le_bytes;
use alc_protocol::escrow::{Partial, PARTIAL};
use ark_ec::CurveGroup;
use ark_ff::{AdditiveGroup, Field};
use rand::{CryptoRng, RngCore};

/// Tag of a partial decryption's proof.
const PARTIAL_TAG: &str = "alc/v1/escrow/partial";

fn context(public: &EscrowPublic, trustee: u32) -> Vec<u8> {
    let y = public.key().point();
    let mut c = trustee.to_be_bytes().to_vec();
    c.extend(to_le_bytes(&y.x));
    c.extend(to_le_bytes(&y.y));
    c
}

/// Trustee `share`'s partial decryption of a ciphertext's `c1`, with its proof.
pub fn partial<R: RngCore + CryptoRng>(share: &TrusteeShare, c1: &Point, rng: &mut R) -> Partial {
    let d = (*c1 * share.secret()).into_affine();
    let vk = (BASE8 * share.secret()).into_affine();
    let p = proof::prove(
        PARTIAL_TAG,
        &context(share.public(), share.index()),
        &[BASE8, *c1],
        &[vk, d],
        share.secret(),
        rng,
    );
    Partial {
        kind: PARTIAL.into(),
        trustee: share.index(),
        c1: point_text(c1),
        point: point_text(&d),
        proof: proof_text(&p),
    }
}

/// A partial decryption of `c1`, checked against its trustee's verification key.
///
/// # Errors
/// [`EscrowError::BadPartial`] naming the trustee, or [`EscrowError::Malformed`].
pub fn check_partial(public: &EscrowPublic, c1: &Point, p: &Partial) -> Result<Point, EscrowError> {
    if p.kind != PARTIAL {
        return Err(EscrowError::Malformed("partial decryption (wrong type)"));
    }
    let vk = public
        .verification_key(p.trustee)
        .ok_or(EscrowError::Malformed("partial decryption (trustee index)"))?;
    let bad = || EscrowError::BadPartial(p.trustee);
    if point(&p.c1, "partial's c1").map_err(|_| bad())? != *c1 {
        return Err(bad());
    }
    let d = point(&p.point, "partial").map_err(|_| bad())?;
    let pr = proof_of(&p.proof, "partial's proof").map_err(|_| bad())?;
    proof::verify(
        PARTIAL_TAG,
        &context(public, p.trustee),
        &[BASE8, *c1],
        &[*vk, d],
        &pr,
    )
    .then_some(d)
    .ok_or_else(bad)
}

/// The serial in `ct`, from partial decryptions of at least `t` distinct trustees (every
/// one checked: a bad one is named even when enough good ones remain, since a trustee
/// who lies must be seen to).
///
/// # Errors
/// [`EscrowError::BadPartial`], [`EscrowError::TooFew`], [`EscrowError::NotASerial`].
pub fn open(
    public: &EscrowPublic,
    ct: &Ciphertext,
    partials: &[Partial],
) -> Result<u32, EscrowError> {
    let mut points: Vec<(u32, Point)> = Vec::new();
    for p in partials {
        let d = check_partial(public, &ct.c1, p)?;
        if points.iter().all(|(j, _)| *j != p.trustee) {
            points.push((p.trustee, d));
        }
    }
    let need = public.params().threshold();
    if points.len() < need as usize {
        return Err(EscrowError::TooFew {
            have: points.len(),
            need,
        });
    }
    let points = &points[..need as usize];
    let shared: PointProjective = points
        .iter()
        .map(|(j, d)| *d * lagrange_at_zero(*j, points.iter().map(|(i, _)| *i)))
        .sum();
    ct.open(&shared.into_affine())
        .ok_or(EscrowError::NotASerial)
}

/// `prod_{i != j} i / (i - j)` over the participants `i`.
fn lagrange_at_zero(j: u32, participants: impl Iterator<Item = u32>) -> Scalar {
    let xj = Scalar::from(j);
    participants
        .filter(|i| *i != j)
        .fold(Scalar::ONE, |acc, i| {
            let xi = Scalar::from(i);
            // Distinct indices below l: the inverse exists.
            acc * xi * (xi - xj).inverse().unwrap_or(Scalar::ZERO)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkg::{deal, finish, Params};
    use alc_circuits::escrow::Randomness;
    use alc_protocol::escrow::DealtShare;
    use rand::SeedableRng;

    fn trustees(t: u32, n: u32) -> Vec<TrusteeShare> {
        let params = Params::new(t, n).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
        let mut dealings = Vec::new();
        let mut inbox: Vec<Vec<DealtShare>> = vec![Vec::new(); n as usize];
        for i in 1..=n {
            let (d, shares) = deal(params, i, &mut rng).unwrap();
            dealings.push(d);
            for s in shares {
                inbox[s.recipient as usize - 1].push(s);
            }
        }
        (1..=n)
            .map(|j| finish(params, j, &dealings, &inbox[j as usize - 1]).unwrap())
            .collect()
    }

    #[test]
    fn any_t_trustees_open_and_t_minus_1_do_not() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(22);
        let ts = trustees(2, 3);
        let public = ts[0].public().clone();
        let ct = Ciphertext::encrypt(public.key(), 424_242, &Randomness::random(&mut rng));
        let parts: Vec<Partial> = ts.iter().map(|s| partial(s, &ct.c1, &mut rng)).collect();
        for pair in [[0, 1], [0, 2], [2, 1]] {
            let two = [parts[pair[0]].clone(), parts[pair[1]].clone()];
            assert_eq!(open(&public, &ct, &two), Ok(424_242));
        }
        assert_eq!(open(&public, &ct, &parts), Ok(424_242));
        // One trustee, or one trustee twice: too few.
        assert_eq!(
            open(&public, &ct, &parts[..1]),
            Err(EscrowError::TooFew { have: 1, need: 2 })
        );
        let twice = [parts[1].clone(), parts[1].clone()];
        assert_eq!(
            open(&public, &ct, &twice),
            Err(EscrowError::TooFew { have: 1, need: 2 })
        );
        // 3 of 5 as well.
        let ts = trustees(3, 5);
        let public = ts[0].public().clone();
        let ct = Ciphertext::encrypt(public.key(), 7, &Randomness::random(&mut rng));
        let parts: Vec<Partial> = ts.iter().map(|s| partial(s, &ct.c1, &mut rng)).collect();
        assert_eq!(open(&public, &ct, &parts[2..]), Ok(7));
        assert!(matches!(
            open(&public, &ct, &parts[3..]),
            Err(EscrowError::TooFew { .. })
        ));
    }

    #[test]
    fn a_bad_partial_names_its_trustee() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
        let ts = trustees(2, 3);
        let public = ts[0].public().clone();
        let ct = Ciphertext::encrypt(public.key(), 99, &Randomness::random(&mut rng));
        let mut parts: Vec<Partial> = ts.iter().map(|s| partial(s, &ct.c1, &mut rng)).collect();
        // Trustee 2 publishes another point with its (now wrong) proof.
        let d = point(&parts[1].point, "p").unwrap();
        parts[1].point = point_text(&(d + BASE8).into_affine());
        assert_eq!(open(&public, &ct, &parts), Err(EscrowError::BadPartial(2)));
        // A partial of another ciphertext, offered for this one.
        let other = Ciphertext::encrypt(public.key(), 99, &Randomness::random(&mut rng));
        let elsewhere = partial(&ts[2], &other.c1, &mut rng);
        assert_eq!(
            open(&public, &ct, &[parts[0].clone(), elsewhere]),
            Err(EscrowError::BadPartial(3))
        );
        // Claimed by another trustee than the one whose share made it.
        let mut relabelled = parts[0].clone();
        relabelled.trustee = 3;
        assert_eq!(
            check_partial(&public, &ct.c1, &relabelled),
            Err(EscrowError::BadPartial(3))
        );
    }

    #[test]
    fn a_ciphertext_under_another_key_opens_to_nothing() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(24);
        let ts = trustees(2, 3);
        let public = ts[0].public().clone();
        let stranger = trustees(1, 1);
        let ct = Ciphertext::encrypt(stranger[0].public().key(), 5, &Randomness::random(&mut rng));
        let parts: Vec<Partial> = ts.iter().map(|s| partial(s, &ct.c1, &mut rng)).collect();
        assert_eq!(open(&public, &ct, &parts), Err(EscrowError::NotASerial));
    }
}
