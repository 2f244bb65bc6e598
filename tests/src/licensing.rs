//! The licensing flow over HTTP, for tests that need a real credential from real
//! services: sign in through the development IdP, pass the assessment, obtain a
//! credential for a fresh holder secret.

use crate::Service;
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_circuits::files::CredentialFile;
use alc_devkit::authority::correct_answers;
use alc_devkit::idp::{TokenRequest, TokenResponse};
use alc_protocol::authority::{AnswerSheet, Attempt, CredentialRequest, Login, Nonce, Session};
use reqwest::blocking::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The audience the tests' authorities expect.
pub const AUD: &str = "alc-authority";

/// A development IdP and an authority trusting it, as real processes in `dir`: the two
/// services and the authority's data folder.
pub fn authority_with_dev_idp(dir: &Path) -> (Service, Service, PathBuf) {
    authority_with_dev_idp_and(dir, "")
}

/// [`authority_with_dev_idp`] with `toml` (top-level keys) at the head of its
/// `authority.toml`.
pub fn authority_with_dev_idp_and(dir: &Path, toml: &str) -> (Service, Service, PathBuf) {
    let idp = Service::start(dir, &["dev-idp", "--listen", "127.0.0.1:0"]);
    let adata = dir.join("authority");
    std::fs::create_dir_all(&adata).expect("the authority's folder");
    std::fs::write(
        adata.join("authority.toml"),
        format!("{toml}[[identity_providers]]\nissuer = \"{0}\"\naudience = \"{AUD}\"\njwks = {{ url = \"{0}/jwks.json\" }}\n", idp.url),
    )
    .expect("authority.toml");
    let data = adata.to_str().expect("a UTF-8 path").to_owned();
    let auth = Service::start(
        dir,
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &data,
        ],
    );
    (idp, auth, adata)
}

/// `POST url` with a JSON body: status and JSON answer (`null` if none).
pub fn post<T: Serialize + ?Sized>(
    c: &Client,
    url: &str,
    bearer: Option<&str>,
    body: &T,
) -> (u16, Value) {
    let mut r = c.post(url).json(body);
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    let resp = r.send().expect("the service answers");
    (resp.status().as_u16(), resp.json().unwrap_or(Value::Null))
}

/// `POST url` answered 200 with a `T`.
fn post_ok<B: Serialize + ?Sized, T: DeserializeOwned>(
    c: &Client,
    url: &str,
    bearer: Option<&str>,
    body: &B,
) -> T {
    let (s, v) = post(c, url, bearer, body);
    assert_eq!(s, 200, "{url}: {v}");
    serde_json::from_value(v).expect("the protocol's answer")
}

/// An operator credential (its signature checked) from the authority at `auth` through the development IdP at
/// `idp`: sign in, pass the assessment, have `Poseidon(sk)` signed.
pub fn credential(
    c: &Client,
    idp: &str,
    auth: &str,
    subject: &str,
) -> (CredentialFile, HolderSecret) {
    let empty = serde_json::Map::new();
    let n: Nonce = post_ok(c, &format!("{auth}/v1/identity/nonce"), None, &empty);
    let t: TokenResponse = post_ok(
        c,
        &format!("{idp}/token"),
        None,
        &TokenRequest {
            subject: subject.into(),
            audience: AUD.into(),
            nonce: Some(n.nonce),
            ttl_secs: None,
        },
    );
    let session: Session = post_ok(
        c,
        &format!("{auth}/v1/identity"),
        None,
        &Login {
            id_token: t.id_token,
        },
    );
    let session = session.session;
    let a: Attempt = post_ok(
        c,
        &format!("{auth}/v1/assessment/attempts"),
        Some(&session),
        &empty,
    );
    let answers = correct_answers(&a);
    let _: Value = post_ok(
        c,
        &format!("{auth}/v1/assessment/submit"),
        Some(&session),
        &AnswerSheet {
            attempt: a.attempt,
            answers,
        },
    );
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let cred: alc_protocol::files::CredentialFile = post_ok(
        c,
        &format!("{auth}/v1/credentials"),
        Some(&session),
        &CredentialRequest {
            holder: to_decimal(&secret.commitment()),
            permit: None,
        },
    );
    let cred = CredentialFile::from_wire(&cred).expect("a credential signed by its issuer");
    (cred, secret)
}

/// Registers the gateway serving at `gateway` (its scope and key from `/v1/gateway`) at
/// the authority `auth` with the admin token `admin`, at that URL: wallets then prove to
/// it there.
pub fn register_gateway(c: &Client, auth: &str, admin: &str, gateway: &str) {
    let info: alc_protocol::gateway::GatewayInfo = c
        .get(format!("{gateway}/v1/gateway"))
        .send()
        .expect("the gateway answers")
        .json()
        .expect("the gateway's info");
    let (s, v) = post(
        c,
        &format!("{auth}/v1/admin/gateways"),
        Some(admin),
        &alc_protocol::authority::GatewayRegistration {
            id: info.scope,
            key: info.registry_key,
            url: gateway.to_owned(),
            reason: "onboarding".into(),
        },
    );
    assert_eq!(s, 200, "registering the gateway: {v}");
}
