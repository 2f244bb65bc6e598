//! The development identity provider: **for development and tests only**.
//!
//! The authority trusts identities only from configured OpenID Connect
//! providers (see `alc_issuer::oidc`). A real KYC provider cannot be run on a
//! developer's machine or in CI, so this module is a tiny stand-in that
//! issues ID tokens for *whatever subject it is asked to*. It checks nobody's
//! identity: configuring it as a provider of a real authority would let
//! anyone obtain a licence as anyone. Nothing in this crate enables it; a
//! caller must serve it and add its issuer to the authority's providers
//! explicitly, and only ever in development.
//!
//! It holds one Ed25519 key (alg `EdDSA`, the key id is the RFC 7638 JWK
//! thumbprint) and serves:
//!
//! * `GET /.well-known/openid-configuration`: a discovery document with
//!   `"development_only": true`;
//! * `GET /jwks.json`: its public key;
//! * `POST /token` with `{"subject", "audience", "nonce"?, "ttl_secs"?}`:
//!   `{"id_token", "development_only": true}`. Unknown fields, malformed
//!   JSON and bad values get a 400 JSON error; bodies are limited to
//!   [`MAX_TOKEN_REQUEST_BYTES`].
//!
//! Every response carries the header `x-alc-development-only: true`, and
//! every minted token the claim `"development_only": true`.
//!
//! The key can be replaced with [`DevIdp::rotate_key`] (clones share it),
//! which is how tests exercise a provider's key rotation.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize as _;

/// The response header that marks every response of the development IdP.
pub const DEVELOPMENT_ONLY_HEADER: &str = "x-alc-development-only";
/// The largest `POST /token` body accepted, in bytes.
pub const MAX_TOKEN_REQUEST_BYTES: usize = 4 * 1024;
/// The token lifetime when a request gives none, in seconds.
pub const DEFAULT_TTL_SECS: u64 = 600;
/// The longest token lifetime a request may ask for, in seconds.
pub const MAX_TTL_SECS: u64 = 24 * 60 * 60;
/// The longest subject, audience or nonce accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 255;

/// A development-only OpenID Connect provider that signs ID tokens with an
/// Ed25519 key. Cheap to clone; clones share the key.
#[derive(Clone)]
pub struct DevIdp {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    key: RwLock<KeyPair>,
}

struct KeyPair {
    signing: SigningKey,
    kid: String,
    /// The public key, base64url.
    x: String,
}

impl KeyPair {
    fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let signing = SigningKey::from_bytes(&seed);
        seed.zeroize();
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        // RFC 7638 thumbprint: the required members, sorted, no whitespace.
        let thumbprint_input = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
        KeyPair { signing, kid, x }
    }
}

impl fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIdp")
            .field("issuer", &self.inner.issuer)
            .field("kid", &self.kid())
            .field("signing_key", &"<redacted>")
            .field("development_only", &true)
            .finish()
    }
}

/// Why a `POST /token` request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// The body is not a JSON token request (syntax, types, unknown fields).
    #[error("invalid token request: {0}")]
    Json(String),
    /// The subject is empty or too long.
    #[error("subject must be 1 to {MAX_FIELD_BYTES} bytes")]
    Subject,
    /// The audience is empty or too long.
    #[error("audience must be 1 to {MAX_FIELD_BYTES} bytes")]
    Audience,
    /// The nonce is empty or too long.
    #[error("nonce, if given, must be 1 to {MAX_FIELD_BYTES} bytes")]
    Nonce,
    /// The lifetime is zero or too long.
    #[error("ttl_secs must be 1 to {MAX_TTL_SECS}")]
    Ttl,
}

/// The body of `POST /token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Whoever the caller says it is.
    pub subject: String,
    /// The client id the token is for (the authority's).
    pub audience: String,
    /// The authority's sign-in nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Lifetime, seconds (default [`DEFAULT_TTL_SECS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<u64>,
}

/// The answer of `POST /token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenResponse {
    /// The signed ID token.
    pub id_token: String,
    /// Always true: a reminder of what this provider is.
    pub development_only: bool,
}

/// Asks the development identity provider at `url` for an ID token.
///
/// # Errors
/// The provider unreachable, refusing, or answering something else: the sentence says.
pub async fn request_token(url: &str, req: &TokenRequest) -> Result<TokenResponse, String> {
    let url = format!("{}/token", url.trim_end_matches('/'));
    let resp = reqwest::Client::new()
        .post(&url)
        .json(req)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot reach the identity provider at {url}: {}",
                e.without_url()
            )
        })?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !status.is_success() {
        return Err(format!(
            "the identity provider refused ({status}): {}",
            String::from_utf8_lossy(&body).trim()
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("the identity provider answered something unexpected: {e}"))
}

impl TokenRequest {
    fn parse(body: &[u8]) -> Result<Self, TokenRequestError> {
        let request: TokenRequest =
            serde_json::from_slice(body).map_err(|e| TokenRequestError::Json(e.to_string()))?;
        let field_ok = |s: &str| !s.is_empty() && s.len() <= MAX_FIELD_BYTES;
        if !field_ok(&request.subject) {
            return Err(TokenRequestError::Subject);
        }
        if !field_ok(&request.audience) {
            return Err(TokenRequestError::Audience);
        }
        if request.nonce.as_deref().is_some_and(|n| !field_ok(n)) {
            return Err(TokenRequestError::Nonce);
        }
        if request.ttl_secs.is_some_and(|t| t == 0 || t > MAX_TTL_SECS) {
            return Err(TokenRequestError::Ttl);
        }
        Ok(request)
    }
}

impl DevIdp {
    /// A provider for `issuer` (the exact `iss` of its tokens, and the base
    /// of its URLs) with a fresh key from the operating system's randomness.
    pub fn generate(issuer: String) -> Self {
        DevIdp {
            inner: Arc::new(Inner {
                issuer,
                key: RwLock::new(KeyPair::generate()),
            }),
        }
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The current key id.
    pub fn kid(&self) -> String {
        self.read_key(|k| k.kid.clone())
    }

    /// Replaces the key with a fresh one (for this value and all its clones);
    /// tokens signed before no longer verify against the new JWKS.
    pub fn rotate_key(&self) {
        let fresh = KeyPair::generate();
        let mut key = self
            .inner
            .key
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *key = fresh;
    }

    /// The discovery document's `jwks_uri`.
    pub fn jwks_uri(&self) -> String {
        format!("{}/jwks.json", self.inner.issuer.trim_end_matches('/'))
    }

    /// The public key set: one Ed25519 key.
    pub fn jwks(&self) -> Value {
        self.read_key(|k| {
            json!({
                "keys": [{
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": k.x,
                    "kid": k.kid,
                    "alg": "EdDSA",
                    "use": "sig",
                }]
            })
        })
    }

    /// A signed ID token for `subject`, meant for `audience`, issued at
    /// `now_unix` and valid for `ttl_secs`. Whoever calls this decides who
    /// the subject is: that is why it is for development only.
    pub fn mint(
        &self,
        subject: &str,
        audience: &str,
        nonce: Option<&str>,
        now_unix: u64,
        ttl_secs: u64,
    ) -> String {
        self.mint_with(subject, audience, nonce, now_unix, ttl_secs, &[])
    }

    /// As [`DevIdp::mint`], with `extra` string claims (a linking claim, say).
    pub fn mint_with(
        &self,
        subject: &str,
        audience: &str,
        nonce: Option<&str>,
        now_unix: u64,
        ttl_secs: u64,
        extra: &[(&str, &str)],
    ) -> String {
        let mut claims = json!({
            "iss": self.inner.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now_unix,
            "auth_time": now_unix,
            "exp": now_unix.saturating_add(ttl_secs),
            "development_only": true,
        });
        if let Some(map) = claims.as_object_mut() {
            if let Some(nonce) = nonce {
                map.insert("nonce".to_owned(), Value::String(nonce.to_owned()));
            }
            for (k, v) in extra {
                map.insert((*k).to_owned(), Value::String((*v).to_owned()));
            }
        }
        self.sign_claims(&claims)
    }

    /// Signs arbitrary `claims` with the current key (header `alg: EdDSA`,
    /// `typ: JWT`, the current `kid`): the authority's token-check tests use it to
    /// build tokens with unusual claims.
    pub fn sign_claims(&self, claims: &Value) -> String {
        self.read_key(|k| {
            let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": k.kid });
            let signing_input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let signature = k.signing.sign(signing_input.as_bytes());
            format!(
                "{signing_input}.{}",
                URL_SAFE_NO_PAD.encode(signature.to_bytes())
            )
        })
    }

    /// The discovery document.
    pub fn discovery(&self) -> Value {
        let base = self.inner.issuer.trim_end_matches('/');
        json!({
            "issuer": self.inner.issuer,
            "jwks_uri": self.jwks_uri(),
            "token_endpoint": format!("{base}/token"),
            "id_token_signing_alg_values_supported": ["EdDSA"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
            "development_only": true,
        })
    }

    /// The HTTP interface (see the module documentation).
    pub fn router(self) -> Router {
        Router::new()
            .route("/.well-known/openid-configuration", get(discovery_handler))
            .route("/jwks.json", get(jwks_handler))
            .route("/token", post(token_handler))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(MAX_TOKEN_REQUEST_BYTES))
            .layer(axum::middleware::map_response(mark_development_only))
            .with_state(self)
    }

    fn read_key<T>(&self, f: impl FnOnce(&KeyPair) -> T) -> T {
        let key = self
            .inner
            .key
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&key)
    }
}

/// Serves `idp` on `listener` until the server fails.
pub async fn serve(listener: tokio::net::TcpListener, idp: DevIdp) -> std::io::Result<()> {
    tracing::warn!(
        issuer = %idp.issuer(),
        address = ?listener.local_addr().ok(),
        "serving the DEVELOPMENT identity provider: it issues ID tokens for any subject, never trust it outside development"
    );
    axum::serve(listener, idp.router()).await
}

async fn mark_development_only(mut response: Response) -> Response {
    response.headers_mut().insert(
        HeaderName::from_static(DEVELOPMENT_ONLY_HEADER),
        HeaderValue::from_static("true"),
    );
    response
}

fn error_response(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": message, "development_only": true })),
    )
        .into_response()
}

async fn discovery_handler(State(idp): State<DevIdp>) -> Json<Value> {
    Json(idp.discovery())
}

async fn jwks_handler(State(idp): State<DevIdp>) -> Json<Value> {
    Json(idp.jwks())
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "no such endpoint")
}

async fn token_handler(State(idp): State<DevIdp>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return error_response(rejection.status(), &rejection.body_text()),
    };
    let request = match TokenRequest::parse(&body) {
        Ok(request) => request,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let now = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs(),
        Err(_) => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the system clock is before 1970",
            )
        }
    };
    let id_token = idp.mint(
        &request.subject,
        &request.audience,
        request.nonce.as_deref(),
        now,
        request.ttl_secs.unwrap_or(DEFAULT_TTL_SECS),
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(TokenResponse {
            id_token,
            development_only: true,
        }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use axum::body::Body;
    use axum::http::{Method, Request};
    use ed25519_dalek::Verifier as _;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    const ISS: &str = "http://127.0.0.1:8099";

    fn idp() -> DevIdp {
        DevIdp::generate(ISS.to_owned())
    }

    fn decode_part(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    /// Verifies a token's signature against the JWKS key; returns its claims.
    fn check_signature(jwks: &Value, token: &str) -> Result<Value, ed25519_dalek::SignatureError> {
        let x = URL_SAFE_NO_PAD
            .decode(jwks["keys"][0]["x"].as_str().unwrap())
            .unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).unwrap().try_into().unwrap();
        key.verify(
            input.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )?;
        Ok(decode_part(input.split('.').nth(1).unwrap()))
    }

    async fn call(
        router: Router,
        method: Method,
        uri: &str,
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, json)
    }

    fn is_marked(headers: &axum::http::HeaderMap) -> bool {
        headers
            .get(DEVELOPMENT_ONLY_HEADER)
            .and_then(|v| v.to_str().ok())
            == Some("true")
    }

    #[test]
    fn jwks_has_one_okp_key_whose_kid_is_its_thumbprint() {
        let idp = idp();
        let jwks = idp.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        let k = &keys[0];
        assert_eq!(
            (k["kty"].as_str(), k["crv"].as_str()),
            (Some("OKP"), Some("Ed25519"))
        );
        assert_eq!(
            (k["alg"].as_str(), k["use"].as_str()),
            (Some("EdDSA"), Some("sig"))
        );
        assert_eq!(k.as_object().unwrap().len(), 6, "no private members: {k}");
        let input = format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            k["x"].as_str().unwrap()
        );
        let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(input.as_bytes()));
        assert_eq!(k["kid"].as_str(), Some(thumbprint.as_str()));
        assert_eq!(idp.kid(), thumbprint);
        // Twin: another provider has another key.
        assert_ne!(DevIdp::generate(ISS.to_owned()).kid(), idp.kid());
    }

    #[test]
    fn minted_token_is_signed_with_the_published_key() {
        let idp = idp();
        let token = idp.mint("alice", "alc", Some("n-1"), 1_000, 60);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode_part(parts[0]);
        assert_eq!(
            header,
            json!({"alg": "EdDSA", "typ": "JWT", "kid": idp.kid()})
        );
        let claims = check_signature(&idp.jwks(), &token).unwrap();
        assert_eq!(claims["iss"], ISS);
        assert_eq!(claims["sub"], "alice");
        assert_eq!(claims["aud"], "alc");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(
            (claims["iat"].as_u64(), claims["exp"].as_u64()),
            (Some(1_000), Some(1_060))
        );
        assert_eq!(claims["development_only"], true);
        let no_nonce =
            check_signature(&idp.jwks(), &idp.mint("alice", "alc", None, 1_000, 60)).unwrap();
        assert!(no_nonce.get("nonce").is_none());
        // Twin: a changed payload no longer verifies.
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string().replace("alice", "mallory")),
            parts[2]
        );
        assert!(check_signature(&idp.jwks(), &forged).is_err());
    }

    #[test]
    fn rotate_key_replaces_the_key_for_all_clones() {
        let idp = idp();
        let clone = idp.clone();
        let old_jwks = idp.jwks();
        let old_token = idp.mint("a", "b", None, 0, 60);
        clone.rotate_key();
        assert_ne!(idp.jwks(), old_jwks);
        assert_eq!(idp.kid(), clone.kid());
        assert!(check_signature(&idp.jwks(), &old_token).is_err());
        assert!(check_signature(&idp.jwks(), &idp.mint("a", "b", None, 0, 60)).is_ok());
    }

    #[test]
    fn debug_redacts_the_signing_key() {
        let idp = idp();
        let secret = idp.read_key(|k| k.signing.to_bytes());
        let shown = format!("{idp:?}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains(&idp.kid()));
        for encoding in [
            hex::encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
            format!("{secret:?}"),
        ] {
            assert!(!shown.contains(&encoding));
        }
    }

    #[tokio::test]
    async fn discovery_document_is_marked_development_only() {
        let idp = idp();
        let (status, headers, body) = call(
            idp.clone().router(),
            Method::GET,
            "/.well-known/openid-configuration",
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(is_marked(&headers));
        assert_eq!(body["development_only"], true);
        assert_eq!(body["issuer"], ISS);
        assert_eq!(body["jwks_uri"], format!("{ISS}/jwks.json"));
        assert_eq!(
            body["id_token_signing_alg_values_supported"],
            json!(["EdDSA"])
        );
    }

    #[tokio::test]
    async fn jwks_endpoint_serves_the_public_key() {
        let idp = idp();
        let (status, headers, body) =
            call(idp.clone().router(), Method::GET, "/jwks.json", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(is_marked(&headers));
        assert_eq!(body, idp.jwks());
        // Twin: it is not served under another path, and the 404 is marked too.
        let (status, headers, body) = call(idp.router(), Method::GET, "/keys", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(is_marked(&headers));
        assert_eq!(body["development_only"], true);
    }

    #[tokio::test]
    async fn token_endpoint_mints_a_verifiable_token() {
        let idp = idp();
        let (status, headers, body) = call(
            idp.clone().router(),
            Method::POST,
            "/token",
            r#"{"subject":"alice","audience":"alc","nonce":"n-9","ttl_secs":120}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(is_marked(&headers));
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(body["development_only"], true);
        let claims = check_signature(&idp.jwks(), body["id_token"].as_str().unwrap()).unwrap();
        assert_eq!(
            (claims["sub"].as_str(), claims["nonce"].as_str()),
            (Some("alice"), Some("n-9"))
        );
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            120
        );
        let (status, _, body) = call(
            idp.router(),
            Method::POST,
            "/token",
            r#"{"subject":"a","audience":"b"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let claims = decode_part(
            body["id_token"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap(),
        );
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            DEFAULT_TTL_SECS
        );
    }

    #[tokio::test]
    async fn token_endpoint_refuses_bad_requests_with_400() {
        let idp = idp();
        for body in [
            r#"{"subject":"a","audience":"b","admin":true}"#, // unknown field
            r#"{"subject":"a","audience":"b""#,               // malformed JSON
            "",
            "[]",
            r#"{"audience":"b"}"#,
            r#"{"subject":"","audience":"b"}"#,
            r#"{"subject":"a","audience":""}"#,
            r#"{"subject":"a","audience":"b","nonce":""}"#,
            r#"{"subject":"a","audience":"b","ttl_secs":0}"#,
            r#"{"subject":"a","audience":"b","ttl_secs":86401}"#,
            r#"{"subject":"a","audience":"b","ttl_secs":-5}"#,
            r#"{"subject":1,"audience":"b"}"#,
        ] {
            let (status, headers, json) =
                call(idp.clone().router(), Method::POST, "/token", body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(is_marked(&headers));
            assert!(json["error"].is_string(), "{body}: {json}");
            assert_eq!(json["development_only"], true);
        }
        let long_subject = format!(
            r#"{{"subject":"{}","audience":"b"}}"#,
            "s".repeat(MAX_FIELD_BYTES + 1)
        );
        let (status, _, _) =
            call(idp.clone().router(), Method::POST, "/token", &long_subject).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let huge = format!(
            r#"{{"subject":"a","audience":"b","nonce":"{}"}}"#,
            "n".repeat(MAX_TOKEN_REQUEST_BYTES)
        );
        let (status, headers, json) =
            call(idp.clone().router(), Method::POST, "/token", &huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(is_marked(&headers) && json["error"].is_string());
        let (status, headers, _) = call(idp.router(), Method::GET, "/token", "").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(is_marked(&headers));
    }

    #[tokio::test]
    async fn serve_answers_on_a_tcp_listener() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let idp = DevIdp::generate(base.clone());
        tokio::spawn(serve(listener, idp.clone()));
        let response = reqwest::get(format!("{base}/jwks.json")).await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(
            response.headers().get(DEVELOPMENT_ONLY_HEADER).unwrap(),
            "true"
        );
        assert_eq!(response.json::<Value>().await.unwrap(), idp.jwks());
    }
}
