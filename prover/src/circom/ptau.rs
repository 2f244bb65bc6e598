//! A Powers of Tau prepared for phase 2 (`snarkjs powersoftau prepare phase2`): the
//! parts a circuit's initial Groth16 key is made of, which [`super::ceremony`] checks a
//! zkey's query points against.
//!
//! Sections (snarkjs `powersoftau_utils.js`): 1 the header (`n8q`, `q`, `power`, the
//! ceremony's power); 2-5 `tau^i`, `alpha tau^i`, `beta tau^i` in G1 and `tau^i` in G2;
//! 6 `beta` in G2; 7 the contributions; 12-15 the same four as Lagrange bases
//! `L_j(tau)` for every domain size `2^p`, `p = 0..=power` (12, in G1, also for
//! `p = power + 1`), one after another: the basis of size `2^p` starts at point
//! `2^p - 1`. Points are affine with coordinates in Montgomery form, as in a zkey.
//!
//! A ptau may be gigabytes (a power-28 file holds 2^29 points): [`read`] seeks to what
//! one circuit needs (the bases of its domain size `n`, and of `2n` in G1 for the `H`
//! query) and reads nothing else.

use super::binfile::{modulus_le, Cursor};
use super::FormatError;
use ark_bn254::{Fq, G1Affine, G2Affine};
use std::io::{Read, Seek, SeekFrom};

const G1: u64 = 64;
const G2: u64 = 128;

/// What a circuit of one domain size needs of a prepared Powers of Tau.
pub struct Ptau {
    /// The ceremony's power: its bases go up to `2^power` points.
    pub power: u32,
    /// `alpha` in G1 (section 4's first point).
    pub alpha_g1: G1Affine,
    /// `beta` in G1 (section 5's first point).
    pub beta_g1: G1Affine,
    /// `beta` in G2 (section 6).
    pub beta_g2: G2Affine,
    /// `L_j(tau)` in G1 over the domain of size `n`.
    pub tau_g1: Vec<G1Affine>,
    /// `L_j(tau)` in G2 over the domain of size `n`.
    pub tau_g2: Vec<G2Affine>,
    /// `alpha L_j(tau)` in G1.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `beta L_j(tau)` in G1.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `L_{2k+1}(tau)` over the domain of size `2n`: its odd points, the coset of the
    /// `H` query.
    pub odd_tau_g1: Vec<G1Affine>,
}

/// Why a Powers of Tau cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PtauError {
    /// Not a well-formed prepared ptau.
    #[error("not a Powers of Tau file: {0}")]
    Format(#[from] FormatError),
    /// Reading it failed.
    #[error("reading the Powers of Tau: {0}")]
    Io(#[from] std::io::Error),
    /// A curve other than BN254.
    #[error("the Powers of Tau is not over BN254")]
    OtherCurve,
    /// Made before `prepare phase2`: no Lagrange bases.
    #[error(
        "the Powers of Tau is not prepared for phase 2 (run `snarkjs powersoftau prepare phase2`)"
    )]
    NotPrepared,
    /// Too small for the circuit.
    #[error("the Powers of Tau has power {power}; this circuit's domain of {domain} needs at least {needed}")]
    TooSmall {
        /// The file's power.
        power: u32,
        /// The circuit's domain size.
        domain: usize,
        /// The power it needs.
        needed: u32,
    },
}

/// Reads what a circuit of domain size `domain` (a power of two) needs from a prepared
/// ptau.
///
/// # Errors
/// [`PtauError`]: not a prepared BN254 ptau, too small, a point off its curve, or an
/// I/O failure.
pub fn read<R: Read + Seek>(r: &mut R, domain: usize) -> Result<Ptau, PtauError> {
    let sections = table(r)?;
    let at = |kind: u32, name: &'static str| -> Result<(u64, u64), PtauError> {
        let mut found = sections.iter().filter(|(k, _, _)| *k == kind);
        match (found.next(), found.next()) {
            (Some(&(_, pos, len)), None) => Ok((pos, len)),
            (None, _) if kind >= 12 => Err(PtauError::NotPrepared),
            (None, _) => Err(FormatError::MissingSection(name).into()),
            (Some(_), Some(_)) => Err(FormatError::DuplicateSection(name).into()),
        }
    };
    let (pos, len) = at(1, "the header")?;
    if len != 44 {
        return Err(FormatError::SectionLength("the header").into());
    }
    let header = slice(r, pos, 0, len)?;
    let mut h = Cursor::new(&header, "the header");
    if h.u32()? != 32 || h.take(32)? != modulus_le::<Fq>().as_slice() {
        return Err(PtauError::OtherCurve);
    }
    let power = h.u32()?;
    let _ceremony_power = h.u32()?;
    h.end()?;
    if !(1..=28).contains(&power) {
        return Err(FormatError::Value("the power").into());
    }
    let p = domain.trailing_zeros();
    if !domain.is_power_of_two() || p > power {
        return Err(PtauError::TooSmall {
            power,
            domain,
            needed: p.max(1),
        });
    }
    let full = 1u64 << power;
    // Each section's length, in points: the file must be whole where it is read.
    let sized = |kind, name, size, points: u64| -> Result<u64, PtauError> {
        let (pos, len) = at(kind, name)?;
        if len != points * size {
            return Err(FormatError::SectionLength(name).into());
        }
        Ok(pos)
    };
    let alpha = sized(4, "alpha tau in G1", G1, full)?;
    let beta = sized(5, "beta tau in G1", G1, full)?;
    let beta2 = sized(6, "beta in G2", G2, 1)?;
    let l1 = sized(12, "the Lagrange bases in G1", G1, 4 * full - 1)?;
    let l2 = sized(13, "the Lagrange bases in G2", G2, 2 * full - 1)?;
    let la = sized(14, "the alpha Lagrange bases", G1, 2 * full - 1)?;
    let lb = sized(15, "the beta Lagrange bases", G1, 2 * full - 1)?;
    let n = domain as u64;
    let g1s = |r: &mut R, pos, first, count, name| -> Result<Vec<G1Affine>, PtauError> {
        let b = slice(r, pos, first * G1, count * G1)?;
        Ok(Cursor::new(&b, name).g1s(count as usize)?)
    };
    let two_n = g1s(r, l1, 2 * n - 1, 2 * n, "the Lagrange bases in G1")?;
    Ok(Ptau {
        power,
        alpha_g1: g1s(r, alpha, 0, 1, "alpha tau in G1")?[0],
        beta_g1: g1s(r, beta, 0, 1, "beta tau in G1")?[0],
        beta_g2: {
            let b = slice(r, beta2, 0, G2)?;
            Cursor::new(&b, "beta in G2").g2()?
        },
        tau_g1: g1s(r, l1, n - 1, n, "the Lagrange bases in G1")?,
        tau_g2: {
            let b = slice(r, l2, (n - 1) * G2, n * G2)?;
            Cursor::new(&b, "the Lagrange bases in G2").g2s(domain)?
        },
        alpha_tau_g1: g1s(r, la, n - 1, n, "the alpha Lagrange bases")?,
        beta_tau_g1: g1s(r, lb, n - 1, n, "the beta Lagrange bases")?,
        odd_tau_g1: two_n.into_iter().skip(1).step_by(2).collect(),
    })
}

/// The section table: `(type, position, length)` of each, checked to lie in the file.
fn table<R: Read + Seek>(r: &mut R) -> Result<Vec<(u32, u64, u64)>, PtauError> {
    let end = r.seek(SeekFrom::End(0))?;
    let head = slice(r, 0, 0, 12.min(end))?;
    let mut c = Cursor::new(&head, "the file header");
    if c.take(4)? != b"ptau" {
        return Err(FormatError::Magic("ptau".into()).into());
    }
    let version = c.u32()?;
    if version != 1 {
        return Err(FormatError::Version(version).into());
    }
    let count = c.u32()?;
    let mut pos = 12u64;
    let mut out = Vec::new();
    for _ in 0..count {
        let b = slice(r, pos, 0, 12.min(end.saturating_sub(pos)))?;
        let mut c = Cursor::new(&b, "a section header");
        let (kind, len) = (c.u32()?, c.u64()?);
        let start = pos + 12;
        pos = start
            .checked_add(len)
            .filter(|e| *e <= end)
            .ok_or(FormatError::Truncated("a section"))?;
        out.push((kind, start, len));
    }
    if pos != end {
        return Err(FormatError::Trailing.into());
    }
    Ok(out)
}

/// `len` bytes at `offset` into the section at `pos`.
fn slice<R: Read + Seek>(r: &mut R, pos: u64, offset: u64, len: u64) -> Result<Vec<u8>, PtauError> {
    r.seek(SeekFrom::Start(pos + offset))?;
    let mut b = vec![0u8; usize::try_from(len).map_err(|_| FormatError::Truncated("a section"))?];
    r.read_exact(&mut b)?;
    Ok(b)
}

/// The BLAKE2b-512 of a whole file, as `b2sum` prints it and as the public Powers of
/// Tau are published (snarkjs's README lists them so).
///
/// # Errors
/// The reader's.
pub fn blake2b<R: Read>(mut r: R) -> std::io::Result<[u8; 64]> {
    use blake2::{Blake2b512, Digest};
    let mut h = Blake2b512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(h.finalize().into());
        }
        h.update(&buf[..n]);
    }
}
