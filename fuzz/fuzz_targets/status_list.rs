//! The published status list (`u` + base64url(gzip(bitstring))): decoding never panics
//! nor inflates without bound (a gzip bomb), and a decoded list has exactly 2^20 bits
//! that encode and decode to the same list.
#![no_main]
use alc_circuits::status::StatusList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = StatusList::decode(s) {
        let again = StatusList::decode(&list.encode()).expect("an encoded list decodes");
        assert_eq!(again.to_bitstring(), list.to_bitstring());
    }
});
