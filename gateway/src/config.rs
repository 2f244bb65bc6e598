//! The gateway's configuration: `gateway.toml` in its data folder (written with the
//! defaults on first start), overridden by the command line.

use serde::{Deserialize, Serialize};

/// The configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// This gateway's identifier: proofs are bound to it, pseudonyms are per scope, and
    /// the authority registers the gateway under it. No default: two gateways sharing
    /// one would share every holder's pseudonym.
    pub scope: String,
    /// The licensing authority's base URL: `https`, or `http` on a loopback host.
    pub authority: String,
    /// The SHA-256 (hex) of the authority's keys as `alc authority info` prints it, to
    /// compare on first contact (then required to match); empty: pin whatever the
    /// authority presents first, loudly.
    pub authority_digest: String,
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
    /// How long a status root stays acceptable for new leases after a newer one (not an
    /// emergency) superseded it, seconds: a wallet proves against the roots its challenge
    /// lists, so this covers a challenge's lifetime and the proving time. After a normal
    /// revocation, a revoked holder can get a new lease for at most this long.
    pub superseded_root_secs: u64,
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
    /// The origins of wallet sites whose pages may call this gateway from a browser
    /// (CORS on the lease and route-class endpoints), e.g. `https://authority.example`;
    /// `"*"`: any page. Empty: none (the native wallet needs no CORS). The gateway serves
    /// no wallet code itself: the party a proof is for never ships the prover.
    pub wallet_origins: Vec<String>,
    /// Accept circuit-v1 proofs (and mint bearer leases for them): only with a v1 key
    /// directory, for a transition. Off: the gateway requires circuit v2, whose proofs
    /// escrow the licence's serial and bind the agent's key.
    pub allow_v1: bool,
    /// Longest a request head may take to arrive, seconds (against slowloris).
    pub header_read_timeout_secs: u64,
    /// Longest the gateway waits for the next piece of a request body, seconds, and the
    /// base of the body's whole waiting budget (`alc_service::Limits`): a body cut off is
    /// answered `408`. Time an upstream takes to accept a streamed body is not counted.
    pub body_read_timeout_secs: u64,
    /// Bytes per second of request body that each add a second to that budget: the
    /// slowest average rate at which an upload (a streamed proxy body too) may go on
    /// indefinitely (0: a whole body's waits stay within `body_read_timeout_secs`).
    pub body_min_bytes_per_sec: u64,
    /// Most connections open at once from one IP address (0: no limit, behind a load
    /// balancer that sees every client as one address: limit there instead).
    pub max_connections_per_ip: usize,
    /// Development only: accept a verifying key whose setup randomness is public (the
    /// fixed-seed test keys, `alc_verifier::PUBLIC_TEST_KEYS`): anyone can forge proofs
    /// under it.
    pub allow_test_keys: bool,
    /// Where the shared state (replay set, lease index, kill set, registry outbox) lives:
    /// empty for `gateway.db` in the data folder (SQLite, shared by the processes on one
    /// host), or `postgres://user:password@host/db` for a fleet of gateways on one
    /// PostgreSQL (`docs/fleet.md`). The environment's `ALC_GATEWAY_DATABASE` overrides
    /// it. Never logged with its password.
    pub database: DatabaseSetting,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            scope: String::new(),
            authority: "http://127.0.0.1:8600".into(),
            authority_digest: String::new(),
            upstream: "echo".into(),
            public_upstream: String::new(),
            sandbox_upstream: String::new(),
            autonomous_upstream: String::new(),
            min_tier: 1,
            min_permit_tier: 0,
            lease_ttl_secs: 15 * 60,
            challenge_ttl_secs: 60,
            superseded_root_secs: 120,
            status_grace_secs: 300,
            max_depth: 4,
            rate_per_min: 6000,
            batch_max: 64,
            batch_wait_ms: 3,
            allow_v1: false,
            allow_test_keys: false,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            body_min_bytes_per_sec: 1024,
            max_connections_per_ip: 256,
            wallet_origins: Vec::new(),
            database: DatabaseSetting::default(),
        }
    }
}

pub use alc_service::DatabaseSetting;

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Parses and checks TOML.
    pub fn from_toml(s: &str) -> Result<Self, ConfigError> {
        let c = Self::parse(s)?;
        c.check()?;
        Ok(c)
    }

    /// Parses TOML, checking nothing (the command line may still set the scope).
    pub fn parse(s: &str) -> Result<Self, ConfigError> {
        toml::from_str(s).map_err(|e| ConfigError(e.to_string()))
    }

    /// Checks a configuration: a scope that is a gateway id, an authority URL that is
    /// `https` (or `http` on loopback), positive lifetimes and rate.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.scope.trim().is_empty() {
            return Err(ConfigError(
                "no scope: set `scope` in gateway.toml or pass --scope ID (the id the authority registers this gateway under; gateways sharing one would share every holder's pseudonym)".into(),
            ));
        }
        alc_registry::entry::check_gateway_id(&self.scope)
            .map_err(|e| ConfigError(format!("scope: {e}")))?;
        alc_protocol::gateways::check_service_url(&self.authority)
            .map_err(|e| ConfigError(format!("authority: {e}")))?;
        if !self.authority_digest.is_empty()
            && alc_protocol::encoding::hex_array::<32>(&self.authority_digest).is_err()
        {
            return Err(ConfigError(
                "authority_digest: expected 64 hex digits (as `alc authority info` prints)".into(),
            ));
        }
        for o in self.wallet_origins.iter().filter(|o| *o != "*") {
            let bare = o
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.trim_end_matches('/').contains(['/', '?', '#']));
            alc_protocol::gateways::check_service_url(o)
                .map_err(|e| ConfigError(format!("wallet_origins: {e}")))?;
            if !bare {
                return Err(ConfigError(format!(
                    "wallet_origins: {o:?} is not an origin (scheme, host and port only)"
                )));
            }
        }
        if self.batch_max == 0
            || self.header_read_timeout_secs == 0
            || self.body_read_timeout_secs == 0
            || self.lease_ttl_secs == 0
            || self.challenge_ttl_secs == 0
            || self.rate_per_min == 0
        {
            return Err(ConfigError(
                "lifetimes, timeouts, the rate and batch_max must be positive".into(),
            ));
        }
        if self.challenge_ttl_secs >= self.lease_ttl_secs {
            return Err(ConfigError(
                "challenge_ttl_secs must be shorter than lease_ttl_secs: a lease ends a lease lifetime after its challenge was made".into(),
            ));
        }
        Ok(())
    }

    /// The file written on first start.
    pub fn template() -> String {
        format!(
            "# ALC gateway configuration (see the README, \"Running a gateway\").\n{}",
            toml::to_string_pretty(&Self::default()).unwrap_or_default()
        )
    }
}
