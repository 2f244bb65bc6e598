//! The iden3 binary container of `.r1cs`, `.wtns`, `.zkey` and `.ptau` files: a 4-byte
//! magic, a `u32` version, a `u32` section count, then each section as a `u32` type, a
//! `u64` length and its bytes; little-endian throughout. A reader takes every section
//! whole and refuses a file that ends inside one.

use super::FormatError;
use alc_circuits::Fr;
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, BigInteger256, PrimeField, Zero};

/// A file being written.
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// A file of `sections` sections.
    pub(crate) fn new(magic: &[u8; 4], version: u32, sections: u32) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(magic);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&sections.to_le_bytes());
        Self { out }
    }

    /// Appends the section `kind` with `body`.
    pub(crate) fn section(&mut self, kind: u32, body: &[u8]) {
        self.out.extend_from_slice(&kind.to_le_bytes());
        self.out
            .extend_from_slice(&(body.len() as u64).to_le_bytes());
        self.out.extend_from_slice(body);
    }

    /// The file's bytes.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// The field's modulus, 32 bytes little-endian, as the files' headers carry it.
pub(crate) fn modulus_le<F: PrimeField>() -> Vec<u8> {
    F::MODULUS.to_bytes_le()
}

/// `x` as 32 bytes little-endian (its canonical value).
pub(crate) fn fr_le(x: &Fr) -> Vec<u8> {
    x.into_bigint().to_bytes_le()
}

/// A parsed file: its sections by type, in file order.
pub(crate) struct BinFile<'a> {
    sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Parses `bytes` as a file with `magic` and a version of at most `max_version`.
    pub(crate) fn parse(
        bytes: &'a [u8],
        magic: &[u8; 4],
        max_version: u32,
    ) -> Result<Self, FormatError> {
        let mut c = Cursor::new(bytes, "the file header");
        if c.take(4)? != magic {
            return Err(FormatError::Magic(String::from_utf8_lossy(magic).into()));
        }
        let version = c.u32()?;
        if version == 0 || version > max_version {
            return Err(FormatError::Version(version));
        }
        let n = c.u32()?;
        let mut sections = Vec::new();
        for _ in 0..n {
            let kind = c.u32()?;
            let len = usize::try_from(c.u64()?).map_err(|_| FormatError::Truncated("a section"))?;
            sections.push((kind, c.take(len)?));
        }
        if !c.rest().is_empty() {
            return Err(FormatError::Trailing);
        }
        Ok(Self { sections })
    }

    /// The one section of type `kind`.
    pub(crate) fn section(&self, kind: u32, name: &'static str) -> Result<Cursor<'a>, FormatError> {
        let mut found = self.sections.iter().filter(|(k, _)| *k == kind);
        match (found.next(), found.next()) {
            (Some((_, body)), None) => Ok(Cursor::new(body, name)),
            (None, _) => Err(FormatError::MissingSection(name)),
            (Some(_), Some(_)) => Err(FormatError::DuplicateSection(name)),
        }
    }
}

/// Reads a section's fields in order.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    name: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], name: &'static str) -> Self {
        Self { bytes, name }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if self.bytes.len() < n {
            return Err(FormatError::Truncated(self.name));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// Refuses bytes left over in the section.
    pub(crate) fn end(&self) -> Result<(), FormatError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(FormatError::SectionLength(self.name))
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, FormatError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A `u32` count, as a `usize`.
    pub(crate) fn count(&mut self) -> Result<usize, FormatError> {
        usize::try_from(self.u32()?).map_err(|_| FormatError::Truncated(self.name))
    }

    /// 32 bytes little-endian below `F`'s modulus, as a big integer.
    fn canonical<F: PrimeField<BigInt = BigInteger256>>(
        &mut self,
    ) -> Result<BigInteger256, FormatError> {
        let b = self.take(32)?;
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[8 * i..8 * i + 8]);
            *l = u64::from_le_bytes(a);
        }
        let v = BigInteger256::new(limbs);
        if v >= F::MODULUS {
            return Err(FormatError::NotCanonical(self.name));
        }
        Ok(v)
    }

    /// A scalar in its canonical form (`.r1cs` coefficients, `.wtns` values).
    pub(crate) fn fr(&mut self) -> Result<Fr, FormatError> {
        Fr::from_bigint(self.canonical::<Fr>()?).ok_or(FormatError::NotCanonical(self.name))
    }

    /// A `.zkey` coefficient: the bytes are the canonical form of `x R^2` with
    /// `R = 2^256 mod r` (snarkjs writes it so that, read as a Montgomery form, it is
    /// `x` in Montgomery form), so `x` is the bytes read twice as a Montgomery form.
    pub(crate) fn fr_zkey(&mut self) -> Result<Fr, FormatError> {
        let once = Fr::new_unchecked(self.canonical::<Fr>()?).into_bigint();
        Ok(Fr::new_unchecked(once))
    }

    /// A base-field element in Montgomery form (the `.zkey` and `.ptau` points).
    fn fq(&mut self) -> Result<Fq, FormatError> {
        Ok(Fq::new_unchecked(self.canonical::<Fq>()?))
    }

    /// A G1 point, affine, coordinates in Montgomery form; all zeros is the identity.
    /// On the curve (G1 is the whole curve).
    pub(crate) fn g1(&mut self) -> Result<G1Affine, FormatError> {
        let (x, y) = (self.fq()?, self.fq()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        if !p.is_on_curve() {
            return Err(FormatError::NotOnCurve(self.name));
        }
        Ok(p)
    }

    /// A G2 point likewise, on the twist and in the prime-order subgroup.
    pub(crate) fn g2(&mut self) -> Result<G2Affine, FormatError> {
        let x = Fq2::new(self.fq()?, self.fq()?);
        let y = Fq2::new(self.fq()?, self.fq()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G2Affine::zero());
        }
        let p = G2Affine::new_unchecked(x, y);
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(FormatError::NotOnCurve(self.name));
        }
        Ok(p)
    }

    /// `n` G1 points.
    pub(crate) fn g1s(&mut self, n: usize) -> Result<Vec<G1Affine>, FormatError> {
        (0..n).map(|_| self.g1()).collect()
    }

    /// `n` G2 points.
    pub(crate) fn g2s(&mut self, n: usize) -> Result<Vec<G2Affine>, FormatError> {
        (0..n).map(|_| self.g2()).collect()
    }
}
