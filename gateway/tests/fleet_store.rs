//! The gateway's store shared by several processes (issue 18, `docs/fleet.md`): each
//! test opens two store handles on one database, two connection pools that stand for two
//! gateway processes, and runs on SQLite always and on PostgreSQL when
//! `ALC_TEST_POSTGRES` names a server (a URL; each test creates a database of its own
//! there). With `ALC_REQUIRE_POSTGRES=1` and no server, the PostgreSQL tests fail rather
//! than pass unrun.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use alc_gateway::lease::Lease;
use alc_gateway::store::{Kill, Store, KILL_POLL};
use alc_registry::entry::{Entry, Kill as KillEntry, KillTarget};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Where a test's stores live.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Db {
    fn sqlite() -> Self {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh database on the test server, or none (the test is skipped) when no server
    /// is given and none is required.
    async fn postgres() -> Option<Self> {
        let Some(base) = alc_devkit::postgres::server() else {
            eprintln!("skipped: set ALC_TEST_POSTGRES=postgres://... to run on PostgreSQL");
            return None;
        };
        Some(Db::Postgres(
            alc_devkit::postgres::fresh_database(&base, "alc_gw").await,
        ))
    }

    /// A new handle: a pool of its own, as another process would open.
    async fn open(&self) -> Store {
        match self {
            Db::Sqlite(dir) => Store::open(&dir.path().join("gateway.db")).await.unwrap(),
            Db::Postgres(url) => Store::open_postgres(url).await.unwrap(),
        }
    }
}

/// Runs a scenario on SQLite and on PostgreSQL.
macro_rules! both {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $scenario(Db::sqlite(), "sqlite").await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            if let Some(db) = Db::postgres().await {
                $scenario(db, "postgres").await;
            }
        }
    };
}

const NOW: u64 = 1_900_000_000;

fn lease(id: &str, parent: Option<&str>) -> Lease {
    Lease {
        id: id.into(),
        parent: parent.map(Into::into),
        pseudonym: "1234567".into(),
        tier: 2,
        permit_tier: 1,
        epoch: 7,
        agent: "agent-1".into(),
        manifest: "ab".repeat(32),
        rights: vec!["/v1/sandbox/".into(), "/v1/public/".into()],
        rate_per_min: 60,
        expires: NOW + 900,
        depth: u32::from(parent.is_some()),
        key: Some("cd".repeat(32)),
        escrow: parent
            .is_none()
            .then(|| "{\"c1\":[\"1\",\"2\"]}".to_owned()),
        system: None,
    }
}

fn entry(target: &str) -> Entry {
    Entry::Kill(KillEntry {
        gateway: "gw.example".into(),
        target: KillTarget::Lease(target.into()),
        reason: "test".into(),
        at: NOW,
    })
}

async fn challenge_once(db: Db, _engine: &str) {
    let (a, b) = (db.open().await, db.open().await);
    a.add_challenge("111", NOW, NOW + 60).await.unwrap();
    assert!(b.challenge_open("111", NOW, NOW + 1).await.unwrap());
    assert!(b.consume_challenge("111", NOW + 1).await.unwrap());
    // Consumed at b: refused at a and at b again.
    assert!(!a.consume_challenge("111", NOW + 1).await.unwrap());
    assert!(!b.consume_challenge("111", NOW + 1).await.unwrap());
    assert!(!a.challenge_open("111", NOW, NOW + 1).await.unwrap());
    // The twin: a different challenge made at a is accepted at b, once.
    a.add_challenge("222", NOW, NOW + 60).await.unwrap();
    assert!(b.consume_challenge("222", NOW + 1).await.unwrap());
    // An expired one is not.
    a.add_challenge("333", NOW, NOW + 60).await.unwrap();
    assert!(!b.consume_challenge("333", NOW + 60).await.unwrap());
    // Raced by many callers of both handles: exactly one wins.
    a.add_challenge("444", NOW, NOW + 60).await.unwrap();
    let mut racers = Vec::new();
    for i in 0..16 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        racers.push(tokio::spawn(async move {
            s.consume_challenge("444", NOW + 1).await.unwrap()
        }));
    }
    let mut won = 0;
    for r in racers {
        won += usize::from(r.await.unwrap());
    }
    assert_eq!(won, 1, "a challenge is consumed exactly once");
}
both!(
    challenge_once,
    sqlite_challenge_consumed_once_across_handles,
    postgres_challenge_consumed_once_across_handles
);

async fn lease_index(db: Db, _engine: &str) {
    let (a, b) = (db.open().await, db.open().await);
    let root = lease("lease-root", None);
    let child = lease("lease-child", Some("lease-root"));
    a.add_lease("block-root", &root, NOW, &entry("lease-root"))
        .await
        .unwrap();
    b.add_lease("block-child", &child, NOW + 1, &entry("lease-child"))
        .await
        .unwrap();
    // Minted at a, found at b (and the other way round), every field as written.
    assert_eq!(b.lease("block-root").await.unwrap(), Some(root.clone()));
    assert_eq!(a.lease("block-child").await.unwrap(), Some(child));
    assert!(b.lease_exists("lease-root").await.unwrap());
    let chain = a.chain_of("1234567").await.unwrap();
    assert_eq!(
        chain.iter().map(|l| l.lease.as_str()).collect::<Vec<_>>(),
        ["lease-root", "lease-child"]
    );
    assert_eq!(b.escrow_of("1234567").await.unwrap(), root.escrow);
    // The twins: an unknown block or lease id is not found, another pseudonym has none.
    assert_eq!(b.lease("block-unknown").await.unwrap(), None);
    assert!(!a.lease_exists("lease-unknown").await.unwrap());
    assert!(b.chain_of("7654321").await.unwrap().is_empty());
    assert_eq!(b.escrow_of("7654321").await.unwrap(), None);
    // A block id is recorded once.
    assert!(a
        .add_lease("block-root", &lease("other", None), NOW, &entry("other"))
        .await
        .is_err());
}
both!(
    lease_index,
    sqlite_lease_stored_by_one_is_found_by_another,
    postgres_lease_stored_by_one_is_found_by_another
);

/// What a gateway's refresh task does (`service.rs`): wait for a change, read what is
/// new. Reports each kill with the moment it arrived.
fn follow(store: Store) -> tokio::sync::mpsc::UnboundedReceiver<(Kill, Instant)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut last = 0;
        loop {
            store.kills_changed().await;
            let Ok(new) = store.kills_since(last).await else {
                continue;
            };
            let at = Instant::now();
            for k in new {
                last = last.max(k.id);
                if tx.send((k, at)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

async fn kill_propagation(db: Db, engine: &str) {
    let (a, b) = (db.open().await, db.open().await);
    let mut seen_at_b = follow(b.clone());
    let mut took = Vec::new();
    for i in 0..20 {
        let target = format!("lease-{i}");
        tokio::time::sleep(Duration::from_millis(37)).await;
        let t0 = Instant::now();
        let id = a
            .kill("lease", &target, "test", NOW, &entry(&target))
            .await
            .unwrap();
        let (kill, at) = tokio::time::timeout(Duration::from_secs(2), seen_at_b.recv())
            .await
            .expect("the kill arrives")
            .expect("the follower runs");
        assert_eq!(
            kill,
            Kill {
                id,
                kind: "lease".into(),
                value: target
            }
        );
        took.push(at.duration_since(t0));
    }
    took.sort();
    let (p50, max) = (took[took.len() / 2], took[took.len() - 1]);
    println!(
        "kill propagation between two {engine} store handles, 20 trials: p50 {p50:?}, max {max:?} (poll fallback {KILL_POLL:?})"
    );
    assert!(
        max < Duration::from_secs(1),
        "a kill took {max:?} to arrive"
    );
    // The twin: nothing else arrives, and a lease nobody killed is in no kill.
    assert!(
        tokio::time::timeout(KILL_POLL * 3, seen_at_b.recv())
            .await
            .is_err(),
        "only the kills made arrive"
    );
    let all = b.kills_since(0).await.unwrap();
    assert_eq!(all.len(), 20);
    assert!(!all.iter().any(|k| k.value == "lease-never-killed"));
}
both!(
    kill_propagation,
    sqlite_kill_at_one_reaches_another_within_a_second,
    postgres_kill_at_one_reaches_another_within_a_second
);

/// Kills written at once by both handles: a reader that polls by id while they are
/// written misses none (ids are in commit order).
async fn concurrent_kills(db: Db, _engine: &str) {
    let (a, b) = (db.open().await, db.open().await);
    let reader = {
        let b = b.clone();
        tokio::spawn(async move {
            let mut last = 0;
            let mut seen = BTreeSet::new();
            let deadline = Instant::now() + Duration::from_secs(30);
            while seen.len() < 40 && Instant::now() < deadline {
                for k in b.kills_since(last).await.unwrap() {
                    assert!(k.id > last, "in order");
                    last = k.id;
                    seen.insert(k.value);
                }
            }
            seen
        })
    };
    let mut writers = Vec::new();
    for i in 0..40 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        writers.push(tokio::spawn(async move {
            let v = format!("lease-{i}");
            s.kill("lease", &v, "race", NOW, &entry(&v)).await.unwrap()
        }));
    }
    let mut ids = BTreeSet::new();
    for w in writers {
        ids.insert(w.await.unwrap());
    }
    assert_eq!(ids.len(), 40, "every kill has its own id");
    let seen = reader.await.unwrap();
    assert_eq!(seen.len(), 40, "the polling reader missed none");
    // The twin: a kill nobody made is not among them.
    assert!(!seen.contains("lease-40"));
}
both!(
    concurrent_kills,
    sqlite_concurrent_kills_are_read_in_commit_order,
    postgres_concurrent_kills_are_read_in_commit_order
);

async fn outbox_durable(db: Db, _engine: &str) {
    let a = db.open().await;
    a.add_lease("block-1", &lease("lease-1", None), NOW, &entry("spawned"))
        .await
        .unwrap();
    a.kill("lease", "lease-1", "test", NOW, &entry("lease-1"))
        .await
        .unwrap();
    drop(a);
    // Reopened (another process, or after a restart): both entries are pending, in order.
    let c = db.open().await;
    let pending = c.outbox(100).await.unwrap();
    assert_eq!(
        pending.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(),
        [entry("spawned"), entry("lease-1")]
    );
    // The twin: a row marked submitted, or refused, is pending no more, after reopening too.
    c.submitted(pending[0].0, 5, NOW).await.unwrap();
    c.refuse(pending[1].0, "refused in a test").await.unwrap();
    drop(c);
    assert!(db.open().await.outbox(100).await.unwrap().is_empty());
}
both!(
    outbox_durable,
    sqlite_outbox_survives_reopening,
    postgres_outbox_survives_reopening
);

/// On PostgreSQL the kill set is append-only in the database itself.
#[tokio::test]
async fn postgres_kills_are_append_only() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let a = db.open().await;
    a.kill("lease", "lease-1", "test", NOW, &entry("lease-1"))
        .await
        .unwrap();
    let Db::Postgres(url) = &db else {
        unreachable!()
    };
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    for sql in [
        "UPDATE kills SET reason = 'rewritten'",
        "DELETE FROM kills",
        "TRUNCATE kills",
    ] {
        let e = sqlx::Executor::execute(&mut conn, sql).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(a.kills_since(0).await.unwrap().len(), 1);
    // The twin: the outbox is not append-only (rows are marked submitted).
    sqlx::Executor::execute(&mut conn, "UPDATE registry_outbox SET refused = 'x'")
        .await
        .unwrap();
}

/// Per-pseudonym rate limits across three processes, claiming concurrently: the claims
/// of a minute add up to the limit exactly.
async fn rate_claims_hold_the_limit(db: Db, _engine: &str) {
    let stores = [db.open().await, db.open().await, db.open().await];
    for (i, s) in stores.iter().enumerate() {
        s.rate_heartbeat(&format!("p{i}"), NOW).await.unwrap();
    }
    assert_eq!(stores[0].rate_heartbeat("p0", NOW).await.unwrap(), 3);
    let minute = NOW / 60;
    let claims = futures::future::join_all(stores.iter().map(|s| async move {
        let mut got = 0;
        loop {
            let g = s.rate_claim("nym", minute, 1000, 3).await.unwrap();
            if g == 0 {
                return got;
            }
            got += g;
        }
    }))
    .await;
    assert_eq!(claims.iter().sum::<u64>(), 1000, "{claims:?}");
    // Spent: every process is refused more of that minute.
    for s in &stores {
        assert_eq!(s.rate_claim("nym", minute, 1000, 3).await.unwrap(), 0);
    }
    // The twin: another minute, and another pseudonym, are claimed afresh.
    assert_eq!(
        stores[1]
            .rate_claim("nym", minute + 1, 1000, 3)
            .await
            .unwrap(),
        42
    );
    assert_eq!(
        stores[2]
            .rate_claim("other", minute, 1000, 3)
            .await
            .unwrap(),
        42
    );
    // A process silent for longer than RATE_LIVE_SECS no longer counts.
    let later = NOW + alc_gateway::store::RATE_LIVE_SECS + 1;
    assert_eq!(stores[0].rate_heartbeat("p0", later).await.unwrap(), 1);
}

both!(
    rate_claims_hold_the_limit,
    sqlite_rate_claims_hold_the_limit,
    postgres_rate_claims_hold_the_limit
);
