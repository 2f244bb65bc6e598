//! `alc export-snarkjs`: the key, proof and public inputs for `snarkjs groth16 verify`,
//! of a circuit-v1 or circuit-v2 presentation (told apart by its `circuit`); and
//! `alc verify-snarkjs`: a proof made by snarkjs (or rapidsnark) from ALC's `.zkey` and
//! `.wtns`, checked by ALC's verifier.

use crate::fsio::{read_string, write, Mode};
use crate::keydir::load_any_verifying_key;
use alc_circuits::tags::CIRCUIT_V2_ID;
use alc_verifier::{snarkjs, Presentation, PresentationV2, Proof};
use anyhow::{bail, Context, Result};
use std::path::Path;

/// A presentation of either circuit (by its `circuit`): its proof and public inputs.
fn read_presentation(path: &Path) -> Result<(Proof, Vec<alc_circuits::Fr>)> {
    let context = || format!("{}", path.display());
    let v: serde_json::Value = serde_json::from_str(&read_string(path)?).with_context(context)?;
    Ok(
        if v.get("circuit").and_then(|c| c.as_str()) == Some(CIRCUIT_V2_ID) {
            let p = PresentationV2::from_wire(&serde_json::from_value(v).with_context(context)?)
                .with_context(context)?;
            (p.proof, p.statement.public_inputs().to_vec())
        } else {
            let p = Presentation::from_wire(&serde_json::from_value(v).with_context(context)?)
                .with_context(context)?;
            (p.proof, p.statement.public_inputs().to_vec())
        },
    )
}

pub fn run(dir: &Path, keys: &Path, presentation: &Path) -> Result<()> {
    let vk = load_any_verifying_key(keys)?;
    let (proof, inputs) = read_presentation(presentation)?;
    if inputs.len() != vk.num_public_inputs() {
        bail!(
            "{} has {} public inputs and the keys in {} take {}: another circuit",
            presentation.display(),
            inputs.len(),
            keys.display(),
            vk.num_public_inputs()
        );
    }
    let files = [
        ("verification_key.json", snarkjs::export_verifying_key(&vk)),
        ("proof.json", snarkjs::export_proof(&proof)),
        ("public.json", snarkjs::export_public(&inputs)),
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

/// `alc verify-snarkjs`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// snarkjs's proof.json.
    proof: std::path::PathBuf,
    /// snarkjs's public.json.
    public: std::path::PathBuf,
    /// Key directory.
    #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
    keys: std::path::PathBuf,
}

impl VerifyArgs {
    /// Checks the proof; fails unless it verifies.
    pub fn run(self) -> Result<()> {
        let vk = load_any_verifying_key(&self.keys)?;
        let proof = snarkjs::import_proof(&read_string(&self.proof)?)
            .with_context(|| format!("{}", self.proof.display()))?;
        let inputs = snarkjs::import_public(&read_string(&self.public)?)
            .with_context(|| format!("{}", self.public.display()))?;
        if inputs.len() != vk.num_public_inputs() {
            bail!(
                "{} has {} public inputs and the keys in {} take {}: another circuit",
                self.public.display(),
                inputs.len(),
                self.keys.display(),
                vk.num_public_inputs()
            );
        }
        alc_verifier::verify_inputs(&vk, &proof, &inputs).context("the proof does not verify")?;
        println!(
            "valid: the snarkjs proof verifies under the keys in {} (the proof alone: its statement's issuer and status root are not checked)",
            self.keys.display()
        );
        Ok(())
    }
}
