//! Circuit v2 at the gateway: the lease is minted for the key the proof binds, and every
//! call with it must be signed with that key (RFC 9421 profile). Each accepted request
//! has its refused twin: unsigned, another key, replayed, another path, another body,
//! another lease's key id, an old signature; a proof bound to another key; a ciphertext
//! copied from an earlier proof; a v1 proof at a gateway that requires v2; a child key
//! not authorised by its parent's key; a tier-3 lease without its agent system's
//! certificate, or with one for another key, another signer's or an expired one.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::files::CredentialFile;
use alc_devkit::authority::TestAuthority;
use alc_devkit::gateway::{TestGateway, SCOPE};
use alc_devkit::keys::{test_escrow_key, test_keys, test_keys_v2};
use alc_protocol::files::ProofRequest;
use alc_protocol::gateway::{
    AnyPresentation, Challenge, DelegateRequest, Issued, LeaseRequest, Route,
};
use alc_protocol::signature::{SignedHeaders, CONTENT_DIGEST, SIGNATURE, SIGNATURE_INPUT};
use alc_wallet::keys::{AgentKey, Signer};
use alc_wallet::lease::{manifest_digest, present, ProverKeys};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::OnceLock;
use tower::ServiceExt;

fn prover_v2() -> &'static ProverKeys {
    static K: OnceLock<ProverKeys> = OnceLock::new();
    K.get_or_init(|| ProverKeys::new(test_keys_v2().0.clone(), Some(test_escrow_key())).unwrap())
}

struct World {
    authority: TestAuthority,
    auth_url: String,
    gw: TestGateway,
    _server: tokio::task::JoinHandle<std::io::Result<()>>,
}

struct Holder {
    credential: CredentialFile,
    secret: HolderSecret,
}

/// A request to the gateway, signed with `headers` if given.
async fn send(
    app: &Router,
    method: &str,
    path: &str,
    lease: Option<&str>,
    headers: Option<&SignedHeaders>,
    body: &[u8],
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", SCOPE);
    if let Some(l) = lease {
        req = req.header("authorization", format!("Bearer {l}"));
    }
    if let Some(h) = headers {
        req = req
            .header(CONTENT_DIGEST, &h.content_digest)
            .header(SIGNATURE_INPUT, &h.signature_input)
            .header(SIGNATURE, &h.signature);
    }
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_vec())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn url(path: &str) -> reqwest::Url {
    reqwest::Url::parse(&format!("http://{SCOPE}{path}")).unwrap()
}

async fn world() -> World {
    let authority = TestAuthority::start().await;
    let (auth_url, server) = authority.serve().await;
    let gw = TestGateway::start(&auth_url, &authority.clock, &test_keys_v2().1, "").await;
    World {
        authority,
        auth_url,
        gw,
        _server: server,
    }
}

impl World {
    fn now(&self) -> u64 {
        alc_protocol::time::Clock::now(&self.authority.clock)
    }

    async fn holder(&self, subject: &str) -> Holder {
        let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
        Holder {
            credential: self.authority.credential(subject, &secret).await,
            secret,
        }
    }

    async fn challenge(&self) -> Challenge {
        let (s, v) = send(&self.gw.app, "GET", "/v1/lease/challenge", None, None, b"").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }

    /// A circuit-v2 lease request bound to `key` (its presentation proved for it).
    async fn request(&self, h: &Holder, key: &AgentKey) -> LeaseRequest {
        request_at(self, &self.gw, h, key, None).await
    }

    /// The authority's published status list.
    async fn published_list(&self) -> alc_circuits::status::StatusList {
        let list: Value = reqwest::get(format!("{}/v1/status/list", self.auth_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        alc_circuits::status::StatusList::decode(list["encoded_list"].as_str().unwrap()).unwrap()
    }

    async fn post_lease(&self, req: &LeaseRequest) -> (StatusCode, Value) {
        let body = serde_json::to_vec(req).unwrap();
        send(&self.gw.app, "POST", "/v1/lease", None, None, &body).await
    }

    /// A lease bound to a fresh key: the lease and a signer for it.
    async fn lease(&self, h: &Holder) -> (Issued, AgentKey, Signer) {
        let (key, _) = AgentKey::fresh(&h.secret);
        let req = self.request(h, &key).await;
        let (s, v) = self.post_lease(&req).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let issued: Issued = serde_json::from_value(v).unwrap();
        assert_eq!(issued.key.as_deref(), Some(key.public_hex().as_str()));
        let signer = self.signer(&key, &issued.lease_id).await;
        (issued, key, signer)
    }

    async fn signer(&self, key: &AgentKey, lease_id: &str) -> Signer {
        let ch = self.challenge().await;
        Signer::new(key, &ch.binding_key, lease_id, "gateway").unwrap()
    }

    /// `method path` with `lease`, signed by `signer` now.
    async fn call(
        &self,
        method: &str,
        path: &str,
        lease: &str,
        signer: &Signer,
        body: &[u8],
    ) -> (StatusCode, Value) {
        let h = signer.sign_at(method, &url(path), body, self.now());
        send(&self.gw.app, method, path, Some(lease), Some(&h), body).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_bound_lease_works_only_with_its_key_and_each_request_once() {
    let w = world().await;
    let h = w.holder("alice").await;
    let (issued, _key, signer) = w.lease(&h).await;
    let lease = issued.lease.as_str();
    let path = "/v1/autonomous/chat?x=1";
    let body = br#"{"prompt":"hi"}"#;

    // Signed: through to the upstream, without the signature headers.
    let (s, v) = w.call("POST", path, lease, &signer, body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["path"], "/autonomous/chat", "{v}");
    assert!(v["headers"].get("signature").is_none(), "{v}");
    assert!(v["headers"].get("signature-input").is_none(), "{v}");

    // The token without its key.
    let (s, v) = send(&w.gw.app, "POST", path, Some(lease), None, body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("bound to a key"),
        "{v}"
    );

    // With another key (the lease id right, the key not the lease's).
    let (other, _) = AgentKey::fresh(&h.secret);
    let thief = w.signer(&other, &issued.lease_id).await;
    let (s, v) = w.call("POST", path, lease, &thief, body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("does not verify"),
        "{v}"
    );

    // Replayed: the same signed request twice.
    let signed = signer.sign_at("POST", &url(path), body, w.now());
    let first = send(&w.gw.app, "POST", path, Some(lease), Some(&signed), body).await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    let (s, v) = send(&w.gw.app, "POST", path, Some(lease), Some(&signed), body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(v["message"].as_str().unwrap().contains("replayed"), "{v}");

    // Signed over another path (and another query), sent here.
    for signed_for in ["/v1/autonomous/admin", "/v1/autonomous/chat?x=2"] {
        let elsewhere = signer.sign_at("POST", &url(signed_for), body, w.now());
        let (s, v) = send(&w.gw.app, "POST", path, Some(lease), Some(&elsewhere), body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{signed_for}: {v}");
    }

    // Signed over another body: the digest header of the signed body, another body sent.
    let h2 = signer.sign_at("POST", &url(path), br#"{"prompt":"ok"}"#, w.now());
    let (s, v) = send(&w.gw.app, "POST", path, Some(lease), Some(&h2), body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("Content-Digest"),
        "{v}"
    );
    // ... and a digest header rewritten to match the other body: the tag fails.
    let forged = SignedHeaders {
        content_digest: signer
            .sign_at("POST", &url(path), body, w.now())
            .content_digest,
        ..h2
    };
    let (s, v) = send(&w.gw.app, "POST", path, Some(lease), Some(&forged), body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");

    // Another method.
    let h3 = signer.sign_at("GET", &url(path), body, w.now());
    assert_eq!(
        send(&w.gw.app, "POST", path, Some(lease), Some(&h3), body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // Too old, or from the future.
    for created in [w.now() - 31, w.now() + 31] {
        let stale = signer.sign_at("POST", &url(path), body, created);
        let (s, v) = send(&w.gw.app, "POST", path, Some(lease), Some(&stale), body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
        assert!(v["message"].as_str().unwrap().contains("too old"), "{v}");
    }
    // Within the skew: accepted.
    let edge = signer.sign_at("POST", &url(path), body, w.now() - 30);
    assert_eq!(
        send(&w.gw.app, "POST", path, Some(lease), Some(&edge), body)
            .await
            .0,
        StatusCode::OK
    );

    // Signed for another lease: its key id names it.
    let (other_lease, _, other_signer) = w.lease(&h).await;
    let (s, v) = w.call("POST", path, lease, &other_signer, body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("another lease"),
        "{v}"
    );
    // ... which works with its own token.
    assert_eq!(
        w.call("POST", path, &other_lease.lease, &other_signer, body)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_is_for_the_key_the_proof_binds() {
    let w = world().await;
    let h = w.holder("bob").await;
    let (key, _) = AgentKey::fresh(&h.secret);
    let (other, _) = AgentKey::fresh(&h.secret);

    // The proof binds `key`; the request names `other`.
    let mut req = w.request(&h, &key).await;
    req.key = Some(other.public_hex());
    let (s, v) = w.post_lease(&req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("bound to another key"),
        "{v}"
    );

    // The statement's binding rewritten to `other`: the proof does not verify.
    let AnyPresentation::V2(p) = &mut req.presentation else {
        panic!("circuit v2")
    };
    p.statement.holder_key = alc_circuits::field::to_decimal(
        &alc_circuits::presentation::v2::encode_holder_key(&other.public_bytes()),
    );
    let (s, v) = w.post_lease(&req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("does not verify"),
        "{v}"
    );

    // No key at all.
    let mut req = w.request(&h, &key).await;
    req.key = None;
    assert_eq!(w.post_lease(&req).await.0, StatusCode::BAD_REQUEST);

    // A ciphertext copied from an earlier proof into a new statement.
    let earlier = w.request(&h, &key).await;
    let mut req = w.request(&h, &key).await;
    let (AnyPresentation::V2(old), AnyPresentation::V2(new)) =
        (&earlier.presentation, &mut req.presentation)
    else {
        panic!("circuit v2")
    };
    assert_ne!(
        old.statement.escrow, new.statement.escrow,
        "fresh randomness"
    );
    new.statement.escrow = old.statement.escrow.clone();
    let (s, v) = w.post_lease(&req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // The untouched twin passes.
    assert_eq!(w.post_lease(&earlier).await.0, StatusCode::OK);

    // A circuit-v1 proof at a gateway that requires v2.
    let ch = w.challenge().await;
    let list = w.published_list().await;
    let manifest = manifest_digest(b"agent manifest");
    let proof_req = ProofRequest::from_challenge(&ch, &manifest, Route::Autonomous);
    let v1 = ProverKeys::new(test_keys().0.clone(), None).unwrap();
    let (presentation, _) = present(
        SCOPE,
        &v1,
        &h.credential,
        &h.secret,
        &list,
        &proof_req,
        None,
    )
    .unwrap();
    let req = LeaseRequest {
        presentation,
        agent: "agent-1".into(),
        manifest,
        key: None,
        system: None,
    };
    let (s, v) = w.post_lease(&req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("requires circuit v2"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_key_is_authorised_by_its_parents_key() {
    let w = world().await;
    let h = w.holder("carol").await;
    let (parent, _, parent_signer) = w.lease(&h).await;
    let (child_key, _) = AgentKey::fresh(&h.secret);
    let delegation = |key: Option<String>| {
        serde_json::to_vec(&DelegateRequest {
            agent: "agent-1.1".into(),
            manifest: hex::encode([1u8; 32]),
            rights: vec!["/v1/autonomous/search/".into()],
            ttl_secs: 300,
            rate_per_min: None,
            key,
        })
        .unwrap()
    };
    let body = delegation(Some(child_key.public_hex()));
    let path = "/v1/lease/delegate";

    // Signed by a key that is not the parent's: refused.
    let (stranger, _) = AgentKey::fresh(&h.secret);
    let stranger = w.signer(&stranger, &parent.lease_id).await;
    let (s, v) = w.call("POST", path, &parent.lease, &stranger, &body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // Unsigned: refused.
    let (s, v) = send(&w.gw.app, "POST", path, Some(&parent.lease), None, &body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // Without the child's own key: refused.
    let (s, v) = w
        .call(
            "POST",
            path,
            &parent.lease,
            &parent_signer,
            &delegation(None),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Signed by the parent's key: the child lease, bound to the child's key.
    let (s, v) = w
        .call("POST", path, &parent.lease, &parent_signer, &body)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let child: Issued = serde_json::from_value(v).unwrap();
    assert_eq!(child.key, Some(child_key.public_hex()));
    let child_signer = w.signer(&child_key, &child.lease_id).await;
    let call = "/v1/autonomous/search/q";
    assert_eq!(
        w.call("GET", call, &child.lease, &child_signer, b"")
            .await
            .0,
        StatusCode::OK
    );
    // The child's token with the parent's key: refused (the child's key id is its own).
    let parent_for_child = w
        .signer(&AgentKey::fresh(&h.secret).0, &child.lease_id)
        .await;
    assert_eq!(
        w.call("GET", call, &child.lease, &parent_for_child, b"")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // Still attenuated: outside its routes.
    assert_eq!(
        w.call(
            "GET",
            "/v1/autonomous/chat",
            &child.lease,
            &child_signer,
            b""
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // Renewal of a key-bound lease: signed with the old lease's key.
    let (new_key, _) = AgentKey::fresh(&h.secret);
    let renewal = serde_json::to_vec(&w.request(&h, &new_key).await).unwrap();
    let (s, v) = send(
        &w.gw.app,
        "POST",
        "/v1/lease/renew",
        Some(&parent.lease),
        None,
        &renewal,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "unsigned renewal: {v}");
    let renewal = serde_json::to_vec(&w.request(&h, &new_key).await).unwrap();
    let (s, v) = w
        .call(
            "POST",
            "/v1/lease/renew",
            &parent.lease,
            &parent_signer,
            &renewal,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_body_over_the_limit_is_413_in_the_error_body() {
    let w = world().await;
    let h = w.holder("alice").await;
    let (issued, _key, signer) = w.lease(&h).await;
    let path = "/v1/autonomous/upload";
    // At the limit: read whole, checked, forwarded.
    let body = vec![b'a'; alc_gateway::api::SIGNED_BODY_LIMIT];
    let (s, v) = w.call("POST", path, &issued.lease, &signer, &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // One byte over: refused before anything is forwarded, in the protocol's error body.
    let body = vec![b'a'; alc_gateway::api::SIGNED_BODY_LIMIT + 1];
    let (s, v) = w.call("POST", path, &issued.lease, &signer, &body).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"], "too_large", "{v}");
}

/// A circuit-v2 lease request at `gw` bound to `key`, carrying `system`.
async fn request_at(
    w: &World,
    gw: &TestGateway,
    h: &Holder,
    key: &AgentKey,
    system: Option<alc_protocol::systems::SignedSystemCertificate>,
) -> LeaseRequest {
    let (_, ch) = send(&gw.app, "GET", "/v1/lease/challenge", None, None, b"").await;
    let ch: Challenge = serde_json::from_value(ch).unwrap();
    let list = w.published_list().await;
    let manifest = manifest_digest(b"agent manifest");
    let req = ProofRequest::from_challenge(&ch, &manifest, Route::Autonomous);
    let (presentation, _) = present(
        SCOPE,
        prover_v2(),
        &h.credential,
        &h.secret,
        &list,
        &req,
        Some(key),
    )
    .unwrap();
    LeaseRequest {
        presentation,
        agent: "agent-1".into(),
        manifest,
        key: Some(key.public_hex()),
        system,
    }
}

/// A tier-3 agent system at the gateway: where autonomous routes need permit tier 3 the
/// lease must carry the authority's certificate for its key (refused without one, for
/// another key, from another signer, or expired); with it the lease names the system,
/// and its registry entry carries the system as a commitment under the lease's salt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_three_lease_names_its_certified_agent_system() {
    use alc_protocol::systems::{SignedSystemCertificate, SystemCertificate};
    let w = world().await;
    let gw = TestGateway::start(
        &w.auth_url,
        &w.authority.clock,
        &test_keys_v2().1,
        "min_permit_tier = 3\n",
    )
    .await;
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let t3 = w
        .authority
        .tier3("fleet", "dispatch", "olive", &secret)
        .await;
    let h = Holder {
        credential: t3.credential,
        secret,
    };
    let key = AgentKey::fresh(&h.secret).0;
    // The certificate, from the authority's API, for the agent key.
    let (st, v) = alc_devkit::http::call(
        &w.authority.app,
        "POST",
        "/v1/permits/fleet/systems/dispatch/certificate",
        Some(&t3.session),
        Some(serde_json::json!({ "key": key.public_hex() })),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let cert: SignedSystemCertificate = serde_json::from_value(v).unwrap();
    let system = w.authority.authority.permit("fleet").await.unwrap().systems[0]
        .system
        .clone()
        .unwrap();
    let post = |req: LeaseRequest| {
        let app = gw.app.clone();
        async move {
            let body = serde_json::to_vec(&req).unwrap();
            send(&app, "POST", "/v1/lease", None, None, &body).await
        }
    };
    // Refused: no certificate; a certificate for another key; another signer's; expired.
    let (st, v) = post(request_at(&w, &gw, &h, &key, None).await).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("system"), "{v}");
    let other = AgentKey::fresh(&h.secret).0;
    let (st, v) = post(request_at(&w, &gw, &h, &other, Some(cert.clone())).await).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("another agent key"),
        "{v}"
    );
    let forged = SignedSystemCertificate::sign(
        &SystemCertificate {
            issuer: alc_devkit::authority::NAME.into(),
            system: system.clone(),
            key: key.public_hex(),
            permit_tier: 3,
            not_after: u64::MAX,
        },
        &ed25519_dalek::SigningKey::from_bytes(&[5; 32]),
    );
    let (st, v) = post(request_at(&w, &gw, &h, &key, Some(forged)).await).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let expired = SignedSystemCertificate::sign(
        &SystemCertificate {
            issuer: alc_devkit::authority::NAME.into(),
            system: system.clone(),
            key: key.public_hex(),
            permit_tier: 3,
            not_after: w.now(),
        },
        &w.authority.authority.keys().status,
    );
    let (st, v) = post(request_at(&w, &gw, &h, &key, Some(expired)).await).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    // Accepted with the certificate: the lease and its registry link name the system.
    let req = request_at(&w, &gw, &h, &key, Some(cert)).await;
    let AnyPresentation::V2(p) = &req.presentation else {
        panic!("a circuit-v2 presentation")
    };
    let pseudonym = p.statement.v1.pseudonym.clone();
    let (st, v) = post(req).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // An incident report's chain of custody names the system too.
    let chain = gw.state.gateway.store().chain_of(&pseudonym).await.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0].system.as_deref(), Some(system.as_str()));
    let issued: Issued = serde_json::from_value(v).unwrap();
    assert!(
        issued.rights.iter().any(|r| r.contains("autonomous")),
        "{issued:?}"
    );
    let outbox = gw.state.gateway.store().outbox(100).await.unwrap();
    let spawn = outbox
        .iter()
        .find_map(|(_, e)| match e {
            alc_registry::entry::Entry::Spawn(s) if s.lease_id == issued.lease_id => Some(s),
            _ => None,
        })
        .unwrap();
    let salt: [u8; 32] = hex::decode(&issued.registry_salt)
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(
        spawn.system,
        Some(alc_registry::entry::system_commitment(
            SCOPE, &salt, &system
        ))
    );
    // A lease never outlives the certificate that names its system.
    let soon = w.now() + 100;
    let short = SignedSystemCertificate::sign(
        &SystemCertificate {
            issuer: alc_devkit::authority::NAME.into(),
            system: system.clone(),
            key: key.public_hex(),
            permit_tier: 3,
            not_after: soon,
        },
        &w.authority.authority.keys().status,
    );
    let (st, v) = post(request_at(&w, &gw, &h, &key, Some(short)).await).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["expires_at"], soon, "{v}");
    assert!(
        issued.expires_at > soon,
        "the day-long certificate's lease runs its course"
    );
}
