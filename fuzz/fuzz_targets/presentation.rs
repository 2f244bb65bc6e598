//! A presentation as a gateway receives it (JSON, circuit v1 or v2): parsing never
//! panics, and what parses encodes to JSON that parses to the same presentation.
#![no_main]
use alc_verifier::{Presentation, PresentationV2};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Presentation::from_json(s) {
        let again = Presentation::from_json(&p.to_json()).expect("re-encoded v1 parses");
        assert_eq!(again.to_json(), p.to_json());
    }
    if let Ok(p) = PresentationV2::from_json(s) {
        let again = PresentationV2::from_json(&p.to_json()).expect("re-encoded v2 parses");
        assert_eq!(again.to_json(), p.to_json());
    }
});
