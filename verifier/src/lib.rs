//! Verification of ALC presentation proofs: Groth16 over BN254 for circuits v1 and v2.
//!
//! * [`VerifyingKey`]: a validated, prepared verifying key with its SHA-256 digest.
//! * [`Proof`]: 128 bytes compressed, deserialised with curve and subgroup checks.
//! * [`verify`] one proof, [`verify_batch`] many with one final exponentiation;
//!   [`verify_v2`] one proof of circuit v2 (escrowed serial, holder key).
//! * [`snarkjs`]: verifying key, proof and public inputs in snarkjs 0.7 JSON.
//! * [`Presentation`]: what a prover hands a verifier (`alc_protocol::files::Presentation`
//!   on the wire), read with every check.
//!
//! Verification failure is deliberately opaque ([`VerifyError::Invalid`]): a caller
//! learns that a proof does not verify, never which check failed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod key;
mod presentation;
mod proof;
pub mod snarkjs;
mod verify;

pub use key::{check_not_degenerate, KeyError, VerifyingKey, PUBLIC_TEST_KEYS};
pub use presentation::{Presentation, PresentationError, PresentationV2};
pub use proof::{DecodeError, Proof, PROOF_BYTES};
pub use verify::{
    verify, verify_batch, verify_batch_inputs, verify_inputs, verify_v2, VerifyError,
};

pub use alc_circuits::presentation::{Statement, NUM_PUBLIC_INPUTS, PUBLIC_INPUT_NAMES};
