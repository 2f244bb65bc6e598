//! The one shape of a JSON document signed by the authority's status key: base64url
//! (no padding) of the JSON and of an Ed25519 signature over a domain tag followed by
//! that JSON. The signed bytes are the bytes sent, so nothing is re-serialised before
//! the check.

use crate::encoding::{base64url, base64url_array, base64url_bytes};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Why a sealed document does not open.
pub(crate) enum Unsealed {
    /// Not base64url, or a signature of the wrong length.
    Malformed,
    /// The signature does not verify (strict Ed25519) under the key.
    Signature,
}

/// `(payload, signature)` of `json` signed under `tag`.
pub(crate) fn seal(tag: &[u8], json: &[u8], key: &SigningKey) -> (String, String) {
    let sig = key.sign(&[tag, json].concat());
    (base64url(json), base64url(&sig.to_bytes()))
}

/// The JSON bytes of a sealed document, once its signature under `tag` verifies.
pub(crate) fn open(
    tag: &[u8],
    payload: &str,
    signature: &str,
    key: &VerifyingKey,
) -> Result<Vec<u8>, Unsealed> {
    let json = base64url_bytes(payload).map_err(|_| Unsealed::Malformed)?;
    let sig: [u8; 64] = base64url_array(signature).map_err(|_| Unsealed::Malformed)?;
    key.verify_strict(&[tag, &json].concat(), &Signature::from_bytes(&sig))
        .map_err(|_| Unsealed::Signature)?;
    Ok(json)
}
