//! `alc wallet apprentice`: supervised apprenticeships. The apprentice asks for one and
//! hands the printed code to their supervising operator, who accepts it from their own
//! wallet (signed in, holding a live licence); the apprentice then runs
//! `alc wallet obtain --apprentice` and leases sandbox routes as any holder does.

use super::{authority_url, block_on, Dir};
use alc_wallet::client::{AuthorityClient, Http};
use alc_wallet::enrol::session_for;
use alc_wallet::when::{relative, utc};
use anyhow::Result;
use clap::{Args, Subcommand};

/// `alc wallet apprentice`.
#[derive(Args, Debug)]
pub struct ApprenticeArgs {
    #[command(subcommand)]
    what: What,
}

/// Where the wallet and the authority are.
#[derive(Args, Debug)]
struct Common {
    #[command(flatten)]
    dir: Dir,
    /// The authority's URL [default: wallet.toml's, else http://127.0.0.1:8600].
    #[arg(long, env = "ALC_AUTHORITY_URL")]
    authority: Option<String>,
}

#[derive(Subcommand, Debug)]
enum What {
    /// As the apprentice: ask for an apprenticeship and print the one-time code to hand
    /// to your supervising operator.
    ///
    /// Example: alc wallet apprentice request
    Request {
        #[command(flatten)]
        common: Common,
    },
    /// As the supervisor: accept the apprenticeship whose code the apprentice gave you.
    ///
    /// Example: alc wallet apprentice accept 5f0c8e2a91d34b7e8a6c1f09d2b3e4a7
    Accept {
        /// The apprentice's code.
        #[arg(allow_hyphen_values = true)]
        code: String,
        #[command(flatten)]
        common: Common,
    },
    /// Your apprenticeships, as apprentice or as supervisor.
    ///
    /// Example: alc wallet apprentice list
    List {
        #[command(flatten)]
        common: Common,
    },
}

impl ApprenticeArgs {
    pub(super) fn run(self) -> Result<()> {
        let common = match &self.what {
            What::Request { common } | What::Accept { common, .. } | What::List { common } => {
                common
            }
        };
        let w = common.dir.open()?;
        let authority = authority_url(&w, common.authority.clone());
        let session = session_for(&w, &authority)?.session;
        block_on(async move {
            let a = AuthorityClient::new(&Http::new()?, &authority);
            match self.what {
                What::Request { .. } => {
                    let r = a.request_apprenticeship(&session).await?;
                    println!(
                        "Apprenticeship requested. Give this code to your supervising operator:"
                    );
                    println!("  {}", r.code);
                    println!(
                        "They accept it with `alc wallet apprentice accept CODE` before {} ({}).",
                        utc(r.expires_at),
                        relative(r.expires_at)
                    );
                    println!("Then: alc wallet obtain --apprentice");
                }
                What::Accept { code, .. } => {
                    let r = a.accept_apprenticeship(&session, &code).await?;
                    println!(
                        "Apprenticeship {} accepted under your licence (serial {}).",
                        r.id,
                        r.supervisor_serial
                            .map(|s| s.to_string())
                            .unwrap_or_default()
                    );
                }
                What::List { .. } => {
                    for r in a.apprenticeships(&session).await? {
                        println!(
                            "apprenticeship {}  {} as {}, requested {}{}",
                            r.id,
                            r.state,
                            r.role,
                            utc(r.requested_at),
                            r.ended_reason
                                .map(|why| format!(" ({why})"))
                                .unwrap_or_default()
                        );
                    }
                }
            }
            Ok(())
        })
    }
}
