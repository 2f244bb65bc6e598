//! Insurance evidence as the authority receives it: a cover certificate (bytes), the
//! insurer's opening to the holder (bytes), a cover proof (bytes), and the evidence
//! JSON with its certificate and base64 proof. Decoding never panics; what decodes is
//! canonical (re-encodes to the same bytes).
#![no_main]
use alc_insurance::{CoverCertificate, CoverOpening, CoverProof, Evidence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = CoverCertificate::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "a certificate has one encoding");
        let _ = c.verify_signature();
    }
    if let Ok(o) = CoverOpening::from_bytes(data) {
        assert_eq!(o.to_bytes().as_slice(), data, "an opening has one encoding");
    }
    if let Ok(p) = CoverProof::from_bytes(data) {
        assert_eq!(p.to_bytes(), data, "a cover proof has one encoding");
    }
    if let Ok(e) = serde_json::from_slice::<alc_protocol::insurance::CoverEvidence>(data) {
        let _ = Evidence::from_wire(&e);
    }
});
