//! The identity providers as the authority's configuration names them, and their
//! checking into a [`Provider`] with its keys (a JWKS file read now, a URL fetched on
//! first use).

use super::jwks::{
    check_jwks_url, parse_jwks, read_jwks_file, Alg, KeyStore, Provider, RemoteKeys,
};
use super::{OidcError, SUPPORTED_ALGORITHMS};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// One trusted identity provider, as written in the authority's configuration.
///
/// In TOML:
///
/// ```toml
/// [[identity_providers]]
/// issuer = "https://oidc.example.gov"
/// audience = "alc-authority"
/// jwks = { url = "https://oidc.example.gov/.well-known/jwks.json" }
/// # optional:
/// algorithms = ["ES256"]
/// subject_claim = "sub"
/// link_claim = "national_id"   # see `link_claim`
/// ```
///
/// or `jwks = { file = "/etc/alc/provider-jwks.json" }` for keys kept on disk.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's issuer identifier, compared exactly with the `iss` claim.
    pub issuer: String,
    /// This authority's client id at the provider: it must be in `aud`.
    pub audience: String,
    /// Where the provider's public keys are.
    pub jwks: JwksSource,
    /// The accepted signature algorithms, a subset of [`SUPPORTED_ALGORITHMS`]
    /// (the default). `none` and the HMAC algorithms can never be allowed.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// The claim that carries the person's identifier, `sub` by default.
    #[serde(default = "default_subject_claim")]
    pub subject_claim: String,
    /// A claim this provider *verifies* and that names one person across providers (a
    /// national identity number, say; `docs/identity.md`): required in every token, and
    /// identities presenting the same value, here or at another provider so configured,
    /// are one person. A provider given one is trusted to assert it for anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_claim: Option<String>,
}

pub(super) fn default_algorithms() -> Vec<String> {
    SUPPORTED_ALGORITHMS
        .iter()
        .map(|a| (*a).to_owned())
        .collect()
}

pub(super) fn default_subject_claim() -> String {
    "sub".to_owned()
}

/// Where a provider's JSON Web Key Set is.
///
/// TOML: `jwks = { file = "..." }` or `jwks = { url = "https://..." }`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum JwksSource {
    /// A JWKS document on disk, read once by [`Verifier::new`].
    File(PathBuf),
    /// A JWKS URL (`https`, or `http` to a loopback address), fetched on
    /// first use, cached, and fetched again on an unknown key id.
    Url(String),
}

pub(super) async fn build_provider(config: ProviderConfig) -> Result<Provider, OidcError> {
    let ProviderConfig {
        issuer,
        audience,
        jwks,
        algorithms,
        subject_claim,
        link_claim,
    } = config;
    if issuer.is_empty() {
        return Err(OidcError::Config("an issuer is empty".to_owned()));
    }
    if audience.is_empty() {
        return Err(OidcError::Config(format!(
            "issuer {issuer:?}: the audience (client id) is empty"
        )));
    }
    if subject_claim.is_empty() {
        return Err(OidcError::Config(format!(
            "issuer {issuer:?}: the subject claim name is empty"
        )));
    }
    if link_claim
        .as_deref()
        .is_some_and(|c| c.is_empty() || c == subject_claim)
    {
        return Err(OidcError::Config(format!(
            "issuer {issuer:?}: the link claim must be named, and not be the subject claim"
        )));
    }
    if algorithms.is_empty() {
        return Err(OidcError::Config(format!(
            "issuer {issuer:?}: the algorithm allow-list is empty"
        )));
    }
    let mut allowed = Vec::new();
    for name in &algorithms {
        let alg = Alg::parse(name).ok_or_else(|| {
            let why = if name.eq_ignore_ascii_case("none")
                || name.to_ascii_uppercase().starts_with("HS")
            {
                "can never be allowed"
            } else {
                "is not supported"
            };
            OidcError::Config(format!(
                "issuer {issuer:?}: algorithm {name:?} {why} (supported: {})",
                SUPPORTED_ALGORITHMS.join(", ")
            ))
        })?;
        if !allowed.contains(&alg) {
            allowed.push(alg);
        }
    }
    let keys = match jwks {
        JwksSource::File(path) => {
            let bytes = read_jwks_file(&path).await?;
            let keys = parse_jwks(&bytes).map_err(|reason| OidcError::JwksMalformed {
                origin: path.display().to_string(),
                reason,
            })?;
            KeyStore::Static(Arc::new(keys))
        }
        JwksSource::Url(url) => KeyStore::Remote {
            url: check_jwks_url(&issuer, &url)?,
            state: tokio::sync::Mutex::new(RemoteKeys {
                keys: Arc::new(Vec::new()),
                last_attempt: None,
            }),
        },
    };
    Ok(Provider {
        issuer,
        audience,
        algorithms: allowed,
        subject_claim,
        link_claim,
        keys,
    })
}
