//! Signed status responses: the OCSP-like object gateways consume, and the published
//! status list holders compute their own paths from.
//!
//! `{issuer, list, epoch, root, produced_at, next_update, emergency}` serialised as JSON;
//! the authority signs `STATUS_RESPONSE_TAG || json` with Ed25519 and ships
//! `{"payload": base64url(json), "signature": base64url(sig)}`, so a verifier checks
//! exactly the bytes it parses. Signing and verifying need the feature `signing`
//! (Ed25519); the shapes do not.

use serde::{Deserialize, Serialize};

/// Prefix of the bytes an authority signs (Ed25519) in a status response.
pub const STATUS_RESPONSE_TAG: &[u8] = b"alc/v1/status-response\0";

/// What an authority says about its status list at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusResponse {
    /// The authority's name.
    pub issuer: String,
    /// The status list's identifier.
    pub list: String,
    /// Increases with every change of the list.
    pub epoch: u64,
    /// The Merkle root of the list at this epoch (a field element, decimal).
    pub root: String,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Not base64url, not JSON, not a status response, or a root that is not a field
    /// element.
    #[error("malformed status response")]
    Malformed,
    /// The signature does not verify under the authority's status key.
    #[error("status response signature is invalid")]
    Signature,
}

#[cfg(feature = "signing")]
impl SignedStatus {
    /// Signs a response.
    pub fn sign(response: &StatusResponse, key: &ed25519_dalek::SigningKey) -> Self {
        use ed25519_dalek::Signer as _;
        let json = serde_json::to_vec(response).unwrap_or_default();
        let sig = key.sign(&[STATUS_RESPONSE_TAG, &json].concat());
        Self {
            payload: base64url(&json),
            signature: base64url(&sig.to_bytes()),
        }
    }

    /// Verifies the signature and returns the response (its root checked to be a
    /// canonical field element).
    pub fn verify(&self, key: &ed25519_dalek::VerifyingKey) -> Result<StatusResponse, StatusError> {
        let json = base64url_bytes(&self.payload).map_err(|_| StatusError::Malformed)?;
        let sig: [u8; 64] = base64url_array(&self.signature).map_err(|_| StatusError::Malformed)?;
        key.verify_strict(
            &[STATUS_RESPONSE_TAG, &json].concat(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| StatusError::Signature)?;
        let r: StatusResponse =
            serde_json::from_slice(&json).map_err(|_| StatusError::Malformed)?;
        check_field_decimal(&r.root).map_err(|_| StatusError::Malformed)?;
        Ok(r)
    }
}

#[cfg(feature = "signing")]
use crate::encoding::{base64url, base64url_array, base64url_bytes, check_field_decimal};

/// The published status list (`GET /v1/status/list`): the bitstring every holder
/// computes its own path from, with the signed response of its epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedList {
    /// The epoch it belongs to.
    pub epoch: u64,
    /// Its root (decimal).
    pub root: String,
    /// `u` + base64url(gzip(bitstring)), W3C Bitstring Status List form.
    pub encoded_list: String,
    /// The signed status response of the epoch.
    pub status: SignedStatus,
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;

    fn sample() -> StatusResponse {
        StatusResponse {
            issuer: "a".into(),
            list: "l".into(),
            epoch: 3,
            root: "9".into(),
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
        // Signed, but its root is no canonical field element.
        let odd = StatusResponse {
            root: "09".into(),
            ..sample()
        };
        assert_eq!(
            SignedStatus::sign(&odd, &key).verify(&key.verifying_key()),
            Err(StatusError::Malformed)
        );
    }
}
