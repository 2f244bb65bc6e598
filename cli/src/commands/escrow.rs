//! `alc escrow`: the trustees' threshold escrow over files (`alc-escrow`,
//! `docs/escrow.md`).
//!
//! The key generation runs in two rounds over one exchange folder:
//! * `deal` writes `dealing-I.json` (public) and `share-I-for-J.json` for every trustee
//!   `J` (secret, 0600: each goes to its recipient only);
//! * `finish` reads every dealing and the shares for its trustee, checks them (a bad one
//!   names its dealer) and writes the trustee's `key-share.json` (0600) and the public
//!   `escrow-key.json`; `key` derives the same public file from the dealings alone, for
//!   the authority to publish.
//!
//! Then `encrypt` (a drill: a ciphertext of a chosen serial), `partial` (one trustee's
//! partial decryption with its proof) and `open` (t partials combined into the serial).

use crate::fsio::{read_string, write, Mode};
use alc_circuits::escrow::{Ciphertext, Randomness};
use alc_escrow::dkg::{EscrowPublic, Params, TrusteeShare};
use alc_escrow::text::{ciphertext, ciphertext_file};
use alc_protocol::escrow::{
    CiphertextFile, Dealing, DealtShare, JointKey, KeyShare, Partial, CIPHERTEXT, DEALING,
    DEALT_SHARE, JOINT_KEY, KEY_SHARE, PARTIAL,
};
use alc_protocol::files::{parse, pretty};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The file of a trustee's key share in `finish --out DIR`.
const KEY_SHARE_FILE: &str = "key-share.json";
/// The public joint key's file.
const JOINT_KEY_FILE: &str = "escrow-key.json";

/// `alc escrow ...`.
#[derive(clap::Subcommand)]
pub enum EscrowCommand {
    /// Round 1 of the key generation: trustee I's dealing and the shares it deals.
    ///
    /// Writes DIR/dealing-I.json (public: for every trustee) and DIR/share-I-for-J.json
    /// for J = 1..N (secret, 0600: each only for trustee J, over a confidential channel).
    ///
    /// Example: alc escrow deal --trustee 1 --threshold 2 --trustees 3 --out exchange
    Deal {
        #[command(flatten)]
        who: Who,
        /// The exchange folder.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Round 2: trustee I checks every dealing and its shares, and keeps its key share.
    ///
    /// Reads DIR/dealing-*.json and DIR/share-*-for-I.json; a share or dealing that does
    /// not check names its dealer and nothing is written. Writes OUT/key-share.json
    /// (secret, 0600) and OUT/escrow-key.json (public).
    ///
    /// Example: alc escrow finish --trustee 1 --threshold 2 --trustees 3 --dealings exchange --out trustee-1
    Finish {
        #[command(flatten)]
        who: Who,
        /// The exchange folder.
        #[arg(long)]
        dealings: PathBuf,
        /// The trustee's folder.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// The joint escrow key and the trustees' verification keys, from the public
    /// dealings alone (what the authority publishes; equal to every trustee's).
    ///
    /// Example: alc escrow key --threshold 2 --trustees 3 --dealings exchange --out escrow-key.json
    Key {
        #[command(flatten)]
        sharing: Sharing,
        /// The exchange folder.
        #[arg(long)]
        dealings: PathBuf,
        /// The public key file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// A drill: encrypt SERIAL under the escrow key, as a wallet's proof does.
    ///
    /// Example: alc escrow encrypt --key escrow-key.json --serial 42 --out drill.json
    Encrypt {
        /// The public escrow key file.
        #[arg(long)]
        key: PathBuf,
        /// The serial to encrypt (below 2^20).
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..1 << 20))]
        serial: u32,
        /// The ciphertext file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// One trustee's partial decryption of a ciphertext, with its Chaum-Pedersen proof.
    ///
    /// Example: alc escrow partial --share trustee-1/key-share.json --ciphertext drill.json --out partial-1.json
    Partial {
        /// The trustee's key share (0600).
        #[arg(long)]
        share: PathBuf,
        /// The ciphertext file.
        #[arg(long)]
        ciphertext: PathBuf,
        /// The partial decryption file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Release this trustee's share for a reported incident, on the record: the authority
    /// appends an `opening` entry to the registry; this command checks that entry (the
    /// incident, this trustee, the digest of the ciphertext it is given) and its
    /// inclusion under the registry's signed checkpoint, and only then decrypts and
    /// submits its partial decryption (a token with the `open` scope).
    ///
    /// Example: alc escrow release --share trustee-1/key-share.json --incident 7 --authority http://127.0.0.1:8600 --token T
    Release {
        /// The trustee's key share (0600).
        #[arg(long)]
        share: PathBuf,
        /// The incident.
        #[arg(long)]
        incident: i64,
        /// The authority's URL.
        #[arg(
            long,
            env = "ALC_AUTHORITY_URL",
            default_value = "http://127.0.0.1:8600"
        )]
        authority: String,
        /// An admin token with the `open` scope.
        #[arg(long, env = "ALC_ADMIN_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Combine t partial decryptions into the serial (each proof checked: a bad one
    /// names its trustee).
    ///
    /// Example: alc escrow open --key escrow-key.json --ciphertext drill.json partial-1.json partial-3.json
    Open {
        /// The public escrow key file.
        #[arg(long)]
        key: PathBuf,
        /// The ciphertext file.
        #[arg(long)]
        ciphertext: PathBuf,
        /// The partial decryption files.
        #[arg(required = true)]
        partials: Vec<PathBuf>,
    },
}

/// A trustee and the sharing it takes part in.
#[derive(clap::Args)]
pub struct Who {
    /// This trustee's index, 1 to N.
    #[arg(long)]
    trustee: u32,
    #[command(flatten)]
    sharing: Sharing,
}

/// t of n.
#[derive(clap::Args)]
pub struct Sharing {
    /// Shares needed to open (t).
    #[arg(long)]
    threshold: u32,
    /// Trustees (n).
    #[arg(long)]
    trustees: u32,
}

impl Sharing {
    fn params(&self) -> Result<Params> {
        Ok(Params::new(self.threshold, self.trustees)?)
    }
}

fn dealing_path(dir: &Path, i: u32) -> PathBuf {
    dir.join(format!("dealing-{i}.json"))
}

/// What a release did: the `opening` entry's index and the authority's progress.
pub struct Released {
    /// The `opening` entry's index in the registry.
    pub registry_index: u64,
    /// Partials so far, and the licence once opened.
    pub progress: alc_protocol::authority::OpeningProgress,
}

/// Releases trustee `s`'s share for `incident` at `authority` with `token`: the opening
/// on the record, its entry and inclusion checked in the registry, then the partial
/// decryption (`alc escrow release`, and the demo's trustees).
pub async fn release(
    http: &alc_wallet::client::Http,
    s: &TrusteeShare,
    incident: i64,
    authority: &str,
    token: &str,
) -> Result<Released> {
    use alc_protocol::authority::{OpeningProgress, OpeningRecorded, OpeningRequest};
    use alc_registry::entry::Entry;
    let base = authority.trim_end_matches('/');
    let service = format!("authority at {base}");
    let path = format!("{base}/v1/admin/incidents/{incident}");
    let recorded: OpeningRecorded = http
        .post(
            &service,
            &format!("{path}/openings"),
            Some(token),
            &OpeningRequest { trustee: s.index() },
        )
        .await?;
    let digest = alc_escrow::text::ciphertext_digest(&recorded.escrow);
    let (reg, _) = crate::commands::registry::Registry::connect(base, None).await?;
    let (entry, leaf) = reg.entry(recorded.registry_index).await?;
    let on_record = matches!(&entry, Entry::Opening(o)
        if o.incident == incident.to_string() && o.trustee == s.index() && o.ciphertext == digest);
    anyhow::ensure!(
        on_record,
        "registry entry {} is not this opening (incident {incident}, trustee {}, ciphertext {digest}): not releasing the share",
        recorded.registry_index,
        s.index()
    );
    let cp = reg.checkpoint().await?;
    reg.verify_inclusion(recorded.registry_index, &leaf, &cp)
        .await?;
    let c = alc_escrow::text::statement_ciphertext(&recorded.escrow)
        .context("the incident's ciphertext")?;
    let p = alc_escrow::partial(s, &c.c1, &mut rand::rngs::OsRng);
    let progress: OpeningProgress = http
        .post(&service, &format!("{path}/partials"), Some(token), &p)
        .await?;
    Ok(Released {
        registry_index: recorded.registry_index,
        progress,
    })
}

/// `alc escrow release`, printed.
fn release_and_say(s: &TrusteeShare, incident: i64, authority: &str, token: &str) -> Result<()> {
    let http = alc_wallet::client::Http::new()?;
    let r =
        tokio::runtime::Runtime::new()?.block_on(release(&http, s, incident, authority, token))?;
    println!(
        "trustee {} released its share for incident {incident} (registry entry {}, inclusion verified): {} of {} partial decryptions",
        s.index(),
        r.registry_index,
        r.progress.partials,
        r.progress.threshold
    );
    if let Some(o) = r.progress.opened {
        println!(
            "incident {incident} is opened: licence serial {}, permit {}, revoked in emergency epoch {}",
            o.serial,
            o.permit.as_deref().unwrap_or("(none)"),
            o.epoch
        );
    }
    Ok(())
}

fn share_path(dir: &Path, dealer: u32, recipient: u32) -> PathBuf {
    dir.join(format!("share-{dealer}-for-{recipient}.json"))
}

fn read<T: serde::de::DeserializeOwned>(path: &Path, kind: &'static str) -> Result<T> {
    parse(&read_string(path)?, kind).with_context(|| format!("{}", path.display()))
}

fn read_secret<T: serde::de::DeserializeOwned>(path: &Path, kind: &'static str) -> Result<T> {
    let s = alc_protocol::fsio::read_secret_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&s, kind).with_context(|| format!("{}", path.display()))
}

fn dealings(dir: &Path, params: Params) -> Result<Vec<Dealing>> {
    (1..=params.trustees())
        .map(|i| read(&dealing_path(dir, i), DEALING))
        .collect()
}

fn public_key(path: &Path) -> Result<EscrowPublic> {
    let k: JointKey = read(path, JOINT_KEY)?;
    EscrowPublic::from_text(&k).with_context(|| format!("{}", path.display()))
}

impl EscrowCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            Self::Deal { who, out, force } => {
                let params = who.sharing.params()?;
                let (dealing, shares) =
                    alc_escrow::deal(params, who.trustee, &mut rand::rngs::OsRng)?;
                std::fs::create_dir_all(&out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                for s in &shares {
                    let path = share_path(&out, s.dealer, s.recipient);
                    write(&path, pretty(s).as_bytes(), Mode::Secret, force)?;
                }
                let path = dealing_path(&out, who.trustee);
                write(&path, pretty(&dealing).as_bytes(), Mode::Public, force)?;
                println!(
                    "trustee {} dealt {} shares of a {}-of-{} escrow key: {} (public) and share-{}-for-*.json (each for its recipient only)",
                    who.trustee,
                    shares.len(),
                    params.threshold(),
                    params.trustees(),
                    path.display(),
                    who.trustee
                );
                Ok(())
            }
            Self::Finish {
                who,
                dealings: dir,
                out,
                force,
            } => {
                let params = who.sharing.params()?;
                let all = dealings(&dir, params)?;
                let shares: Vec<DealtShare> = (1..=params.trustees())
                    .map(|i| read_secret(&share_path(&dir, i, who.trustee), DEALT_SHARE))
                    .collect::<Result<_>>()?;
                let share = alc_escrow::finish(params, who.trustee, &all, &shares)?;
                alc_protocol::fsio::private_dir(&out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                let public = share.public().to_text();
                let file: KeyShare = share.to_text();
                write(
                    &out.join(KEY_SHARE_FILE),
                    pretty(&file).as_bytes(),
                    Mode::Secret,
                    force,
                )?;
                write(
                    &out.join(JOINT_KEY_FILE),
                    pretty(&public).as_bytes(),
                    Mode::Public,
                    force,
                )?;
                println!(
                    "trustee {}: every dealing and share checked; key share in {} (0600), escrow key [{}, {}] in {}",
                    who.trustee,
                    out.join(KEY_SHARE_FILE).display(),
                    public.key[0],
                    public.key[1],
                    out.join(JOINT_KEY_FILE).display()
                );
                Ok(())
            }
            Self::Key {
                sharing,
                dealings: dir,
                out,
                force,
            } => {
                let params = sharing.params()?;
                let key = alc_escrow::joint_key(params, &dealings(&dir, params)?)?;
                write(&out, pretty(&key).as_bytes(), Mode::Public, force)?;
                println!(
                    "escrow key [{}, {}] ({} of {}) in {}",
                    key.key[0],
                    key.key[1],
                    params.threshold(),
                    params.trustees(),
                    out.display()
                );
                Ok(())
            }
            Self::Encrypt {
                key,
                serial,
                out,
                force,
            } => {
                let public = public_key(&key)?;
                let ct = Ciphertext::encrypt(
                    public.key(),
                    serial,
                    &Randomness::random(&mut rand::rngs::OsRng),
                );
                let file: CiphertextFile = ciphertext_file(&ct);
                write(&out, pretty(&file).as_bytes(), Mode::Public, force)?;
                println!("a drill ciphertext of serial {serial} in {}", out.display());
                Ok(())
            }
            Self::Partial {
                share,
                ciphertext: ct,
                out,
                force,
            } => {
                let file: KeyShare = read_secret(&share, KEY_SHARE)?;
                let s = TrusteeShare::from_text(&file)
                    .with_context(|| format!("{}", share.display()))?;
                let f: CiphertextFile = read(&ct, CIPHERTEXT)?;
                let c = ciphertext(&f).with_context(|| format!("{}", ct.display()))?;
                let p = alc_escrow::partial(&s, &c.c1, &mut rand::rngs::OsRng);
                write(&out, pretty(&p).as_bytes(), Mode::Public, force)?;
                println!(
                    "trustee {}'s partial decryption, with its proof, in {}",
                    s.index(),
                    out.display()
                );
                Ok(())
            }
            Self::Release {
                share,
                incident,
                authority,
                token,
            } => {
                let file: KeyShare = read_secret(&share, KEY_SHARE)?;
                let s = TrusteeShare::from_text(&file)
                    .with_context(|| format!("{}", share.display()))?;
                release_and_say(&s, incident, &authority, &token)
            }
            Self::Open {
                key,
                ciphertext: ct,
                partials,
            } => {
                let public = public_key(&key)?;
                let f: CiphertextFile = read(&ct, CIPHERTEXT)?;
                let c = ciphertext(&f).with_context(|| format!("{}", ct.display()))?;
                let parts: Vec<Partial> = partials
                    .iter()
                    .map(|p| read(p, PARTIAL))
                    .collect::<Result<_>>()?;
                let serial = alc_escrow::open(&public, &c, &parts)?;
                println!("serial {serial}");
                Ok(())
            }
        }
    }
}
