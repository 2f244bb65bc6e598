//! The question bank (format: `docs/question-bank.md`): loading with validation, drawing
//! an attempt, and marking it.
//!
//! An attempt draws `draw` questions at random from every area's *live* pool (its
//! questions not retired; always larger than `draw`, so no attempt shows a whole area)
//! and shuffles each question's options. What is shown is a question's text and its options in the
//! shuffled order; what is stored server-side is the order, so marking maps the chosen
//! position back to the bank's index. Answers and explanations never leave the server.

use alc_protocol::authority::{Answer, ShownQuestion};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The built-in default bank.
pub const DEFAULT_BANK: &str = include_str!("../questions/default.toml");

/// Options per question.
pub const OPTIONS: usize = 4;

/// A question bank.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// Format version (1).
    pub version: u32,
    /// A title for people.
    pub title: String,
    /// The syllabus areas.
    #[serde(rename = "area")]
    pub areas: Vec<Area>,
    /// The questions.
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

/// A syllabus area.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// Questions drawn per attempt.
    pub draw: usize,
}

/// A multiple-choice question.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Identifier, unique in the bank.
    pub id: String,
    /// Its area.
    pub area: String,
    /// The question.
    pub text: String,
    /// Four options.
    pub options: Vec<String>,
    /// Index of the correct option.
    pub answer: usize,
    /// Why (kept server-side).
    pub explanation: String,
}

/// A bank that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("question bank: {0}")]
pub struct BankError(pub String);

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Bank {
    /// Parses and validates a bank.
    pub fn from_toml(s: &str) -> Result<Self, BankError> {
        let bank: Self = toml::from_str(s).map_err(|e| BankError(e.to_string()))?;
        bank.validate()?;
        Ok(bank)
    }

    /// The built-in bank.
    pub fn default_bank() -> Result<Self, BankError> {
        Self::from_toml(DEFAULT_BANK)
    }

    fn validate(&self) -> Result<(), BankError> {
        let err = |m: String| Err(BankError(m));
        if self.version != 1 {
            return err(format!("version {} is not supported (1 is)", self.version));
        }
        if self.areas.is_empty() {
            return err("no areas".into());
        }
        let mut areas = BTreeSet::new();
        for a in &self.areas {
            if !valid_id(&a.id) || !areas.insert(a.id.as_str()) {
                return err(format!("area id {:?} is invalid or repeated", a.id));
            }
        }
        let mut ids = BTreeSet::new();
        let mut texts = BTreeSet::new();
        let mut per_area: BTreeMap<&str, usize> = BTreeMap::new();
        for q in &self.questions {
            let name = &q.id;
            if !valid_id(name) || !ids.insert(name.as_str()) {
                return err(format!("question id {name:?} is invalid or repeated"));
            }
            if !areas.contains(q.area.as_str()) {
                return err(format!("question {name:?}: unknown area {:?}", q.area));
            }
            if q.text.trim().is_empty() || q.explanation.trim().is_empty() {
                return err(format!("question {name:?}: empty text or explanation"));
            }
            // Candidates see the text, not the id: two questions must not read the same.
            if !texts.insert(q.text.trim()) {
                return err(format!(
                    "question {name:?}: the same text as another question"
                ));
            }
            let distinct: BTreeSet<&str> = q.options.iter().map(|o| o.trim()).collect();
            if q.options.len() != OPTIONS || distinct.len() != OPTIONS || distinct.contains("") {
                return err(format!(
                    "question {name:?}: needs {OPTIONS} distinct non-empty options"
                ));
            }
            if q.answer >= OPTIONS {
                return err(format!(
                    "question {name:?}: answer {} is out of range ({OPTIONS} options)",
                    q.answer
                ));
            }
            *per_area.entry(q.area.as_str()).or_default() += 1;
        }
        for a in &self.areas {
            let have = per_area.get(a.id.as_str()).copied().unwrap_or(0);
            if a.draw == 0 || a.draw >= have {
                return err(format!(
                    "area {:?}: draw {} but {have} questions (the pool must be larger than the draw)",
                    a.id, a.draw
                ));
            }
        }
        Ok(())
    }

    /// Whether a question of this id is in the bank.
    pub fn has(&self, id: &str) -> bool {
        self.question(id).is_some()
    }

    /// Refuses a set of retired questions that leaves an area's live pool no larger than
    /// its draw (an attempt would then show the whole area).
    pub fn check_pool(&self, retired: &BTreeSet<String>) -> Result<(), BankError> {
        for a in &self.areas {
            let live = self.live(&a.id, retired).count();
            if live <= a.draw {
                return Err(BankError(format!(
                    "area {:?}: {live} questions not retired, but an attempt draws {} (the pool must be larger than the draw)",
                    a.id, a.draw
                )));
            }
        }
        Ok(())
    }

    fn live<'a>(
        &'a self,
        area: &'a str,
        retired: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions
            .iter()
            .filter(move |q| q.area == area && !retired.contains(&q.id))
    }

    /// Questions per attempt.
    pub fn attempt_size(&self) -> usize {
        self.areas.iter().map(|a| a.draw).sum()
    }

    /// Draws an attempt: `draw` random questions per area from those not `retired`,
    /// options shuffled.
    pub fn draw<R: Rng>(&self, rng: &mut R, retired: &BTreeSet<String>) -> Vec<Drawn> {
        let mut out = Vec::with_capacity(self.attempt_size());
        for a in &self.areas {
            let pool: Vec<&Question> = self.live(&a.id, retired).collect();
            for q in pool.choose_multiple(rng, a.draw) {
                let mut order: Vec<usize> = (0..OPTIONS).collect();
                order.shuffle(rng);
                out.push(Drawn {
                    id: q.id.clone(),
                    order,
                    handle: format!("{:016x}", rng.gen::<u64>()),
                });
            }
        }
        out
    }

    fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The question reading `text` (texts are unique in a valid bank).
    pub fn by_text(&self, text: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.text.trim() == text.trim())
    }

    /// The questions as a candidate sees them (no answers).
    pub fn present(&self, drawn: &[Drawn]) -> Result<Vec<ShownQuestion>, BankError> {
        drawn
            .iter()
            .map(|d| {
                let q = self.question(&d.id).ok_or_else(|| {
                    BankError(format!("question {:?} no longer in the bank", d.id))
                })?;
                Ok(ShownQuestion {
                    id: d.handle.clone(),
                    area: q.area.clone(),
                    text: q.text.clone(),
                    options: d.order.iter().map(|&i| q.options[i].clone()).collect(),
                })
            })
            .collect()
    }

    /// The answer key of questions as shown: the right option of each, by its shown
    /// position, the question found by its text (candidates see no bank id). Only whoever
    /// holds the bank can make it (the demo and tests do).
    pub fn key(&self, shown: &[ShownQuestion]) -> Result<Vec<Answer>, BankError> {
        shown
            .iter()
            .map(|s| {
                let q = self.by_text(&s.text).ok_or_else(|| {
                    BankError(format!("question {:?} is not in the bank", s.text))
                })?;
                let option = s
                    .options
                    .iter()
                    .position(|o| *o == q.options[q.answer])
                    .ok_or_else(|| {
                        BankError(format!("question {:?}: no right option shown", s.id))
                    })?;
                Ok(Answer {
                    question: s.id.clone(),
                    option,
                })
            })
            .collect()
    }

    /// Marks answers (`question handle -> shown position`): whether each drawn question
    /// was answered right, in the order drawn. Every drawn question must be answered
    /// exactly once and nothing else.
    pub fn mark(&self, drawn: &[Drawn], answers: &[Answer]) -> Result<Vec<bool>, MarkError> {
        let mut given: BTreeMap<&str, usize> = BTreeMap::new();
        for a in answers {
            if a.option >= OPTIONS {
                return Err(MarkError(format!(
                    "answer to {:?} is out of range",
                    a.question
                )));
            }
            if given.insert(a.question.as_str(), a.option).is_some() {
                return Err(MarkError(format!(
                    "question {:?} answered twice",
                    a.question
                )));
            }
        }
        if given.len() != drawn.len()
            || drawn.iter().any(|d| !given.contains_key(d.handle.as_str()))
        {
            return Err(MarkError(
                "answer every question of the attempt, and only those".into(),
            ));
        }
        drawn
            .iter()
            .map(|d| {
                let q = self.question(&d.id).ok_or_else(|| {
                    MarkError(format!("question {:?} no longer in the bank", d.id))
                })?;
                Ok(d.order.get(given[d.handle.as_str()]) == Some(&q.answer))
            })
            .collect()
    }
}

/// A drawn question: its id and the order its options are shown in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    /// The question id.
    pub id: String,
    /// `order[shown position] = index in the bank`.
    pub order: Vec<usize>,
    /// What the attempt shows instead of the id (random, this attempt only), so that an
    /// answer list cannot be prepared against stable ids.
    #[serde(default)]
    pub handle: String,
}

/// Answers that cannot be marked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MarkError(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn default_bank_is_valid_and_covers_six_areas() {
        let b = Bank::default_bank().unwrap();
        assert_eq!(b.areas.len(), 6);
        assert!(b.questions.len() >= 36);
        assert_eq!(b.attempt_size(), 12);
    }

    #[test]
    fn draws_shuffle_and_marking_maps_positions_back() {
        let b = Bank::default_bank().unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let drawn = b.draw(&mut rng, &BTreeSet::new());
        assert_eq!(drawn.len(), 12);
        for a in &b.areas {
            assert_eq!(
                drawn
                    .iter()
                    .filter(|d| b.question(&d.id).unwrap().area == a.id)
                    .count(),
                a.draw
            );
        }
        let shown = b.present(&drawn).unwrap();
        // The right answers, as positions in the shown order.
        let right: Vec<Answer> = drawn
            .iter()
            .map(|d| Answer {
                question: d.handle.clone(),
                option: d
                    .order
                    .iter()
                    .position(|&i| i == b.question(&d.id).unwrap().answer)
                    .unwrap(),
            })
            .collect();
        assert_eq!(b.mark(&drawn, &right), Ok(vec![true; 12]));
        assert_eq!(b.key(&shown).unwrap(), right, "the key of what is shown");
        // Handles, not bank ids, and new ones for every attempt.
        assert!(shown.iter().all(|s| b.question(&s.id).is_none()));
        let again = b.present(&b.draw(&mut rng, &BTreeSet::new())).unwrap();
        assert!(shown.iter().all(|s| again.iter().all(|t| t.id != s.id)));
        let mut unknown = shown.clone();
        unknown[0].text = "nope".into();
        assert!(b.key(&unknown).is_err());
        let mut reworded = shown.clone();
        reworded[0].options = vec!["none of these".into(); OPTIONS];
        assert!(b.key(&reworded).is_err(), "no right option shown");
        for (s, a) in shown.iter().zip(&right) {
            let q = b.by_text(&s.text).unwrap();
            assert_eq!(s.options[a.option], q.options[q.answer]);
        }
        let mut wrong = right.clone();
        wrong[0].option = (wrong[0].option + 1) % OPTIONS;
        let mut marks = vec![true; 12];
        marks[0] = false;
        assert_eq!(b.mark(&drawn, &wrong), Ok(marks));
        // Incomplete, repeated, foreign or out-of-range answers are refused.
        assert!(b.mark(&drawn, &right[1..]).is_err());
        let mut twice = right.clone();
        twice.push(right[0].clone());
        assert!(b.mark(&drawn, &twice).is_err());
        let mut foreign = right.clone();
        foreign[0].question = "nope".into();
        assert!(b.mark(&drawn, &foreign).is_err());
        let mut range = right;
        range[0].option = 4;
        assert!(b.mark(&drawn, &range).is_err());
    }

    /// Retired questions are never drawn; retiring down to the draw is refused.
    #[test]
    fn retired_questions_are_not_drawn_and_the_pool_stays_larger_than_the_draw() {
        let b = Bank::default_bank().unwrap();
        let area = &b.areas[0];
        let pool: Vec<String> = b
            .questions
            .iter()
            .filter(|q| q.area == area.id)
            .map(|q| q.id.clone())
            .collect();
        // Retire all but draw + 1: the pool is still larger than the draw.
        let retired: BTreeSet<String> = pool[area.draw + 1..].iter().cloned().collect();
        assert_eq!(b.check_pool(&retired), Ok(()));
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        for _ in 0..50 {
            let drawn = b.draw(&mut rng, &retired);
            assert_eq!(drawn.len(), b.attempt_size());
            assert!(drawn.iter().all(|d| !retired.contains(&d.id)));
        }
        // The failing twin: one more retired and an attempt would show the whole area.
        let mut more = retired;
        more.insert(pool[area.draw].clone());
        let e = b.check_pool(&more).unwrap_err();
        assert!(
            e.0.contains(&area.id) && e.0.contains("larger than the draw"),
            "{e}"
        );
    }

    #[test]
    fn malformed_banks_are_refused_with_the_question_named() {
        let base = DEFAULT_BANK;
        let cases = [
            (
                base.replacen("answer = ", "answer = 7 #", 1),
                "out of range",
            ),
            (base.replacen("draw = 2", "draw = 9", 1), "draw 9"),
            (
                base.replacen("draw = 2", "draw = 8", 1),
                "larger than the draw",
            ),
            (base.replacen("version = 1", "version = 2", 1), "version"),
            (
                base.replacen("explanation = ", "explanaton = ", 1),
                "unknown field",
            ),
        ];
        for (text, needle) in cases {
            let e = Bank::from_toml(&text).unwrap_err();
            assert!(e.0.contains(needle), "{e} should mention {needle}");
        }
    }
}
