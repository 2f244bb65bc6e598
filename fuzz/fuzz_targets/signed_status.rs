//! A signed status response, as a gateway or wallet receives it: the JSON envelope is
//! checked against the authority's key, and (signed here with the fuzzer's key, to reach
//! what a valid signature guards) the payload is parsed. Neither panics; a response
//! that verifies has a canonical root.
#![no_main]
use alc_protocol::encoding::base64url;
use alc_protocol::status::{SignedStatus, STATUS_RESPONSE_TAG};
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[7; 32]);
    if let Ok(s) = serde_json::from_slice::<SignedStatus>(data) {
        let _ = s.verify(&key.verifying_key());
    }
    let signed = SignedStatus {
        payload: base64url(data),
        signature: base64url(&key.sign(&[STATUS_RESPONSE_TAG, data].concat()).to_bytes()),
    };
    if let Ok(r) = signed.verify(&key.verifying_key()) {
        assert!(alc_protocol::encoding::check_field_decimal(&r.root).is_ok());
    }
});
