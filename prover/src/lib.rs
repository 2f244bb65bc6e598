//! The ALC prover: what a wallet needs to prove "I hold a valid, unrevoked licence of
//! tier N or higher" with a Groth16 proof, natively or in the browser (wasm32).
//!
//! * [`keys`]: the circuit-v1 setup, and proving-key files (checked compressed form and
//!   the fast-load form, trusted only after its digest matches).
//! * [`witness`]: building the statement and witness from a credential, the holder
//!   secret, the public status list and a gateway's request, with a clear error when
//!   the credential cannot satisfy it.
//! * [`prove`](mod@prove): the proof, from a witness computed without rebuilding the
//!   constraint matrices.
//! * [`msm`]: multi-scalar multiplication with batch-affine buckets, for the prover.
//! * [`example`]: a fresh example issuer, credential, holder and status list.
//! * [`circom`]: circom's `.r1cs` and `.wtns` files of ALC's circuits, and snarkjs
//!   `.zkey` keys imported (a multi-party ceremony's output, `docs/ceremony.md`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod circom;
pub mod example;
mod groth16;
pub mod keys;
pub mod msm;
pub mod prove;
pub mod witness;

pub use alc_circuits::credential::HolderSecret;
pub use alc_protocol::files::ProofRequest;
pub use keys::{setup, setup_v2, Circuit, KeyError, ProvingKey};
pub use prove::{prove, prove_v2, prove_with_progress, ProveError, Stage};
pub use witness::{prepare, prepare_v2, PrepareError};
