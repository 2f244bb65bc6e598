//! What a wallet takes from outside before it proves: the authority's signed gateway
//! list and key descriptor, a gateway's signed challenge (JSON) and the URLs they name. Checking never
//! panics; a challenge passes only when the registered gateway signed it, at its origin.
#![no_main]
use alc_protocol::gateway::Challenge;
use alc_protocol::gateways::{
    check_challenge, check_service_url, same_origin, GatewayList, RegisteredGateway,
    SignedGatewayList,
};
use alc_protocol::keys::SignedKeyDescriptor;
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "alc-authority";
const URL: &str = "https://gw.example";

fuzz_target!(|data: &[u8]| {
    let authority = SigningKey::from_bytes(&[2; 32]);
    if let Ok(list) = serde_json::from_slice::<SignedGatewayList>(data) {
        let _ = list.verify(&authority.verifying_key());
    }
    if let Ok(keys) = serde_json::from_slice::<SignedKeyDescriptor>(data) {
        let _ = keys.verify(&authority.verifying_key(), ISSUER);
    }
    if let Ok(url) = std::str::from_utf8(data) {
        let _ = check_service_url(url);
        assert!(
            !same_origin(url, URL) || same_origin(URL, url),
            "same origin is symmetric"
        );
    }
    if let Ok(challenge) = serde_json::from_slice::<Challenge>(data) {
        let gateway = SigningKey::from_bytes(&[4; 32]);
        let list = GatewayList {
            issuer: ISSUER.into(),
            produced_at: 0,
            gateways: vec![RegisteredGateway {
                id: "gw.example".into(),
                key: hex::encode(gateway.verifying_key().as_bytes()),
                url: URL.into(),
            }],
        };
        let signed = SignedGatewayList::sign(&list, &authority);
        let checked = check_challenge(&challenge, &signed, &authority.verifying_key(), ISSUER, URL);
        if checked.is_ok() {
            assert!(challenge.signed_by(&gateway.verifying_key()));
        }
    }
});
