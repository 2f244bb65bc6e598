//! snarkjs's files (`verification_key.json`, `proof.json`, `public.json`): importing
//! never panics, and what imports exports to a file that imports to the same value.
#![no_main]
use alc_verifier::snarkjs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(vk) = snarkjs::import_verifying_key(s) {
        let again = snarkjs::import_verifying_key(&snarkjs::export_verifying_key(&vk))
            .expect("an exported key imports");
        assert_eq!(again.digest(), vk.digest());
    }
    if let Ok(p) = snarkjs::import_proof(s) {
        let again = snarkjs::import_proof(&snarkjs::export_proof(&p)).expect("exported proof");
        assert_eq!(again, p);
    }
    if let Ok(inputs) = snarkjs::import_public(s) {
        let again = snarkjs::import_public(&snarkjs::export_public(&inputs)).expect("exported");
        assert_eq!(again, inputs);
    }
});
