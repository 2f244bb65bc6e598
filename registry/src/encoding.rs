//! Serde adapters shared by the modules: hashes and signatures as standard base64
//! (RFC 4648 §4, padded, canonical: `alc_protocol::encoding`), as in C2SP checkpoints
//! and proofs.

/// Decodes canonical standard base64 into exactly `N` bytes.
pub(crate) fn decode_fixed<const N: usize>(s: &str) -> Option<[u8; N]> {
    alc_protocol::encoding::base64_array(s).ok()
}

/// A list of 32-byte hashes as a list of base64 strings.
pub(crate) mod hashes {
    use super::decode_fixed;
    use crate::merkle::Hash;
    use alc_protocol::encoding::base64;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(hs: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hs.iter().map(|h| base64(h)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| decode_fixed(s).ok_or_else(|| D::Error::custom("not a base64 32-byte hash")))
            .collect()
    }
}

/// A 64-byte Ed25519 signature as base64.
pub(crate) mod signature {
    use super::decode_fixed;
    use alc_protocol::encoding::base64;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(sig: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64(sig))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let s = String::deserialize(d)?;
        decode_fixed(&s).ok_or_else(|| D::Error::custom("not a base64 64-byte signature"))
    }
}
