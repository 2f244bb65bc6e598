//! What the gateway's routers share: the gateway, the proxies to its upstreams, its keys
//! and the authority it reports to.

use crate::core::Gateway;
use crate::proxy::Routes;
use std::sync::Arc;

/// What the router needs.
#[derive(Clone)]
pub struct AppState {
    /// The gateway.
    pub gateway: Arc<Gateway>,
    /// Where allowed calls go, per route class.
    pub routes: Arc<Routes>,
    /// The gateway's registry submission key (Ed25519, hex), for the authority to register.
    pub registry_key: String,
    /// The same key, which signs every challenge.
    pub signer: Arc<alc_registry::submission::GatewayKey>,
    /// SHA-256 of the gateway's admin token.
    pub admin_token_hash: [u8; 32],
    /// The authority's URL and this gateway's incident-report token, if configured.
    pub reporter: Option<(String, String)>,
    /// An HTTP client for the authority.
    pub http: reqwest::Client,
}
