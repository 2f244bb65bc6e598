//! ALC's circuits as iden3 `.r1cs` files, the form `snarkjs groth16 setup` takes.
//!
//! The wires are ALC's variables in ALC's order: wire 0 the constant one, wires
//! `1..=inputs` the public inputs (circom's "public inputs"; no outputs), then the
//! witness variables (all of them circom's internal signals: no private inputs are
//! declared, and the label of wire `i` is `i`). Each constraint is ALC's row `i` of the
//! matrices `A`, `B`, `C` (`a . z * b . z = c . z`), its terms as arkworks holds them,
//! coefficients canonical little-endian. Header (section 1): field size 32, the BN254
//! scalar modulus, wires, outputs 0, public inputs, private inputs 0, labels, constraints;
//! section 2 the constraints; section 3 the wire-to-label map.

use super::binfile::{fr_le, modulus_le, Writer};
use crate::keys::{Circuit, KeyError, Matrices};
use alc_circuits::Fr;

/// The `.r1cs` file of `circuit`.
///
/// # Errors
/// The circuit's synthesis failing ([`KeyError::Synthesis`]).
pub fn r1cs(circuit: &Circuit) -> Result<Vec<u8>, KeyError> {
    Ok(encode(&*circuit.matrices()?))
}

fn u32_of(n: usize) -> [u8; 4] {
    // ALC's circuits have some thousands of wires and constraints.
    u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes()
}

pub(crate) fn encode(m: &Matrices) -> Vec<u8> {
    let wires = m.num_instance + m.num_witness;
    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&modulus_le::<Fr>());
    header.extend_from_slice(&u32_of(wires));
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&u32_of(m.num_instance - 1));
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&(wires as u64).to_le_bytes());
    header.extend_from_slice(&u32_of(m.num_constraints));
    let mut constraints = Vec::new();
    for row in 0..m.num_constraints {
        for matrix in &m.abc {
            let terms = matrix.get(row).map_or(&[][..], Vec::as_slice);
            constraints.extend_from_slice(&u32_of(terms.len()));
            for (coeff, wire) in terms {
                constraints.extend_from_slice(&u32_of(*wire));
                constraints.extend_from_slice(&fr_le(coeff));
            }
        }
    }
    let labels: Vec<u8> = (0..wires as u64).flat_map(u64::to_le_bytes).collect();
    let mut w = Writer::new(b"r1cs", 1, 3);
    w.section(1, &header);
    w.section(2, &constraints);
    w.section(3, &labels);
    w.finish()
}
