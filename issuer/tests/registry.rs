//! The registry the authority hosts, through its router: gateway registration, signed
//! submissions (and every refusal, with nothing written), checkpoints, inclusion and
//! consistency proofs checked with `alc-registry`'s verifiers, and the authority's own
//! entries (status epochs, incidents).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_devkit::authority::{TestAuthority, T0};
use alc_protocol::authority::{GatewayRegistration, IncidentReport, NewToken};
use alc_registry::checkpoint::{verify_checkpoint, SignedCheckpoint, VerifierKey};
use alc_registry::entry::{Entry, Kill, KillTarget, Permissions, Spawn};
use alc_registry::merkle::{self, ConsistencyProof, InclusionProof};
use alc_registry::submission::{sign, GatewayKey, Submission};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::{json, Value};
use tower::ServiceExt;

const GW: &str = "gw-a.example";

struct H {
    app: Router,
    admin: String,
    key: VerifierKey,
    origin: String,
    _dir: tempfile::TempDir,
}

async fn harness() -> H {
    let t = TestAuthority::builder()
        .without_identity_provider()
        .start()
        .await;
    let (authority, admin, dir) = (t.authority, t.admin, t.dir);
    let app = alc_issuer::api::app(authority);
    let mut h = H {
        app,
        admin,
        key: dummy_key(),
        origin: String::new(),
        _dir: dir,
    };
    let (s, info) = h.call("GET", "/v1/authority", None, None).await;
    assert_eq!(s, StatusCode::OK);
    h.key = info["registry_key"].as_str().unwrap().parse().unwrap();
    h.origin = info["registry_origin"].as_str().unwrap().to_owned();
    assert_eq!(h.origin, "test-authority/registry");
    h
}

fn dummy_key() -> VerifierKey {
    VerifierKey::new(
        "placeholder",
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    )
    .unwrap()
}

impl H {
    async fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        alc_devkit::http::call(&self.app, method, path, bearer, body).await
    }

    async fn checkpoint(&self) -> SignedCheckpoint {
        let req = Request::get("/v1/registry/checkpoint")
            .body(Body::empty())
            .unwrap();
        let (s, note) = self.send(req).await;
        assert_eq!(s, StatusCode::OK);
        verify_checkpoint(&note, &self.origin, &self.key).unwrap()
    }

    async fn size(&self) -> u64 {
        self.checkpoint().await.checkpoint().size
    }

    async fn register(&self, key: &GatewayKey) {
        let (s, v) = self
            .call(
                "POST",
                "/v1/admin/gateways",
                Some(&self.admin),
                typed(&GatewayRegistration {
                    id: key.gateway().into(),
                    key: hex::encode(key.verifying_key().as_bytes()),
                    url: format!("https://{}", key.gateway()),
                    reason: "onboarding".into(),
                }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

/// A typed request body as the router helper takes it.
fn typed<T: Serialize>(value: &T) -> Option<Value> {
    Some(serde_json::to_value(value).unwrap())
}

/// The JSON of a typed value.
fn value<T: Serialize>(typed: &T) -> Value {
    serde_json::to_value(typed).unwrap()
}

/// A gateway registration of `id` with the hex `key`.
fn registration(id: &str, key: String) -> Option<Value> {
    typed(&GatewayRegistration {
        id: id.into(),
        key,
        url: format!("https://{id}"),
        reason: "x".into(),
    })
}

/// `sub` with its spawn entry changed by `edit`.
fn edited(mut sub: Submission, edit: impl FnOnce(&mut Spawn)) -> Submission {
    if let Entry::Spawn(s) = &mut sub.entry {
        edit(s);
    }
    sub
}

fn spawn(lease: &str, parent: Option<&str>, agent: &str, depth: u32) -> Entry {
    Entry::Spawn(Spawn {
        gateway: GW.into(),
        lease_id: lease.into(),
        parent_lease: parent.map(Into::into),
        agent: agent.into(),
        pseudonym: "12345678901234567890".into(),
        permit_hash: String::new(),
        permissions: Permissions {
            routes: vec!["/v1/autonomous/".into()],
            rate_per_min: 60,
            expires: T0 + 900,
            tier: 1,
            permit_tier: 0,
        },
        manifest_hash: "ab".repeat(32),
        depth,
        system: None,
        at: T0,
    })
}

fn leaf_hash_of(stored: &Value) -> merkle::Hash {
    let leaf = base64::engine::general_purpose::STANDARD
        .decode(stored["leaf"].as_str().unwrap())
        .unwrap();
    merkle::leaf_hash(&leaf)
}

#[tokio::test]
async fn submissions_proofs_and_checkpoints() {
    let h = harness().await;
    // The authority's first entry: status epoch 0.
    let first = h.checkpoint().await;
    assert_eq!(first.checkpoint().size, 1);
    let (s, e0) = h.call("GET", "/v1/registry/entries/0", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(e0["entry"]["kind"], "status_epoch");

    let gw = GatewayKey::from_seed(GW, &[1; 32]);
    h.register(&gw).await;
    // Registering the same key again is fine; another key for the same id is not.
    h.register(&gw).await;
    let other = GatewayKey::from_seed(GW, &[2; 32]);
    let (s, _) = h
        .call(
            "POST",
            "/v1/admin/gateways",
            Some(&h.admin),
            registration(GW, hex::encode(other.verifying_key().as_bytes())),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    let entries = [
        spawn("lease-root", None, "agent-1", 0),
        spawn("lease-child", Some("lease-root"), "agent-2", 1),
        spawn("lease-grandchild", Some("lease-child"), "agent-3", 2),
    ];
    let mut indices = Vec::new();
    for e in &entries {
        let sub = sign(&gw, e.clone()).unwrap();
        let (s, v) = h
            .call("POST", "/v1/registry/entries", None, typed(&sub))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        indices.push(v["index"].as_str().unwrap().parse::<u64>().unwrap());
        // A retry returns the same index without a second leaf.
        let (s, again) = h
            .call("POST", "/v1/registry/entries", None, typed(&sub))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(again["index"], v["index"]);
    }
    assert_eq!(indices, [1, 2, 3]);

    let cp = h.checkpoint().await;
    assert_eq!(cp.checkpoint().size, 4);
    let root = cp.checkpoint().root;
    // Inclusion, by index and by leaf hash, against the signed root.
    for i in 0..4u64 {
        let (_, stored) = h
            .call("GET", &format!("/v1/registry/entries/{i}"), None, None)
            .await;
        let leaf = leaf_hash_of(&stored);
        let (s, p) = h
            .call(
                "GET",
                &format!("/v1/registry/proof/inclusion?index={i}&size=4"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let p: InclusionProof = serde_json::from_value(p).unwrap();
        p.verify(&leaf, &root).unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(leaf)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let (s, q) = h
            .call(
                "GET",
                &format!("/v1/registry/proof/inclusion?hash={hash}&size=4"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{q}");
        assert_eq!(serde_json::from_value::<InclusionProof>(q).unwrap(), p);
        // Failing twin: the proof does not prove another entry.
        let mut wrong = leaf;
        wrong[0] ^= 1;
        assert!(p.verify(&wrong, &root).is_err());
    }
    // Consistency between the first checkpoint and this one.
    let (s, c) = h
        .call(
            "GET",
            "/v1/registry/proof/consistency?from=1&to=4",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let c: ConsistencyProof = serde_json::from_value(c).unwrap();
    alc_registry::audit::check_consistency(&first, &cp, &c.hashes).unwrap();

    // Lookups for tracing: by lease id and by agent id.
    let (_, by_lease) = h
        .call("GET", "/v1/registry/spawns/lease-child", None, None)
        .await;
    assert_eq!(by_lease[0]["entry"]["parent_lease"], "lease-root");
    let (_, by_agent) = h
        .call("GET", "/v1/registry/spawns/agent-3", None, None)
        .await;
    assert_eq!(by_agent[0]["entry"]["lease_id"], "lease-grandchild");
    let (_, none) = h
        .call("GET", "/v1/registry/spawns/nobody", None, None)
        .await;
    assert_eq!(none, json!([]));

    // An incident report appends an entry holding the hash of its text, not the text.
    let (s, _) = h
        .call(
            "POST",
            "/v1/incidents",
            Some(&h.admin),
            typed(&IncidentReport {
                pseudonym: "42".into(),
                gateway: GW.into(),
                chain: vec![],
                description: "looped spend".into(),
                escrow: None,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, e4) = h.call("GET", "/v1/registry/entries/4", None, None).await;
    assert_eq!(e4["entry"]["kind"], "incident");
    assert!(!e4.to_string().contains("looped spend"));
    assert_eq!(h.size().await, 5);
}

#[tokio::test]
async fn refused_submissions_write_nothing() {
    let h = harness().await;
    let gw = GatewayKey::from_seed(GW, &[1; 32]);
    let stranger = GatewayKey::from_seed("gw-unknown.example", &[4; 32]);
    h.register(&gw).await;
    let before = h.size().await;
    let good = sign(&gw, spawn("l1", None, "a1", 0)).unwrap();

    // Forged signature: a flipped bit, and a signature by another key in GW's name.
    let mut forged = good.clone();
    forged.signature[0] ^= 1;
    let impostor = GatewayKey::from_seed(GW, &[3; 32]);
    let cases = [
        (value(&forged), StatusCode::FORBIDDEN),
        (
            value(&sign(&impostor, spawn("l1", None, "a1", 0)).unwrap()),
            StatusCode::FORBIDDEN,
        ),
        // An unregistered gateway.
        (
            value(
                &sign(
                    &stranger,
                    Entry::Kill(Kill {
                        gateway: "gw-unknown.example".into(),
                        target: KillTarget::Lease("l1".into()),
                        reason: "x".into(),
                        at: T0,
                    }),
                )
                .unwrap(),
            ),
            StatusCode::FORBIDDEN,
        ),
        // The entry edited after signing.
        (
            value(&edited(good.clone(), |s| s.agent = "a2".into())),
            StatusCode::FORBIDDEN,
        ),
        // Malformed entries.
        (
            value(&edited(good.clone(), |s| {
                s.pseudonym = "not a number".into()
            })),
            StatusCode::BAD_REQUEST,
        ),
        (
            {
                let mut v = value(&good);
                // malformed on purpose: an entry kind that does not exist
                v["entry"]["kind"] = json!("teleport");
                v
            },
            StatusCode::BAD_REQUEST,
        ),
        // malformed on purpose: a submission missing its entry and signature
        (json!({ "gateway": GW }), StatusCode::BAD_REQUEST),
        // malformed on purpose: not an object
        (json!([1, 2, 3]), StatusCode::BAD_REQUEST),
    ];
    for (body, code) in cases {
        let (s, v) = h
            .call("POST", "/v1/registry/entries", None, Some(body.clone()))
            .await;
        assert_eq!(s, code, "{body} -> {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    // The entry in another gateway's name, signed by GW: refused.
    let mut other = spawn("l1", None, "a1", 0);
    if let Entry::Spawn(s) = &mut other {
        s.gateway = "gw-b.example".into();
    }
    let signed_by_b = sign(&GatewayKey::from_seed("gw-b.example", &[1; 32]), other).unwrap();
    let as_gw = Submission {
        gateway: GW.into(),
        ..signed_by_b
    };
    let (s, _) = h
        .call("POST", "/v1/registry/entries", None, typed(&as_gw))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.size().await,
        before,
        "a refused submission wrote something"
    );

    // Registration needs the `gateways` scope and a valid key.
    let (s, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "reporter".into(),
                scopes: vec!["report".into()],
                reason: "gw".into(),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let weak = t["token"].as_str().unwrap();
    let reg = registration("gw-c.example", hex::encode([5u8; 32]));
    let (s, _) = h.call("POST", "/v1/admin/gateways", Some(weak), reg).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (id, key) in [
        ("gw c", "00".repeat(32)),
        ("gw-c", "zz".into()),
        ("gw-c", "00".repeat(31)),
    ] {
        let (s, _) = h
            .call(
                "POST",
                "/v1/admin/gateways",
                Some(&h.admin),
                registration(id, key.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{id} {key}");
    }

    // Bad proof queries are 400s or 404s, never 500s.
    for q in [
        "/v1/registry/proof/inclusion?index=99",
        "/v1/registry/proof/inclusion?index=0&size=99",
        "/v1/registry/proof/inclusion?index=x",
        "/v1/registry/proof/inclusion",
        "/v1/registry/proof/inclusion?hash=AAAA",
        "/v1/registry/proof/consistency?from=2&to=1",
        "/v1/registry/proof/consistency?from=0&to=99",
        "/v1/registry/proof/consistency?to=1",
        "/v1/registry/entries/99",
        "/v1/registry/entries/-1",
    ] {
        let (s, v) = h.call("GET", q, None, None).await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND,
            "{q} -> {s} {v}"
        );
    }
}

#[tokio::test]
async fn the_root_matches_a_replay_of_every_leaf() {
    let h = harness().await;
    let gw = GatewayKey::from_seed(GW, &[1; 32]);
    h.register(&gw).await;
    let mut seen = vec![h.checkpoint().await];
    for i in 0..40 {
        let sub = sign(
            &gw,
            spawn(&format!("lease-{i}"), None, &format!("agent-{i}"), 0),
        )
        .unwrap();
        let (s, _) = h
            .call("POST", "/v1/registry/entries", None, typed(&sub))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        if i % 7 == 0 {
            seen.push(h.checkpoint().await);
        }
    }
    let last = h.checkpoint().await;
    let n = last.checkpoint().size;
    let mut leaves = Vec::new();
    for i in 0..n {
        let (_, stored) = h
            .call("GET", &format!("/v1/registry/entries/{i}"), None, None)
            .await;
        leaves.push(leaf_hash_of(&stored));
    }
    alc_registry::audit::check_leaves(&last, &leaves).unwrap();
    // Every earlier checkpoint is consistent with the last.
    for old in &seen {
        let (s, c) = h
            .call(
                "GET",
                &format!(
                    "/v1/registry/proof/consistency?from={}&to={n}",
                    old.checkpoint().size
                ),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let c: ConsistencyProof = serde_json::from_value(c).unwrap();
        alc_registry::audit::check_consistency(old, &last, &c.hashes).unwrap();
        // Failing twin: the proof against a root one leaf short does not hold.
        if old.checkpoint().size > 1 {
            let short = merkle::root_of(&leaves[..leaves.len() - 1]);
            assert!(merkle::verify_consistency(
                old.checkpoint().size,
                n,
                &old.checkpoint().root,
                &short,
                &c.hashes
            )
            .is_err());
        }
    }
}
