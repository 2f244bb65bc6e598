//! An iden3 `.wtns` witness file (what `alc prove --wtns` reads): reading never panics
//! nor allocates without bound, and the values read, written again, read the same.
#![no_main]
use alc_prover::circom::wtns::{read_wtns, wtns};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(values) = read_wtns(data) {
        assert_eq!(
            read_wtns(&wtns(&values)).expect("a written witness"),
            values
        );
    }
});
