//! The authority's signed key descriptor (`GET /v1/keys`): which proving and verifying
//! keys wallets prove with, by digest.
//!
//! A wallet downloads its proving key (several megabytes) from whichever host serves the
//! wallet, and a gateway is the party the proof is for: neither may choose the key. A
//! proving key with `delta_g1 = O`, for one, makes the proof's `A` deterministic and the
//! credential's 20-bit serial brute-forceable, and a key from another setup makes proofs
//! no gateway accepts. So the authority publishes the [`Digests`] of every key directory
//! it runs (`circuit_keys` in `authority.toml`) in a [`KeyDescriptor`], signed with its status key
//! under [`KEY_DESCRIPTOR_TAG`], and the wallet checks the key it downloaded against it
//! (the proving key's digest before a byte of it is parsed, then the digest of the
//! verifying key inside it).

use crate::files::Digests;
use serde::{Deserialize, Serialize};

/// The domain tag of the authority's signature on its key descriptor.
pub const KEY_DESCRIPTOR_TAG: &[u8] = b"alc/v1/key-descriptor\0";

/// The keys the authority's credentials are proved with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyDescriptor {
    /// The authority's name (the `issuer` of its status responses).
    pub issuer: String,
    /// When it was signed (unix seconds).
    pub produced_at: u64,
    /// One entry per key directory, each the `digests.json` of an `alc setup`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub keys: Vec<Digests>,
}

impl KeyDescriptor {
    /// The entry for `circuit`, if the authority runs keys for it.
    pub fn for_circuit(&self, circuit: &str) -> Option<&Digests> {
        self.keys.iter().find(|d| d.circuit == circuit)
    }
}

/// `GET /v1/keys`: a [`KeyDescriptor`] signed with the authority's status key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedKeyDescriptor {
    /// base64url (no padding) of the descriptor's JSON.
    pub payload: String,
    /// base64url (no padding) of the Ed25519 signature over the tag and the JSON.
    pub signature: String,
}

/// Why a key descriptor is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyDescriptorError {
    /// Not base64url JSON of a key descriptor.
    #[error("the authority's key descriptor is malformed")]
    Malformed,
    /// The signature does not verify under the authority's status key.
    #[error("the key descriptor is not signed by the authority")]
    Signature,
    /// Signed by the authority under another name.
    #[error("the key descriptor is the authority {0:?}'s, not this authority's")]
    OtherIssuer(String),
}

#[cfg(feature = "signing")]
impl SignedKeyDescriptor {
    /// Signs a descriptor with the authority's status key.
    pub fn sign(descriptor: &KeyDescriptor, key: &ed25519_dalek::SigningKey) -> Self {
        let json = serde_json::to_vec(descriptor).unwrap_or_default();
        let (payload, signature) = crate::sealed::seal(KEY_DESCRIPTOR_TAG, &json, key);
        Self { payload, signature }
    }

    /// Verifies the signature under the status key of the authority `issuer` and returns
    /// the descriptor.
    pub fn verify(
        &self,
        key: &ed25519_dalek::VerifyingKey,
        issuer: &str,
    ) -> Result<KeyDescriptor, KeyDescriptorError> {
        use crate::sealed::{open, Unsealed};
        let json =
            open(KEY_DESCRIPTOR_TAG, &self.payload, &self.signature, key).map_err(|e| match e {
                Unsealed::Malformed => KeyDescriptorError::Malformed,
                Unsealed::Signature => KeyDescriptorError::Signature,
            })?;
        let d: KeyDescriptor =
            serde_json::from_slice(&json).map_err(|_| KeyDescriptorError::Malformed)?;
        if d.issuer != issuer {
            return Err(KeyDescriptorError::OtherIssuer(d.issuer));
        }
        Ok(d)
    }
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use crate::encoding::base64url;
    use ed25519_dalek::SigningKey;

    fn descriptor() -> KeyDescriptor {
        KeyDescriptor {
            issuer: "alc-dev-authority".into(),
            produced_at: 1_700_000_000,
            keys: vec![Digests {
                circuit: "alc-presentation-v2".into(),
                proving_key: "11".repeat(32),
                proving_key_fast: "22".repeat(32),
                verifying_key: "33".repeat(32),
                escrow_key: Some("44".repeat(32)),
                zkey: None,
                ceremony: None,
            }],
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[1; 32])
    }

    #[test]
    fn a_signed_descriptor_verifies_and_names_its_keys() {
        let signed = SignedKeyDescriptor::sign(&descriptor(), &key());
        let d = signed
            .verify(&key().verifying_key(), "alc-dev-authority")
            .unwrap();
        assert_eq!(d, descriptor());
        let v2 = d.for_circuit("alc-presentation-v2").unwrap();
        assert_eq!(v2.proving_key_fast, "22".repeat(32));
        assert!(d.for_circuit("alc-presentation-v1").is_none());
    }

    #[test]
    fn another_key_a_changed_digest_or_another_issuer_is_refused() {
        let signed = SignedKeyDescriptor::sign(&descriptor(), &key());
        let other = SigningKey::from_bytes(&[2; 32]).verifying_key();
        assert_eq!(
            signed.verify(&other, "alc-dev-authority"),
            Err(KeyDescriptorError::Signature)
        );
        // A host that swaps in its own proving key's digest, keeping the signature.
        let mut d = descriptor();
        d.keys[0].proving_key_fast = "55".repeat(32);
        let forged = SignedKeyDescriptor {
            payload: base64url(&serde_json::to_vec(&d).unwrap()),
            signature: signed.signature.clone(),
        };
        assert_eq!(
            forged.verify(&key().verifying_key(), "alc-dev-authority"),
            Err(KeyDescriptorError::Signature)
        );
        assert_eq!(
            signed.verify(&key().verifying_key(), "another-authority"),
            Err(KeyDescriptorError::OtherIssuer("alc-dev-authority".into()))
        );
        let garbled = SignedKeyDescriptor {
            payload: "!".into(),
            signature: signed.signature,
        };
        assert_eq!(
            garbled.verify(&key().verifying_key(), "alc-dev-authority"),
            Err(KeyDescriptorError::Malformed)
        );
    }

    #[test]
    fn the_tag_separates_it_from_a_gateway_list() {
        // The same JSON signed as a gateway list does not pass as a key descriptor.
        let json = serde_json::to_vec(&descriptor()).unwrap();
        let (payload, signature) =
            crate::sealed::seal(crate::gateways::GATEWAY_LIST_TAG, &json, &key());
        let as_list = SignedKeyDescriptor { payload, signature };
        assert_eq!(
            as_list.verify(&key().verifying_key(), "alc-dev-authority"),
            Err(KeyDescriptorError::Signature)
        );
    }
}
