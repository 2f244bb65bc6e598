//! Scalars and points to and from the protocol's decimal text, refusing what is not
//! canonical or not a point of order `l`.

use crate::EscrowError;
use alc_circuits::babyjubjub::{point_in_subgroup, Point, Scalar};
use alc_circuits::escrow::Ciphertext;
use alc_circuits::field::{from_decimal, to_decimal};
use alc_protocol::escrow::{CiphertextFile, PointText, ProofText, CIPHERTEXT};
use alc_protocol::files::EscrowCiphertext;
use ark_ff::PrimeField;

use crate::proof::Proof;

/// A scalar below `l`, decimal, canonical (no leading zeros, no value `>= l`).
pub fn scalar(s: &str, what: &'static str) -> Result<Scalar, EscrowError> {
    let v: Scalar = s.parse().map_err(|()| EscrowError::Malformed(what))?;
    (v.into_bigint().to_string() == s)
        .then_some(v)
        .ok_or(EscrowError::Malformed(what))
}

/// A scalar as decimal text.
pub fn scalar_text(s: &Scalar) -> String {
    s.into_bigint().to_string()
}

/// A point of order `l` (the identity included), from decimal `[x, y]`.
pub fn point(p: &PointText, what: &'static str) -> Result<Point, EscrowError> {
    let x = from_decimal(&p[0]).map_err(|_| EscrowError::Malformed(what))?;
    let y = from_decimal(&p[1]).map_err(|_| EscrowError::Malformed(what))?;
    point_in_subgroup(x, y).ok_or(EscrowError::Malformed(what))
}

/// A point as decimal `[x, y]`.
pub fn point_text(p: &Point) -> PointText {
    [to_decimal(&p.x), to_decimal(&p.y)]
}

/// A proof from its text.
pub fn proof(p: &ProofText, what: &'static str) -> Result<Proof, EscrowError> {
    Ok(Proof {
        challenge: scalar(&p.challenge, what)?,
        response: scalar(&p.response, what)?,
    })
}

/// A proof as text.
pub fn proof_text(p: &Proof) -> ProofText {
    ProofText {
        challenge: scalar_text(&p.challenge),
        response: scalar_text(&p.response),
    }
}

/// A ciphertext from its file: both points of order `l`.
pub fn ciphertext(f: &CiphertextFile) -> Result<Ciphertext, EscrowError> {
    if f.kind != CIPHERTEXT {
        return Err(EscrowError::Malformed("ciphertext (wrong type)"));
    }
    Ok(Ciphertext {
        c1: point(&f.c1, "ciphertext's c1")?,
        c2: point(&f.c2, "ciphertext's c2")?,
    })
}

/// The ciphertext a presentation's statement (or an incident report) carries: both
/// points of order `l`.
pub fn statement_ciphertext(c: &EscrowCiphertext) -> Result<Ciphertext, EscrowError> {
    Ok(Ciphertext {
        c1: point(&c.c1, "ciphertext's c1")?,
        c2: point(&c.c2, "ciphertext's c2")?,
    })
}

/// SHA-256 of a statement ciphertext's JSON, hex: what a registry `opening` entry names,
/// computed alike by the authority that appends it and the trustee that checks it.
pub fn ciphertext_digest(c: &EscrowCiphertext) -> String {
    use sha2::Digest;
    let json = serde_json::to_vec(c).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(json))
}

/// A ciphertext as a file.
pub fn ciphertext_file(c: &Ciphertext) -> CiphertextFile {
    CiphertextFile {
        kind: CIPHERTEXT.into(),
        c1: point_text(&c.c1),
        c2: point_text(&c.c2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alc_circuits::babyjubjub::BASE8;

    #[test]
    fn text_round_trips_and_non_canonical_text_is_refused() {
        let s = Scalar::from(12345u64);
        assert_eq!(scalar(&scalar_text(&s), "s"), Ok(s));
        assert!(scalar("012345", "s").is_err());
        assert!(scalar("", "s").is_err());
        assert!(scalar("-1", "s").is_err());
        // l itself reduces to 0: not canonical.
        let l = Scalar::MODULUS.to_string();
        assert!(scalar(&l, "s").is_err());
        assert_eq!(point(&point_text(&BASE8), "p"), Ok(BASE8));
        let off = [point_text(&BASE8)[0].clone(), "1".to_owned()];
        assert_eq!(point(&off, "p"), Err(EscrowError::Malformed("p")));
    }
}
