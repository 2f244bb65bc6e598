//! `alc gateway`: setting up and serving an AI provider's gateway, and its
//! administrators' commands (kills, incidents) over its admin API.

use super::admin::{print, Admin};
use alc_protocol::authority::Filed;
use alc_protocol::gateway::{IncidentRequest, KillRequest};
use alc_wallet::client::Done;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum GatewayCommand {
    /// Create the data folder (gateway.toml, keys, admin token) and print the registry
    /// key for the authority to register.
    ///
    /// Example: alc gateway init --data ./alc-gateway --scope gateway.example --authority http://127.0.0.1:8600
    Init {
        /// Data folder.
        #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
        data: PathBuf,
        /// This gateway's identifier: proofs are bound to it, the authority registers the
        /// gateway under it (required unless gateway.toml has one).
        #[arg(long, env = "ALC_GATEWAY_SCOPE")]
        scope: Option<String>,
        /// The licensing authority's URL: https, or http on loopback [default: http://127.0.0.1:8600].
        #[arg(long, env = "ALC_GATEWAY_AUTHORITY")]
        authority: Option<String>,
        /// The upstream API: `echo` or an http(s) URL [default: echo].
        #[arg(long, env = "ALC_GATEWAY_UPSTREAM")]
        upstream: Option<String>,
    },
    /// Kill a lease (and its descendants) or every lease of a pseudonym, at once.
    ///
    /// Example: alc gateway kill --lease 5fe55c2d50c6db4e --reason "runaway spend"
    Kill {
        /// A lease id.
        #[arg(long)]
        lease: Option<String>,
        /// A pseudonym (decimal).
        #[arg(long)]
        pseudonym: Option<String>,
        /// Why (recorded in the registry).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        admin: GatewayAdmin,
    },
    /// File an incident about a pseudonym with the authority (needs authority-report-token).
    ///
    /// Example: alc gateway incident --pseudonym 2070...31 --description "scraping beyond its manifest"
    Incident {
        /// The pseudonym (decimal).
        #[arg(long)]
        pseudonym: String,
        /// What happened.
        #[arg(long)]
        description: String,
        #[command(flatten)]
        admin: GatewayAdmin,
    },
    /// Run the gateway in front of an upstream API (creates the data folder on first start).
    ///
    /// Example: alc gateway serve --listen 127.0.0.1:8700 --data ./alc-gateway --authority http://127.0.0.1:8600 --upstream echo
    Serve(super::services::GatewayArgs),
}

/// How a gateway administrator reaches the admin API.
#[derive(clap::Args)]
pub struct GatewayAdmin {
    /// The gateway's URL.
    #[arg(long, env = "ALC_GATEWAY_URL", default_value = "http://127.0.0.1:8700")]
    gateway: String,
    /// The gateway's admin token [default: DATA/admin-token].
    #[arg(long, env = "ALC_GATEWAY_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The gateway's data folder (for its admin token).
    #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
    data: PathBuf,
}

impl GatewayAdmin {
    fn admin(self) -> Admin {
        Admin {
            url: self.gateway,
            token: self.token,
            data: self.data,
        }
    }
}

impl GatewayCommand {
    /// Runs the command.
    pub fn run(self) -> Result<()> {
        match self {
            GatewayCommand::Init {
                data,
                scope,
                authority,
                upstream,
            } => gateway_init(
                &data,
                scope.as_deref(),
                authority.as_deref(),
                upstream.as_deref(),
            ),
            GatewayCommand::Kill {
                lease,
                pseudonym,
                reason,
                admin,
            } => kill(
                &admin.admin(),
                lease.as_deref(),
                pseudonym.as_deref(),
                &reason,
            ),
            GatewayCommand::Incident {
                pseudonym,
                description,
                admin,
            } => incident(&admin.admin(), &pseudonym, &description),
            GatewayCommand::Serve(args) => super::services::gateway(args),
        }
    }
}

/// `alc gateway init`.
pub fn gateway_init(
    data: &Path,
    scope: Option<&str>,
    authority: Option<&str>,
    upstream: Option<&str>,
) -> Result<()> {
    let i = alc_gateway::service::init(
        data,
        scope,
        authority,
        upstream,
        &alc_devkit::upstream::offered(),
    )
    .map_err(|e| anyhow!("{e}"))?;
    println!("gateway data folder ready: {}", data.display());
    println!("  scope            {}", i.config.scope);
    println!("  authority        {}", i.config.authority);
    println!("  upstream         {}", i.config.upstream);
    println!("  admin token      {}", data.join("admin-token").display());
    println!("  registry key     {}", i.registry_key);
    println!(
        "next: the authority registers this gateway:\n  alc authority register-gateway --id {} --key {} --url https://<where it serves> --reason onboarding\nthen: alc gateway serve --data {}",
        i.config.scope,
        i.registry_key,
        data.display()
    );
    Ok(())
}

/// `alc gateway kill`.
pub fn kill(
    admin: &Admin,
    lease: Option<&str>,
    pseudonym: Option<&str>,
    reason: &str,
) -> Result<()> {
    if lease.is_some() == pseudonym.is_some() {
        return Err(anyhow!("name exactly one of --lease or --pseudonym"));
    }
    let req = KillRequest {
        lease: lease.map(str::to_owned),
        pseudonym: pseudonym.map(str::to_owned),
        reason: reason.to_owned(),
    };
    admin.post::<_, Done>("gateway", "/v1/admin/kill", &req)?;
    println!(
        "killed at once at this gateway{}",
        if lease.is_some() {
            ": the lease and every lease under it"
        } else {
            ": every lease of the pseudonym"
        }
    );
    Ok(())
}

/// `alc gateway incident`.
pub fn incident(admin: &Admin, pseudonym: &str, description: &str) -> Result<()> {
    let req = IncidentRequest {
        pseudonym: pseudonym.to_owned(),
        description: description.to_owned(),
    };
    print(&admin.post::<_, Filed>("gateway", "/v1/admin/incident", &req)?)
}
