//! The circom ecosystem's files, so that ALC's trusted setup can be a public multi-party
//! ceremony run with snarkjs (`docs/ceremony.md`): ALC's circuits exported as iden3
//! `.r1cs` files ([`r1cs`]), witnesses as `.wtns` files ([`wtns`]), the ceremony's
//! final `.zkey` imported as ALC's proving and verifying keys ([`zkey`]), and the
//! ceremony itself checked ([`ceremony`]): its contribution chain, and every query point
//! against the Powers of Tau it started from ([`ptau`]).
//!
//! All are iden3 binary files (`binfile`); field elements are 32 bytes
//! little-endian: canonical in `.r1cs` and `.wtns`, in Montgomery form in `.zkey`
//! points, and as `x R^2` in `.zkey` coefficients.

mod binfile;
pub mod ceremony;
pub mod ptau;
pub mod r1cs;
mod rng;
pub mod wtns;
pub mod zkey;

/// A circom file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Another kind of file.
    #[error("it does not start with {0:?}")]
    Magic(String),
    /// A version this reader does not know.
    #[error("its version {0} is not supported")]
    Version(u32),
    /// It ends inside a part.
    #[error("it ends inside {0}")]
    Truncated(&'static str),
    /// Bytes after the last section.
    #[error("it has bytes after its last section")]
    Trailing,
    /// A section that must be there is not.
    #[error("it has no {0} section")]
    MissingSection(&'static str),
    /// A section that must be there once is there twice.
    #[error("it has two {0} sections")]
    DuplicateSection(&'static str),
    /// A section longer than its content.
    #[error("{0} is longer than its content")]
    SectionLength(&'static str),
    /// A number at or above its field's modulus.
    #[error("{0} holds a number that is not a field element")]
    NotCanonical(&'static str),
    /// A point not on its curve or subgroup.
    #[error("{0} holds a point that is not on the curve (or not in its subgroup)")]
    NotOnCurve(&'static str),
    /// A field other than BN254's scalar field.
    #[error("it is not over the BN254 scalar field")]
    Field,
    /// A value outside its range.
    #[error("{0} is not one the format allows")]
    Value(&'static str),
}
