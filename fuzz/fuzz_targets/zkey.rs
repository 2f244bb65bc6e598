//! A snarkjs `.zkey` (a ceremony's final key), imported for circuit v1: its sections,
//! its sizes against the circuit's, every A and B coefficient against ALC's matrices,
//! every point on its curve, the structure checks of a proving key. Import never panics
//! nor allocates without bound, and an imported key's verifying key is the one inside.
#![no_main]
use alc_prover::circom::zkey;
use alc_prover::Circuit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(z) = zkey::import(data, &Circuit::V1) {
        assert_eq!(z.pk.verifying_key().expect("verifying key"), z.vk);
    }
});
