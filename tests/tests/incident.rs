//! Incident to revocation at every gateway, with real processes: an authority with three
//! escrow trustees (2 of 3), two gateways on circuit v2. The operator's agent works at
//! gateway A; at gateway B its root lease spawns a child and a grandchild, and the
//! grandchild misbehaves. B reports it with the lease's ciphertext and its chain;
//! trustee 1 releases its share on the record (`alc escrow release`); trustee 3's opening
//! entry is appended and the authority is SIGKILLed before the revocation; after the
//! restart the opening is still on the record, trustee 3 releases, the licence is revoked
//! with an emergency status, and the operator's agents get 403 at both gateways within a
//! second and cannot prove again. A second SIGKILL after the revocation loses it neither.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::licensing::{authority_with_dev_idp_and, credential, post};
use alc_e2e::{alc, fast_proving_key, ok, shared_keys_v2, Service};
use alc_protocol::authority::{GatewayRegistration, Incident, OpeningRequest};
use alc_protocol::files::ProofRequest;
use alc_protocol::gateway::{Challenge, DelegateRequest, Issued, LeaseRequest, Route};
use alc_protocol::signature::{CONTENT_DIGEST, SIGNATURE, SIGNATURE_INPUT};
use alc_protocol::status::PublishedList;
use alc_wallet::keys::{AgentKey, Signer};
use alc_wallet::lease::{manifest_digest, present, ProverKeys};
use reqwest::blocking::Client;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn prover() -> ProverKeys {
    let pk = fast_proving_key(&shared_keys_v2().keys);
    let joint = std::fs::read_to_string(&shared_keys_v2().joint_key).unwrap();
    let public =
        alc_escrow::dkg::EscrowPublic::from_text(&serde_json::from_str(&joint).unwrap()).unwrap();
    ProverKeys::new(pk, Some(*public.key())).unwrap()
}

/// A gateway on circuit v2 following `auth`, its incident reports filed with `token`.
fn gateway(t: &Path, name: &str, auth: &str, token: &str) -> (Service, std::path::PathBuf) {
    let data = t.join(name);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("gateway.toml"),
        format!("scope = \"{name}.test\"\n"),
    )
    .unwrap();
    std::fs::write(data.join("authority-report-token"), token).unwrap();
    let s = Service::start(
        t,
        &[
            "gateway",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--authority",
            auth,
            "--upstream",
            "echo",
            "--keys",
            shared_keys_v2().keys.to_str().unwrap(),
        ],
    );
    (s, data)
}

/// An agent's lease at a gateway: its token, id and signer.
struct Agent {
    gateway: String,
    lease: Issued,
    signer: Signer,
}

impl Agent {
    /// `req` with the lease and its signature over `method url body`.
    fn signed(
        &self,
        req: reqwest::blocking::RequestBuilder,
        method: &str,
        url: &reqwest::Url,
        body: &[u8],
    ) -> reqwest::blocking::RequestBuilder {
        let h = self.signer.sign(method, url, body);
        req.bearer_auth(&self.lease.lease)
            .header(CONTENT_DIGEST, h.content_digest)
            .header(SIGNATURE_INPUT, h.signature_input)
            .header(SIGNATURE, h.signature)
    }

    fn call(&self, c: &Client, path: &str) -> (u16, Value) {
        let url = reqwest::Url::parse(&format!("{}{path}", self.gateway)).unwrap();
        let r = self
            .signed(c.get(url.clone()), "GET", &url, b"")
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    fn spawn(
        &self,
        c: &Client,
        agent: &str,
        secret: &alc_circuits::credential::HolderSecret,
        binding: &str,
    ) -> Agent {
        let (key, _) = AgentKey::fresh(secret);
        let body = serde_json::to_vec(&DelegateRequest {
            agent: agent.into(),
            manifest: manifest_digest(agent.as_bytes()),
            rights: vec!["/v1/autonomous/".into()],
            ttl_secs: 600,
            rate_per_min: None,
            key: Some(key.public_hex()),
        })
        .unwrap();
        let url = reqwest::Url::parse(&format!("{}/v1/lease/delegate", self.gateway)).unwrap();
        let r = self
            .signed(c.post(url.clone()), "POST", &url, &body)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let lease: Issued = r.json().unwrap();
        let signer = Signer::new(&key, binding, &lease.lease_id, "gateway").unwrap();
        Agent {
            gateway: self.gateway.clone(),
            lease,
            signer,
        }
    }
}

/// A proof at `gw` and the lease, bound to a fresh key (an error: the wallet's refusal).
fn lease(
    c: &Client,
    gw: &str,
    auth: &str,
    keys: &ProverKeys,
    cred: &alc_circuits::files::CredentialFile,
    secret: &alc_circuits::credential::HolderSecret,
    agent: &str,
) -> Result<(Agent, String), String> {
    let ch: Challenge = c
        .get(format!("{gw}/v1/lease/challenge"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list: PublishedList = c
        .get(format!("{auth}/v1/status/list"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list = alc_circuits::status::StatusList::decode(&list.encoded_list).unwrap();
    let manifest = manifest_digest(agent.as_bytes());
    let req = ProofRequest::from_challenge(&ch, &manifest, Route::Autonomous);
    let (key, _) = AgentKey::fresh(secret);
    let (presentation, _) = present(&ch.scope, keys, cred, secret, &list, &req, Some(&key))
        .map_err(|e| e.to_string())?;
    let body = LeaseRequest {
        presentation,
        agent: agent.into(),
        manifest,
        key: Some(key.public_hex()),
        system: None,
    };
    let (s, v) = post(c, &format!("{gw}/v1/lease"), None, &body);
    if s != 200 {
        return Err(format!("{s} {v}"));
    }
    let lease: Issued = serde_json::from_value(v).unwrap();
    let signer = Signer::new(&key, &ch.binding_key, &lease.lease_id, "gateway").unwrap();
    Ok((
        Agent {
            gateway: gw.to_owned(),
            lease,
            signer,
        },
        ch.binding_key,
    ))
}

fn authority(t: &Path, adata: &Path, listen: &str) -> Service {
    Service::start(
        t,
        &[
            "authority",
            "serve",
            "--listen",
            listen,
            "--data",
            adata.to_str().unwrap(),
        ],
    )
}

fn incident(c: &Client, auth: &str, admin: &str, id: i64) -> Incident {
    let list: Vec<Incident> = c
        .get(format!("{auth}/v1/admin/incidents"))
        .bearer_auth(admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    list.into_iter().find(|i| i.id == id).unwrap()
}

#[test]
fn an_incident_at_one_gateway_is_opened_by_two_trustees_and_stops_the_licence_everywhere() {
    let setup = shared_keys_v2();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let escrow_toml = format!("escrow_key = {:?}\n", setup.joint_key.to_str().unwrap());
    let (idp, mut auth, adata) = authority_with_dev_idp_and(t, &escrow_toml);
    let admin = std::fs::read_to_string(adata.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let (gw_a, _) = gateway(t, "a", &auth.url, &admin);
    let (gw_b, bdata) = gateway(t, "b", &auth.url, &admin);
    let c = Client::new();
    for g in [&gw_a, &gw_b] {
        let info: Value = c
            .get(format!("{}/v1/gateway", g.url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let (s, v) = post(
            &c,
            &format!("{}/v1/admin/gateways", auth.url),
            Some(&admin),
            &GatewayRegistration {
                id: info["scope"].as_str().unwrap().into(),
                key: info["registry_key"].as_str().unwrap().into(),
                url: g.url.clone(),
                reason: "onboarding".into(),
            },
        );
        assert_eq!(s, 200, "{v}");
    }
    let (cred, secret) = credential(&c, &idp.url, &auth.url, "alice");
    let keys = prover();

    // Alice's agent at A; at B a root lease, a child and the misbehaving grandchild.
    let (at_a, _) = lease(
        &c,
        &gw_a.url,
        &auth.url,
        &keys,
        &cred,
        &secret,
        "alice-agent",
    )
    .unwrap();
    let (root_b, binding_b) = lease(
        &c,
        &gw_b.url,
        &auth.url,
        &keys,
        &cred,
        &secret,
        "alice-agent",
    )
    .unwrap();
    let child = root_b.spawn(&c, "alice-agent/researcher", &secret, &binding_b);
    let grandchild = child.spawn(&c, "alice-agent/researcher/fetcher", &secret, &binding_b);
    let (s, v) = grandchild.call(&c, "/v1/autonomous/search");
    assert_eq!(s, 200, "{v}");
    assert_eq!(at_a.call(&c, "/v1/autonomous/chat").0, 200);
    let pseudonym = v["headers"]["x-alc-pseudonym"].as_str().unwrap().to_owned();

    // B reports the grandchild's pseudonym: the report carries the ciphertext and chain.
    let out = ok(alc(
        t,
        &[
            "gateway",
            "incident",
            "--pseudonym",
            &pseudonym,
            "--description",
            "the fetcher scraped beyond its manifest",
            "--gateway",
            &gw_b.url,
            "--data",
            bdata.to_str().unwrap(),
        ],
    ));
    let id: i64 = serde_json::from_str::<Value>(&out)
        .ok()
        .and_then(|v| v["id"].as_i64())
        .or_else(|| {
            out.split(|ch: char| !ch.is_ascii_digit())
                .find(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
        })
        .unwrap();
    let filed = incident(&c, &auth.url, &admin, id);
    assert!(
        filed.escrow.is_some(),
        "the report carries the lease's ciphertext"
    );
    assert_eq!(filed.chain.len(), 3, "root, child, grandchild at B");
    assert!(filed.opened.is_none());

    // Trustee 1 releases its share on the record.
    let release = |i: usize, auth: &str| {
        alc(
            t,
            &[
                "escrow",
                "release",
                "--share",
                setup.trustees[i - 1]
                    .join("key-share.json")
                    .to_str()
                    .unwrap(),
                "--incident",
                &id.to_string(),
                "--authority",
                auth,
                &format!("--token={admin}"),
            ],
        )
    };
    let out = ok(release(1, &auth.url));
    assert!(out.contains("1 of 2 partial decryptions"), "{out}");
    assert!(out.contains("inclusion verified"), "{out}");

    // Trustee 3's opening entry is appended, and the authority dies before anything else.
    let (s, v) = post(
        &c,
        &format!("{}/v1/admin/incidents/{id}/openings", auth.url),
        Some(&admin),
        &OpeningRequest { trustee: 3 },
    );
    assert_eq!(s, 200, "{v}");
    let entry_index = v["registry_index"].as_u64().unwrap();
    let listen = auth.url.trim_start_matches("http://").to_owned();
    auth.kill();
    let auth = authority(t, &adata, &listen);
    // Nothing lost: the opening is on the record, and the licence is not yet revoked.
    let e: Value = c
        .get(format!("{}/v1/registry/entries/{entry_index}", auth.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(e["entry"]["kind"], "opening", "{e}");
    assert_eq!(incident(&c, &auth.url, &admin, id).openings, vec![1, 3]);
    // The gateways reconnect to the restarted authority (their status stream backs off).
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(at_a.call(&c, "/v1/autonomous/chat").0, 200);

    // Trustee 3 releases: the incident is opened and the licence revoked (emergency).
    let out = ok(release(3, &auth.url));
    let revoked_at = Instant::now();
    assert!(
        out.contains(&format!("licence serial {}", cred.signed.credential.serial)),
        "{out}"
    );
    let mut refused = [None, None];
    while refused.iter().any(Option::is_none) && revoked_at.elapsed() < Duration::from_secs(10) {
        for (i, agent) in [&at_a, &grandchild].into_iter().enumerate() {
            if refused[i].is_none() && agent.call(&c, "/v1/autonomous/x").0 == 403 {
                refused[i] = Some(revoked_at.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let [a, b] = refused.map(|r| r.expect("refused at every gateway"));
    println!(
        "incident {id}: opened and revoked; 403 at gateway A after {a:?}, at gateway B after {b:?}"
    );
    assert!(
        a < Duration::from_secs(1) && b < Duration::from_secs(1),
        "{a:?} {b:?}"
    );
    // ... and the licence cannot prove again.
    let again = lease(
        &c,
        &gw_a.url,
        &auth.url,
        &keys,
        &cred,
        &secret,
        "alice-agent",
    );
    assert!(
        again.as_ref().is_err_and(|e| e.contains("revoked")),
        "{:?}",
        again.err()
    );

    // The incident names the licence's permit and chain; SIGKILL again loses nothing.
    let opened = incident(&c, &auth.url, &admin, id).opened.unwrap();
    assert_eq!(opened.serial, cred.signed.credential.serial);
    let epoch = opened.epoch;
    let mut auth = auth;
    auth.kill();
    let auth = authority(t, &adata, &listen);
    let status: Value = c
        .get(format!("{}/v1/status/list", auth.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(status["epoch"].as_u64().unwrap() >= epoch, "{status}");
    let out = ok(alc(
        t,
        &[
            "registry",
            "audit",
            "--full",
            "--authority",
            &auth.url,
            "--state",
            t.join("audit.json").to_str().unwrap(),
        ],
    ));
    assert!(out.contains("openings: 2 trustee releases"), "{out}");
}
