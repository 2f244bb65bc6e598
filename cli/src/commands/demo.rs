//! `alc demo`: the zero-knowledge round trip with timings, in a temporary directory,
//! with keys set up on the first run and reused afterwards.

use super::example::{unix_now, write_example, PRESENTATION};
use super::{step, timed};
use crate::keydir::{load_proving_key, load_verifying_key, DIGESTS};
use alc_circuits::tags::{CIRCUIT_ID, STATUS_CAPACITY};
use alc_prover::example::EXAMPLE_REVOKED;
use alc_prover::files::status_list_from_json;
use alc_prover::{prepare, prove};
use alc_verifier::{verify, Presentation};
use anyhow::{bail, Context, Result};
use std::path::Path;

pub fn run(keys: &Path) -> Result<()> {
    println!("ALC zero-knowledge round trip ({CIRCUIT_ID})");
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let (ex, took) = timed(|| write_example(work.path(), unix_now()?, false));
    let ex = ex?;
    let c = ex.credential.credential;
    step(
        "example",
        &format!(
            "authority key, operator credential (serial {}, tier {}, permit tier {})",
            c.serial, c.tier, c.permit_tier
        ),
        Some(took),
    );
    if keys.join(DIGESTS).exists() {
        step("setup", &format!("keys from {}", keys.display()), None);
    } else {
        let (r, took) = timed(|| super::setup::run(keys, false));
        r?;
        step(
            "setup",
            &format!("new keys in {} (cached for next time)", keys.display()),
            Some(took),
        );
    }
    let (pk, took) = timed(|| load_proving_key(keys));
    let pk = pk?;
    step(
        "load key",
        "fast-load proving key, SHA-256 checked first",
        Some(took),
    );

    // The holder works from the published files only.
    let published = std::fs::read_to_string(work.path().join(super::example::STATUS_LIST))?;
    let (list, took) = timed(|| status_list_from_json(&published));
    let list = list?;
    step("status", &format!("published list of {STATUS_CAPACITY} entries, {EXAMPLE_REVOKED} revoked: decoded, tree rebuilt"), Some(took));
    let (prepared, took) = timed(|| {
        prepare(
            &ex.issuer.public_key(),
            &ex.credential,
            &ex.holder,
            &list,
            &ex.request,
        )
    });
    let (statement, witness) = prepared?;
    step(
        "witness",
        "own status path (the authority never learns it), statement, witness",
        Some(took),
    );
    let (proof, took) = timed(|| prove(&pk, &statement, &witness, &mut rand::rngs::OsRng));
    let proof = proof?;
    step(
        "prove",
        "Groth16 proof: tier >= 1, permit tier >= 1, valid now, not revoked",
        Some(took),
    );
    let json = Presentation { proof, statement }.to_json();
    std::fs::write(work.path().join(PRESENTATION), &json)?;

    // The gateway's side: the presentation file and the verifying key, nothing else.
    let vk = load_verifying_key(keys)?;
    let p = Presentation::from_json(&json)?;
    let (ok, took) = timed(|| verify(&vk, &p.proof, &p.statement));
    ok.context("the demo's own proof does not verify")?;
    step(
        "verify",
        &format!(
            "valid; the gateway sees only a pseudonym and {} bytes",
            json.len()
        ),
        Some(took),
    );

    // A failing twin: the same proof for another challenge must not verify.
    let mut replay = p.statement;
    replay.challenge += alc_circuits::Fr::from(1u64);
    if verify(&vk, &p.proof, &replay).is_ok() {
        bail!("a proof verified for another challenge");
    }
    step(
        "replay",
        "the same proof under another challenge: rejected",
        None,
    );
    Ok(())
}
