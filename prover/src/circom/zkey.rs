//! snarkjs `.zkey` Groth16 proving keys, imported for ALC's circuits.
//!
//! Sections (snarkjs `zkey_utils.js`): 1 the protocol (1, Groth16); 2 the header (field
//! sizes and moduli, `nVars`, `nPublic`, the domain size, `alpha_1`, `beta_1`, `beta_2`,
//! `gamma_2`, `delta_1`, `delta_2`); 3 `IC` (the verifying key's input points); 4 the
//! coefficients of `A` and `B` (`(matrix, row, wire, value)`), with one extra `A` row per
//! public wire `i`, `z_i` at row `constraints + i`, as arkworks' reduction adds; 5, 6, 7
//! the `A`, `B` (G1) and `B` (G2) queries; 8 the `C` query (arkworks' `L`); 9 the `H`
//! query; 10 the ceremony's record (the circuit hash and every contribution).
//!
//! The `H` query differs from arkworks': snarkjs's `H_i = L_{2i+1}(tau) / delta`, the
//! Lagrange basis of the domain of size `2n` at its odd points, which are the coset
//! `g H` of the circuit's domain `H` (`g` a primitive `2n`-th root of unity). Since
//! `A(x) B(x) - C(x) = h(x) Z(x)` has degree below `2n` and vanishes on `H`,
//! `sum_i (A B - C)(g w^i) H_i = h(tau) Z(tau) / delta`: the prover needs the
//! quotient's numerator on that coset only, with no division by `Z` and no inverse FFT
//! (`crate::groth16`). A key with `n` points in its `H` query is proved with that
//! convention; arkworks' keys have `n - 1`.
//!
//! The import checks that the key is for the circuit it is imported for: the sizes, and
//! every coefficient of sections 4 against ALC's own matrices (so the prover's witness
//! map is the key's); every point on its curve and subgroup; and the structure checks
//! of every ALC key (`crate::keys`: not degenerate, `gamma != delta`, so a key without a
//! phase-2 contribution is refused). The query points and the contribution chain are
//! checked against the Powers of Tau by [`super::ceremony`].

use super::binfile::{modulus_le, BinFile, Cursor};
use super::FormatError;
use crate::keys::{Circuit, KeyError, ProvingKey};
use alc_circuits::Fr;
use alc_verifier::VerifyingKey;
use ark_bn254::{Bn254, Fq, G1Affine, G2Affine};
use ark_ff::One;

/// Why a `.zkey` is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZkeyError {
    /// Not a well-formed zkey file.
    #[error("not a zkey file: {0}")]
    Format(#[from] FormatError),
    /// A proving system other than Groth16.
    #[error("the zkey is for protocol {0}, not Groth16 (1)")]
    NotGroth16(u32),
    /// A curve other than BN254.
    #[error("the zkey is not over BN254")]
    OtherCurve,
    /// Another circuit than the one it is imported for.
    #[error("the zkey is for another circuit: {0}")]
    OtherCircuit(String),
    /// The key fails ALC's checks of a proving key (degenerate, no phase-2 contribution).
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What a contribution is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContributionKind {
    /// A contributor's secret (`snarkjs zkey contribute`).
    Secret,
    /// A public random beacon (`snarkjs zkey beacon`).
    Beacon,
}

/// One contribution to the phase-2 ceremony, as the zkey records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// A secret or a beacon.
    pub kind: ContributionKind,
    /// The contributor's name, if they gave one.
    pub name: Option<String>,
    /// `delta` in G1 after this contribution.
    pub delta_after: G1Affine,
    /// The proof of knowledge of the contribution's multiplier `x`: `g1_s`, `g1_sx`...
    pub g1_s: G1Affine,
    /// ... `x g1_s` ...
    pub g1_sx: G1Affine,
    /// ... and `x` times the G2 point hashed from the transcript.
    pub g2_spx: G2Affine,
    /// The transcript hash the proof of knowledge is bound to (64 bytes, BLAKE2b).
    pub transcript: Vec<u8>,
    /// A beacon's hash and its iterations' exponent.
    pub beacon: Option<(Vec<u8>, u8)>,
}

/// An imported zkey: ALC's keys, and the ceremony's record.
pub struct Zkey {
    /// The proving key (with the zkey's `H` convention).
    pub pk: ProvingKey,
    /// Its verifying key.
    pub vk: VerifyingKey,
    /// The size of the circuit's evaluation domain.
    pub domain: usize,
    /// snarkjs's circuit hash (BLAKE2b-512 of the initial key's points).
    pub circuit_hash: Vec<u8>,
    /// The phase-2 contributions, in order.
    pub contributions: Vec<Contribution>,
}

impl std::fmt::Debug for Zkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zkey")
            .field("circuit_hash", &hex::encode(&self.circuit_hash))
            .field("contributions", &self.contributions.len())
            .finish_non_exhaustive()
    }
}

struct Header {
    vars: usize,
    public: usize,
    domain: usize,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    gamma_g2: G2Affine,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
}

fn header(f: &BinFile<'_>) -> Result<Header, ZkeyError> {
    let mut p = f.section(1, "the protocol")?;
    let protocol = p.u32()?;
    if protocol != 1 {
        return Err(ZkeyError::NotGroth16(protocol));
    }
    let mut h = f.section(2, "the Groth16 header")?;
    for modulus in [modulus_le::<Fq>(), modulus_le::<Fr>()] {
        if h.u32()? != 32 || h.take(32)? != modulus.as_slice() {
            return Err(ZkeyError::OtherCurve);
        }
    }
    let hd = Header {
        vars: h.count()?,
        public: h.count()?,
        domain: h.count()?,
        alpha_g1: h.g1()?,
        beta_g1: h.g1()?,
        beta_g2: h.g2()?,
        gamma_g2: h.g2()?,
        delta_g1: h.g1()?,
        delta_g2: h.g2()?,
    };
    h.end()?;
    Ok(hd)
}

/// Reads `bytes` as a zkey of `circuit` and makes ALC's keys of it.
///
/// # Errors
/// [`ZkeyError`]: malformed, another protocol, curve or circuit, or a key ALC refuses.
pub fn import(bytes: &[u8], circuit: &Circuit) -> Result<Zkey, ZkeyError> {
    let f = BinFile::parse(bytes, b"zkey", 1)?;
    let h = header(&f)?;
    let m = circuit.matrices()?;
    let vars = m.num_instance + m.num_witness;
    let domain = m.domain_size()?;
    let sizes = (h.vars, h.public, h.domain);
    if sizes != (vars, m.num_instance - 1, domain) {
        return Err(ZkeyError::OtherCircuit(format!(
            "{} variables, {} public inputs, domain {}; this circuit has {vars}, {}, {domain}",
            h.vars,
            h.public,
            h.domain,
            m.num_instance - 1
        )));
    }
    check_coefficients(&mut f.section(4, "the coefficients")?, &m)?;
    let read_g1 = |kind, name, n| -> Result<Vec<G1Affine>, ZkeyError> {
        let mut s = f.section(kind, name)?;
        let v = s.g1s(n)?;
        s.end()?;
        Ok(v)
    };
    let ic = read_g1(3, "the IC points", h.public + 1)?;
    let a = read_g1(5, "the A query", vars)?;
    let b1 = read_g1(6, "the B query in G1", vars)?;
    let b2 = {
        let mut s = f.section(7, "the B query in G2")?;
        let v = s.g2s(vars)?;
        s.end()?;
        v
    };
    let l = read_g1(8, "the C query", m.num_witness)?;
    let hq = read_g1(9, "the H query", domain)?;
    let (circuit_hash, contributions) = ceremony(&mut f.section(10, "the contributions")?)?;
    let vk = ark_groth16::VerifyingKey::<Bn254> {
        alpha_g1: h.alpha_g1,
        beta_g2: h.beta_g2,
        gamma_g2: h.gamma_g2,
        delta_g2: h.delta_g2,
        gamma_abc_g1: ic,
    };
    let pk = ark_groth16::ProvingKey::<Bn254> {
        vk,
        beta_g1: h.beta_g1,
        delta_g1: h.delta_g1,
        a_query: a,
        b_g1_query: b1,
        b_g2_query: b2,
        h_query: hq,
        l_query: l,
    };
    let pk = ProvingKey::with_matrices(pk, m)?;
    let vk = pk.verifying_key()?;
    Ok(Zkey {
        pk,
        vk,
        domain,
        circuit_hash,
        contributions,
    })
}

/// Section 4 against ALC's matrices: the same `(matrix, row, wire, value)` terms, in
/// any order.
fn check_coefficients(s: &mut Cursor<'_>, m: &crate::keys::Matrices) -> Result<(), ZkeyError> {
    let n = s.count()?;
    // Each term is 44 bytes: the count must be what the section holds before anything
    // is reserved for it (a count of 2^32 - 1 in a short file would abort the process).
    if n.checked_mul(44).is_none_or(|need| need > s.rest().len()) {
        return Err(FormatError::Truncated("the coefficients").into());
    }
    let mut found = Vec::with_capacity(n);
    for _ in 0..n {
        let (matrix, row, wire) = (s.u32()?, s.u32()?, s.u32()?);
        found.push((matrix, row, wire, s.fr_zkey()?));
    }
    s.end()?;
    let mut expected = Vec::with_capacity(n);
    for (k, matrix) in m.abc.iter().take(2).enumerate() {
        for (row, terms) in matrix.iter().enumerate() {
            for (value, wire) in terms {
                expected.push((k as u32, row as u32, *wire as u32, *value));
            }
        }
    }
    for wire in 0..m.num_instance {
        expected.push((0, (m.num_constraints + wire) as u32, wire as u32, Fr::one()));
    }
    found.sort_unstable();
    expected.sort_unstable();
    if found != expected {
        let first = found
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b)
            .unwrap_or(found.len().min(expected.len()));
        return Err(ZkeyError::OtherCircuit(format!(
            "its A and B coefficients differ from this circuit's ({} terms against {}, first difference at term {first} in order)",
            found.len(),
            expected.len()
        )));
    }
    Ok(())
}

/// Section 10: the circuit hash and the contributions.
fn ceremony(s: &mut Cursor<'_>) -> Result<(Vec<u8>, Vec<Contribution>), ZkeyError> {
    let circuit_hash = s.take(64)?.to_vec();
    let n = s.count()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let delta_after = s.g1()?;
        let g1_s = s.g1()?;
        let g1_sx = s.g1()?;
        let g2_spx = s.g2()?;
        let transcript = s.take(64)?.to_vec();
        let kind = match s.u32()? {
            0 => ContributionKind::Secret,
            1 => ContributionKind::Beacon,
            _ => return Err(FormatError::Value("a contribution's type").into()),
        };
        let len = s.count()?;
        let mut p = Cursor::new(s.take(len)?, "a contribution's parameters");
        let (mut name, mut exp, mut hash) = (None, None, None);
        let mut last = 0;
        while !p.rest().is_empty() {
            let t = p.u8()?;
            if t <= last {
                return Err(FormatError::Value("a contribution's parameters' order").into());
            }
            last = t;
            match t {
                1 => {
                    let n = usize::from(p.u8()?);
                    name = Some(String::from_utf8_lossy(p.take(n)?).into_owned());
                }
                2 => exp = Some(p.u8()?),
                3 => {
                    let n = usize::from(p.u8()?);
                    hash = Some(p.take(n)?.to_vec());
                }
                _ => return Err(FormatError::Value("a contribution's parameter").into()),
            }
        }
        out.push(Contribution {
            kind,
            name,
            delta_after,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            beacon: hash.zip(exp),
        });
    }
    s.end()?;
    Ok((circuit_hash, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coefficient_count_beyond_the_file_is_refused_before_anything_is_reserved() {
        // A v1 zkey's head with a section 4 holding only the count 2^32 - 1 (found while
        // writing the fuzz seed): it once aborted the process reserving 206 GB.
        let bytes = include_bytes!("../../../fuzz/regressions/zkey/huge-coefficient-count");
        match import(bytes, &Circuit::V1) {
            Err(ZkeyError::Format(FormatError::Truncated("the coefficients"))) => {}
            other => panic!("{other:?}"),
        }
        // Twin: the same head with an empty section 4 (count 0) gets past the count, to
        // the comparison with the circuit's terms.
        let mut zero = bytes.to_vec();
        let at = zero.len() - 4;
        zero[at..].copy_from_slice(&0u32.to_le_bytes());
        match import(&zero, &Circuit::V1) {
            Err(ZkeyError::OtherCircuit(why)) => assert!(why.contains("coefficients"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
