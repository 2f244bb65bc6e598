//! Typed clients of the licensing authority and of a gateway: every request and answer is
//! an `alc_protocol` type, every refusal the one error body. Failures name the service and
//! say what it said; nothing secret is sent anywhere but the proof.
//!
//! [`Http`] is the JSON-over-HTTP client they share (and the administrators' commands
//! use): a 30 s timeout, no proxies' surprises, answers read as a type or as the
//! [`ErrorBody`] of a refusal.

use crate::keys::Signer;
use crate::WalletError;
use alc_protocol::authority::{
    AnswerSheet, ApprenticeRequest, Apprenticeship, ApprenticeshipAcceptance,
    ApprenticeshipRequested, Attempt, AuthorityInfo, CredentialRequest, Login, Marked, Nonce,
    Session, SystemKeyRequest,
};
use alc_protocol::error::ErrorBody;
use alc_protocol::files::CredentialFile;
use alc_protocol::gateway::{Challenge, DelegateRequest, GatewayInfo, Issued, LeaseRequest};
use alc_protocol::gateways::SignedGatewayList;
use alc_protocol::signature;
use alc_protocol::status::{PublishedList, SignedStatus};
use alc_protocol::systems::SignedSystemCertificate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// The JSON client.
#[derive(Clone, Debug)]
pub struct Http {
    c: reqwest::Client,
}

/// An answer read as it came: the status and the body's bytes.
#[derive(Clone, Debug)]
pub struct Raw {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Raw {
    /// The body as the error body of a refusal (a body that is not one becomes its text).
    pub fn error(&self) -> ErrorBody {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            ErrorBody::new(
                "unknown",
                String::from_utf8_lossy(&self.body).trim().to_owned(),
            )
        })
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The one message for a request that got no answer from `service`.
pub fn unreachable(service: &str, e: reqwest::Error) -> WalletError {
    let reason = if e.is_connect() {
        "connection refused or unreachable".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.without_url().to_string()
    };
    WalletError::Unreachable {
        service: service.to_owned(),
        reason,
    }
}

impl Http {
    /// A client with a 30 s timeout.
    ///
    /// # Errors
    /// If the TLS backend cannot start.
    pub fn new() -> Result<Self, WalletError> {
        Self::with_timeout(Duration::from_secs(30))
    }

    /// A client with another timeout.
    ///
    /// # Errors
    /// If the TLS backend cannot start.
    pub fn with_timeout(timeout: Duration) -> Result<Self, WalletError> {
        reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map(|c| Self { c })
            .map_err(|e| WalletError::Unreachable {
                service: "network".into(),
                reason: format!("cannot build an HTTP client: {e}"),
            })
    }

    /// Sends a request to `service` and reads the whole answer.
    ///
    /// # Errors
    /// [`WalletError::Unreachable`] when no answer comes.
    pub async fn send(
        &self,
        service: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Raw, WalletError> {
        let resp = req.send().await.map_err(|e| unreachable(service, e))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| unreachable(service, e))?
            .to_vec();
        Ok(Raw { status, body })
    }

    /// A request of `method` to `url`, with a bearer token.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        bearer: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = self.c.request(method, url);
        match bearer {
            Some(b) => r.bearer_auth(b),
            None => r,
        }
    }

    /// `GET url` answered with a `T`.
    ///
    /// # Errors
    /// Unreachable, a refusal (its error body), or an answer that is not a `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        service: &str,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, WalletError> {
        let raw = self
            .send(service, self.request(reqwest::Method::GET, url, bearer))
            .await?;
        read(service, &raw)
    }

    /// `POST url` with a JSON `body`, answered with a `T`.
    ///
    /// # Errors
    /// Unreachable, a refusal (its error body), or an answer that is not a `T`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        service: &str,
        url: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, WalletError> {
        let raw = self
            .send(
                service,
                self.request(reqwest::Method::POST, url, bearer).json(body),
            )
            .await?;
        read(service, &raw)
    }
}

/// A successful answer as a `T`; a refusal as [`WalletError::Refused`].
///
/// # Errors
/// As said.
pub fn read<T: DeserializeOwned>(service: &str, raw: &Raw) -> Result<T, WalletError> {
    if !raw.is_success() {
        return Err(WalletError::Refused {
            service: service.to_owned(),
            status: raw.status,
            error: raw.error(),
        });
    }
    // An empty answer (`204`) reads as `null`: only [`Done`] accepts it.
    let body: &[u8] = if raw.body.is_empty() {
        b"null"
    } else {
        &raw.body
    };
    serde_json::from_slice(body).map_err(|e| WalletError::Malformed {
        service: service.to_owned(),
        reason: format!("answered something unexpected: {e}"),
    })
}

/// An answer with no body worth reading (`204`).
#[derive(Debug, Clone, Copy)]
pub struct Done;

impl<'de> serde::Deserialize<'de> for Done {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Done)
    }
}

/// A service at a base URL, named in errors as `{kind} at {url}`.
#[derive(Clone, Debug)]
struct Endpoint {
    http: Http,
    url: String,
    service: String,
}

impl Endpoint {
    fn new(http: &Http, kind: &str, url: &str) -> Self {
        let url = url.trim().trim_end_matches('/').to_owned();
        Self {
            http: http.clone(),
            service: format!("{kind} at {url}"),
            url,
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
    ) -> Result<T, WalletError> {
        let url = format!("{}{path}", self.url);
        self.http.get(&self.service, &url, bearer).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, WalletError> {
        let url = format!("{}{path}", self.url);
        self.http.post(&self.service, &url, bearer, body).await
    }

    /// A request with a lease, signed with its key if it is bound (`signer`): the body's
    /// bytes are what is digested and sent.
    fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        lease: Option<&str>,
        signer: Option<&Signer>,
        body: Vec<u8>,
        json: bool,
    ) -> Result<reqwest::RequestBuilder, WalletError> {
        let url = format!("{}{path}", self.url);
        let parsed = reqwest::Url::parse(&url).map_err(|_| WalletError::Route(path.to_owned()))?;
        let mut req = self.http.request(method.clone(), parsed.as_str(), lease);
        if let Some(s) = signer {
            let h = s.sign(method.as_str(), &parsed, &body);
            req = req
                .header(signature::CONTENT_DIGEST, h.content_digest)
                .header(signature::SIGNATURE_INPUT, h.signature_input)
                .header(signature::SIGNATURE, h.signature);
        }
        if json {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
        }
        Ok(if body.is_empty() { req } else { req.body(body) })
    }

    async fn post_signed<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        lease: &str,
        signer: Option<&Signer>,
        body: &B,
    ) -> Result<T, WalletError> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let req = self.signed(
            reqwest::Method::POST,
            path,
            Some(lease),
            signer,
            bytes,
            true,
        )?;
        read(&self.service, &self.http.send(&self.service, req).await?)
    }
}

/// The licensing authority at a base URL.
#[derive(Clone, Debug)]
pub struct AuthorityClient(Endpoint);

impl AuthorityClient {
    /// A client of the authority at `url`.
    pub fn new(http: &Http, url: &str) -> Self {
        Self(Endpoint::new(http, "authority", url))
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// How errors name it: `authority at http://...`.
    pub fn service(&self) -> &str {
        &self.0.service
    }

    /// `GET /v1/authority`.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn info(&self) -> Result<AuthorityInfo, WalletError> {
        self.0.get("/v1/authority", None).await
    }

    /// A fresh sign-in nonce.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn nonce(&self) -> Result<Nonce, WalletError> {
        self.0.post("/v1/identity/nonce", None, &()).await
    }

    /// Signs in with an ID token: a session.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn sign_in(&self, id_token: &str) -> Result<Session, WalletError> {
        let login = Login {
            id_token: id_token.to_owned(),
        };
        self.0.post("/v1/identity", None, &login).await
    }

    /// Starts an assessment attempt (a cooling-off is a refusal with `retry_at`).
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn start_attempt(&self, session: &str) -> Result<Attempt, WalletError> {
        self.0
            .post("/v1/assessment/attempts", Some(session), &())
            .await
    }

    /// Submits an attempt's answers, from the session that started it.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn submit(&self, session: &str, sheet: &AnswerSheet) -> Result<Marked, WalletError> {
        self.0
            .post("/v1/assessment/submit", Some(session), sheet)
            .await
    }

    /// Asks for an operator credential after a pass.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn obtain(
        &self,
        session: &str,
        req: &CredentialRequest,
    ) -> Result<CredentialFile, WalletError> {
        self.0.post("/v1/credentials", Some(session), req).await
    }

    /// Asks for an apprenticeship: the one-time code to hand to the supervisor.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn request_apprenticeship(
        &self,
        session: &str,
    ) -> Result<ApprenticeshipRequested, WalletError> {
        self.0
            .post("/v1/apprenticeships", Some(session), &serde_json::json!({}))
            .await
    }

    /// A supervisor's acceptance of an apprenticeship, with the apprentice's code.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn accept_apprenticeship(
        &self,
        session: &str,
        code: &str,
    ) -> Result<Apprenticeship, WalletError> {
        let body = ApprenticeshipAcceptance {
            code: code.to_owned(),
        };
        self.0
            .post("/v1/apprenticeships/accept", Some(session), &body)
            .await
    }

    /// The session's apprenticeships, as apprentice or as supervisor.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn apprenticeships(&self, session: &str) -> Result<Vec<Apprenticeship>, WalletError> {
        self.0.get("/v1/apprenticeships", Some(session)).await
    }

    /// Asks for an apprentice credential under the accepted apprenticeship.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn apprentice(
        &self,
        session: &str,
        req: &ApprenticeRequest,
    ) -> Result<CredentialFile, WalletError> {
        self.0
            .post("/v1/credentials/apprentice", Some(session), req)
            .await
    }

    /// The authority's certificate that agent key `key` (hex) operates the agent system
    /// `name` of permit `permit`, for the signed-in principal operator of that system.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn certify_system(
        &self,
        session: &str,
        permit: &str,
        name: &str,
        key: &str,
    ) -> Result<SignedSystemCertificate, WalletError> {
        use alc_protocol::encoding::path_segment;
        let path = format!(
            "/v1/permits/{}/systems/{}/certificate",
            path_segment(permit),
            path_segment(name)
        );
        let body = SystemKeyRequest {
            key: key.to_owned(),
        };
        self.0.post(&path, Some(session), &body).await
    }

    /// The latest signed status response.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn status(&self) -> Result<SignedStatus, WalletError> {
        self.0.get("/v1/status", None).await
    }

    /// The published status list.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn status_list(&self) -> Result<PublishedList, WalletError> {
        self.0.get("/v1/status/list", None).await
    }

    /// The signed list of registered gateways.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn gateways(&self) -> Result<SignedGatewayList, WalletError> {
        self.0.get("/v1/gateways", None).await
    }
}

/// A gateway at a base URL.
#[derive(Clone, Debug)]
pub struct GatewayClient(Endpoint);

impl GatewayClient {
    /// A client of the gateway at `url`.
    pub fn new(http: &Http, url: &str) -> Self {
        Self(Endpoint::new(http, "gateway", url))
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// How errors name it: `gateway at http://...`.
    pub fn service(&self) -> &str {
        &self.0.service
    }

    /// `GET /v1/gateway`.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn info(&self) -> Result<GatewayInfo, WalletError> {
        self.0.get("/v1/gateway", None).await
    }

    /// A fresh challenge.
    ///
    /// # Errors
    /// As [`Http::get`].
    pub async fn challenge(&self) -> Result<Challenge, WalletError> {
        self.0.get("/v1/lease/challenge", None).await
    }

    /// A root lease for a proof (or the renewal of the lease `renewing`, its token and,
    /// if it is key-bound, its signer).
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn lease(
        &self,
        req: &LeaseRequest,
        renewing: Option<(&str, Option<&Signer>)>,
    ) -> Result<Issued, WalletError> {
        match renewing {
            Some((token, signer)) => {
                self.0
                    .post_signed("/v1/lease/renew", token, signer, req)
                    .await
            }
            None => self.0.post("/v1/lease", None, req).await,
        }
    }

    /// A child lease of `parent` (a token; `signer`: its key's, if bound) for a
    /// sub-agent.
    ///
    /// # Errors
    /// As [`Http::post`].
    pub async fn delegate(
        &self,
        parent: &str,
        signer: Option<&Signer>,
        req: &DelegateRequest,
    ) -> Result<Issued, WalletError> {
        self.0
            .post_signed("/v1/lease/delegate", parent, signer, req)
            .await
    }

    /// Calls a route with a lease (or none; signed with `signer` when it is key-bound), a
    /// method and an optional JSON body: the
    /// answer as it came (an upstream's answers are not ALC's to type).
    ///
    /// # Errors
    /// [`WalletError::Unreachable`].
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        lease: Option<&str>,
        signer: Option<&Signer>,
        body: Option<&serde_json::Value>,
    ) -> Result<Raw, WalletError> {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        let req = self
            .0
            .signed(method, path, lease, signer, bytes, body.is_some())?;
        self.0.http.send(&self.0.service, req).await
    }
}
