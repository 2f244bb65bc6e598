//! The insurance wrapper at the authority, driven through the router with `oneshot`:
//! insurer registration, permits registered and renewed with an insurer's certificate and
//! a Bulletproofs cover proof, what is stored (never an amount), and the failing twins:
//! cover below the minimum, a proof for another permit, certificate or tier minimum, a
//! tampered certificate, an expired policy, an unregistered insurer, each refused with
//! nothing written.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_devkit::authority::{TestAuthority, AUDIENCE as AUD, IDP, T0};
use alc_devkit::clock::ManualClock;
use alc_devkit::idp::DevIdp;
use alc_insurance::{certify, prove_cover, CoverCertificate, CoverOpening, InsurerSecret};
use alc_issuer::authority::Authority;
use alc_issuer::config::Config;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::{
    Answer, AnswerSheet, Attempt, CoverRenewal, CredentialRequest, IdentityRef,
    InsurerRegistration, Login, NewOperator, NewPermit, NewToken, PermitStatusChange,
};
use alc_protocol::insurance::{CoverCertificate as WireCertificate, CoverEvidence};
use axum::http::StatusCode;
use axum::Router;
use rand::rngs::OsRng;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

const MIN2: u64 = 5_000_000;
const MIN3: u64 = 20_000_000;
const YEAR: u64 = 365 * 86_400;
/// A cover amount distinctive enough to search the whole database for.
const AMOUNT: u64 = 7_654_321_987;

struct H {
    app: Router,
    authority: Arc<Authority>,
    clock: ManualClock,
    idp: DevIdp,
    admin: String,
    insurer: InsurerSecret,
    dir: tempfile::TempDir,
}

fn write_config(dir: &Path, min2: u64, min3: u64) {
    // The database the authority was on, if its configuration named one.
    let database = std::fs::read_to_string(dir.join("authority.toml"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("database = "))
        .map(|l| format!("{l}\n"))
        .unwrap_or_default();
    let config = format!(
        "name = \"test-authority\"\n{database}\n[insurance]\nmin_cover = {{ \"2\" = {min2}, \"3\" = {min3} }}\n\n[[identity_providers]]\nissuer = \"{IDP}\"\naudience = \"{AUD}\"\njwks = {{ file = \"{}\" }}\n",
        dir.join("jwks.json").display()
    );
    std::fs::write(dir.join("authority.toml"), config).unwrap();
}

/// The permits table's columns, and everything the database holds as bytes to search:
/// on SQLite the database file and its WAL; on PostgreSQL every row of every table in its
/// text form, where a byte string also appears as hex.
async fn stored_bytes(
    a: &alc_issuer::authority::Authority,
    data: &Path,
) -> (Vec<String>, Vec<Vec<u8>>) {
    let db = a.db_pool();
    match a.backend() {
        alc_issuer::db::Backend::Postgres => {
            let columns = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'permits'",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            let mut text = String::new();
            for t in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {t} t"))
                        .fetch_all(&db)
                        .await
                        .unwrap();
                text.push_str(&rows.join("\n"));
            }
            // A byte string's hex, as PostgreSQL writes it, is what a search finds.
            let hex_form = text.clone().into_bytes();
            (columns, vec![text.into_bytes(), hex_decode_runs(&hex_form)])
        }
        _ => {
            let columns = sqlx::query_scalar("SELECT name FROM pragma_table_info('permits')")
                .fetch_all(&db)
                .await
                .unwrap();
            let file = std::fs::read(data.join("authority.db")).unwrap();
            let wal = std::fs::read(data.join("authority.db-wal")).unwrap_or_default();
            (columns, vec![file, wal])
        }
    }
}

/// The bytes of every `\\x...` hex run in `text` (PostgreSQL's form of a `BYTEA`).
fn hex_decode_runs(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < text.len() {
        if text[i] == b'\\' && text[i + 1] == b'x' {
            let run: Vec<u8> = text[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .copied()
                .collect();
            out.extend(hex::decode(&run[..run.len() / 2 * 2]).unwrap_or_default());
            out.push(0);
            i += 2 + run.len();
        } else {
            i += 1;
        }
    }
    out
}

/// An authority with the insurer `lloyds-1` registered.
async fn harness() -> H {
    let t = TestAuthority::builder()
        .config(&format!(
            "credential_validity_days = 800\n[insurance]\nmin_cover = {{ \"2\" = {MIN2}, \"3\" = {MIN3} }}"
        ))
        .start()
        .await;
    let h = H {
        app: t.app,
        authority: t.authority,
        clock: t.clock,
        idp: t.idp,
        admin: t.admin,
        insurer: InsurerSecret::generate(&mut OsRng),
        dir: t.dir,
    };
    let key = h.insurer.public().to_string();
    let (st, v) = h.register_insurer("lloyds-1", &key).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    h
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

    async fn register_insurer(&self, id: &str, key: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/admin/insurers",
            Some(&self.admin),
            typed(&InsurerRegistration {
                id: id.into(),
                key: key.into(),
                reason: "licensed insurer".into(),
            }),
        )
        .await
    }

    async fn permit(
        &self,
        id: &str,
        tier: u8,
        insurance: Option<CoverEvidence>,
    ) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/admin/permits",
            Some(&self.admin),
            typed(&new_permit(id, tier, insurance)),
        )
        .await
    }

    /// A tier-2 permit for acme with this insurance evidence is refused with `code`,
    /// and nothing is written.
    async fn refuses_acme(&self, insurance: CoverEvidence, code: &str, before: (i64, i64, i64)) {
        refused(
            self,
            self.permit("acme", 2, Some(insurance)).await,
            code,
            before,
        )
        .await;
    }

    async fn renew(&self, id: &str, insurance: CoverEvidence) -> (StatusCode, Value) {
        self.call(
            "POST",
            &format!("/v1/admin/permits/{id}/insurance"),
            Some(&self.admin),
            typed(&CoverRenewal {
                insurance,
                reason: "renewal".into(),
            }),
        )
        .await
    }

    /// The certificate and opening `insurer` gives a permit holder.
    fn certify_with(
        &self,
        insurer: &InsurerSecret,
        permit: &str,
        expires: u64,
        amount: u64,
    ) -> (CoverCertificate, CoverOpening) {
        certify(insurer, permit, "POL-7", expires, amount, &mut OsRng).unwrap()
    }

    fn certify(&self, permit: &str, amount: u64) -> (CoverCertificate, CoverOpening) {
        self.certify_with(&self.insurer, permit, T0 + YEAR, amount)
    }

    /// Rows of `table` (for "nothing written").
    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.authority.db_pool())
            .await
            .unwrap()
    }

    /// Permits, covers and audit rows.
    /// Rows of permits, covers and the audit log, refusals aside (a refused request
    /// leaves only its own `refused` row).
    async fn written(&self) -> (i64, i64, i64) {
        let refusals: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit WHERE action = 'refused'")
                .fetch_one(&self.authority.db_pool())
                .await
                .unwrap();
        (
            self.count("permits").await,
            self.count("permit_covers").await,
            self.count("audit").await - refusals,
        )
    }

    /// Signs `subject` in, passes the assessment; returns the session.
    async fn operator(&self, subject: &str) -> String {
        let (_, n) = self.call("POST", "/v1/identity/nonce", None, None).await;
        let now = alc_protocol::time::Clock::now(&self.clock);
        let token = self
            .idp
            .mint(subject, AUD, Some(n["nonce"].as_str().unwrap()), now, 300);
        let (s, v) = self
            .call(
                "POST",
                "/v1/identity",
                None,
                typed(&Login { id_token: token }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let session = v["session"].as_str().unwrap().to_owned();
        let (s, a) = self
            .call("POST", "/v1/assessment/attempts", Some(&session), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let a: Attempt = serde_json::from_value(a).unwrap();
        let bank = Bank::from_toml(DEFAULT_BANK).unwrap();
        let answers: Vec<Answer> = a
            .questions
            .iter()
            .map(|q| {
                let b = bank.questions.iter().find(|b| b.text == q.text).unwrap();
                let pos = q
                    .options
                    .iter()
                    .position(|o| *o == b.options[b.answer])
                    .unwrap();
                Answer {
                    question: q.id.clone(),
                    option: pos,
                }
            })
            .collect();
        let (s, m) = self
            .call(
                "POST",
                "/v1/assessment/submit",
                Some(&session),
                typed(&AnswerSheet {
                    attempt: a.attempt,
                    answers,
                }),
            )
            .await;
        assert_eq!(
            (s, m["passed"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{m}"
        );
        session
    }

    /// Two principal operators for `permit`; returns the first one's session.
    async fn staff(&self, permit: &str) -> String {
        let mut first = None;
        for sub in ["p1", "p2"] {
            let session = self.operator(&format!("{permit}-{sub}")).await;
            // A principal holds a live operator licence.
            let (st, v) = self.request(&session, None).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            let (st, v) = self
                .call(
                    "POST",
                    &format!("/v1/admin/permits/{permit}/operators"),
                    Some(&self.admin),
                    typed(&NewOperator {
                        identity: identity(&format!("{permit}-{sub}")),
                        principal: true,
                        reason: "r".into(),
                    }),
                )
                .await;
            assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
            first.get_or_insert(session);
        }
        first.unwrap()
    }

    async fn credential(&self, session: &str, permit: &str) -> (StatusCode, Value) {
        self.request(session, Some(permit)).await
    }

    /// A credential request of `session` (under `permit`, if any): one holder key per
    /// session, as every credential of one identity shares it.
    async fn request(&self, session: &str, permit: Option<&str>) -> (StatusCode, Value) {
        let seed = session
            .bytes()
            .fold(1u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)));
        let sk = alc_circuits::field::Fr::from(seed);
        let holder = to_decimal(&HolderSecret::from_field(sk).commitment());
        self.call(
            "POST",
            "/v1/credentials",
            Some(session),
            typed(&CredentialRequest {
                holder,
                permit: permit.map(str::to_owned),
            }),
        )
        .await
    }
}

/// A typed request body as the router helper takes it.
fn typed<T: Serialize>(value: &T) -> Option<Value> {
    Some(serde_json::to_value(value).unwrap())
}

/// An identity of the test identity provider.
fn identity(subject: &str) -> IdentityRef {
    IdentityRef {
        issuer: IDP.into(),
        subject: subject.into(),
    }
}

/// A permit registration of `id` (named `<id> Ltd`) at `tier`.
fn new_permit(id: &str, tier: u8, insurance: Option<CoverEvidence>) -> NewPermit {
    NewPermit {
        id: id.into(),
        name: format!("{id} Ltd"),
        tier,
        insurance,
        contacts: Vec::new(),
        incident_contact: Some("mailto:incidents@example.test".into()),
        reporting: vec!["https://example.test/incidents".into()],
        reason: "application".into(),
    }
}

/// The `insurance` object of a request: what `alc permit prove-cover` writes.
fn evidence(
    certificate: &CoverCertificate,
    opening: &CoverOpening,
    tier: u8,
    minimum: u64,
) -> CoverEvidence {
    let proof = prove_cover(certificate, opening, tier, minimum, &mut OsRng).unwrap();
    CoverEvidence {
        certificate: certificate.clone().into(),
        proof: proof.to_base64(),
        tier: Some(tier),
        minimum: Some(minimum),
    }
}

/// Asserts a 422 with `code`, and that nothing was written since `before`.
async fn refused(h: &H, got: (StatusCode, Value), code: &str, before: (i64, i64, i64)) {
    let (st, v) = got;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {v}");
    assert_eq!(v["error"], code, "{v}");
    assert!(!v["message"].as_str().unwrap().is_empty(), "{v}");
    assert_eq!(h.written().await, before, "{code}: something was written");
    // The refusal itself is on the record, with its code.
    let (details,): (String,) =
        sqlx::query_as("SELECT details FROM audit WHERE action = 'refused' ORDER BY id DESC")
            .fetch_one(&h.authority.db_pool())
            .await
            .unwrap();
    assert!(
        details.contains(&format!("\"code\":\"{code}\"")),
        "{details}"
    );
}

#[tokio::test]
async fn insurers_are_registered_with_their_scope_and_published() {
    let h = harness().await;
    let key = h.insurer.public().to_string();
    // Idempotent for the same id and key.
    let (st, v) = h.register_insurer("lloyds-1", &key).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["key"], key.as_str());
    // The same id with another key, or the same key under another id: conflicts.
    let other = InsurerSecret::generate(&mut OsRng).public().to_string();
    assert_eq!(
        h.register_insurer("lloyds-1", &other).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        h.register_insurer("lloyds-2", &key).await.0,
        StatusCode::CONFLICT
    );
    // Malformed keys and ids.
    for (id, k) in [
        ("x", "00".repeat(32)), // the identity point
        ("x", "zz".repeat(32)),
        ("x", "ab".repeat(31)),
        ("bad id", other.clone()),
        ("", other.clone()),
    ] {
        let (st, v) = h.register_insurer(id, &k).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{id} {k}: {v}");
    }
    // Scope: without a token, and with a token lacking `insurers`.
    let body = typed(&InsurerRegistration {
        id: "aviva".into(),
        key: other,
        reason: "r".into(),
    });
    let (st, _) = h
        .call("POST", "/v1/admin/insurers", None, body.clone())
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "permit-desk".into(),
                scopes: vec!["permits".into()],
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let desk = t["token"].as_str().unwrap();
    let (st, v) = h
        .call("POST", "/v1/admin/insurers", Some(desk), body.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "insurance-desk".into(),
                scopes: vec!["insurers".into()],
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, v) = h
        .call(
            "POST",
            "/v1/admin/insurers",
            Some(t["token"].as_str().unwrap()),
            body,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Published, with the minimums of the configuration.
    let (st, v) = h.call("GET", "/v1/insurance", None, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["min_cover"], json!({ "2": MIN2, "3": MIN3 }));
    let ids: Vec<&str> = v["insurers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["aviva", "lloyds-1"]);
    // The registrations are audited; the routes are in the OpenAPI description.
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit WHERE action = 'insurer-register'")
            .fetch_one(&h.authority.db_pool())
            .await
            .unwrap();
    assert_eq!(audited, 2);
    let (_, doc) = h.call("GET", "/openapi.json", None, None).await;
    for path in [
        "/v1/insurance",
        "/v1/admin/insurers",
        "/v1/admin/permits/{id}/insurance",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not documented");
    }
}

#[tokio::test]
async fn insured_permit_is_registered_storing_commitment_certificate_and_proof_only() {
    let h = harness().await;
    let (cert, opening) = h.certify("acme", AMOUNT);
    let (st, v) = h
        .permit("acme", 2, Some(evidence(&cert, &opening, 2, MIN2)))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let commitment = hex::encode(cert.commitment().as_bytes());
    assert_eq!(
        v["insurance"],
        json!({
            "insurer": "lloyds-1",
            "insurer_key": h.insurer.public().to_string(),
            "policy_id": "POL-7",
            "expires": T0 + YEAR,
            "commitment": commitment,
            "minimum": MIN2,
            "accepted_at": T0,
        })
    );
    // Stored: the certificate (with its commitment) and the 672-byte proof.
    let (certificate, proof, stored_commitment, minimum): (String, Vec<u8>, Vec<u8>, i64) =
        sqlx::query_as(
            "SELECT certificate, proof, commitment, minimum FROM permit_covers WHERE permit_id = 'acme'",
        )
        .fetch_one(&h.authority.db_pool())
        .await
        .unwrap();
    let stored: CoverCertificate = serde_json::from_str(&certificate).unwrap();
    assert_eq!(stored, cert);
    assert_eq!(proof.len(), alc_insurance::COVER_PROOF_LEN);
    assert_eq!(hex::encode(stored_commitment), commitment);
    assert_eq!(minimum as u64, MIN2);
    // Never an amount: not in the permits table, not anywhere in the database.
    let (columns, stored) = stored_bytes(&h.authority, h.dir.path()).await;
    assert!(columns.iter().any(|c| c == "tier"), "{columns:?}");
    assert!(!columns.iter().any(|c| c == "cover"), "{columns:?}");
    let has = |needle: &[u8]| {
        stored
            .iter()
            .any(|b| b.windows(needle.len()).any(|w| w == needle))
    };
    // (The search does find what is stored.)
    assert!(has(cert.commitment().as_bytes()));
    assert!(has(commitment.as_bytes()));
    for needle in [
        AMOUNT.to_string().into_bytes(),
        AMOUNT.to_be_bytes().to_vec(),
        AMOUNT.to_le_bytes().to_vec(),
    ] {
        assert!(!has(&needle), "the cover amount reached the database");
    }
    assert!(!v.to_string().contains(&AMOUNT.to_string()));
    // The permit gates credentials: two principals, then issued.
    let session = h.staff("acme").await;
    let (st, c) = h.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["credential"]["permit_tier"], 2);
    // Once the policy expires, no new permit-bound credentials until a renewal.
    h.clock.advance(YEAR);
    let late = h.operator("acme-p3").await;
    h.call(
        "POST",
        "/v1/admin/permits/acme/operators",
        Some(&h.admin),
        typed(&NewOperator {
            identity: identity("acme-p3"),
            principal: false,
            reason: "r".into(),
        }),
    )
    .await;
    let (st, v) = h.credential(&late, "acme").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    let (cert2, opening2) = h.certify_with(&h.insurer, "acme", T0 + 2 * YEAR, AMOUNT);
    let (st, v) = h.renew("acme", evidence(&cert2, &opening2, 2, MIN2)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["insurance"]["expires"], T0 + 2 * YEAR);
    assert_eq!(v["insurance"]["accepted_at"], T0 + YEAR);
    let (st, v) = h.credential(&late, "acme").await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn tier_one_needs_no_insurance_and_tiers_two_and_three_must_carry_it() {
    let h = harness().await;
    let (st, v) = h.permit("solo", 1, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["insurance"], Value::Null);
    let before = h.written().await;
    let (cert, opening) = h.certify("solo2", AMOUNT);
    let e = evidence(&cert, &opening, 2, MIN2);
    refused(
        &h,
        h.permit("solo2", 1, Some(e)).await,
        "insurance_not_required",
        before,
    )
    .await;
    for tier in [2, 3] {
        refused(
            &h,
            h.permit("bare", tier, None).await,
            "insurance_required",
            before,
        )
        .await;
    }
    // Tier 3 against its own minimum.
    let (cert, opening) = h.certify("big", MIN3);
    let (st, v) = h
        .permit("big", 3, Some(evidence(&cert, &opening, 3, MIN3)))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["insurance"]["minimum"], MIN3);
}

#[tokio::test]
async fn cover_below_the_minimum_is_refused_with_nothing_written() {
    let h = harness().await;
    let before = h.written().await;
    let (cert, opening) = h.certify("acme", MIN2 - 1);
    // No honest proof exists...
    assert_eq!(
        prove_cover(&cert, &opening, 2, MIN2, &mut OsRng).err(),
        Some(alc_insurance::Error::CoverBelowMinimum)
    );
    // ...and one against the minimum the cover does meet is refused, whether or not it
    // says which minimum it was made for.
    let mut e = evidence(&cert, &opening, 2, MIN2 - 1);
    h.refuses_acme(e.clone(), "insurance_other_minimum", before)
        .await;
    e.minimum = None;
    let got = h.permit("acme", 2, Some(e)).await;
    assert!(
        got.1["message"]
            .as_str()
            .unwrap()
            .contains("at least 5000000"),
        "{}",
        got.1
    );
    refused(&h, got, "insurance_invalid_proof", before).await;
    // Tier 3's minimum is higher: cover enough for tier 2 is not enough for tier 3.
    let (cert, opening) = h.certify("big", MIN3 - 1);
    let mut e = evidence(&cert, &opening, 3, MIN2);
    e.minimum = None;
    refused(
        &h,
        h.permit("big", 3, Some(e)).await,
        "insurance_invalid_proof",
        before,
    )
    .await;
}

#[tokio::test]
async fn proofs_for_another_permit_certificate_or_tier_minimum_are_refused() {
    let h = harness().await;
    let before = h.written().await;
    // A valid certificate and proof, but for another permit.
    let (other, other_opening) = h.certify("other-co", AMOUNT);
    h.refuses_acme(
        evidence(&other, &other_opening, 2, MIN2),
        "insurance_other_permit",
        before,
    )
    .await;
    // This permit's certificate with a proof made for another permit's certificate.
    let (cert, opening) = h.certify("acme", AMOUNT);
    let mut e = evidence(&cert, &opening, 2, MIN2);
    e.proof = evidence(&other, &other_opening, 2, MIN2).proof;
    h.refuses_acme(e, "insurance_invalid_proof", before).await;
    // A proof for another certificate of the same permit (same insurer, other blinding).
    let (cert_b, opening_b) = h.certify("acme", AMOUNT);
    let mut e = evidence(&cert, &opening, 2, MIN2);
    e.proof = evidence(&cert_b, &opening_b, 2, MIN2).proof;
    h.refuses_acme(e, "insurance_invalid_proof", before).await;
    // A proof made for tier 3's minimum (or for tier 3 at tier 2's minimum), sent for a
    // tier-2 permit: refused when it says so, and refused by the proof when it does not.
    for (tier, minimum) in [(3, MIN3), (3, MIN2), (2, MIN3)] {
        let mut e = evidence(&cert, &opening, tier, minimum);
        h.refuses_acme(e.clone(), "insurance_other_minimum", before)
            .await;
        e.tier = None;
        e.minimum = None;
        h.refuses_acme(e, "insurance_invalid_proof", before).await;
    }
    // The honest proof goes through.
    let (st, v) = h
        .permit("acme", 2, Some(evidence(&cert, &opening, 2, MIN2)))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// A certificate's protocol form, to rewrite a field of.
fn wire(cert: &CoverCertificate) -> WireCertificate {
    cert.clone().into()
}

#[tokio::test]
async fn tampered_certificates_expired_policies_and_unregistered_insurers_are_refused() {
    let h = harness().await;
    let before = h.written().await;
    let (cert, opening) = h.certify("acme", AMOUNT);
    let good = evidence(&cert, &opening, 2, MIN2);
    // Tampered: each signed field changed (the proof stays the one made for the original).
    let (other_cert, _) = h.certify("acme", MIN2);
    for tampered in [
        WireCertificate {
            policy_id: "POL-8".into(),
            ..wire(&cert)
        },
        WireCertificate {
            expires: T0 + 10 * YEAR,
            ..wire(&cert)
        },
        WireCertificate {
            commitment: hex::encode(other_cert.commitment().as_bytes()),
            ..wire(&cert)
        },
    ] {
        let mut e = good.clone();
        e.certificate = tampered;
        h.refuses_acme(e, "insurance_bad_certificate", before).await;
    }
    // Another insurer's signature under the registered insurer's name.
    let rogue = InsurerSecret::generate(&mut OsRng);
    let (forged, forged_opening) = h.certify_with(&rogue, "acme", T0 + YEAR, AMOUNT);
    let mut e = evidence(&forged, &forged_opening, 2, MIN2);
    e.certificate.insurer = h.insurer.public().to_string();
    h.refuses_acme(e, "insurance_bad_certificate", before).await;
    // The rogue insurer's own, honest certificate: not registered.
    let got = h
        .permit("acme", 2, Some(evidence(&forged, &forged_opening, 2, MIN2)))
        .await;
    assert!(
        got.1["message"]
            .as_str()
            .unwrap()
            .contains(&rogue.public().to_string()),
        "{}",
        got.1
    );
    refused(&h, got, "insurer_unregistered", before).await;
    // Expired (exactly now, and before).
    for expires in [T0, T0 - 1] {
        let (old, old_opening) = h.certify_with(&h.insurer, "acme", expires, AMOUNT);
        h.refuses_acme(
            evidence(&old, &old_opening, 2, MIN2),
            "insurance_expired",
            before,
        )
        .await;
    }
    // Malformed evidence: a 400 from the JSON layer, nothing written either.
    let body = |e: CoverEvidence| serde_json::to_value(new_permit("acme", 2, Some(e))).unwrap();
    for bad in [
        body(CoverEvidence {
            proof: "AAAA".into(),
            ..good.clone()
        }),
        body(CoverEvidence {
            certificate: WireCertificate {
                commitment: "zz".into(),
                ..good.certificate.clone()
            },
            ..good.clone()
        }),
        {
            let mut v = body(good.clone());
            // malformed on purpose: a field the evidence does not have (the amount)
            v["insurance"]["amount"] = json!(AMOUNT);
            v
        },
    ] {
        let (st, v) = h
            .call("POST", "/v1/admin/permits", Some(&h.admin), Some(bad))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(h.written().await, before);
    }
    // And the untouched evidence is accepted.
    let (st, v) = h.permit("acme", 2, Some(good)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn renewals_are_checked_like_registrations_and_keep_the_cover_on_refusal() {
    let h = harness().await;
    let (cert, opening) = h.certify("acme", AMOUNT);
    let (st, first) = h
        .permit("acme", 2, Some(evidence(&cert, &opening, 2, MIN2)))
        .await;
    assert_eq!(st, StatusCode::OK, "{first}");
    let before = h.written().await;
    // Refused renewals: another permit's certificate, expired, below the minimum,
    // unregistered insurer, tampered.
    let (other, other_opening) = h.certify("other-co", AMOUNT);
    refused(
        &h,
        h.renew("acme", evidence(&other, &other_opening, 2, MIN2))
            .await,
        "insurance_other_permit",
        before,
    )
    .await;
    let (old, old_opening) = h.certify_with(&h.insurer, "acme", T0, AMOUNT);
    refused(
        &h,
        h.renew("acme", evidence(&old, &old_opening, 2, MIN2)).await,
        "insurance_expired",
        before,
    )
    .await;
    let (low, low_opening) = h.certify("acme", MIN2 - 1);
    let mut e = evidence(&low, &low_opening, 2, MIN2 - 1);
    e.minimum = None;
    refused(
        &h,
        h.renew("acme", e).await,
        "insurance_invalid_proof",
        before,
    )
    .await;
    let rogue = InsurerSecret::generate(&mut OsRng);
    let (r, r_opening) = h.certify_with(&rogue, "acme", T0 + YEAR, AMOUNT);
    refused(
        &h,
        h.renew("acme", evidence(&r, &r_opening, 2, MIN2)).await,
        "insurer_unregistered",
        before,
    )
    .await;
    let mut e = evidence(&cert, &opening, 2, MIN2);
    e.certificate = WireCertificate {
        policy_id: "POL-9".into(),
        ..wire(&cert)
    };
    refused(
        &h,
        h.renew("acme", e).await,
        "insurance_bad_certificate",
        before,
    )
    .await;
    // Unknown permit, wrong scope.
    let (st, _) = h.renew("nobody", evidence(&cert, &opening, 2, MIN2)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, t) = h
        .call(
            "POST",
            "/v1/admin/tokens",
            Some(&h.admin),
            typed(&NewToken {
                id: "insurance-desk".into(),
                scopes: vec!["insurers".into()],
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let before = h.written().await;
    let (st, _) = h
        .call(
            "POST",
            "/v1/admin/permits/acme/insurance",
            Some(t["token"].as_str().unwrap()),
            typed(&CoverRenewal {
                insurance: evidence(&cert, &opening, 2, MIN2),
                reason: "r".into(),
            }),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(h.written().await, before);
    // The cover in force is still the first one.
    let (cert2, opening2) = h.certify_with(&h.insurer, "acme", T0 + 3 * YEAR, AMOUNT);
    let (st, v) = h.renew("acme", evidence(&cert2, &opening2, 2, MIN2)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["insurance"]["expires"], T0 + 3 * YEAR);
    assert_ne!(
        v["insurance"]["commitment"],
        first["insurance"]["commitment"]
    );
    assert_eq!(h.count("permit_covers").await, 2);
    // A revoked permit cannot be renewed.
    let (st, _) = h
        .call(
            "POST",
            "/v1/admin/permits/acme/status",
            Some(&h.admin),
            typed(&PermitStatusChange {
                status: "revoked".into(),
                reason: "r".into(),
                emergency: false,
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = h.renew("acme", evidence(&cert2, &opening2, 2, MIN2)).await;
    assert_eq!(st, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_raised_minimum_asks_for_a_renewal_before_new_credentials() {
    let h = harness().await;
    let (cert, opening) = h.certify("acme", MIN2);
    let (st, v) = h
        .permit("acme", 2, Some(evidence(&cert, &opening, 2, MIN2)))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let session = h.staff("acme").await;
    // The authority restarts with a higher tier-2 minimum.
    write_config(h.dir.path(), MIN2 + 1, MIN3);
    let raised = alc_issuer::service::open(h.dir.path(), Arc::new(h.clock.clone()))
        .await
        .unwrap();
    let h2 = H {
        app: alc_issuer::api::app(raised.clone()),
        authority: raised,
        ..h
    };
    let (st, v) = h2.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("renew"), "{v}");
    // The old cover cannot be re-proved against the new minimum; more cover can.
    assert!(prove_cover(&cert, &opening, 2, MIN2 + 1, &mut OsRng).is_err());
    let (cert2, opening2) = h2.certify("acme", MIN2 + 1);
    let (st, v) = h2
        .renew("acme", evidence(&cert2, &opening2, 2, MIN2 + 1))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = h2.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_database_with_self_declared_insurance_is_migrated_without_its_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::generate(IDP.into());
    std::fs::write(dir.path().join("jwks.json"), idp.jwks().to_string()).unwrap();
    write_config(dir.path(), MIN2, MIN3);
    // A database as migrations 0001 and 0002 left it, with a self-declared policy and
    // the `initial` token holding the seven scopes of then.
    let old = dir.path().join("old-migrations");
    std::fs::create_dir(&old).unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for f in ["0001_init.sql", "0002_registry.sql"] {
        std::fs::copy(here.join(f), old.join(f)).unwrap();
    }
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join("authority.db"))
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO permits (id, name, tier, status, insurer, policy_id, cover, insurance_expires, created_at) VALUES ('acme', 'Acme', 2, 'active', 'Old Mutual', 'POL-0', 7654321987, $1, $2)")
            .bind((T0 + YEAR) as i64)
            .bind(T0 as i64)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO admin_tokens (id, token_hash, scopes, created_at) VALUES ('initial', $1, 'revoke,gateways,permits,training,incidents,report,tokens', $2)")
            .bind(alc_issuer::authority::token_hash("old-token"))
            .bind(T0 as i64)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let legacy = (AMOUNT as i64).to_be_bytes()[2..].to_vec(); // SQLite's 6-byte integer
    let before = std::fs::read(dir.path().join("authority.db")).unwrap();
    assert!(before.windows(6).any(|w| w == legacy.as_slice()));
    let clock = ManualClock::at(T0);
    let authority = alc_issuer::service::open(dir.path(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let h = H {
        app: alc_issuer::api::app(authority.clone()),
        authority,
        clock,
        idp,
        admin: "old-token".into(),
        insurer: InsurerSecret::generate(&mut OsRng),
        dir,
    };
    let pool = h.authority.db_pool();
    let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('permits')")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        columns,
        [
            "id",
            "name",
            "tier",
            "status",
            "created_at",
            "unmet_since",
            "unmet_reason",
            "contacts",
            "incident_contact",
            "reporting"
        ]
    );
    let (details,): (String,) =
        sqlx::query_as("SELECT details FROM audit WHERE action = 'permit-insurance-dropped'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details,
        json!({ "permit": "acme", "insurer": "Old Mutual", "policy_id": "POL-0", "expires": T0 + YEAR })
    );
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    let bytes = std::fs::read(h.dir.path().join("authority.db")).unwrap();
    for needle in [
        AMOUNT.to_string().into_bytes(),
        AMOUNT.to_be_bytes().to_vec(),
        legacy,
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
            "the legacy amount survived the migration"
        );
    }
    // The old `initial` token gained the new scope.
    let key = h.insurer.public().to_string();
    let (st, v) = h.register_insurer("lloyds-1", &key).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // The permit has no insurance any more: new credentials wait for a real one.
    let session = h.staff("acme").await;
    let (st, v) = h.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("needs insurance"),
        "{v}"
    );
    let (cert, opening) = h.certify("acme", AMOUNT);
    let (st, v) = h.renew("acme", evidence(&cert, &opening, 2, MIN2)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // A permit from before the incident conditions needs them now (the grace period is
    // the time to set them).
    let (st, v) = h.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("incident contact"),
        "{v}"
    );
    let (st, v) = alc_devkit::http::call(
        &h.app,
        "POST",
        "/v1/admin/permits/acme/conditions",
        Some(&h.admin),
        Some(json!({
            "incident_contact": "mailto:duty@acme.example",
            "reporting": ["https://acme.example/incidents"],
            "reason": "conditions of the compact",
        })),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = h.credential(&session, "acme").await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[test]
fn minimum_cover_configuration_is_checked() {
    let d = Config::default();
    assert_eq!(d.insurance.min_cover(1), None);
    assert_eq!(d.insurance.min_cover(2), Some(100_000_000));
    assert_eq!(d.insurance.min_cover(3), Some(1_000_000_000));
    assert_eq!(d.insurance.min_cover(4), None);
    // The written template parses back to the defaults and shows the minimums.
    let t = Config::template();
    assert!(t.contains("[insurance.min_cover]"), "{t}");
    assert_eq!(
        Config::from_toml(&t).unwrap().insurance.min_cover,
        d.insurance.min_cover
    );
    let c = Config::from_toml("[insurance]\nmin_cover = { \"2\" = 7, \"3\" = 9 }\n").unwrap();
    assert_eq!(
        (c.insurance.min_cover(2), c.insurance.min_cover(3)),
        (Some(7), Some(9))
    );
    for bad in [
        "[insurance]\nmin_cover = { \"1\" = 5, \"2\" = 7, \"3\" = 9 }\n",
        "[insurance]\nmin_cover = { \"2\" = 0, \"3\" = 9 }\n",
        "[insurance]\nmin_cover = { \"2\" = 10, \"3\" = 9 }\n",
        "[insurance]\nmin_cover = { \"2\" = -1, \"3\" = 9 }\n",
        "[insurance]\nminimum = 5\n",
    ] {
        assert!(Config::from_toml(bad).is_err(), "{bad}");
    }
}
