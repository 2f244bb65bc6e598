//! `alc wallet system`: tier-3 agent systems. The system's named principal operator
//! (signed in with `alc wallet kyc`) asks the authority to certify an agent key for it;
//! `alc wallet lease --system NAME` then binds the system's leases to that key and sends
//! the certificate, so the gateway, the registry and an incident name the system.

use super::{authority_url, block_on, passphrase, Dir};
use alc_wallet::client::{AuthorityClient, Http};
use alc_wallet::enrol::session_for;
use alc_wallet::systems::certify;
use alc_wallet::when::when;
use anyhow::Result;
use clap::{Args, Subcommand};

/// `alc wallet system`.
#[derive(Args, Debug)]
pub struct SystemArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand, Debug)]
enum What {
    /// As the system's principal operator: have the authority certify a fresh agent key
    /// for the system (asks the passphrase); kept in the wallet until it ends (a day by
    /// default), then certify again.
    ///
    /// Example: alc wallet system certify dispatch --permit fleet-co
    Certify {
        /// The system's name in its permit.
        name: String,
        /// The tier-3 permit it is registered under.
        #[arg(long)]
        permit: String,
        #[command(flatten)]
        dir: Dir,
        /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
        #[arg(long, env = "ALC_AUTHORITY_URL")]
        authority: Option<String>,
    },
}

impl SystemArgs {
    pub(super) fn run(self) -> Result<()> {
        let What::Certify {
            name,
            permit,
            dir,
            authority,
        } = self.what;
        let w = dir.open()?;
        let authority = authority_url(&w, authority);
        let session = session_for(&w, &authority)?.session;
        let pass = passphrase(false)?;
        let secret = w.unlock(&pass)?;
        drop(pass);
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            let s = certify(&w, &a, &secret, &session, &permit, &name).await?;
            println!(
                "Agent system {} of permit {} certified: system id {}, agent key {}, until {}.",
                s.name,
                s.permit,
                s.system,
                s.key,
                when(s.not_after)
            );
            println!("  stored   {}", w.system_path(&s.name).display());
            println!(
                "Lease for it: alc wallet lease --system {} --agent ID --manifest FILE",
                s.name
            );
            Ok(())
        })
    }
}
