//! `alc verify`: check a presentation against the verifying key and, to call it valid,
//! against a trust anchor: the authority whose issuer key the statement must carry and
//! whose signed status root it must be proved under.
//!
//! With `--authority URL` the issuer key and the status come from the authority (its keys
//! compared with `--authority-digest` when given: `alc authority info` prints it); with
//! `--issuer-from` the issuer key comes from a credential file and the status root is not
//! checked. With neither, the proof is checked alone, and the output says so: a proof
//! under a self-made issuer key and a fabricated root verifies just as well.

use super::{step, timed};
use crate::fsio::read_string;
use crate::keydir::load_verifying_key;
use alc_circuits::field::to_decimal;
use alc_circuits::files::CredentialFile;
use alc_protocol::authority::{AuthorityInfo, AuthorityKeys};
use alc_protocol::status::SignedStatus;
use alc_verifier::{verify, Presentation};
use anyhow::{anyhow, bail, Context, Result};
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
    /// Require the issuer key of the authority at this URL and its current signed status
    /// root.
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    pub authority: Option<String>,
    /// The digest of the authority's keys (`alc authority info`) they must have.
    #[arg(long, requires = "authority")]
    pub authority_digest: Option<String>,
}

/// What the statement was checked against.
struct Anchor {
    issuer: Option<String>,
    root: Option<u64>,
}

pub fn run(a: &Args) -> Result<()> {
    let vk = load_verifying_key(&a.keys)?;
    let p = Presentation::from_json(&read_string(&a.presentation)?)
        .with_context(|| format!("{}", a.presentation.display()))?;
    let mut anchor = Anchor {
        issuer: None,
        root: None,
    };
    if let Some(path) = &a.issuer_from {
        let issuer = CredentialFile::from_json(&read_string(path)?)
            .with_context(|| format!("{}", path.display()))?
            .issuer;
        if p.statement.issuer() != *issuer.point() {
            bail!("the presentation is for another issuer key");
        }
        anchor.issuer = Some(format!("the issuer of {}", path.display()));
    }
    if let Some(url) = &a.authority {
        let (keys, epoch) = authority(url, a.authority_digest.as_deref(), &p)?;
        anchor.issuer = Some(format!("authority {:?} ({})", keys.name, keys.digest()));
        anchor.root = Some(epoch);
    }
    let (ok, took) = timed(|| verify(&vk, &p.proof, &p.statement));
    ok.context("the proof does not verify")?;
    let s = &p.statement;
    match (&anchor.issuer, anchor.root) {
        (Some(issuer), Some(epoch)) => step(
            "verify",
            &format!("valid: a credential of {issuer}, unrevoked under its signed status root of epoch {epoch}, proves"),
            Some(took),
        ),
        (Some(issuer), None) => step(
            "verify",
            &format!("valid proof for a credential of {issuer}; the status root was NOT checked against a signed status (use --authority URL)"),
            Some(took),
        ),
        _ => step(
            "verify",
            "valid proof only: the issuer key and the status root in it were NOT checked against a trust anchor (use --authority URL, or --issuer-from)",
            Some(took),
        ),
    }
    println!(
        "            tier >= {}, permit tier >= {}, valid at {}",
        s.min_tier, s.min_permit_tier, s.now
    );
    println!("            status root {}", to_decimal(&s.status_root));
    println!("            pseudonym   {}", to_decimal(&s.pseudonym));
    Ok(())
}

/// The authority at `url`: its keys (with `digest` if given), checked to carry the
/// statement's issuer key, and the epoch of its current signed status, whose root must
/// be the statement's.
fn authority(url: &str, digest: Option<&str>, p: &Presentation) -> Result<(AuthorityKeys, u64)> {
    let base = url.trim_end_matches('/');
    alc_protocol::gateways::check_service_url(base).map_err(|e| anyhow!("--authority: {e}"))?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let get = |path: &str| -> Result<String> {
        rt.block_on(async {
            let r = http
                .get(format!("{base}{path}"))
                .send()
                .await
                .with_context(|| format!("cannot reach the authority at {base}"))?;
            if !r.status().is_success() {
                bail!("the authority at {base} answered {} for {path}", r.status());
            }
            Ok(r.text().await?)
        })
    };
    let info: AuthorityInfo = serde_json::from_str(&get("/v1/authority")?)
        .context("the authority's /v1/authority is not its description")?;
    let keys = AuthorityKeys::from(&info);
    if let Some(d) = digest {
        if keys.digest() != d.trim().to_ascii_lowercase() {
            bail!(
                "the authority at {base} presents keys with digest {}, not {d}",
                keys.digest()
            );
        }
    }
    let issuer = [
        to_decimal(&p.statement.issuer().x),
        to_decimal(&p.statement.issuer().y),
    ];
    if issuer != keys.issuer_key {
        bail!("the presentation is for another issuer key than the authority's");
    }
    let signed: SignedStatus = serde_json::from_str(&get("/v1/status")?)
        .context("the authority's /v1/status is not a signed status")?;
    let status_key: [u8; 32] = alc_protocol::encoding::base64url_array(&keys.status_key)
        .map_err(|_| anyhow!("the authority's status key is not 32 bytes of base64url"))?;
    let status_key = ed25519_dalek::VerifyingKey::from_bytes(&status_key)
        .map_err(|_| anyhow!("the authority's status key is not an Ed25519 key"))?;
    let r = signed
        .verify(&status_key)
        .map_err(|e| anyhow!("the authority's status: {e}"))?;
    if r.issuer != keys.name {
        bail!(
            "the authority's status is {:?}'s, not {:?}'s",
            r.issuer,
            keys.name
        );
    }
    if r.root != to_decimal(&p.statement.status_root) {
        bail!(
            "the presentation's status root is not the authority's current one (epoch {}): it may prove a licence revoked since, or a root the authority never signed",
            r.epoch
        );
    }
    Ok((keys, r.epoch))
}
