//! `alc export-snarkjs`: the key, proof and public inputs for `snarkjs groth16 verify`.

use crate::fsio::{read_string, write, Mode};
use crate::keydir::load_verifying_key;
use alc_verifier::{snarkjs, Presentation};
use anyhow::{Context, Result};
use std::path::Path;

pub fn run(dir: &Path, keys: &Path, presentation: &Path) -> Result<()> {
    let vk = load_verifying_key(keys)?;
    let p = Presentation::from_json(&read_string(presentation)?)
        .with_context(|| format!("{}", presentation.display()))?;
    let files = [
        ("verification_key.json", snarkjs::export_verifying_key(&vk)),
        ("proof.json", snarkjs::export_proof(&p.proof)),
        (
            "public.json",
            snarkjs::export_public(&p.statement.public_inputs()),
        ),
    ];
    for (name, body) in files {
        write(
            &dir.join(name),
            (body + "\n").as_bytes(),
            Mode::Public,
            true,
        )?;
    }
    println!(
        "wrote verification_key.json, proof.json, public.json in {}",
        dir.display()
    );
    println!("check with: snarkjs groth16 verify {0}/verification_key.json {0}/public.json {0}/proof.json", dir.display());
    Ok(())
}

/// `alc export-snarkjs`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Output directory (verification_key.json, proof.json, public.json).
    dir: std::path::PathBuf,
    /// Key directory.
    #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
    keys: std::path::PathBuf,
    /// The presentation to export.
    #[arg(long)]
    presentation: std::path::PathBuf,
}

impl ExportArgs {
    /// Writes the snarkjs files.
    pub fn run(self) -> Result<()> {
        run(&self.dir, &self.keys, &self.presentation)
    }
}
