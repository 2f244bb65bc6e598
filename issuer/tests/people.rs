//! One person across identity providers: identities linked by a verified claim their
//! providers share, or by an administrator with evidence, count as one person for
//! attempts, the lock and licences. Each with the twin that must be refused, and the
//! case that cannot be caught (two providers without a shared claim, nobody linking).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_devkit::authority::{TestAuthority, AUDIENCE, IDP};
use alc_devkit::idp::DevIdp;
use alc_issuer::assessment::AssessmentError;
use alc_issuer::identity::IdentityError;
use alc_protocol::authority::{CredentialRequest, IdentityLink, IdentityRef, Session};
use axum::http::StatusCode;
use serde_json::{json, Value};

const OTHER: &str = "https://other-idp.test";
const THIRD: &str = "https://third-idp.test";
const CLAIM: &str = "national_id";
/// Cooling-offs shorter than a session, so one session sits until the lock.
const SHORT_COOLING: &str = "[assessment]\ncooling_off_secs = 60\n";

async fn login(
    t: &TestAuthority,
    idp: &DevIdp,
    subject: &str,
    extra: &[(&str, &str)],
) -> Result<Session, IdentityError> {
    let n = t.authority.nonce().await.unwrap();
    let token = idp.mint_with(subject, AUDIENCE, Some(&n.nonce), t.now(), 600, extra);
    t.authority.login(&token).await
}

/// Fails attempts until the identity is locked (six failures, cooling-offs waited out).
async fn lock(t: &TestAuthority, session: &str) {
    loop {
        match t.authority.start_attempt(session).await {
            Ok(a) => {
                let wrong = alc_devkit::authority::correct_answers(&a)
                    .into_iter()
                    .map(|mut x| {
                        x.option = (x.option + 1) % 4;
                        x
                    })
                    .collect::<Vec<_>>();
                t.authority
                    .submit_attempt(session, &a.attempt, &wrong)
                    .await
                    .unwrap();
            }
            Err(AssessmentError::CoolingOff { until }) => t.clock.advance(until - t.now()),
            Err(AssessmentError::Locked) => return,
            Err(e) => panic!("{e}"),
        }
    }
}

fn licence_request() -> CredentialRequest {
    CredentialRequest {
        holder: to_decimal(&HolderSecret::generate(&mut rand::rngs::OsRng).commitment()),
        permit: None,
    }
}

#[tokio::test]
async fn a_shared_verified_claim_makes_one_person_across_providers() {
    let t = TestAuthority::builder()
        .config(SHORT_COOLING)
        .link_claim(CLAIM)
        .provider(OTHER, Some(CLAIM))
        .provider(THIRD, Some("passport"))
        .start()
        .await;
    let other = &t.others[0];
    // Locked at the first provider...
    let first = login(&t, &t.idp, "ann", &[(CLAIM, "N-1")]).await.unwrap();
    lock(&t, &first.session).await;
    // ...and so at the second: six attempts per person, not per provider.
    let second = login(&t, other, "ann@other", &[(CLAIM, "N-1")])
        .await
        .unwrap();
    assert!(second.identity.locked, "{:?}", second.identity);
    assert!(matches!(
        t.authority.start_attempt(&second.session).await,
        Err(AssessmentError::Locked)
    ));
    // The twins: a provider linking by another claim does not link on an equal value;
    // another person (another claim value) at the second provider sits.
    let passport = login(&t, &t.others[1], "ann-p", &[("passport", "N-1")])
        .await
        .unwrap();
    assert!(
        !passport.identity.locked,
        "another claim, another namespace"
    );
    let stranger = login(&t, other, "bea", &[(CLAIM, "N-2")]).await.unwrap();
    assert!(!stranger.identity.locked);
    assert!(t.authority.start_attempt(&stranger.session).await.is_ok());
    // A provider that links by a claim refuses a token without it (or the person could
    // dodge the link).
    let e = login(&t, other, "ann-again", &[]).await.unwrap_err();
    assert!(
        matches!(e, IdentityError::TokenRefused(ref m) if m.contains(CLAIM)),
        "{e}"
    );
    // One licence per person: passed and licensed at one provider, the other provider's
    // identity is the same person, already licensed.
    let dee = login(&t, &t.idp, "dee", &[(CLAIM, "N-4")]).await.unwrap();
    let a = t.authority.start_attempt(&dee.session).await.unwrap();
    t.authority
        .submit_attempt(
            &dee.session,
            &a.attempt,
            &alc_devkit::authority::correct_answers(&a),
        )
        .await
        .unwrap();
    let dee_id = t.authority.session_identity(&dee.session).await.unwrap();
    let wallet = licence_request();
    t.authority.issue(&dee_id, &wallet).await.unwrap();
    let dee2 = login(&t, other, "dee@other", &[(CLAIM, "N-4")])
        .await
        .unwrap();
    assert!(dee2.identity.passed, "the pass is the person's");
    let dee2_id = t.authority.session_identity(&dee2.session).await.unwrap();
    assert_eq!(dee2_id, dee_id, "one person");
    assert!(matches!(
        t.authority.issue(&dee2_id, &wallet).await,
        Err(alc_issuer::issuance::IssuanceError::AlreadyHeld)
    ));
    // The linked identity's own key fails closed (a request that read it before the
    // link): no pass, no licence under it.
    let alias = t
        .authority
        .keys()
        .identity
        .identity_key(OTHER, "dee@other")
        .to_vec();
    assert!(t.authority.issue(&alias, &wallet).await.is_err());
    let links: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'identity-link' AND details LIKE '%\"by\":\"claim\"%'",
    )
    .fetch_one(&t.authority.db_pool())
    .await
    .unwrap();
    assert_eq!(links, 2, "ann's and dee's second identities, on the record");
}

fn who(issuer: &str, subject: &str) -> IdentityRef {
    IdentityRef {
        issuer: issuer.into(),
        subject: subject.into(),
    }
}

fn link(identity: IdentityRef, to: IdentityRef, evidence: &str) -> Option<Value> {
    Some(
        serde_json::to_value(IdentityLink {
            identity,
            to,
            evidence: evidence.into(),
            reason: "the same person".into(),
        })
        .unwrap(),
    )
}

#[tokio::test]
async fn an_administrator_links_two_identities_with_evidence() {
    let t = TestAuthority::builder()
        .config(SHORT_COOLING)
        .provider(OTHER, None)
        .start()
        .await;
    let other = &t.others[0];
    let call = |m: &'static str, p: &'static str, body: Option<Value>| {
        alc_devkit::http::call(&t.app, m, p, Some(&t.admin), body)
    };
    let first = login(&t, &t.idp, "cat", &[]).await.unwrap();
    lock(&t, &first.session).await;
    // What cannot be caught: without a shared claim and before anyone links them, the
    // same person at another provider is another identity, with attempts of its own.
    let second = login(&t, other, "cat@other", &[]).await.unwrap();
    assert!(!second.identity.locked);
    let (st, _) = call(
        "POST",
        "/v1/admin/permits",
        Some(json!({"id": "cats", "name": "Cats Ltd", "tier": 1, "reason": "test"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = call(
        "POST",
        "/v1/admin/permits/cats/operators",
        Some(json!({"identity": who(OTHER, "cat@other"), "principal": false, "reason": "staff"})),
    )
    .await;
    assert!(st.is_success(), "{v}");
    // Refused: no evidence; an identity that never signed in.
    let (a, b) = (who(OTHER, "cat@other"), who(IDP, "cat"));
    let (st, _) = call(
        "POST",
        "/v1/admin/identities/link",
        link(a.clone(), b.clone(), " "),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = call(
        "POST",
        "/v1/admin/identities/link",
        link(who(OTHER, "nobody"), b.clone(), "passport 123"),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Linked: the second identity's own session is now the locked person's.
    let (st, v) = call(
        "POST",
        "/v1/admin/identities/link",
        link(a.clone(), b.clone(), "passport 123 seen at the desk"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["locked"], true);
    assert!(matches!(
        t.authority.start_attempt(&second.session).await,
        Err(AssessmentError::Locked)
    ));
    let person = t.authority.session_identity(&first.session).await.unwrap();
    let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM permit_operators WHERE id_key = $1")
        .bind(&person)
        .fetch_one(&t.authority.db_pool())
        .await
        .unwrap();
    assert_eq!(roles, 1, "the permit role moved to the person");
    let (st, _) = call("POST", "/v1/admin/identities/link", link(a, b, "again")).await;
    assert_eq!(st, StatusCode::CONFLICT, "one person already");
    // Refused: two licensed identities (two licences, two wallet keys) are not merged.
    let dan = t.passed("dan").await;
    t.authority.issue(&dan, &licence_request()).await.unwrap();
    let login_other = login(&t, other, "dan@other", &[]).await.unwrap();
    let dan2 = t
        .authority
        .session_identity(&login_other.session)
        .await
        .unwrap();
    let a = t
        .authority
        .start_attempt(&login_other.session)
        .await
        .unwrap();
    t.authority
        .submit_attempt(
            &login_other.session,
            &a.attempt,
            &alc_devkit::authority::correct_answers(&a),
        )
        .await
        .unwrap();
    t.authority.issue(&dan2, &licence_request()).await.unwrap();
    let (st, v) = call(
        "POST",
        "/v1/admin/identities/link",
        link(who(OTHER, "dan@other"), who(IDP, "dan"), "passport 456"),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "both_licensed");
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'identity-link' AND details LIKE '%passport 123%'",
    )
    .fetch_one(&t.authority.db_pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

/// A link made while both identities sit an attempt lapses the linked side's (one
/// sitting per person), and ends an apprenticeship between the two (nobody supervises
/// themselves). The twins: the person's own attempt is still marked, and an
/// apprenticeship between two people stays accepted.
#[tokio::test]
async fn a_link_lapses_a_second_open_attempt_and_ends_self_supervision() {
    let t = TestAuthority::builder().provider(OTHER, None).start().await;
    let other = &t.others[0];
    let link_them = |subject: &str, to: &str| {
        alc_devkit::http::call(
            &t.app,
            "POST",
            "/v1/admin/identities/link",
            Some(&t.admin),
            link(
                who(OTHER, subject),
                who(IDP, to),
                "passport seen at the desk",
            ),
        )
    };
    // fay sits at both providers at once.
    let first = login(&t, &t.idp, "fay", &[]).await.unwrap();
    let second = login(&t, other, "fay@other", &[]).await.unwrap();
    let a1 = t.authority.start_attempt(&first.session).await.unwrap();
    let a2 = t.authority.start_attempt(&second.session).await.unwrap();
    let (st, v) = link_them("fay@other", "fay").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(matches!(
        t.authority
            .submit_attempt(
                &second.session,
                &a2.attempt,
                &alc_devkit::authority::correct_answers(&a2)
            )
            .await,
        Err(AssessmentError::Expired)
    ));
    let marked = t
        .authority
        .submit_attempt(
            &first.session,
            &a1.attempt,
            &alc_devkit::authority::correct_answers(&a1),
        )
        .await
        .unwrap();
    assert!(marked.passed);
    // gus (licensed) supervises gus@other; hal (licensed) supervises ivy@other.
    let apprentice = |supervisor: &'static str, subject: &'static str| {
        let t = &t;
        async move {
            let sup = t.passed(supervisor).await;
            t.authority.issue(&sup, &licence_request()).await.unwrap();
            let s = login(t, other, subject, &[]).await.unwrap();
            let key = t.authority.session_identity(&s.session).await.unwrap();
            let r = t.authority.request_apprenticeship(&key).await.unwrap();
            t.authority
                .accept_apprenticeship(&sup, &r.code)
                .await
                .unwrap();
            (sup, key)
        }
    };
    // The person is gus's first identity, where the records move.
    let (gus, _) = apprentice("gus", "gus@other").await;
    let (_, ivy) = apprentice("hal", "ivy@other").await;
    let (st, v) = link_them("gus@other", "gus").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let person = t.authority.apprenticeships(&gus).await.unwrap();
    assert_eq!(person.len(), 1);
    assert_eq!(
        person[0].ended_reason.as_deref(),
        Some("the apprentice and the supervisor are one person")
    );
    let kept = t.authority.apprenticeships(&ivy).await.unwrap();
    assert_eq!(kept[0].state, "accepted", "{kept:?}");
    assert_eq!(kept[0].ended_reason, None);
}
