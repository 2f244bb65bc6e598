//! A provider's keys: its JSON Web Key Set, read from a file or fetched from a URL
//! (`https`, or `http` to loopback; size-capped, time-limited, no redirects, re-fetched
//! at most once a minute on an unknown key id), and the choice of the key for a token.
//! Symmetric keys, short RSA moduli and keys of other curves are never used.

use super::token::excerpt;
use super::{
    OidcError, JWKS_FETCH_TIMEOUT, JWKS_REFETCH_INTERVAL_SECS, MAX_JWKS_BYTES, MAX_JWKS_KEYS,
    MIN_RSA_BITS,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

pub(super) struct Provider {
    pub(super) issuer: String,
    pub(super) audience: String,
    pub(super) algorithms: Vec<Alg>,
    pub(super) subject_claim: String,
    pub(super) link_claim: Option<String>,
    pub(super) keys: KeyStore,
}

pub(super) enum KeyStore {
    Static(Arc<Vec<VerificationKey>>),
    Remote {
        url: reqwest::Url,
        state: tokio::sync::Mutex<RemoteKeys>,
    },
}

pub(super) struct RemoteKeys {
    pub(super) keys: Arc<Vec<VerificationKey>>,
    /// The caller's clock at the last fetch attempt, successful or not.
    pub(super) last_attempt: Option<u64>,
}

#[derive(Clone)]
pub(super) struct VerificationKey {
    pub(super) kid: Option<String>,
    pub(super) kind: KeyKind,
    /// The JWK's own `alg`, if it has one (one of ours, else it was skipped).
    pub(super) alg: Option<Alg>,
    pub(super) key: DecodingKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Alg {
    Rs256,
    Es256,
    EdDsa,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyKind {
    Rsa,
    EcP256,
    Ed25519,
}

impl Alg {
    pub(super) fn parse(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            "EdDSA" => Some(Alg::EdDsa),
            _ => None,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    pub(super) fn jwt(self) -> jsonwebtoken::Algorithm {
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

impl Provider {
    /// Chooses the key for a token with header `kid` and `alg`, fetching a
    /// URL JWKS on first use and again (rate-limited) on a miss.
    pub(super) async fn key_for(
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
pub(super) fn select_key<'a>(
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

pub(super) async fn read_jwks_file(path: &std::path::Path) -> Result<Vec<u8>, OidcError> {
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

pub(super) fn check_jwks_url(issuer: &str, url: &str) -> Result<reqwest::Url, OidcError> {
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

pub(super) fn http_client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .timeout(JWKS_FETCH_TIMEOUT)
        .connect_timeout(JWKS_FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("alc-issuer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::Config(format!("cannot build the HTTP client for JWKS URLs: {e}")))
}

pub(super) async fn fetch_jwks(
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
pub(super) fn parse_jwks(bytes: &[u8]) -> Result<Vec<VerificationKey>, String> {
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

pub(super) fn verification_key(raw: Value) -> Result<VerificationKey, String> {
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
