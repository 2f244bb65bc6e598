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
use alc_circuits::escrow::Ciphertext;
use alc_circuits::field::{from_decimal, to_decimal};
use alc_circuits::presentation::{v2, Statement, StatementError};
use alc_circuits::tags::{CIRCUIT_ID, CIRCUIT_V2_ID};
use alc_circuits::Fr;
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
    #[error("presentation is for circuit {0:?}, expected another")]
    Circuit(String),
    /// A circuit-v2 statement whose escrow ciphertext or holder key is not canonical or
    /// not on the curve.
    #[error("presentation's statement is invalid: {0}")]
    Statement(#[from] StatementError),
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
            statement: statement_to_wire(&self.statement),
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

/// A v1 statement's protocol form.
fn statement_to_wire(st: &Statement) -> wire::Statement {
    serde_json::to_value(st)
        .and_then(serde_json::from_value)
        .unwrap_or_else(|_| unreachable!("a statement's serde form is the protocol's"))
}

/// A circuit-v2 proof with its statement. On the wire it is
/// `alc_protocol::files::PresentationV2`: `{"circuit": "alc-presentation-v2", "proof",
/// "statement": {"v1": {...}, "escrow": {"c1": [x, y], "c2": [x, y]}, "holder_key"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentationV2 {
    /// The proof.
    pub proof: Proof,
    /// The public statement.
    pub statement: v2::Statement,
}

impl PresentationV2 {
    /// Its protocol form.
    pub fn to_wire(&self) -> wire::PresentationV2 {
        let st = &self.statement;
        let v1 = statement_to_wire(&st.v1);
        let point = |p: &alc_circuits::babyjubjub::Point| [to_decimal(&p.x), to_decimal(&p.y)];
        wire::PresentationV2 {
            circuit: CIRCUIT_V2_ID.into(),
            proof: self.proof.to_hex(),
            statement: wire::StatementV2 {
                v1,
                escrow: wire::EscrowCiphertext {
                    c1: point(&st.escrow.c1),
                    c2: point(&st.escrow.c2),
                },
                holder_key: to_decimal(&st.holder_key),
            },
        }
    }

    /// Reads the protocol form: canonical field elements, the ciphertext's points of
    /// order `l`, valid proof points.
    pub fn from_wire(p: &wire::PresentationV2) -> Result<Self, PresentationError> {
        if p.circuit != CIRCUIT_V2_ID {
            return Err(PresentationError::Circuit(p.circuit.clone()));
        }
        let v1: Statement = serde_json::from_value(serde_json::to_value(&p.statement.v1)?)?;
        let fe = |s: &str, what| from_decimal(s).map_err(|_| StatementError::OutOfRange(what));
        let e = &p.statement.escrow;
        let coordinates = |c: &[String; 2]| -> Result<[Fr; 2], StatementError> {
            Ok([fe(&c[0], "escrow")?, fe(&c[1], "escrow")?])
        };
        let escrow = Ciphertext::from_coordinates(coordinates(&e.c1)?, coordinates(&e.c2)?)
            .map_err(|_| StatementError::EscrowOffCurve)?;
        Ok(Self {
            proof: Proof::from_hex(&p.proof)?,
            statement: v2::Statement {
                v1,
                escrow,
                holder_key: fe(&p.statement.holder_key, "holder_key")?,
            },
        })
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        wire::pretty(&self.to_wire())
    }

    /// Parses and validates.
    pub fn from_json(s: &str) -> Result<Self, PresentationError> {
        Self::from_wire(&serde_json::from_str(s)?)
    }
}
