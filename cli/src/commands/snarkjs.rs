//! `alc export-snarkjs`: the key, proof and public inputs for `snarkjs groth16 verify`,
//! of a circuit-v1 or circuit-v2 presentation (told apart by its `circuit`).

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
