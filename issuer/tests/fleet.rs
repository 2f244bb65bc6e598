//! Fleet & Driver rules for as long as a licence lives: licensed principals, lapses that
//! suspend after the grace period (a manual clock), insurers' revocations, supervised
//! apprentices with their cascade, and refused requests on the record. Each with the
//! twin that must be refused.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::{to_decimal, Fr};
use alc_circuits::files::CredentialFile;
use alc_devkit::authority::{TestAuthority, IDP, T0};
use alc_insurance::InsurerSecret;
use alc_issuer::identity::IdKey;
use alc_protocol::authority::{
    ApprenticeRequest, CredentialRequest, IdentityRef, InsurerRegistration, NewOperator, NewPermit,
    PermitConditions, PermitStatusChange,
};
use axum::http::StatusCode;
use rand::rngs::OsRng;
use serde_json::Value;
use std::sync::{Arc, Mutex};

const GRACE: u64 = 3_600;
const MIN2: u64 = 5_000_000;

async fn authority(extra: &str) -> TestAuthority {
    TestAuthority::builder()
        .config(&format!(
            "{extra}\n[insurance]\nmin_cover = {{ \"2\" = {MIN2}, \"3\" = {} }}\n[permits]\ngrace_period_secs = {GRACE}\n",
            4 * MIN2
        ))
        .start()
        .await
}

fn identity(subject: &str) -> IdentityRef {
    IdentityRef {
        issuer: IDP.into(),
        subject: subject.into(),
    }
}

/// One holder key per subject (every credential of one identity shares it).
fn holder(subject: &str) -> Fr {
    let seed = subject
        .bytes()
        .fold(7u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)));
    HolderSecret::from_field(Fr::from(seed)).commitment()
}

/// `subject` through the assessment and licensed: its identity and licence.
async fn licensed(t: &TestAuthority, subject: &str) -> (IdKey, CredentialFile) {
    let id = t.passed(subject).await;
    let licence = t.issue(&id, &holder(subject)).await;
    (id, licence)
}

async fn insurer(t: &TestAuthority) -> InsurerSecret {
    let insurer = InsurerSecret::generate(&mut OsRng);
    let r = InsurerRegistration {
        id: "lloyds-1".into(),
        key: insurer.public().to_string(),
        reason: "r".into(),
    };
    t.authority.register_insurer(&r, "test").await.unwrap();
    insurer
}

/// A tier-2 permit insured until `expires`, notifying `contacts`.
async fn permit(
    t: &TestAuthority,
    insurer: &InsurerSecret,
    id: &str,
    expires: u64,
    contacts: Vec<String>,
) {
    let p = NewPermit {
        id: id.into(),
        name: format!("{id} Ltd"),
        tier: 2,
        insurance: Some(alc_devkit::insurance::cover(
            insurer, id, "POL-1", 2, MIN2, expires,
        )),
        contacts,
        incident_contact: Some("mailto:incidents@example.test".into()),
        reporting: vec!["https://example.test/incidents".into()],
        reason: "r".into(),
    };
    t.authority.create_permit(&p, "test").await.unwrap();
}

async fn add(
    t: &TestAuthority,
    permit: &str,
    subject: &str,
    principal: bool,
) -> Result<(), alc_issuer::permits::PermitError> {
    let op = NewOperator {
        identity: identity(subject),
        principal,
        reason: "r".into(),
    };
    t.authority.add_operator(permit, &op, "test").await
}

async fn permit_credential(t: &TestAuthority, id: &IdKey, subject: &str, permit: &str) -> u32 {
    let req = CredentialRequest {
        holder: to_decimal(&holder(subject)),
        permit: Some(permit.into()),
    };
    t.authority
        .issue(id, &req)
        .await
        .unwrap()
        .signed
        .credential
        .serial
}

/// The published status list and its epoch.
async fn list(t: &TestAuthority) -> (alc_circuits::status::StatusList, u64) {
    let (st, v) = alc_devkit::http::call(&t.app, "GET", "/v1/status/list", None, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let list =
        alc_circuits::status::StatusList::decode(v["encoded_list"].as_str().unwrap()).unwrap();
    (list, v["epoch"].as_u64().unwrap())
}

async fn revoked(t: &TestAuthority, serial: u32) -> bool {
    list(t).await.0.is_revoked(serial).unwrap()
}

/// A loopback webhook that keeps what it is sent.
async fn webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/notices",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(v);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let (url, _task) = alc_devkit::http::serve(app).await.unwrap();
    (format!("{url}/notices"), got)
}

#[tokio::test]
async fn only_licensed_principals_count_and_a_lost_licence_lapses_the_permit() {
    let t = authority("").await;
    let insurer = insurer(&t).await;
    permit(&t, &insurer, "acme", T0 + 365 * 86_400, Vec::new()).await;
    let (p1, _) = licensed(&t, "p1").await;
    let (_, l2) = licensed(&t, "p2").await;
    // Passed the assessment, no licence: not a principal (the twin of p1 and p2).
    t.passed("p3").await;
    assert!(matches!(
        add(&t, "acme", "p3", true).await,
        Err(alc_issuer::permits::PermitError::NotLicensed)
    ));
    // An identity under a provider the authority does not know is nobody.
    let stranger = NewOperator {
        identity: IdentityRef {
            issuer: "https://unknown.example".into(),
            subject: "x".into(),
        },
        principal: false,
        reason: "r".into(),
    };
    assert!(matches!(
        t.authority.add_operator("acme", &stranger, "test").await,
        Err(alc_issuer::permits::PermitError::UnknownProvider(_))
    ));
    add(&t, "acme", "p1", true).await.unwrap();
    add(&t, "acme", "p2", true).await.unwrap();
    let c1 = permit_credential(&t, &p1, "p1", "acme").await;
    // p2's licence is revoked: it no longer counts, new permit credentials stop.
    t.revoke(l2.signed.credential.serial, false).await;
    let req = CredentialRequest {
        holder: to_decimal(&holder("p1")),
        permit: Some("acme".into()),
    };
    t.authority
        .revoke(
            &alc_protocol::authority::RevokeRequest {
                serial: c1,
                reason: "re-issue".into(),
                emergency: false,
            },
            "test",
        )
        .await
        .unwrap();
    let refused = t.authority.issue(&p1, &req).await.unwrap_err().to_string();
    assert!(refused.contains("live operator licence"), "{refused}");
    // ... and the permit runs on its grace period.
    let done = t.authority.enforce().await.unwrap();
    assert_eq!(done.lapsed, vec!["acme".to_owned()]);
    let p = t.authority.permit("acme").await.unwrap();
    let lapse = p.lapse.unwrap();
    assert_eq!(lapse.suspend_at, t.now() + GRACE);
    assert!(lapse.why.contains("it has 1"), "{}", lapse.why);
}

#[tokio::test]
async fn a_lapse_suspends_after_the_grace_period_and_not_before() {
    let t = authority("").await;
    let (url, notices) = webhook().await;
    let insurer = insurer(&t).await;
    // Insured for one more hour than now.
    permit(&t, &insurer, "acme", T0 + 100, vec![url]).await;
    let (p1, _) = licensed(&t, "p1").await;
    licensed(&t, "p2").await;
    add(&t, "acme", "p1", true).await.unwrap();
    add(&t, "acme", "p2", true).await.unwrap();
    let c1 = permit_credential(&t, &p1, "p1", "acme").await;
    assert_eq!(t.authority.enforce().await.unwrap(), Default::default());
    // The insurance expires: found at the next run, nothing revoked yet.
    t.clock.advance(100);
    let done = t.authority.enforce().await.unwrap();
    assert_eq!(done.lapsed, vec!["acme".to_owned()]);
    assert!(!revoked(&t, c1).await);
    // One second short of the grace period: still live (the twin).
    t.clock.advance(GRACE - 1);
    let done = t.authority.enforce().await.unwrap();
    assert!(done.suspended.is_empty(), "{done:?}");
    assert!(!revoked(&t, c1).await);
    assert_eq!(t.authority.permit("acme").await.unwrap().status, "active");
    // At the end of the grace period: suspended, its credentials revoked.
    t.clock.advance(1);
    let done = t.authority.enforce().await.unwrap();
    assert_eq!(done.suspended, vec!["acme".to_owned()]);
    assert!(revoked(&t, c1).await);
    assert_eq!(
        t.authority.permit("acme").await.unwrap().status,
        "suspended"
    );
    // Reactivating it while still unmet is refused with what is missing.
    let again = PermitStatusChange {
        status: "active".into(),
        reason: "r".into(),
        emergency: false,
    };
    let e = t
        .authority
        .set_permit_status("acme", &again, "test")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("expired"), "{e}");
    // The contacts heard of the lapse and of the suspension.
    assert_eq!(t.authority.deliver_notices().await.unwrap(), 2);
    let got = notices.lock().unwrap().clone();
    let events: Vec<&str> = got.iter().map(|n| n["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["lapse", "suspended"]);
    assert_eq!(got[0]["suspend_at"], T0 + 100 + GRACE);
    assert_eq!(t.authority.deliver_notices().await.unwrap(), 0);
}

#[tokio::test]
async fn a_requirement_met_again_within_the_grace_period_suspends_nothing() {
    let t = authority("").await;
    let insurer = insurer(&t).await;
    permit(&t, &insurer, "acme", T0 + 365 * 86_400, Vec::new()).await;
    let (p1, _) = licensed(&t, "p1").await;
    licensed(&t, "p2").await;
    licensed(&t, "p3").await;
    add(&t, "acme", "p1", true).await.unwrap();
    add(&t, "acme", "p2", true).await.unwrap();
    let c1 = permit_credential(&t, &p1, "p1", "acme").await;
    // p2 demoted: one principal short.
    add(&t, "acme", "p2", false).await.unwrap();
    assert_eq!(t.authority.enforce().await.unwrap().lapsed, ["acme"]);
    t.clock.advance(GRACE / 2);
    add(&t, "acme", "p3", true).await.unwrap();
    assert_eq!(t.authority.enforce().await.unwrap().restored, ["acme"]);
    assert!(t.authority.permit("acme").await.unwrap().lapse.is_none());
    t.clock.advance(GRACE);
    assert_eq!(t.authority.enforce().await.unwrap(), Default::default());
    assert!(!revoked(&t, c1).await);
}

/// Tier 2's incident conditions: without a contact, or without a reporting channel, the
/// permit lapses and issues nothing; with both it is met again. Malformed ones are
/// refused.
#[tokio::test]
async fn tier_two_needs_an_incident_contact_and_a_reporting_channel() {
    let t = authority("").await;
    let insurer = insurer(&t).await;
    permit(&t, &insurer, "acme", T0 + 365 * 86_400, Vec::new()).await;
    let (p1, _) = licensed(&t, "p1").await;
    licensed(&t, "p2").await;
    add(&t, "acme", "p1", true).await.unwrap();
    add(&t, "acme", "p2", true).await.unwrap();
    assert_eq!(t.authority.enforce().await.unwrap(), Default::default());
    let set = |contact: Option<&str>, reporting: &[&str]| PermitConditions {
        incident_contact: contact.map(str::to_owned),
        reporting: reporting.iter().map(|r| r.to_string()).collect(),
        reason: "r".into(),
    };
    let channel = "https://acme.example/incidents";
    for (c, why) in [
        (set(None, &[channel]), "incident contact"),
        (set(Some("tel:+44 1234 567890"), &[]), "reporting channel"),
    ] {
        let p = t
            .authority
            .set_conditions("acme", &c, "test")
            .await
            .unwrap();
        let lapse = t.authority.enforce().await.unwrap();
        assert_eq!(lapse.lapsed, ["acme"], "{why}");
        let found = t.authority.permit("acme").await.unwrap().lapse.unwrap().why;
        assert!(found.contains(why), "{found}");
        let req = CredentialRequest {
            holder: to_decimal(&holder("p1")),
            permit: Some(p.id.clone()),
        };
        assert!(
            t.authority.issue(&p1, &req).await.is_err(),
            "{why}: nothing issued"
        );
        let both = set(Some("mailto:duty@acme.example"), &[channel]);
        t.authority
            .set_conditions("acme", &both, "test")
            .await
            .unwrap();
        assert_eq!(t.authority.enforce().await.unwrap().restored, ["acme"]);
    }
    for bad in [
        set(Some("duty desk"), &[channel]),
        set(Some("mailto:nobody"), &[channel]),
        set(Some("mailto:duty@acme.example"), &["ftp://acme.example/x"]),
    ] {
        assert!(t
            .authority
            .set_conditions("acme", &bad, "test")
            .await
            .is_err());
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'permit-conditions'")
            .fetch_one(&t.authority.db_pool())
            .await
            .unwrap();
    assert_eq!(audited, 4);
}

/// A tier-3 agent system's certificate: asked by its named principal, signed in, for an
/// agent key; it names the system by its public id, not the permit, and verifies under
/// the authority's status key. Refused to another principal, for an unknown system or a
/// malformed key, and while the permit misses a requirement.
#[tokio::test]
async fn a_tier_three_system_certificate_binds_an_agent_key_to_the_system() {
    use alc_protocol::authority::NewAgentSystem;
    use alc_protocol::systems::SignedSystemCertificate;
    let t = authority("").await;
    let t = &t;
    let insurer = insurer(t).await;
    let p = NewPermit {
        id: "big".into(),
        name: "Big plc".into(),
        tier: 3,
        insurance: Some(alc_devkit::insurance::cover(
            &insurer,
            "big",
            "POL-3",
            3,
            4 * MIN2,
            T0 + 365 * 86_400,
        )),
        contacts: Vec::new(),
        incident_contact: Some("mailto:duty@big.example".into()),
        reporting: vec!["https://big.example/incidents".into()],
        reason: "r".into(),
    };
    t.authority.create_permit(&p, "test").await.unwrap();
    licensed(t, "p1").await;
    licensed(t, "p2").await;
    add(t, "big", "p1", true).await.unwrap();
    add(t, "big", "p2", true).await.unwrap();
    let sys = NewAgentSystem {
        name: "dispatch".into(),
        principal: identity("p1"),
        reason: "r".into(),
    };
    t.authority
        .add_agent_system("big", &sys, "test")
        .await
        .unwrap();
    let system = t.authority.permit("big").await.unwrap().systems[0]
        .system
        .clone()
        .unwrap();
    let session = |subject: &'static str| async move {
        let token = t.id_token(subject).await;
        t.authority.login(&token).await.unwrap().session
    };
    let agent = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[9; 32])
            .verifying_key()
            .as_bytes(),
    );
    let path = "/v1/permits/big/systems/dispatch/certificate";
    let ask = |bearer: String, path: &'static str, key: String| async move {
        alc_devkit::http::call(
            &t.app,
            "POST",
            path,
            Some(&bearer),
            Some(serde_json::json!({ "key": key })),
        )
        .await
    };
    let p1 = session("p1").await;
    let (st, v) = ask(p1.clone(), path, agent.clone()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let signed: SignedSystemCertificate = serde_json::from_value(v).unwrap();
    let status_key = t.authority.keys().status.verifying_key();
    let cert = signed
        .verify(&status_key, alc_devkit::authority::NAME, &agent, t.now())
        .unwrap();
    assert_eq!(cert.system, system);
    assert_eq!(cert.permit_tier, 3);
    assert!(
        !serde_json::to_string(&cert).unwrap().contains("big"),
        "no permit named"
    );
    // Refused: another principal of the permit, an unknown system (the same answer), a
    // malformed key, no session.
    let (st, _) = ask(session("p2").await, path, agent.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = ask(
        p1.clone(),
        "/v1/permits/big/systems/other/certificate",
        agent.clone(),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the same answer as not yours");
    let (st, _) = ask(p1.clone(), path, "00".repeat(32)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a weak key");
    let (st, _) = ask("not-a-session".into(), path, agent.clone()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // While the permit is short of a requirement, nothing is certified.
    let (_, v) = alc_devkit::http::call(
        &t.app,
        "POST",
        "/v1/admin/permits/big/conditions",
        Some(&t.admin),
        Some(serde_json::json!({"incident_contact": null, "reporting": [], "reason": "r"})),
    )
    .await;
    assert!(v["reporting"].as_array().unwrap().is_empty(), "{v}");
    let (st, v) = ask(p1, path, agent).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
}

#[tokio::test]
async fn an_insurers_revocation_lapses_the_permit_and_a_renewal_restores_it() {
    let t = authority("").await;
    let insurer = insurer(&t).await;
    permit(&t, &insurer, "acme", T0 + 365 * 86_400, Vec::new()).await;
    for s in ["p1", "p2"] {
        licensed(&t, s).await;
        add(&t, "acme", s, true).await.unwrap();
    }
    let statement = |secret: &InsurerSecret, permit: &str, policy: &str| {
        let r = alc_insurance::revoke(secret, permit, policy, T0 + 10, &mut OsRng).unwrap();
        alc_protocol::insurance::CoverRevocation::from(r)
    };
    use alc_issuer::insurance::CoverRevocationError as E;
    // The twins: a stranger's signature, a tampered one, another policy.
    let stranger = InsurerSecret::generate(&mut OsRng);
    assert!(matches!(
        t.authority
            .revoke_cover(&statement(&stranger, "acme", "POL-1"))
            .await,
        Err(E::UnregisteredInsurer)
    ));
    let mut tampered = statement(&insurer, "acme", "POL-1");
    tampered.revoked_at += 1;
    assert!(matches!(
        t.authority.revoke_cover(&tampered).await,
        Err(E::BadSignature)
    ));
    assert!(matches!(
        t.authority
            .revoke_cover(&statement(&insurer, "acme", "POL-2"))
            .await,
        Err(E::NotInForce(_))
    ));
    assert!(t.authority.enforce().await.unwrap().lapsed.is_empty());
    // The insurer's own revocation of the cover in force.
    let p = t
        .authority
        .revoke_cover(&statement(&insurer, "acme", "POL-1"))
        .await
        .unwrap();
    assert_eq!(p.insurance.unwrap().revoked_at, Some(T0 + 10));
    assert_eq!(t.authority.enforce().await.unwrap().lapsed, ["acme"]);
    let why = t.authority.permit("acme").await.unwrap().lapse.unwrap().why;
    assert!(why.contains("revoked by its insurer"), "{why}");
    // A new certificate, accepted after the revocation, counts again.
    t.clock.advance(60);
    let renewal = alc_protocol::authority::CoverRenewal {
        insurance: alc_devkit::insurance::cover(
            &insurer,
            "acme",
            "POL-1",
            2,
            MIN2,
            T0 + 365 * 86_400,
        ),
        reason: "r".into(),
    };
    t.authority
        .renew_insurance("acme", &renewal, "test")
        .await
        .unwrap();
    assert_eq!(t.authority.enforce().await.unwrap().restored, ["acme"]);
}

#[tokio::test]
async fn apprentices_need_their_supervisors_acceptance_and_fall_with_them() {
    let t = authority("[apprentices]\nmax_per_supervisor = 1").await;
    let a = &t.authority;
    let (frank, licence) = licensed(&t, "frank").await;
    let gina = t.passed("gina").await;
    let req = ApprenticeRequest {
        holder: to_decimal(&holder("gina")),
    };
    use alc_issuer::apprentices::ApprenticeError as E;
    use alc_issuer::issuance::IssuanceError as I;
    // Nothing without an accepted apprenticeship.
    assert!(matches!(
        a.issue_apprentice(&gina, &req).await,
        Err(I::NoApprenticeship)
    ));
    let code = a.request_apprenticeship(&gina).await.unwrap().code;
    assert!(matches!(
        a.request_apprenticeship(&gina).await,
        Err(E::Open)
    ));
    assert!(matches!(
        a.issue_apprentice(&gina, &req).await,
        Err(I::NoApprenticeship)
    ));
    // Not by themselves, not by someone unlicensed, not with a made-up code.
    assert!(matches!(
        a.accept_apprenticeship(&gina, &code).await,
        Err(E::SelfSupervision)
    ));
    let hal = t.passed("hal").await;
    assert!(matches!(
        a.accept_apprenticeship(&hal, &code).await,
        Err(E::NotLicensed)
    ));
    assert!(matches!(
        a.accept_apprenticeship(&frank, "made-up").await,
        Err(E::UnknownCode)
    ));
    let accepted = a.accept_apprenticeship(&frank, &code).await.unwrap();
    assert_eq!(accepted.state, "accepted");
    assert_eq!(
        accepted.supervisor_serial,
        Some(licence.signed.credential.serial)
    );
    assert!(matches!(
        a.accept_apprenticeship(&frank, &code).await,
        Err(E::UnknownCode)
    ));
    let file = a.issue_apprentice(&gina, &req).await.unwrap();
    let c = &file.signed.credential;
    assert_eq!(c.tier, 0);
    assert!(c.expires <= licence.signed.credential.expires);
    // The cap: frank supervises one already.
    let ivy = t.passed("ivy").await;
    let code2 = a.request_apprenticeship(&ivy).await.unwrap().code;
    assert!(matches!(
        a.accept_apprenticeship(&frank, &code2).await,
        Err(E::Full(1))
    ));
    // Revoking frank's licence revokes gina's credential in the same epoch.
    let (_, before) = list(&t).await;
    let epoch = t.revoke(licence.signed.credential.serial, false).await;
    assert_eq!(epoch, before + 1);
    assert!(revoked(&t, c.serial).await);
    let mine = a.apprenticeships(&gina).await.unwrap();
    assert_eq!(mine[0].state, "ended");
    assert!(matches!(
        a.issue_apprentice(&gina, &req).await,
        Err(I::NoApprenticeship)
    ));
}

#[tokio::test]
async fn a_refused_request_leaves_an_audit_row_without_the_amount() {
    let t = authority("").await;
    let insurer = insurer(&t).await;
    // A tampered certificate: the insurer's signature no longer verifies.
    let mut cover =
        alc_devkit::insurance::cover(&insurer, "acme", "POL-1", 2, MIN2, T0 + 365 * 86_400);
    cover.certificate.expires += 1;
    let body = serde_json::to_value(NewPermit {
        id: "acme".into(),
        name: "Acme".into(),
        tier: 2,
        insurance: Some(cover),
        contacts: Vec::new(),
        incident_contact: Some("mailto:incidents@example.test".into()),
        reporting: vec!["https://example.test/incidents".into()],
        reason: "application 7".into(),
    })
    .unwrap();
    let audit = |action: &'static str| {
        let db = t.authority.db_pool();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT actor, details FROM audit WHERE action = $1 ORDER BY id",
            )
            .bind(action)
            .fetch_all(&db)
            .await
            .unwrap()
        }
    };
    let (st, v) = alc_devkit::http::call(
        &t.app,
        "POST",
        "/v1/admin/permits",
        Some(&t.admin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let rows = audit("refused").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "initial");
    let d: Value = serde_json::from_str(&rows[0].1).unwrap();
    assert_eq!(d["code"], "insurance_bad_certificate");
    assert_eq!(d["endpoint"], "/v1/admin/permits");
    assert!(!rows[0].1.contains(&(2 * MIN2).to_string()));
    // The twin: a caller nobody can identify fills no audit row.
    let (st, _) = alc_devkit::http::call(
        &t.app,
        "POST",
        "/v1/admin/permits",
        Some("not-a-token"),
        Some(body),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(audit("refused").await.len(), 1);
    // An operator's refused request is on the record too.
    let token = t.id_token("kim").await;
    let session = t.authority.login(&token).await.unwrap().session;
    let (st, _) = alc_devkit::http::call(
        &t.app,
        "POST",
        "/v1/credentials/apprentice",
        Some(&session),
        Some(serde_json::json!({ "holder": to_decimal(&holder("kim")) })),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let rows = audit("refused").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].0, "operator");
}
