//! The gateway in process, in front of a real authority over TCP: challenge, proof,
//! lease, calls through to the echo upstream; the kill switch; sub-agent leases; and the
//! rejections (replayed or expired challenge, another scope, a self-signed credential, a
//! fabricated root, a proof at another time than the lease end, a stale root after an
//! emergency, tier too low, a killed parent, a greedy child, arbitrary Authorization
//! headers never giving 500).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::files::CredentialFile;
use alc_devkit::authority::TestAuthority;
use alc_devkit::clock::ManualClock;
use alc_devkit::gateway::{TestGateway, SCOPE};
use alc_devkit::keys::test_keys as keys;
use alc_gateway::api::{app, AppState};
use alc_gateway::service::{open, ServeOptions};
use alc_protocol::files::ProofRequest;
use alc_protocol::gateway::{
    AnyPresentation, Challenge, DelegateRequest, KillRequest, LeaseRequest, Route,
};
use alc_protocol::time::Clock;
use alc_wallet::lease::{manifest_digest, present, ProverKeys};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use rand::SeedableRng;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// A typed request body as the router helper takes it.
fn typed<T: Serialize>(value: &T) -> Option<Value> {
    Some(serde_json::to_value(value).unwrap())
}

/// A child lease for `agent` (its manifest digest all `byte`) over `rights`.
fn delegation(agent: &str, byte: u8, rights: &str, ttl_secs: u64) -> Option<Value> {
    typed(&DelegateRequest {
        agent: agent.into(),
        manifest: hex::encode([byte; 32]),
        rights: vec![rights.into()],
        ttl_secs,
        rate_per_min: None,
        key: None,
    })
}

/// A kill of a lease or a pseudonym.
fn kill(lease: Option<String>, pseudonym: Option<String>, reason: &str) -> Option<Value> {
    typed(&KillRequest {
        lease,
        pseudonym,
        reason: reason.into(),
    })
}

struct World {
    authority: TestAuthority,
    auth_url: String,
    clock: ManualClock,
    gateway: Router,
    state: AppState,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    next: std::sync::atomic::AtomicU64,
    gw: TestGateway,
}

/// A licensed holder: credential and secret.
struct Holder {
    credential: CredentialFile,
    secret: HolderSecret,
}

async fn world(gateway_toml: &str) -> World {
    let authority = TestAuthority::start().await;
    let (auth_url, server) = authority.serve().await;
    let gw = TestGateway::start(&auth_url, &authority.clock, &keys().1, gateway_toml).await;
    World {
        clock: authority.clock.clone(),
        authority,
        auth_url,
        gateway: gw.app.clone(),
        state: gw.state.clone(),
        server,
        next: 0.into(),
        gw,
    }
}

impl World {
    async fn holder(&self) -> Holder {
        let subject = format!(
            "op{}",
            self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
        Holder {
            credential: self.authority.credential(&subject, &secret).await,
            secret,
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        alc_devkit::http::call(&self.gateway, method, path, bearer, body).await
    }

    /// A lease request proving `min_tier` for `scope` against the authority's current list.
    async fn published_list(&self) -> alc_circuits::status::StatusList {
        let list: Value = reqwest::get(format!("{}/v1/status/list", self.auth_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        alc_circuits::status::StatusList::decode(list["encoded_list"].as_str().unwrap()).unwrap()
    }

    async fn lease_request(&self, h: &Holder, min_tier: u8, scope: &str) -> Value {
        let list = self.published_list().await;
        self.lease_request_with(h, min_tier, scope, &list).await
    }

    async fn lease_request_with(
        &self,
        h: &Holder,
        min_tier: u8,
        scope: &str,
        list: &alc_circuits::status::StatusList,
    ) -> Value {
        self.lease_request_from(&h.credential, &h.secret, list, |r| {
            r.min_tier = min_tier;
            r.scope = scope.into();
        })
        .await
    }

    /// A lease request for a fresh challenge, proved from `credential` against `list`,
    /// its sandbox request changed by `adjust` first.
    async fn lease_request_from(
        &self,
        credential: &CredentialFile,
        secret: &HolderSecret,
        list: &alc_circuits::status::StatusList,
        adjust: impl FnOnce(&mut ProofRequest),
    ) -> Value {
        let (s, ch) = self.call("GET", "/v1/lease/challenge", None, None).await;
        assert_eq!(s, StatusCode::OK, "{ch}");
        let ch: Challenge = serde_json::from_value(ch).unwrap();
        let manifest = manifest_digest(b"agent manifest");
        let mut req = ProofRequest::from_challenge(&ch, &manifest, Route::Sandbox);
        adjust(&mut req);
        let pk = ProverKeys::new(keys().0.clone(), None).unwrap();
        let (presentation, _) =
            present(&req.scope, &pk, credential, secret, list, &req, None).unwrap();
        serde_json::to_value(LeaseRequest {
            presentation,
            agent: "agent-1".into(),
            manifest,
            key: None,
            system: None,
        })
        .unwrap()
    }

    async fn lease(&self, h: &Holder, min_tier: u8) -> String {
        let req = self.lease_request(h, min_tier, SCOPE).await;
        let (s, v) = self.call("POST", "/v1/lease", None, Some(req)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["lease"].as_str().unwrap().to_owned()
    }

    async fn revoke(&self, h: &Holder, emergency: bool) {
        let serial = h.credential.signed.credential.serial;
        let epoch = self.authority.revoke(serial, emergency).await;
        // The push stream carries it to the gateway.
        self.gw.sees_epoch(epoch).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenge_proof_lease_and_calls_through_to_the_upstream() {
    let w = world("").await;
    let h = w.holder().await;
    let lease = w.lease(&h, 1).await;
    let (s, v) = w
        .call(
            "POST",
            "/v1/autonomous/chat?x=1",
            Some(&lease),
            // The upstream's own payload, passed through untouched: no protocol type.
            Some(json!({ "prompt": "hi" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["path"], "/autonomous/chat");
    assert!(v["headers"]["x-alc-pseudonym"].is_string(), "{v}");
    assert!(v["body"].as_str().unwrap().contains("prompt"));
    assert!(v["headers"].get("authorization").is_none());
    assert_eq!(
        w.call("GET", "/v1/sandbox/models", Some(&lease), None)
            .await
            .0,
        StatusCode::OK
    );
    // Public needs nothing; the others need a lease.
    assert_eq!(
        w.call("GET", "/v1/public/info", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        w.call("GET", "/v1/autonomous/chat", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Expiry: 15 minutes.
    w.clock.advance(15 * 60);
    let (s, v) = w
        .call("GET", "/v1/autonomous/chat", Some(&lease), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
}

/// Each route class reaches its own upstream path: a public request can never reach the
/// path an autonomous one does (twin: the same rest under `/v1/autonomous/` with a lease
/// does), and encoded separators and dot segments never reach the upstream, with or
/// without a lease (a child narrowed to `/v1/autonomous/chat/` cannot walk out of it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_classes_are_isolated_upstream() {
    let w = world("").await;
    let h = w.holder().await;
    let lease = w.lease(&h, 1).await;
    let (s, v) = w
        .call("POST", "/v1/public/chat", None, Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["path"], "/public/chat");
    assert!(v["headers"].get("x-alc-pseudonym").is_none(), "{v}");
    let (s, v) = w.call("GET", "/v1/sandbox/chat", Some(&lease), None).await;
    assert_eq!(
        (s, v["path"].as_str()),
        (StatusCode::OK, Some("/sandbox/chat"))
    );
    let (s, v) = w
        .call("GET", "/v1/autonomous/chat", Some(&lease), None)
        .await;
    assert_eq!(
        (s, v["path"].as_str()),
        (StatusCode::OK, Some("/autonomous/chat"))
    );
    let child = {
        let (s, v) = w
            .call(
                "POST",
                "/v1/lease/delegate",
                Some(&lease),
                delegation("narrow", 1, "/v1/autonomous/chat/", 600),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["lease"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        w.call("GET", "/v1/autonomous/chat/x", Some(&child), None)
            .await
            .0,
        StatusCode::OK
    );
    // The Bearer scheme's name is case-insensitive (RFC 9110); unknown routes are 404.
    for scheme in ["bearer", "BEARER"] {
        let resp = w
            .gateway
            .clone()
            .oneshot(
                Request::get("/v1/sandbox/chat")
                    .header("authorization", format!("{scheme} {lease}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{scheme}");
    }
    for path in ["/v1/nothing", "/v2/public/x", "/"] {
        let (s, v) = w.call("GET", path, None, None).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{path}"
        );
    }
    // A JSON endpoint without Content-Type: application/json is 415.
    let resp = w
        .gateway
        .clone()
        .oneshot(
            Request::post("/v1/lease")
                .header("content-type", "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for (path, bearer) in [
        ("/v1/public/..%2fautonomous/chat", None),
        ("/v1/public/%2e%2e/autonomous/chat", None),
        ("/v1/public/x%2F..%2F..%2Fautonomous%2Fchat", None),
        ("/v1/public/x%5c..%5cautonomous", None),
        ("/v1/autonomous/chat/..%2f..%2fadmin", Some(child.as_str())),
        ("/v1/autonomous/chat/%2E%2E/admin", Some(child.as_str())),
    ] {
        let (s, v) = w.call("GET", path, bearer, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenges_are_single_use_short_lived_and_scoped() {
    let w = world("").await;
    let h = w.holder().await;
    let req = w.lease_request(&h, 1, SCOPE).await;
    assert_eq!(
        w.call("POST", "/v1/lease", None, Some(req.clone())).await.0,
        StatusCode::OK
    );
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "replayed challenge: {v}");
    let req = w.lease_request(&h, 1, SCOPE).await;
    w.clock.advance(61);
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "expired challenge: {v}");
    let req = w.lease_request(&h, 1, "another.gateway").await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another scope: {v}");
    assert!(v["message"].as_str().unwrap().contains("scope"));
    // Another manifest than the one proved.
    let mut req: LeaseRequest =
        serde_json::from_value(w.lease_request(&h, 1, SCOPE).await).unwrap();
    req.manifest = hex::encode([0u8; 32]);
    assert_eq!(
        w.call("POST", "/v1/lease", None, typed(&req)).await.0,
        StatusCode::FORBIDDEN
    );
    // A flipped public input: the proof does not verify.
    let mut req: LeaseRequest =
        serde_json::from_value(w.lease_request(&h, 1, SCOPE).await).unwrap();
    let AnyPresentation::V1(p) = &mut req.presentation else {
        panic!("a circuit-v1 presentation")
    };
    p.statement.min_tier = 2;
    assert_eq!(
        w.call("POST", "/v1/lease", None, typed(&req)).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_ends_when_its_proof_says_the_credential_is_still_valid() {
    let w = world("").await;
    let h = w.holder().await;
    let expires = h.credential.signed.credential.expires;
    // The proof is made at the challenge's lease end, and the lease ends then.
    let (_, ch) = w.call("GET", "/v1/lease/challenge", None, None).await;
    let ch: Challenge = serde_json::from_value(ch).unwrap();
    assert_eq!(ch.lease_ends, ch.now + 900);
    let req = w.lease_request(&h, 0, SCOPE).await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let at = req["presentation"]["statement"]["now"].as_str().unwrap();
    assert_eq!(v["expires_at"].to_string(), at, "{v}");
    // Its twin: a proof made at the challenge's own time (a lease that could outlive the
    // credential) is refused.
    let list = w.published_list().await;
    let early = w
        .lease_request_from(&h.credential, &h.secret, &list, |r| r.now -= 900)
        .await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(early)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("lease_ends"), "{v}");
    // Within one lease lifetime of the credential's expiry no proof can be made at all;
    // just outside it, one can, and its lease ends before the credential does.
    w.clock.advance(expires - w.clock.now() - 1000);
    let req = w.lease_request_with(&h, 0, SCOPE, &list).await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["expires_at"].as_u64().unwrap() < expires, "{v}");
    w.clock.advance(200);
    let (_, ch) = w.call("GET", "/v1/lease/challenge", None, None).await;
    let ch: Challenge = serde_json::from_value(ch).unwrap();
    let req = ProofRequest::from_challenge(&ch, &manifest_digest(b"m"), Route::Sandbox);
    let pk = ProverKeys::new(keys().0.clone(), None).unwrap();
    assert!(present(SCOPE, &pk, &h.credential, &h.secret, &list, &req, None).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_credential_a_fabricated_root_or_a_backdated_now_is_refused() {
    let w = world("").await;
    let h = w.holder().await;
    let list = w.published_list().await;
    // A proof from `credential` against `list` at a request changed by `adjust`, posted.
    let post = |credential: CredentialFile,
                list: alc_circuits::status::StatusList,
                adjust: fn(&mut ProofRequest)| {
        let w = &w;
        let secret = &h.secret;
        async move {
            let body = w
                .lease_request_from(&credential, secret, &list, adjust)
                .await;
            w.call("POST", "/v1/lease", None, Some(body)).await
        }
    };
    // The honest request, as the twin of each refusal below.
    let (s, v) = post(h.credential.clone(), list.clone(), |_| {}).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The same credential signed by a key of the holder's own making.
    let own = alc_circuits::eddsa::SecretKey::from_bytes([9; 32]);
    let forged = CredentialFile::new(
        own.public_key(),
        alc_circuits::credential::SignedCredential::sign(h.credential.signed.credential, &own)
            .unwrap(),
    );
    let (s, v) = post(forged, list.clone(), |_| {}).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("another licensing authority"),
        "{v}"
    );
    // A status list of the holder's own making (its serial unrevoked, another revoked):
    // a root the authority never signed.
    let own_list = alc_circuits::status::StatusList::from_revoked([999_999]).unwrap();
    assert_ne!(own_list.root(), list.root());
    let (s, v) = post(h.credential.clone(), own_list, |_| {}).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("status root"),
        "{v}"
    );
    // A proof made at another time than the challenge's lease end, earlier or later.
    for adjust in [
        (|r: &mut ProofRequest| r.now -= 600) as fn(&mut ProofRequest),
        |r: &mut ProofRequest| r.now += 1,
    ] {
        let (s, v) = post(h.credential.clone(), list.clone(), adjust).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(v["message"].as_str().unwrap().contains("lease_ends"), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superseded_root_is_accepted_only_within_its_window() {
    let w = world("superseded_root_secs = 30").await;
    let (h, other) = (w.holder().await, w.holder().await);
    let old = w.published_list().await;
    // A normal revocation supersedes the root the two proofs below are made against.
    w.revoke(&other, false).await;
    let within = w.lease_request_with(&h, 1, SCOPE, &old).await;
    let after = w.lease_request_with(&h, 1, SCOPE, &old).await;
    w.clock.advance(29);
    let (s, v) = w.call("POST", "/v1/lease", None, Some(within)).await;
    assert_eq!(s, StatusCode::OK, "29 s after it was superseded: {v}");
    // Its twin: the same kind of proof, its challenge still live, 31 s after.
    w.clock.advance(2);
    let (s, v) = w.call("POST", "/v1/lease", None, Some(after)).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "31 s after it was superseded: {v}"
    );
    assert!(
        v["message"].as_str().unwrap().contains("status root"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kill_switch_refuses_revoked_holders_and_stale_roots() {
    let w = world("").await;
    let (h, other) = (w.holder().await, w.holder().await);
    let lease = w.lease(&h, 1).await;
    let stale = w.lease_request(&h, 1, SCOPE).await;
    assert_eq!(
        w.call("GET", "/v1/autonomous/x", Some(&lease), None)
            .await
            .0,
        StatusCode::OK
    );
    // An ordinary revocation of someone else: the lease keeps working, the old root too.
    w.revoke(&other, false).await;
    assert_eq!(
        w.call("GET", "/v1/autonomous/x", Some(&lease), None)
            .await
            .0,
        StatusCode::OK
    );
    // The emergency revocation of this holder: the next call is refused at once.
    let started = std::time::Instant::now();
    w.revoke(&h, true).await;
    let (s, v) = w.call("GET", "/v1/autonomous/x", Some(&lease), None).await;
    println!(
        "emergency revocation -> 403 in {:?} (in process)",
        started.elapsed()
    );
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("emergency"), "{v}");
    // A proof against the old root is refused; a new proof cannot be made (revoked).
    let (s, v) = w.call("POST", "/v1/lease", None, Some(stale)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let list: Value = reqwest::get(format!("{}/v1/status/list", w.auth_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list =
        alc_circuits::status::StatusList::decode(list["encoded_list"].as_str().unwrap()).unwrap();
    assert!(list
        .is_revoked(h.credential.signed.credential.serial)
        .unwrap());
    // Someone unrevoked re-proves against the new root and is fine.
    let fresh = w.holder().await;
    let l2 = w.lease(&fresh, 1).await;
    assert_eq!(
        w.call("GET", "/v1/autonomous/x", Some(&l2), None).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiers_sub_agents_and_kills() {
    let w = world("").await;
    let h = w.holder().await;
    // A proof of tier >= 0 only: sandbox, not autonomous.
    let sandbox = w.lease(&h, 0).await;
    assert_eq!(
        w.call("GET", "/v1/sandbox/x", Some(&sandbox), None).await.0,
        StatusCode::OK
    );
    let (s, v) = w
        .call("GET", "/v1/autonomous/x", Some(&sandbox), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A child claiming more than its parent.
    let greedy = delegation("child", 1, "/v1/autonomous/", 60);
    assert_eq!(
        w.call("POST", "/v1/lease/delegate", Some(&sandbox), greedy)
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let parent = w.lease(&h, 1).await;
    let spec = delegation("child", 1, "/v1/autonomous/search/", 60);
    let (s, c) = w
        .call("POST", "/v1/lease/delegate", Some(&parent), spec)
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let child = c["lease"].as_str().unwrap().to_owned();
    assert_eq!(
        w.call("GET", "/v1/autonomous/search/q", Some(&child), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        w.call("GET", "/v1/autonomous/chat", Some(&child), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let spec = delegation("grandchild", 2, "/v1/autonomous/search/x/", 3600);
    let (s, g) = w
        .call("POST", "/v1/lease/delegate", Some(&child), spec)
        .await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert!(
        g["expires_at"].as_u64().unwrap() <= c["expires_at"].as_u64().unwrap(),
        "a child never outlives its parent"
    );
    let grandchild = g["lease"].as_str().unwrap().to_owned();
    let g_id = g["lease_id"].as_str().unwrap().to_owned();
    let g_salt: [u8; 32] = hex::decode(g["registry_salt"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    // The registry outbox has the root lease and both spawn links, chained.
    let outbox = w.state.gateway.pending_entries().await.unwrap();
    let spawns: Vec<_> = outbox
        .iter()
        .filter_map(|(_, e)| match e {
            alc_registry::entry::Entry::Spawn(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(spawns.len() >= 3, "{spawns:?}");
    let g = spawns.iter().find(|s| s.lease_id == g_id).unwrap();
    // The entry names its agent and manifest only as commitments, which the holder
    // opens with the lease's salt (and nothing else does).
    assert!(g.opens(&g_salt, "grandchild", &hex::encode([2u8; 32])));
    assert!(!g.opens(&g_salt, "grandchild", &hex::encode([3u8; 32])));
    assert!(!g.opens(&g_salt, "child", &hex::encode([2u8; 32])));
    assert!(!g.opens(&[0; 32], "grandchild", &hex::encode([2u8; 32])));
    assert!(spawns
        .iter()
        .all(|s| !s.agent.contains("child") && s.agent.len() == 64));
    let c = spawns
        .iter()
        .find(|s| Some(&s.lease_id) == g.parent_lease.as_ref())
        .unwrap();
    assert_eq!(g.depth, c.depth + 1);
    assert!(spawns
        .iter()
        .any(|s| Some(&s.lease_id) == c.parent_lease.as_ref() && s.parent_lease.is_none()));
    // Kill the parent: child and grandchild die too.
    let admin = std::fs::read_to_string(w.gw.dir.path().join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let (_, p) = w
        .call(
            "POST",
            "/v1/lease/delegate",
            Some(&parent),
            delegation("x", 3, "/v1/sandbox/", 5),
        )
        .await;
    let parent_lease_id = w.state.gateway.lease_id_of(&parent).await;
    let (s, _) = w
        .call(
            "POST",
            "/v1/admin/kill",
            Some(&admin),
            kill(parent_lease_id, None, "misbehaved"),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for t in [&parent, &child, &grandchild, p["lease"].as_str().unwrap()] {
        let (s, v) = w
            .call("GET", "/v1/autonomous/search/x/y", Some(t), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    // The sandbox lease (not a descendant) still works; killing the pseudonym ends it.
    assert_eq!(
        w.call("GET", "/v1/sandbox/x", Some(&sandbox), None).await.0,
        StatusCode::OK
    );
    let nym = w.state.gateway.pseudonym_of(&sandbox).await;
    assert_eq!(
        w.call(
            "POST",
            "/v1/admin/kill",
            Some(&admin),
            kill(None, nym.clone(), "r")
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        w.call("GET", "/v1/sandbox/x", Some(&sandbox), None).await.0,
        StatusCode::FORBIDDEN
    );
    // Admin endpoints need the admin token.
    assert_eq!(
        w.call(
            "POST",
            "/v1/admin/kill",
            Some("nope"),
            kill(None, nym.clone(), "r")
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_authorization_headers_give_401_or_403_never_500() {
    let w = world("").await;
    let h = w.holder().await;
    let lease = w.lease(&h, 1).await;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(99);
    let mut cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"Bearer".to_vec(),
        b"Bearer ".to_vec(),
        b"Basic dXNlcjpwYXNz".to_vec(),
        b"bearer x".to_vec(),
        format!("Bearer {}", "A".repeat(10_000)).into_bytes(),
        format!("Bearer {lease}x").into_bytes(),
        format!("Bearer {}", &lease[..lease.len() / 2]).into_bytes(),
        vec![0xff, 0xfe, 0x80],
    ];
    for _ in 0..300 {
        use rand::Rng;
        let n = rng.gen_range(0..200);
        let mut v: Vec<u8> = (0..n).map(|_| rng.gen_range(0x20..0x7f)).collect();
        if rng.gen_bool(0.5) {
            v.splice(0..0, b"Bearer ".iter().copied());
        }
        if rng.gen_bool(0.3) {
            // Flip one character of a real lease.
            let mut t = lease.clone().into_bytes();
            let i = rng.gen_range(0..t.len());
            t[i] = if t[i] == b'a' { b'b' } else { b'a' };
            v = [b"Bearer ".as_slice(), &t].concat();
        }
        cases.push(v);
    }
    for value in cases {
        let req = Request::get("/v1/autonomous/x");
        let req = match axum::http::HeaderValue::from_bytes(&value) {
            Ok(hv) => req.header("authorization", hv),
            Err(_) => req,
        };
        let resp = w
            .gateway
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let s = resp.status();
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN,
            "{s} for {:?}",
            String::from_utf8_lossy(&value)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_authority_fails_closed_for_autonomous_leases_only() {
    let w = world("status_grace_secs = 60\n").await;
    let h = w.holder().await;
    let list = w.published_list().await;
    // Within next_update + grace, autonomous leases are fine.
    w.server.abort();
    w.clock.advance(300 + 60);
    let req = w.lease_request_with(&h, 1, SCOPE, &list).await;
    assert_eq!(
        w.call("POST", "/v1/lease", None, Some(req)).await.0,
        StatusCode::OK
    );
    // One second later the status is stale: fail closed for autonomous leases.
    w.clock.advance(1);
    let req = w.lease_request_with(&h, 1, SCOPE, &list).await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(v["message"].as_str().unwrap().contains("stale"), "{v}");
    // Sandbox leases against the last good root, and public routes, keep working.
    let req = w.lease_request_with(&h, 0, SCOPE, &list).await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        w.call("GET", "/v1/public/status", None, None).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_per_pseudonym() {
    let w = world("rate_per_min = 3\n").await;
    let h = w.holder().await;
    let lease = w.lease(&h, 1).await;
    for _ in 0..3 {
        assert_eq!(
            w.call("GET", "/v1/autonomous/x", Some(&lease), None)
                .await
                .0,
            StatusCode::OK
        );
    }
    // Over the limit: 429 with Retry-After (seconds to the next minute) and retry_at.
    let resp = w
        .gateway
        .clone()
        .oneshot(
            Request::get("/v1/autonomous/x")
                .header("authorization", format!("Bearer {lease}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let (_, v) = w.call("GET", "/v1/autonomous/x", Some(&lease), None).await;
    assert_eq!(v["retry_at"].as_u64().unwrap() % 60, 0, "{v}");
    // A new minute, a new allowance.
    w.clock.advance(60);
    assert_eq!(
        w.call("GET", "/v1/autonomous/x", Some(&lease), None)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_processes_on_one_host_share_kills_and_challenges() {
    let w = world("").await;
    // A second gateway over the same data folder (as a second process would be).
    let opts = ServeOptions {
        data: w.gw.dir.path().to_owned(),
        scope: None,
        authority_digest: None,
        listen: "127.0.0.1:0".parse().unwrap(),
        authority: Some(w.auth_url.clone()),
        upstream: Some("echo".into()),
        database: None,
        in_process: alc_devkit::upstream::offered(),
        verifying_key: keys().1.clone(),
    };
    let second = app(open(&opts, Arc::new(w.clock.clone())).await.unwrap());
    let call2 = |path: &'static str, bearer: String| {
        let second = second.clone();
        async move {
            let req = Request::get(path)
                .header("authorization", format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap();
            second.oneshot(req).await.unwrap().status()
        }
    };
    let h = w.holder().await;
    let req = w.lease_request(&h, 1, SCOPE).await;
    let (s, v) = w.call("POST", "/v1/lease", None, Some(req.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let lease = v["lease"].as_str().unwrap().to_owned();
    // The same challenge at the other process: already used.
    let resp = second
        .clone()
        .oneshot(
            Request::post("/v1/lease")
                .header("content-type", "application/json")
                .body(Body::from(req.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The lease works at both; killed at the first, the second refuses it within 200 ms.
    assert_eq!(
        call2("/v1/autonomous/x", lease.clone()).await,
        StatusCode::OK
    );
    let admin = std::fs::read_to_string(w.gw.dir.path().join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let id = w.state.gateway.lease_id_of(&lease).await;
    assert_eq!(
        w.call("POST", "/v1/admin/kill", Some(&admin), kill(id, None, "r"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        call2("/v1/autonomous/x", lease).await,
        StatusCode::FORBIDDEN
    );
}

/// The gateway starts only with real keys, a scope of its own and an authority it can
/// trust: no public test key (unless `allow_test_keys`), no default scope, no plain http
/// to a host other than loopback, and, given the digest of the authority's keys, only an
/// authority whose keys have it (twin: the right digest starts), on first contact and
/// after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_to_start_without_a_scope_or_a_trusted_authority() {
    let authority = TestAuthority::start().await;
    let (auth_url, _server) = authority.serve().await;
    let digest = authority.authority.public_keys().digest();
    let opts = |dir: &std::path::Path, toml: &str, url: &str, d: Option<&str>| {
        std::fs::write(dir.join("gateway.toml"), toml).unwrap();
        ServeOptions {
            data: dir.to_owned(),
            scope: None,
            authority_digest: d.map(str::to_owned),
            listen: "127.0.0.1:0".parse().unwrap(),
            authority: Some(url.to_owned()),
            upstream: Some("echo".into()),
            database: None,
            in_process: alc_devkit::upstream::offered(),
            verifying_key: keys().1.clone(),
        }
    };
    let clock = || -> Arc<dyn alc_protocol::time::Clock> { Arc::new(authority.clock.clone()) };
    let refused = |r: Result<AppState, alc_gateway::service::ServiceError>| {
        r.err()
            .expect("the gateway must refuse to start")
            .to_string()
    };
    // The fixed-seed test keys have a public trapdoor: refused unless for development.
    let d = tempfile::tempdir().unwrap();
    let plain = "allow_v1 = true\nscope = \"gw.test\"\n";
    let e = refused(open(&opts(d.path(), plain, &auth_url, None), clock()).await);
    assert!(e.contains("public test key"), "{e}");
    let v1 = "allow_v1 = true\nallow_test_keys = true\n";
    let d = tempfile::tempdir().unwrap();
    let e = refused(open(&opts(d.path(), v1, &auth_url, None), clock()).await);
    assert!(e.contains("no scope"), "{e}");
    let d = tempfile::tempdir().unwrap();
    let toml = format!("{v1}scope = \"gw.test\"\n");
    let e = refused(
        open(
            &opts(d.path(), &toml, "http://authority.example", None),
            clock(),
        )
        .await,
    );
    assert!(e.contains("plain http"), "{e}");
    // A wallet origin is an origin: https (or loopback http), no path.
    for bad in ["https://wallet.example/wallet/", "http://wallet.example"] {
        let d = tempfile::tempdir().unwrap();
        let t = format!("{toml}wallet_origins = [{bad:?}]\n");
        let e = refused(open(&opts(d.path(), &t, &auth_url, None), clock()).await);
        assert!(e.contains("wallet_origins"), "{bad}: {e}");
    }
    // A challenge that outlives the lease it is for would give leases born expired.
    let d = tempfile::tempdir().unwrap();
    let short = format!("{toml}lease_ttl_secs = 60\n");
    let e = refused(open(&opts(d.path(), &short, &auth_url, None), clock()).await);
    assert!(e.contains("challenge_ttl_secs must be shorter"), "{e}");
    let d = tempfile::tempdir().unwrap();
    let wrong = "00".repeat(32);
    let e = refused(open(&opts(d.path(), &toml, &auth_url, Some(&wrong)), clock()).await);
    assert!(e.contains("not the authority_digest"), "{e}");
    assert!(!d.path().join("authority.json").exists(), "nothing pinned");
    // The right digest starts, and a restart with another is refused (pinned keys).
    let state = open(&opts(d.path(), &toml, &auth_url, Some(&digest)), clock()).await;
    drop(state.expect("the right digest starts"));
    let e = refused(open(&opts(d.path(), &toml, &auth_url, Some(&wrong)), clock()).await);
    assert!(e.contains("not the authority_digest"), "{e}");
}

/// A gateway starts only with the verifying key the authority's signed key descriptor
/// names for its circuit (the key wallets prove with); the twin: the same gateway against
/// an authority naming another key for circuit v1 is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_a_key_other_than_the_authoritys() {
    let start = |published: std::path::PathBuf| async move {
        let authority = TestAuthority::builder()
            .config(&format!(
                "circuit_keys = [{published:?}]\nallow_test_keys = true"
            ))
            .start()
            .await;
        let (auth_url, server) = authority.serve().await;
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("gateway.toml"),
            "allow_v1 = true\nallow_test_keys = true\nscope = \"gw.test\"\n",
        )
        .unwrap();
        let opts = ServeOptions {
            data: d.path().to_owned(),
            scope: None,
            authority_digest: None,
            listen: "127.0.0.1:0".parse().unwrap(),
            authority: Some(auth_url),
            upstream: Some("echo".into()),
            database: None,
            in_process: alc_devkit::upstream::offered(),
            verifying_key: keys().1.clone(),
        };
        let clock: Arc<dyn alc_protocol::time::Clock> = Arc::new(authority.clock.clone());
        let opened = open(&opts, clock)
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        server.abort();
        opened
    };
    let same = tempfile::tempdir().unwrap();
    alc_devkit::keys::write_key_dir(same.path()).unwrap();
    start(same.path().to_owned())
        .await
        .expect("the authority's own key starts");
    // Another key published for circuit v1: its bytes and digests swapped in.
    let other = tempfile::tempdir().unwrap();
    alc_devkit::keys::write_key_dir(other.path()).unwrap();
    let vk = alc_devkit::keys::test_keys_v2().1.to_bytes();
    std::fs::write(other.path().join("verifying_key.bin"), &vk).unwrap();
    let digests = other.path().join("digests.json");
    let mut d: alc_protocol::files::Digests =
        serde_json::from_slice(&std::fs::read(&digests).unwrap()).unwrap();
    d.verifying_key = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&vk));
    std::fs::write(&digests, serde_json::to_vec(&d).unwrap()).unwrap();
    let e = start(other.path().to_owned()).await.unwrap_err();
    assert!(e.contains("not the one the authority publishes"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_description_names_every_route_and_only_routes() {
    let w = world("").await;
    let (s, doc) = w.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer",
        "{doc}"
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort_unstable();
    assert_eq!(
        documented,
        [
            "/v1/admin/incident",
            "/v1/admin/kill",
            "/v1/autonomous/{rest}",
            "/v1/gateway",
            "/v1/lease",
            "/v1/lease/challenge",
            "/v1/lease/delegate",
            "/v1/lease/renew",
            "/v1/public/{rest}",
            "/v1/sandbox/{rest}",
        ]
    );
    let route = |path: &str| path.replace("{rest}", "x");
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            let (s, v) = w.call(&m, &route(path), None, None).await;
            assert_ne!(s, StatusCode::NOT_FOUND, "{m} {path} is documented: {v}");
            // Its twin: the same call one letter off the route is no route at all.
            let (s, _) = w
                .call(
                    &m,
                    &format!("{}x", route(path)).replacen("/v1/", "/v1x/", 1),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}x");
        }
    }
    // Secured operations document 401 and 429; ones with a body 400, 413 and 415.
    let renew = &doc["paths"]["/v1/lease/renew"]["post"]["responses"];
    for code in ["400", "401", "413", "415", "429"] {
        assert!(renew[code].is_object(), "{code}: {renew}");
    }
    let info = &doc["paths"]["/v1/gateway"]["get"]["responses"];
    assert!(info["401"].is_null() && info["413"].is_null(), "{info}");
}

/// A wallet site's page (on another origin) may call the lease and route endpoints: the
/// gateway answers its preflight, and no other origin's, and never for the admin
/// endpoints; a gateway with no `wallet_origins` answers none. The gateway serves no
/// wallet code (twin of the old `/wallet/` page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_wallet_origins_get_cors_and_no_wallet_is_served() {
    async fn preflight(app: &Router, path: &str, origin: &str) -> Option<String> {
        let req = axum::http::Request::builder()
            .method("OPTIONS")
            .uri(path)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, signature, content-type",
            )
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        resp.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    }
    let w = world("wallet_origins = [\"https://wallet.example\"]\n").await;
    for path in ["/v1/lease", "/v1/lease/challenge", "/v1/autonomous/chat"] {
        assert_eq!(
            preflight(&w.gateway, path, "https://wallet.example")
                .await
                .as_deref(),
            Some("https://wallet.example"),
            "{path}"
        );
        assert_eq!(
            preflight(&w.gateway, path, "https://evil.example").await,
            None,
            "{path}"
        );
    }
    assert_eq!(
        preflight(&w.gateway, "/v1/admin/kill", "https://wallet.example").await,
        None,
        "admin endpoints answer no page"
    );
    let (st, _) = w.call("GET", "/wallet/", None, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let plain = world("").await;
    assert_eq!(
        preflight(&plain.gateway, "/v1/lease", "https://wallet.example").await,
        None
    );
}
