//! OpenID Connect ID token verification.
//!
//! The licensing authority does not run its own identity checks: a person
//! proves who they are to a configured identity provider (a GOV.UK One
//! Login-style KYC service) and brings back an OpenID Connect *ID token*, a
//! signed JWT. This module decides whether such a token is genuine and meant
//! for this authority, and if so returns the provider's stable identifier of
//! the person ([`VerifiedToken::subject`]).
//!
//! # Why the checks are done here and in this order
//!
//! JWT libraries are easy to misuse: the classic failures are accepting
//! `alg: none`, accepting an HMAC token "signed" with a provider's *public*
//! key (algorithm confusion), trusting a key named by the token itself, and
//! comparing times against a clock the caller cannot control. So the
//! [`Verifier`] parses the token itself and checks, in this order, each
//! failure being its own [`OidcError`] variant:
//!
//! 1. shape: at most [`MAX_ID_TOKEN_BYTES`], three base64url parts;
//! 2. the header `alg` is one this module supports ([`SUPPORTED_ALGORITHMS`]);
//!    `none` and the HMAC family are refused before anything else is looked at;
//! 3. the (still unverified) `iss` claim names a configured provider exactly;
//! 4. the header `alg` is in *that* provider's allow-list;
//! 5. a key is found in that provider's JWKS by `kid` (or, when the token has
//!    no `kid`, the only key of the right type); keys embedded in or pointed
//!    to by the token (`jwk`, `jku`, `x5u`, ...) are never used, and symmetric
//!    (`oct`) keys in a JWKS are ignored;
//! 6. the signature (via `jsonwebtoken`, with all of its own claim checks off);
//! 7. `aud` contains the configured client id (and `azp`, if present, is it);
//! 8. `exp > now - leeway`, `iat <= now + leeway` (required), `nbf <= now + leeway`
//!    (if present), all against the caller's clock;
//! 9. the subject claim is a non-empty string.
//!
//! The `nonce` claim is *returned*, not checked: the caller owns the login
//! session, so it must compare the nonce with the one it issued and consume it.
//!
//! # Keys
//!
//! A provider's keys come from a JWKS file (loaded once by [`Verifier::new`],
//! which fails clearly if the file is unreadable or has no usable key) or a
//! URL (fetched on first use and cached). When a token names a key the cache
//! does not have, which is what a provider's key rotation looks like, the URL
//! is fetched again, but at most once every [`JWKS_REFETCH_INTERVAL_SECS`]
//! seconds of the caller's clock, so a stream of tokens with made-up key ids
//! cannot turn the authority into a request amplifier. Fetches time out after
//! [`JWKS_FETCH_TIMEOUT`], do not follow redirects and read at most
//! [`MAX_JWKS_BYTES`]. Only `https` URLs are accepted, except `http` to a
//! loopback address (development and tests).
//!
//! Tokens are never logged, nor put in error messages; errors quote at most a
//! short, escaped excerpt of a header or claim value (`alg`, `kid`, `iss`).

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The largest ID token accepted, in bytes.
pub const MAX_ID_TOKEN_BYTES: usize = 16 * 1024;
/// The largest JWKS document accepted, from a file or a URL, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// The most keys a JWKS may hold.
pub const MAX_JWKS_KEYS: usize = 64;
/// The time limit of one JWKS fetch, connection to last byte.
pub const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A URL JWKS is fetched again (for an unknown key id) at most this often,
/// in seconds of the clock passed to [`Verifier::verify`].
pub const JWKS_REFETCH_INTERVAL_SECS: u64 = 60;
/// The largest clock-skew leeway [`Verifier::new`] accepts, in seconds.
pub const MAX_LEEWAY_SECS: u64 = 600;
/// The longest subject accepted, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 1024;
/// The signature algorithms a provider may allow (and the default allow-list).
pub const SUPPORTED_ALGORITHMS: [&str; 3] = ["RS256", "ES256", "EdDSA"];

/// The smallest RSA modulus accepted, in bits.
const MIN_RSA_BITS: usize = 2048;
/// How much of an untrusted string goes into an error message.
const EXCERPT_CHARS: usize = 80;

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
}

fn default_algorithms() -> Vec<String> {
    SUPPORTED_ALGORITHMS
        .iter()
        .map(|a| (*a).to_owned())
        .collect()
}

fn default_subject_claim() -> String {
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

/// Why an ID token was refused, or why the verifier could not be set up.
///
/// [`OidcError::is_token_error`] tells the two apart: a token error is the
/// presenter's fault (answer 401), anything else is the authority's or the
/// provider's (answer 5xx and alert).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// The provider configuration is invalid.
    #[error("identity provider configuration: {0}")]
    Config(String),
    /// A JWKS file could not be read.
    #[error("cannot read the JWKS file {path}: {source}")]
    JwksRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JWKS document (file or URL) is not valid or has no usable key.
    #[error("malformed JWKS from {origin}: {reason}")]
    JwksMalformed {
        /// The file or URL.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A JWKS URL could not be fetched.
    #[error("fetching the JWKS at {url} failed: {reason}")]
    JwksFetch {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The token is longer than [`MAX_ID_TOKEN_BYTES`].
    #[error("ID token too large: {len} bytes (the limit is {max})")]
    TooLarge {
        /// The token's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token is not a compact JWS with a JSON header and payload.
    #[error("malformed ID token: {reason}")]
    Malformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// The header `alg` is `none`, HMAC or otherwise unsupported: never accepted.
    #[error("ID token algorithm {alg:?} is never accepted")]
    AlgorithmRefused {
        /// An excerpt of the header's `alg`.
        alg: String,
    },
    /// The `iss` claim is not a configured provider.
    #[error("ID token issuer {issuer:?} is not a configured identity provider")]
    UnknownIssuer {
        /// An excerpt of the token's `iss`.
        issuer: String,
    },
    /// The header `alg` is supported but not in this provider's allow-list.
    #[error("ID token algorithm {alg} is not allowed for issuer {issuer}")]
    AlgorithmNotAllowed {
        /// The algorithm.
        alg: String,
        /// The provider.
        issuer: String,
    },
    /// The provider's JWKS has no key for the token (its `kid` and `alg`).
    #[error("no key in the JWKS of {issuer} for this ID token: {detail}")]
    UnknownKey {
        /// The provider.
        issuer: String,
        /// An excerpt of the token's `kid`, if it has one.
        kid: Option<String>,
        /// Why no key was chosen.
        detail: String,
    },
    /// The signature does not verify with the provider's key.
    #[error("ID token signature is invalid")]
    BadSignature,
    /// `aud` does not contain this authority's client id.
    #[error("ID token audience does not include this authority's client id")]
    WrongAudience,
    /// `azp` is present and is not this authority's client id.
    #[error("ID token authorized party (azp) is not this authority's client id")]
    WrongAuthorizedParty,
    /// `exp` is at or before `now - leeway`.
    #[error("ID token expired at {exp} (now {now}, leeway {leeway} s)")]
    Expired {
        /// The token's `exp`.
        exp: u64,
        /// The caller's clock.
        now: u64,
        /// The leeway.
        leeway: u64,
    },
    /// `iat` is after `now + leeway`.
    #[error("ID token issued in the future at {iat} (now {now}, leeway {leeway} s)")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The caller's clock.
        now: u64,
        /// The leeway.
        leeway: u64,
    },
    /// `nbf` is after `now + leeway`.
    #[error("ID token not valid before {nbf} (now {now}, leeway {leeway} s)")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The caller's clock.
        now: u64,
        /// The leeway.
        leeway: u64,
    },
    /// A required registered claim (`iss`, `aud`, `exp`, `iat`) is absent.
    #[error("ID token has no {claim} claim")]
    MissingClaim {
        /// The claim.
        claim: &'static str,
    },
    /// A claim has the wrong type or an impossible value.
    #[error("ID token claim {claim} is invalid: {reason}")]
    InvalidClaim {
        /// The claim.
        claim: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The configured subject claim is absent, empty, too long or not a string.
    #[error("ID token subject claim {claim:?} is missing or not a non-empty string")]
    MissingSubject {
        /// The configured subject claim.
        claim: String,
    },
}

impl OidcError {
    /// Whether the presented token is at fault (as opposed to the
    /// configuration or the provider's key endpoint).
    pub fn is_token_error(&self) -> bool {
        !matches!(
            self,
            OidcError::Config(_)
                | OidcError::JwksRead { .. }
                | OidcError::JwksMalformed { .. }
                | OidcError::JwksFetch { .. }
        )
    }
}

/// What a verified ID token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The provider (`iss`).
    pub issuer: String,
    /// The person's identifier at that provider (the configured subject claim).
    pub subject: String,
    /// The `nonce` claim, unchecked: the caller must match and consume it.
    pub nonce: Option<String>,
    /// `exp`, seconds since the Unix epoch.
    pub expires_at: u64,
}

/// Verifies ID tokens from the configured providers.
///
/// Cheap to clone (the state is behind an `Arc`), so it can sit in axum state.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    providers: Vec<Provider>,
    leeway: u64,
    http: Option<reqwest::Client>,
}

struct Provider {
    issuer: String,
    audience: String,
    algorithms: Vec<Alg>,
    subject_claim: String,
    keys: KeyStore,
}

enum KeyStore {
    Static(Arc<Vec<VerificationKey>>),
    Remote {
        url: reqwest::Url,
        state: tokio::sync::Mutex<RemoteKeys>,
    },
}

struct RemoteKeys {
    keys: Arc<Vec<VerificationKey>>,
    /// The caller's clock at the last fetch attempt, successful or not.
    last_attempt: Option<u64>,
}

#[derive(Clone)]
struct VerificationKey {
    kid: Option<String>,
    kind: KeyKind,
    /// The JWK's own `alg`, if it has one (one of ours, else it was skipped).
    alg: Option<Alg>,
    key: DecodingKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    Rs256,
    Es256,
    EdDsa,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    EcP256,
    Ed25519,
}

impl Alg {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            "EdDSA" => Some(Alg::EdDsa),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Alg::Rs256 => jsonwebtoken::Algorithm::RS256,
            Alg::Es256 => jsonwebtoken::Algorithm::ES256,
            Alg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        }
    }

    fn key_kind(self) -> KeyKind {
        match self {
            Alg::Rs256 => KeyKind::Rsa,
            Alg::Es256 => KeyKind::EcP256,
            Alg::EdDsa => KeyKind::Ed25519,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "issuers",
                &self
                    .inner
                    .providers
                    .iter()
                    .map(|p| p.issuer.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("leeway_secs", &self.inner.leeway)
            .finish()
    }
}

impl Verifier {
    /// Checks the provider configurations, reads every file JWKS and prepares
    /// (but does not yet fetch) every URL JWKS.
    ///
    /// `leeway_secs` (at most [`MAX_LEEWAY_SECS`]) is the clock skew allowed
    /// on `exp`, `iat` and `nbf`.
    pub async fn new(providers: Vec<ProviderConfig>, leeway_secs: u64) -> Result<Self, OidcError> {
        if providers.is_empty() {
            return Err(OidcError::Config(
                "no identity provider is configured".to_owned(),
            ));
        }
        if leeway_secs > MAX_LEEWAY_SECS {
            return Err(OidcError::Config(format!(
                "leeway of {leeway_secs} s is over the limit of {MAX_LEEWAY_SECS} s"
            )));
        }
        let mut issuers = HashSet::new();
        let mut built = Vec::with_capacity(providers.len());
        let mut http = None;
        for config in providers {
            if !issuers.insert(config.issuer.clone()) {
                return Err(OidcError::Config(format!(
                    "issuer {:?} is configured twice",
                    config.issuer
                )));
            }
            let provider = build_provider(config).await?;
            if matches!(provider.keys, KeyStore::Remote { .. }) && http.is_none() {
                http = Some(http_client()?);
            }
            built.push(provider);
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                providers: built,
                leeway: leeway_secs,
                http,
            }),
        })
    }

    /// The configured issuers, in configuration order.
    pub fn issuers(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.providers.iter().map(|p| p.issuer.as_str())
    }

    /// Verifies `id_token` against the configured providers at time
    /// `now_unix` (seconds since the Unix epoch, from the caller's clock).
    ///
    /// The returned nonce has not been checked: the caller must.
    pub async fn verify(&self, id_token: &str, now_unix: u64) -> Result<VerifiedToken, OidcError> {
        // 1. Shape.
        let (header_b64, payload_b64) = split_token(id_token)?;
        // 2. Algorithm, before anything else is trusted or looked up.
        let header = parse_header(header_b64)?;
        let alg = Alg::parse(&header.alg).ok_or_else(|| OidcError::AlgorithmRefused {
            alg: excerpt(&header.alg),
        })?;
        if header.crit.is_some() {
            return Err(OidcError::Malformed {
                reason: "the header has critical extensions (crit), none of which are supported",
            });
        }
        // 3. Issuer (unverified, to choose the provider and so the keys).
        let unverified = parse_claims(payload_b64)?;
        let issuer = match unverified.get("iss") {
            None => return Err(OidcError::MissingClaim { claim: "iss" }),
            Some(Value::String(iss)) => iss,
            Some(_) => {
                return Err(OidcError::InvalidClaim {
                    claim: "iss".to_owned(),
                    reason: "not a string",
                })
            }
        };
        let provider = self
            .inner
            .providers
            .iter()
            .find(|p| p.issuer == *issuer)
            .ok_or_else(|| OidcError::UnknownIssuer {
                issuer: excerpt(issuer),
            })?;
        // 4. The provider's allow-list.
        if !provider.algorithms.contains(&alg) {
            return Err(OidcError::AlgorithmNotAllowed {
                alg: alg.name().to_owned(),
                issuer: provider.issuer.clone(),
            });
        }
        // 5. The key.
        let key = provider
            .key_for(
                header.kid.as_deref(),
                alg,
                now_unix,
                self.inner.http.as_ref(),
            )
            .await?;
        // 6. The signature; jsonwebtoken's own claim checks are all off.
        let mut validation = Validation::new(alg.jwt());
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let claims = match jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, &validation) {
            Ok(data) => data.claims,
            Err(e) => {
                tracing::debug!(issuer = %provider.issuer, error = ?e.kind(), "ID token signature refused");
                return Err(OidcError::BadSignature);
            }
        };
        // The signed claims are the ones parsed above; re-read them anyway.
        if claims.get("iss").and_then(Value::as_str) != Some(provider.issuer.as_str()) {
            return Err(OidcError::BadSignature);
        }
        // 7. Audience.
        check_audience(&claims, &provider.audience)?;
        // 8. Times.
        let leeway = self.inner.leeway;
        let exp = time_claim(&claims, "exp")?.ok_or(OidcError::MissingClaim { claim: "exp" })?;
        if exp.saturating_add(leeway) <= now_unix {
            return Err(OidcError::Expired {
                exp,
                now: now_unix,
                leeway,
            });
        }
        let iat = time_claim(&claims, "iat")?.ok_or(OidcError::MissingClaim { claim: "iat" })?;
        if iat > now_unix.saturating_add(leeway) {
            return Err(OidcError::IssuedInFuture {
                iat,
                now: now_unix,
                leeway,
            });
        }
        if let Some(nbf) = time_claim(&claims, "nbf")? {
            if nbf > now_unix.saturating_add(leeway) {
                return Err(OidcError::NotYetValid {
                    nbf,
                    now: now_unix,
                    leeway,
                });
            }
        }
        // 9. Subject.
        let subject = match claims.get(&provider.subject_claim) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SUBJECT_BYTES => s.clone(),
            _ => {
                return Err(OidcError::MissingSubject {
                    claim: provider.subject_claim.clone(),
                })
            }
        };
        let nonce = match claims.get("nonce") {
            None => None,
            Some(Value::String(n)) => Some(n.clone()),
            Some(_) => {
                return Err(OidcError::InvalidClaim {
                    claim: "nonce".to_owned(),
                    reason: "not a string",
                })
            }
        };
        Ok(VerifiedToken {
            issuer: provider.issuer.clone(),
            subject,
            nonce,
            expires_at: exp,
        })
    }
}

impl Provider {
    /// Chooses the key for a token with header `kid` and `alg`, fetching a
    /// URL JWKS on first use and again (rate-limited) on a miss.
    async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Alg,
        now: u64,
        http: Option<&reqwest::Client>,
    ) -> Result<DecodingKey, OidcError> {
        match &self.keys {
            KeyStore::Static(keys) => select_key(keys, kid, alg)
                .map(|k| k.key.clone())
                .map_err(|detail| self.unknown_key(kid, detail)),
            KeyStore::Remote { url, state } => {
                let client = http
                    .ok_or_else(|| OidcError::Config("no HTTP client for a JWKS URL".to_owned()))?;
                let mut state = state.lock().await;
                if let Some(last) = state.last_attempt {
                    match select_key(&state.keys, kid, alg) {
                        Ok(k) => return Ok(k.key.clone()),
                        Err(detail) => {
                            if now.abs_diff(last) < JWKS_REFETCH_INTERVAL_SECS {
                                return Err(self.unknown_key(kid, detail));
                            }
                        }
                    }
                }
                state.last_attempt = Some(now);
                let keys = fetch_jwks(client, url).await?;
                tracing::info!(issuer = %self.issuer, keys = keys.len(), "fetched identity provider JWKS");
                state.keys = Arc::new(keys);
                select_key(&state.keys, kid, alg)
                    .map(|k| k.key.clone())
                    .map_err(|detail| self.unknown_key(kid, detail))
            }
        }
    }

    fn unknown_key(&self, kid: Option<&str>, detail: String) -> OidcError {
        OidcError::UnknownKey {
            issuer: self.issuer.clone(),
            kid: kid.map(excerpt),
            detail,
        }
    }
}

/// The key for `kid` and `alg`, or why there is none.
fn select_key<'a>(
    keys: &'a [VerificationKey],
    kid: Option<&str>,
    alg: Alg,
) -> Result<&'a VerificationKey, String> {
    let fits = |k: &&VerificationKey| k.kind == alg.key_kind() && k.alg.is_none_or(|a| a == alg);
    match kid {
        Some(kid) => keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .find(fits)
            .ok_or_else(|| format!("no {alg} key with this kid")),
        None => {
            let mut candidates = keys.iter().filter(fits);
            match (candidates.next(), candidates.next()) {
                (Some(only), None) => Ok(only),
                (None, _) => Err(format!("the token has no kid and there is no {alg} key")),
                (Some(_), Some(_)) => Err(format!(
                    "the token has no kid and there are several {alg} keys"
                )),
            }
        }
    }
}

async fn build_provider(config: ProviderConfig) -> Result<Provider, OidcError> {
    let ProviderConfig {
        issuer,
        audience,
        jwks,
        algorithms,
        subject_claim,
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
        keys,
    })
}

async fn read_jwks_file(path: &std::path::Path) -> Result<Vec<u8>, OidcError> {
    let read_err = |source| OidcError::JwksRead {
        path: path.to_owned(),
        source,
    };
    let metadata = tokio::fs::metadata(path).await.map_err(read_err)?;
    if metadata.len() > MAX_JWKS_BYTES as u64 {
        return Err(OidcError::JwksMalformed {
            origin: path.display().to_string(),
            reason: format!(
                "{} bytes, over the limit of {MAX_JWKS_BYTES}",
                metadata.len()
            ),
        });
    }
    tokio::fs::read(path).await.map_err(read_err)
}

fn check_jwks_url(issuer: &str, url: &str) -> Result<reqwest::Url, OidcError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        OidcError::Config(format!(
            "issuer {issuer:?}: JWKS URL {url:?} is invalid: {e}"
        ))
    })?;
    let loopback = parsed.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(OidcError::Config(format!(
            "issuer {issuer:?}: JWKS URL {url:?} must be https (http only to a loopback address)"
        ))),
    }
}

fn http_client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .timeout(JWKS_FETCH_TIMEOUT)
        .connect_timeout(JWKS_FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("alc-issuer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::Config(format!("cannot build the HTTP client for JWKS URLs: {e}")))
}

async fn fetch_jwks(
    client: &reqwest::Client,
    url: &reqwest::Url,
) -> Result<Vec<VerificationKey>, OidcError> {
    let fetch_err = |reason: String| OidcError::JwksFetch {
        url: url.to_string(),
        reason,
    };
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fetch_err(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fetch_err(format!("HTTP status {}", response.status())));
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
    {
        return Err(fetch_err(format!(
            "the body is over the limit of {MAX_JWKS_BYTES} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fetch_err(e.to_string()))?
    {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(fetch_err(format!(
                "the body is over the limit of {MAX_JWKS_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    parse_jwks(&body).map_err(|reason| OidcError::JwksMalformed {
        origin: url.to_string(),
        reason,
    })
}

/// Parses a JWKS document, keeping the signature keys this module can use.
/// Keys it cannot use (encryption keys, symmetric keys, other curves, short
/// RSA moduli, unknown types) are skipped; a set with none left is an error.
fn parse_jwks(bytes: &[u8]) -> Result<Vec<VerificationKey>, String> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<Value>,
    }
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(format!("over the limit of {MAX_JWKS_BYTES} bytes"));
    }
    let set: RawSet =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS document: {e}"))?;
    if set.keys.len() > MAX_JWKS_KEYS {
        return Err(format!(
            "{} keys, over the limit of {MAX_JWKS_KEYS}",
            set.keys.len()
        ));
    }
    let total = set.keys.len();
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for (i, raw) in set.keys.into_iter().enumerate() {
        match verification_key(raw) {
            Ok(key) => keys.push(key),
            Err(why) => {
                tracing::debug!(index = i, reason = %why, "skipping a JWKS key");
                skipped.push(format!("key {i}: {why}"));
            }
        }
    }
    if keys.is_empty() {
        return Err(if total == 0 {
            "the key set is empty".to_owned()
        } else {
            format!("no usable signature key ({})", skipped.join("; "))
        });
    }
    Ok(keys)
}

fn verification_key(raw: Value) -> Result<VerificationKey, String> {
    let jwk: Jwk = serde_json::from_value(raw).map_err(|e| format!("not a supported JWK: {e}"))?;
    match &jwk.common.public_key_use {
        None | Some(PublicKeyUse::Signature) => {}
        Some(_) => return Err("not a signature key (use)".to_owned()),
    }
    if let Some(ops) = &jwk.common.key_operations {
        if !ops.iter().any(|op| matches!(op, KeyOperations::Verify)) {
            return Err("not a verification key (key_ops)".to_owned());
        }
    }
    let alg = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::RS256) => Some(Alg::Rs256),
        Some(KeyAlgorithm::ES256) => Some(Alg::Es256),
        Some(KeyAlgorithm::EdDSA) => Some(Alg::EdDsa),
        Some(other) => return Err(format!("algorithm {other} is not supported")),
    };
    let b64 = |field: &str, value: &str| {
        URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| format!("{field} is not base64url"))
    };
    let (kind, key) = match &jwk.algorithm {
        AlgorithmParameters::RSA(p) => {
            let n = b64("n", &p.n)?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            if significant * 8 < MIN_RSA_BITS {
                return Err(format!("RSA modulus shorter than {MIN_RSA_BITS} bits"));
            }
            let e = b64("e", &p.e)?;
            if e.is_empty() || e.len() > 8 {
                return Err("RSA exponent out of range".to_owned());
            }
            (KeyKind::Rsa, DecodingKey::from_rsa_raw_components(&n, &e))
        }
        AlgorithmParameters::EllipticCurve(p) => {
            if p.curve != EllipticCurve::P256 {
                return Err("EC curve other than P-256".to_owned());
            }
            if b64("x", &p.x)?.len() != 32 || b64("y", &p.y)?.len() != 32 {
                return Err("P-256 coordinates are not 32 bytes".to_owned());
            }
            let key = DecodingKey::from_ec_components(&p.x, &p.y)
                .map_err(|_| "invalid EC coordinates".to_owned())?;
            (KeyKind::EcP256, key)
        }
        AlgorithmParameters::OctetKeyPair(p) => {
            if p.curve != EllipticCurve::Ed25519 {
                return Err("OKP curve other than Ed25519".to_owned());
            }
            let x: [u8; 32] = b64("x", &p.x)?
                .try_into()
                .map_err(|_| "Ed25519 key is not 32 bytes".to_owned())?;
            ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|_| "Ed25519 key is not a valid point".to_owned())?;
            (
                KeyKind::Ed25519,
                DecodingKey::from_ed_components(&p.x)
                    .map_err(|_| "invalid Ed25519 key".to_owned())?,
            )
        }
        AlgorithmParameters::OctetKey(_) => {
            return Err("symmetric (oct) keys are never accepted".to_owned())
        }
    };
    if alg.is_some_and(|a| a.key_kind() != kind) {
        return Err("the key's alg does not match its type".to_owned());
    }
    Ok(VerificationKey {
        kid: jwk.common.key_id.clone(),
        kind,
        alg,
        key,
    })
}

#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// Checks the compact-JWS shape; returns the header and payload parts.
/// The signature part may be empty here (an `alg: none` token is then
/// refused for its algorithm, which says more than "malformed").
fn split_token(token: &str) -> Result<(&str, &str), OidcError> {
    if token.len() > MAX_ID_TOKEN_BYTES {
        return Err(OidcError::TooLarge {
            len: token.len(),
            max: MAX_ID_TOKEN_BYTES,
        });
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::Malformed {
            reason: "not three dot-separated parts",
        });
    };
    if header.is_empty() || payload.is_empty() {
        return Err(OidcError::Malformed {
            reason: "empty header or payload",
        });
    }
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !(base64url(header) && base64url(payload) && base64url(signature)) {
        return Err(OidcError::Malformed {
            reason: "a part is not unpadded base64url",
        });
    }
    Ok((header, payload))
}

fn parse_header(part: &str) -> Result<JoseHeader, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| OidcError::Malformed {
            reason: "the header is not base64url",
        })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| OidcError::Malformed {
        reason: "the header is not JSON",
    })?;
    if !value.is_object() {
        return Err(OidcError::Malformed {
            reason: "the header is not a JSON object",
        });
    }
    serde_json::from_value(value).map_err(|_| OidcError::Malformed {
        reason: "the header has no string alg, or a kid that is not a string",
    })
}

fn parse_claims(part: &str) -> Result<Map<String, Value>, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| OidcError::Malformed {
            reason: "the payload is not base64url",
        })?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(claims)) => Ok(claims),
        _ => Err(OidcError::Malformed {
            reason: "the payload is not a JSON object",
        }),
    }
}

fn check_audience(claims: &Map<String, Value>, audience: &str) -> Result<(), OidcError> {
    let invalid = || OidcError::InvalidClaim {
        claim: "aud".to_owned(),
        reason: "not a string or an array of strings",
    };
    let contains = match claims.get("aud") {
        None => return Err(OidcError::MissingClaim { claim: "aud" }),
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => {
            let mut found = false;
            for aud in auds {
                found |= aud.as_str().ok_or_else(invalid)? == audience;
            }
            found
        }
        Some(_) => return Err(invalid()),
    };
    if !contains {
        return Err(OidcError::WrongAudience);
    }
    match claims.get("azp") {
        None => Ok(()),
        Some(Value::String(azp)) if azp == audience => Ok(()),
        Some(_) => Err(OidcError::WrongAuthorizedParty),
    }
}

/// A NumericDate claim as whole seconds (fractions are truncated).
fn time_claim(claims: &Map<String, Value>, claim: &'static str) -> Result<Option<u64>, OidcError> {
    let invalid = |reason| OidcError::InvalidClaim {
        claim: claim.to_owned(),
        reason,
    };
    match claims.get(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(secs) = n.as_u64() {
                return Ok(Some(secs));
            }
            match n.as_f64() {
                Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => {
                    // Truncation to whole seconds is the intent.
                    Ok(Some(f as u64))
                }
                _ => Err(invalid("not a non-negative number of seconds")),
            }
        }
        Some(_) => Err(invalid("not a number")),
    }
}

/// A short, printable excerpt of an untrusted string for error messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use alc_devkit::idp::DevIdp;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const NOW: u64 = 1_700_000_000;
    const LEEWAY: u64 = 30;
    const AUD: &str = "alc-authority";
    const DEV_ISS: &str = "https://dev-idp.example";
    const KYC_ISS: &str = "https://kyc.example";

    // Test-only keys, generated with `openssl genpkey` for these tests and
    // used nowhere else (no RSA/EC key generation is available without new
    // crates). The JWK components below are the public halves.
    const RSA_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKcJl1ZROXEtBf
uNFyJDOJmmf2+OEyqy90S1R1qe2Y556/FQm1eCP5F9U1QoIcunYACKT+CBrwUJD6
+nnbpdqUoeHlB+u4VHtf6SxB4ny4jeaPDg0C3rjkWZobYWX8DNwGFRW3gt0zw4vK
Bs+wZkPkLQc0GLwKLsxKbmkngE3jCHlGe4Sbmu16n3am793QovPSF4sL8Si4nVSf
PyASbxrVznIPX3mRDpgtPuR+nE0PUreYmDLPtnLB2ORiSijMIu9ha7lEmMVp4wQN
pykL3jLPgTqVm6SBl0Llz7lK3JXMBqkQmwIfbvWW/mqfiItvPf8rFQ1XgHuszMNC
fwiEkCbVAgMBAAECggEAU9qZTk3cc/8IjiXlp/SD3pM1TlFgItdS1EahyQ1mzCfh
E0B5IZCOwg7Ts3iFobXAzBnIkis0UWfl7fgTwt5r8JYvlmmWA+gGpL9WpEHXLLEm
mAoXbKFqD7hnw8Cv+FwxRVm1gaq0yszMmhYBMI3jwF/AdJ1sQoGJAKnEZ+bXHFt3
4+G6ryVG6yvBBbdrG3qmmtpjn0H8uOqhs3VixE0mziHO+8OdddS6N5GL+cQ9B9vM
k1T6H3Lq18CVjkJEgAAueZlk1Z0hOQWT+KVBdvapMBLwfqkpLTkGResmLEbeDYhT
S3WDnHv/oPEyGy31Bx+V38NboDrQOOPK/se5ohTEbwKBgQD/Drgye6szFcfq10Kr
60FcwcqjejfkLu7iAP7ylF286g3MXLTTpmcIJ2lJKysuPvEJfQzy52CplAfP5DOI
AgcR/nNLFlasW0iAQAwuFxnGMin9NqvhtlPwInG05a7ycIcNp0GynUhh+vzXgXAy
wx6EP6DYyVHWJgDYSM7fnUihrwKBgQDLMBq8BgzzuKXFaDs1KO2YsLvRxj6rS89+
wkOlXAGeBB1bByuzKEQGciTOizJTaSA+aLT9FvtVDqU/8IDaeOEOvgHXrD4oVS1d
H2M8lssDv0/x2hmGS3/Lk0+k/oFfGNdo3fh78uJjwElF3GOIRWb3d6Ii/ZjjkkXq
CU16Ih20uwKBgQDOprNxG6gDNPOMf6piNrL3n4A6Yezk8W3VKW9nRfSI+q4BVV+h
WGKERcJVaSeMSazrvij+qZ805l5J/yANY28tEheBz/Cbpz4fw0TbFxZn8f75TRGI
SDzMBGxSYAIWJjwWQNzHBg4+bKftR8+LIXIZPqBo5PxsYNAwbRVIMlxFuwKBgQCw
n8NNmJDft63aOS3mmwpWhaLuyj6l1sOrM6Fr99usCXWfME+LcEAZvlVCefuoSCTw
O0LBEp4tpQp+10ibISK6Fu8xFJf/pXNGlMdF3urg+ge7e9ReSfjv9MDx8w5wpP5z
OSkMTej/vyGyqc6XoYTNL2BwvDOP9xHxTF7eARQDiwKBgBe/sJAZArNpPRJ0rPnZ
v+qQrXPhdSXg18/z1L3aGvs5tm7SqVXIi3J5adhpSWc4CBJVTB4aOCUL8grCF11s
x/G0QzPqHqY8xul47JW5UpA62XyrjX5c1BQVba14IKSlDiMMduiFUvLBXuwIktsg
ebPU4YANF4EfFdt5UOqgO2yB
-----END PRIVATE KEY-----
";
    const RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAynCZdWUTlxLQX7jRciQz
iZpn9vjhMqsvdEtUdantmOeevxUJtXgj+RfVNUKCHLp2AAik/gga8FCQ+vp526Xa
lKHh5QfruFR7X+ksQeJ8uI3mjw4NAt645FmaG2Fl/AzcBhUVt4LdM8OLygbPsGZD
5C0HNBi8Ci7MSm5pJ4BN4wh5RnuEm5rtep92pu/d0KLz0heLC/EouJ1Unz8gEm8a
1c5yD195kQ6YLT7kfpxND1K3mJgyz7ZywdjkYkoozCLvYWu5RJjFaeMEDacpC94y
z4E6lZukgZdC5c+5StyVzAapEJsCH271lv5qn4iLbz3/KxUNV4B7rMzDQn8IhJAm
1QIDAQAB
-----END PUBLIC KEY-----
";
    const RSA_N: &str = "ynCZdWUTlxLQX7jRciQziZpn9vjhMqsvdEtUdantmOeevxUJtXgj-RfVNUKCHLp2AAik_gga8FCQ-vp526XalKHh5QfruFR7X-ksQeJ8uI3mjw4NAt645FmaG2Fl_AzcBhUVt4LdM8OLygbPsGZD5C0HNBi8Ci7MSm5pJ4BN4wh5RnuEm5rtep92pu_d0KLz0heLC_EouJ1Unz8gEm8a1c5yD195kQ6YLT7kfpxND1K3mJgyz7ZywdjkYkoozCLvYWu5RJjFaeMEDacpC94yz4E6lZukgZdC5c-5StyVzAapEJsCH271lv5qn4iLbz3_KxUNV4B7rMzDQn8IhJAm1Q";
    const RSA_E: &str = "AQAB";
    const EC_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguQWeLcyCL26DPU4Q
d0F0nQbfTrbqKNMh6z+OLbDenROhRANCAATy9K89kKqiucgYvY+tH/I3IbCWTuzB
hoZX9+kjfFLFs/bl/bpIjLeNE5ACTsafp17YMvGChH53h2IIRnv6hAcI
-----END PRIVATE KEY-----
";
    const EC_X: &str = "8vSvPZCqornIGL2PrR_yNyGwlk7swYaGV_fpI3xSxbM";
    const EC_Y: &str = "9uX9ukiMt40TkAJOxp-nXtgy8YKEfneHYghGe_qEBwg";

    fn rsa_jwk(kid: &str) -> Value {
        json!({"kty": "RSA", "n": RSA_N, "e": RSA_E, "kid": kid, "alg": "RS256", "use": "sig"})
    }

    fn ec_jwk(kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y, "kid": kid, "use": "sig"})
    }

    use serde_json::json;

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn claims(iss: &str) -> Value {
        json!({
            "iss": iss,
            "sub": "person-123",
            "aud": AUD,
            "iat": NOW,
            "exp": NOW + 600,
            "nonce": "nonce-abc",
        })
    }

    fn with(mut claims: Value, key: &str, value: Value) -> Value {
        claims
            .as_object_mut()
            .unwrap()
            .insert(key.to_owned(), value);
        claims
    }

    fn without(mut claims: Value, key: &str) -> Value {
        claims.as_object_mut().unwrap().remove(key);
        claims
    }

    fn sign_rs256(claims: &Value, kid: Option<&str>) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    fn sign_es256(claims: &Value, kid: Option<&str>) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let key = jsonwebtoken::EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    fn sign_hs256(claims: &Value, kid: Option<&str>, secret: &[u8]) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    /// An EdDSA token with any header, signed by `key`.
    fn sign_eddsa_raw(key: &ed25519_dalek::SigningKey, header: &Value, claims: &Value) -> String {
        use ed25519_dalek::Signer as _;
        let input = format!("{}.{}", b64(header), b64(claims));
        let sig = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    fn random_ed25519() -> ed25519_dalek::SigningKey {
        use rand::RngCore as _;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        ed25519_dalek::SigningKey::from_bytes(&seed)
    }

    fn provider(issuer: &str, jwks: JwksSource) -> ProviderConfig {
        ProviderConfig {
            issuer: issuer.to_owned(),
            audience: AUD.to_owned(),
            jwks,
            algorithms: default_algorithms(),
            subject_claim: default_subject_claim(),
        }
    }

    fn write_jwks(dir: &tempfile::TempDir, name: &str, jwks: &Value) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, jwks.to_string()).unwrap();
        path
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        idp: DevIdp,
        verifier: Verifier,
    }

    /// A verifier trusting a DevIdp (EdDSA) and a "KYC" provider with an RSA
    /// and an EC key, both from JWKS files.
    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate(DEV_ISS.to_owned());
        let dev = write_jwks(&dir, "dev.json", &idp.jwks());
        let kyc = write_jwks(
            &dir,
            "kyc.json",
            &json!({"keys": [rsa_jwk("rsa-1"), ec_jwk("ec-1")]}),
        );
        let verifier = Verifier::new(
            vec![
                provider(DEV_ISS, JwksSource::File(dev)),
                provider(KYC_ISS, JwksSource::File(kyc)),
            ],
            LEEWAY,
        )
        .await
        .unwrap();
        Fixture {
            _dir: dir,
            idp,
            verifier,
        }
    }

    impl Fixture {
        async fn verify(&self, token: &str) -> Result<VerifiedToken, OidcError> {
            self.verifier.verify(token, NOW).await
        }
    }

    // ---- acceptance ----

    #[tokio::test]
    async fn valid_eddsa_token_from_devidp_is_accepted() {
        let f = fixture().await;
        let token = f.idp.mint("person-123", AUD, Some("nonce-abc"), NOW, 600);
        let verified = f.verify(&token).await.unwrap();
        assert_eq!(
            verified,
            VerifiedToken {
                issuer: DEV_ISS.to_owned(),
                subject: "person-123".to_owned(),
                nonce: Some("nonce-abc".to_owned()),
                expires_at: NOW + 600,
            }
        );
        let no_nonce = f.idp.mint("person-123", AUD, None, NOW, 600);
        assert_eq!(f.verify(&no_nonce).await.unwrap().nonce, None);
    }

    #[tokio::test]
    async fn valid_rs256_and_es256_tokens_are_accepted() {
        let f = fixture().await;
        let rs = f
            .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-1")))
            .await
            .unwrap();
        assert_eq!(
            (rs.issuer.as_str(), rs.subject.as_str()),
            (KYC_ISS, "person-123")
        );
        let es = f
            .verify(&sign_es256(&claims(KYC_ISS), Some("ec-1")))
            .await
            .unwrap();
        assert_eq!(es.nonce.as_deref(), Some("nonce-abc"));
    }

    #[tokio::test]
    async fn audience_array_containing_the_client_id_is_accepted() {
        let f = fixture().await;
        let c = with(claims(DEV_ISS), "aud", json!(["other", AUD]));
        assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
        let c = with(c, "azp", json!(AUD));
        assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
    }

    #[tokio::test]
    async fn token_without_kid_uses_the_only_key_of_its_type() {
        let f = fixture().await;
        // The KYC JWKS has one RSA key and one EC key: each is "the only one".
        assert!(f.verify(&sign_rs256(&claims(KYC_ISS), None)).await.is_ok());
        assert!(f.verify(&sign_es256(&claims(KYC_ISS), None)).await.is_ok());
    }

    #[tokio::test]
    async fn token_without_kid_is_refused_when_several_keys_fit() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_jwks(
            &dir,
            "two.json",
            &json!({"keys": [rsa_jwk("a"), rsa_jwk("b")]}),
        );
        let v = Verifier::new(vec![provider(KYC_ISS, JwksSource::File(path))], LEEWAY)
            .await
            .unwrap();
        let err = v
            .verify(&sign_rs256(&claims(KYC_ISS), None), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(err, OidcError::UnknownKey { kid: None, .. }),
            "{err:?}"
        );
        // Twin: with a kid it is found.
        assert!(v
            .verify(&sign_rs256(&claims(KYC_ISS), Some("b")), NOW)
            .await
            .is_ok());
    }

    // ---- algorithm refusals ----

    #[tokio::test]
    async fn alg_none_is_refused() {
        let f = fixture().await;
        for alg in ["none", "None", "NONE"] {
            let token = format!(
                "{}.{}.",
                b64(&json!({"alg": alg, "typ": "JWT"})),
                b64(&claims(DEV_ISS))
            );
            let err = f.verify(&token).await.unwrap_err();
            assert!(
                matches!(&err, OidcError::AlgorithmRefused { alg: a } if a == alg),
                "{err:?}"
            );
            assert!(err.is_token_error());
        }
        // Even with a (meaningless) signature part.
        let token = format!(
            "{}.{}.AAAA",
            b64(&json!({"alg": "none"})),
            b64(&claims(DEV_ISS))
        );
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::AlgorithmRefused { .. })
        ));
    }

    #[tokio::test]
    async fn hs256_signed_with_the_public_key_is_refused() {
        let f = fixture().await;
        // The classic confusion attack: HMAC keyed with the provider's public key.
        let c = claims(KYC_ISS);
        for secret in [
            RSA_PUBLIC_PEM.as_bytes().to_vec(),
            rsa_jwk("rsa-1").to_string().into_bytes(),
            URL_SAFE_NO_PAD.decode(RSA_N).unwrap(),
        ] {
            let err = f
                .verify(&sign_hs256(&c, Some("rsa-1"), &secret))
                .await
                .unwrap_err();
            assert!(
                matches!(&err, OidcError::AlgorithmRefused { alg } if alg == "HS256"),
                "{err:?}"
            );
        }
        let ed_public = f.idp.jwks()["keys"][0]["x"].as_str().unwrap().to_owned();
        let token = sign_hs256(&claims(DEV_ISS), Some(&f.idp.kid()), ed_public.as_bytes());
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::AlgorithmRefused { .. })
        ));
        // HS384/HS512 too, and before the issuer is even looked up.
        for alg in [
            jsonwebtoken::Algorithm::HS384,
            jsonwebtoken::Algorithm::HS512,
        ] {
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::new(alg),
                &claims("https://unknown.example"),
                &jsonwebtoken::EncodingKey::from_secret(b"k"),
            )
            .unwrap();
            assert!(matches!(
                f.verify(&token).await,
                Err(OidcError::AlgorithmRefused { .. })
            ));
        }
    }

    #[tokio::test]
    async fn unsupported_algorithm_is_refused_before_the_issuer() {
        let f = fixture().await;
        let token = format!(
            "{}.{}.AAAA",
            b64(&json!({"alg": "PS256", "kid": "rsa-1"})),
            b64(&claims("https://unknown.example"))
        );
        assert!(
            matches!(f.verify(&token).await, Err(OidcError::AlgorithmRefused { alg }) if alg == "PS256")
        );
    }

    #[tokio::test]
    async fn algorithm_outside_the_provider_allow_list_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate(DEV_ISS.to_owned());
        let mut jwks = idp.jwks();
        jwks["keys"].as_array_mut().unwrap().push(rsa_jwk("rsa-1"));
        let path = write_jwks(&dir, "mixed.json", &jwks);
        let mut config = provider(DEV_ISS, JwksSource::File(path));
        config.algorithms = vec!["RS256".to_owned()];
        let v = Verifier::new(vec![config], LEEWAY).await.unwrap();
        let err = v
            .verify(&idp.mint("p", AUD, None, NOW, 600), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::AlgorithmNotAllowed { alg, .. } if alg == "EdDSA"),
            "{err:?}"
        );
        // Twin: the allowed algorithm passes.
        assert!(v
            .verify(&sign_rs256(&claims(DEV_ISS), Some("rsa-1")), NOW)
            .await
            .is_ok());
    }

    // ---- issuer, key and signature ----

    #[tokio::test]
    async fn unknown_issuer_is_refused() {
        let f = fixture().await;
        let other = DevIdp::generate("https://evil.example".to_owned());
        let err = f
            .verify(&other.mint("p", AUD, None, NOW, 600))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::UnknownIssuer { issuer } if issuer == "https://evil.example"),
            "{err:?}"
        );
        // A near miss (trailing slash) is a different issuer.
        let c = claims(&format!("{DEV_ISS}/"));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::UnknownIssuer { .. })
        ));
        let c = without(claims(DEV_ISS), "iss");
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::MissingClaim { claim: "iss" })
        ));
    }

    #[tokio::test]
    async fn unknown_kid_is_refused() {
        let f = fixture().await;
        let err = f
            .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-2")))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::UnknownKey { kid: Some(k), .. } if k == "rsa-2"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn kid_of_a_key_of_another_type_is_refused() {
        let f = fixture().await;
        // An ES256 token naming the RSA key.
        let err = f
            .verify(&sign_es256(&claims(KYC_ISS), Some("rsa-1")))
            .await
            .unwrap_err();
        assert!(matches!(err, OidcError::UnknownKey { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn key_embedded_in_the_header_is_ignored() {
        let f = fixture().await;
        let attacker = random_ed25519();
        let x = URL_SAFE_NO_PAD.encode(attacker.verifying_key().as_bytes());
        let header = json!({"alg": "EdDSA", "kid": "attacker",
            "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "attacker"}});
        let token = sign_eddsa_raw(&attacker, &header, &claims(DEV_ISS));
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::UnknownKey { .. })
        ));
    }

    #[tokio::test]
    async fn signature_from_another_key_is_refused() {
        let f = fixture().await;
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": f.idp.kid()});
        let forged = sign_eddsa_raw(&random_ed25519(), &header, &claims(DEV_ISS));
        assert!(matches!(
            f.verify(&forged).await,
            Err(OidcError::BadSignature)
        ));
        // Twin: the same header and claims signed by the provider pass.
        assert!(f.verify(&f.idp.sign_claims(&claims(DEV_ISS))).await.is_ok());
    }

    #[tokio::test]
    async fn tampered_payload_is_refused() {
        let f = fixture().await;
        for token in [
            f.idp.mint("person-123", AUD, None, NOW, 600),
            sign_rs256(&claims(KYC_ISS), Some("rsa-1")),
            sign_es256(&claims(KYC_ISS), Some("ec-1")),
        ] {
            let parts: Vec<&str> = token.split('.').collect();
            let mut c = parse_claims(parts[1]).unwrap();
            c.insert("sub".to_owned(), json!("someone-else"));
            let tampered = format!("{}.{}.{}", parts[0], b64(&Value::Object(c)), parts[2]);
            assert!(matches!(
                f.verify(&tampered).await,
                Err(OidcError::BadSignature)
            ));
            assert!(f.verify(&token).await.is_ok());
        }
    }

    // ---- audience ----

    #[tokio::test]
    async fn wrong_audience_is_refused() {
        let f = fixture().await;
        let err = f
            .verify(&f.idp.mint("p", "someone-else", None, NOW, 600))
            .await
            .unwrap_err();
        assert!(matches!(err, OidcError::WrongAudience), "{err:?}");
        let c = with(claims(DEV_ISS), "aud", json!(["a", "b"]));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::WrongAudience)
        ));
        let c = with(claims(DEV_ISS), "aud", json!(42));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::InvalidClaim { .. })
        ));
        let c = without(claims(DEV_ISS), "aud");
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::MissingClaim { claim: "aud" })
        ));
    }

    #[tokio::test]
    async fn wrong_authorized_party_is_refused() {
        let f = fixture().await;
        let c = with(claims(DEV_ISS), "aud", json!([AUD, "other"]));
        let c = with(c, "azp", json!("other"));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::WrongAuthorizedParty)
        ));
    }

    // ---- times ----

    #[tokio::test]
    async fn expiry_leeway_edges() {
        let f = fixture().await;
        // exp = now - leeway + 1: still (just) valid.
        let c = with(claims(DEV_ISS), "exp", json!(NOW - LEEWAY + 1));
        let c = with(c, "iat", json!(NOW - 3600));
        assert_eq!(
            f.verify(&f.idp.sign_claims(&c)).await.unwrap().expires_at,
            NOW - LEEWAY + 1
        );
        // exp = now - leeway: expired.
        let c = with(c, "exp", json!(NOW - LEEWAY));
        let err = f.verify(&f.idp.sign_claims(&c)).await.unwrap_err();
        assert!(
            matches!(err, OidcError::Expired { exp, now: NOW, leeway: LEEWAY } if exp == NOW - LEEWAY),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn expired_beyond_leeway_is_refused() {
        let f = fixture().await;
        let token = f.idp.mint("p", AUD, None, NOW - 7200, 600);
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::Expired { .. })
        ));
        let c = without(claims(DEV_ISS), "exp");
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::MissingClaim { claim: "exp" })
        ));
        let c = with(claims(DEV_ISS), "exp", json!("tomorrow"));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::InvalidClaim { .. })
        ));
        let c = with(claims(DEV_ISS), "exp", json!(-1));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::InvalidClaim { .. })
        ));
        // Fractional NumericDate is fine.
        let c = with(claims(DEV_ISS), "exp", json!((NOW + 10) as f64 + 0.5));
        assert_eq!(
            f.verify(&f.idp.sign_claims(&c)).await.unwrap().expires_at,
            NOW + 10
        );
    }

    #[tokio::test]
    async fn iat_in_the_future_beyond_leeway_is_refused() {
        let f = fixture().await;
        // iat = now + leeway: accepted.
        let c = with(claims(DEV_ISS), "iat", json!(NOW + LEEWAY));
        assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
        // iat = now + leeway + 1: refused.
        let c = with(c, "iat", json!(NOW + LEEWAY + 1));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::IssuedInFuture { .. })
        ));
        let token = f.idp.mint("p", AUD, None, NOW + 3600, 600);
        assert!(matches!(
            f.verify(&token).await,
            Err(OidcError::IssuedInFuture { .. })
        ));
        let c = without(claims(DEV_ISS), "iat");
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::MissingClaim { claim: "iat" })
        ));
    }

    #[tokio::test]
    async fn nbf_in_the_future_beyond_leeway_is_refused() {
        let f = fixture().await;
        let c = with(claims(DEV_ISS), "nbf", json!(NOW + LEEWAY));
        assert!(f.verify(&f.idp.sign_claims(&c)).await.is_ok());
        let c = with(c, "nbf", json!(NOW + LEEWAY + 1));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::NotYetValid { .. })
        ));
    }

    // ---- subject and nonce ----

    #[tokio::test]
    async fn missing_subject_is_refused() {
        let f = fixture().await;
        for c in [
            without(claims(DEV_ISS), "sub"),
            with(claims(DEV_ISS), "sub", json!("")),
            with(claims(DEV_ISS), "sub", json!(123)),
            with(
                claims(DEV_ISS),
                "sub",
                json!("x".repeat(MAX_SUBJECT_BYTES + 1)),
            ),
        ] {
            let err = f.verify(&f.idp.sign_claims(&c)).await.unwrap_err();
            assert!(
                matches!(&err, OidcError::MissingSubject { claim } if claim == "sub"),
                "{err:?}"
            );
        }
    }

    #[tokio::test]
    async fn configured_subject_claim_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate(DEV_ISS.to_owned());
        let path = write_jwks(&dir, "dev.json", &idp.jwks());
        let mut config = provider(DEV_ISS, JwksSource::File(path));
        config.subject_claim = "uid".to_owned();
        let v = Verifier::new(vec![config], LEEWAY).await.unwrap();
        let c = with(claims(DEV_ISS), "uid", json!("kyc-777"));
        assert_eq!(
            v.verify(&idp.sign_claims(&c), NOW).await.unwrap().subject,
            "kyc-777"
        );
        // Twin: `sub` alone does not satisfy a `uid` provider.
        let err = v
            .verify(&idp.sign_claims(&claims(DEV_ISS)), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::MissingSubject { claim } if claim == "uid"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn non_string_nonce_is_refused() {
        let f = fixture().await;
        let c = with(claims(DEV_ISS), "nonce", json!({"n": 1}));
        assert!(matches!(
            f.verify(&f.idp.sign_claims(&c)).await,
            Err(OidcError::InvalidClaim { .. })
        ));
    }

    // ---- shape ----

    #[tokio::test]
    async fn garbage_tokens_are_refused() {
        let f = fixture().await;
        let good = f.idp.mint("p", AUD, None, NOW, 600);
        let parts: Vec<&str> = good.split('.').collect();
        let cases = [
            String::new(),
            "garbage".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            format!("{good}.x"),
            "..".to_owned(),
            "!!!.???.***".to_owned(),
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            format!("YWJj.{}.{}", parts[1], parts[2]), // "abc": not JSON
            format!("e30.{}.{}", parts[1], parts[2]),  // {}: no alg
            format!("{}.{}.{}", b64(&json!([1])), parts[1], parts[2]),
            format!("{}.{}.{}", b64(&json!({"alg": 256})), parts[1], parts[2]),
            format!("{}.{}.{}", parts[0], b64(&json!("claims")), parts[2]),
            format!("{}.Zm9v.{}", parts[0], parts[2]), // "foo"
            format!(
                "{}.{}.{}",
                b64(&json!({"alg": "EdDSA", "crit": ["exp"]})),
                parts[1],
                parts[2]
            ),
        ];
        for token in &cases {
            let err = f.verify(token).await.unwrap_err();
            assert!(
                matches!(err, OidcError::Malformed { .. }),
                "{token:?}: {err:?}"
            );
        }
        let huge = format!(
            "{}.{}.{}",
            parts[0],
            "A".repeat(MAX_ID_TOKEN_BYTES),
            parts[2]
        );
        assert!(matches!(
            f.verify(&huge).await,
            Err(OidcError::TooLarge { .. })
        ));
        assert!(f.verify(&good).await.is_ok());
    }

    #[tokio::test]
    async fn errors_quote_only_short_excerpts() {
        let f = fixture().await;
        let long_iss = format!("https://{}\n.example", "x".repeat(500));
        let token = f.idp.sign_claims(&claims(&long_iss));
        let message = f.verify(&token).await.unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
        assert!(!message.contains('\n'));
        assert!(!message.contains(&token));
    }

    // ---- configuration ----

    #[tokio::test]
    async fn provider_config_from_toml() {
        #[derive(Deserialize)]
        struct File {
            identity_providers: Vec<ProviderConfig>,
        }
        let file: File = toml::from_str(
            r#"
            [[identity_providers]]
            issuer = "https://oidc.example.gov"
            audience = "alc-authority"
            jwks = { url = "https://oidc.example.gov/jwks.json" }

            [[identity_providers]]
            issuer = "https://other.example"
            audience = "alc"
            jwks = { file = "/etc/alc/other.json" }
            algorithms = ["ES256"]
            subject_claim = "uid"
            "#,
        )
        .unwrap();
        let [a, b] = &file.identity_providers[..] else {
            panic!("two providers")
        };
        assert_eq!(
            a.jwks,
            JwksSource::Url("https://oidc.example.gov/jwks.json".to_owned())
        );
        assert_eq!(a.algorithms, ["RS256", "ES256", "EdDSA"]);
        assert_eq!(a.subject_claim, "sub");
        assert_eq!(
            b.jwks,
            JwksSource::File(PathBuf::from("/etc/alc/other.json"))
        );
        assert_eq!(b.algorithms, ["ES256"]);
        // Twins: unknown fields and unknown sources are refused.
        let typo = r#"issuer = "i"
            audience = "a"
            jwks = { url = "https://x" }
            algorithm = ["RS256"]"#;
        assert!(toml::from_str::<ProviderConfig>(typo).is_err());
        let bad_source = r#"issuer = "i"
            audience = "a"
            jwks = { inline = "{}" }"#;
        assert!(toml::from_str::<ProviderConfig>(bad_source).is_err());
    }

    async fn config_error(configs: Vec<ProviderConfig>) -> OidcError {
        Verifier::new(configs, LEEWAY).await.unwrap_err()
    }

    #[tokio::test]
    async fn forbidden_or_unsupported_algorithms_in_config_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate(DEV_ISS.to_owned());
        let path = write_jwks(&dir, "dev.json", &idp.jwks());
        for algs in [
            vec!["none"],
            vec!["HS256"],
            vec!["EdDSA", "hs512"],
            vec!["PS256"],
            vec![],
        ] {
            let mut config = provider(DEV_ISS, JwksSource::File(path.clone()));
            config.algorithms = algs.iter().map(|a| (*a).to_owned()).collect();
            let err = config_error(vec![config]).await;
            assert!(matches!(err, OidcError::Config(_)), "{algs:?}: {err:?}");
            assert!(!err.is_token_error());
        }
        let mut config = provider(DEV_ISS, JwksSource::File(path));
        config.algorithms = vec!["EdDSA".to_owned(), "ES256".to_owned()];
        assert!(Verifier::new(vec![config], LEEWAY).await.is_ok());
    }

    #[tokio::test]
    async fn invalid_provider_configs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate(DEV_ISS.to_owned());
        let path = write_jwks(&dir, "dev.json", &idp.jwks());
        let ok = provider(DEV_ISS, JwksSource::File(path));
        assert!(matches!(config_error(vec![]).await, OidcError::Config(_)));
        assert!(matches!(
            config_error(vec![ok.clone(), ok.clone()]).await,
            OidcError::Config(_)
        ));
        let mut empty_aud = ok.clone();
        empty_aud.audience.clear();
        assert!(matches!(
            config_error(vec![empty_aud]).await,
            OidcError::Config(_)
        ));
        let err = Verifier::new(vec![ok.clone()], MAX_LEEWAY_SECS + 1)
            .await
            .unwrap_err();
        assert!(matches!(err, OidcError::Config(_)));
        for url in [
            "http://kyc.example/jwks.json",
            "ftp://127.0.0.1/jwks",
            "not a url",
        ] {
            let err = config_error(vec![provider(KYC_ISS, JwksSource::Url(url.to_owned()))]).await;
            assert!(matches!(err, OidcError::Config(_)), "{url}: {err:?}");
        }
        // Twins.
        for url in [
            "https://kyc.example/jwks.json",
            "http://127.0.0.1:9/jwks.json",
            "http://localhost/j",
            "http://[::1]/j",
        ] {
            assert!(
                Verifier::new(
                    vec![provider(KYC_ISS, JwksSource::Url(url.to_owned()))],
                    LEEWAY
                )
                .await
                .is_ok(),
                "{url}"
            );
        }
        assert!(Verifier::new(vec![ok], LEEWAY).await.is_ok());
    }

    #[tokio::test]
    async fn unreadable_or_malformed_jwks_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let err = config_error(vec![provider(KYC_ISS, JwksSource::File(missing))]).await;
        assert!(matches!(err, OidcError::JwksRead { .. }), "{err:?}");
        let short_rsa =
            json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"});
        for (name, body) in [
            ("garbage", "not json".to_owned()),
            ("empty", json!({"keys": []}).to_string()),
            ("nokeys", json!({"k": []}).to_string()),
            (
                "oct",
                json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}).to_string(),
            ),
            (
                "enc",
                json!({"keys": [with(rsa_jwk("r"), "use", json!("enc"))]}).to_string(),
            ),
            (
                "p384",
                json!({"keys": [with(ec_jwk("e"), "crv", json!("P-384"))]}).to_string(),
            ),
            ("short-rsa", json!({"keys": [short_rsa]}).to_string()),
            (
                "alg-mismatch",
                json!({"keys": [with(ec_jwk("e"), "alg", json!("RS256"))]}).to_string(),
            ),
            (
                "bad-point",
                json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}).to_string(),
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, body).unwrap();
            let err = config_error(vec![provider(KYC_ISS, JwksSource::File(path))]).await;
            assert!(
                matches!(err, OidcError::JwksMalformed { .. }),
                "{name}: {err:?}"
            );
        }
        // Twin: unusable keys are skipped when a usable one remains.
        let path = write_jwks(
            &dir,
            "mixed.json",
            &json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}, {"kty": "weird"}, rsa_jwk("rsa-1")]}),
        );
        let v = Verifier::new(vec![provider(KYC_ISS, JwksSource::File(path))], LEEWAY)
            .await
            .unwrap();
        assert!(v
            .verify(&sign_rs256(&claims(KYC_ISS), Some("rsa-1")), NOW)
            .await
            .is_ok());
    }

    // ---- JWKS URL ----

    async fn count_jwks_requests(
        axum::extract::State(count): axum::extract::State<Arc<AtomicUsize>>,
        request: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        if request.uri().path() == "/jwks.json" {
            count.fetch_add(1, Ordering::SeqCst);
        }
        next.run(request).await
    }

    /// Serves `router` on 127.0.0.1, counting JWKS requests.
    async fn serve_counting(
        listener: tokio::net::TcpListener,
        router: axum::Router,
    ) -> Arc<AtomicUsize> {
        let count = Arc::new(AtomicUsize::new(0));
        let router = router.layer(axum::middleware::from_fn_with_state(
            count.clone(),
            count_jwks_requests,
        ));
        tokio::spawn(async move { axum::serve(listener, router).await });
        count
    }

    async fn loopback() -> (tokio::net::TcpListener, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        (listener, base)
    }

    #[tokio::test]
    async fn url_jwks_is_fetched_lazily_cached_and_refetched_once_on_rotation() {
        let (listener, base) = loopback().await;
        let idp = DevIdp::generate(base.clone());
        let requests = serve_counting(listener, idp.clone().router()).await;
        let v = Verifier::new(
            vec![provider(&base, JwksSource::Url(idp.jwks_uri()))],
            LEEWAY,
        )
        .await
        .unwrap();
        assert_eq!(requests.load(Ordering::SeqCst), 0, "fetched lazily");

        let first = idp.mint("p", AUD, Some("n1"), NOW, 3600);
        assert_eq!(v.verify(&first, NOW).await.unwrap().subject, "p");
        assert!(v.verify(&first, NOW + 1).await.is_ok());
        assert_eq!(requests.load(Ordering::SeqCst), 1, "cached");

        idp.rotate_key();
        let rotated = idp.mint("q", AUD, None, NOW, 3600);
        // Within the refetch interval the new kid is unknown and nothing is fetched.
        let err = v.verify(&rotated, NOW + 2).await.unwrap_err();
        assert!(matches!(err, OidcError::UnknownKey { .. }), "{err:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1, "rate-limited");
        // After it, one refetch finds the new key.
        let later = NOW + JWKS_REFETCH_INTERVAL_SECS;
        assert_eq!(v.verify(&rotated, later).await.unwrap().subject, "q");
        assert_eq!(requests.load(Ordering::SeqCst), 2, "one refetch");
        assert!(v.verify(&rotated, later + 1).await.is_ok());
        // A made-up kid right after does not trigger another fetch.
        let header = json!({"alg": "EdDSA", "kid": "made-up"});
        let bogus = sign_eddsa_raw(&random_ed25519(), &header, &claims(&base));
        assert!(matches!(
            v.verify(&bogus, later + 2).await,
            Err(OidcError::UnknownKey { .. })
        ));
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        // The old key is gone from the provider's set.
        assert!(matches!(
            v.verify(&first, later + 3).await,
            Err(OidcError::UnknownKey { .. })
        ));
    }

    #[tokio::test]
    async fn url_jwks_fetch_failures_are_reported_and_rate_limited() {
        let (listener, base) = loopback().await;
        let router = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(|| async {
                (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down")
            }),
        );
        let requests = serve_counting(listener, router).await;
        let v = Verifier::new(
            vec![provider(
                &base,
                JwksSource::Url(format!("{base}/jwks.json")),
            )],
            LEEWAY,
        )
        .await
        .unwrap();
        let token = sign_rs256(&claims(&base), Some("rsa-1"));
        let err = v.verify(&token, NOW).await.unwrap_err();
        assert!(matches!(err, OidcError::JwksFetch { .. }), "{err:?}");
        assert!(!err.is_token_error());
        assert!(matches!(
            v.verify(&token, NOW + 1).await,
            Err(OidcError::UnknownKey { .. })
        ));
        assert_eq!(requests.load(Ordering::SeqCst), 1);
        assert!(matches!(
            v.verify(&token, NOW + 60).await,
            Err(OidcError::JwksFetch { .. })
        ));
        assert_eq!(requests.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn url_jwks_over_the_size_limit_is_refused() {
        let (listener, base) = loopback().await;
        let padding = "x".repeat(MAX_JWKS_BYTES);
        let big = json!({"keys": [rsa_jwk("rsa-1")], "padding": padding}).to_string();
        let streamed = big.clone();
        let small = json!({"keys": [rsa_jwk("rsa-1")]}).to_string();
        let router = axum::Router::new()
            .route("/big.json", axum::routing::get(move || async move { big }))
            .route(
                "/streamed.json",
                axum::routing::get(move || async move {
                    // No content-length: the cap applies while reading.
                    let chunks: Vec<Result<String, std::io::Error>> = streamed
                        .as_bytes()
                        .chunks(16 * 1024)
                        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
                        .collect();
                    axum::body::Body::from_stream(futures::stream::iter(chunks))
                }),
            )
            .route(
                "/small.json",
                axum::routing::get(move || async move { small }),
            );
        serve_counting(listener, router).await;
        let token = sign_rs256(&claims(&base), Some("rsa-1"));
        for path in ["big.json", "streamed.json"] {
            let v = Verifier::new(
                vec![provider(&base, JwksSource::Url(format!("{base}/{path}")))],
                LEEWAY,
            )
            .await
            .unwrap();
            let err = v.verify(&token, NOW).await.unwrap_err();
            assert!(
                matches!(&err, OidcError::JwksFetch { reason, .. } if reason.contains("limit")),
                "{path}: {err:?}"
            );
        }
        let v = Verifier::new(
            vec![provider(
                &base,
                JwksSource::Url(format!("{base}/small.json")),
            )],
            LEEWAY,
        )
        .await
        .unwrap();
        assert!(v.verify(&token, NOW).await.is_ok());
    }
}
