//! The registry with real processes: submissions that got 2xx survive SIGKILL of the
//! authority; `alc registry audit` passes on an honest log, and fails (non-zero, with the
//! reason) when an entry is rewritten or removed, or when a second checkpoint of the same
//! size shows another root (a split view).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_e2e::{alc, fails, ok, Service};
use alc_registry::checkpoint::{sign_checkpoint, Checkpoint, NoteSigner};
use alc_registry::entry::{Entry, Kill, KillTarget};
use alc_registry::merkle::{self, NodeId};
use alc_registry::submission::{sign, GatewayKey};
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const GW: &str = "gw-crash.example";

fn kill_entry(i: u64) -> Entry {
    Entry::Kill(Kill {
        gateway: GW.into(),
        target: KillTarget::Lease(format!("lease-{i}")),
        reason: "crash test".into(),
        at: 1_790_000_000 + i,
    })
}

fn start_authority(dir: &Path, data: &Path, listen: &str) -> Service {
    Service::start(
        dir,
        &[
            "authority",
            "serve",
            "--listen",
            listen,
            "--data",
            data.to_str().unwrap(),
        ],
    )
}

fn register(c: &Client, auth: &str, admin: &str, key: &GatewayKey) {
    let r = c
        .post(format!("{auth}/v1/admin/gateways"))
        .bearer_auth(admin)
        .json(&json!({ "id": key.gateway(), "key": hex::encode(key.verifying_key().as_bytes()), "url": format!("https://{}", key.gateway()), "reason": "test" }))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
}

fn audit(dir: &Path, auth: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "registry",
        "audit",
        "--authority",
        auth,
        "--state",
        "audit.json",
    ];
    args.extend_from_slice(extra);
    alc(dir, &args)
}

#[test]
fn submissions_that_got_2xx_survive_sigkill_and_audits_catch_tampering() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("authority");
    std::fs::create_dir_all(&data).unwrap();
    let mut auth = start_authority(t.path(), &data, "127.0.0.1:0");
    let addr = auth.url.trim_start_matches("http://").to_owned();
    let admin = std::fs::read_to_string(data.join("admin-token"))
        .unwrap()
        .trim()
        .to_owned();
    let c = Client::new();
    let key = GatewayKey::from_seed(GW, &[7; 32]);
    register(&c, &auth.url, &admin, &key);
    ok(audit(t.path(), &auth.url, &[]));

    // Submit in a loop on another thread; SIGKILL the authority while it runs.
    let acknowledged = Arc::new(Mutex::new(Vec::<(u64, u64)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (acknowledged, stop, url) = (acknowledged.clone(), stop.clone(), auth.url.clone());
        let key = GatewayKey::from_seed(GW, &[7; 32]);
        std::thread::spawn(move || {
            let c = Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap();
            for i in 0..10_000u64 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let sub = sign(&key, kill_entry(i)).unwrap();
                match c
                    .post(format!("{url}/v1/registry/entries"))
                    .json(&sub)
                    .send()
                {
                    Ok(resp) if resp.status().is_success() => {
                        let v: Value = resp.json().unwrap();
                        let index = v["index"].as_str().unwrap().parse().unwrap();
                        acknowledged.lock().unwrap().push((i, index));
                    }
                    _ => break,
                }
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    auth.kill();
    stop.store(true, Ordering::SeqCst);
    worker.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 20);

    // Restart on the same address: every acknowledged entry is there, at its index.
    let auth = start_authority(t.path(), &data, &addr);
    for (i, index) in &acknowledged {
        let v: Value = c
            .get(format!("{}/v1/registry/entries/{index}", auth.url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let entry: Entry = serde_json::from_value(v["entry"].clone()).unwrap();
        assert_eq!(entry, kill_entry(*i), "entry {index} after the crash");
    }
    let inclusion = acknowledged[acknowledged.len() / 2].1.to_string();
    let out = ok(audit(
        t.path(),
        &auth.url,
        &["--entry", &inclusion, "--full"],
    ));
    assert!(
        out.contains("consistent with the last verified checkpoint"),
        "{out}"
    );
    println!(
        "{} submissions acknowledged before SIGKILL, all present after restart",
        acknowledged.len()
    );

    // A split view: a second checkpoint of the current size with another root, signed
    // with the log's own key (as a dishonest log could), given to the auditor.
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("audit.json")).unwrap())
            .unwrap();
    let origin = state["origin"].as_str().unwrap().to_owned();
    let seed: [u8; 32] = hex::decode(
        std::fs::read_to_string(data.join("keys").join("registry.key"))
            .unwrap()
            .trim(),
    )
    .unwrap()
    .try_into()
    .unwrap();
    let signer = NoteSigner::from_seed(&origin, &seed).unwrap();
    let size: u64 = state["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let forked = sign_checkpoint(
        &signer,
        &Checkpoint {
            origin: origin.clone(),
            size,
            root: [0x42; 32],
            extensions: vec![],
        },
    )
    .unwrap();
    std::fs::write(t.path().join("forked.note"), forked).unwrap();
    let err = fails(
        audit(t.path(), &auth.url, &["--checkpoint", "forked.note"]),
        "split view",
    );
    println!("split view reported: {err}");

    // Rewrite one entry (and recompute the tree, as a careful forger would): the next
    // audit cannot prove the new log consistent with the checkpoint it verified.
    drop(auth);
    let copy = t.path().join("authority-copy");
    let cp = std::process::Command::new("cp")
        .arg("-a")
        .arg(&data)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(cp.success());
    rewrite(&data.join("authority.db"), Tamper::Rewrite(3));
    let auth = start_authority(t.path(), &data, &addr);
    let err = fails(audit(t.path(), &auth.url, &[]), "not an extension");
    println!("rewritten entry caught: {err}");
    drop(auth);

    // Remove one entry from a copy of the honest log (later entries move up a place).
    std::fs::remove_dir_all(&data).unwrap();
    std::fs::rename(&copy, &data).unwrap();
    rewrite(&data.join("authority.db"), Tamper::Remove(5));
    let auth = start_authority(t.path(), &data, &addr);
    let err = fails(audit(t.path(), &auth.url, &[]), "not an extension");
    println!("removed entry caught: {err}");
}

enum Tamper {
    Rewrite(i64),
    Remove(i64),
}

/// Rewrites or removes an entry in the authority's database and rebuilds every stored
/// node, as a careful forger would.
fn rewrite(db: &Path, tamper: Tamper) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = alc_issuer::db::open(&alc_issuer::db::Location::Sqlite(db.to_owned()))
            .await
            .unwrap()
            .pool;
        for t in [
            "registry_leaves_append_only_update",
            "registry_leaves_append_only_delete",
            "registry_nodes_append_only_update",
            "registry_nodes_append_only_delete",
        ] {
            sqlx::query(&format!("DROP TRIGGER {t}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        let forged = Entry::Kill(Kill {
            gateway: GW.into(),
            target: KillTarget::Lease("someone-else".into()),
            reason: "rewritten".into(),
            at: 1,
        })
        .to_leaf()
        .unwrap();
        match tamper {
            Tamper::Rewrite(index) => {
                sqlx::query("UPDATE registry_leaves SET leaf = ?, hash = ? WHERE idx = ?")
                    .bind(&forged)
                    .bind(merkle::leaf_hash(&forged).as_slice())
                    .bind(index)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            Tamper::Remove(index) => {
                sqlx::query("DELETE FROM registry_leaves WHERE idx = ?")
                    .bind(index)
                    .execute(&pool)
                    .await
                    .unwrap();
                let later: Vec<i64> = sqlx::query_scalar(
                    "SELECT idx FROM registry_leaves WHERE idx > ? ORDER BY idx",
                )
                .bind(index)
                .fetch_all(&pool)
                .await
                .unwrap();
                for i in later {
                    sqlx::query("UPDATE registry_leaves SET idx = ? WHERE idx = ?")
                        .bind(i - 1)
                        .bind(i)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            }
        }
        sqlx::query("DELETE FROM registry_nodes")
            .execute(&pool)
            .await
            .unwrap();
        let hashes: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT hash FROM registry_leaves ORDER BY idx")
                .fetch_all(&pool)
                .await
                .unwrap();
        let mut nodes: HashMap<NodeId, merkle::Hash> = HashMap::new();
        for (i, h) in hashes.into_iter().enumerate() {
            let h: merkle::Hash = h.try_into().unwrap();
            for (id, v) in merkle::append(&nodes, i as u64, h).unwrap() {
                nodes.insert(id, v);
            }
        }
        for (id, h) in nodes {
            sqlx::query("INSERT INTO registry_nodes (level, idx, hash) VALUES (?, ?, ?)")
                .bind(i64::from(id.level))
                .bind(id.index as i64)
                .bind(h.as_slice())
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    });
}
