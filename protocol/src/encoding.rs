//! The encodings ALC's formats use, in one place: fixed-size byte strings as hex or
//! base64 (standard, padded, as C2SP notes and proofs; or URL-safe without padding, as
//! signed status responses and tokens), 64-bit integers as decimal strings (JSON numbers
//! lose precision above 2^53), and the shape of a field element: a canonical decimal
//! below the BN254 scalar modulus.
//!
//! Every decoder is strict: exactly the expected length, no trailing bytes, and for
//! base64 the canonical form only (the one encoding of those bytes).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// The BN254 scalar field modulus `r`, in decimal (77 digits).
pub const FIELD_MODULUS: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// A string that does not decode as expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// Not hexadecimal.
    #[error("not hexadecimal")]
    Hex,
    /// Not (canonical) base64 of the expected alphabet.
    #[error("not base64")]
    Base64,
    /// Decodes to the wrong number of bytes.
    #[error("expected {expected} bytes, got {got}")]
    Length {
        /// The length expected.
        expected: usize,
        /// The length decoded.
        got: usize,
    },
    /// Not a decimal integer without sign, spaces or leading zeros.
    #[error("not a canonical decimal integer")]
    Decimal,
    /// A decimal integer not below the field modulus.
    #[error("not below the BN254 scalar field modulus")]
    NotInField,
}

fn exactly<const N: usize>(bytes: Vec<u8>) -> Result<[u8; N], EncodingError> {
    let got = bytes.len();
    bytes
        .try_into()
        .map_err(|_| EncodingError::Length { expected: N, got })
}

/// `s` percent-encoded as one URL path segment (RFC 3986: everything but the
/// unreserved characters), so an id with `/`, `?` or spaces names one resource.
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// Exactly `N` bytes from hex (either case).
pub fn hex_array<const N: usize>(s: &str) -> Result<[u8; N], EncodingError> {
    if s.len() != 2 * N {
        return Err(match ::hex::decode(s) {
            Ok(b) => EncodingError::Length {
                expected: N,
                got: b.len(),
            },
            Err(_) => EncodingError::Hex,
        });
    }
    exactly(::hex::decode(s).map_err(|_| EncodingError::Hex)?)
}

/// Any number of bytes from hex (either case).
pub fn hex_bytes(s: &str) -> Result<Vec<u8>, EncodingError> {
    ::hex::decode(s).map_err(|_| EncodingError::Hex)
}

/// Standard base64, padded (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Bytes from canonical standard base64.
pub fn base64_bytes(s: &str) -> Result<Vec<u8>, EncodingError> {
    STANDARD.decode(s).map_err(|_| EncodingError::Base64)
}

/// Exactly `N` bytes from canonical standard base64 (longer input is refused before
/// anything is allocated).
pub fn base64_array<const N: usize>(s: &str) -> Result<[u8; N], EncodingError> {
    if s.len() > 4 * N.div_ceil(3) {
        return Err(EncodingError::Length {
            expected: N,
            got: s.len() / 4 * 3,
        });
    }
    exactly(base64_bytes(s)?)
}

/// URL-safe base64 without padding (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Bytes from canonical URL-safe base64 without padding.
pub fn base64url_bytes(s: &str) -> Result<Vec<u8>, EncodingError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| EncodingError::Base64)
}

/// Exactly `N` bytes from canonical URL-safe base64 without padding.
pub fn base64url_array<const N: usize>(s: &str) -> Result<[u8; N], EncodingError> {
    if s.len() > 4 * N.div_ceil(3) {
        return Err(EncodingError::Length {
            expected: N,
            got: s.len() / 4 * 3,
        });
    }
    exactly(base64url_bytes(s)?)
}

/// Checks that `s` is how ALC writes a field element: a decimal integer without sign,
/// spaces or leading zeros, below the BN254 scalar modulus. (`alc-circuits` parses it;
/// this is the shape check for crates that only carry it.)
pub fn check_field_decimal(s: &str) -> Result<(), EncodingError> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits || (s.len() > 1 && s.starts_with('0')) {
        return Err(EncodingError::Decimal);
    }
    // Same length: decimal strings compare like the integers they write.
    if s.len() > FIELD_MODULUS.len() || (s.len() == FIELD_MODULUS.len() && s >= FIELD_MODULUS) {
        return Err(EncodingError::NotInField);
    }
    Ok(())
}

/// Serde adapter: a `u64` as a decimal string.
pub mod u64_string {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serialises as a decimal string.
    pub fn serialize<S: Serializer>(x: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.to_string())
    }

    /// Deserialises a decimal string (no sign, no spaces).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom(format!("not a decimal u64: {s:?}")));
        }
        s.parse().map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_segment_keeps_only_unreserved_characters() {
        assert_eq!(path_segment("fleet-1.a_b~"), "fleet-1.a_b~");
        assert_eq!(path_segment("a/b c?%"), "a%2Fb%20c%3F%25");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn hex_is_exact() {
        assert_eq!(hex_array::<2>("0aFF"), Ok([0x0a, 0xff]));
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
        assert_eq!(
            hex_array::<2>("0a"),
            Err(EncodingError::Length {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(hex_array::<2>("0a0"), Err(EncodingError::Hex));
        assert_eq!(hex_array::<2>("zzzz"), Err(EncodingError::Hex));
    }

    #[test]
    fn base64_is_exact_and_canonical() {
        let b = [7u8; 32];
        assert_eq!(base64_array::<32>(&base64(&b)), Ok(b));
        assert_eq!(base64url_array::<32>(&base64url(&b)), Ok(b));
        // The other alphabet, padding where there is none, a non-canonical last digit.
        assert!(base64_array::<32>(&base64url(&b)).is_err());
        assert!(base64url_array::<32>(&base64(&b)).is_err());
        assert_eq!(base64_bytes("AB=="), Err(EncodingError::Base64));
        assert_eq!(base64_bytes("AA=="), Ok(vec![0]));
        assert!(matches!(
            base64_array::<32>(&base64(&[0u8; 31])),
            Err(EncodingError::Length { .. })
        ));
        assert!(matches!(
            base64_array::<32>(&"A".repeat(1000)),
            Err(EncodingError::Length { .. })
        ));
    }

    #[test]
    fn field_decimals_are_canonical_and_below_r() {
        let r_minus_1 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        for ok in ["0", "1", "12345", r_minus_1] {
            assert_eq!(check_field_decimal(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-1", "+1", " 1", "1 ", "0x10", "1e3", "01", "00"] {
            assert_eq!(
                check_field_decimal(bad),
                Err(EncodingError::Decimal),
                "{bad}"
            );
        }
        let r_plus_1 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495618";
        for big in [FIELD_MODULUS, r_plus_1, &"9".repeat(78)] {
            assert_eq!(check_field_decimal(big), Err(EncodingError::NotInField));
        }
    }
}
