//! OpenID Connect ID token verification: [`Verifier`] (here), the providers' configuration
//! ([`config`]), their keys ([`jwks`]) and the checks of a token's parts ([`token`]).
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

mod config;
mod jwks;
#[cfg(test)]
mod tests;
mod token;

pub use config::{JwksSource, ProviderConfig};

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Validation;
use serde_json::{Map, Value};

use config::build_provider;
use jwks::{http_client, Alg, KeyStore, Provider};
use token::{check_audience, excerpt, parse_claims, parse_header, split_token, time_claim};

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
pub(super) const MIN_RSA_BITS: usize = 2048;
/// How much of an untrusted string goes into an error message.
pub(super) const EXCERPT_CHARS: usize = 80;

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
    /// The provider's linking claim (`link_claim`), if it has one: its name and value.
    pub link: Option<(String, String)>,
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
        // 10. The linking claim, where the provider has one: required.
        let link = match &provider.link_claim {
            None => None,
            Some(name) => match claims.get(name) {
                Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SUBJECT_BYTES => {
                    Some((name.clone(), s.clone()))
                }
                _ => {
                    return Err(OidcError::InvalidClaim {
                        claim: name.clone(),
                        reason: "missing or not a string: this provider links identities by it",
                    })
                }
            },
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
            link,
            nonce,
            expires_at: exp,
        })
    }
}
