//! `alc prove`: statement and witness from the holder's files, then the proof.

use super::example::{CREDENTIAL, HOLDER, PRESENTATION, REQUEST, STATUS_LIST};
use super::{step, timed};
use crate::fsio::{read_string, write, Mode};
use crate::keydir::load_proving_key;
use alc_circuits::files::{holder_from_json, status_list_from_json, CredentialFile};
use alc_prover::{prepare, prove, ProofRequest as Request};
use alc_verifier::Presentation;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Key directory.
    #[arg(long, env = "ALC_KEYS", default_value = "alc-keys")]
    pub keys: PathBuf,
    /// Directory holding the input files (as written by `alc example`).
    #[arg(long, default_value = "alc-example")]
    pub dir: PathBuf,
    /// Credential file [default: DIR/credential.json].
    #[arg(long)]
    pub credential: Option<PathBuf>,
    /// Holder secret file [default: DIR/holder.json].
    #[arg(long)]
    pub holder: Option<PathBuf>,
    /// Status list file [default: DIR/status-list.json].
    #[arg(long)]
    pub status_list: Option<PathBuf>,
    /// The gateway's request [default: DIR/request.json].
    #[arg(long)]
    pub request: Option<PathBuf>,
    /// Output presentation [default: DIR/presentation.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the witness as an iden3 .wtns file (0600: it holds the holder secret
    /// and the credential), for `snarkjs wtns check` and the circom provers.
    #[arg(long)]
    pub wtns: Option<PathBuf>,
    /// Overwrite the output.
    #[arg(long)]
    pub force: bool,
}

fn pick(given: &Option<PathBuf>, dir: &Path, name: &str) -> PathBuf {
    given.clone().unwrap_or_else(|| dir.join(name))
}

pub fn run(a: &Args) -> Result<()> {
    let credential_path = pick(&a.credential, &a.dir, CREDENTIAL);
    let cred = CredentialFile::from_json(&read_string(&credential_path)?)
        .with_context(|| format!("{}", credential_path.display()))?;
    let holder_path = pick(&a.holder, &a.dir, HOLDER);
    let holder = holder_from_json(&read_string(&holder_path)?)
        .with_context(|| format!("{}", holder_path.display()))?;
    let list_path = pick(&a.status_list, &a.dir, STATUS_LIST);
    let request_path = pick(&a.request, &a.dir, REQUEST);
    let request: Request = serde_json::from_str(&read_string(&request_path)?)
        .with_context(|| format!("{} is not a request", request_path.display()))?;

    let (pk, took) = timed(|| load_proving_key(&a.keys));
    let pk = pk?;
    step(
        "load key",
        "fast-load proving key, SHA-256 checked against digests.json",
        Some(took),
    );
    let (list, took) = timed(|| {
        status_list_from_json(&read_string(&list_path)?)
            .with_context(|| format!("{}", list_path.display()))
    });
    let list = list?;
    step(
        "status",
        &format!(
            "decoded the published list, rebuilt its tree ({} revoked)",
            list.revoked_count()
        ),
        Some(took),
    );
    let (prepared, took) = timed(|| prepare(&cred.issuer, &cred.signed, &holder, &list, &request));
    let (statement, witness) = prepared.context("cannot prove this request")?;
    step(
        "witness",
        "own status path, statement and witness, checked natively",
        Some(took),
    );
    if let Some(path) = &a.wtns {
        let full = alc_prover::prove::assignment(&statement, &witness)?;
        let bytes = alc_prover::circom::wtns::wtns(&full);
        write(path, &bytes, Mode::Secret, a.force)?;
        step(
            "wtns",
            &format!("{} ({} values, secret)", path.display(), full.len()),
            None,
        );
    }
    let (proof, took) = timed(|| prove(&pk, &statement, &witness, &mut rand::rngs::OsRng));
    let proof = proof?;
    step("prove", "Groth16 proof, 128 bytes", Some(took));
    let out = pick(&a.out, &a.dir, PRESENTATION);
    write(
        &out,
        (Presentation { proof, statement }.to_json() + "\n").as_bytes(),
        Mode::Public,
        a.force,
    )?;
    step("wrote", &out.display().to_string(), None);
    Ok(())
}
