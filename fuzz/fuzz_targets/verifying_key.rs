//! A verifying key file (compressed arkworks form). Decoding never panics nor allocates
//! without bound, and a decoded key is canonical and not degenerate.
#![no_main]
use alc_verifier::VerifyingKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(vk) = VerifyingKey::from_bytes(data) {
        assert_eq!(vk.to_bytes(), data, "a verifying key has one encoding");
        assert!(alc_verifier::check_not_degenerate(vk.ark()).is_ok());
    }
});
