//! Multi-scalar multiplication with batch-affine bucket accumulation, for the Groth16
//! prover's five MSMs (`A`, `B` in G1 and G2, `L`, `H`: three quarters of proving time).
//!
//! Pippenger's bucket method with signed `c`-bit digits: for each window `j`, every base
//! `P_i` with digit `d = d_j(s_i) != 0` goes into bucket `|d|` as `sign(d) * P_i`; the
//! window's sum is `sum_k k * B_k`, computed with two running sums, and the windows are
//! combined by `c` doublings each (Horner). arkworks keeps its buckets in XYZZ
//! coordinates, where adding an affine base costs `8M + 2S`.
//!
//! Here the buckets are affine and additions are batched: the slopes
//! `lambda = (y_2 - y_1) / (x_2 - x_1)` of up to [`batch_size`] independent additions
//! share one field inversion (Montgomery's trick, `3M` each), and the affine sum is
//! `x_3 = lambda^2 - x_1 - x_2`, `y_3 = lambda (x_1 - x_3) - y_1` (`2M + 1S`): about
//! `6M` per addition. A base whose bucket already has an addition in the batch goes into
//! that bucket's XYZZ overflow instead (arkworks' cost, no waiting queue), and so does
//! the rare addition of a point to itself or to its negation, which the affine formula
//! cannot do. The window's sum adds each bucket's overflow back before the running
//! sums. Zero digits and identity bases are skipped.
//!
//! Windows are independent: they are computed in parallel with the `parallel` feature.

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// The scalars' integer form.
pub type BigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// `sum_i scalars[i] * bases[i]` over the shorter of the two slices.
pub fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<P>]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    msm_with_window(&bases[..n], &scalars[..n], window_bits(n))
}

/// The digit width `c` for `n` points. Measured on BN254 at the prover's sizes (`msm/*`
/// in `benches/benches/prove.rs`; 8,191 points in G1, 6,598 in G2): 10 and 11 are
/// within 3% of each other, 9 and 12 are 5-15% slower.
fn window_bits(n: usize) -> usize {
    match n {
        0..=31 => 3,
        32..=1023 => 8,
        1024..=4095 => 9,
        _ => 10,
    }
}

/// How many additions share one inversion, for `buckets` buckets per window: enough to
/// amortise the inversion, few enough that a base rarely finds its bucket already busy
/// (measured: 256 for 512 buckets, 10% faster than 128 or 512 in G1).
fn batch_size(buckets: usize) -> usize {
    (buckets / 2).clamp(16, 256)
}

fn msm_with_window<P: SWCurveConfig>(
    bases: &[Affine<P>],
    scalars: &[BigInt<P>],
    c: usize,
) -> Projective<P> {
    let n = bases.len();
    if n == 0 {
        return Projective::zero();
    }
    let windows = windows(c, <BigInt<P> as BigInteger>::NUM_LIMBS);
    let mut digits = vec![0i32; n * windows];
    #[cfg(feature = "parallel")]
    let chunks = digits.par_chunks_mut(windows).zip(scalars.par_iter());
    #[cfg(not(feature = "parallel"))]
    let chunks = digits.chunks_mut(windows).zip(scalars.iter());
    chunks.for_each(|(d, s)| signed_digits(s, c, d));

    #[cfg(feature = "parallel")]
    let range = (0..windows).into_par_iter();
    #[cfg(not(feature = "parallel"))]
    let range = 0..windows;
    let sums: Vec<Projective<P>> = range
        .map(|j| {
            let mut w = Window::<P>::new(1 << (c - 1));
            for (i, base) in bases.iter().enumerate() {
                let d = digits[i * windows + j];
                if d != 0 && !base.is_zero() {
                    let p = if d > 0 { *base } else { -*base };
                    w.add(d.unsigned_abs() as usize - 1, p);
                }
            }
            w.sum()
        })
        .collect();

    let mut total = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

/// How many signed `c`-bit digits a number of `limbs` 64-bit limbs needs: one window
/// more than the bits, for the last carry. Any integer of that width is represented
/// exactly (unreduced ones too).
fn windows(c: usize, limbs: usize) -> usize {
    64 * limbs / c + 1
}

/// Writes the signed base-`2^c` digits of `s` (each in `[-2^(c-1), 2^(c-1)]`) into `out`.
fn signed_digits<B: BigInteger>(s: &B, c: usize, out: &mut [i32]) {
    let limbs = s.as_ref();
    let mask = (1u64 << c) - 1;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (j, d) in out.iter_mut().enumerate() {
        let bit = j * c;
        let (limb, shift) = (bit / 64, bit % 64);
        let mut v = limbs.get(limb).map_or(0, |l| l >> shift);
        if shift + c > 64 {
            if let Some(next) = limbs.get(limb + 1) {
                v |= next << (64 - shift);
            }
        }
        let mut v = (v & mask) as i64 + carry;
        carry = 0;
        if v > half {
            v -= 1 << c;
            carry = 1;
        }
        *d = v as i32;
    }
}

/// One window's buckets: affine sums, their XYZZ overflows, and the pending batch.
struct Window<P: SWCurveConfig> {
    buckets: Vec<Affine<P>>,
    overflow: Vec<Bucket<P>>,
    busy: Vec<bool>,
    batch: Vec<(usize, Affine<P>)>,
    denominators: Vec<P::BaseField>,
    cap: usize,
}

impl<P: SWCurveConfig> Window<P> {
    fn new(buckets: usize) -> Self {
        let cap = batch_size(buckets);
        Self {
            buckets: vec![Affine::identity(); buckets],
            overflow: vec![Bucket::ZERO; buckets],
            busy: vec![false; buckets],
            batch: Vec::with_capacity(cap),
            denominators: Vec::with_capacity(cap),
            cap,
        }
    }

    /// Adds `p` (not the identity) into bucket `k`.
    fn add(&mut self, k: usize, p: Affine<P>) {
        let b = &mut self.buckets[k];
        if self.busy[k] {
            self.overflow[k] += p;
        } else if b.is_zero() {
            *b = p;
        } else if b.x == p.x {
            // p == b (a doubling) or p == -b: not for the affine formula.
            self.overflow[k] += p;
        } else {
            self.busy[k] = true;
            self.batch.push((k, p));
            if self.batch.len() == self.cap {
                self.flush();
            }
        }
    }

    /// Performs the pending additions with one shared inversion.
    fn flush(&mut self) {
        self.denominators.clear();
        self.denominators
            .extend(self.batch.iter().map(|(k, p)| p.x - self.buckets[*k].x));
        ark_ff::batch_inversion(&mut self.denominators);
        for ((k, p), inv) in self.batch.drain(..).zip(&self.denominators) {
            let q = &mut self.buckets[k];
            let lambda = (p.y - q.y) * inv;
            let x = lambda.square() - q.x - p.x;
            let y = lambda * (q.x - x) - q.y;
            *q = Affine::new_unchecked(x, y);
            self.busy[k] = false;
        }
    }

    /// `sum_k (k + 1) * bucket_k`.
    fn sum(mut self) -> Projective<P> {
        self.flush();
        let mut running = Bucket::<P>::ZERO;
        let mut sum = Bucket::<P>::ZERO;
        for (b, o) in self.buckets.iter().zip(&self.overflow).rev() {
            if !b.is_zero() {
                running += b;
            }
            if !o.is_zero() {
                running += o;
            }
            sum += &running;
        }
        sum.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
    use ark_std::UniformRand;
    use rand::{Rng, SeedableRng};

    fn bigints(s: &[Fr]) -> Vec<<Fr as PrimeField>::BigInt> {
        s.iter().map(|s| s.into_bigint()).collect()
    }

    /// Bases and scalars with the cases the affine formula cannot do: a base added to
    /// itself in the same bucket (a doubling), a base and its negation with the same
    /// scalar (a cancellation), identities; and zeros, ones, minus one, small values.
    fn awkward<G: CurveGroup<ScalarField = Fr>>(
        n: usize,
        rng: &mut impl Rng,
    ) -> (Vec<G::Affine>, Vec<Fr>) {
        let mut bases: Vec<G::Affine> = (0..n).map(|_| G::rand(rng).into_affine()).collect();
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        for i in 0..n {
            match i % 11 {
                1 => {
                    bases[i] = bases[i - 1];
                    scalars[i] = scalars[i - 1];
                }
                2 => {
                    bases[i] = (-bases[i - 1].into_group()).into_affine();
                    scalars[i] = scalars[i - 1];
                }
                3 => bases[i] = G::Affine::zero(),
                4 => scalars[i] = Fr::from(0u64),
                5 => scalars[i] = Fr::from(1u64),
                6 => scalars[i] = -Fr::from(1u64),
                7 => scalars[i] = Fr::from(rng.gen::<u16>()),
                _ => {}
            }
        }
        (bases, scalars)
    }

    #[test]
    fn equals_arkworks_in_g1_for_many_sizes_and_widths() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for n in [0usize, 1, 2, 3, 7, 31, 32, 100, 257, 1024, 3000] {
            let (bases, scalars) = awkward::<G1Projective>(n, &mut rng);
            let want = G1Projective::msm(&bases, &scalars).expect("same length");
            assert_eq!(msm(&bases, &bigints(&scalars)), want, "n = {n}");
            for c in [2, 5, 9, 12, 16] {
                assert_eq!(
                    msm_with_window(&bases, &bigints(&scalars), c),
                    want,
                    "n = {n}, c = {c}"
                );
            }
        }
    }

    #[test]
    fn equals_arkworks_in_g2() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        for n in [1usize, 40, 700, 2100] {
            let (bases, scalars) = awkward::<G2Projective>(n, &mut rng);
            let want = G2Projective::msm(&bases, &scalars).expect("same length");
            assert_eq!(msm(&bases, &bigints(&scalars)), want, "n = {n}");
        }
    }

    /// All scalars one (a bit vector): every base lands in the same bucket of window 0,
    /// so nearly all go through the overflow.
    #[test]
    fn one_busy_bucket() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let bases: Vec<G1Affine> = (0..2000)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let ones = vec![Fr::from(1u64); bases.len()];
        let want: G1Projective = bases.iter().map(|b| b.into_group()).sum();
        assert_eq!(msm(&bases, &bigints(&ones)), want);
    }

    #[test]
    fn a_changed_scalar_changes_the_result() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let (bases, mut scalars) = awkward::<G2Projective>(64, &mut rng);
        let before: G2Projective = msm(&bases, &bigints(&scalars));
        scalars[10] += Fr::from(1u64);
        assert_ne!(msm(&bases, &bigints(&scalars)), before);
    }

    #[test]
    fn digits_recompose_the_scalar() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let top = <Fr as PrimeField>::BigInt::new([u64::MAX; 4]);
        let top_mod_r = Fr::from_le_bytes_mod_order(&[0xff; 32]);
        for c in [2usize, 3, 8, 10, 11, 16] {
            let reduced = [Fr::from(0u64), -Fr::from(1u64), Fr::rand(&mut rng)];
            let cases = reduced.iter().map(|s| (s.into_bigint(), *s));
            for (int, s) in cases.chain([(top, top_mod_r)]) {
                let mut d = vec![0i32; windows(c, 4)];
                signed_digits(&int, c, &mut d);
                assert!(d.iter().all(|d| d.unsigned_abs() <= 1 << (c - 1)));
                let two_c = Fr::from(1u64 << c);
                let back = d
                    .iter()
                    .rev()
                    .fold(Fr::from(0u64), |acc, &d| acc * two_c + Fr::from(d as i64));
                assert_eq!(back, s, "c = {c}");
            }
        }
    }
}
