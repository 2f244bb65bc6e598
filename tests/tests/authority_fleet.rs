//! Two authority processes on one PostgreSQL database (issue 18, `docs/scaling.md`):
//! real `alc authority serve` processes sharing a data folder's keys and a database, under
//! concurrent load through both. Serials are never issued twice, epochs are contiguous
//! and every process publishes the latest, the registry is one log, an identity has one
//! open attempt however many processes it asks, and a SIGKILLed process loses nothing it
//! acknowledged. Runs when `ALC_TEST_POSTGRES` names a server (the test command starts
//! one); with `ALC_REQUIRE_POSTGRES=1` and none, it fails rather than passes unrun.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use alc_e2e::licensing::{authority_with_dev_idp_and, credential, post, AUD};
use alc_e2e::Service;
use alc_protocol::authority::{Login, Nonce, RevokeRequest, Session};
use alc_protocol::status::SignedStatus;
use reqwest::blocking::Client;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// A second `alc authority serve` on the data folder `adata` (its keys, configuration and
/// database).
fn another(dir: &Path, adata: &Path) -> Service {
    Service::start(
        dir,
        &[
            "authority",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            adata.to_str().unwrap(),
        ],
    )
}

/// The epoch and root `auth` publishes, signed by the authority's status key.
fn status(c: &Client, auth: &str) -> (u64, String) {
    let keys: alc_protocol::authority::AuthorityKeys = c
        .get(format!("{auth}/v1/authority"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let key = alc_protocol::encoding::base64url_array(&keys.status_key).unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    let s: SignedStatus = c
        .get(format!("{auth}/v1/status"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let r = s.verify(&key).unwrap();
    (r.epoch, r.root)
}

/// Waits (up to 3 s) until `auth` publishes epoch `epoch` or a later one: the epoch and
/// its root.
fn await_epoch(c: &Client, auth: &str, epoch: u64) -> (u64, String) {
    let started = Instant::now();
    loop {
        let (e, root) = status(c, auth);
        if e >= epoch {
            return (e, root);
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{auth} publishes epoch {e}, not {epoch}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The size of the registry's latest checkpoint at `auth`.
fn registry_size(c: &Client, auth: &str) -> u64 {
    let note = c
        .get(format!("{auth}/v1/registry/checkpoint"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    note.lines().nth(1).unwrap().parse().unwrap()
}

/// A session for `subject` at `auth`.
fn session(c: &Client, idp: &str, auth: &str, subject: &str) -> String {
    let empty = serde_json::Map::new();
    let (_, n) = post(c, &format!("{auth}/v1/identity/nonce"), None, &empty);
    let n: Nonce = serde_json::from_value(n).unwrap();
    let (_, t) = post(
        c,
        &format!("{idp}/token"),
        None,
        &alc_devkit::idp::TokenRequest {
            subject: subject.into(),
            audience: AUD.into(),
            nonce: Some(n.nonce),
            ttl_secs: None,
        },
    );
    let t: alc_devkit::idp::TokenResponse = serde_json::from_value(t).unwrap();
    let (s, v) = post(
        c,
        &format!("{auth}/v1/identity"),
        None,
        &Login {
            id_token: t.id_token,
        },
    );
    assert_eq!(s, 200, "{v}");
    serde_json::from_value::<Session>(v).unwrap().session
}

fn revoke(c: &Client, auth: &str, admin: &str, serial: u32) -> (u16, Value) {
    post(
        c,
        &format!("{auth}/v1/admin/revoke"),
        Some(admin),
        &RevokeRequest {
            serial,
            reason: "fleet test".into(),
            emergency: false,
        },
    )
}

#[test]
fn two_authority_processes_share_one_postgresql_database() {
    let Some(server) = alc_devkit::postgres::server() else {
        eprintln!("skipped: set ALC_TEST_POSTGRES=postgres://... to run on PostgreSQL");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(alc_devkit::postgres::fresh_database(&server, "alc_fleet"));
    let dir = tempfile::tempdir().unwrap();
    let (idp, a, adata) =
        authority_with_dev_idp_and(dir.path(), &format!("database = \"{url}\"\n"));
    // The second process after the first has made the keys: they are the data folder's.
    let mut b = another(dir.path(), &adata);
    let admin = std::fs::read_to_string(adata.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let c = Client::new();
    let both = [a.url.clone(), b.url.clone()];

    // Issuance through both at once: every serial once, none skipped.
    let serials: Vec<u32> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let (c, idp, both) = (&c, &idp.url, &both);
                s.spawn(move || {
                    (0..3)
                        .map(|i| {
                            let auth = &both[(t + i) % 2];
                            let (cred, _) = credential(c, idp, auth, &format!("op-{t}-{i}"));
                            cred.signed.credential.serial
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let issued: BTreeSet<u32> = serials.iter().copied().collect();
    assert_eq!(issued, (0..12).collect(), "{serials:?}");

    // Revocations through both at once: one epoch each, contiguous.
    let epochs: Vec<u64> = std::thread::scope(|s| {
        let workers: Vec<_> = serials
            .chunks(3)
            .enumerate()
            .map(|(t, chunk)| {
                let (c, both, admin) = (&c, &both, &admin);
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, serial)| {
                            let (st, v) = revoke(c, &both[(t + i) % 2], admin, *serial);
                            assert_eq!(st, 200, "{v}");
                            v["epoch"].as_u64().unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let epochs: BTreeSet<u64> = epochs.into_iter().collect();
    assert_eq!(epochs, (1..=12).collect());

    // Each process publishes the latest epoch, with the same root, soon after the last
    // revocation (an announcement, or the poll).
    assert_eq!(await_epoch(&c, &a.url, 12), await_epoch(&c, &b.url, 12));
    for auth in &both {
        let l: Value = c
            .get(format!("{auth}/v1/status/list"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let list =
            alc_circuits::status::StatusList::decode(l["encoded_list"].as_str().unwrap()).unwrap();
        for s in &serials {
            assert!(list.is_revoked(*s).unwrap(), "{auth}: serial {s}");
        }
        // The twin: a serial never revoked is not.
        assert!(!list.is_revoked(12).unwrap());
    }
    // One registry: the initial epoch and twelve more, the same at both.
    assert_eq!(registry_size(&c, &a.url), 13);
    assert_eq!(registry_size(&c, &b.url), 13);

    // One open attempt per identity, whichever processes it asks at once.
    let sessions = [
        session(&c, &idp.url, &a.url, "racer"),
        session(&c, &idp.url, &b.url, "racer"),
    ];
    let started: Vec<u16> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (c, both, sessions) = (&c, &both, &sessions);
                s.spawn(move || {
                    post(
                        c,
                        &format!("{}/v1/assessment/attempts", both[i]),
                        Some(&sessions[i]),
                        &serde_json::Map::new(),
                    )
                    .0
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(
        started.iter().filter(|s| **s == 200).count(),
        1,
        "{started:?}"
    );
    // The twin: another identity starts its own at the same time.
    let other = session(&c, &idp.url, &b.url, "bystander");
    let (st, v) = post(
        &c,
        &format!("{}/v1/assessment/attempts", a.url),
        Some(&other),
        &serde_json::Map::new(),
    );
    assert_eq!(st, 200, "{v}");

    // SIGKILL one process under load: whatever it acknowledged, the other has (and
    // perhaps one more it committed but could not answer: durable before acknowledged,
    // not the reverse).
    let more: Vec<u32> = (0..4)
        .map(|i| {
            credential(&c, &idp.url, &a.url, &format!("late-{i}"))
                .0
                .signed
                .credential
                .serial
        })
        .collect();
    let b_url = b.url.clone();
    let acknowledged: Vec<u32> = std::thread::scope(|s| {
        let worker = {
            let (c, b_url, admin, more) = (&c, &b_url, &admin, &more);
            s.spawn(move || {
                let mut done = Vec::new();
                for serial in more {
                    let resp = c
                        .post(format!("{b_url}/v1/admin/revoke"))
                        .bearer_auth(admin)
                        .json(&RevokeRequest {
                            serial: *serial,
                            reason: "under load".into(),
                            emergency: false,
                        })
                        .send();
                    match resp {
                        Ok(r) if r.status().as_u16() == 200 => done.push(*serial),
                        _ => break,
                    }
                }
                done
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        b.kill();
        worker.join().unwrap()
    });
    eprintln!(
        "{} of {} revocations acknowledged before the SIGKILL",
        acknowledged.len(),
        more.len()
    );
    await_epoch(&c, &a.url, 12 + acknowledged.len() as u64);
    let l: Value = c
        .get(format!("{}/v1/status/list", a.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list =
        alc_circuits::status::StatusList::decode(l["encoded_list"].as_str().unwrap()).unwrap();
    for s in &acknowledged {
        assert!(
            list.is_revoked(*s).unwrap(),
            "acknowledged by the killed process: {s}"
        );
    }
    // The survivor carries on: what the killed one did not get to, it revokes (once:
    // a serial already revoked makes no new epoch).
    for s in more.iter().filter(|s| !acknowledged.contains(s)) {
        let (st, v) = revoke(&c, &a.url, &admin, *s);
        assert_eq!(st, 200, "{v}");
    }
    assert_eq!(status(&c, &a.url).0, 16);
}
