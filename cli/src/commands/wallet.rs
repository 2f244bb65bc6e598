//! `alc wallet`: the operator's side of the compact, from the command line, a thin
//! front-end of the wallet library (`alc-wallet`): it reads flags, asks for the
//! passphrase and the answers on the terminal, and prints what the library did.
//!
//! `init` makes a wallet directory with an encrypted holder secret; `kyc` signs in at the
//! authority with an identity provider's ID token; `assess` sits the assessment (an
//! interactive quiz, or `--answers FILE`); `obtain` fetches the signed credential for the
//! wallet's holder commitment; `status` checks the credential against the authority's
//! signed, published status list; `lease` proves to a gateway and keeps the lease (with
//! `--keep`, renewed at two thirds of its lifetime and at once when the authority
//! publishes a new epoch, until a renewal is refused); `call` uses a lease; `spawn`
//! narrows a lease into a sub-agent's; `apprentice` asks for, accepts and lists supervised
//! apprenticeships; `system` certifies a tier-3 agent system's key. Each command owns its arguments: [`enrol`] has
//! `kyc` and `assess`, [`credential`] `init`, `obtain` and `status`, [`lease`] `lease`,
//! `call` and `spawn`.
//!
//! Nothing secret is printed: not the passphrase, the holder secret, the session or a
//! lease token (`--token` prints a lease's token on purpose, to hand it to an agent).

mod apprentice;
mod credential;
mod enrol;
mod lease;
mod site;
mod system;

use alc_wallet::Wallet;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const DEFAULT_AUTHORITY: &str = "http://127.0.0.1:8600";
const DEFAULT_GATEWAY: &str = "http://127.0.0.1:8700";
const DEFAULT_IDP: &str = "http://127.0.0.1:8650";
/// The environment variable a script passes the passphrase in.
const PASSPHRASE_ENV: &str = "ALC_WALLET_PASSPHRASE";

/// The wallet directory.
#[derive(Args, Debug)]
pub struct Dir {
    /// The wallet directory [default: $XDG_DATA_HOME/alc/wallet, else ~/.local/share/alc/wallet].
    #[arg(long, env = "ALC_WALLET")]
    dir: Option<PathBuf>,
}

impl Dir {
    fn path(&self) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(alc_wallet::store::default_dir)
    }

    fn open(&self) -> Result<Wallet> {
        Ok(Wallet::open(&self.path())?)
    }
}

/// The operator's wallet: holder secret, identity check, assessment, credential, leases.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a wallet: a directory (0700) with a fresh holder secret encrypted under a
    /// passphrase (asked without echo, or ALC_WALLET_PASSPHRASE) and wallet.toml with the
    /// services' addresses.
    ///
    /// Example: alc wallet init --authority http://127.0.0.1:8600 --gateway http://127.0.0.1:8700
    Init(credential::InitArgs),
    /// Prove who you are to the authority with an identity provider's ID token; keeps the
    /// authority session in the wallet. With --subject the token comes from the
    /// DEVELOPMENT identity provider (`alc dev-idp`), which checks nobody's identity.
    ///
    /// Example: alc wallet kyc --idp http://127.0.0.1:8650 --subject alice
    Kyc(enrol::KycArgs),
    /// Sit the assessment: an interactive quiz on the terminal (answer with the option's
    /// number, `q` to stop and resume later), or answers from a file. Shows the mark and
    /// the outcome: pass, cooling-off and its end, or lockout. Exits non-zero unless passed.
    ///
    /// The answers file is JSON: [{"question": "<id>", "option": <0-based position as
    /// shown by --questions>}] or [{"question": "<id>", "answer": "<the option's text>"}],
    /// <id> being the question's handle in this attempt (as --questions shows it);
    /// every question of the attempt needs one entry, other entries are ignored.
    ///
    /// Example: alc wallet assess        (or: alc wallet assess --answers answers.json)
    Assess(enrol::AssessArgs),
    /// After a pass, obtain the licence credential for this wallet's holder key (asks the
    /// passphrase) and keep it with the authority's keys.
    ///
    /// Example: alc wallet obtain
    Obtain(credential::ObtainArgs),
    /// Is my credential valid and unrevoked under the authority's latest signed root?
    /// Exits non-zero if it is revoked, expired or not yet valid.
    ///
    /// Example: alc wallet status
    Status(credential::StatusArgs),
    /// Prove to a gateway and keep its lease for an agent (asks the passphrase). With
    /// --keep, stay running and renew at two thirds of the lease's lifetime, and at once
    /// when the authority publishes a new status epoch; exit non-zero when a renewal is
    /// refused (revoked, killed).
    ///
    /// Example: alc wallet lease --agent agent-1 --manifest agent.toml --keep
    Lease(lease::LeaseArgs),
    /// Call a gateway route with an agent's lease and print the answer; exits non-zero
    /// with the gateway's reason when it refuses (401, 403, ...).
    ///
    /// Example: alc wallet call /v1/autonomous/chat --data '{"prompt": "hello"}'
    Call(lease::CallArgs),
    /// Narrow a lease into a child lease for a sub-agent (fewer routes, shorter life),
    /// kept in the wallet under the sub-agent's name for `alc wallet call --agent`.
    ///
    /// Example: alc wallet spawn --agent researcher-1 --manifest researcher.toml --rights /v1/autonomous/search/ --ttl 300
    Spawn(lease::SpawnArgs),
    /// Build the browser wallet as a static site for one authority: the page, its
    /// worker and WebAssembly module pinned by Subresource Integrity, a
    /// Content-Security-Policy, and a key directory's proving key, which the page checks
    /// against the authority's signed key descriptor. Serve the folder from any host, or
    /// set wallet_dir in authority.toml to serve it at the authority's /wallet/.
    ///
    /// Example: alc wallet site --authority https://authority.example --authority-digest <alc authority info's digest> --keys keys --out site
    Site(site::SiteArgs),
    /// Supervised apprenticeships: `request` (as the apprentice: prints a one-time code
    /// for your supervisor), `accept CODE` (as the supervising operator), `list`. After
    /// the acceptance the apprentice runs `alc wallet obtain --apprentice`.
    ///
    /// Example: alc wallet apprentice request
    Apprentice(apprentice::ApprenticeArgs),
    /// Tier-3 agent systems: `certify NAME --permit PERMIT` (as the system's principal
    /// operator) has the authority certify an agent key for the system; then
    /// `alc wallet lease --system NAME` leases under it.
    ///
    /// Example: alc wallet system certify dispatch --permit fleet-co
    System(system::SystemArgs),
}

/// Runs a wallet command.
pub fn run(cmd: WalletCommand) -> Result<()> {
    match cmd {
        WalletCommand::Init(a) => a.run(),
        WalletCommand::Kyc(a) => a.run(),
        WalletCommand::Assess(a) => a.run(),
        WalletCommand::Obtain(a) => a.run(),
        WalletCommand::Status(a) => a.run(),
        WalletCommand::Lease(a) => a.run(),
        WalletCommand::Call(a) => a.run(),
        WalletCommand::Spawn(a) => a.run(),
        WalletCommand::Site(a) => a.run(),
        WalletCommand::Apprentice(a) => a.run(),
        WalletCommand::System(a) => a.run(),
    }
}

fn block_on<F: std::future::Future<Output = Result<()>>>(f: F) -> Result<()> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(f)
}

fn trim_url(u: &str) -> String {
    u.trim().trim_end_matches('/').to_owned()
}

/// The authority's URL: the flag (or environment), else wallet.toml's, else the default.
fn authority_url(w: &Wallet, flag: Option<String>) -> String {
    trim_url(
        &flag
            .or_else(|| w.config.authority.clone())
            .unwrap_or_else(|| DEFAULT_AUTHORITY.into()),
    )
}

/// The SHA-256 of an agent manifest file, hex.
fn manifest_hash(path: &Path) -> Result<String> {
    let bytes = crate::fsio::read_bytes(path).context("the agent manifest")?;
    Ok(alc_wallet::lease::manifest_digest(&bytes))
}

/// The passphrase: from `ALC_WALLET_PASSPHRASE` (if set and not empty), else asked on
/// the terminal without echo (twice when `confirm`).
fn passphrase(confirm: bool) -> Result<Zeroizing<String>> {
    use alc_wallet::store::MIN_PASSPHRASE;
    if let Some(p) = std::env::var_os(PASSPHRASE_ENV).filter(|p| !p.is_empty()) {
        let p = Zeroizing::new(
            p.into_string()
                .map_err(|_| anyhow!("{PASSPHRASE_ENV} is not UTF-8"))?,
        );
        if confirm && p.chars().count() < MIN_PASSPHRASE {
            bail!("the passphrase in {PASSPHRASE_ENV} is shorter than {MIN_PASSPHRASE} characters");
        }
        return Ok(p);
    }
    let ask = |prompt: &str| -> Result<Zeroizing<String>> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|_| anyhow!("no passphrase: run in a terminal or set {PASSPHRASE_ENV}"))
    };
    if !confirm {
        return ask("Wallet passphrase: ");
    }
    let p = ask("New wallet passphrase: ")?;
    if p.chars().count() < MIN_PASSPHRASE {
        bail!("the passphrase is shorter than {MIN_PASSPHRASE} characters");
    }
    let again = ask("Repeat the passphrase: ")?;
    if *p != *again {
        bail!("the two passphrases differ");
    }
    Ok(p)
}
