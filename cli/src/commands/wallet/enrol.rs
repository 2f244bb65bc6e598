//! `alc wallet kyc` and `alc wallet assess`: signing in at the authority with an identity
//! provider's ID token, and sitting the assessment (an interactive quiz on the terminal,
//! or answers from a file).

use super::store::{OpenAttempt, Session, Wallet};
use super::{field_str, now, utc, when};
use crate::client::{message, Authority, Http};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub(super) async fn kyc(
    w: &Wallet,
    authority: &str,
    idp: &str,
    subject: Option<String>,
    audience: &str,
    id_token: Option<String>,
    print_nonce: bool,
) -> Result<()> {
    let http = Http::new()?;
    let a = Authority {
        http: &http,
        url: authority.to_owned(),
    };
    if print_nonce {
        println!("{}", a.nonce().await?);
        return Ok(());
    }
    let token = match (id_token, subject) {
        (Some(t), _) => zeroize::Zeroizing::new(t),
        (None, Some(subject)) => {
            let nonce = a.nonce().await?;
            let what = format!("identity provider at {idp}");
            let v = crate::client::ok(
                &what,
                http.post(
                    &what,
                    &format!("{idp}/token"),
                    None,
                    &json!({ "subject": subject, "audience": audience, "nonce": nonce }),
                )
                .await?,
            )?;
            if v["development_only"] == true {
                println!("(development identity provider: it checks nobody's identity)");
            }
            zeroize::Zeroizing::new(field_str(&v, "id_token", &what)?.to_owned())
        }
        (None, None) => bail!(
            "say who you are: --subject NAME with the development identity provider, or --id-token TOKEN from your provider"
        ),
    };
    let what = format!("authority at {authority}");
    let v = crate::client::ok(
        &what,
        http.post(
            &what,
            &format!("{authority}/v1/identity"),
            None,
            &json!({ "id_token": token.as_str() }),
        )
        .await?,
    )?;
    let session = Session {
        authority: authority.to_owned(),
        session: field_str(&v, "session", &what)?.to_owned(),
        expires_at: v["expires_at"].as_u64().unwrap_or(0),
    };
    w.save_session(&session)?;
    println!(
        "Signed in at {authority}: session kept in the wallet until {}.",
        when(session.expires_at)
    );
    print_identity(&v["identity"]);
    Ok(())
}

fn print_identity(id: &Value) {
    if id["passed"] == true {
        println!("Assessment: passed. Next: alc wallet obtain");
        return;
    }
    let failures = id["failures"].as_u64().unwrap_or(0);
    println!("Assessment: not passed yet; failed attempts so far: {failures}.");
    let cooling = id["cooling_until"].as_u64().unwrap_or(0);
    if id["locked"] == true {
        println!(
            "Locked: after {failures} failed attempts an administrator must record completed formal training before another attempt."
        );
    } else if cooling > now() {
        println!("Cooling-off: no new attempt before {}.", when(cooling));
    } else {
        println!("Next: alc wallet assess");
    }
}

// ---------------------------------------------------------------------------------------
// assess

pub(super) fn session_for(w: &Wallet, authority: &str) -> Result<Session> {
    let s = w
        .session()?
        .ok_or_else(|| anyhow!("not signed in at the authority: run `alc wallet kyc` first"))?;
    if s.authority != authority {
        bail!(
            "the wallet's session is with {}, not {authority}: run `alc wallet kyc` again",
            s.authority
        );
    }
    if s.expires_at <= now() {
        bail!(
            "the authority session expired at {}: run `alc wallet kyc` again",
            utc(s.expires_at)
        );
    }
    Ok(s)
}

/// The open attempt: the one kept in the wallet, or a new one. `None` if already passed.
async fn open_attempt(w: &Wallet, http: &Http, authority: &str) -> Result<Option<OpenAttempt>> {
    if let Some(a) = w.attempt()? {
        if a.authority == authority && a.expires_at > now() {
            return Ok(Some(a));
        }
        w.clear_attempt()?;
    }
    let s = session_for(w, authority)?;
    let what = format!("authority at {authority}");
    let (code, v) = Authority {
        http,
        url: authority.to_owned(),
    }
    .start_attempt(&s.session)
    .await?;
    match code {
        200 => {}
        429 => {
            let until = v["retry_at"].as_u64().unwrap_or(0);
            bail!(
                "cooling-off after failed attempts: no new attempt before {}",
                when(until)
            )
        }
        409 if message(&v).contains("already passed") => {
            println!("This identity has already passed the assessment. Next: alc wallet obtain");
            return Ok(None);
        }
        401 => bail!(
            "the {what} refused the session ({}): run `alc wallet kyc` again",
            message(&v)
        ),
        _ => bail!("the {what} refused ({code}): {}", message(&v)),
    }
    let questions = v["questions"]
        .as_array()
        .cloned()
        .ok_or_else(|| anyhow!("the {what} answered without questions"))?;
    let a = OpenAttempt {
        authority: authority.to_owned(),
        attempt: field_str(&v, "attempt", &what)?.to_owned(),
        expires_at: v["expires_at"].as_u64().unwrap_or(0),
        answers: vec![None; questions.len()],
        questions,
    };
    w.save_attempt(&a)?;
    Ok(Some(a))
}

fn options(q: &Value) -> Vec<String> {
    q["options"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|s| s.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The answers in a file, matched to the attempt's questions.
fn answers_from_file(a: &OpenAttempt, path: &Path) -> Result<Vec<(String, usize)>> {
    let text = crate::fsio::read_string(path)?;
    let entries: Vec<Value> = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{} is not a JSON list of {{\"question\", \"option\"}} or {{\"question\", \"answer\"}}: {e}",
            path.display()
        )
    })?;
    let mut out = vec![];
    for q in &a.questions {
        let id = q["id"].as_str().unwrap_or("");
        let opts = options(q);
        let e = entries
            .iter()
            .find(|e| e["question"].as_str() == Some(id))
            .ok_or_else(|| anyhow!("{} has no answer for question {id}", path.display()))?;
        let option = if let Some(n) = e["option"].as_u64() {
            let n = n as usize;
            if n >= opts.len() {
                bail!(
                    "{}: question {id} has options 0 to {}, not {n}",
                    path.display(),
                    opts.len() - 1
                );
            }
            n
        } else if let Some(text) = e["answer"].as_str() {
            opts.iter()
                .position(|o| o.trim() == text.trim())
                .ok_or_else(|| {
                    anyhow!(
                        "{}: no option of question {id} reads {text:?}",
                        path.display()
                    )
                })?
        } else {
            bail!(
                "{}: the entry for question {id} needs \"option\" (a number) or \"answer\" (text)",
                path.display()
            );
        };
        out.push((id.to_owned(), option));
    }
    Ok(out)
}

/// Asks the questions on the terminal, keeping each answer in the wallet as it is given.
fn quiz(w: &Wallet, a: &mut OpenAttempt) -> Result<Vec<(String, usize)>> {
    let n = a.questions.len();
    a.answers.resize(n, None);
    let paused = |a: &OpenAttempt| {
        anyhow!(
            "the quiz is paused: your answers so far are kept in the wallet; run `alc wallet assess` again before {} to finish (an attempt left to lapse counts as a failure)",
            utc(a.expires_at)
        )
    };
    let done = a.answers.iter().filter(|x| x.is_some()).count();
    println!(
        "The assessment: {n} questions. Answer with the option's number; q stops and keeps your answers."
    );
    println!("This attempt closes {}.", when(a.expires_at));
    if done > 0 {
        println!("Resuming: {done} of {n} already answered.");
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for i in 0..n {
        if a.answers[i].is_some() {
            continue;
        }
        let q = a.questions[i].clone();
        let opts = options(&q);
        println!();
        println!(
            "Question {} of {n} ({})",
            i + 1,
            q["area"].as_str().unwrap_or("general")
        );
        println!("{}", q["text"].as_str().unwrap_or(""));
        for (j, o) in opts.iter().enumerate() {
            println!("  {}) {o}", j + 1);
        }
        loop {
            print!("Your answer [1-{}]: ", opts.len());
            std::io::stdout().flush()?;
            let Some(line) = lines.next() else {
                println!();
                return Err(paused(a));
            };
            let line = line.context("cannot read the terminal")?;
            let t = line.trim();
            if t.eq_ignore_ascii_case("q") {
                return Err(paused(a));
            }
            match t.parse::<usize>() {
                Ok(k) if (1..=opts.len()).contains(&k) => {
                    a.answers[i] = Some(k - 1);
                    w.save_attempt(a)?;
                    break;
                }
                _ => println!("Type a number from 1 to {}, or q to stop.", opts.len()),
            }
        }
    }
    println!();
    Ok(a.questions
        .iter()
        .zip(&a.answers)
        .map(|(q, x)| (q["id"].as_str().unwrap_or("").to_owned(), x.unwrap_or(0)))
        .collect())
}

pub(super) async fn assess(
    w: &Wallet,
    authority: &str,
    answers: Option<&Path>,
    questions_only: bool,
) -> Result<()> {
    let http = Http::new()?;
    let Some(mut a) = open_attempt(w, &http, authority).await? else {
        return Ok(());
    };
    if questions_only {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "expires_at": a.expires_at, "questions": a.questions })
            )?
        );
        return Ok(());
    }
    let chosen = match answers {
        Some(path) => answers_from_file(&a, path)?,
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("no terminal to ask the questions on: run in a terminal, or pass --answers FILE");
            }
            quiz(w, &mut a)?
        }
    };
    let what = format!("authority at {authority}");
    let body: Vec<Value> = chosen
        .iter()
        .map(|(q, o)| json!({ "question": q, "option": o }))
        .collect();
    let (code, v) = http
        .post(
            &what,
            &format!("{authority}/v1/assessment/submit"),
            None,
            &json!({ "attempt": a.attempt, "answers": body }),
        )
        .await?;
    if code != 400 {
        // The attempt is spent (marked, expired or unknown): never submit it again.
        w.clear_attempt()?;
    }
    if !(200..300).contains(&code) {
        bail!("the {what} refused ({code}): {}", message(&v));
    }
    let correct = v["correct"].as_u64().unwrap_or(0);
    let total = v["total"].as_u64().unwrap_or(0).max(1);
    let mark = v["pass_mark_percent"].as_u64().unwrap_or(0);
    println!(
        "Result: {correct} of {total} correct ({}%); the pass mark is {mark}%.",
        correct * 100 / total
    );
    if v["passed"] == true {
        println!("Passed. Next: alc wallet obtain");
        return Ok(());
    }
    println!("Not passed.");
    print_identity(&v["identity"]);
    bail!("the assessment was not passed ({correct} of {total} correct)")
}
