//! Native primitives of ALC and their R1CS gadgets, side by side.
//!
//! Every native type `X` in a module has its in-circuit twin `XVar` (or a gadget
//! function) in the sibling `constraints.rs`, and every gadget is tested to compute
//! the same value as its native twin while leaving the constraint system satisfied.
//!
//! * [`poseidon`]: Poseidon over the BN254 scalar field with circomlib's parameters.
//! * [`babyjubjub`]: Baby Jubjub in circom's coordinates, and its Montgomery form.
//! * [`eddsa`]: EdDSA-Poseidon exactly as circomlib / circomlibjs.
//! * [`credential`]: the licence credential, its commitment and signature.
//! * [`escrow`]: ElGamal escrow of a credential's serial to the trustees' joint key.
//! * [`status`]: the committed bitstring status list (revocation accumulator).
//! * [`presentation`]: the presentation statement, circuit v1.
//! * [`files`]: the protocol's files of these values, read with their checks.
//!
//! The gadgets (`constraints.rs`, [`gadgets`]) are compiled with the feature `r1cs`, as
//! arkworks' `crypto-primitives` does: a verifier, a registry or an authority that only
//! needs the native values does not link arkworks' constraint system.
//!
//! The mathematics behind the choices is in `docs/circuit.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod babyjubjub;
pub mod credential;
pub mod eddsa;
pub mod escrow;
pub mod field;
pub mod files;
#[cfg(feature = "r1cs")]
pub mod gadgets;
pub mod poseidon;
pub mod presentation;
pub mod status;
pub mod tags;

pub use field::Fr;
