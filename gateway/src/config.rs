//! The gateway's configuration: `gateway.toml` in its data folder (written with the
//! defaults on first start), overridden by the command line.

use serde::{Deserialize, Serialize};

/// The configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// This gateway's identifier: proofs are bound to it, pseudonyms are per scope.
    pub scope: String,
    /// The licensing authority's base URL.
    pub authority: String,
    /// Where allowed calls go: an http(s) URL, or the name of an in-process upstream
    /// the program running the gateway offers (`alc` offers `echo`). Each route class
    /// has a path of its own under it: `/v1/public/x` goes to `{upstream}/public/x`,
    /// `/v1/sandbox/x` to `{upstream}/sandbox/x`, `/v1/autonomous/x` to
    /// `{upstream}/autonomous/x`, unless the class names an upstream of its own below.
    pub upstream: String,
    /// The upstream of `/v1/public/*` (then `/v1/public/x` goes to `{public_upstream}/x`);
    /// empty: `{upstream}/public`.
    pub public_upstream: String,
    /// The upstream of `/v1/sandbox/*`; empty: `{upstream}/sandbox`.
    pub sandbox_upstream: String,
    /// The upstream of `/v1/autonomous/*`; empty: `{upstream}/autonomous`.
    pub autonomous_upstream: String,
    /// Minimum licence tier for `/v1/autonomous/*`.
    pub min_tier: u8,
    /// Minimum permit tier for `/v1/autonomous/*`.
    pub min_permit_tier: u8,
    /// Lifetime of a lease, seconds.
    pub lease_ttl_secs: u64,
    /// Lifetime of a challenge, seconds.
    pub challenge_ttl_secs: u64,
    /// How long after the authority's `next_update` the last good status is still used
    /// before new autonomous leases are refused (fail closed), seconds.
    pub status_grace_secs: u64,
    /// Deepest chain of sub-agent leases (a root lease has depth 0).
    pub max_depth: u32,
    /// Requests per minute per pseudonym (all its leases together).
    pub rate_per_min: u32,
    /// Most lease proofs verified in one batch (1 turns batching off).
    pub batch_max: usize,
    /// How long a batch waits for more proofs after its first, milliseconds.
    pub batch_wait_ms: u64,
    /// The browser wallet's built files (`wasm/pkg`, see the README, "The browser
    /// wallet"), served at `/wallet/`; empty: no wallet page. A relative path is
    /// relative to the gateway's working directory.
    pub wallet_dir: String,
    /// Accept circuit-v1 proofs (and mint bearer leases for them): only with a v1 key
    /// directory, for a transition. Off: the gateway requires circuit v2, whose proofs
    /// escrow the licence's serial and bind the agent's key.
    pub allow_v1: bool,
    /// A key directory written by `alc setup`: the wallet page loads its
    /// `proving_key.fast` and `digests.json` from `/wallet/keys/`.
    pub wallet_keys: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            scope: "gateway.local".into(),
            authority: "http://127.0.0.1:8600".into(),
            upstream: "echo".into(),
            public_upstream: String::new(),
            sandbox_upstream: String::new(),
            autonomous_upstream: String::new(),
            min_tier: 1,
            min_permit_tier: 0,
            lease_ttl_secs: 15 * 60,
            challenge_ttl_secs: 60,
            status_grace_secs: 300,
            max_depth: 4,
            rate_per_min: 6000,
            batch_max: 64,
            batch_wait_ms: 3,
            allow_v1: false,
            wallet_dir: String::new(),
            wallet_keys: String::new(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Parses and checks TOML.
    pub fn from_toml(s: &str) -> Result<Self, ConfigError> {
        let c: Self = toml::from_str(s).map_err(|e| ConfigError(e.to_string()))?;
        if c.scope.is_empty()
            || c.batch_max == 0
            || c.lease_ttl_secs == 0
            || c.challenge_ttl_secs == 0
            || c.rate_per_min == 0
        {
            return Err(ConfigError(
                "scope, lifetimes and the rate must be non-empty/positive".into(),
            ));
        }
        Ok(c)
    }

    /// The file written on first start.
    pub fn template() -> String {
        format!(
            "# ALC gateway configuration (see the README, \"Running a gateway\").\n{}",
            toml::to_string_pretty(&Self::default()).unwrap_or_default()
        )
    }
}
