//! A proving key in its fast-load form (the key uncompressed, then its circuit's
//! matrices), as its publisher serves it: the target pins the SHA-256 of its own input,
//! so every byte gets past the digest to the parser and the structure check (the points
//! are read unchecked, the few the check relies on checked). Loading never panics nor
//! allocates without bound, and a key that loads re-encodes to one that loads again,
//! with the same verifying key.
#![no_main]
use alc_prover::ProvingKey;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn load(bytes: &[u8]) -> Result<ProvingKey, alc_prover::KeyError> {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    ProvingKey::from_fast_bytes(bytes, &digest)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(pk) = load(data) {
        let vk = pk
            .verifying_key()
            .expect("a loaded key has a verifying key");
        let again = load(&pk.to_fast_bytes()).expect("a re-encoded key loads");
        assert_eq!(again.verifying_key().expect("verifying key"), vk);
    }
});
