//! `alc setup`: the single-party Groth16 setup of circuit v1.

use super::{human, timed};
use crate::fsio::{write, Mode};
use crate::keydir::{Digests, DIGESTS, PROVING_KEY, PROVING_KEY_FAST, VERIFYING_KEY};
use alc_circuits::tags::CIRCUIT_ID;
use alc_prover::keys::{digest_hex, setup};
use anyhow::{bail, Result};
use std::path::Path;

/// Writes the keys and their digests; returns the verifying key digest.
pub fn run(dir: &Path, force: bool) -> Result<String> {
    run_with(dir, force, true)
}

/// The setup without its report (for the demo, which tells its own story).
pub fn run_quiet(dir: &Path) -> Result<String> {
    run_with(dir, false, false)
}

fn run_with(dir: &Path, force: bool, report: bool) -> Result<String> {
    if !force && dir.join(DIGESTS).exists() {
        bail!(
            "keys already exist in {} (use --force to replace them)",
            dir.display()
        );
    }
    let (keys, took) = timed(|| setup(&mut rand::rngs::OsRng));
    let (pk, vk) = keys?;
    let compressed = pk.to_compressed_bytes();
    let fast = pk.to_fast_bytes();
    let vk_bytes = vk.to_bytes();
    let digests = Digests {
        circuit: CIRCUIT_ID.into(),
        proving_key: digest_hex(&compressed),
        proving_key_fast: digest_hex(&fast),
        verifying_key: digest_hex(&vk_bytes),
    };
    write(&dir.join(PROVING_KEY), &compressed, Mode::Public, true)?;
    write(&dir.join(PROVING_KEY_FAST), &fast, Mode::Public, true)?;
    write(&dir.join(VERIFYING_KEY), &vk_bytes, Mode::Public, true)?;
    // The digests file goes last: its presence means the directory is complete.
    write(
        &dir.join(DIGESTS),
        (serde_json::to_string_pretty(&digests)? + "\n").as_bytes(),
        Mode::Public,
        true,
    )?;
    if !report {
        return Ok(digests.verifying_key);
    }
    println!(
        "setup of {CIRCUIT_ID} in {} ({})",
        dir.display(),
        human(took)
    );
    println!(
        "  {PROVING_KEY:<18} {} bytes  sha256 {}",
        compressed.len(),
        digests.proving_key
    );
    println!(
        "  {PROVING_KEY_FAST:<18} {} bytes  sha256 {}",
        fast.len(),
        digests.proving_key_fast
    );
    println!(
        "  {VERIFYING_KEY:<18} {} bytes  sha256 {}",
        vk_bytes.len(),
        digests.verifying_key
    );
    println!(
        "single-party setup: whoever ran it could forge proofs; see the README's trust assumptions"
    );
    Ok(digests.verifying_key)
}

/// `alc setup`.
#[derive(clap::Args)]
pub struct SetupArgs {
    /// Directory for the keys.
    #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
    keys: std::path::PathBuf,
    /// Overwrite existing keys.
    #[arg(long)]
    force: bool,
}

impl SetupArgs {
    /// Writes the keys.
    pub fn run(self) -> Result<()> {
        run(&self.keys, self.force).map(|_| ())
    }
}
