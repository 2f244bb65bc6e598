//! Long-running services: the authority and the development identity provider.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// `alc authority serve`.
pub fn authority(listen: SocketAddr, data: PathBuf, database: Option<String>) -> Result<()> {
    runtime()?.block_on(alc_issuer::service::serve(
        alc_issuer::service::ServeOptions {
            data,
            listen,
            database,
        },
    ))?;
    Ok(())
}

/// `alc dev-idp`.
pub fn dev_idp(listen: SocketAddr) -> Result<()> {
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let issuer = format!("http://{addr}");
        println!("DEVELOPMENT identity provider on {issuer} (jwks: {issuer}/jwks.json, tokens: POST {issuer}/token)");
        alc_devkit::idp::serve(listener, alc_devkit::idp::DevIdp::generate(issuer)).await?;
        Ok(())
    })
}

/// What `alc gateway serve` is told on its command line.
#[derive(clap::Args)]
pub struct GatewayArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "ALC_GATEWAY_LISTEN", default_value = "127.0.0.1:8700")]
    pub listen: std::net::SocketAddr,
    /// Data folder: lease index, kill set, keys, configuration.
    #[arg(long, env = "ALC_GATEWAY_DATA", default_value = "alc-gateway")]
    pub data: PathBuf,
    /// The licensing authority's URL: https, or http on loopback [default: gateway.toml's, initially http://127.0.0.1:8600].
    #[arg(long, env = "ALC_GATEWAY_AUTHORITY")]
    pub authority: Option<String>,
    /// This gateway's identifier [default: gateway.toml's; there is no default].
    #[arg(long, env = "ALC_GATEWAY_SCOPE")]
    pub scope: Option<String>,
    /// The digest of the authority's keys (`alc authority info`) to require on first
    /// contact and after [default: gateway.toml's authority_digest].
    #[arg(long, env = "ALC_GATEWAY_AUTHORITY_DIGEST")]
    pub authority_digest: Option<String>,
    /// The upstream API: `echo` (built in) or an http(s) URL [default: gateway.toml's, initially echo].
    #[arg(long, env = "ALC_GATEWAY_UPSTREAM")]
    pub upstream: Option<String>,
    /// Key directory holding the circuit's verifying key (from `alc setup`).
    #[arg(long, env = "ALC_KEYS", default_value_os_t = crate::keydir::default_cache())]
    pub keys: PathBuf,
    /// Where the shared state lives: `postgres://...` for a fleet of gateways,
    /// `sqlite://PATH` [default: ALC_GATEWAY_DATABASE, else gateway.toml's, else
    /// gateway.db in the data folder].
    #[arg(long)]
    pub database: Option<String>,
}

/// `alc gateway serve`.
pub fn gateway(args: GatewayArgs) -> Result<()> {
    let GatewayArgs {
        listen,
        data,
        authority,
        scope,
        authority_digest,
        upstream,
        keys,
        database,
    } = args;
    let verifying_key = crate::keydir::load_any_verifying_key(&keys)?;
    let opts = alc_gateway::service::ServeOptions {
        data,
        listen,
        authority,
        scope,
        authority_digest,
        upstream,
        database,
        in_process: alc_devkit::upstream::offered(),
        verifying_key,
    };
    runtime()?.block_on(alc_gateway::service::serve(opts))?;
    Ok(())
}

/// `alc dev-idp`.
#[derive(clap::Args)]
pub struct DevIdpArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "ALC_DEV_IDP_LISTEN", default_value = "127.0.0.1:8650")]
    listen: std::net::SocketAddr,
}

impl DevIdpArgs {
    /// Serves the development identity provider.
    pub fn run(self) -> Result<()> {
        dev_idp(self.listen)
    }
}
