//! The HTTP side of the operator's wallet and of the demo: talking to an identity
//! provider, the licensing authority and a gateway. Every failure is one sentence that
//! names the service and what it said; nothing secret is sent anywhere but the proof.

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_circuits::files::CredentialFile;
use alc_circuits::status::StatusList;
use alc_prover::{prepare, prove, ProofRequest as Request, ProvingKey};
use alc_verifier::Presentation;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// An HTTP client with short, clear failures.
#[derive(Clone)]
pub struct Http {
    c: reqwest::Client,
}

/// An answer: status code and JSON body (`null` if the body was not JSON).
pub type Answer = (u16, Value);

impl Http {
    /// A client with a 30 s timeout.
    pub fn new() -> Result<Self> {
        Ok(Self {
            c: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .context("cannot build an HTTP client")?,
        })
    }

    async fn send(&self, what: &str, req: reqwest::RequestBuilder) -> Result<Answer> {
        let resp = req.send().await.map_err(|e| unreachable(what, e))?;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// `GET url` from `what` (e.g. "authority at http://...").
    pub async fn get(&self, what: &str, url: &str, bearer: Option<&str>) -> Result<Answer> {
        let mut r = self.c.get(url);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        self.send(what, r).await
    }

    /// `POST url` with a JSON body.
    pub async fn post(
        &self,
        what: &str,
        url: &str,
        bearer: Option<&str>,
        body: &Value,
    ) -> Result<Answer> {
        let mut r = self.c.post(url).json(body);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        self.send(what, r).await
    }
}

/// The one message for a request that got no answer from `what`.
pub fn unreachable(what: &str, e: reqwest::Error) -> anyhow::Error {
    let why = if e.is_connect() {
        "connection refused or unreachable".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.without_url().to_string()
    };
    anyhow!("cannot reach the {what}: {why}")
}

/// The message of an error body (`{"error", "message"}` or the gateway's `reason`).
pub fn message(v: &Value) -> String {
    v["message"]
        .as_str()
        .or_else(|| v["reason"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// Fails unless the answer is a success.
pub fn ok(what: &str, (status, v): Answer) -> Result<Value> {
    if (200..300).contains(&status) {
        Ok(v)
    } else {
        bail!("the {what} refused ({status}): {}", message(&v))
    }
}

/// The licensing authority at a base URL.
pub struct Authority<'a> {
    /// The client.
    pub http: &'a Http,
    /// Base URL.
    pub url: String,
}

impl Authority<'_> {
    fn what(&self) -> String {
        format!("authority at {}", self.url)
    }

    /// A fresh sign-in nonce.
    pub async fn nonce(&self) -> Result<String> {
        let v = ok(
            &self.what(),
            self.http
                .post(
                    &self.what(),
                    &format!("{}/v1/identity/nonce", self.url),
                    None,
                    &json!({}),
                )
                .await?,
        )?;
        v["nonce"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the {} answered without a nonce", self.what()))
    }

    /// Signs in with an ID token: a session.
    pub async fn sign_in(&self, id_token: &str) -> Result<String> {
        let v = ok(
            &self.what(),
            self.http
                .post(
                    &self.what(),
                    &format!("{}/v1/identity", self.url),
                    None,
                    &json!({ "id_token": id_token }),
                )
                .await?,
        )?;
        v["session"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the {} answered without a session", self.what()))
    }

    /// Starts an assessment attempt (the answer is passed on: cooling-off is a `429`).
    pub async fn start_attempt(&self, session: &str) -> Result<Answer> {
        self.http
            .post(
                &self.what(),
                &format!("{}/v1/assessment/attempts", self.url),
                Some(session),
                &json!({}),
            )
            .await
    }

    /// Submits answers `[(question, option)]` to an attempt.
    pub async fn submit(&self, attempt: &str, answers: &[(String, usize)]) -> Result<Value> {
        let answers: Vec<Value> = answers
            .iter()
            .map(|(q, o)| json!({ "question": q, "option": o }))
            .collect();
        ok(
            &self.what(),
            self.http
                .post(
                    &self.what(),
                    &format!("{}/v1/assessment/submit", self.url),
                    None,
                    &json!({ "attempt": attempt, "answers": answers }),
                )
                .await?,
        )
    }

    /// Obtains a credential for the holder key of `secret`.
    pub async fn obtain(&self, session: &str, secret: &HolderSecret) -> Result<CredentialFile> {
        let v = ok(
            &self.what(),
            self.http
                .post(
                    &self.what(),
                    &format!("{}/v1/credentials", self.url),
                    Some(session),
                    &json!({ "holder": to_decimal(&secret.commitment()) }),
                )
                .await?,
        )?;
        CredentialFile::from_json(&v.to_string()).context("the authority's credential")
    }

    /// The published status list (its root is checked against its bits).
    pub async fn status_list(&self) -> Result<StatusList> {
        let v = ok(
            &self.what(),
            self.http
                .get(&self.what(), &format!("{}/v1/status/list", self.url), None)
                .await?,
        )?;
        StatusList::decode(v["encoded_list"].as_str().unwrap_or(""))
            .map_err(|e| anyhow!("the authority's status list: {e}"))
    }
}

/// A gateway at a base URL.
pub struct Gateway<'a> {
    /// The client.
    pub http: &'a Http,
    /// Base URL.
    pub url: String,
}

/// A lease as the gateway issued it.
#[derive(Debug, Clone)]
pub struct Lease {
    /// The bearer token.
    pub token: String,
    /// Its id.
    pub id: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl Lease {
    fn from(v: &Value) -> Result<Self> {
        Ok(Self {
            token: v["lease"]
                .as_str()
                .ok_or_else(|| anyhow!("the gateway answered without a lease"))?
                .to_owned(),
            id: v["lease_id"].as_str().unwrap_or("").to_owned(),
            expires_at: v["expires_at"].as_u64().unwrap_or(0),
        })
    }
}

/// The proof request in a gateway's challenge (`GET /v1/lease/challenge`), for an agent
/// with this manifest digest: the autonomous routes' minimum tiers, the gateway's clock,
/// scope and challenge.
pub fn request_from_challenge(what: &str, v: &Value, manifest: &str) -> Result<Request> {
    let field = |k: &str| {
        v[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the {what}'s challenge has no {k}"))
    };
    Ok(Request {
        min_tier: v["policy"]["autonomous"]["min_tier"].as_u64().unwrap_or(1) as u8,
        min_permit_tier: v["policy"]["autonomous"]["min_permit_tier"]
            .as_u64()
            .unwrap_or(0) as u8,
        now: field("now")?
            .parse()
            .map_err(|_| anyhow!("the {what}'s challenge has a bad time"))?,
        scope: field("scope")?,
        challenge: field("challenge")?,
        manifest: manifest.to_owned(),
    })
}

/// Proves `req` for the gateway `what`: the presentation as the lease request's JSON,
/// and the proving time.
pub fn present(
    what: &str,
    pk: &ProvingKey,
    credential: &CredentialFile,
    secret: &HolderSecret,
    list: &StatusList,
    req: &Request,
) -> Result<(Value, Duration)> {
    let (statement, w) = prepare(&credential.issuer, &credential.signed, secret, list, req)
        .map_err(|e| anyhow!("your credential cannot satisfy the {what}: {e}"))?;
    let start = Instant::now();
    let proof = prove(pk, &statement, &w, &mut rand::rngs::OsRng)
        .map_err(|e| anyhow!("proving failed: {e}"))?;
    let took = start.elapsed();
    let json = serde_json::from_str(&Presentation { proof, statement }.to_json())?;
    Ok((json, took))
}

impl Gateway<'_> {
    fn what(&self) -> String {
        format!("gateway at {}", self.url)
    }

    /// A fresh challenge, as a proof request for `min_tier`.
    pub async fn challenge(&self, manifest: &str) -> Result<Request> {
        let v = ok(
            &self.what(),
            self.http
                .get(
                    &self.what(),
                    &format!("{}/v1/lease/challenge", self.url),
                    None,
                )
                .await?,
        )?;
        request_from_challenge(&self.what(), &v, manifest)
    }

    /// Proves for a fresh challenge and obtains a lease (or renews `renewing`); returns
    /// the lease and the proving time.
    #[allow(clippy::too_many_arguments)]
    pub async fn lease(
        &self,
        pk: &ProvingKey,
        credential: &CredentialFile,
        secret: &HolderSecret,
        list: &StatusList,
        agent: &str,
        manifest: &str,
        renewing: Option<&Lease>,
    ) -> Result<(Lease, Duration)> {
        let req = self.challenge(manifest).await?;
        let (presentation, took) = present(&self.what(), pk, credential, secret, list, &req)?;
        let body = json!({ "presentation": presentation, "agent": agent, "manifest": manifest });
        let (path, bearer) = match renewing {
            Some(l) => ("/v1/lease/renew", Some(l.token.as_str())),
            None => ("/v1/lease", None),
        };
        let v = ok(
            &self.what(),
            self.http
                .post(&self.what(), &format!("{}{path}", self.url), bearer, &body)
                .await?,
        )?;
        Ok((Lease::from(&v)?, took))
    }

    /// A child lease for a sub-agent.
    pub async fn delegate(
        &self,
        parent: &Lease,
        agent: &str,
        manifest: &str,
        rights: &[&str],
        ttl_secs: u64,
    ) -> Result<Lease> {
        let v = ok(
            &self.what(),
            self.http
                .post(
                    &self.what(),
                    &format!("{}/v1/lease/delegate", self.url),
                    Some(&parent.token),
                    &json!({ "agent": agent, "manifest": manifest, "rights": rights, "ttl_secs": ttl_secs }),
                )
                .await?,
        )?;
        Lease::from(&v)
    }

    /// Calls `path` (e.g. `/v1/autonomous/chat`) with an optional lease.
    pub async fn call(&self, path: &str, lease: Option<&Lease>, body: &Value) -> Result<Answer> {
        self.http
            .post(
                &self.what(),
                &format!("{}{path}", self.url),
                lease.map(|l| l.token.as_str()),
                body,
            )
            .await
    }
}
