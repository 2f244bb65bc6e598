//! The trustees' key generation: joint Feldman (Pedersen's DKG) over files.
//!
//! 1. **Deal.** Trustee `i` draws `f_i(z) = a_{i,0} + a_{i,1} z + ... + a_{i,t-1} z^{t-1}`,
//!    publishes its [`Dealing`] (Feldman commitments `C_{i,k} = a_{i,k} * Base8` and a
//!    Schnorr proof of knowledge of `a_{i,0}`, which stops a last dealer from cancelling
//!    the others' keys) and hands trustee `j` the [`DealtShare`] `f_i(j)` privately.
//! 2. **Finish.** Trustee `j` checks every dealing and every share it received,
//!    `f_i(j) * Base8 = sum_k j^k C_{i,k}` (a share that fails names its dealer), and keeps
//!    `x_j = sum_i f_i(j)`. The joint key is `Y = sum_i C_{i,0}`, trustee `j`'s
//!    verification key `Y_j = x_j * Base8 = sum_i sum_k j^k C_{i,k}`: both computed from
//!    the public dealings alone ([`joint_key`]), so the authority and every trustee derive
//!    the same.
//!
//! The escrow secret `x = sum_i a_{i,0}` exists nowhere: any `t` shares interpolate it,
//! and fewer reveal nothing about it (Shamir). Joint Feldman lets a rushing dealer bias
//! the distribution of `Y` (Gennaro, Jarecki, Krawczyk, Rabin 1999); GJKR later showed
//! ("Secure Applications of Pedersen's Distributed Key Generation Protocol", CT-RSA 2003)
//! that threshold ElGamal on such a key stays secure, which is all the escrow needs. A
//! bad dealing or share stops the generation with the dealer named: the trustees rerun
//! it without that dealer (there is no complaint round to recover in place).

use crate::proof::{self, Proof};
use crate::text::{point, point_text, proof as proof_of, proof_text, scalar, scalar_text};
use crate::EscrowError;
use alc_circuits::babyjubjub::{Point, PointProjective, Scalar, BASE8};
use alc_circuits::escrow::EscrowKey;
use alc_protocol::escrow::{
    Dealing, DealtShare, JointKey, KeyShare, DEALING, DEALT_SHARE, JOINT_KEY, KEY_SHARE,
};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, UniformRand};
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// Tag of a dealer's proof of knowledge of its constant term.
const DEALING_TAG: &str = "alc/v1/escrow/dealing";

/// A threshold `t` of `n` trustees (`1 <= t <= n <= 255`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    threshold: u32,
    trustees: u32,
}

impl Params {
    /// `t` of `n`.
    ///
    /// # Errors
    /// [`EscrowError::Params`] unless `1 <= t <= n <= 255`.
    pub fn new(threshold: u32, trustees: u32) -> Result<Self, EscrowError> {
        if threshold == 0 || threshold > trustees || trustees > 255 {
            return Err(EscrowError::Params {
                threshold,
                trustees,
            });
        }
        Ok(Self {
            threshold,
            trustees,
        })
    }

    /// `t`.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// `n`.
    pub fn trustees(&self) -> u32 {
        self.trustees
    }

    fn check_index(&self, i: u32, what: &'static str) -> Result<(), EscrowError> {
        if i == 0 || i > self.trustees {
            return Err(EscrowError::Malformed(what));
        }
        Ok(())
    }

    fn context(&self, dealer: u32) -> Vec<u8> {
        [dealer, self.threshold, self.trustees]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect()
    }
}

/// `sum_k i^k P_k`: a committed polynomial evaluated at `i`, in the exponent.
fn eval_commitments(commitments: &[Point], i: u32) -> PointProjective {
    let x = Scalar::from(i);
    let mut acc = PointProjective::default();
    for c in commitments.iter().rev() {
        acc = acc * x + c;
    }
    acc
}

/// Trustee `dealer`'s dealing and the shares it deals trustees `1..=n` (its own
/// included: it keeps that one).
pub fn deal<R: RngCore + CryptoRng>(
    params: Params,
    dealer: u32,
    rng: &mut R,
) -> Result<(Dealing, Vec<DealtShare>), EscrowError> {
    params.check_index(dealer, "dealer index")?;
    let mut coefficients: Vec<Scalar> = (0..params.threshold).map(|_| Scalar::rand(rng)).collect();
    let commitments: Vec<Point> = coefficients
        .iter()
        .map(|a| (BASE8 * a).into_affine())
        .collect();
    let pok = proof::prove(
        DEALING_TAG,
        &params.context(dealer),
        &[BASE8],
        &commitments[..1],
        &coefficients[0],
        rng,
    );
    let shares = (1..=params.trustees)
        .map(|j| {
            let x = Scalar::from(j);
            let mut v = coefficients
                .iter()
                .rev()
                .fold(Scalar::ZERO, |acc, a| acc * x + a);
            let share = Zeroizing::new(scalar_text(&v));
            v.zeroize();
            DealtShare {
                kind: DEALT_SHARE.into(),
                dealer,
                recipient: j,
                share,
            }
        })
        .collect();
    coefficients.zeroize();
    let dealing = Dealing {
        kind: DEALING.into(),
        dealer,
        threshold: params.threshold,
        trustees: params.trustees,
        commitments: commitments.iter().map(point_text).collect(),
        proof: proof_text(&pok),
    };
    Ok((dealing, shares))
}

/// A dealing's commitments, checked: its parameters, its proof of knowledge.
fn check_dealing(params: Params, d: &Dealing) -> Result<Vec<Point>, EscrowError> {
    let bad = |reason| EscrowError::BadDealing {
        dealer: d.dealer,
        reason,
    };
    if d.kind != DEALING {
        return Err(EscrowError::Malformed("dealing (wrong type)"));
    }
    params.check_index(d.dealer, "dealer index")?;
    if d.threshold != params.threshold || d.trustees != params.trustees {
        return Err(bad("another threshold or trustee count"));
    }
    if d.commitments.len() != params.threshold as usize {
        return Err(bad("not t commitments"));
    }
    let commitments = d
        .commitments
        .iter()
        .map(|c| point(c, "dealing commitment"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad("a commitment is not a point of order l"))?;
    let pok: Proof = proof_of(&d.proof, "dealing proof").map_err(|_| bad("malformed proof"))?;
    if commitments[0].is_zero()
        || !proof::verify(
            DEALING_TAG,
            &params.context(d.dealer),
            &[BASE8],
            &commitments[..1],
            &pok,
        )
    {
        return Err(bad("no proof of knowledge of its constant term"));
    }
    Ok(commitments)
}

/// Every dealer `1..=n` once, each dealing checked, in dealer order.
fn check_dealings(params: Params, dealings: &[Dealing]) -> Result<Vec<Vec<Point>>, EscrowError> {
    let mut by_dealer: Vec<Option<Vec<Point>>> = vec![None; params.trustees as usize];
    for d in dealings {
        let c = check_dealing(params, d)?;
        let slot = &mut by_dealer[d.dealer as usize - 1];
        if slot.replace(c).is_some() {
            return Err(EscrowError::Incomplete(format!(
                "trustee {} dealt twice",
                d.dealer
            )));
        }
    }
    by_dealer
        .into_iter()
        .zip(1..)
        .map(|(c, i)| {
            c.ok_or_else(|| EscrowError::Incomplete(format!("no dealing from trustee {i}")))
        })
        .collect()
}

/// The joint key and every trustee's verification key, from the public dealings alone.
///
/// # Errors
/// A dealing missing, repeated or invalid (its dealer named).
pub fn joint_key(params: Params, dealings: &[Dealing]) -> Result<JointKey, EscrowError> {
    let all = check_dealings(params, dealings)?;
    Ok(joint_key_of(params, &all)?.to_text())
}

fn joint_key_of(params: Params, all: &[Vec<Point>]) -> Result<EscrowPublic, EscrowError> {
    let key: PointProjective = all.iter().map(|c| c[0].into_group()).sum();
    let key = EscrowKey::from_point(key.into_affine())
        .map_err(|_| EscrowError::Malformed("joint key (the identity)"))?;
    let verification = PointProjective::normalize_batch(
        &(1..=params.trustees)
            .map(|j| all.iter().map(|c| eval_commitments(c, j)).sum())
            .collect::<Vec<PointProjective>>(),
    );
    Ok(EscrowPublic {
        params,
        key,
        verification,
    })
}

/// The public side of a generated escrow key: its parameters, `Y`, and the trustees'
/// verification keys `Y_j`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowPublic {
    params: Params,
    key: EscrowKey,
    verification: Vec<Point>,
}

impl EscrowPublic {
    /// From the published file, checked.
    ///
    /// # Errors
    /// [`EscrowError::Malformed`], [`EscrowError::Params`].
    pub fn from_text(k: &JointKey) -> Result<Self, EscrowError> {
        if k.kind != JOINT_KEY {
            return Err(EscrowError::Malformed("joint key (wrong type)"));
        }
        let params = Params::new(k.threshold, k.trustees)?;
        if k.verification_keys.len() != k.trustees as usize {
            return Err(EscrowError::Malformed(
                "joint key (not n verification keys)",
            ));
        }
        let key = EscrowKey::from_point(point(&k.key, "joint key")?)
            .map_err(|_| EscrowError::Malformed("joint key"))?;
        let verification = k
            .verification_keys
            .iter()
            .map(|p| point(p, "verification key"))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            params,
            key,
            verification,
        })
    }

    /// The published file.
    pub fn to_text(&self) -> JointKey {
        JointKey {
            kind: JOINT_KEY.into(),
            threshold: self.params.threshold,
            trustees: self.params.trustees,
            key: point_text(self.key.point()),
            verification_keys: self.verification.iter().map(point_text).collect(),
        }
    }

    /// `t` of `n`.
    pub fn params(&self) -> Params {
        self.params
    }

    /// The joint escrow key `Y`.
    pub fn key(&self) -> &EscrowKey {
        &self.key
    }

    /// Trustee `j`'s verification key `x_j * Base8`.
    pub fn verification_key(&self, j: u32) -> Option<&Point> {
        self.verification.get((j as usize).checked_sub(1)?)
    }
}

/// A trustee's share of the escrow secret, with the public key it belongs to (secret:
/// wiped on drop, never printed).
#[derive(Clone)]
pub struct TrusteeShare {
    index: u32,
    secret: Scalar,
    public: EscrowPublic,
}

impl std::fmt::Debug for TrusteeShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrusteeShare")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Drop for TrusteeShare {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl TrusteeShare {
    /// From a key-share file: the share must match its verification key.
    ///
    /// # Errors
    /// [`EscrowError::Malformed`].
    pub fn from_text(k: &KeyShare) -> Result<Self, EscrowError> {
        if k.kind != KEY_SHARE {
            return Err(EscrowError::Malformed("key share (wrong type)"));
        }
        let public = EscrowPublic::from_text(&k.key)?;
        let secret = scalar(&k.share, "key share")?;
        let s = Self {
            index: k.trustee,
            secret,
            public,
        };
        let expected = s
            .public
            .verification_key(k.trustee)
            .ok_or(EscrowError::Malformed("key share (trustee index)"))?;
        if (BASE8 * s.secret).into_affine() != *expected {
            return Err(EscrowError::Malformed(
                "key share (does not match its verification key)",
            ));
        }
        Ok(s)
    }

    /// The key-share file (secret: write it with the 0600 writer).
    pub fn to_text(&self) -> KeyShare {
        KeyShare {
            kind: KEY_SHARE.into(),
            trustee: self.index,
            share: Zeroizing::new(scalar_text(&self.secret)),
            key: self.public.to_text(),
        }
    }

    /// The trustee's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The public key this is a share of.
    pub fn public(&self) -> &EscrowPublic {
        &self.public
    }

    pub(crate) fn secret(&self) -> &Scalar {
        &self.secret
    }
}

/// Trustee `me` finishes the generation: every dealing checked, every share dealt to it
/// checked against its dealer's commitments, its share of the secret summed.
///
/// # Errors
/// A missing or repeated dealing or share ([`EscrowError::Incomplete`]), an invalid
/// dealing ([`EscrowError::BadDealing`]) or share ([`EscrowError::BadShare`]), its
/// dealer named.
pub fn finish(
    params: Params,
    me: u32,
    dealings: &[Dealing],
    shares: &[DealtShare],
) -> Result<TrusteeShare, EscrowError> {
    params.check_index(me, "trustee index")?;
    let all = check_dealings(params, dealings)?;
    let mut got: Vec<Option<Scalar>> = vec![None; params.trustees as usize];
    for s in shares {
        if s.kind != DEALT_SHARE {
            return Err(EscrowError::Malformed("dealt share (wrong type)"));
        }
        params.check_index(s.dealer, "dealer index")?;
        if s.recipient != me {
            return Err(EscrowError::Incomplete(format!(
                "a share from trustee {} for trustee {}, not for {me}",
                s.dealer, s.recipient
            )));
        }
        let bad = EscrowError::BadShare {
            dealer: s.dealer,
            recipient: me,
        };
        let v = scalar(&s.share, "dealt share").map_err(|_| bad.clone())?;
        if BASE8 * v != eval_commitments(&all[s.dealer as usize - 1], me) {
            return Err(bad);
        }
        if got[s.dealer as usize - 1].replace(v).is_some() {
            return Err(EscrowError::Incomplete(format!(
                "two shares from trustee {}",
                s.dealer
            )));
        }
    }
    let mut secret = Scalar::ZERO;
    for (v, i) in got.iter_mut().zip(1..) {
        let mut v = v
            .take()
            .ok_or_else(|| EscrowError::Incomplete(format!("no share from trustee {i}")))?;
        secret += v;
        v.zeroize();
    }
    Ok(TrusteeShare {
        index: me,
        secret,
        public: joint_key_of(params, &all)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;
    use rand::SeedableRng;

    /// A whole 2-of-3 generation: the dealings, and every trustee's dealt shares.
    fn generation(params: Params) -> (Vec<Dealing>, Vec<Vec<DealtShare>>) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut dealings = Vec::new();
        let mut inbox: Vec<Vec<DealtShare>> = vec![Vec::new(); params.trustees() as usize];
        for i in 1..=params.trustees() {
            let (d, shares) = deal(params, i, &mut rng).unwrap();
            dealings.push(d);
            for s in shares {
                inbox[s.recipient as usize - 1].push(s);
            }
        }
        (dealings, inbox)
    }

    #[test]
    fn trustees_agree_on_the_key_and_t_shares_interpolate_its_secret() {
        let params = Params::new(2, 3).unwrap();
        let (dealings, inbox) = generation(params);
        let key = joint_key(params, &dealings).unwrap();
        let shares: Vec<TrusteeShare> = (1..=3)
            .map(|j| finish(params, j, &dealings, &inbox[j as usize - 1]).unwrap())
            .collect();
        for s in &shares {
            assert_eq!(s.public().to_text(), key);
            // Its file round-trips and is checked against its verification key.
            assert_eq!(
                TrusteeShare::from_text(&s.to_text()).unwrap().secret,
                s.secret
            );
        }
        // Any two shares interpolate the same x with x * Base8 = Y.
        let lagrange = |a: u32, b: u32| {
            let (xa, xb) = (Scalar::from(a), Scalar::from(b));
            let la = xb * (xb - xa).inverse().unwrap();
            let lb = xa * (xa - xb).inverse().unwrap();
            shares[a as usize - 1].secret * la + shares[b as usize - 1].secret * lb
        };
        let x = lagrange(1, 2);
        assert_eq!(lagrange(1, 3), x);
        assert_eq!(lagrange(2, 3), x);
        assert_eq!((BASE8 * x).into_affine(), *shares[0].public().key().point());
        // One share alone is not it.
        assert_ne!(shares[0].secret, x);
    }

    #[test]
    fn a_bad_share_names_its_dealer() {
        let params = Params::new(2, 3).unwrap();
        let (dealings, mut inbox) = generation(params);
        let s = &mut inbox[0][1]; // trustee 2's share for trustee 1
        let v = scalar(&s.share, "s").unwrap() + Scalar::from(1u64);
        s.share = Zeroizing::new(scalar_text(&v));
        assert_eq!(
            finish(params, 1, &dealings, &inbox[0]).unwrap_err(),
            EscrowError::BadShare {
                dealer: 2,
                recipient: 1
            }
        );
        // Trustees 2 and 3 received good shares and finish.
        assert!(finish(params, 3, &dealings, &inbox[2]).is_ok());
    }

    #[test]
    fn bad_missing_or_repeated_dealings_are_refused() {
        let params = Params::new(2, 3).unwrap();
        let (dealings, inbox) = generation(params);
        // A dealing whose constant term was swapped for another point: no knowledge.
        let mut forged = dealings.clone();
        forged[2].commitments[0] = point_text(&BASE8);
        assert!(matches!(
            joint_key(params, &forged),
            Err(EscrowError::BadDealing { dealer: 3, .. })
        ));
        // Another threshold.
        let mut other = dealings.clone();
        other[1].threshold = 3;
        assert!(matches!(
            joint_key(params, &other),
            Err(EscrowError::BadDealing { dealer: 2, .. })
        ));
        // One missing, one repeated.
        assert!(matches!(
            joint_key(params, &dealings[..2]),
            Err(EscrowError::Incomplete(_))
        ));
        let twice = [dealings.clone(), vec![dealings[0].clone()]].concat();
        assert!(matches!(
            joint_key(params, &twice),
            Err(EscrowError::Incomplete(_))
        ));
        // A share missing, or meant for someone else.
        assert!(matches!(
            finish(params, 1, &dealings, &inbox[0][..2]),
            Err(EscrowError::Incomplete(_))
        ));
        assert!(matches!(
            finish(params, 1, &dealings, &inbox[1]),
            Err(EscrowError::Incomplete(_))
        ));
    }

    #[test]
    fn thresholds_that_make_no_sharing_are_refused_and_secrets_never_print() {
        for (t, n) in [(0, 3), (4, 3), (2, 256)] {
            assert!(Params::new(t, n).is_err());
        }
        assert!(Params::new(1, 1).is_ok());
        let params = Params::new(2, 3).unwrap();
        let (dealings, inbox) = generation(params);
        let s = finish(params, 2, &dealings, &inbox[1]).unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains(&scalar_text(&s.secret)), "{printed}");
        // A share file whose share does not match its verification key.
        let mut file = s.to_text();
        file.share = Zeroizing::new(scalar_text(&(s.secret + Scalar::from(1u64))));
        assert!(TrusteeShare::from_text(&file).is_err());
    }
}
