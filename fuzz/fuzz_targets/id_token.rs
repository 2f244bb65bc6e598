//! An ID token from an identity provider (a JWT), checked by the authority's verifier
//! against a provider with one Ed25519 key: parsing and checking never panic. The
//! corpus holds tokens the fuzzer's key really signed, so mutations reach the claims.
#![no_main]
use alc_issuer::oidc::{JwksSource, ProviderConfig, Verifier};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A provider (`https://idp.example`, audience `alc`) whose JWKS holds the Ed25519 key
/// of seed `[1; 32]`, id `k1`.
fn verifier() -> &'static (tokio::runtime::Runtime, Verifier) {
    static V: OnceLock<(tokio::runtime::Runtime, Verifier)> = OnceLock::new();
    V.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let public = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let jwks = serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA",
            "x": alc_protocol::encoding::base64url(public.as_bytes()),
        }]});
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, jwks.to_string()).expect("the JWKS written");
        let config = ProviderConfig {
            issuer: "https://idp.example".into(),
            audience: "alc".into(),
            jwks: JwksSource::File(path),
            algorithms: vec!["EdDSA".into()],
            subject_claim: "sub".into(),
            link_claim: None,
        };
        let v = rt
            .block_on(Verifier::new(vec![config], 60))
            .expect("the verifier");
        (rt, v)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let (rt, v) = verifier();
    let _ = rt.block_on(v.verify(token, 1_700_000_000));
});
