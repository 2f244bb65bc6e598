//! The licensing authority as real processes: the development identity provider, the
//! authority, the whole path from ID token to credential to revocation, the bank's
//! maintenance and a link of two identities from the command line, and a crash
//! (SIGKILL) in the middle of revocations that must lose nothing acknowledged.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_circuits::status::StatusList;
use alc_devkit::idp::{TokenRequest, TokenResponse};
use alc_e2e::Service;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::{
    Answer, AnswerSheet, Attempt, CredentialRequest, Login, Nonce, RevokeRequest,
};
use alc_protocol::files::CredentialFile;
use alc_protocol::status::SignedStatus;
use base64::Engine;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const AUD: &str = "alc-authority";

fn authority_config(dir: &Path, idp: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let toml = format!("[[identity_providers]]\nissuer = \"{idp}\"\naudience = \"{AUD}\"\njwks = {{ url = \"{idp}/jwks.json\" }}\n");
    std::fs::write(dir.join("authority.toml"), toml).unwrap();
}

fn post(c: &Client, url: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = c.post(url).json(&body);
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    let resp = r.send().unwrap();
    (resp.status().as_u16(), resp.json().unwrap_or(Value::Null))
}

fn get(c: &Client, url: &str) -> Value {
    c.get(url).send().unwrap().json().unwrap()
}

/// Signs `subject` in through the dev IdP and passes the assessment; returns a session.
fn licensed(c: &Client, idp: &str, auth: &str, subject: &str) -> String {
    let (_, n) = post(c, &format!("{auth}/v1/identity/nonce"), None, json!({}));
    let n: Nonce = serde_json::from_value(n).unwrap();
    let (s, t) = post(
        c,
        &format!("{idp}/token"),
        None,
        serde_json::to_value(&TokenRequest {
            subject: subject.into(),
            audience: AUD.into(),
            nonce: Some(n.nonce),
            ttl_secs: None,
        })
        .unwrap(),
    );
    assert_eq!(s, 200, "{t}");
    let t: TokenResponse = serde_json::from_value(t).unwrap();
    let (s, v) = post(
        c,
        &format!("{auth}/v1/identity"),
        None,
        serde_json::to_value(&Login {
            id_token: t.id_token,
        })
        .unwrap(),
    );
    assert_eq!(s, 200, "{v}");
    let session = v["session"].as_str().unwrap().to_owned();
    let (s, a) = post(
        c,
        &format!("{auth}/v1/assessment/attempts"),
        Some(&session),
        json!({}),
    );
    assert_eq!(s, 200, "{a}");
    let a: Attempt = serde_json::from_value(a).unwrap();
    let bank = Bank::from_toml(DEFAULT_BANK).unwrap();
    let answers: Vec<Answer> = a
        .questions
        .iter()
        .map(|q| {
            let b = bank.questions.iter().find(|b| b.text == q.text).unwrap();
            let pos = q
                .options
                .iter()
                .position(|o| *o == b.options[b.answer])
                .unwrap();
            Answer {
                question: q.id.clone(),
                option: pos,
            }
        })
        .collect();
    let (s, m) = post(
        c,
        &format!("{auth}/v1/assessment/submit"),
        Some(&session),
        serde_json::to_value(&AnswerSheet {
            attempt: a.attempt,
            answers,
        })
        .unwrap(),
    );
    assert_eq!((s, m["passed"].as_bool()), (200, Some(true)), "{m}");
    session
}

fn status_key(c: &Client, auth: &str) -> ed25519_dalek::VerifyingKey {
    let info = get(c, &format!("{auth}/v1/authority"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(info["status_key"].as_str().unwrap())
        .unwrap();
    ed25519_dalek::VerifyingKey::from_bytes(&bytes.try_into().unwrap()).unwrap()
}

#[test]
fn id_token_to_credential_to_revocation_with_real_processes() {
    let t = tempfile::tempdir().unwrap();
    let idp = Service::start(t.path(), &["dev-idp", "--listen", "127.0.0.1:0"]);
    let data = t.path().join("authority");
    authority_config(&data, &idp.url);
    let auth = Service::start(
        t.path(),
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ],
    );
    let c = Client::new();
    let session = licensed(&c, &idp.url, &auth.url, "alice");

    let secret = HolderSecret::generate(&mut rand::rngs::OsRng);
    let (s, cred) = post(
        &c,
        &format!("{}/v1/credentials", auth.url),
        Some(&session),
        serde_json::to_value(&CredentialRequest {
            holder: to_decimal(&secret.commitment()),
            permit: None,
        })
        .unwrap(),
    );
    assert_eq!(s, 200, "{cred}");
    let file = alc_circuits::files::CredentialFile::from_json(&cred.to_string()).unwrap();
    let serial = file.signed.credential.serial;

    // The holder can prove against the published list now.
    let published = get(&c, &format!("{}/v1/status/list", auth.url));
    let list = StatusList::decode(published["encoded_list"].as_str().unwrap()).unwrap();
    assert!(!list.is_revoked(serial).unwrap());
    assert_eq!(
        to_decimal(&list.root()),
        published["root"].as_str().unwrap()
    );

    // Revoked by an administrator: the list and the signed response change.
    let admin = std::fs::read_to_string(data.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let (s, r) = post(
        &c,
        &format!("{}/v1/admin/revoke", auth.url),
        Some(&admin),
        serde_json::to_value(&RevokeRequest {
            serial,
            reason: "test".into(),
            emergency: true,
        })
        .unwrap(),
    );
    assert_eq!(s, 200, "{r}");
    let signed: SignedStatus =
        serde_json::from_value(get(&c, &format!("{}/v1/status", auth.url))).unwrap();
    let response = signed.verify(&status_key(&c, &auth.url)).unwrap();
    assert!(response.emergency);
    let published = get(&c, &format!("{}/v1/status/list", auth.url));
    let list = StatusList::decode(published["encoded_list"].as_str().unwrap()).unwrap();
    assert!(list.is_revoked(serial).unwrap());
    assert_eq!(alc_circuits::field::to_decimal(&list.root()), response.root);

    // A token minted by another (unconfigured) issuer is refused with a 4xx.
    let (_, n) = post(
        &c,
        &format!("{}/v1/identity/nonce", auth.url),
        None,
        json!({}),
    );
    let other = alc_devkit::idp::DevIdp::generate("http://127.0.0.1:1".into());
    let forged = other.mint("alice", AUD, n["nonce"].as_str(), 1_790_000_000, 600);
    let (s, v) = post(
        &c,
        &format!("{}/v1/identity", auth.url),
        None,
        serde_json::to_value(&Login { id_token: forged }).unwrap(),
    );
    assert_eq!(s, 400, "{v}");

    // The bank's maintenance from the command line: alice's pass is in the figures; a
    // question retired; the same one again refused.
    let on = [
        "--authority",
        auth.url.as_str(),
        "--data",
        data.to_str().unwrap(),
    ];
    let review = alc_e2e::ok(alc_e2e::alc(
        t.path(),
        &[&["authority", "questions", "review"][..], &on].concat(),
    ));
    assert!(review.contains("1 marked attempts, 1 passed"), "{review}");
    let retire = |id: &str| {
        alc_e2e::alc(
            t.path(),
            &[
                &["authority", "questions", "retire", id, "--reason", "leaked"][..],
                &on,
            ]
            .concat(),
        )
    };
    let out = alc_e2e::ok(retire("harm-03"));
    assert!(out.contains("harm-03 retired"), "{out}");
    alc_e2e::fails(retire("harm-03"), "retired already");
    let review = alc_e2e::ok(alc_e2e::alc(
        t.path(),
        &[&["authority", "questions", "review"][..], &on].concat(),
    ));
    assert!(
        review
            .lines()
            .any(|l| l.starts_with("harm-03") && l.contains("retired")),
        "{review}"
    );

    // One person, two identities: linked from the command line with evidence (alice's
    // licence is revoked, so only one side holds a live credential); twice is refused.
    licensed(&c, &idp.url, &auth.url, "alice-at-work");
    let link = || {
        alc_e2e::alc(
            t.path(),
            &[
                &[
                    "authority",
                    "link",
                    "--issuer",
                    idp.url.as_str(),
                    "--subject",
                    "alice-at-work",
                    "--to-issuer",
                    idp.url.as_str(),
                    "--to-subject",
                    "alice",
                    "--evidence",
                    "passport checked",
                    "--reason",
                    "same person",
                ][..],
                &on,
            ]
            .concat(),
        )
    };
    let out = alc_e2e::ok(link());
    assert!(
        out.contains("one person now") && out.contains("passed"),
        "{out}"
    );
    alc_e2e::fails(link(), "one person already");
}

/// Nothing acknowledged is lost: revoke in a loop, SIGKILL mid-stream, restart, check.
#[test]
fn revocations_that_got_200_survive_sigkill() {
    let t = tempfile::tempdir().unwrap();
    let idp = Service::start(t.path(), &["dev-idp", "--listen", "127.0.0.1:0"]);
    let data = t.path().join("authority");
    authority_config(&data, &idp.url);
    let data_arg = data.to_str().unwrap().to_owned();
    let mut auth = Service::start(
        t.path(),
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &data_arg,
        ],
    );
    let c = Client::new();
    let mut serials = Vec::new();
    for i in 0..30 {
        let session = licensed(&c, &idp.url, &auth.url, &format!("op{i}"));
        let holder = to_decimal(&HolderSecret::generate(&mut rand::rngs::OsRng).commitment());
        let (s, cred) = post(
            &c,
            &format!("{}/v1/credentials", auth.url),
            Some(&session),
            serde_json::to_value(&CredentialRequest {
                holder,
                permit: None,
            })
            .unwrap(),
        );
        assert_eq!(s, 200, "{cred}");
        serials.push(
            serde_json::from_value::<CredentialFile>(cred)
                .unwrap()
                .credential
                .serial,
        );
    }
    let admin = std::fs::read_to_string(data.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();

    // Revoke in a loop on another thread; kill the server while it runs.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (acknowledged, stop, url, admin) = (
            acknowledged.clone(),
            stop.clone(),
            auth.url.clone(),
            admin.clone(),
        );
        let serials = serials.clone();
        std::thread::spawn(move || {
            let c = Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap();
            for s in serials {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let r = c
                    .post(format!("{url}/v1/admin/revoke"))
                    .bearer_auth(&admin)
                    .json(&RevokeRequest {
                        serial: s,
                        reason: "crash test".into(),
                        emergency: false,
                    })
                    .send();
                match r {
                    Ok(resp) if resp.status().is_success() => acknowledged.lock().unwrap().push(s),
                    _ => break,
                }
            }
        })
    };
    // Let some revocations land, then kill mid-stream.
    while acknowledged.lock().unwrap().len() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    auth.kill();
    stop.store(true, Ordering::SeqCst);
    worker.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 10 && acknowledged.len() < serials.len(),
        "killed mid-stream: {}",
        acknowledged.len()
    );

    // Restart on the same data: every acknowledged revocation is there, and the root is
    // the one a fresh recomputation from the bitstring gives.
    let auth = Service::start(
        t.path(),
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &data_arg,
        ],
    );
    let published = get(&c, &format!("{}/v1/status/list", auth.url));
    let list = StatusList::decode(published["encoded_list"].as_str().unwrap()).unwrap();
    for s in &acknowledged {
        assert!(
            list.is_revoked(*s).unwrap(),
            "acknowledged revocation of {s} was lost"
        );
    }
    let signed: SignedStatus = serde_json::from_value(published["status"].clone()).unwrap();
    let response = signed.verify(&status_key(&c, &auth.url)).unwrap();
    assert_eq!(response.root, alc_circuits::field::to_decimal(&list.root()));
    assert_eq!(
        to_decimal(&list.root()),
        published["root"].as_str().unwrap()
    );
    let revoked = (0..1u32 << 20)
        .filter(|s| list.is_revoked(*s).unwrap())
        .count();
    assert!(
        revoked >= acknowledged.len() && revoked <= acknowledged.len() + 1,
        "at most the in-flight one extra: {revoked}"
    );
}
