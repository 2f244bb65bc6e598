//! `alc wallet kyc` and `alc wallet assess`: signing in at the authority with an identity
//! provider's ID token, and sitting the assessment (an interactive quiz on the terminal,
//! or answers from a file).

use super::{authority_url, block_on, trim_url, Dir, DEFAULT_IDP};
use alc_protocol::authority::IdentityStatus;
use alc_protocol::time::now;
use alc_wallet::client::{AuthorityClient, Http};
use alc_wallet::enrol::{self, AnswerEntry};
use alc_wallet::store::{OpenAttempt, Wallet};
use alc_wallet::when::{utc, when};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// `alc wallet kyc`.
#[derive(Args, Debug)]
pub struct KycArgs {
    #[command(flatten)]
    dir: Dir,
    /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
    /// The development identity provider's URL [default: wallet.toml's, else http://127.0.0.1:8650].
    #[arg(long, env = "ALC_IDP_URL")]
    idp: Option<String>,
    /// The subject to ask the development identity provider for.
    #[arg(long, conflicts_with = "id_token")]
    subject: Option<String>,
    /// The audience of the token (the authority's client id at the provider).
    #[arg(long, env = "ALC_IDP_AUDIENCE", default_value = "alc-authority")]
    audience: String,
    /// An ID token from a real provider, carrying a nonce from `alc wallet kyc --nonce`.
    #[arg(long, env = "ALC_ID_TOKEN", hide_env_values = true)]
    id_token: Option<String>,
    /// Only print a fresh sign-in nonce, to put in the real provider's request.
    #[arg(long, conflicts_with_all = ["subject", "id_token"])]
    nonce: bool,
}

impl KycArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let authority = authority_url(&w, self.authority);
        let idp = trim_url(
            &self
                .idp
                .or_else(|| w.config.idp.clone())
                .unwrap_or_else(|| DEFAULT_IDP.into()),
        );
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            if self.nonce {
                println!("{}", a.nonce().await?.nonce);
                return Ok(());
            }
            let token = match (self.id_token, self.subject) {
                (Some(t), _) => Zeroizing::new(t),
                (None, Some(subject)) => {
                    let req = alc_devkit::idp::TokenRequest {
                        subject,
                        audience: self.audience,
                        nonce: Some(a.nonce().await?.nonce),
                        ttl_secs: None,
                    };
                    let minted = alc_devkit::idp::request_token(&idp, &req)
                        .await
                        .map_err(|e| anyhow!(e))?;
                    if minted.development_only {
                        println!("(development identity provider: it checks nobody's identity)");
                    }
                    Zeroizing::new(minted.id_token)
                }
                (None, None) => bail!(
                    "say who you are: --subject NAME with the development identity provider, or --id-token TOKEN from your provider"
                ),
            };
            let signed = enrol::sign_in(&w, &a, &token).await?;
            println!(
                "Signed in at {authority}: session kept in the wallet until {}.",
                when(signed.expires_at)
            );
            print_identity(&signed.identity);
            Ok(())
        })
    }
}

fn print_identity(id: &IdentityStatus) {
    if id.passed {
        println!("Assessment: passed. Next: alc wallet obtain");
        return;
    }
    let failures = id.failures;
    println!("Assessment: not passed yet; failed attempts so far: {failures}.");
    if id.locked {
        println!(
            "Locked: after {failures} failed attempts an administrator must record completed formal training before another attempt."
        );
    } else if id.cooling_until > now() {
        println!(
            "Cooling-off: no new attempt before {}.",
            when(id.cooling_until)
        );
    } else {
        println!("Next: alc wallet assess");
    }
}

/// `alc wallet assess`.
#[derive(Args, Debug)]
pub struct AssessArgs {
    #[command(flatten)]
    dir: Dir,
    /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
    /// Submit the answers in this file instead of asking.
    #[arg(long, conflicts_with = "questions")]
    answers: Option<PathBuf>,
    /// Only print the open attempt's questions as JSON (starting one if needed).
    #[arg(long)]
    questions: bool,
}

impl AssessArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let authority = authority_url(&w, self.authority);
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            let Some(mut attempt) = enrol::open_attempt(&w, &a).await? else {
                println!(
                    "This identity has already passed the assessment. Next: alc wallet obtain"
                );
                return Ok(());
            };
            if self.questions {
                let shown = serde_json::json!({
                    "expires_at": attempt.expires_at,
                    "questions": attempt.questions,
                });
                println!("{}", serde_json::to_string_pretty(&shown)?);
                return Ok(());
            }
            let answers = match &self.answers {
                Some(path) => {
                    let text = crate::fsio::read_string(path)?;
                    let entries: Vec<AnswerEntry> = serde_json::from_str(&text).map_err(|e| {
                        anyhow!(
                            "{} is not a JSON list of {{\"question\", \"option\"}} or {{\"question\", \"answer\"}}: {e}",
                            path.display()
                        )
                    })?;
                    enrol::match_answers(&attempt, &entries, &path.display().to_string())?
                }
                None => {
                    if !std::io::stdin().is_terminal() {
                        bail!("no terminal to ask the questions on: run in a terminal, or pass --answers FILE");
                    }
                    quiz(&w, &mut attempt)?;
                    enrol::chosen(&attempt)
                }
            };
            let marked = enrol::submit(&w, &a, &attempt, answers).await?;
            let total = marked.total.max(1);
            println!(
                "Result: {} of {total} correct ({}%); the pass mark is {}%.",
                marked.correct,
                marked.correct * 100 / total,
                marked.pass_mark_percent
            );
            if marked.passed {
                println!("Passed. Next: alc wallet obtain");
                return Ok(());
            }
            println!("Not passed.");
            print_identity(&marked.identity);
            bail!(
                "the assessment was not passed ({} of {total} correct)",
                marked.correct
            )
        })
    }
}

/// Asks the questions on the terminal, keeping each answer in the wallet as it is given.
fn quiz(w: &Wallet, a: &mut OpenAttempt) -> Result<()> {
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
        println!();
        println!("Question {} of {n} ({})", i + 1, q.area);
        println!("{}", q.text);
        for (j, o) in q.options.iter().enumerate() {
            println!("  {}) {o}", j + 1);
        }
        loop {
            print!("Your answer [1-{}]: ", q.options.len());
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
                Ok(k) if (1..=q.options.len()).contains(&k) => {
                    a.answers[i] = Some(k - 1);
                    w.save_attempt(a)?;
                    break;
                }
                _ => println!("Type a number from 1 to {}, or q to stop.", q.options.len()),
            }
        }
    }
    println!();
    Ok(())
}
