//! The insurance wrapper on the command line: `alc insurer keygen|certify|revoke` for insurers
//! and `alc permit prove-cover` for permit holders (`alc-insurance`).
//!
//! Files:
//! * the insurer key (`keygen --out FILE`, 0600): JSON `{"kind": "alc-insurer-key",
//!   "secret": hex, "public": hex}`;
//! * `certificate.json` (public): the insurer's signed commitment to the cover, for the
//!   permit holder, who sends it to the authority;
//! * `opening.json` (0600, secret): the amount and the commitment's blinding, for the
//!   permit holder only; the authority never sees it;
//! * the cover proof (`prove-cover --out FILE`): `{"certificate", "proof", "tier",
//!   "minimum"}`, exactly the `insurance` object of the authority's permit requests.

use super::{human, now, step, timed};
use crate::fsio::{read_string, write, Mode};
use alc_insurance::{certify, prove_cover, CoverCertificate, CoverOpening, InsurerSecret};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const KEY_KIND: &str = "alc-insurer-key";
const OPENING_KIND: &str = "alc-cover-opening";
const CERTIFICATE: &str = "certificate.json";
const OPENING: &str = "opening.json";

/// `alc insurer ...`.
#[derive(clap::Subcommand)]
pub enum InsurerCommand {
    /// Generate an insurer's key pair; print the public key.
    ///
    /// The secret key goes to FILE (mode 0600). The public key (64 hex characters) is
    /// what the authority registers (`POST /v1/admin/insurers`).
    ///
    /// Example: alc insurer keygen --out insurer.key
    Keygen {
        /// The secret key file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Certify a permit's cover: DIR/certificate.json and DIR/opening.json (secret).
    ///
    /// Commits to the amount with a fresh blinding and signs the commitment with the
    /// permit, the policy and the expiry. Both files go to the permit holder; only the
    /// certificate goes further (to the authority). opening.json (mode 0600) holds the
    /// amount and the blinding. The amount is never printed.
    ///
    /// Example: alc insurer certify --key insurer.key --permit acme --policy POL-7 --days 365 --amount 250000000 --out acme-cover
    Certify(CertifyArgs),
    /// Revoke a permit's cover during its term: a statement signed with the insurer's key,
    /// written to FILE and, with --authority, sent to the authority, which then treats
    /// the permit's insurance as lapsed (a grace period, then suspension, unless the
    /// permit renews its insurance).
    ///
    /// Example: alc insurer revoke --key insurer.key --permit acme --policy POL-7 --out revocation.json --authority https://authority.example
    Revoke(RevokeArgs),
}

/// The insurer's key and the policy of one permit: what `certify` and `revoke` name.
#[derive(clap::Args)]
pub struct PolicyArgs {
    /// The insurer's secret key file (from `alc insurer keygen`).
    #[arg(long)]
    key: PathBuf,
    /// The corporate operating permit the policy covers (its id at the authority).
    #[arg(long)]
    permit: String,
    /// The insurer's policy identifier.
    #[arg(long)]
    policy: String,
}

/// Arguments of `alc insurer revoke`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("to").required(true).multiple(true).args(["out", "authority"])))]
pub struct RevokeArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    /// Where to write the signed statement.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The authority to send it to (POST /v1/insurance/revocations).
    #[arg(long)]
    authority: Option<String>,
    /// Overwrite an existing --out file.
    #[arg(long)]
    force: bool,
}

/// Arguments of `alc insurer certify`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("expiry").required(true).args(["expires", "days"])))]
pub struct CertifyArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    /// End of cover, unix seconds.
    #[arg(long)]
    expires: Option<u64>,
    /// End of cover, this many days from now.
    #[arg(long)]
    days: Option<u64>,
    /// The cover amount, in the smallest currency unit (as the authority's minimums).
    #[arg(long)]
    amount: u64,
    /// Output directory for certificate.json and opening.json.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

/// `alc permit ...`.
#[derive(clap::Subcommand)]
pub enum PermitCommand {
    /// Prove a certificate's cover is at least the tier's minimum, without revealing it.
    ///
    /// A 64-bit Bulletproofs range proof (672 bytes). The output is the `insurance`
    /// object of `POST /v1/admin/permits` and `POST /v1/admin/permits/{id}/insurance`;
    /// the authority publishes the minimums at `GET /v1/insurance`.
    ///
    /// Example: alc permit prove-cover --certificate acme-cover/certificate.json --opening acme-cover/opening.json --tier 2 --minimum 100000000 --out acme-cover/proof.json
    ProveCover(ProveCoverArgs),
}

/// Arguments of `alc permit prove-cover`.
#[derive(clap::Args)]
pub struct ProveCoverArgs {
    /// The insurer's certificate.
    #[arg(long)]
    certificate: PathBuf,
    /// The opening the insurer gave with it (secret).
    #[arg(long)]
    opening: PathBuf,
    /// The permit's tier.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    tier: u8,
    /// The tier's minimum cover at the authority (smallest currency unit).
    #[arg(long)]
    minimum: u64,
    /// The cover proof file to write.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

/// The insurer key file.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kind: String,
    secret: String,
    public: String,
}

/// The opening file: amount and blinding (hex, 32 bytes little-endian).
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct OpeningFile {
    kind: String,
    permit_id: String,
    policy_id: String,
    commitment: String,
    amount: u64,
    blinding: String,
}

/// Serialises a secret to pretty JSON in a buffer wiped on drop.
fn secret_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(serde_json::to_vec_pretty(value)?);
    out.push(b'\n');
    Ok(out)
}

fn load_key(path: &Path) -> Result<InsurerSecret> {
    let text = Zeroizing::new(read_string(path)?);
    let file: KeyFile = serde_json::from_str(&text)
        .map_err(|_| anyhow::anyhow!("{} is not an insurer key file", path.display()))?;
    if file.kind != KEY_KIND {
        bail!("{} is not an insurer key file", path.display());
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(file.secret.trim(), bytes.as_mut_slice())
        .map_err(|_| anyhow::anyhow!("{}: the secret is not 32 bytes of hex", path.display()))?;
    let secret =
        InsurerSecret::from_bytes(&bytes).with_context(|| format!("{}", path.display()))?;
    if secret.public().to_string() != file.public.trim() {
        bail!(
            "{}: the public key does not match the secret key",
            path.display()
        );
    }
    Ok(secret)
}

fn load_certificate(path: &Path) -> Result<CoverCertificate> {
    serde_json::from_str(&read_string(path)?)
        .with_context(|| format!("{} is not a cover certificate", path.display()))
}

fn load_opening(path: &Path) -> Result<CoverOpening> {
    let text = Zeroizing::new(read_string(path)?);
    let file: OpeningFile = serde_json::from_str(&text)
        .map_err(|_| anyhow::anyhow!("{} is not a cover opening", path.display()))?;
    if file.kind != OPENING_KIND {
        bail!("{} is not a cover opening", path.display());
    }
    let mut bytes = Zeroizing::new([0u8; alc_insurance::COVER_OPENING_LEN]);
    bytes[..8].copy_from_slice(&file.amount.to_be_bytes());
    hex::decode_to_slice(file.blinding.trim(), &mut bytes[8..])
        .map_err(|_| anyhow::anyhow!("{}: the blinding is not 32 bytes of hex", path.display()))?;
    CoverOpening::from_bytes(bytes.as_slice()).with_context(|| format!("{}", path.display()))
}

/// `alc insurer keygen|certify`.
pub fn insurer(what: InsurerCommand) -> Result<()> {
    match what {
        InsurerCommand::Keygen { out, force } => keygen(&out, force),
        InsurerCommand::Certify(args) => certify_cover(&args),
        InsurerCommand::Revoke(args) => revoke_cover(&args),
    }
}

/// `alc permit prove-cover`.
pub fn permit(what: PermitCommand) -> Result<()> {
    match what {
        PermitCommand::ProveCover(args) => prove(&args),
    }
}

fn keygen(out: &Path, force: bool) -> Result<()> {
    let secret = InsurerSecret::generate(&mut rand::rngs::OsRng);
    let public = secret.public();
    let file = KeyFile {
        kind: KEY_KIND.into(),
        secret: hex::encode(secret.to_bytes().as_slice()),
        public: public.to_string(),
    };
    write(out, &secret_json(&file)?, Mode::Secret, force)?;
    println!("{public}");
    Ok(())
}

fn revoke_cover(a: &RevokeArgs) -> Result<()> {
    let PolicyArgs {
        key,
        permit,
        policy,
    } = &a.policy;
    let secret = load_key(key)?;
    let at = now();
    let statement = alc_insurance::revoke(&secret, permit, policy, at, &mut rand::rngs::OsRng)
        .context("cannot revoke")?;
    let wire = alc_protocol::insurance::CoverRevocation::from(statement);
    if let Some(out) = &a.out {
        let json = serde_json::to_string_pretty(&wire)? + "\n";
        write(out, json.as_bytes(), Mode::Public, a.force)?;
        step(
            "wrote",
            &format!("{} (the signed revocation)", out.display()),
            None,
        );
    }
    if let Some(url) = &a.authority {
        let url = url.trim().trim_end_matches('/');
        let answer: alc_protocol::authority::Permit = tokio::runtime::Runtime::new()
            .context("cannot start the async runtime")?
            .block_on(async {
                alc_wallet::client::Http::new()?
                    .post(
                        &format!("the authority at {url}"),
                        &format!("{url}/v1/insurance/revocations"),
                        None,
                        &wire,
                    )
                    .await
            })?;
        let lapse = answer
            .lapse
            .map(|l| format!("; suspended at {} unless renewed", l.suspend_at))
            .unwrap_or_else(|| {
                "; the authority suspends it after its grace period unless renewed".into()
            });
        step(
            "revoked",
            &format!("permit {:?}, policy {:?}{lapse}", permit, policy),
            None,
        );
    }
    Ok(())
}

fn certify_cover(a: &CertifyArgs) -> Result<()> {
    let PolicyArgs {
        key,
        permit,
        policy,
    } = &a.policy;
    let now = now();
    let expires = match (a.expires, a.days) {
        (Some(t), _) => t,
        (None, Some(0)) => bail!("--days must be at least 1"),
        (None, Some(d)) => d
            .checked_mul(86_400)
            .and_then(|s| s.checked_add(now))
            .context("--days is too large")?,
        (None, None) => bail!("give --expires or --days"),
    };
    if expires <= now {
        bail!("the cover would already have expired ({expires} <= now {now})");
    }
    let certificate_path = a.out.join(CERTIFICATE);
    let opening_path = a.out.join(OPENING);
    if !a.force {
        for p in [&certificate_path, &opening_path] {
            if p.exists() {
                bail!("{} exists (use --force to overwrite)", p.display());
            }
        }
    }
    let secret = load_key(key)?;
    let (certificate, opening) = certify(
        &secret,
        permit,
        policy,
        expires,
        a.amount,
        &mut rand::rngs::OsRng,
    )
    .context("cannot certify")?;
    let opening_bytes = opening.to_bytes();
    let commitment = hex::encode(certificate.commitment().as_bytes());
    let file = OpeningFile {
        kind: OPENING_KIND.into(),
        permit_id: permit.clone(),
        policy_id: policy.clone(),
        commitment: commitment.clone(),
        amount: opening.amount(),
        blinding: hex::encode(&opening_bytes[8..]),
    };
    // The secret first: a certificate without its opening is of no use to anyone.
    write(&opening_path, &secret_json(&file)?, Mode::Secret, a.force)?;
    let json = serde_json::to_string_pretty(&certificate)? + "\n";
    write(&certificate_path, json.as_bytes(), Mode::Public, a.force)?;
    step(
        "certified",
        &format!(
            "permit {:?}, policy {:?}, until {expires} (unix), commitment {}…",
            permit,
            policy,
            &commitment[..16]
        ),
        None,
    );
    step(
        "wrote",
        &format!(
            "{} (public: for the permit holder and the authority)",
            certificate_path.display()
        ),
        None,
    );
    step(
        "wrote",
        &format!(
            "{} (secret, 0600: for the permit holder only)",
            opening_path.display()
        ),
        None,
    );
    Ok(())
}

fn prove(a: &ProveCoverArgs) -> Result<()> {
    let certificate = load_certificate(&a.certificate)?;
    let opening = load_opening(&a.opening)?;
    certificate
        .verify_signature()
        .with_context(|| format!("{}", a.certificate.display()))?;
    let now = now();
    if certificate.expires() <= now {
        bail!(
            "the policy in {} expired at {} (now {now}): ask the insurer for a new certificate",
            a.certificate.display(),
            certificate.expires()
        );
    }
    let (proof, took) = timed(|| {
        prove_cover(
            &certificate,
            &opening,
            a.tier,
            a.minimum,
            &mut rand::rngs::OsRng,
        )
    });
    let proof = proof.with_context(|| {
        format!(
            "cannot prove cover of at least {} for permit {:?}",
            a.minimum,
            certificate.permit_id()
        )
    })?;
    let evidence = alc_insurance::Evidence {
        certificate,
        proof,
        tier: Some(a.tier),
        minimum: Some(a.minimum),
    };
    let json = serde_json::to_string_pretty(&evidence.to_wire())? + "\n";
    write(&a.out, json.as_bytes(), Mode::Public, a.force)?;
    step(
        "proved",
        &format!(
            "cover >= {} for tier {} of permit {:?} (Bulletproofs, {} bytes) in {}",
            a.minimum,
            a.tier,
            evidence.certificate.permit_id(),
            alc_insurance::COVER_PROOF_LEN,
            human(took)
        ),
        None,
    );
    step("wrote", &a.out.display().to_string(), None);
    Ok(())
}
