//! The bindings under Node (`wasm-bindgen-test-runner`): holder keys, status paths,
//! proving-key loading with its digest check, proving, verification, and the errors
//! JavaScript sees. Run with
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p alc-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use alc_circuits::files::{self, CredentialFile};
use alc_prover::ProofRequest as Request;
use alc_wasm::{
    generate_holder, holder_commitment, parse_credential, prove, request_from_challenge, verify,
    ProvingKey, ProvingKeyLoader, StatusList,
};
use rand_core::OsRng;
use std::sync::OnceLock;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A fixed example made natively by `alc example` (EdDSA signing needs Blake-512,
/// whose `blake-hash` crate does not run on wasm32; the wallet never signs).
const CREDENTIAL: &str = include_str!("fixtures/credential.json");
const HOLDER: &str = include_str!("fixtures/holder.json");
const STATUS_LIST: &str = include_str!("fixtures/status-list.json");
const REQUEST: &str = include_str!("fixtures/request.json");

/// The circuit-v1 setup, once per test run: the fast key bytes and their digest.
fn fixture() -> &'static (Vec<u8>, String) {
    static F: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    F.get_or_init(|| {
        let (pk, _) = alc_prover::setup(&mut OsRng).unwrap();
        let bytes = pk.to_fast_bytes();
        let digest = alc_prover::keys::digest_hex(&bytes);
        (bytes, digest)
    })
}

/// The error of a call that must fail.
fn err<T>(r: Result<T, JsValue>) -> JsValue {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

/// The `name` of a JavaScript Error.
fn name(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.name()))
        .unwrap_or_default()
}

fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn holder_keys_from_the_js_random_source() {
    let a = generate_holder();
    let b = generate_holder();
    assert_ne!(a, b, "two fresh secrets differ");
    let sk = files::holder_from_json(&a).unwrap();
    assert_eq!(
        holder_commitment(&a).unwrap(),
        alc_circuits::field::to_decimal(&sk.commitment())
    );
    let e = holder_commitment("{\"type\":\"alc-credential\"}").unwrap_err();
    assert_eq!(name(&e), "AlcFileError");
}

fn parsed() -> (CredentialFile, alc_circuits::status::StatusList, Request) {
    (
        CredentialFile::from_json(CREDENTIAL).unwrap(),
        files::status_list_from_json(STATUS_LIST).unwrap(),
        serde_json::from_str(REQUEST).unwrap(),
    )
}

#[wasm_bindgen_test]
fn credentials_and_status_paths() {
    let (cred, status, _) = parsed();
    assert!(parse_credential(CREDENTIAL)
        .unwrap()
        .contains("alc-credential"));
    let tier = cred.signed.credential.tier;
    let forged = CREDENTIAL.replace(
        &format!("\"tier\": {tier},"),
        &format!("\"tier\": {},", tier + 1),
    );
    assert_ne!(forged, CREDENTIAL);
    assert_eq!(
        name(&parse_credential(&forged).unwrap_err()),
        "AlcFileError"
    );

    let list = StatusList::from_file(STATUS_LIST).unwrap();
    assert_eq!(list.root(), alc_circuits::field::to_decimal(&status.root()));
    assert_eq!(list.revoked_count(), alc_prover::example::EXAMPLE_REVOKED);
    let serial = cred.signed.credential.serial;
    assert!(!list.is_revoked(serial).unwrap());
    let path: serde_json::Value = serde_json::from_str(&list.path(serial).unwrap()).unwrap();
    assert_eq!(path["root"], list.root(), "the path leads to the root");
    assert_eq!(path["revoked"], false);
    assert_eq!(
        path["siblings"].as_array().unwrap().len(),
        alc_circuits::tags::STATUS_DEPTH
    );
    assert_eq!(name(&list.path(u32::MAX).unwrap_err()), "AlcStatusError");
    let decoded = StatusList::decode(&status.encode()).unwrap();
    assert_eq!(decoded.root(), list.root());
    assert_eq!(
        name(&err(StatusList::decode("not a list"))),
        "AlcStatusError"
    );
    let wrong_root = STATUS_LIST.replace(&list.root(), "1");
    assert_eq!(
        name(&err(StatusList::from_file(&wrong_root))),
        "AlcFileError"
    );
}

#[wasm_bindgen_test]
fn proving_key_digest_is_checked_before_use() {
    let (bytes, digest) = fixture();
    assert!(ProvingKey::from_fast_bytes(bytes, digest).is_ok());
    let e = err(ProvingKey::from_fast_bytes(bytes, &"00".repeat(32)));
    assert_eq!(name(&e), "AlcKeyError");
    assert!(message(&e).contains("digest mismatch"), "{}", message(&e));
    let mut tampered = bytes.clone();
    tampered[100] ^= 1;
    let e = err(ProvingKey::from_fast_bytes(&tampered, digest));
    assert_eq!(name(&e), "AlcKeyError");
    let e = err(ProvingKey::from_fast_bytes(bytes, "not hex"));
    assert!(message(&e).contains("32 bytes of hex"));

    // Fed in pieces, as the page streams it from the Cache API.
    let mut loader = ProvingKeyLoader::new(bytes.len());
    for piece in bytes.chunks(65_536) {
        loader.push(piece);
    }
    assert_eq!(loader.length(), bytes.len());
    assert!(loader.finish(digest).is_ok());
    let mut loader = ProvingKeyLoader::new(0);
    loader.push(&tampered);
    let e = err(loader.finish(digest));
    assert_eq!(name(&e), "AlcKeyError");
    assert!(message(&e).contains("digest mismatch"), "{}", message(&e));
}

#[wasm_bindgen_test]
fn prove_then_verify_and_refusals() {
    let (bytes, digest) = fixture();
    let key = ProvingKey::from_fast_bytes(bytes, digest).unwrap();
    let (cred, status, request) = parsed();
    let list = StatusList::from_file(STATUS_LIST).unwrap();

    let stages = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let seen = stages.clone();
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(String)>::new(move |s: String| {
        seen.borrow_mut().push(s);
    });
    let progress: js_sys::Function = cb.as_ref().unchecked_ref::<js_sys::Function>().clone();
    let presentation = prove(&key, CREDENTIAL, HOLDER, &list, REQUEST, Some(progress)).unwrap();
    assert_eq!(*stages.borrow(), ["prepare", "witness", "groth16"]);

    let vk = key.verifying_key().unwrap();
    assert!(verify(&vk, &presentation).unwrap());
    let vk2 = alc_wasm::VerifyingKey::from_bytes(&vk.to_bytes()).unwrap();
    assert_eq!(vk2.digest(), vk.digest());
    // The presentation is what the native verifier reads too.
    let p = alc_verifier::Presentation::from_json(&presentation).unwrap();
    let native = alc_verifier::VerifyingKey::from_bytes(&vk.to_bytes()).unwrap();
    assert!(alc_verifier::verify(&native, &p.proof, &p.statement).is_ok());

    // Another statement: the proof does not verify (false, not an error).
    let now = request.now;
    let other = presentation.replace(
        &format!("\"now\": \"{now}\""),
        &format!("\"now\": \"{}\"", now + 1),
    );
    assert_ne!(other, presentation);
    assert!(!verify(&vk, &other).unwrap());
    assert_eq!(
        name(&verify(&vk, "{}").unwrap_err()),
        "AlcPresentationError"
    );

    // A revoked credential is refused before proving, with the reason.
    let mut revoked = status.clone();
    revoked.revoke(cred.signed.credential.serial).unwrap();
    let revoked = StatusList::decode(&revoked.encode()).unwrap();
    let e = prove(&key, CREDENTIAL, HOLDER, &revoked, REQUEST, None).unwrap_err();
    assert_eq!(name(&e), "AlcUnsatisfiedError");
    assert!(message(&e).contains("revoked"), "{}", message(&e));

    // Another holder's secret.
    let e = prove(&key, CREDENTIAL, &generate_holder(), &list, REQUEST, None).unwrap_err();
    assert_eq!(name(&e), "AlcUnsatisfiedError");
    // A malformed request.
    let e = prove(&key, CREDENTIAL, HOLDER, &list, "{\"min_tier\": 1}", None).unwrap_err();
    assert_eq!(name(&e), "AlcRequestError");
    let bad = REQUEST.replace(&request.challenge, "zz");
    let e = prove(&key, CREDENTIAL, HOLDER, &list, &bad, None).unwrap_err();
    assert_eq!(name(&e), "AlcRequestError");
    assert!(message(&e).contains("challenge"), "{}", message(&e));
}

/// A gateway's challenge becomes the request of the route asked for (the protocol's
/// one conversion); a malformed challenge or an unknown route is refused by name.
#[wasm_bindgen_test]
fn a_challenge_becomes_a_request() {
    let challenge = r#"{"challenge": "abababababababababababababababab", "now": "1790000000",
        "expires_at": 1790000060, "lease_ends": "1790000900", "scope": "gw.example",
        "policy": {"sandbox": {"min_tier": 0, "min_permit_tier": 0},
                   "autonomous": {"min_tier": 1, "min_permit_tier": 2}},
        "roots": [], "status": null, "issuer_key": ["1", "2"],
        "binding_key": "0000000000000000000000000000000000000000000000000000000000000000"}"#;
    let manifest = "cd".repeat(32);
    let r: Request =
        serde_json::from_str(&request_from_challenge(challenge, &manifest, "autonomous").unwrap())
            .unwrap();
    assert_eq!(
        (r.min_tier, r.min_permit_tier, r.now),
        (1, 2, 1_790_000_900),
        "the proof is made at the lease's end"
    );
    assert_eq!(
        (r.scope.as_str(), r.manifest.as_str()),
        ("gw.example", manifest.as_str())
    );
    let s: Request =
        serde_json::from_str(&request_from_challenge(challenge, &manifest, "sandbox").unwrap())
            .unwrap();
    assert_eq!((s.min_tier, s.min_permit_tier), (0, 0));
    let e = err(request_from_challenge(challenge, &manifest, "admin"));
    assert_eq!(name(&e), "AlcRequestError");
    let e = err(request_from_challenge(
        "{\"now\": \"1\"}",
        &manifest,
        "sandbox",
    ));
    assert_eq!(name(&e), "AlcRequestError");
    assert!(message(&e).contains("challenge"), "{}", message(&e));
}

/// A key-bound lease's request signed in the page verifies under the gateway's request
/// key for the same agent key; under another binding key, another path or another body
/// it does not.
#[wasm_bindgen_test]
fn a_signed_request_checks_at_the_gateway_and_its_twins_do_not() {
    use alc_protocol::signature::{
        base, binding_public, parse_signature, Covered, Params, RequestKey,
    };
    let agent: serde_json::Value = serde_json::from_str(&alc_wasm::agent_key()).unwrap();
    let seed: [u8; 32] = hex::decode(agent["seed"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let binding_secret = [9u8; 32];
    let binding = hex::encode(binding_public(&binding_secret));
    let sign = |binding: &str, path: &str, body: &[u8]| -> serde_json::Value {
        serde_json::from_str(
            &alc_wasm::sign_request(
                &hex::encode(seed),
                binding,
                "abc123",
                "POST",
                "gw.test",
                path,
                "",
                body,
                1_790_000_000.0,
            )
            .unwrap(),
        )
        .unwrap()
    };
    let vk = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    assert_eq!(
        hex::encode(vk.as_bytes()),
        agent["public"].as_str().unwrap()
    );
    let gateway = RequestKey::for_gateway(&binding_secret, &vk).unwrap();
    let checks = |h: &serde_json::Value, path: &str, body: &[u8]| {
        let params = Params::parse(h["signature_input"].as_str().unwrap()).unwrap();
        let digest = alc_protocol::signature::content_digest(
            &<sha2::Sha256 as sha2::Digest>::digest(body).into(),
        );
        let covered = Covered {
            method: "POST",
            authority: "gw.test",
            path,
            query: None,
            content_digest: &digest,
        };
        let tag = parse_signature(h["signature"].as_str().unwrap()).unwrap();
        gateway.check(&base(&covered, &params), &tag)
    };
    let h = sign(&binding, "/v1/autonomous/chat", b"{}");
    assert!(checks(&h, "/v1/autonomous/chat", b"{}"));
    assert!(!checks(&h, "/v1/autonomous/other", b"{}"));
    assert!(!checks(&h, "/v1/autonomous/chat", b"{\"x\":1}"));
    let other = hex::encode(binding_public(&[8u8; 32]));
    assert!(!checks(
        &sign(&other, "/v1/autonomous/chat", b"{}"),
        "/v1/autonomous/chat",
        b"{}"
    ));
}

/// The authority a wallet site is built for, its signed gateway list and key
/// descriptor, and a challenge of its gateway `gw.example` (registered at
/// `https://gw.example`).
mod authority {
    use alc_protocol::authority::{AuthorityInfo, AuthorityKeys};
    use alc_protocol::encoding::base64url;
    use alc_protocol::files::Digests;
    use alc_protocol::gateway::Challenge;
    use alc_protocol::gateways::{GatewayList, RegisteredGateway, SignedGatewayList};
    use alc_protocol::keys::{KeyDescriptor, SignedKeyDescriptor};
    use ed25519_dalek::SigningKey;

    pub const GATEWAY: &str = "https://gw.example";

    pub fn status_key() -> SigningKey {
        SigningKey::from_bytes(&[1; 32])
    }

    pub fn gateway_key() -> SigningKey {
        SigningKey::from_bytes(&[11; 32])
    }

    pub fn info() -> (String, String) {
        let info = AuthorityInfo {
            name: "alc-dev-authority".into(),
            issuer_key: ["1".into(), "2".into()],
            status_key: base64url(status_key().verifying_key().as_bytes()),
            list: "list".into(),
            circuit: "alc-presentation-v1".into(),
            registry_origin: "origin".into(),
            registry_key: "key".into(),
            escrow_key: None,
        };
        let pin = AuthorityKeys::from(&info).digest();
        (serde_json::to_string(&info).unwrap(), pin)
    }

    pub fn gateways(by: &SigningKey) -> String {
        let list = GatewayList {
            issuer: "alc-dev-authority".into(),
            produced_at: 1,
            gateways: vec![RegisteredGateway {
                id: "gw.example".into(),
                key: hex::encode(gateway_key().verifying_key().as_bytes()),
                url: GATEWAY.into(),
            }],
        };
        serde_json::to_string(&SignedGatewayList::sign(&list, by)).unwrap()
    }

    pub fn keys(by: &SigningKey) -> String {
        let d = KeyDescriptor {
            issuer: "alc-dev-authority".into(),
            produced_at: 1,
            keys: vec![Digests {
                circuit: "alc-presentation-v2".into(),
                proving_key: "11".repeat(32),
                proving_key_fast: "22".repeat(32),
                verifying_key: "33".repeat(32),
                escrow_key: None,
                zkey: None,
                ceremony: None,
            }],
        };
        serde_json::to_string(&SignedKeyDescriptor::sign(&d, by)).unwrap()
    }

    pub fn challenge(by: &SigningKey) -> String {
        let mut c: Challenge = serde_json::from_str(
            r#"{"challenge": "abababababababababababababababab", "now": "1790000000",
            "expires_at": 1790000060, "lease_ends": "1790000900", "scope": "gw.example",
            "policy": {"sandbox": {"min_tier": 0, "min_permit_tier": 0},
                       "autonomous": {"min_tier": 1, "min_permit_tier": 0}},
            "roots": [], "status": null, "issuer_key": ["1", "2"],
            "binding_key": "0000000000000000000000000000000000000000000000000000000000000000"}"#,
        )
        .unwrap();
        c.sign(by);
        serde_json::to_string(&c).unwrap()
    }
}

/// The page opens its authority: keys matching the pin, the gateway list and the key
/// descriptor signed by it. Another pin, or a list or descriptor signed by another key
/// (a host or gateway substituting its own proving key or gateways), is refused.
#[wasm_bindgen_test]
fn the_authority_is_opened_against_the_pin_and_its_twins_are_refused() {
    use alc_wasm::open_authority;
    let (info, pin) = authority::info();
    let key = authority::status_key();
    let opened: serde_json::Value = serde_json::from_str(
        &open_authority(
            &info,
            &pin,
            &authority::gateways(&key),
            &authority::keys(&key),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(opened["gateways"][0]["url"], authority::GATEWAY);
    assert_eq!(opened["keys"][0]["proving_key_fast"], "22".repeat(32));

    let other = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
    for (i, e) in [
        open_authority(
            &info,
            &"00".repeat(32),
            &authority::gateways(&key),
            &authority::keys(&key),
        ),
        open_authority(
            &info,
            &pin,
            &authority::gateways(&other),
            &authority::keys(&key),
        ),
        open_authority(
            &info,
            &pin,
            &authority::gateways(&key),
            &authority::keys(&other),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let e = err(e);
        assert_eq!(name(&e), "AlcAuthorityError", "case {i}: {}", message(&e));
    }
}

/// A challenge fetched from the gateway's registered URL and signed by its registered
/// key is accepted; the same challenge from another origin (a relay), or signed by
/// another key (a scope the server does not own), is refused before anything is proved.
#[wasm_bindgen_test]
fn a_challenge_is_checked_against_the_registered_gateway_and_a_relay_is_refused() {
    use alc_wasm::check_challenge;
    let (info, pin) = authority::info();
    let list = authority::gateways(&authority::status_key());
    let signed = authority::challenge(&authority::gateway_key());
    let entry: serde_json::Value = serde_json::from_str(
        &check_challenge(&signed, &info, &pin, &list, authority::GATEWAY).unwrap(),
    )
    .unwrap();
    assert_eq!(entry["id"], "gw.example");

    let e = err(check_challenge(
        &signed,
        &info,
        &pin,
        &list,
        "https://relay.example",
    ));
    assert_eq!(name(&e), "AlcGatewayError");
    assert!(message(&e).contains("relayed"), "{}", message(&e));
    let forged = authority::challenge(&ed25519_dalek::SigningKey::from_bytes(&[12; 32]));
    let e = err(check_challenge(
        &forged,
        &info,
        &pin,
        &list,
        authority::GATEWAY,
    ));
    assert_eq!(name(&e), "AlcGatewayError");
    let e = err(check_challenge(
        &signed,
        &info,
        &"00".repeat(32),
        &list,
        authority::GATEWAY,
    ));
    assert_eq!(name(&e), "AlcAuthorityError");
}
