//! `alc setup`: the single-party Groth16 setup of circuit v1, or of circuit v2 under the
//! trustees' escrow key (`--escrow-key`, the public file of `alc escrow key`); or, with
//! `--from-zkey`, the keys of a snarkjs ceremony's final `.zkey`, once its ceremony
//! verifies against the Powers of Tau (`alc ceremony verify`, `docs/ceremony.md`).

use super::ceremony::CeremonyArgs;
use super::{human, timed};
use crate::fsio::read_string;
use crate::fsio::{write, Mode};
use crate::keydir::{Digests, DIGESTS, ESCROW_KEY, PROVING_KEY, PROVING_KEY_FAST, VERIFYING_KEY};
use alc_circuits::tags::{CIRCUIT_ID, CIRCUIT_V2_ID};
use alc_escrow::dkg::EscrowPublic;
use alc_protocol::escrow::{JointKey, JOINT_KEY};
use alc_protocol::files::parse;
use alc_prover::keys::{digest_hex, setup, setup_v2, Circuit};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The setup without its report (for the demo, which tells its own story), of circuit
/// v2 under the escrow key file `escrow` if given.
pub fn run_quiet(dir: &Path, escrow: Option<&Path>) -> Result<String> {
    run_with(dir, false, false, escrow, None, None)
}

/// The circuit: v1, or v2 under the escrow key file `escrow`.
pub fn circuit_of(escrow: Option<&Path>) -> Result<Circuit> {
    Ok(match escrow {
        None => Circuit::V1,
        Some(path) => Circuit::V2(*escrow_key(path)?.0.key()),
    })
}

/// An escrow key file, checked, with its bytes.
fn escrow_key(path: &Path) -> Result<(EscrowPublic, String)> {
    let text = read_string(path)?;
    let file: JointKey = parse(&text, JOINT_KEY).with_context(|| format!("{}", path.display()))?;
    let key = EscrowPublic::from_text(&file).with_context(|| format!("{}", path.display()))?;
    Ok((key, text))
}

/// Writes the keys (of circuit v2 under `escrow`, if given) and their digests; returns
/// the verifying key digest.
fn run_with(
    dir: &Path,
    force: bool,
    report: bool,
    escrow: Option<&Path>,
    zkey: Option<&Path>,
    ceremony: Option<&CeremonyArgs>,
) -> Result<String> {
    if !force && dir.join(DIGESTS).exists() {
        bail!(
            "keys already exist in {} (use --force to replace them)",
            dir.display()
        );
    }
    let escrow = escrow.map(escrow_key).transpose()?;
    let (keys, took) = timed(|| -> Result<_> {
        if let (Some(path), Some(ceremony)) = (zkey, ceremony) {
            let circuit = match &escrow {
                None => Circuit::V1,
                Some((key, _)) => Circuit::V2(*key.key()),
            };
            let v = ceremony.verify(path, &circuit)?;
            return Ok((v.zkey.pk.clone(), v.zkey.vk.clone(), Some(v)));
        }
        let (pk, vk) = match &escrow {
            None => setup(&mut rand::rngs::OsRng),
            Some((key, _)) => setup_v2(key.key(), &mut rand::rngs::OsRng),
        }?;
        Ok((pk, vk, None))
    });
    let (pk, vk, imported) = keys?;
    let circuit = if escrow.is_some() {
        CIRCUIT_V2_ID
    } else {
        CIRCUIT_ID
    };
    let compressed = pk.to_compressed_bytes();
    let fast = pk.to_fast_bytes();
    let vk_bytes = vk.to_bytes();
    let digests = Digests {
        circuit: circuit.into(),
        proving_key: digest_hex(&compressed),
        proving_key_fast: digest_hex(&fast),
        verifying_key: digest_hex(&vk_bytes),
        escrow_key: escrow.as_ref().map(|(_, text)| digest_hex(text.as_bytes())),
        zkey: imported.as_ref().map(|v| v.sha256.clone()),
        ceremony: imported.as_ref().map(|v| hex::encode(v.chain.transcript)),
    };
    if let Some((_, text)) = &escrow {
        write(&dir.join(ESCROW_KEY), text.as_bytes(), Mode::Public, true)?;
    }
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
    match &imported {
        None => println!("setup of {circuit} in {} ({})", dir.display(), human(took)),
        Some(v) => {
            v.report();
            println!("keys of {circuit} in {}, from the zkey", dir.display());
        }
    }
    if let Some((key, _)) = &escrow {
        let p = key.key().point();
        println!(
            "  escrowed to the {}-of-{} trustees' key [{}, {}] ({ESCROW_KEY})",
            key.params().threshold(),
            key.params().trustees(),
            p.x,
            p.y
        );
    }
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
    if imported.is_none() {
        println!(
            "single-party setup: whoever ran it could forge proofs; see the README's trust assumptions"
        );
    }
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
    /// Set up circuit v2 (escrowed serial, holder key) under this escrow key: the public
    /// file of `alc escrow key`. A new escrow key needs a new setup.
    #[arg(long)]
    escrow_key: Option<PathBuf>,
    /// Take the keys from a snarkjs .zkey (a ceremony's final key) instead of a
    /// single-party setup, once its ceremony verifies (as `alc ceremony verify`, with
    /// --ptau): for the circuit (with --escrow-key: circuit v2 under that key), every
    /// contribution and query point checked.
    #[arg(long, requires = "ptau")]
    from_zkey: Option<PathBuf>,
    #[command(flatten)]
    ceremony: CeremonyArgs,
}

impl SetupArgs {
    /// Writes the keys.
    pub fn run(self) -> Result<()> {
        run_with(
            &self.keys,
            self.force,
            true,
            self.escrow_key.as_deref(),
            self.from_zkey.as_deref(),
            Some(&self.ceremony),
        )
        .map(|_| ())
    }
}
