//! The BN254 scalar field: canonical parsing, decimal strings, and the one encoding of
//! byte strings into field elements.
//!
//! Field elements travel as decimal strings (the convention of circom and snarkjs) or
//! as 32 little-endian bytes. Both parsers are *canonical*: a value `>= r` is an error,
//! never silently reduced, so one field element has exactly one encoding.
//!
//! Byte strings (a gateway's scope, a challenge, a manifest digest, a permit id) enter
//! the circuit through [`encode`]: `SHA-256(len(tag) || tag || data)` read big-endian
//! with its top three bits cleared. The result is below `2^253 < r`, so it is canonical
//! by construction; 253 bits of SHA-256 keep 126 bits of collision resistance.

use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use std::str::FromStr;

/// The BN254 scalar field, which is also Baby Jubjub's base field.
pub type Fr = ark_bn254::Fr;

/// A value that is not the canonical encoding of a field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// Not a decimal number (empty, sign, spaces or other characters).
    #[error("not a decimal integer: {0:?}")]
    NotDecimal(String),
    /// The integer is at least the field modulus `r`.
    #[error("integer is not below the BN254 scalar field modulus")]
    NotCanonical,
    /// A byte encoding of the wrong length.
    #[error("expected 32 bytes, got {0}")]
    Length(usize),
}

/// The field modulus `r` as an integer.
pub fn modulus() -> BigUint {
    BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le())
}

/// Parses a decimal string as a canonical field element (`0 <= n < r`).
pub fn from_decimal(s: &str) -> Result<Fr, FieldError> {
    if s.is_empty() || s.len() > 80 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::NotDecimal(s.chars().take(80).collect()));
    }
    let n = BigUint::from_str(s).map_err(|_| FieldError::NotDecimal(s.to_owned()))?;
    from_biguint(&n)
}

/// Converts an integer to a canonical field element (`n < r`).
pub fn from_biguint(n: &BigUint) -> Result<Fr, FieldError> {
    if *n >= modulus() {
        return Err(FieldError::NotCanonical);
    }
    Ok(Fr::from_le_bytes_mod_order(&n.to_bytes_le()))
}

/// The integer value of a field element.
pub fn to_biguint(x: &Fr) -> BigUint {
    BigUint::from_bytes_le(&x.into_bigint().to_bytes_le())
}

/// Decimal string of a field element.
pub fn to_decimal(x: &Fr) -> String {
    x.into_bigint().to_string()
}

/// Parses 32 little-endian bytes as a canonical field element.
pub fn from_le_bytes(bytes: &[u8]) -> Result<Fr, FieldError> {
    if bytes.len() != 32 {
        return Err(FieldError::Length(bytes.len()));
    }
    from_biguint(&BigUint::from_bytes_le(bytes))
}

/// 32 little-endian bytes of a field element.
pub fn to_le_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

/// The domain-separated encoding of a byte string as a field element (module docs).
pub fn encode(tag: &str, data: &[u8]) -> Fr {
    let mut h = Sha256::new();
    h.update((tag.len() as u64).to_be_bytes());
    h.update(tag.as_bytes());
    h.update(data);
    let mut digest: [u8; 32] = h.finalize().into();
    digest[0] &= 0x1f;
    Fr::from_be_bytes_mod_order(&digest)
}

/// Serde adapter: a field element as a canonical decimal string.
pub mod decimal {
    use super::Fr;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serialises as a decimal string.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_decimal(x))
    }

    /// Deserialises a canonical decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let s = String::deserialize(d)?;
        super::from_decimal(&s).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, Zero};

    #[test]
    fn decimal_round_trip_and_bounds() {
        let r_minus_1 = -Fr::one();
        let s = to_decimal(&r_minus_1);
        assert_eq!(from_decimal(&s), Ok(r_minus_1));
        assert_eq!(from_decimal("0"), Ok(Fr::zero()));
        // r itself and r + 1 are not canonical.
        let r = modulus().to_string();
        assert_eq!(from_decimal(&r), Err(FieldError::NotCanonical));
        let r1 = (modulus() + 1u32).to_string();
        assert_eq!(from_decimal(&r1), Err(FieldError::NotCanonical));
        for bad in ["", "-1", "+1", " 1", "1 ", "0x10", "1e3"] {
            assert!(
                matches!(from_decimal(bad), Err(FieldError::NotDecimal(_))),
                "{bad}"
            );
        }
    }

    /// The shape check of `alc-protocol` (for crates without arkworks) accepts exactly
    /// what this parser accepts and writes.
    #[test]
    fn the_protocol_shape_check_agrees() {
        use alc_protocol::encoding::{check_field_decimal, FIELD_MODULUS};
        assert_eq!(FIELD_MODULUS, modulus().to_string());
        let mut samples: Vec<String> = vec!["0".into(), "1".into(), to_decimal(&-Fr::one())];
        samples.extend((0u64..50).map(|i| to_decimal(&Fr::from(i).inverse().unwrap_or_default())));
        for s in &samples {
            assert_eq!(check_field_decimal(s), Ok(()), "{s}");
            assert_eq!(from_decimal(s).map(|x| to_decimal(&x)).as_ref(), Ok(s));
        }
        // Its twins: r, r + 1, a leading zero, a sign.
        let r1 = (modulus() + 1u32).to_string();
        for bad in [modulus().to_string(), r1, "01".into(), "-1".into()] {
            assert!(check_field_decimal(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bytes_round_trip_and_bounds() {
        let x = Fr::from(12345u64).inverse().unwrap_or_default();
        assert_eq!(from_le_bytes(&to_le_bytes(&x)), Ok(x));
        assert_eq!(from_le_bytes(&[0xff; 32]), Err(FieldError::NotCanonical));
        assert_eq!(from_le_bytes(&[0; 31]), Err(FieldError::Length(31)));
    }

    #[test]
    fn encoding_is_domain_separated_and_below_2_253() {
        let a = encode(crate::tags::SCOPE_TAG, b"gateway.example");
        let b = encode(crate::tags::CHALLENGE_TAG, b"gateway.example");
        assert_ne!(a, b);
        assert_ne!(a, encode(crate::tags::SCOPE_TAG, b"gateway.example2"));
        for i in 0u32..64 {
            let x = encode("t", &i.to_le_bytes());
            assert!(to_biguint(&x).bits() <= 253);
        }
    }
}
