//! `alc wallet init`, `alc wallet obtain` and `alc wallet status`: the wallet with its
//! encrypted holder secret, the signed credential for the wallet's holder commitment,
//! and its check against the authority's signed, published status list (the wallet
//! computes its own bit: the authority learns nothing).

use super::{authority_url, block_on, passphrase, trim_url, Dir};
use alc_wallet::client::{AuthorityClient, Http};
use alc_wallet::store::{self, Config, Wallet};
use alc_wallet::when::{relative, utc};
use alc_wallet::{credential, enrol, WalletError};
use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

/// `alc wallet init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    dir: Dir,
    /// The licensing authority's URL, kept in wallet.toml.
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
    /// The gateway's URL, kept in wallet.toml.
    #[arg(long, env = "ALC_GATEWAY_URL")]
    gateway: Option<String>,
    /// The (development) identity provider's URL, kept in wallet.toml.
    #[arg(long, env = "ALC_IDP_URL")]
    idp: Option<String>,
    /// The key directory with the proving key, kept in wallet.toml.
    #[arg(long, env = "ALC_KEYS")]
    keys: Option<PathBuf>,
    /// Replace an existing wallet's holder secret (its credential becomes useless).
    #[arg(long)]
    force: bool,
}

impl InitArgs {
    pub(super) fn run(self) -> Result<()> {
        let config = Config {
            authority: self.authority.map(|u| trim_url(&u)),
            gateway: self.gateway.map(|u| trim_url(&u)),
            idp: self.idp.map(|u| trim_url(&u)),
            keys: self.keys,
        };
        let dir = self.dir.path();
        let pass = passphrase(true)?;
        let w = Wallet::create(&dir, config, &pass, self.force)?;
        println!("Created the wallet {} (mode 0700).", w.dir.display());
        println!(
            "  holder secret  holder.secret: argon2id ({} MiB, {} passes, {} lanes) + XChaCha20-Poly1305",
            store::KDF_M_KIB / 1024,
            store::KDF_T,
            store::KDF_P
        );
        println!("  configuration  wallet.toml");
        println!(
            "Next: alc wallet kyc --subject NAME (development identity provider) or --id-token TOKEN"
        );
        Ok(())
    }
}

/// `alc wallet obtain`.
#[derive(Args, Debug)]
pub struct ObtainArgs {
    #[command(flatten)]
    dir: Dir,
    /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
    /// A corporate operating permit id to bind the credential to.
    #[arg(long, conflicts_with = "apprentice")]
    permit: Option<String>,
    /// An apprentice credential (tier 0, sandbox routes only) under the apprenticeship
    /// your supervisor accepted (`alc wallet apprentice`).
    #[arg(long)]
    apprentice: bool,
    /// Replace a credential already in the wallet.
    #[arg(long)]
    force: bool,
}

impl ObtainArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let authority = authority_url(&w, self.authority);
        // What can be refused without the passphrase is refused before asking for it.
        if let (Some(c), false) = (w.credential()?, self.force) {
            return Err(WalletError::HasCredential(c.signed.credential.serial).into());
        }
        enrol::session_for(&w, &authority)?;
        let pass = passphrase(false)?;
        let secret = w.unlock(&pass)?;
        drop(pass);
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            let kind = if self.apprentice {
                credential::Kind::Apprentice
            } else {
                credential::Kind::Licence {
                    permit: self.permit,
                }
            };
            let (cred, info) = credential::obtain(&w, &a, &secret, kind, self.force).await?;
            let c = &cred.signed.credential;
            println!(
                "Credential obtained from {}: serial {}, tier {}, permit tier {}.",
                info.keys.name, c.serial, c.tier, c.permit_tier
            );
            println!("  valid    {} to {}", utc(c.not_before), utc(c.expires));
            println!("  stored   {}", w.dir.join("credential.json").display());
            println!("Next: alc wallet status, then alc wallet lease --agent ID --manifest FILE");
            Ok(())
        })
    }
}

/// `alc wallet status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    dir: Dir,
    /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
}

fn short(root: &str) -> String {
    if root.len() > 16 {
        format!("{}…{}", &root[..8], &root[root.len() - 6..])
    } else {
        root.to_owned()
    }
}

impl StatusArgs {
    pub(super) fn run(self) -> Result<()> {
        let w = self.dir.open()?;
        let authority = authority_url(&w, self.authority);
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            let s = credential::standing(&w, &a).await?;
            let (c, r) = (&s.credential.signed.credential, &s.status);
            println!(
                "credential  serial {}, tier {}, permit tier {}, from {}",
                c.serial, c.tier, c.permit_tier, r.issuer
            );
            println!(
                "            valid {} to {}",
                utc(c.not_before),
                utc(c.expires)
            );
            println!(
                "status      epoch {}, root {}{}, signed {}; next update {}",
                r.epoch,
                short(&r.root),
                if r.emergency { " (emergency)" } else { "" },
                utc(r.produced_at),
                relative(r.next_update)
            );
            println!(
                "            {}",
                if s.revoked { "REVOKED" } else { "not revoked" }
            );
            for l in w.leases()? {
                let state = if l.expires_at > s.at {
                    format!("expires {}", relative(l.expires_at))
                } else {
                    "expired".into()
                };
                let parent = l
                    .parent
                    .as_deref()
                    .map(|p| format!(", child of {p}"))
                    .unwrap_or_default();
                let system = l
                    .system
                    .as_deref()
                    .map(|id| format!(", for agent system {id}"))
                    .unwrap_or_default();
                println!(
                    "lease       {} at {}: {state}{parent}{system}",
                    l.agent, l.gateway
                );
            }
            match s.problem() {
                Some(p) => bail!(p),
                None => Ok(()),
            }
        })
    }
}
