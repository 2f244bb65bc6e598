//! Maintaining the confidential bank: the figures a regulator reviews questions by
//! (facility and discrimination, no candidate named), and retirement, which takes a
//! question out of drawing for good but never leaves an area's pool no larger than its
//! draw. Each with the twin that must be refused.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_devkit::authority::{correct_answers, TestAuthority};
use alc_issuer::questions::Bank;
use alc_protocol::authority::{Answer, Attempt, BankReview, NewToken, Retirement};
use axum::http::StatusCode;
use serde_json::Value;

async fn call(
    t: &TestAuthority,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    alc_devkit::http::call(&t.app, method, path, bearer, body).await
}

/// Signs `subject` in and sits one attempt, every answer right or every answer wrong:
/// the attempt as shown.
async fn sit(t: &TestAuthority, subject: &str, right: bool) -> Attempt {
    let a = &t.authority;
    let session = a.login(&t.id_token(subject).await).await.unwrap().session;
    let attempt = a.start_attempt(&session).await.unwrap();
    let answers: Vec<Answer> = correct_answers(&attempt)
        .into_iter()
        .map(|mut x| {
            if !right {
                x.option = (x.option + 1) % 4;
            }
            x
        })
        .collect();
    let marked = a
        .submit_attempt(&session, &attempt.attempt, &answers)
        .await
        .unwrap();
    assert_eq!(marked.passed, right);
    attempt
}

fn retirement(reason: &str) -> Option<Value> {
    Some(
        serde_json::to_value(Retirement {
            reason: reason.into(),
        })
        .unwrap(),
    )
}

#[tokio::test]
async fn the_review_counts_every_marked_answer_and_names_no_candidate() {
    let t = TestAuthority::start().await;
    for i in 0..4 {
        sit(&t, &format!("able-{i}"), true).await;
        sit(&t, &format!("unready-{i}"), false).await;
    }
    // An attempt that lapses unanswered counts as a failure but marks no question.
    let s = t
        .authority
        .login(&t.id_token("lapsed").await)
        .await
        .unwrap()
        .session;
    t.authority.start_attempt(&s).await.unwrap();
    let (st, v) = call(&t, "GET", "/v1/admin/questions", Some(&t.admin), None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let text = v.to_string();
    for name in ["able-0", "unready-0", "lapsed"] {
        assert!(!text.contains(name), "no candidate in the review");
    }
    let r: BankReview = serde_json::from_value(v).unwrap();
    assert_eq!((r.attempts, r.passed), (8, 4));
    let bank = Bank::default_bank().unwrap();
    assert_eq!(r.questions.len(), bank.questions.len());
    let shown: u64 = r.questions.iter().map(|q| q.shown).sum();
    assert_eq!(shown, 8 * bank.attempt_size() as u64, "every marked answer");
    for q in &r.questions {
        // Passing candidates answered everything right, failing ones nothing.
        assert_eq!(q.correct, q.correct_passing, "{}", q.id);
        assert_eq!(q.correct_passing, q.shown_passing, "{}", q.id);
        if q.shown_passing > 0 && q.shown > q.shown_passing {
            assert_eq!(q.discrimination, Some(1.0), "{}", q.id);
        } else {
            assert_eq!(q.discrimination, None, "one group only: not judged");
        }
        assert!(
            q.flags.is_empty(),
            "below the sample size nothing is judged"
        );
    }
    let areas: u64 = r.areas.iter().map(|a| a.shown).sum();
    assert_eq!(areas, shown);
    // The failing twin: a token without the questions scope sees nothing.
    let (st, v) = call(
        &t,
        "POST",
        "/v1/admin/tokens",
        Some(&t.admin),
        Some(
            serde_json::to_value(NewToken {
                id: "clerk".into(),
                scopes: vec!["training".into()],
                reason: "a clerk".into(),
            })
            .unwrap(),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let clerk = v["token"].as_str().unwrap().to_owned();
    let (st, _) = call(&t, "GET", "/v1/admin/questions", Some(&clerk), None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_retired_question_is_never_drawn_and_the_pool_stays_larger_than_the_draw() {
    let t = TestAuthority::start().await;
    let bank = Bank::default_bank().unwrap();
    let area = &bank.areas[0];
    let pool: Vec<&str> = bank
        .questions
        .iter()
        .filter(|q| q.area == area.id)
        .map(|q| q.id.as_str())
        .collect();
    let path = |id: &str| format!("/v1/admin/questions/{id}/retire");
    // Refused: no reason, an unknown question.
    let (st, _) = call(&t, "POST", &path(pool[0]), Some(&t.admin), retirement(" ")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = call(&t, "POST", &path("nope"), Some(&t.admin), retirement("x")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Retire all but draw + 1.
    let keep = area.draw + 1;
    for id in &pool[keep..] {
        let (st, v) = call(&t, "POST", &path(id), Some(&t.admin), retirement("leaked")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["question"], *id);
    }
    let (st, _) = call(
        &t,
        "POST",
        &path(pool[keep]),
        Some(&t.admin),
        retirement("x"),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "retired already");
    // The failing twin: one more and an attempt would show the whole area.
    let (st, v) = call(&t, "POST", &path(pool[0]), Some(&t.admin), retirement("x")).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "pool_too_small", "{v}");
    // On the record, and out of every attempt drawn since.
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'question-retired'")
            .fetch_one(&t.authority.db_pool())
            .await
            .unwrap();
    assert_eq!(audited as usize, pool.len() - keep);
    let retired: Vec<&str> = pool[keep..].to_vec();
    for i in 0..6 {
        let attempt = sit(&t, &format!("candidate-{i}"), true).await;
        for q in &attempt.questions {
            let id = &bank.by_text(&q.text).unwrap().id;
            assert!(!retired.contains(&id.as_str()), "{id} was retired");
        }
    }
    let (_, v) = call(&t, "GET", "/v1/admin/questions", Some(&t.admin), None).await;
    let r: BankReview = serde_json::from_value(v).unwrap();
    assert_eq!(r.areas[0].live as usize, keep);
    let retired_shown: u64 = r
        .questions
        .iter()
        .filter(|q| q.retired)
        .map(|q| q.shown)
        .sum();
    assert_eq!(retired_shown, 0);
}
