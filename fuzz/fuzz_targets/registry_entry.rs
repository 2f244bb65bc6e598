//! The registry's entries: a leaf read back from the log, and a gateway's signed
//! submission (JSON). Neither panics; a leaf that parses is canonical (it re-encodes
//! to the same bytes); a submission verifies only under its gateway's key.
#![no_main]
use alc_registry::entry::Entry;
use alc_registry::submission::{GatewayKey, Submission};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Entry::from_leaf(data) {
        assert_eq!(e.to_leaf().expect("a parsed entry encodes"), data);
    }
    if let Ok(s) = serde_json::from_slice::<Submission>(data) {
        let key = GatewayKey::from_seed("gw.example", &[5; 32]);
        let _ = s.verify(|id| (id == key.gateway()).then(|| key.verifying_key()));
    }
});
