//! A proving key file (compressed arkworks form, the one given to `alc setup` users):
//! decoding and the structure check never panic nor allocate without bound.
#![no_main]
use alc_prover::ProvingKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ProvingKey::from_compressed_bytes(data);
});
