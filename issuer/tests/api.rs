//! The authority's router, driven with `oneshot`: identity, assessment rules (including
//! 50 concurrent submissions), issuance, permits, revocation and status, incidents,
//! tokens, and the failing twin of each.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_devkit::authority::{TestAuthority, AUDIENCE as AUD, IDP, T0};
use alc_devkit::clock::ManualClock;
use alc_devkit::idp::DevIdp;
use alc_insurance::InsurerSecret;
use alc_issuer::authority::Authority;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::{
    Answer, AnswerSheet, Attempt, ChainLink, CredentialRequest, IdentityRef, IncidentReport,
    InsurerRegistration, Login, NewAgentSystem, NewOperator, NewPermit, NewToken,
    PermitStatusChange, Resolution, RevokeRequest, Training,
};
use alc_protocol::files::CredentialFile;
use alc_protocol::insurance::CoverEvidence;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rand::rngs::OsRng;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

struct H {
    app: Router,
    authority: Arc<Authority>,
    clock: ManualClock,
    idp: DevIdp,
    admin: String,
    _dir: tempfile::TempDir,
}

async fn harness() -> H {
    let t = TestAuthority::builder()
        .config("status_interval_secs = 300")
        .start()
        .await;
    H {
        app: t.app,
        authority: t.authority,
        clock: t.clock,
        idp: t.idp,
        admin: t.admin,
        _dir: t.dir,
    }
}

impl H {
    async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        alc_devkit::http::call(&self.app, method, path, bearer, body).await
    }

    async fn raw(&self, method: &str, path: &str, body: &'static str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Signs in `subject`; returns the session token.
    async fn login(&self, subject: &str) -> String {
        let (s, n) = self.call("POST", "/v1/identity/nonce", None, None).await;
        assert_eq!(s, StatusCode::OK);
        let token = self.idp.mint(
            subject,
            AUD,
            Some(n["nonce"].as_str().unwrap()),
            self.clock_now(),
            300,
        );
        let (s, v) = self
            .call(
                "POST",
                "/v1/identity",
                None,
                typed(&Login { id_token: token }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["session"].as_str().unwrap().to_owned()
    }

    fn clock_now(&self) -> u64 {
        alc_protocol::time::Clock::now(&self.clock)
    }

    /// Starts an attempt and answers it right (or wrong).
    async fn sit(&self, session: &str, right: bool) -> (StatusCode, Value) {
        let (s, a) = self
            .call("POST", "/v1/assessment/attempts", Some(session), None)
            .await;
        if s != StatusCode::OK {
            return (s, a);
        }
        let a: Attempt = serde_json::from_value(a).unwrap();
        let answers = answers(&a, right);
        self.call(
            "POST",
            "/v1/assessment/submit",
            Some(session),
            typed(&AnswerSheet {
                attempt: a.attempt,
                answers,
            }),
        )
        .await
    }

    async fn pass(&self, session: &str) {
        let (s, v) = self.sit(session, true).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["passed"], true);
    }
}

/// A typed request body as the router helper takes it.
fn typed<T: Serialize>(value: &T) -> Option<Value> {
    Some(serde_json::to_value(value).unwrap())
}

/// The right (or a wrong) option for every question, found by matching option text.
fn answers(attempt: &Attempt, right: bool) -> Vec<Answer> {
    let bank = Bank::from_toml(DEFAULT_BANK).unwrap();
    attempt
        .questions
        .iter()
        .map(|q| {
            let b = bank.questions.iter().find(|b| b.text == q.text).unwrap();
            let correct = &b.options[b.answer];
            let pos = q.options.iter().position(|o| o == correct).unwrap();
            let pos = if right { pos } else { (pos + 1) % 4 };
            Answer {
                question: q.id.clone(),
                option: pos,
            }
        })
        .collect()
}

/// A credential request for `holder`, bound to `permit` if any.
fn credential(holder: String, permit: Option<&str>) -> Option<Value> {
    typed(&CredentialRequest {
        holder,
        permit: permit.map(str::to_owned),
    })
}

/// An identity of the test identity provider.
fn identity(subject: &str) -> IdentityRef {
    IdentityRef {
        issuer: IDP.into(),
        subject: subject.into(),
    }
}

fn holder() -> String {
    to_decimal(&HolderSecret::generate(&mut rand::rngs::OsRng).commitment())
}

#[tokio::test]
async fn identity_tokens_are_checked_and_nonces_single_use() {
    let h = harness().await;
    let (_, n) = h.call("POST", "/v1/identity/nonce", None, None).await;
    let nonce = n["nonce"].as_str().unwrap();
    let good = h.idp.mint("alice", AUD, Some(nonce), T0, 300);
    let (s, v) = h
        .call(
            "POST",
            "/v1/identity",
            None,
            typed(&Login { id_token: good }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["identity"]["passed"], false);
    // The same nonce again: refused.
    let again = h.idp.mint("alice", AUD, Some(nonce), T0, 300);
    let (s, v) = h
        .call(
            "POST",
            "/v1/identity",
            None,
            typed(&Login { id_token: again }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // Another audience, no nonce, an unknown provider's key, garbage.
    let (_, n) = h.call("POST", "/v1/identity/nonce", None, None).await;
    let nonce = n["nonce"].as_str().unwrap();
    let other_idp = DevIdp::generate(IDP.into());
    for bad in [
        h.idp.mint("alice", "someone-else", Some(nonce), T0, 300),
        h.idp.mint("alice", AUD, None, T0, 300),
        other_idp.mint("alice", AUD, Some(nonce), T0, 300),
        h.idp.mint("alice", AUD, Some(nonce), T0 - 10_000, 300),
        "not.a.jwt".to_owned(),
    ] {
        let (s, v) = h
            .call(
                "POST",
                "/v1/identity",
                None,
                typed(&Login { id_token: bad }),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"], "bad_request");
    }
    // Sessions are required and checked.
    let (s, _) = h.call("POST", "/v1/assessment/attempts", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = h
        .call("POST", "/v1/assessment/attempts", Some("made-up"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_gets_clear_json_errors() {
    let h = harness().await;
    for (body, code) in [
        ("{", StatusCode::BAD_REQUEST),
        (
            "{\"id_token\": \"x\", \"extra\": 1}",
            StatusCode::BAD_REQUEST,
        ),
        ("[]", StatusCode::BAD_REQUEST),
    ] {
        let (s, v) = h.raw("POST", "/v1/identity", body).await;
        assert_eq!(s, code, "{body}: {v}");
        assert!(v["message"].as_str().unwrap().len() > 3, "{v}");
    }
    let big = typed(&Login {
        id_token: "x".repeat(70_000),
    });
    let (s, v) = h.call("POST", "/v1/identity", None, big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let (s, v) = h.call("GET", "/v1/nowhere", None, None).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, v) = h.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["paths"]["/v1/admin/revoke"].is_object());
    // The bearer scheme its operations name is defined, and the error answers documented.
    assert_eq!(
        v["components"]["securitySchemes"]["bearer"]["scheme"], "bearer",
        "{v}"
    );
    let revoke = &v["paths"]["/v1/admin/revoke"]["post"]["responses"];
    for code in ["400", "401", "413", "415"] {
        assert!(revoke[code].is_object(), "{code}: {revoke}");
    }
    // An operation without a body or a token documents neither 413 nor 401.
    let status = &v["paths"]["/v1/status"]["get"]["responses"];
    assert!(
        status["413"].is_null() && status["401"].is_null(),
        "{status}"
    );
}

/// A cooling-off's `429` says when to come back in the header too (RFC 9110
/// `Retry-After`, an HTTP-date), not only in the body's `retry_at`.
#[tokio::test]
async fn a_cooling_off_answer_carries_retry_after() {
    let h = harness().await;
    let s = h.login("carol").await;
    for _ in 0..2 {
        assert_eq!(h.sit(&s, false).await.0, StatusCode::OK);
    }
    let req = Request::post("/v1/assessment/attempts")
        .header("authorization", format!("Bearer {s}"))
        .body(Body::empty())
        .unwrap();
    let resp = h.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    // T0 + 24 hours.
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("Tue, 22 Sep 2026 14:13:20 GMT")
    );
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (v["error"].as_str(), v["retry_at"].as_u64()),
        (Some("cooling_off"), Some(T0 + 86_400))
    );
}

#[tokio::test]
async fn cooling_off_and_lock_follow_the_rules() {
    let h = harness().await;
    let s = h.login("bob").await;
    // Two failures: cooling-off for 24 hours.
    for _ in 0..2 {
        let (st, v) = h.sit(&s, false).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["passed"], false);
    }
    let (st, v) = h.sit(&s, false).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["retry_at"], T0 + 86_400);
    // A new session for the same identity cannot reset anything.
    h.clock.advance(86_400 - 1);
    let s2 = h.login("bob").await;
    assert_eq!(h.sit(&s2, false).await.0, StatusCode::TOO_MANY_REQUESTS);
    // After the cooling-off, four more failures reach the maximum of six: locked.
    for _ in 0..2 {
        h.clock.advance(86_400);
        let s = h.login("bob").await;
        for _ in 0..2 {
            assert_eq!(h.sit(&s, false).await.0, StatusCode::OK);
        }
    }
    h.clock.advance(86_400 * 2);
    let s = h.login("bob").await;
    let (st, v) = h.sit(&s, true).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    // Training recorded by an admin, with its evidence, unlocks; then a pass.
    let training = |who: &str, certificate: &str| {
        typed(&Training {
            identity: identity(who),
            course_provider: "Agent Safety Institute".into(),
            certificate: certificate.into(),
            reason: "certificate checked with the provider".into(),
        })
    };
    // Twins: without the certificate, or for an identity that is not locked, refused.
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/training",
            Some(&h.admin),
            training("bob", " "),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    h.login("carl").await;
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/training",
            Some(&h.admin),
            training("carl", "ASI-1"),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_locked")),
        "{v}"
    );
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/training",
            Some(&h.admin),
            training("bob", "ASI-2026-0042"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, details FROM audit WHERE action LIKE 'training%' ORDER BY id",
    )
    .fetch_all(&h.authority.db_pool())
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["training_refused", "training_refused", "training"],
        "the refusals are on the record too"
    );
    assert!(rows[2].1.contains("ASI-2026-0042"), "{rows:?}");
    assert_eq!(v["locked"], false);
    h.pass(&s).await;
    // Passed: no further attempts.
    assert_eq!(h.sit(&s, true).await.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn attempts_are_single_use_expire_and_open_one_at_a_time() {
    let h = harness().await;
    let s = h.login("carol").await;
    let (_, a) = h
        .call("POST", "/v1/assessment/attempts", Some(&s), None)
        .await;
    let a: Attempt = serde_json::from_value(a).unwrap();
    // Only one open attempt.
    assert_eq!(
        h.call("POST", "/v1/assessment/attempts", Some(&s), None)
            .await
            .0,
        StatusCode::CONFLICT
    );
    // Incomplete answers are refused and do not consume the attempt.
    let partial = answers(&a, true)[1..].to_vec();
    let (st, _) = h
        .call(
            "POST",
            "/v1/assessment/submit",
            Some(&s),
            typed(&AnswerSheet {
                attempt: a.attempt.clone(),
                answers: partial,
            }),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let sheet = typed(&AnswerSheet {
        attempt: a.attempt.clone(),
        answers: answers(&a, true),
    });
    assert_eq!(
        h.call("POST", "/v1/assessment/submit", Some(&s), sheet.clone())
            .await
            .0,
        StatusCode::OK
    );
    // Replayed token.
    assert_eq!(
        h.call("POST", "/v1/assessment/submit", Some(&s), sheet)
            .await
            .0,
        StatusCode::CONFLICT
    );
    // An attempt left to expire counts as a failure.
    let s = h.login("dave").await;
    let (_, a) = h
        .call("POST", "/v1/assessment/attempts", Some(&s), None)
        .await;
    h.clock.advance(31 * 60);
    let a: Attempt = serde_json::from_value(a).unwrap();
    let sheet = typed(&AnswerSheet {
        attempt: a.attempt.clone(),
        answers: answers(&a, true),
    });
    let (st, v) = h
        .call("POST", "/v1/assessment/submit", Some(&s), sheet)
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let (_, a) = h
        .call("POST", "/v1/assessment/attempts", Some(&s), None)
        .await;
    assert!(a["attempt"].is_string());
}

/// 50 concurrent submissions for one identity never exceed the limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_submissions_never_exceed_the_limits() {
    let h = Arc::new(harness().await);
    let s = h.login("eve").await;
    for round in 0..3 {
        let (_, a) = h
            .call("POST", "/v1/assessment/attempts", Some(&s), None)
            .await;
        if a["attempt"].is_null() {
            // Cooling-off after the second failure: wait it out.
            h.clock.advance(86_400);
            continue;
        }
        let a: Attempt = serde_json::from_value(a).unwrap();
        let sheet = typed(&AnswerSheet {
            attempt: a.attempt.clone(),
            answers: answers(&a, false),
        });
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (h, sheet, s) = (h.clone(), sheet.clone(), s.clone());
                tokio::spawn(async move {
                    h.call("POST", "/v1/assessment/submit", Some(&s), sheet)
                        .await
                        .0
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                StatusCode::OK => ok += 1,
                StatusCode::CONFLICT => {}
                other => panic!("round {round}: unexpected {other}"),
            }
        }
        assert_eq!(ok, 1, "exactly one submission of an attempt is marked");
    }
    // Concurrent starts: at most one open attempt.
    h.clock.advance(86_400);
    let s = h.login("eve").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (h, s) = (h.clone(), s.clone());
            tokio::spawn(async move {
                h.call("POST", "/v1/assessment/attempts", Some(&s), None)
                    .await
                    .0
            })
        })
        .collect();
    let mut started = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::OK {
            started += 1;
        }
    }
    assert_eq!(started, 1);
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM identities")
        .fetch_one(&h.authority_db())
        .await
        .unwrap();
    assert_eq!(
        failures, 2,
        "two rounds marked, one skipped by the cooling-off"
    );
}

impl H {
    fn authority_db(&self) -> sqlx::AnyPool {
        self.authority.db_pool()
    }
}

#[tokio::test]
async fn issuance_one_licence_per_identity_and_apprentices() {
    let h = harness().await;
    let s = h.login("frank").await;
    let pk = holder();
    // Not passed yet.
    assert_eq!(
        h.call(
            "POST",
            "/v1/credentials",
            Some(&s),
            credential(pk.clone(), None)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    h.pass(&s).await;
    let (st, c) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&s),
            credential(pk.clone(), None),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let file = alc_circuits::files::CredentialFile::from_json(&c.to_string()).unwrap();
    assert_eq!(file.signed.credential.tier, 1);
    assert_eq!(to_decimal(&file.signed.credential.holder), pk);
    assert_eq!(file.issuer, h.authority.keys().issuer_public());
    // One licence per identity, even from a new session.
    let s2 = h.login("frank").await;
    assert_eq!(
        h.call(
            "POST",
            "/v1/credentials",
            Some(&s2),
            credential(holder(), None)
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    // Bad holders.
    for bad in [
        "0",
        "-1",
        "21888242871839275222246405745257275088548364400416034343698204186575808495617",
        "x",
    ] {
        assert_eq!(
            h.call(
                "POST",
                "/v1/credentials",
                Some(&s),
                credential(bad.into(), None)
            )
            .await
            .0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

/// An insurer's certificate for `permit` (cover: twice `minimum`, a year) and the
/// holder's cover proof against `minimum` for `tier`: the `insurance` of a permit request.
fn cover(insurer: &InsurerSecret, permit: &str, tier: u8, minimum: u64) -> CoverEvidence {
    alc_devkit::insurance::cover(insurer, permit, "POL-1", tier, minimum, T0 + 365 * 86_400)
}

async fn operator(h: &H, subject: &str) -> String {
    let s = h.login(subject).await;
    h.pass(&s).await;
    s
}

#[tokio::test]
async fn permits_gate_credentials_and_suspension_revokes_them_in_one_epoch() {
    let h = harness().await;
    let (a1, a2) = (operator(&h, "p1").await, operator(&h, "p2").await);
    // Principals hold personal licences; their permit credentials share the holder key.
    let (k1, k2) = (holder(), holder());
    for (s, k) in [(&a1, &k1), (&a2, &k2)] {
        let (st, v) = h
            .call(
                "POST",
                "/v1/credentials",
                Some(s),
                credential(k.clone(), None),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let insurer = InsurerSecret::generate(&mut OsRng);
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/insurers",
            Some(&h.admin),
            typed(&InsurerRegistration {
                id: "lloyds-1".into(),
                key: insurer.public().to_string(),
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Tier 2 without insurance: the permit itself is refused, and nothing is written.
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/permits",
            Some(&h.admin),
            typed(&NewPermit {
                id: "acme".into(),
                name: "Acme Ltd".into(),
                tier: 2,
                insurance: None,
                contacts: Vec::new(),
                incident_contact: Some("mailto:incidents@example.test".into()),
                reporting: vec!["https://example.test/incidents".into()],
                reason: "application 7".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "insurance_required", "{v}");
    let add = |sub: &str, principal: bool| {
        typed(&NewOperator {
            identity: identity(sub),
            principal,
            reason: "r".into(),
        })
    };
    assert_eq!(
        h.call(
            "POST",
            "/v1/admin/permits/acme/operators",
            Some(&h.admin),
            add("p1", true)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Insured, but one principal short.
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/permits",
            Some(&h.admin),
            typed(&NewPermit {
                id: "acme2".into(),
                name: "Acme 2".into(),
                tier: 2,
                insurance: Some(cover(&insurer, "acme2", 2, 100_000_000)),
                contacts: Vec::new(),
                incident_contact: Some("mailto:incidents@example.test".into()),
                reporting: vec!["https://example.test/incidents".into()],
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["insurance"]["insurer"], "lloyds-1", "{v}");
    h.call(
        "POST",
        "/v1/admin/permits/acme2/operators",
        Some(&h.admin),
        add("p1", true),
    )
    .await;
    let req2 = credential(k1.clone(), Some("acme2"));
    let (st, v) = h
        .call("POST", "/v1/credentials", Some(&a1), req2.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(v["message"].as_str().unwrap().contains("principal"), "{v}");
    h.call(
        "POST",
        "/v1/admin/permits/acme2/operators",
        Some(&h.admin),
        add("p2", true),
    )
    .await;
    let (st, c1) = h.call("POST", "/v1/credentials", Some(&a1), req2).await;
    assert_eq!(st, StatusCode::OK, "{c1}");
    assert_eq!(c1["credential"]["permit_tier"], 2);
    let (st, c2) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&a2),
            credential(k2.clone(), Some("acme2")),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c2}");
    // Not an operator of the permit.
    let outsider = operator(&h, "p3").await;
    assert_eq!(
        h.call(
            "POST",
            "/v1/credentials",
            Some(&outsider),
            credential(holder(), Some("acme2"))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    // Suspension revokes both in one epoch.
    let (_, before) = h.call("GET", "/v1/status/list", None, None).await;
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/permits/acme2/status",
            Some(&h.admin),
            typed(&PermitStatusChange {
                status: "suspended".into(),
                reason: "insurance lapsed".into(),
                emergency: true,
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["revoked"].as_array().unwrap().len(), 2);
    let (_, after) = h.call("GET", "/v1/status/list", None, None).await;
    assert_eq!(
        after["epoch"].as_u64().unwrap(),
        before["epoch"].as_u64().unwrap() + 1
    );
    let list =
        alc_circuits::status::StatusList::decode(after["encoded_list"].as_str().unwrap()).unwrap();
    for c in [&c1, &c2] {
        assert!(list
            .is_revoked(c["credential"]["serial"].as_u64().unwrap() as u32)
            .unwrap());
    }
    assert_eq!(to_decimal(&list.root()), after["root"].as_str().unwrap());
    // Tier 3 needs named principals per agent system.
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/permits",
            Some(&h.admin),
            typed(&NewPermit {
                id: "big".into(),
                name: "Big plc".into(),
                tier: 3,
                insurance: Some(cover(&insurer, "big", 3, 1_000_000_000)),
                contacts: Vec::new(),
                incident_contact: Some("mailto:incidents@example.test".into()),
                reporting: vec!["https://example.test/incidents".into()],
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for sub in ["p1", "p2"] {
        h.call(
            "POST",
            "/v1/admin/permits/big/operators",
            Some(&h.admin),
            add(sub, true),
        )
        .await;
    }
    let (st, v) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&a1),
            credential(holder(), Some("big")),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let sys = typed(&NewAgentSystem {
        name: "trader".into(),
        principal: identity("p1"),
        reason: "r".into(),
    });
    assert_eq!(
        h.call(
            "POST",
            "/v1/admin/permits/big/agent-systems",
            Some(&h.admin),
            sys
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (st, v) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&a1),
            credential(k1.clone(), Some("big")),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["credential"]["permit_tier"], 3);
    // One holder commitment per identity (one pseudonym per gateway): p2's tier-3
    // credential under another holder than its licence's is refused.
    let (st, e) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&a2),
            credential(holder(), Some("big")),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("another holder commitment"),
        "{e}"
    );
}

#[tokio::test]
async fn revocation_updates_the_signed_status_and_is_audited() {
    let h = harness().await;
    let s = operator(&h, "ivan").await;
    let (_, c) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&s),
            credential(holder(), None),
        )
        .await;
    let serial = serde_json::from_value::<CredentialFile>(c)
        .unwrap()
        .credential
        .serial;
    let key = h.authority.keys().status.verifying_key();
    let (st, signed) = h.call("GET", "/v1/status", None, None).await;
    assert_eq!(st, StatusCode::OK);
    let r0 = serde_json::from_value::<alc_protocol::status::SignedStatus>(signed)
        .unwrap()
        .verify(&key)
        .unwrap();
    assert_eq!(r0.issuer, "test-authority");
    assert_eq!(r0.next_update, T0 + 300);
    // Without a token, with a token lacking the scope: refused.
    let req = typed(&RevokeRequest {
        serial,
        reason: "misconduct".into(),
        emergency: true,
    });
    assert_eq!(
        h.call("POST", "/v1/admin/revoke", None, req.clone())
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (_, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "gw".into(),
                scopes: vec!["report".into()],
                reason: "gateway".into(),
            }),
        )
        .await;
    let gw = t["token"].as_str().unwrap().to_owned();
    assert_eq!(
        h.call("POST", "/v1/admin/revoke", Some(&gw), req.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, v) = h
        .call("POST", "/v1/admin/revoke", Some(&h.admin), req.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let r1 = serde_json::from_value::<alc_protocol::status::SignedStatus>(v["status"].clone())
        .unwrap()
        .verify(&key)
        .unwrap();
    assert_eq!(r1.epoch, r0.epoch + 1);
    assert!(r1.emergency);
    assert_ne!(r1.root, r0.root);
    // Again: nothing changes; an unknown serial: 404.
    let (_, v) = h
        .call("POST", "/v1/admin/revoke", Some(&h.admin), req)
        .await;
    assert_eq!(v["epoch"].as_u64().unwrap(), r1.epoch);
    assert_eq!(
        h.call(
            "POST",
            "/v1/admin/revoke",
            Some(&h.admin),
            typed(&RevokeRequest {
                serial: 77777,
                reason: "x".into(),
                emergency: false,
            })
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The holder can no longer prove against the new root.
    let (_, l) = h.call("GET", "/v1/status/list", None, None).await;
    let list =
        alc_circuits::status::StatusList::decode(l["encoded_list"].as_str().unwrap()).unwrap();
    assert!(list.is_revoked(serial).unwrap());
    // Responses are re-signed after next_update.
    h.clock.advance(301);
    let (_, signed) = h.call("GET", "/v1/status", None, None).await;
    let r2 = serde_json::from_value::<alc_protocol::status::SignedStatus>(signed)
        .unwrap()
        .verify(&key)
        .unwrap();
    assert_eq!((r2.epoch, r2.produced_at), (r1.epoch, T0 + 301));
    // The audit log has it; it refuses edits.
    let db = h.authority_db();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit WHERE action = 'revoke'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(sqlx::query("DELETE FROM audit").execute(&db).await.is_err());
    // A restart rebuilds the same root.
    let restored = alc_issuer::status::StatusState::restore(
        &h.authority.database(),
        h.authority.config(),
        h.authority.keys(),
        T0,
    )
    .await
    .unwrap();
    assert_eq!(restored.snapshot().0.root(), list.root());
}

#[tokio::test]
async fn incidents_are_filed_by_gateways_and_resolved_by_admins() {
    let h = harness().await;
    let (_, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "gw1".into(),
                scopes: vec!["report".into()],
                reason: "gateway one".into(),
            }),
        )
        .await;
    let gw = t["token"].as_str().unwrap().to_owned();
    let report = typed(&IncidentReport {
        pseudonym: "123".into(),
        gateway: "gw1.example".into(),
        chain: vec![ChainLink {
            lease: "l1".into(),
            parent: None,
            agent: "agent-1".into(),
            manifest: "00".repeat(32),
            depth: 0,
            system: Some("5a".repeat(16)),
            at: 1_790_000_000,
        }],
        description: "agent exceeded its spend limit".into(),
        escrow: None,
    });
    // The twin: a chain naming a system by anything but its id is refused.
    let mut odd: IncidentReport = serde_json::from_value(report.clone().unwrap()).unwrap();
    odd.chain[0].system = Some("the dispatch system".into());
    let (st, v) = h
        .call("POST", "/v1/incidents", Some(&gw), typed(&odd))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, v) = h.call("POST", "/v1/incidents", Some(&gw), report).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["id"].as_i64().unwrap();
    let bad = typed(&IncidentReport {
        pseudonym: "not a number".into(),
        gateway: "g".into(),
        chain: vec![],
        description: "d".into(),
        escrow: None,
    });
    assert_eq!(
        h.call("POST", "/v1/incidents", Some(&gw), bad).await.0,
        StatusCode::BAD_REQUEST
    );
    // The gateway token cannot list; the admin can, and resolves.
    assert_eq!(
        h.call("GET", "/v1/admin/incidents", Some(&gw), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, list) = h
        .call("GET", "/v1/admin/incidents", Some(&h.admin), None)
        .await;
    assert_eq!(list[0]["reported_by"], "gw1");
    assert_eq!(
        list[0]["chain"][0]["system"],
        "5a".repeat(16),
        "the incident names the system"
    );
    let path = format!("/v1/admin/incidents/{id}/resolve");
    assert_eq!(
        h.call(
            "POST",
            &path,
            Some(&h.admin),
            typed(&Resolution {
                resolution: "licence suspended".into(),
            })
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.call(
            "POST",
            &path,
            Some(&h.admin),
            typed(&Resolution {
                resolution: "again".into(),
            })
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn status_is_pushed_as_server_sent_events_and_cached_until_next_update() {
    let h = harness().await;
    let s = operator(&h, "sse").await;
    let (_, c) = h
        .call(
            "POST",
            "/v1/credentials",
            Some(&s),
            credential(holder(), None),
        )
        .await;
    let serial = serde_json::from_value::<CredentialFile>(c)
        .unwrap()
        .credential
        .serial;
    // Cache-Control follows next_update.
    let resp = h
        .app
        .clone()
        .oneshot(Request::get("/v1/status").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    h.clock.advance(100);
    let resp = h
        .app
        .clone()
        .oneshot(Request::get("/v1/status").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "public, max-age=200");

    let resp = h
        .app
        .clone()
        .oneshot(
            Request::get("/v1/status/stream")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let key = h.authority.keys().status.verifying_key();
    async fn next_event(body: &mut Body) -> alc_protocol::status::SignedStatus {
        loop {
            let frame = body.frame().await.unwrap().unwrap();
            if let Ok(data) = frame.into_data() {
                let text = String::from_utf8(data.to_vec()).unwrap();
                if let Some(line) = text.lines().find(|l| l.starts_with("data:")) {
                    return serde_json::from_str(line.trim_start_matches("data:").trim()).unwrap();
                }
            }
        }
    }
    let first = next_event(&mut body).await.verify(&key).unwrap();
    let (st, _) = h
        .call(
            "POST",
            "/v1/admin/revoke",
            Some(&h.admin),
            typed(&RevokeRequest {
                serial,
                reason: "push".into(),
                emergency: true,
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let pushed = next_event(&mut body).await.verify(&key).unwrap();
    assert_eq!(pushed.epoch, first.epoch + 1);
    assert!(pushed.emergency);
}

/// `GET /v1/keys` names the configured key folder's digests, signed with the status key
/// under the descriptor's tag, and any web page may read it (a wallet site on another
/// host); an administrator's endpoint answers no other origin.
#[tokio::test]
async fn the_key_descriptor_is_signed_and_readable_from_any_origin() {
    let keys = tempfile::tempdir().unwrap();
    alc_devkit::keys::write_key_dir(keys.path()).unwrap();
    let t = TestAuthority::builder()
        .config(&format!(
            "circuit_keys = [{:?}]\nallow_test_keys = true",
            keys.path()
        ))
        .start()
        .await;
    let get = |path: &str| {
        Request::get(path)
            .header("origin", "https://wallet.example")
            .body(Body::empty())
            .unwrap()
    };
    let resp = t.app.clone().oneshot(get("/v1/keys")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let signed: alc_protocol::keys::SignedKeyDescriptor = serde_json::from_slice(&bytes).unwrap();
    let status_key = t.authority.keys().status.verifying_key();
    let d = signed
        .verify(&status_key, &t.authority.config().name)
        .unwrap();
    let written: alc_protocol::files::Digests =
        serde_json::from_slice(&std::fs::read(keys.path().join("digests.json")).unwrap()).unwrap();
    assert_eq!(d.keys, vec![written]);
    // Twin: signed by the authority's key, but not as a gateway list would be.
    let as_list = alc_protocol::gateways::SignedGatewayList {
        payload: signed.payload.clone(),
        signature: signed.signature.clone(),
    };
    assert!(as_list.verify(&status_key).is_err());

    let resp = t
        .app
        .clone()
        .oneshot(get("/v1/admin/incidents"))
        .await
        .unwrap();
    assert!(
        resp.headers().get("access-control-allow-origin").is_none(),
        "admin endpoints are not readable cross-origin"
    );
}

/// Without the development flag the authority refuses to publish a fixed-seed test key
/// (anyone could forge proofs under it); a key folder whose files do not match their
/// digests stops it too.
#[tokio::test]
#[should_panic(expected = "public test key")]
async fn a_test_key_folder_is_refused_without_the_development_flag() {
    let keys = tempfile::tempdir().unwrap();
    alc_devkit::keys::write_key_dir(keys.path()).unwrap();
    TestAuthority::builder()
        .config(&format!("circuit_keys = [{:?}]", keys.path()))
        .start()
        .await;
}

/// An attempt belongs to the session that started it: submitted from another session of
/// the same identity, or from another identity's session (someone sitting it for its
/// owner), it is refused with `not_your_attempt`, audited, and stays open for its owner,
/// whose own submission is then marked (the twin). Without a session it is 401.
#[tokio::test]
async fn an_attempt_submitted_from_another_session_is_refused_and_audited() {
    let h = harness().await;
    let owner = h.login("frank").await;
    let (_, a) = h
        .call("POST", "/v1/assessment/attempts", Some(&owner), None)
        .await;
    let a: Attempt = serde_json::from_value(a).unwrap();
    let sheet = typed(&AnswerSheet {
        attempt: a.attempt.clone(),
        answers: answers(&a, true),
    });
    let helper = h.login("grace").await;
    let second = h.login("frank").await;
    for other in [&helper, &second] {
        let (st, v) = h
            .call("POST", "/v1/assessment/submit", Some(other), sheet.clone())
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["error"], "not_your_attempt", "{v}");
    }
    let (st, _) = h
        .call("POST", "/v1/assessment/submit", None, sheet.clone())
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let refused: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, details FROM audit WHERE action = 'assessment_submit_refused' ORDER BY id",
    )
    .fetch_all(&h.authority.db_pool())
    .await
    .unwrap();
    assert_eq!(refused.len(), 2, "both refusals are in the audit log");
    assert!(
        refused[0].1.contains("\"same_identity\":false"),
        "{refused:?}"
    );
    assert!(
        refused[1].1.contains("\"same_identity\":true"),
        "{refused:?}"
    );
    assert!(
        !refused.iter().any(|(_, d)| d.contains(&a.attempt)),
        "the attempt's token is not in the log"
    );
    // The owner's submission is marked, and the pass is the owner's.
    let (st, v) = h
        .call("POST", "/v1/assessment/submit", Some(&owner), sheet)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["passed"], true);
    assert_eq!(
        h.sit(&helper, true).await.0,
        StatusCode::OK,
        "the helper's own standing is untouched"
    );
}
