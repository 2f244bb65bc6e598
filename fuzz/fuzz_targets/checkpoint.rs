//! The registry's signed checkpoints (C2SP signed notes): opening a note never panics;
//! a checkpoint body that parses prints back to the same text; a body signed here with
//! the fuzzer's key (to reach what the signature guards) verifies only if it parses.
#![no_main]
use alc_registry::checkpoint::{open_note, verify_checkpoint, Checkpoint, NoteSigner};
use libfuzzer_sys::fuzz_target;

const ORIGIN: &str = "alc.example/registry";

fuzz_target!(|data: &[u8]| {
    let Ok(signer) = NoteSigner::from_seed(ORIGIN, &[3; 32]) else {
        return;
    };
    let key = signer.verifier_key();
    let _ = open_note(data, &key);
    let _ = verify_checkpoint(data, ORIGIN, &key);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Checkpoint::from_text(text);
    if let Ok(c) = &parsed {
        assert_eq!(c.to_text().expect("a parsed checkpoint prints"), text);
    }
    if let Ok(note) = signer.sign_note(text) {
        let verified = verify_checkpoint(note.as_bytes(), ORIGIN, &key);
        if verified.is_ok() {
            assert!(parsed.is_ok(), "a verified checkpoint parses");
        }
    }
});
