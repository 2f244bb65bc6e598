//! The presentation file: a proof and the statement it proves, as JSON.
//!
//! ```json
//! { "circuit": "alc-presentation-v1", "proof": "<128 bytes, hex>",
//!   "statement": { "issuer_pk_x": "<decimal>", ..., "pseudonym": "<decimal>" } }
//! ```

use crate::{DecodeError, Proof};
use alc_circuits::presentation::Statement;
use alc_circuits::tags::CIRCUIT_ID;
use serde::{Deserialize, Serialize};

/// A proof with its statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    /// The proof.
    pub proof: Proof,
    /// The public statement.
    pub statement: Statement,
}

/// A presentation file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresentationError {
    /// Not JSON of the expected shape.
    #[error("presentation is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// A presentation for another circuit.
    #[error("presentation is for circuit {0:?}, expected {CIRCUIT_ID:?}")]
    Circuit(String),
    /// The proof does not decode.
    #[error(transparent)]
    Proof(#[from] DecodeError),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    circuit: String,
    proof: String,
    statement: Statement,
}

impl Presentation {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        let f = File {
            circuit: CIRCUIT_ID.into(),
            proof: self.proof.to_hex(),
            statement: self.statement,
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }

    /// Parses and validates (canonical field elements, valid proof points).
    pub fn from_json(s: &str) -> Result<Self, PresentationError> {
        let f: File = serde_json::from_str(s)?;
        if f.circuit != CIRCUIT_ID {
            return Err(PresentationError::Circuit(f.circuit));
        }
        Ok(Self {
            proof: Proof::from_hex(&f.proof)?,
            statement: f.statement,
        })
    }
}
