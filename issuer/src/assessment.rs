//! The competency assessment and its FCA-style rules.
//!
//! * One open attempt at a time; an attempt that expires unanswered counts as a failure
//!   (otherwise letting attempts lapse would show the whole bank for free).
//! * Every `failures_before_cooling_off`-th failure starts a cooling-off of
//!   `cooling_off_secs`; after `max_failures` failures the identity is locked until an
//!   administrator records completed formal training, which clears the failures.
//! * An attempt token is single-use and expires; marking happens in one write
//!   transaction under the single writer, so concurrent submissions cannot exceed the
//!   limits or mark an attempt twice.

use crate::authority::{audit, new_token, token_hash, Authority};
use crate::error::{internal_from_sqlx, Internal};
use crate::identity::{identity_status, IdKey, IdentityError};
use crate::questions::Drawn;
use alc_protocol::authority::{Answer, Attempt, IdentityStatus, Marked};
use sqlx::{Any, Transaction};

/// Why an attempt cannot be started or submitted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssessmentError {
    /// The identity has passed: there is nothing to sit.
    #[error("this identity has already passed the assessment")]
    AlreadyPassed,
    /// Too many failures: formal training first.
    #[error("locked after the maximum number of failed attempts: an administrator must record completed formal training")]
    Locked,
    /// A cooling-off after failures.
    #[error("cooling-off after failed attempts")]
    CoolingOff {
        /// When an attempt may start (unix seconds).
        until: u64,
    },
    /// One open attempt at a time.
    #[error("an attempt is already open until {0}: submit it first")]
    AttemptOpen(u64),
    /// No attempt has this token.
    #[error("unknown attempt token")]
    UnknownAttempt,
    /// The attempt was started by another session: nobody sits it for its owner.
    #[error("this attempt was started by another session: only the session that started it can submit it")]
    NotYours,
    /// An attempt is marked once.
    #[error("this attempt has already been submitted")]
    AlreadySubmitted,
    /// The attempt lapsed, and counted as a failure.
    #[error("this attempt expired and counts as a failed attempt")]
    Expired,
    /// Training recorded for an identity that never signed in.
    #[error("no such identity: it has never signed in")]
    NeverSignedIn,
    /// Training recorded for an identity that is not locked: it resets nothing.
    #[error("this identity is not locked: training is recorded to lift a lock after the maximum number of failures")]
    NotLocked,
    /// Training recorded without its evidence or reason.
    #[error("training needs its evidence (course provider and certificate id) and a reason")]
    NoEvidence,
    /// Answers that do not answer the attempt.
    #[error("{0}")]
    Answers(String),
    /// The identity behind it.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A failure inside the authority.
    #[error(transparent)]
    Internal(#[from] Internal),
}

internal_from_sqlx!(AssessmentError);

/// What a training record rests on (`alc_protocol::authority::Training`).
pub struct TrainingEvidence<'a> {
    /// Who ran the course.
    pub course_provider: &'a str,
    /// The provider's certificate id.
    pub certificate: &'a str,
    /// The administrator's reason.
    pub reason: &'a str,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: i64,
    id_key: Vec<u8>,
    questions: String,
    expires_at: i64,
    submitted_at: Option<i64>,
    session_hash: Option<Vec<u8>>,
}

impl Authority {
    /// Records one failure and applies the rules.
    async fn fail(
        &self,
        tx: &mut Transaction<'static, Any>,
        id_key: &[u8],
        now: u64,
    ) -> Result<(), AssessmentError> {
        let r = &self.cfg.assessment;
        let failures: i64 = sqlx::query_scalar(
            "UPDATE identities SET failures = failures + 1 WHERE id_key = $1 RETURNING failures",
        )
        .bind(id_key)
        .fetch_one(&mut **tx)
        .await?;
        if failures as u32 >= r.max_failures {
            sqlx::query("UPDATE identities SET locked = 1 WHERE id_key = $1")
                .bind(id_key)
                .execute(&mut **tx)
                .await?;
        } else if failures as u32 % r.failures_before_cooling_off == 0 {
            sqlx::query("UPDATE identities SET cooling_until = $1 WHERE id_key = $2")
                .bind((now + r.cooling_off_secs) as i64)
                .bind(id_key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Fails attempts that expired unanswered.
    async fn expire_attempts(
        &self,
        tx: &mut Transaction<'static, Any>,
        id_key: &[u8],
        now: u64,
    ) -> Result<(), AssessmentError> {
        let lapsed: Vec<i64> = sqlx::query_scalar(
            "UPDATE attempts SET submitted_at = expires_at, passed = 0, correct = 0, total = 0
             WHERE id_key = $1 AND submitted_at IS NULL AND expires_at <= $2 RETURNING id",
        )
        .bind(id_key)
        .bind(now as i64)
        .fetch_all(&mut **tx)
        .await?;
        for _ in lapsed {
            self.fail(tx, id_key, now).await?;
        }
        Ok(())
    }

    /// Refuses when the identity may not sit an attempt now.
    fn check_may_sit(&self, s: &IdentityStatus, now: u64) -> Result<(), AssessmentError> {
        if s.passed {
            return Err(AssessmentError::AlreadyPassed);
        }
        if s.locked {
            return Err(AssessmentError::Locked);
        }
        if s.cooling_until > now {
            return Err(AssessmentError::CoolingOff {
                until: s.cooling_until,
            });
        }
        Ok(())
    }

    /// Starts an attempt for the identity of the session `session` (its bearer token):
    /// the attempt belongs to that session.
    pub async fn start_attempt(&self, session: &str) -> Result<Attempt, AssessmentError> {
        let id_key = &self.session_identity(session).await?;
        let now = self.now();
        let mut w = self.write().await?;
        self.expire_attempts(&mut w.tx, id_key, now).await?;
        let status = identity_status(&mut w.tx, id_key).await?;
        if let Err(e) = self.check_may_sit(&status, now) {
            w.commit().await?; // keep the lapsed attempts' failures
            return Err(e);
        }
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT expires_at FROM attempts WHERE id_key = $1 AND submitted_at IS NULL",
        )
        .bind(id_key)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(expires) = open {
            return Err(AssessmentError::AttemptOpen(expires as u64));
        }
        let retired = crate::bank_review::retired(&mut w.tx).await?;
        let drawn = self.bank.draw(&mut rand::rngs::OsRng, &retired);
        let questions = self.bank.present(&drawn).map_err(Internal::new)?;
        let (attempt, hash) = new_token();
        let expires_at = now + self.cfg.assessment.attempt_ttl_secs;
        sqlx::query("INSERT INTO attempts (token_hash, id_key, questions, created_at, expires_at, session_hash) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&hash)
            .bind(id_key)
            .bind(serde_json::to_string(&drawn).map_err(Internal::new)?)
            .bind(now as i64)
            .bind(expires_at as i64)
            .bind(token_hash(session))
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Attempt {
            attempt,
            expires_at,
            questions,
        })
    }

    /// Marks an attempt submitted by the session `session` (its bearer token), which
    /// must be the session that started it. Another session's submission is refused and
    /// audited (the attempt stays open for its owner).
    pub async fn submit_attempt(
        &self,
        session: &str,
        token: &str,
        answers: &[Answer],
    ) -> Result<Marked, AssessmentError> {
        let submitter = self.session_identity(session).await?;
        let now = self.now();
        let mut w = self.write().await?;
        let row: Option<AttemptRow> = sqlx::query_as(
            "SELECT id, id_key, questions, expires_at, submitted_at, session_hash FROM attempts WHERE token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&mut *w.tx)
        .await?;
        let AttemptRow {
            id,
            id_key,
            questions,
            expires_at,
            submitted_at,
            session_hash,
        } = row.ok_or(AssessmentError::UnknownAttempt)?;
        if session_hash.as_deref() != Some(token_hash(session).as_slice()) {
            let details = serde_json::json!({
                "attempt": id,
                "same_identity": submitter == id_key,
            });
            crate::authority::audit(
                &mut w.tx,
                &format!(
                    "identity:{}",
                    hex::encode(&submitter[..8.min(submitter.len())])
                ),
                now,
                "assessment_submit_refused",
                "the attempt was started by another session",
                details,
            )
            .await?;
            w.commit().await?;
            return Err(AssessmentError::NotYours);
        }
        if submitted_at.is_some() {
            return Err(AssessmentError::AlreadySubmitted);
        }
        if expires_at as u64 <= now {
            self.expire_attempts(&mut w.tx, &id_key, now).await?;
            w.commit().await?;
            return Err(AssessmentError::Expired);
        }
        let status = identity_status(&mut w.tx, &id_key).await?;
        self.check_may_sit(&status, now)?;
        let drawn: Vec<Drawn> = serde_json::from_str(&questions).map_err(Internal::new)?;
        let marks = self
            .bank
            .mark(&drawn, answers)
            .map_err(|e| AssessmentError::Answers(e.0))?;
        let (correct, total) = (marks.iter().filter(|&&m| m).count(), marks.len());
        let pass_mark = self.cfg.assessment.pass_mark_percent;
        let passed = correct * 100 >= total * pass_mark as usize;
        sqlx::query(
            "UPDATE attempts SET submitted_at = $1, correct = $2, total = $3, passed = $4 WHERE id = $5",
        )
        .bind(now as i64)
        .bind(correct as i64)
        .bind(total as i64)
        .bind(i64::from(passed))
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        let by_question: Vec<(&str, bool)> =
            drawn.iter().map(|d| d.id.as_str()).zip(marks).collect();
        crate::bank_review::record_marks(&mut w.tx, id, &by_question).await?;
        if passed {
            sqlx::query("UPDATE identities SET passed_at = $1 WHERE id_key = $2")
                .bind(now as i64)
                .bind(&id_key)
                .execute(&mut *w.tx)
                .await?;
        } else {
            self.fail(&mut w.tx, &id_key, now).await?;
        }
        let identity = identity_status(&mut w.tx, &id_key).await?;
        w.commit().await?;
        Ok(Marked {
            passed,
            correct: correct as u32,
            total: total as u32,
            pass_mark_percent: pass_mark,
            identity,
        })
    }

    /// Records completed formal training: clears failures, cooling-off and the lock.
    pub async fn record_training(
        &self,
        id_key: &IdKey,
        actor: &str,
        evidence: &TrainingEvidence<'_>,
    ) -> Result<IdentityStatus, AssessmentError> {
        let now = self.now();
        let mut w = self.write().await?;
        let id_key = &crate::people::person(&mut w.tx, id_key).await?;
        let details = serde_json::json!({
            "identity": hex::encode(id_key),
            "course_provider": evidence.course_provider,
            "certificate": evidence.certificate,
        });
        let refusal = if [
            evidence.course_provider,
            evidence.certificate,
            evidence.reason,
        ]
        .iter()
        .any(|f| f.trim().is_empty())
        {
            Some(AssessmentError::NoEvidence)
        } else {
            let locked: Option<i64> =
                sqlx::query_scalar("SELECT locked FROM identities WHERE id_key = $1")
                    .bind(id_key)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            match locked {
                None => Some(AssessmentError::NeverSignedIn),
                Some(0) => Some(AssessmentError::NotLocked),
                Some(_) => None,
            }
        };
        if let Some(e) = refusal {
            // Refused, and on the record: an administrator's request is never silent.
            let mut refused = details;
            refused["refused"] = e.to_string().into();
            audit(
                &mut w.tx,
                actor,
                now,
                "training_refused",
                evidence.reason,
                refused,
            )
            .await?;
            w.commit().await?;
            return Err(e);
        }
        // The failures, the cooling-off they caused and the lock: nothing else (a pass
        // still needs an attempt).
        sqlx::query("UPDATE identities SET failures = 0, cooling_until = 0, locked = 0, training_at = $1 WHERE id_key = $2")
            .bind(now as i64)
            .bind(id_key)
            .execute(&mut *w.tx)
            .await?;
        audit(&mut w.tx, actor, now, "training", evidence.reason, details).await?;
        let s = identity_status(&mut w.tx, id_key).await?;
        w.commit().await?;
        Ok(s)
    }
}
