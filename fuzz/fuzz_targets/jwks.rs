//! A provider's JSON Web Key Set (a file, or the body of its JWKS URL): loading never
//! panics; a set is taken only if it has a usable key.
#![no_main]
use alc_issuer::oidc::{JwksSource, ProviderConfig, Verifier};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn state() -> &'static (tokio::runtime::Runtime, tempfile::TempDir) {
    static S: OnceLock<(tokio::runtime::Runtime, tempfile::TempDir)> = OnceLock::new();
    S.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        (rt, tempfile::tempdir().expect("a temporary folder"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (rt, dir) = state();
    let path = dir.path().join("jwks.json");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let config = ProviderConfig {
        issuer: "https://idp.example".into(),
        audience: "alc".into(),
        jwks: JwksSource::File(path),
        algorithms: vec!["RS256".into(), "ES256".into(), "EdDSA".into()],
        subject_claim: "sub".into(),
        link_claim: None,
    };
    let _ = rt.block_on(Verifier::new(vec![config], 60));
});
