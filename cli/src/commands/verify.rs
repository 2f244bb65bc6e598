//! `alc verify`: check a presentation against the verifying key.

use super::{step, timed};
use crate::fsio::read_string;
use crate::keydir::load_verifying_key;
use alc_circuits::field::to_decimal;
use alc_circuits::files::CredentialFile;
use alc_verifier::{verify, Presentation};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The presentation file.
    pub presentation: PathBuf,
    /// Key directory.
    #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
    pub keys: PathBuf,
    /// Require this issuer: a credential file (its `issuer` key is used).
    #[arg(long)]
    pub issuer_from: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<()> {
    let vk = load_verifying_key(&a.keys)?;
    let p = Presentation::from_json(&read_string(&a.presentation)?)
        .with_context(|| format!("{}", a.presentation.display()))?;
    if let Some(path) = &a.issuer_from {
        let issuer = CredentialFile::from_json(&read_string(path)?)
            .with_context(|| format!("{}", path.display()))?
            .issuer;
        if p.statement.issuer() != *issuer.point() {
            bail!("the presentation is for another issuer key");
        }
    }
    let (ok, took) = timed(|| verify(&vk, &p.proof, &p.statement));
    ok.context("the proof does not verify")?;
    let s = &p.statement;
    step(
        "verify",
        "valid: a credential of this issuer, unrevoked under this root, proves",
        Some(took),
    );
    println!(
        "            tier >= {}, permit tier >= {}, valid at {}",
        s.min_tier, s.min_permit_tier, s.now
    );
    println!("            status root {}", to_decimal(&s.status_root));
    println!("            pseudonym   {}", to_decimal(&s.pseudonym));
    Ok(())
}
