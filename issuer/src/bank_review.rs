//! Maintaining the confidential question bank (`docs/question-bank.md`, "Maintaining
//! the bank"): what every marked attempt answered, turned into the figures a regulator
//! reviews questions by, and retirement of a question from drawing.
//!
//! For a question answered `n` times, `c` of them right, the *facility* is `c / n`. Its
//! *discrimination* is `c_p / n_p - c_f / n_f`, the share right among passing attempts
//! minus the share right among failing ones (the upper-lower index, with the pass mark
//! as the split): near 0 the question does not tell competent candidates from others,
//! below 0 it misleads the competent. Figures below [`MIN_SAMPLE`] showings (and a
//! discrimination with fewer than [`MIN_GROUP`] showings in either group) are shown but
//! not judged. No figure names a candidate: marks are kept per attempt, and the
//! review reads them only in aggregate.

use crate::authority::{audit, Authority};
use crate::error::{internal_from_sqlx, Internal};
use alc_protocol::authority::{AreaReview, BankReview, QuestionReview, Retired};
use sqlx::{Any, Transaction};
use std::collections::{BTreeSet, HashMap};

/// Showings below which a question's figures are not judged.
pub const MIN_SAMPLE: u64 = 30;
/// Showings in passing attempts, and in failing ones, below which its discrimination is
/// not judged (one group of two would decide it).
pub const MIN_GROUP: u64 = 10;
/// Facility above which a question is `too-easy`.
const TOO_EASY: f64 = 0.95;
/// Facility below which a question is `too-hard` (a guess among four is right 0.25).
const TOO_HARD: f64 = 0.25;
/// Discrimination below which a question is `not-discriminating` (Ebel's "poor").
const WEAK: f64 = 0.2;

/// Why a question cannot be retired.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QuestionError {
    /// The bank has no question of this id.
    #[error("the bank has no question {0:?}")]
    Unknown(String),
    /// Retired already.
    #[error("question {0:?} is retired already")]
    AlreadyRetired(String),
    /// Retiring it would leave its area's pool no larger than the draw.
    #[error("{0}: add questions to the bank before retiring more")]
    PoolTooSmall(String),
    /// No reason given.
    #[error("a retirement needs a reason")]
    NoReason,
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(QuestionError);

/// The retired questions.
pub async fn retired(tx: &mut Transaction<'static, Any>) -> Result<BTreeSet<String>, Internal> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT question FROM retired_questions")
        .fetch_all(&mut **tx)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Records the marks of attempt `attempt`.
pub async fn record_marks(
    tx: &mut Transaction<'static, Any>,
    attempt: i64,
    marks: &[(&str, bool)],
) -> Result<(), Internal> {
    for (question, correct) in marks {
        sqlx::query(
            "INSERT INTO attempt_marks (attempt_id, question, correct) VALUES ($1, $2, $3)",
        )
        .bind(attempt)
        .bind(question)
        .bind(i64::from(*correct))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What a reviewer should look at in a question's figures.
fn flags(shown: u64, facility: Option<f64>, discrimination: Option<f64>) -> Vec<String> {
    let mut out: Vec<&str> = Vec::new();
    if shown < MIN_SAMPLE {
        return Vec::new();
    }
    match facility {
        Some(f) if f > TOO_EASY => out.push("too-easy"),
        Some(f) if f < TOO_HARD => out.push("too-hard"),
        _ => {}
    }
    match discrimination {
        Some(d) if d < 0.0 => out.push("inverted"),
        Some(d) if d < WEAK => out.push("not-discriminating"),
        _ => {}
    }
    out.into_iter().map(str::to_owned).collect()
}

impl Authority {
    /// The bank's figures over every marked attempt.
    pub async fn bank_review(&self) -> Result<BankReview, Internal> {
        let mut tx = self.db.begin().await?;
        let (attempts, passed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(passed), 0) AS BIGINT) FROM attempts
             WHERE EXISTS (SELECT 1 FROM attempt_marks WHERE attempt_id = attempts.id)",
        )
        .fetch_one(&mut *tx)
        .await?;
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT m.question, COUNT(*), CAST(SUM(m.correct) AS BIGINT), CAST(SUM(a.passed) AS BIGINT),
                    CAST(SUM(m.correct * a.passed) AS BIGINT)
             FROM attempt_marks m JOIN attempts a ON a.id = m.attempt_id
             GROUP BY m.question",
        )
        .fetch_all(&mut *tx)
        .await?;
        let retired = retired(&mut tx).await?;
        tx.commit().await?;
        let counts: HashMap<String, [u64; 4]> = rows
            .into_iter()
            .map(|(q, n, c, np, cp)| (q, [n, c, np, cp].map(|x| x.max(0) as u64)))
            .collect();
        let questions: Vec<QuestionReview> = self
            .bank
            .questions
            .iter()
            .map(|q| {
                let [shown, correct, shown_passing, correct_passing] =
                    counts.get(&q.id).copied().unwrap_or_default();
                let facility = share(correct, shown);
                let discrimination = share(correct_passing, shown_passing)
                    .zip(share(correct - correct_passing, shown - shown_passing))
                    .map(|(p, f)| p - f);
                let judged = (shown_passing >= MIN_GROUP && shown - shown_passing >= MIN_GROUP)
                    .then_some(discrimination)
                    .flatten();
                QuestionReview {
                    id: q.id.clone(),
                    area: q.area.clone(),
                    retired: retired.contains(&q.id),
                    shown,
                    correct,
                    shown_passing,
                    correct_passing,
                    facility,
                    discrimination,
                    flags: flags(shown, facility, judged),
                }
            })
            .collect();
        let areas = self
            .bank
            .areas
            .iter()
            .map(|a| {
                let of_area = questions.iter().filter(|q| q.area == a.id);
                AreaReview {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    draw: a.draw as u64,
                    live: of_area.clone().filter(|q| !q.retired).count() as u64,
                    shown: of_area.clone().map(|q| q.shown).sum(),
                    correct: of_area.map(|q| q.correct).sum(),
                }
            })
            .collect();
        Ok(BankReview {
            attempts: attempts.max(0) as u64,
            passed: passed.max(0) as u64,
            min_sample: MIN_SAMPLE,
            areas,
            questions,
        })
    }

    /// Retires question `id` from drawing, for good, on the record. Refused when its
    /// area's remaining pool would be no larger than the draw.
    pub async fn retire_question(
        &self,
        id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<Retired, QuestionError> {
        if reason.trim().is_empty() {
            return Err(QuestionError::NoReason);
        }
        if !self.bank.has(id) {
            return Err(QuestionError::Unknown(id.to_owned()));
        }
        let now = self.now();
        let mut w = self.write().await?;
        let mut set = retired(&mut w.tx).await?;
        if !set.insert(id.to_owned()) {
            return Err(QuestionError::AlreadyRetired(id.to_owned()));
        }
        self.bank
            .check_pool(&set)
            .map_err(|e| QuestionError::PoolTooSmall(e.0))?;
        sqlx::query(
            "INSERT INTO retired_questions (question, retired_at, reason) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(now as i64)
        .bind(reason)
        .execute(&mut *w.tx)
        .await?;
        audit(
            &mut w.tx,
            actor,
            now,
            "question-retired",
            reason,
            serde_json::json!({ "question": id }),
        )
        .await?;
        w.commit().await?;
        Ok(Retired {
            question: id.to_owned(),
            retired_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Judged only from the sample size on; each flag at its threshold, and its twin
    /// just inside it.
    #[test]
    fn flags_follow_the_thresholds() {
        let none: Vec<String> = Vec::new();
        assert_eq!(flags(MIN_SAMPLE - 1, Some(1.0), Some(-1.0)), none);
        assert_eq!(flags(MIN_SAMPLE, Some(0.96), Some(0.5)), ["too-easy"]);
        assert_eq!(flags(MIN_SAMPLE, Some(0.95), Some(0.5)), none);
        assert_eq!(flags(MIN_SAMPLE, Some(0.24), Some(0.5)), ["too-hard"]);
        assert_eq!(flags(MIN_SAMPLE, Some(0.25), Some(0.5)), none);
        assert_eq!(
            flags(MIN_SAMPLE, Some(0.6), Some(0.19)),
            ["not-discriminating"]
        );
        assert_eq!(flags(MIN_SAMPLE, Some(0.6), Some(0.2)), none);
        assert_eq!(flags(MIN_SAMPLE, Some(0.6), Some(-0.1)), ["inverted"]);
        assert_eq!(flags(MIN_SAMPLE, Some(0.6), None), none);
    }
}
