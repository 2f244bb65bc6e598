//! The authority's configuration: `authority.toml` in the data folder (written with the
//! defaults on first start), overridden by the command line.

use crate::oidc::ProviderConfig;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The authority's name, written into every status response (`issuer`).
    #[serde(default = "default_name")]
    pub name: String,
    /// Identity providers whose ID tokens are accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_providers: Vec<ProviderConfig>,
    /// Clock leeway for ID tokens, seconds.
    #[serde(default = "default_leeway")]
    pub token_leeway_secs: u64,
    /// The question bank (TOML); the built-in default bank when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question_bank: Option<PathBuf>,
    /// Assessment rules.
    #[serde(default)]
    pub assessment: AssessmentRules,
    /// Permit requirements.
    #[serde(default)]
    pub permits: PermitRules,
    /// Supervised apprentices.
    #[serde(default)]
    pub apprentices: ApprenticeRules,
    /// The insurance wrapper: minimum cover per permit tier.
    #[serde(default)]
    pub insurance: InsuranceRules,
    /// Validity of a new credential, days.
    #[serde(default = "default_validity")]
    pub credential_validity_days: u64,
    /// Seconds between status responses (`next_update - produced_at`).
    #[serde(default = "default_status_interval")]
    pub status_interval_secs: u64,
    /// Largest accepted request body, bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Longest a request head may take to arrive, seconds (against slowloris).
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_secs: u64,
    /// Longest the authority waits for the next piece of a request body, seconds, and the
    /// base of the body's whole waiting budget (`alc_service::Limits`): a body cut off is
    /// answered `408`.
    #[serde(default = "default_body_read_timeout")]
    pub body_read_timeout_secs: u64,
    /// Bytes per second of request body that each add a second to that budget: the
    /// slowest average rate a body may arrive at (0: a whole body's waits stay within
    /// `body_read_timeout_secs`).
    #[serde(default = "default_body_min_bytes_per_sec")]
    pub body_min_bytes_per_sec: u64,
    /// Most connections open at once from one IP address (0: no limit, behind a proxy).
    #[serde(default = "default_max_connections_per_ip")]
    pub max_connections_per_ip: usize,
    /// The trustees' joint escrow key (`alc escrow key`'s file; relative to the data
    /// folder): published in `/v1/authority`, and the key openings are checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow_key: Option<PathBuf>,
    /// The key directories (`alc setup`'s output; relative to the data folder) whose
    /// digests `GET /v1/keys` publishes, signed: the proving keys wallets may use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circuit_keys: Vec<PathBuf>,
    /// A wallet site (`alc wallet site`'s output; relative to the data folder) to serve
    /// at `/wallet/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_dir: Option<PathBuf>,
    /// Development only: accept an escrow key whose secret is public or tiny (the test
    /// keys' `77 * Base8`), under which anyone can open every licence's ciphertext, and
    /// key directories of the fixed-seed test keys, under which anyone can forge proofs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_test_keys: bool,
    /// Where the records live: empty for `authority.db` in the data folder (SQLite),
    /// `sqlite://PATH`, or `postgres://user:password@host/db` for PostgreSQL, which
    /// several authority processes may share (`docs/scaling.md`). The environment's
    /// `ALC_AUTHORITY_DATABASE` overrides it, and `--database` both. Never logged with
    /// its password.
    #[serde(default)]
    pub database: alc_service::DatabaseSetting,
}

/// FCA-style assessment rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentRules {
    /// Pass mark, percent of questions answered correctly.
    pub pass_mark_percent: u32,
    /// Every this many failures starts a cooling-off.
    pub failures_before_cooling_off: u32,
    /// Cooling-off, seconds.
    pub cooling_off_secs: u64,
    /// Failures after which the identity is locked until formal training is recorded.
    pub max_failures: u32,
    /// Lifetime of an attempt's token, seconds.
    pub attempt_ttl_secs: u64,
    /// Lifetime of an identity session, seconds.
    pub session_ttl_secs: u64,
}

impl Default for AssessmentRules {
    fn default() -> Self {
        Self {
            pass_mark_percent: 80,
            failures_before_cooling_off: 2,
            cooling_off_secs: 24 * 3600,
            max_failures: 6,
            attempt_ttl_secs: 30 * 60,
            session_ttl_secs: 3600,
        }
    }
}

/// Requirements of corporate operating permits, and how they are enforced.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PermitRules {
    /// Principal operators (each with a live operator licence) a tier-2 or tier-3
    /// permit needs.
    pub min_principal_operators: u32,
    /// How long an active permit may miss a requirement before it is suspended, seconds.
    pub grace_period_secs: u64,
    /// How often every active permit is checked, seconds (events check sooner).
    pub enforcement_interval_secs: u64,
    /// Validity of a tier-3 agent system's certificate, seconds.
    pub system_certificate_secs: u64,
}

impl Default for PermitRules {
    fn default() -> Self {
        Self {
            min_principal_operators: 2,
            grace_period_secs: 7 * 24 * 3600,
            enforcement_interval_secs: 60,
            system_certificate_secs: 24 * 3600,
        }
    }
}

/// Supervised apprentices.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprenticeRules {
    /// Most apprentices one operator supervises at once.
    pub max_per_supervisor: u32,
    /// How long a request waits for the supervisor's acceptance, seconds.
    pub request_ttl_secs: u64,
}

impl Default for ApprenticeRules {
    fn default() -> Self {
        Self {
            max_per_supervisor: 3,
            request_ttl_secs: 7 * 24 * 3600,
        }
    }
}

/// The insurance wrapper (the README, "Insurance cover"): the cover a permit of each tier must prove.
///
/// Amounts are in the smallest unit of the currency insurers certify in (pence, cents).
/// Tier 1 (personal or start-up) needs no insurance; tiers 2 and 3 always do, so there is
/// no key for tier 1 and neither minimum can be zero. In `authority.toml`:
/// `[insurance] min_cover = { "2" = 100000000, "3" = 1000000000 }`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InsuranceRules {
    /// Minimum cover per tier.
    pub min_cover: MinCover,
}

/// Minimum cover of tiers 2 and 3, smallest currency unit.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct MinCover {
    /// Tier 2 (professional); default 100,000,000 (1,000,000.00).
    #[serde(rename = "2")]
    pub tier2: u64,
    /// Tier 3 (enterprise); default 1,000,000,000 (10,000,000.00).
    #[serde(rename = "3")]
    pub tier3: u64,
}

impl Default for MinCover {
    fn default() -> Self {
        Self {
            tier2: 100_000_000,
            tier3: 1_000_000_000,
        }
    }
}

impl InsuranceRules {
    /// The cover a permit of `tier` must prove, or `None` when the tier needs no
    /// insurance.
    pub fn min_cover(&self, tier: u8) -> Option<u64> {
        match tier {
            2 => Some(self.min_cover.tier2),
            3 => Some(self.min_cover.tier3),
            _ => None,
        }
    }
}

fn default_name() -> String {
    "alc-authority".into()
}
fn default_leeway() -> u64 {
    60
}
fn default_validity() -> u64 {
    365
}
fn default_status_interval() -> u64 {
    300
}
fn default_header_read_timeout() -> u64 {
    10
}
fn default_body_read_timeout() -> u64 {
    10
}
fn default_body_min_bytes_per_sec() -> u64 {
    1024
}
fn default_max_connections_per_ip() -> usize {
    256
}
fn default_body_limit() -> usize {
    64 * 1024
}

impl Default for Config {
    fn default() -> Self {
        Self {
            name: default_name(),
            identity_providers: Vec::new(),
            token_leeway_secs: default_leeway(),
            question_bank: None,
            escrow_key: None,
            circuit_keys: Vec::new(),
            wallet_dir: None,
            allow_test_keys: false,
            database: alc_service::DatabaseSetting::default(),
            assessment: AssessmentRules::default(),
            permits: PermitRules::default(),
            apprentices: ApprenticeRules::default(),
            insurance: InsuranceRules::default(),
            credential_validity_days: default_validity(),
            status_interval_secs: default_status_interval(),
            body_limit_bytes: default_body_limit(),
            header_read_timeout_secs: default_header_read_timeout(),
            body_read_timeout_secs: default_body_read_timeout(),
            body_min_bytes_per_sec: default_body_min_bytes_per_sec(),
            max_connections_per_ip: default_max_connections_per_ip(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Parses TOML and checks the values make sense.
    pub fn from_toml(s: &str) -> Result<Self, ConfigError> {
        let c: Self = toml::from_str(s).map_err(|e| ConfigError(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// The file written on first start: the defaults, commented.
    pub fn template() -> String {
        let body = toml::to_string_pretty(&Self::default()).unwrap_or_default();
        format!(
            "# ALC licensing authority configuration (see the README, \"Running an authority\").\n\
             # Identity providers are added as:\n\
             # [[identity_providers]]\n\
             # issuer = \"https://idp.example\"\n\
             # audience = \"alc-authority\"\n\
             # jwks = {{ url = \"https://idp.example/jwks.json\" }}   # or {{ file = \"jwks.json\" }}\n\n{body}"
        )
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let a = &self.assessment;
        let bad = |m: &str| Err(ConfigError(m.into()));
        if !(1..=100).contains(&a.pass_mark_percent) {
            return bad("assessment.pass_mark_percent must be 1 to 100");
        }
        if a.failures_before_cooling_off == 0 || a.max_failures == 0 {
            return bad(
                "assessment.failures_before_cooling_off and max_failures must be at least 1",
            );
        }
        if a.attempt_ttl_secs == 0 || a.session_ttl_secs == 0 || self.status_interval_secs == 0 {
            return bad("lifetimes and the status interval must be positive");
        }
        if self.credential_validity_days == 0 {
            return bad("credential_validity_days must be positive");
        }
        let m = &self.insurance.min_cover;
        if m.tier2 == 0 || m.tier3 < m.tier2 {
            return bad("insurance.min_cover: \"2\" must be at least 1 and \"3\" at least \"2\"");
        }
        if i64::try_from(m.tier3).is_err() {
            return bad("insurance.min_cover: amounts must be below 2^63");
        }
        let p = &self.permits;
        if p.enforcement_interval_secs == 0 || self.apprentices.request_ttl_secs == 0 {
            return bad(
                "permits.enforcement_interval_secs and apprentices.request_ttl_secs must be positive",
            );
        }
        if i64::try_from(p.grace_period_secs).is_err() {
            return bad("permits.grace_period_secs must be below 2^63");
        }
        if self.header_read_timeout_secs == 0 || self.body_read_timeout_secs == 0 {
            return bad("header_read_timeout_secs and body_read_timeout_secs must be positive");
        }
        if self.body_limit_bytes < 1024 {
            return bad("body_limit_bytes must be at least 1024");
        }
        Ok(())
    }
}
