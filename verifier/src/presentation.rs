//! The presentation: a proof and the statement it proves. On the wire and in files it is
//! `alc_protocol::files::Presentation`:
//!
//! ```json
//! { "circuit": "alc-presentation-v1", "proof": "<128 bytes, hex>",
//!   "statement": { "issuer_pk_x": "<decimal>", ..., "pseudonym": "<decimal>" } }
//! ```
//!
//! Reading one checks the circuit, every field element (canonical, below `r`) and the
//! proof's points (on their curves, in the prime-order subgroups).

use crate::{DecodeError, Proof};
use alc_circuits::presentation::Statement;
use alc_circuits::tags::CIRCUIT_ID;
use alc_protocol::files as wire;

/// A proof with its statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    /// The proof.
    pub proof: Proof,
    /// The public statement.
    pub statement: Statement,
}

/// A presentation that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresentationError {
    /// Not JSON of the expected shape, or a statement whose values are not canonical.
    #[error("presentation is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// A presentation for another circuit.
    #[error("presentation is for circuit {0:?}, expected {CIRCUIT_ID:?}")]
    Circuit(String),
    /// The proof does not decode.
    #[error(transparent)]
    Proof(#[from] DecodeError),
}

impl Presentation {
    /// Its protocol form.
    pub fn to_wire(&self) -> wire::Presentation {
        wire::Presentation {
            circuit: CIRCUIT_ID.into(),
            proof: self.proof.to_hex(),
            statement: serde_json::to_value(self.statement)
                .and_then(serde_json::from_value)
                .unwrap_or_else(|_| unreachable!("a statement's serde form is the protocol's")),
        }
    }

    /// Reads the protocol form (canonical field elements, valid proof points).
    pub fn from_wire(p: &wire::Presentation) -> Result<Self, PresentationError> {
        if p.circuit != CIRCUIT_ID {
            return Err(PresentationError::Circuit(p.circuit.clone()));
        }
        let statement: Statement = serde_json::from_value(serde_json::to_value(&p.statement)?)?;
        Ok(Self {
            proof: Proof::from_hex(&p.proof)?,
            statement,
        })
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        wire::pretty(&self.to_wire())
    }

    /// Parses and validates (canonical field elements, valid proof points).
    pub fn from_json(s: &str) -> Result<Self, PresentationError> {
        Self::from_wire(&serde_json::from_str(s)?)
    }
}
