//! Enrolment: signing in at the authority with an identity provider's ID token, and
//! sitting the assessment (an attempt kept in the wallet so an interrupted sitting can be
//! resumed, and answers matched to its questions).

use crate::client::AuthorityClient;
use crate::store::{OpenAttempt, Session, Wallet};
use crate::WalletError;
use alc_protocol::authority::{Answer, AnswerSheet, Marked, Session as Signed};
use alc_protocol::time::now;
use serde::{Deserialize, Serialize};

/// Signs in with an ID token and keeps the session: the authority's answer (where the
/// identity stands in the assessment).
///
/// # Errors
/// The authority's refusal, or the file system's.
pub async fn sign_in(
    w: &Wallet,
    authority: &AuthorityClient,
    id_token: &str,
) -> Result<Signed, WalletError> {
    let signed = authority.sign_in(id_token).await?;
    w.save_session(&Session {
        authority: authority.url().to_owned(),
        session: signed.session.clone(),
        expires_at: signed.expires_at,
    })?;
    Ok(signed)
}

/// The wallet's session with the authority at `authority`, if it is still good.
///
/// # Errors
/// Not signed in, signed in elsewhere, or the session expired.
pub fn session_for(w: &Wallet, authority: &str) -> Result<Session, WalletError> {
    let s = w.session()?.ok_or(WalletError::NotSignedIn)?;
    if s.authority != authority {
        return Err(WalletError::SessionElsewhere {
            with: s.authority,
            asked: authority.to_owned(),
        });
    }
    if s.expires_at <= now() {
        return Err(WalletError::SessionExpired(s.expires_at));
    }
    Ok(s)
}

/// The open attempt: the one kept in the wallet (unexpired, at this authority), or a new
/// one, kept. `None` when the identity has already passed.
///
/// # Errors
/// A cooling-off ([`WalletError::CoolingOff`]), a refused session, another refusal.
pub async fn open_attempt(
    w: &Wallet,
    authority: &AuthorityClient,
) -> Result<Option<OpenAttempt>, WalletError> {
    if let Some(a) = w.attempt()? {
        if a.authority == authority.url() && a.expires_at > now() {
            return Ok(Some(a));
        }
        w.clear_attempt()?;
    }
    let s = session_for(w, authority.url())?;
    let attempt = match authority.start_attempt(&s.session).await {
        Ok(a) => a,
        Err(WalletError::Refused {
            status: 429, error, ..
        }) => return Err(WalletError::CoolingOff(error.retry_at.unwrap_or(0))),
        Err(WalletError::Refused {
            status: 409, error, ..
        }) if error.message.contains("already passed") => return Ok(None),
        Err(WalletError::Refused {
            status: 401,
            service,
            error,
        }) => {
            return Err(WalletError::SessionRefused {
                service,
                message: error.message,
            })
        }
        Err(e) => return Err(e),
    };
    let a = OpenAttempt {
        authority: authority.url().to_owned(),
        attempt: attempt.attempt,
        expires_at: attempt.expires_at,
        answers: vec![None; attempt.questions.len()],
        questions: attempt.questions,
    };
    w.save_attempt(&a)?;
    Ok(Some(a))
}

/// One entry of an answers file: a question and either the option's position as shown
/// (0-based) or its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerEntry {
    /// The question's id.
    pub question: String,
    /// The chosen option's position as shown (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<usize>,
    /// The chosen option's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// The answers `entries` give to the attempt's questions, in its order; `source` names
/// them in errors (the file's path). Entries for other questions are ignored.
///
/// # Errors
/// [`WalletError::Answers`] naming the question without a usable answer.
pub fn match_answers(
    a: &OpenAttempt,
    entries: &[AnswerEntry],
    source: &str,
) -> Result<Vec<Answer>, WalletError> {
    let bad = |m: String| WalletError::Answers(format!("{source}: {m}"));
    a.questions
        .iter()
        .map(|q| {
            let e = entries.iter().find(|e| e.question == q.id).ok_or_else(|| {
                WalletError::Answers(format!("{source} has no answer for question {}", q.id))
            })?;
            let option = match (&e.option, &e.answer) {
                (Some(n), _) if *n >= q.options.len() => {
                    return Err(bad(format!(
                        "question {} has options 0 to {}, not {n}",
                        q.id,
                        q.options.len().saturating_sub(1)
                    )))
                }
                (Some(n), _) => *n,
                (None, Some(text)) => q
                    .options
                    .iter()
                    .position(|o| o.trim() == text.trim())
                    .ok_or_else(|| bad(format!("no option of question {} reads {text:?}", q.id)))?,
                (None, None) => {
                    return Err(bad(format!(
                    "the entry for question {} needs \"option\" (a number) or \"answer\" (text)",
                    q.id
                )))
                }
            };
            Ok(Answer {
                question: q.id.clone(),
                option,
            })
        })
        .collect()
}

/// The answers chosen so far in an attempt (a question left unanswered gets option 0).
pub fn chosen(a: &OpenAttempt) -> Vec<Answer> {
    a.questions
        .iter()
        .zip(&a.answers)
        .map(|(q, x)| Answer {
            question: q.id.clone(),
            option: x.unwrap_or(0),
        })
        .collect()
}

/// Submits the attempt's answers: the mark. The attempt is spent (marked, expired or
/// unknown) unless the authority refused the answers as malformed, so it is forgotten.
///
/// # Errors
/// The authority's refusal, or the file system's.
pub async fn submit(
    w: &Wallet,
    authority: &AuthorityClient,
    a: &OpenAttempt,
    answers: Vec<Answer>,
) -> Result<Marked, WalletError> {
    let sheet = AnswerSheet {
        attempt: a.attempt.clone(),
        answers,
    };
    let s = session_for(w, authority.url())?;
    let marked = authority.submit(&s.session, &sheet).await;
    let malformed = matches!(&marked, Err(WalletError::Refused { status: 400, .. }));
    let unanswered = matches!(&marked, Err(WalletError::Unreachable { .. }));
    if !malformed && !unanswered {
        w.clear_attempt()?;
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;
    use alc_protocol::authority::ShownQuestion;

    fn attempt() -> OpenAttempt {
        OpenAttempt {
            authority: "a".into(),
            attempt: "t".into(),
            expires_at: 0,
            questions: vec![ShownQuestion {
                id: "q1".into(),
                area: "x".into(),
                text: "?".into(),
                options: vec!["yes".into(), "no".into()],
            }],
            answers: vec![None],
        }
    }

    fn entry(option: Option<usize>, answer: Option<&str>) -> AnswerEntry {
        AnswerEntry {
            question: "q1".into(),
            option,
            answer: answer.map(str::to_owned),
        }
    }

    #[test]
    fn answers_match_by_position_or_text_and_refuse_otherwise() {
        let a = attempt();
        let got = |e: Vec<AnswerEntry>| match_answers(&a, &e, "f").map(|v| v[0].option);
        assert_eq!(got(vec![entry(Some(1), None)]).ok(), Some(1));
        assert_eq!(got(vec![entry(None, Some(" no "))]).ok(), Some(1));
        // Twins: out of range, no such text, neither, no entry.
        for bad in [
            vec![entry(Some(2), None)],
            vec![entry(None, Some("maybe"))],
            vec![entry(None, None)],
            vec![],
        ] {
            assert!(matches!(got(bad), Err(WalletError::Answers(_))));
        }
    }
}
