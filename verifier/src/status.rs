//! Signed status responses: the OCSP-like object gateways consume.
//!
//! `{issuer, list, epoch, root, produced_at, next_update, emergency}` serialised as JSON;
//! the authority signs `STATUS_RESPONSE_TAG || json` with Ed25519 and ships
//! `{"payload": base64url(json), "signature": base64url(sig)}`, so a verifier checks
//! exactly the bytes it parses.

use alc_circuits::field::{self, Fr};
use alc_circuits::tags::STATUS_RESPONSE_TAG;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};

/// What an authority says about its status list at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusResponse {
    /// The authority's name.
    pub issuer: String,
    /// The status list's identifier.
    pub list: String,
    /// Increases with every change of the list.
    pub epoch: u64,
    /// The Merkle root of the list at this epoch.
    #[serde(with = "field::decimal")]
    pub root: Fr,
    /// When this response was signed (unix seconds).
    pub produced_at: u64,
    /// When the next response will be available; do not trust this one much after.
    pub next_update: u64,
    /// Set when this epoch revoked something in an emergency: gateways drop every lease
    /// minted under an older root.
    pub emergency: bool,
}

/// A status response with its signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedStatus {
    /// base64url (no padding) of the response's JSON.
    pub payload: String,
    /// base64url (no padding) of the Ed25519 signature over the tag and the JSON.
    pub signature: String,
}

/// A status response that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Not base64url, not JSON, or not a status response.
    #[error("malformed status response")]
    Malformed,
    /// The signature does not verify under the authority's status key.
    #[error("status response signature is invalid")]
    Signature,
}

impl SignedStatus {
    /// Signs a response.
    pub fn sign(response: &StatusResponse, key: &ed25519_dalek::SigningKey) -> Self {
        let json = serde_json::to_vec(response).unwrap_or_default();
        let sig = key.sign(&[STATUS_RESPONSE_TAG, &json].concat());
        Self {
            payload: URL_SAFE_NO_PAD.encode(&json),
            signature: URL_SAFE_NO_PAD.encode(sig.to_bytes()),
        }
    }

    /// Verifies the signature and returns the response.
    pub fn verify(&self, key: &ed25519_dalek::VerifyingKey) -> Result<StatusResponse, StatusError> {
        let json = URL_SAFE_NO_PAD
            .decode(&self.payload)
            .map_err(|_| StatusError::Malformed)?;
        let sig: [u8; 64] = URL_SAFE_NO_PAD
            .decode(&self.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(StatusError::Malformed)?;
        key.verify_strict(
            &[STATUS_RESPONSE_TAG, &json].concat(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| StatusError::Signature)?;
        serde_json::from_slice(&json).map_err(|_| StatusError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatusResponse {
        StatusResponse {
            issuer: "a".into(),
            list: "l".into(),
            epoch: 3,
            root: Fr::from(9u64),
            produced_at: 10,
            next_update: 310,
            emergency: false,
        }
    }

    #[test]
    fn signs_and_verifies_and_refuses_tampering() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let s = SignedStatus::sign(&sample(), &key);
        assert_eq!(s.verify(&key.verifying_key()), Ok(sample()));
        let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            s.verify(&other.verifying_key()),
            Err(StatusError::Signature)
        );
        let mut forged = sample();
        forged.emergency = true;
        let tampered = SignedStatus {
            payload: SignedStatus::sign(&forged, &other).payload,
            ..s.clone()
        };
        assert_eq!(
            tampered.verify(&key.verifying_key()),
            Err(StatusError::Signature)
        );
        let bad = SignedStatus {
            payload: "!!".into(),
            ..s
        };
        assert_eq!(
            bad.verify(&key.verifying_key()),
            Err(StatusError::Malformed)
        );
    }
}
