//! The licensing flow over HTTP, for tests that need a real credential from real
//! services: sign in through the development IdP, pass the assessment, obtain a
//! credential for a fresh holder secret.

use crate::Service;
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The audience the tests' authorities expect.
pub const AUD: &str = "alc-authority";

/// A development IdP and an authority trusting it, as real processes in `dir`: the two
/// services and the authority's data folder.
pub fn authority_with_dev_idp(dir: &Path) -> (Service, Service, PathBuf) {
    let idp = Service::start(dir, &["dev-idp", "--listen", "127.0.0.1:0"]);
    let adata = dir.join("authority");
    std::fs::create_dir_all(&adata).expect("the authority's folder");
    std::fs::write(
        adata.join("authority.toml"),
        format!("[[identity_providers]]\nissuer = \"{0}\"\naudience = \"{AUD}\"\njwks = {{ url = \"{0}/jwks.json\" }}\n", idp.url),
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
pub fn post(c: &Client, url: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = c.post(url).json(&body);
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    let resp = r.send().expect("the service answers");
    (resp.status().as_u16(), resp.json().unwrap_or(Value::Null))
}

/// An operator credential (the authority's JSON) from the authority at `auth` through
/// the development IdP at `idp`: sign in, pass the assessment, have `Poseidon(sk)` signed.
pub fn credential(c: &Client, idp: &str, auth: &str, subject: &str) -> (Value, HolderSecret) {
    let (_, n) = post(c, &format!("{auth}/v1/identity/nonce"), None, json!({}));
    let (_, t) = post(
        c,
        &format!("{idp}/token"),
        None,
        json!({ "subject": subject, "audience": AUD, "nonce": n["nonce"] }),
    );
    let (_, v) = post(
        c,
        &format!("{auth}/v1/identity"),
        None,
        json!({ "id_token": t["id_token"] }),
    );
    let session = v["session"].as_str().expect("a session").to_owned();
    let (_, a) = post(
        c,
        &format!("{auth}/v1/assessment/attempts"),
        Some(&session),
        json!({}),
    );
    let bank = Bank::from_toml(DEFAULT_BANK).expect("the default bank");
    let answers: Vec<Value> = a["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| {
            let b = bank
                .questions
                .iter()
                .find(|b| b.id == q["id"])
                .expect("a bank question");
            let shown = q["options"].as_array().expect("options");
            let right = shown
                .iter()
                .position(|o| o == b.options[b.answer].as_str())
                .expect("the right option is shown");
            json!({ "question": q["id"], "option": right })
        })
        .collect();
    post(
        c,
        &format!("{auth}/v1/assessment/submit"),
        None,
        json!({ "attempt": a["attempt"], "answers": answers }),
    );
    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let (s, cred) = post(
        c,
        &format!("{auth}/v1/credentials"),
        Some(&session),
        json!({ "holder": to_decimal(&secret.commitment()) }),
    );
    assert_eq!(s, 200, "{cred}");
    (cred, secret)
}
