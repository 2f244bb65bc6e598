//! ALC insurance wrapper: an insurer certifies a permit's liability cover without
//! publishing the amount, and the permit holder proves to the authority that the cover
//! meets the permit tier's minimum.
//!
//! # The pieces
//!
//! * **Insurer keys** ([`InsurerSecret`], [`InsurerPublic`]): `x` and `X = x·G` on
//!   ristretto255. The authority keeps a register of accepted insurers
//!   ([`InsurerRegistry`]).
//! * **Certificate** ([`certify`], [`CoverCertificate`]): the insurer commits to the
//!   cover `a` with a fresh blinding `r`, `C = a·B + r·B_blinding` (Pedersen with
//!   bulletproofs' `PedersenGens::default()`: `B` the basepoint, `B_blinding` a
//!   hash-to-group of it, so nobody knows `log_B(B_blinding)`), and signs
//!   `(version, X, permit id, policy id, expiry, C)` with Schnorr over a Merlin
//!   transcript (domain [`tags::CERTIFICATE_DOMAIN`]): `R = k·G`, `c` = transcript
//!   challenge after `R`, `s = k + c·x`. The nonce `k` comes from the transcript's RNG
//!   rekeyed with `x` and salted by the caller's RNG. The opening `(a, r)`
//!   ([`CoverOpening`]) goes to the permit holder only.
//! * **Cover proof** ([`prove_cover`], [`verify_cover`]): for a tier with minimum `m`,
//!   the holder proves with a 64-bit Bulletproofs range proof that
//!   `C' = C - m·B = (a - m)·B + r·B_blinding` commits to a value in `[0, 2^64)`.
//!
//! # Why the verifier derives `C'`
//!
//! The range proof says something about whatever commitment it is checked against. If
//! the prover supplied `C'`, it could supply a commitment to any large number, unrelated
//! to what the insurer signed. The verifier therefore computes `C' = C - m·B` itself
//! from the *signed* `C` and the minimum *it* requires. Since `C'` opens to `a - m` with
//! the same blinding, a valid proof means (by the binding of Pedersen commitments, under
//! the discrete-log assumption) that `a - m ∈ [0, 2^64)` as an integer, i.e. `a ≥ m`:
//! `a` and `m` are both below `2^64`, far below the group order `ℓ ≈ 2^252`, so
//! nothing wraps around. Bulletproofs itself absorbs `C'` into the transcript.
//!
//! # What the transcript binds
//!
//! Before the range proof, its Merlin transcript (domain
//! [`tags::COVER_PROOF_DOMAIN`]) absorbs the format version, the permit id, the tier,
//! the minimum and the whole encoded certificate (insurer, permit, policy, expiry,
//! commitment, signature). A proof therefore verifies only for that certificate, that
//! permit, that tier and that minimum: it cannot be replayed for another permit, a
//! higher minimum or another certificate, and a proof made under another domain
//! separator (another protocol) does not verify here.
//!
//! # What the authority learns
//!
//! The insurer, the permit and policy ids, the expiry, the commitment `C` and the fact
//! that the cover is at least the minimum it asked about, nothing more about `a`
//! (Bulletproofs is zero-knowledge; `C` is perfectly hiding). The same certificate
//! yields the same `C` each time it is shown, so showings of one certificate are
//! linkable, which costs nothing here since the permit id is public anyway. A holder
//! who proved against several minimums would reveal that the cover exceeds each of
//! them, so holders should prove only against the tiers' published minimums.
//!
//! # Many proofs
//!
//! [`verify_cover_many`] checks many permits' claims: the signatures with one random
//! linear combination, the range proofs individually in parallel (bulletproofs 5 has
//! no batch verification of independent proofs), and reports every failing claim.
#![forbid(unsafe_code)]

mod certificate;
mod encoding;
mod error;
mod evidence;
mod gens;
mod keys;
mod many;
mod proof;
mod revocation;
pub mod tags;

pub use certificate::{
    certify, CertificateSignature, CoverCertificate, CoverOpening, COVER_OPENING_LEN,
};
pub use error::Error;
pub use evidence::Evidence;
pub use keys::{InsurerPublic, InsurerRegistry, InsurerSecret};
pub use many::{verify_cover_many, ClaimFailures, CoverClaim};
pub use proof::{prove_cover, verify_cover, CoverProof, COVER_PROOF_LEN};
pub use revocation::{revoke, CoverRevocation};

#[cfg(test)]
mod tests;
