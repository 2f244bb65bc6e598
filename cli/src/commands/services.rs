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
pub fn authority(listen: SocketAddr, data: PathBuf) -> Result<()> {
    runtime()?.block_on(alc_issuer::service::serve(
        alc_issuer::service::ServeOptions { data, listen },
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
pub struct GatewayArgs {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The data folder.
    pub data: PathBuf,
    /// The authority's URL.
    pub authority: Option<String>,
    /// The gateway's scope.
    pub scope: Option<String>,
    /// The digest of the authority's keys to require.
    pub authority_digest: Option<String>,
    /// The upstream.
    pub upstream: Option<String>,
}

/// `alc gateway serve`.
pub fn gateway(args: GatewayArgs, keys: &std::path::Path) -> Result<()> {
    let verifying_key = crate::keydir::load_any_verifying_key(keys)?;
    let GatewayArgs {
        listen,
        data,
        authority,
        scope,
        authority_digest,
        upstream,
    } = args;
    let opts = alc_gateway::service::ServeOptions {
        data,
        listen,
        authority,
        scope,
        authority_digest,
        upstream,
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
