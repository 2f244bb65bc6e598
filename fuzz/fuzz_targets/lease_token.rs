//! A lease token (Biscuit, base64url) as it arrives in `Authorization: Bearer`: parsing
//! and checking against the gateway's key never panics.
#![no_main]
use alc_gateway::lease::Minter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(minter) = Minter::from_secret(&[9; 32]) {
        let _ = minter.parse(token);
    }
});
