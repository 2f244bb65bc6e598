//! The HTTP message signature headers of a key-bound lease's requests (`Signature-Input`
//! and `Signature`): parsing never panics, and only the one canonical form is taken
//! (what parses prints back to the same header).
#![no_main]
use alc_protocol::signature::{parse_signature, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(input) = Params::parse(s) {
        assert_eq!(input.header(), s, "one canonical Signature-Input");
    }
    let _ = parse_signature(s);
});
