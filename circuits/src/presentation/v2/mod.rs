//! The presentation statement, circuit v2 (`alc-presentation-v2`, `docs/escrow.md`):
//! circuit v1's relation, plus an escrowed serial and a holder key binding.
//!
//! Public inputs, in this order: v1's ten (`issuer_pk.x, issuer_pk.y, status_root,
//! min_tier, min_permit_tier, now, scope, challenge, manifest, pseudonym`), then
//! `escrow_c1.x, escrow_c1.y, escrow_c2.x, escrow_c2.y, holder_key`.
//!
//! Beyond v1's relation the prover knows `r < 2^251` such that
//! 5. `(escrow_c1, escrow_c2)` encrypts the credential's serial under the escrow key
//!    `Y` of this circuit: `c1 = r * Base8`, `c2 = serial * Base8 + r * Y`
//!    (`crate::escrow`). `Y` is a constant of the circuit, fixed by its setup: a new
//!    trustee key is a new setup;
//! 6. `holder_key` (the field encoding of the agent's Ed25519 lease key,
//!    [`encode_holder_key`]) is bound as `challenge` and `manifest` are: by its own row
//!    of Groth16's QAP, so a proof for one key does not verify for another.
//!
//! A verifier checks natively that both ciphertext points are on the curve and of order
//! `l` ([`Statement::from_public_inputs`]).

#[cfg(feature = "r1cs")]
pub mod constraints;

#[cfg(feature = "r1cs")]
pub use constraints::{constraint_breakdown, PresentationCircuit, RawCircuit};

use super::{StatementError, Unsatisfied, Witness as WitnessV1};
use crate::escrow::{Ciphertext, EscrowKey, Randomness};
use crate::field::{self, Fr};
use crate::tags::HOLDER_KEY_TAG;

/// Number of public inputs of circuit v2.
pub const NUM_PUBLIC_INPUTS: usize = super::NUM_PUBLIC_INPUTS + 5;

/// The names of the public inputs, in circuit order: v1's, then v2's five.
pub const PUBLIC_INPUT_NAMES: [&str; NUM_PUBLIC_INPUTS] = {
    const V2: [&str; 5] = [
        "escrow_c1_x",
        "escrow_c1_y",
        "escrow_c2_x",
        "escrow_c2_y",
        "holder_key",
    ];
    let mut names = [""; NUM_PUBLIC_INPUTS];
    let mut i = 0;
    while i < NUM_PUBLIC_INPUTS {
        names[i] = if i < super::NUM_PUBLIC_INPUTS {
            super::PUBLIC_INPUT_NAMES[i]
        } else {
            V2[i - super::NUM_PUBLIC_INPUTS]
        };
        i += 1;
    }
    names
};

/// The public statement of a v2 proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Circuit v1's statement.
    pub v1: super::Statement,
    /// The credential's serial, encrypted to the escrow key.
    pub escrow: Ciphertext,
    /// The agent's lease key, encoded ([`encode_holder_key`]).
    pub holder_key: Fr,
}

/// The private witness of a v2 proof.
#[derive(Clone, Debug)]
pub struct Witness {
    /// Circuit v1's witness.
    pub v1: WitnessV1,
    /// The escrow ciphertext's randomness.
    pub randomness: Randomness,
}

/// An agent's Ed25519 lease public key as a field element.
pub fn encode_holder_key(ed25519_public: &[u8; 32]) -> Fr {
    field::encode(HOLDER_KEY_TAG, ed25519_public)
}

impl Statement {
    /// The public inputs in circuit order.
    pub fn public_inputs(&self) -> [Fr; NUM_PUBLIC_INPUTS] {
        let v1 = self.v1.public_inputs();
        let mut out = [Fr::from(0u64); NUM_PUBLIC_INPUTS];
        out[..v1.len()].copy_from_slice(&v1);
        out[v1.len()..].copy_from_slice(&[
            self.escrow.c1.x,
            self.escrow.c1.y,
            self.escrow.c2.x,
            self.escrow.c2.y,
            self.holder_key,
        ]);
        out
    }

    /// A statement from public inputs in circuit order: v1's checks, and both ciphertext
    /// points on the curve and of order `l`.
    ///
    /// # Errors
    /// [`StatementError`].
    pub fn from_public_inputs(inputs: &[Fr]) -> Result<Self, StatementError> {
        if inputs.len() != NUM_PUBLIC_INPUTS {
            return Err(StatementError::Count(inputs.len()));
        }
        let (v1, rest) = inputs.split_at(super::NUM_PUBLIC_INPUTS);
        let escrow = Ciphertext::from_coordinates([rest[0], rest[1]], [rest[2], rest[3]])
            .map_err(|_| StatementError::EscrowOffCurve)?;
        Ok(Self {
            v1: super::Statement::from_public_inputs(v1)?,
            escrow,
            holder_key: rest[4],
        })
    }

    /// Checks the relation natively under the escrow key `key`: `Ok` exactly when the
    /// circuit is satisfiable with this witness.
    ///
    /// # Errors
    /// The first part of the relation that fails.
    pub fn check(&self, key: &EscrowKey, w: &Witness) -> Result<(), Unsatisfied> {
        self.v1.check(&w.v1)?;
        if Ciphertext::encrypt(key, w.v1.credential.serial, &w.randomness) != self.escrow {
            return Err(Unsatisfied::Escrow);
        }
        Ok(())
    }
}
