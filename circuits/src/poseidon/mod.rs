//! Poseidon over the BN254 scalar field with circomlib's parameters.
//!
//! For `n` inputs (`1 <= n <= 16`) the permutation has width `t = n + 1`, the S-box
//! `x^5`, 8 full rounds and `N_ROUNDS_P[t - 2]` partial rounds, and circomlib's round
//! constants and MDS matrices (copied from circomlibjs 0.1.7 into `constants.bin` by
//! `tools/js/make-vectors.mjs`). The initial state is `[0, inputs...]` and the output
//! is `state[0]`. Each round is: add round constants, S-box (every element in a full
//! round, `state[0]` only in a partial round), multiply by the MDS matrix. The values
//! equal circomlibjs `poseidon([...])` (tested against committed vectors).
//!
//! Domain separation: circomlib's constants differ for every width, and ALC gives each
//! width one purpose, so no two purposes share a permutation:
//!
//! | width | inputs | purpose |
//! |---|---|---|
//! | 2 | 1 | holder commitment `pk = H(sk)` |
//! | 3 | 2 | pseudonym `H(sk, scope)` |
//! | 5 | 4 | status-list Merkle node |
//! | 6 | 5 | EdDSA challenge `H(R8.x, R8.y, A.x, A.y, M)` |
//! | 8 | 7 | credential commitment |

#[cfg(feature = "r1cs")]
pub mod constraints;
mod fast;

use crate::field::Fr;
use ark_ff::{AdditiveGroup, Field};
use std::sync::OnceLock;

/// Full rounds, for every width.
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds for widths 2..=17 (index `t - 2`), as circomlib.
pub const PARTIAL_ROUNDS: [usize; 16] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];
/// Largest number of inputs.
pub const MAX_INPUTS: usize = 16;

const CONSTANTS: &[u8] = include_bytes!("constants.bin");

/// Round constants and MDS matrix of one width.
#[derive(Debug)]
pub struct Params {
    /// Width `t`.
    pub width: usize,
    /// Partial rounds.
    pub partial_rounds: usize,
    /// Round constants, `(FULL_ROUNDS + partial_rounds) * width` of them, round-major.
    pub round_constants: Vec<Fr>,
    /// MDS matrix, row-major: `new[i] = sum_j mds[i][j] * old[j]`.
    pub mds: Vec<Vec<Fr>>,
}

impl Params {
    /// Total rounds.
    pub fn rounds(&self) -> usize {
        FULL_ROUNDS + self.partial_rounds
    }

    /// Whether round `r` applies the S-box to the whole state.
    pub fn is_full_round(&self, r: usize) -> bool {
        r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + self.partial_rounds
    }
}

/// The parameters for `inputs` inputs (`1..=16`).
///
/// # Panics
/// Never for `inputs` in `1..=16` (the embedded table is checked by tests); callers
/// pass compile-time arities or check with [`hash`].
pub fn params(inputs: usize) -> &'static Params {
    static TABLE: OnceLock<Vec<Params>> = OnceLock::new();
    &TABLE.get_or_init(parse_constants)[inputs - 1]
}

/// The rearranged form used for native hashing, computed on first use.
fn fast(inputs: usize) -> &'static fast::Fast {
    static TABLE: OnceLock<Vec<fast::Fast>> = OnceLock::new();
    &TABLE.get_or_init(|| {
        (1..=MAX_INPUTS)
            .map(|n| fast::Fast::new(params(n)))
            .collect()
    })[inputs - 1]
}

fn parse_constants() -> Vec<Params> {
    let mut chunks = CONSTANTS.chunks_exact(32).map(|c| {
        crate::field::from_le_bytes(c).expect("embedded Poseidon constants are canonical")
    });
    let mut out = Vec::with_capacity(MAX_INPUTS);
    for (i, &partial_rounds) in PARTIAL_ROUNDS.iter().enumerate() {
        let width = i + 2;
        let round_constants: Vec<Fr> = chunks
            .by_ref()
            .take((FULL_ROUNDS + partial_rounds) * width)
            .collect();
        let mds: Vec<Vec<Fr>> = (0..width)
            .map(|_| chunks.by_ref().take(width).collect())
            .collect();
        out.push(Params {
            width,
            partial_rounds,
            round_constants,
            mds,
        });
    }
    assert!(
        chunks.next().is_none(),
        "embedded Poseidon constants have trailing data"
    );
    out
}

/// Wrong number of inputs for Poseidon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Poseidon takes 1 to 16 inputs, got {0}")]
pub struct ArityError(pub usize);

/// Poseidon of `1..=16` inputs.
pub fn hash(inputs: &[Fr]) -> Result<Fr, ArityError> {
    if inputs.is_empty() || inputs.len() > MAX_INPUTS {
        return Err(ArityError(inputs.len()));
    }
    Ok(fast(inputs.len()).hash(inputs))
}

/// Poseidon of a fixed number of inputs, checked at compile time.
pub fn hash_n<const N: usize>(inputs: &[Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_INPUTS) };
    fast(N).hash(inputs)
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

/// The permutation exactly as circomlib writes it (the reference for [`fast`] and the
/// shape of the gadget).
pub fn permute(p: &Params, inputs: &[Fr]) -> Fr {
    let t = p.width;
    let mut state = [Fr::ZERO; MAX_INPUTS + 1];
    state[1..t].copy_from_slice(inputs);
    let mut next = [Fr::ZERO; MAX_INPUTS + 1];
    for r in 0..p.rounds() {
        let c = &p.round_constants[r * t..(r + 1) * t];
        for (s, c) in state[..t].iter_mut().zip(c) {
            *s += c;
        }
        if p.is_full_round(r) {
            state[..t].iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        for (n, row) in next[..t].iter_mut().zip(&p.mds) {
            *n = row.iter().zip(&state[..t]).map(|(m, s)| *m * s).sum();
        }
        state[..t].copy_from_slice(&next[..t]);
    }
    state[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shapes() {
        for n in 1..=MAX_INPUTS {
            let p = params(n);
            assert_eq!(p.width, n + 1);
            assert_eq!(p.round_constants.len(), p.rounds() * p.width);
            assert_eq!(p.mds.len(), p.width);
        }
    }

    #[test]
    fn known_values() {
        let d = |s: &str| crate::field::from_decimal(s).unwrap();
        assert_eq!(
            hash_n(&[Fr::from(1u64)]),
            d("18586133768512220936620570745912940619677854269274689475585506675881198879027")
        );
        assert_eq!(
            hash_n(&[Fr::from(1u64), Fr::from(2u64)]),
            d("7853200120776062878684798364095072458815029376092732009249414926327459813530")
        );
    }

    #[test]
    fn fast_form_equals_reference_for_every_width() {
        use ark_std::UniformRand;
        let mut rng = ark_std::test_rng();
        for n in 1..=MAX_INPUTS {
            for _ in 0..3 {
                let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                assert_eq!(
                    hash(&inputs).unwrap(),
                    permute(params(n), &inputs),
                    "{n} inputs"
                );
            }
            let zeros = vec![Fr::ZERO; n];
            assert_eq!(hash(&zeros).unwrap(), permute(params(n), &zeros));
        }
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(hash(&[]), Err(ArityError(0)));
        assert_eq!(hash(&[Fr::ZERO; 17]), Err(ArityError(17)));
        assert!(hash(&[Fr::ZERO; 16]).is_ok());
    }
}
