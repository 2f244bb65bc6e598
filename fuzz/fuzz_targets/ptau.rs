//! A prepared Powers of Tau (`snarkjs powersoftau prepare phase2`), read by seeking for
//! circuit v1's domain (8192) and a small one (4): reading never panics nor allocates
//! beyond what the file holds, and what is read has the domain's number of points.
#![no_main]
use alc_prover::circom::ptau;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for domain in [4, 8192] {
        if let Ok(p) = ptau::read(&mut std::io::Cursor::new(data), domain) {
            for n in [
                p.tau_g1.len(),
                p.tau_g2.len(),
                p.alpha_tau_g1.len(),
                p.beta_tau_g1.len(),
                p.odd_tau_g1.len(),
            ] {
                assert_eq!(n, domain);
            }
        }
    }
});
