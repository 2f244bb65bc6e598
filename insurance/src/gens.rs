//! The fixed generators, built once per process.

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens};

use crate::tags::COVER_RANGE_BITS;

/// `B` (the ristretto255 basepoint) and `B_blinding` (SHA3-512 hash-to-group of `B`):
/// `PedersenGens::default()`.
pub(crate) fn pedersen() -> &'static PedersenGens {
    static GENS: OnceLock<PedersenGens> = OnceLock::new();
    GENS.get_or_init(PedersenGens::default)
}

/// The vector generators of a single (unaggregated) 64-bit range proof.
pub(crate) fn bulletproof() -> &'static BulletproofGens {
    static GENS: OnceLock<BulletproofGens> = OnceLock::new();
    GENS.get_or_init(|| BulletproofGens::new(COVER_RANGE_BITS, 1))
}
