//! A Groth16 proof from a presentation: 128 compressed bytes, or their hex. Decoding
//! never panics, and a decoded proof is canonical: it encodes back to the same bytes.
#![no_main]
use alc_verifier::Proof;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Proof::from_bytes(data) {
        assert_eq!(p.to_bytes().as_slice(), data, "a proof has one encoding");
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(p) = Proof::from_hex(s) {
            assert_eq!(p.to_hex(), s.to_ascii_lowercase());
        }
    }
});
