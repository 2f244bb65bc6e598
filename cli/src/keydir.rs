//! The key directory written by `alc setup`:
//!
//! | file | content |
//! |---|---|
//! | `proving_key.bin` | compressed proving key (points checked on load) |
//! | `proving_key.fast` | uncompressed proving key, loaded unchecked after its digest matches |
//! | `verifying_key.bin` | compressed verifying key |
//! | `digests.json` | SHA-256 of the three files and the circuit id: the pin |
//! | `escrow-key.json` | circuit v2 only: the trustees' escrow key the keys were made under (its digest in `digests.json`) |
//!
//! `digests.json` is what a prover trusts: copy it (or the verifying key digest it
//! holds) through a channel you trust; the key files themselves may come from anywhere.

use crate::fsio::{read_bytes, read_string};
use alc_circuits::tags::{CIRCUIT_ID, CIRCUIT_V2_ID};
use alc_escrow::dkg::EscrowPublic;
use alc_protocol::encoding::hex_array;
use alc_protocol::escrow::{JointKey, JOINT_KEY};
use alc_protocol::files::parse;
pub use alc_protocol::files::Digests;
use alc_prover::ProvingKey;
use alc_verifier::VerifyingKey;
use alc_wallet::lease::ProverKeys;
use anyhow::{bail, Context, Result};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

pub const PROVING_KEY: &str = "proving_key.bin";
pub const PROVING_KEY_FAST: &str = "proving_key.fast";
pub const VERIFYING_KEY: &str = "verifying_key.bin";
pub const DIGESTS: &str = "digests.json";
/// Circuit v2's keys: the escrow key they were made under.
pub const ESCROW_KEY: &str = "escrow-key.json";

/// Where the demo caches its keys (circuit v2 under the demo trustees' escrow key):
/// `$XDG_CACHE_HOME/alc/keys-v2`, else `$HOME/.cache/alc/keys-v2`, else `./alc-keys`.
pub fn default_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        });
    match base {
        Some(b) => b.join("alc").join("keys-v2"),
        None => PathBuf::from("alc-keys"),
    }
}

/// The digests of a circuit-v1 key directory (the commands that prove and verify v1).
pub fn read_digests(dir: &Path) -> Result<Digests> {
    read_digests_of(dir, &[CIRCUIT_ID])
}

/// The digests of a circuit-v1 or circuit-v2 key directory.
pub fn read_any_digests(dir: &Path) -> Result<Digests> {
    read_digests_of(dir, &[CIRCUIT_ID, CIRCUIT_V2_ID])
}

/// The digests of a key directory of one of the `circuits`.
fn read_digests_of(dir: &Path, circuits: &[&str]) -> Result<Digests> {
    let path = dir.join(DIGESTS);
    let d: Digests =
        serde_json::from_str(&read_string(&path).context("no keys here: run `alc setup` first")?)
            .with_context(|| format!("{} is not a digests file", path.display()))?;
    if !circuits.contains(&d.circuit.as_str()) {
        bail!(
            "keys in {} are for circuit {:?}, this command needs {}",
            dir.display(),
            d.circuit,
            circuits.join(" or ")
        );
    }
    Ok(d)
}

fn digest(s: &str, what: &str) -> Result<[u8; 32]> {
    hex_array(s).with_context(|| format!("{what} digest is not 32 bytes of hex"))
}

/// Loads circuit v1's verifying key, which must match its pinned digest.
pub fn load_verifying_key(dir: &Path) -> Result<VerifyingKey> {
    load_verifying_key_of(dir, &[CIRCUIT_ID])
}

/// Loads the verifying key of circuit v1 or v2, which must match its pinned digest.
pub fn load_any_verifying_key(dir: &Path) -> Result<VerifyingKey> {
    load_verifying_key_of(dir, &[CIRCUIT_ID, CIRCUIT_V2_ID])
}

fn load_verifying_key_of(dir: &Path, circuits: &[&str]) -> Result<VerifyingKey> {
    let d = read_digests_of(dir, circuits)?;
    let path = dir.join(VERIFYING_KEY);
    let vk = VerifyingKey::from_bytes(&read_bytes(&path)?)
        .with_context(|| format!("{} is not a verifying key", path.display()))?;
    if vk.digest() != digest(&d.verifying_key, "verifying key")? {
        bail!(
            "{} does not match the digest pinned in {DIGESTS}",
            path.display()
        );
    }
    Ok(vk)
}

/// Loads circuit v1's proving key: the fast form, trusted only after its digest matches.
pub fn load_proving_key(dir: &Path) -> Result<ProvingKey> {
    proving_key_of(dir, &read_digests(dir)?)
}

/// Loads the proving key of circuit v1 or v2 and, for v2, the trustees' escrow key it
/// was made under (`escrow-key.json`, checked against its pinned digest).
pub fn load_prover_keys(dir: &Path) -> Result<ProverKeys> {
    let d = read_digests_of(dir, &[CIRCUIT_ID, CIRCUIT_V2_ID])?;
    let pk = proving_key_of(dir, &d)?;
    let escrow = match (&d.circuit[..], &d.escrow_key) {
        (CIRCUIT_V2_ID, Some(pinned)) => {
            let path = dir.join(ESCROW_KEY);
            let text = read_string(&path)?;
            if Sha256::digest(text.as_bytes()).as_slice() != digest(pinned, "escrow key")? {
                bail!(
                    "{} does not match the digest pinned in {DIGESTS}",
                    path.display()
                );
            }
            let file: JointKey =
                parse(&text, JOINT_KEY).with_context(|| format!("{}", path.display()))?;
            Some(
                *EscrowPublic::from_text(&file)
                    .with_context(|| format!("{}", path.display()))?
                    .key(),
            )
        }
        (CIRCUIT_V2_ID, None) => bail!(
            "{} pins no escrow key for circuit v2",
            dir.join(DIGESTS).display()
        ),
        _ => None,
    };
    Ok(ProverKeys::new(pk, escrow)?)
}

fn proving_key_of(dir: &Path, d: &Digests) -> Result<ProvingKey> {
    let path = dir.join(PROVING_KEY_FAST);
    let pk = ProvingKey::from_fast_bytes(
        &read_bytes(&path)?,
        &digest(&d.proving_key_fast, "proving key")?,
    )
    .with_context(|| format!("cannot load {}", path.display()))?;
    let vk = pk.verifying_key()?;
    if vk.digest() != digest(&d.verifying_key, "verifying key")? {
        bail!(
            "the proving key in {} does not belong to its verifying key",
            dir.display()
        );
    }
    Ok(pk)
}
