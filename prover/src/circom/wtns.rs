//! Witnesses as iden3 `.wtns` files (version 2), the form `snarkjs wtns check` and the
//! circom provers (snarkjs, rapidsnark) take: section 1 the field size 32, the BN254
//! scalar modulus and the number of values; section 2 the full assignment
//! `[1, public inputs..., witness...]` in the `.r1cs` wire order, canonical
//! little-endian.
//!
//! A witness is the prover's secret: a `.wtns` file holds the holder secret and the
//! credential in the clear, and is written only where the caller asks for it.

use super::binfile::{fr_le, modulus_le, BinFile, Writer};
use super::FormatError;
use alc_circuits::Fr;

/// The `.wtns` file of the full assignment `full`.
pub fn wtns(full: &[Fr]) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&modulus_le::<Fr>());
    header.extend_from_slice(&u32::try_from(full.len()).unwrap_or(u32::MAX).to_le_bytes());
    let values: Vec<u8> = full.iter().flat_map(fr_le).collect();
    let mut w = Writer::new(b"wtns", 2, 2);
    w.section(1, &header);
    w.section(2, &values);
    w.finish()
}

/// The full assignment in a `.wtns` file.
///
/// # Errors
/// [`FormatError`] for anything but a BN254 witness file.
pub fn read_wtns(bytes: &[u8]) -> Result<Vec<Fr>, FormatError> {
    let f = BinFile::parse(bytes, b"wtns", 2)?;
    let mut h = f.section(1, "the witness header")?;
    if h.u32()? != 32 || h.take(32)? != modulus_le::<Fr>().as_slice() {
        return Err(FormatError::Field);
    }
    let n = h.count()?;
    h.end()?;
    let mut v = f.section(2, "the witness values")?;
    let full = (0..n).map(|_| v.fr()).collect::<Result<Vec<_>, _>>()?;
    v.end()?;
    Ok(full)
}
