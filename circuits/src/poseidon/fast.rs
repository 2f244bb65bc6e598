//! The same permutation, rearranged for native speed (Poseidon paper, appendix B).
//!
//! 1. Constants: in a partial round only `state[0]` meets the S-box, so the constants
//!    added to `state[1..]` pass through it unchanged; `M * (0, c)` is added to the next
//!    round's constants instead. After the partial rounds the carried vector lands in
//!    the first of the last full rounds. Every partial round then adds one constant.
//! 2. Matrices: write a matrix as `[[m, v], [w, N]]` (`N` of size `t - 1`). It factors
//!    as `S * D` with `D = [[1, 0], [0, N]]` and the sparse `S = [[m, v N^-1], [w, I]]`.
//!    `D` leaves `state[0]` alone, so it commutes with the partial round's S-box and
//!    constant and moves into the previous round's matrix. Going backwards from the
//!    last partial round, every partial round keeps only its sparse `S` (`2t - 1`
//!    multiplications instead of `t^2`) and the product of the `D`s joins the matrix of
//!    the last full round before them.
//!
//! `N^-1` exists because every square submatrix of an MDS matrix is invertible. Tests
//! check this form equals the reference permutation for every width.

use super::{Params, FULL_ROUNDS};
use crate::field::Fr;
use ark_ff::{AdditiveGroup, Field, Zero};

/// The rearranged constants of one width.
#[derive(Debug)]
pub struct Fast {
    width: usize,
    /// Constants of the full rounds: `FULL_ROUNDS` vectors of `width`.
    full_constants: Vec<Vec<Fr>>,
    /// Matrices of the full rounds (the last of the first half is modified).
    full_matrices: Vec<Vec<Vec<Fr>>>,
    /// Per partial round: the constant for `state[0]`, then `m`, `v'` and `w`.
    partial: Vec<Sparse>,
}

#[derive(Debug)]
struct Sparse {
    constant: Fr,
    m: Fr,
    v: Vec<Fr>,
    w: Vec<Fr>,
}

fn mat_vec(m: &[Vec<Fr>], x: &[Fr]) -> Vec<Fr> {
    m.iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| *a * b).sum())
        .collect()
}

fn mat_mul(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = b[0].len();
    a.iter()
        .map(|row| {
            (0..n)
                .map(|j| row.iter().zip(b).map(|(x, brow)| *x * brow[j]).sum())
                .collect()
        })
        .collect()
}

/// Inverse by Gauss-Jordan elimination; `None` if singular.
fn invert(m: &[Vec<Fr>]) -> Option<Vec<Vec<Fr>>> {
    let n = m.len();
    let mut a: Vec<Vec<Fr>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { Fr::ONE } else { Fr::ZERO }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).find(|&r| !a[r][col].is_zero())?;
        a.swap(col, pivot);
        let inv = a[col][col].inverse()?;
        a[col].iter_mut().for_each(|x| *x *= inv);
        for r in 0..n {
            if r != col && !a[r][col].is_zero() {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                a[r].iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(x, p)| *x -= f * p);
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

impl Fast {
    /// Rearranges reference parameters.
    pub fn new(p: &Params) -> Self {
        let t = p.width;
        let half = FULL_ROUNDS / 2;
        let mut c: Vec<Vec<Fr>> = p.round_constants.chunks(t).map(<[Fr]>::to_vec).collect();
        // 1. Carry the partial rounds' constants on state[1..] forward.
        for r in half..half + p.partial_rounds {
            let mut carried = vec![Fr::ZERO; t];
            carried[1..].copy_from_slice(&c[r][1..]);
            c[r][1..].iter_mut().for_each(|x| *x = Fr::ZERO);
            let pushed = mat_vec(&p.mds, &carried);
            c[r + 1].iter_mut().zip(pushed).for_each(|(x, y)| *x += y);
        }
        // 2. Factor the matrices backwards.
        let mut partial = Vec::with_capacity(p.partial_rounds);
        let mut cur = p.mds.clone();
        for r in (half..half + p.partial_rounds).rev() {
            let n: Vec<Vec<Fr>> = cur[1..].iter().map(|row| row[1..].to_vec()).collect();
            let n_inv = invert(&n).expect("square submatrices of an MDS matrix are invertible");
            let v: Vec<Fr> = cur[0][1..].to_vec();
            // v' = v N^-1 (a row vector times a matrix)
            let v_prime: Vec<Fr> = (0..t - 1)
                .map(|j| v.iter().zip(&n_inv).map(|(a, row)| *a * row[j]).sum())
                .collect();
            partial.push(Sparse {
                constant: c[r][0],
                m: cur[0][0],
                v: v_prime,
                w: cur[1..].iter().map(|row| row[0]).collect(),
            });
            let mut d = vec![vec![Fr::ZERO; t]; t];
            d[0][0] = Fr::ONE;
            for i in 1..t {
                d[i][1..].copy_from_slice(&n[i - 1]);
            }
            cur = mat_mul(&d, &p.mds);
        }
        partial.reverse();
        let mut full_matrices = vec![p.mds.clone(); FULL_ROUNDS];
        full_matrices[half - 1] = cur;
        let full_constants = (0..half)
            .chain(half + p.partial_rounds..p.rounds())
            .map(|r| c[r].clone())
            .collect();
        Self {
            width: t,
            full_constants,
            full_matrices,
            partial,
        }
    }

    /// The permutation's first output for `inputs` (`width - 1` of them).
    pub fn hash(&self, inputs: &[Fr]) -> Fr {
        let t = self.width;
        let mut s = [Fr::ZERO; super::MAX_INPUTS + 1];
        s[1..t].copy_from_slice(inputs);
        let mut next = [Fr::ZERO; super::MAX_INPUTS + 1];
        let half = FULL_ROUNDS / 2;
        let mut full = |s: &mut [Fr; super::MAX_INPUTS + 1], i: usize| {
            for (x, c) in s[..t].iter_mut().zip(&self.full_constants[i]) {
                *x += c;
                sbox(x);
            }
            for (n, row) in next[..t].iter_mut().zip(&self.full_matrices[i]) {
                *n = row.iter().zip(&s[..t]).map(|(m, x)| *m * x).sum();
            }
            s[..t].copy_from_slice(&next[..t]);
        };
        for i in 0..half {
            full(&mut s, i);
        }
        for p in &self.partial {
            s[0] += p.constant;
            sbox(&mut s[0]);
            let s0 = s[0];
            s[0] = p.m * s0 + p.v.iter().zip(&s[1..t]).map(|(a, b)| *a * b).sum::<Fr>();
            for (x, w) in s[1..t].iter_mut().zip(&p.w) {
                *x += *w * s0;
            }
        }
        for i in half..FULL_ROUNDS {
            full(&mut s, i);
        }
        s[0]
    }
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}
