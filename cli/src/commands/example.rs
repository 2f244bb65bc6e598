//! `alc example DIR`: a fresh issuer, holder, credential, status list and request.

use crate::fsio::{write, Mode};
use alc_circuits::files::{
    holder_to_json, issuer_key_to_json, status_list_to_json, CredentialFile,
};
use alc_prover::example::{Example, EXAMPLE_MANIFEST, EXAMPLE_REVOKED};
use anyhow::{Context, Result};
use std::path::Path;

pub const ISSUER: &str = "issuer.json";
pub const HOLDER: &str = "holder.json";
pub const CREDENTIAL: &str = "credential.json";
pub const STATUS_LIST: &str = "status-list.json";
pub const REQUEST: &str = "request.json";
pub const MANIFEST: &str = "manifest.json";
pub const PRESENTATION: &str = "presentation.json";

/// Unix seconds now.
pub fn unix_now() -> Result<u64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs())
}

/// Writes the example files; returns the example.
pub fn write_example(dir: &Path, now: u64, force: bool) -> Result<Example> {
    let ex = Example::generate(&mut rand::rngs::OsRng, now);
    write(
        &dir.join(ISSUER),
        issuer_key_to_json(&ex.issuer).as_bytes(),
        Mode::Secret,
        force,
    )?;
    write(
        &dir.join(HOLDER),
        holder_to_json(&ex.holder).as_bytes(),
        Mode::Secret,
        force,
    )?;
    let cred = CredentialFile::new(ex.issuer.public_key(), ex.credential);
    write(
        &dir.join(CREDENTIAL),
        cred.to_json().as_bytes(),
        Mode::Public,
        force,
    )?;
    write(
        &dir.join(STATUS_LIST),
        status_list_to_json(&ex.status).as_bytes(),
        Mode::Public,
        force,
    )?;
    write(
        &dir.join(REQUEST),
        serde_json::to_string_pretty(&ex.request)?.as_bytes(),
        Mode::Public,
        force,
    )?;
    write(
        &dir.join(MANIFEST),
        EXAMPLE_MANIFEST.as_bytes(),
        Mode::Public,
        force,
    )?;
    Ok(ex)
}

pub fn run(dir: &Path, now: Option<u64>, force: bool) -> Result<()> {
    let now = match now {
        Some(n) => n,
        None => unix_now()?,
    };
    let ex = write_example(dir, now, force)?;
    let c = ex.credential.credential;
    println!("example in {}", dir.display());
    println!("  {ISSUER:<18} the authority's signing key (secret, mode 0600)");
    println!("  {HOLDER:<18} the operator's holder secret (secret, mode 0600)");
    println!(
        "  {CREDENTIAL:<18} serial {}, tier {}, permit tier {}, valid {}..{}",
        c.serial, c.tier, c.permit_tier, c.not_before, c.expires
    );
    println!("  {STATUS_LIST:<18} 2^20 entries, {EXAMPLE_REVOKED} revoked (not this one), W3C bitstring encoding");
    println!(
        "  {REQUEST:<18} tier >= {}, permit tier >= {}, scope {}, now {}",
        ex.request.min_tier, ex.request.min_permit_tier, ex.request.scope, ex.request.now
    );
    println!("  {MANIFEST:<18} the agent manifest whose SHA-256 the request carries");
    Ok(())
}

/// `alc example`.
#[derive(clap::Args)]
pub struct ExampleArgs {
    /// Directory for the example files.
    dir: std::path::PathBuf,
    /// The request's time (unix seconds); default: now.
    #[arg(long)]
    now: Option<u64>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

impl ExampleArgs {
    /// Writes the example.
    pub fn run(self) -> Result<()> {
        run(&self.dir, self.now, self.force)
    }
}
