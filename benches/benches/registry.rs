//! The registry the authority hosts, in process with its real SQLite database (WAL,
//! fsync on commit):
//!
//! * `registry/append`: one gateway submission, from the signed entry to the durable
//!   commit of the leaf and its new nodes (signature check included); and
//!   `registry-postgres/append` in the same run on a fresh database of the server
//!   `ALC_TEST_POSTGRES` names, if it names one;
//! * `registry/1m/{inclusion,consistency,checkpoint}`: proofs and a signed checkpoint
//!   from a log of 1,000,000 entries, each reading O(log n) stored nodes.
//!
//! The million-entry log is bulk-loaded once (leaves and complete-subtree nodes written
//! directly, as appends would write them) into `target/bench-data/registry-1m` and
//! reused by later runs; delete that folder to rebuild it.

use alc_issuer::authority::Authority;
use alc_protocol::time::SystemClock;
use alc_registry::entry::{Entry, Kill, KillTarget};
use alc_registry::merkle::{self, Hash, NodeId};
use alc_registry::submission::{sign, GatewayKey};
use criterion::{criterion_group, criterion_main, Criterion};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const GW: &str = "gw-bench.example";
const MILLION: u64 = 1_000_000;

fn kill(i: u64) -> Entry {
    Entry::Kill(Kill {
        gateway: GW.into(),
        target: KillTarget::Lease(format!("l{i}")),
        reason: "bench".into(),
        at: 1_790_000_000 + i,
    })
}

fn open(rt: &tokio::runtime::Runtime, dir: &Path) -> Arc<Authority> {
    open_on(rt, dir, "")
}

/// The authority in `dir`, its configuration's first lines `head` on first use.
fn open_on(rt: &tokio::runtime::Runtime, dir: &Path, head: &str) -> Arc<Authority> {
    std::fs::create_dir_all(dir).unwrap();
    if !dir.join("authority.toml").exists() {
        std::fs::write(
            dir.join("authority.toml"),
            format!("name = \"bench\"\n{head}"),
        )
        .unwrap();
    }
    rt.block_on(alc_issuer::service::open(dir, Arc::new(SystemClock)))
        .unwrap()
}

fn register(rt: &tokio::runtime::Runtime, a: &Authority, key: &GatewayKey) {
    rt.block_on(a.register_gateway(
        &alc_protocol::authority::GatewayRegistration {
            id: key.gateway().into(),
            key: hex::encode(key.verifying_key().as_bytes()),
            url: "https://gateway.example".into(),
            reason: "bench".into(),
        },
        "bench",
    ))
    .unwrap();
}

fn append(c: &mut Criterion) {
    append_on(c, "registry/append", "");
    if let Some(server) = alc_devkit::postgres::server() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let url = rt.block_on(alc_devkit::postgres::fresh_database(&server, "alc_bench"));
        append_on(
            c,
            "registry-postgres/append",
            &format!("database = \"{url}\"\n"),
        );
    }
}

fn append_on(c: &mut Criterion, id: &str, head: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = open_on(&rt, dir.path(), head);
    let key = GatewayKey::from_seed(GW, &[1; 32]);
    register(&rt, &a, &key);
    let next = AtomicU64::new(0);
    c.bench_function(id, |b| {
        b.iter_batched(
            || sign(&key, kill(next.fetch_add(1, Ordering::Relaxed))).unwrap(),
            |s| rt.block_on(a.submit(&s)).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
}

/// The million-entry log, built once.
fn million(rt: &tokio::runtime::Runtime) -> Arc<Authority> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/registry-1m");
    let done = dir.join("loaded");
    let a = open(rt, &dir);
    if done.exists() {
        return a;
    }
    eprintln!(
        "bulk-loading a registry of {MILLION} entries (once) into {}",
        dir.display()
    );
    let pool = a.db_pool();
    rt.block_on(async {
        let start = rt_size(&pool).await;
        let mut nodes: HashMap<NodeId, Hash> = HashMap::new();
        // The nodes already stored (the authority's own first entry).
        let rows: Vec<(i64, i64, Vec<u8>)> =
            sqlx::query_as("SELECT level, idx, hash FROM registry_nodes")
                .fetch_all(&pool)
                .await
                .unwrap();
        for (l, i, h) in rows {
            nodes.insert(
                NodeId {
                    level: l as u8,
                    index: i as u64,
                },
                h.try_into().unwrap(),
            );
        }
        let mut n = start;
        while n < MILLION {
            let mut tx = pool.begin().await.unwrap();
            let end = (n + 20_000).min(MILLION);
            let mut new_nodes = Vec::new();
            let mut leaves = Vec::new();
            for i in n..end {
                let leaf = kill(i).to_leaf().unwrap();
                let h = merkle::leaf_hash(&leaf);
                for (id, v) in merkle::append(&nodes, i, h).unwrap() {
                    nodes.insert(id, v);
                    new_nodes.push((id, v));
                }
                leaves.push((i, leaf, h));
            }
            for chunk in leaves.chunks(500) {
                let sql = format!(
                    "INSERT INTO registry_leaves (idx, leaf, hash, kind, gateway, lease_id, agent, at) VALUES {}",
                    vec!["(?, ?, ?, 'kill', ?, NULL, NULL, ?)"; chunk.len()].join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (i, leaf, h) in chunk {
                    q = q
                        .bind(*i as i64)
                        .bind(leaf.clone())
                        .bind(h.to_vec())
                        .bind(GW)
                        .bind(*i as i64);
                }
                q.execute(&mut *tx).await.unwrap();
            }
            for chunk in new_nodes.chunks(500) {
                let sql = format!(
                    "INSERT INTO registry_nodes (level, idx, hash) VALUES {}",
                    vec!["(?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (id, h) in chunk {
                    q = q
                        .bind(i64::from(id.level))
                        .bind(id.index as i64)
                        .bind(h.to_vec());
                }
                q.execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
            // Keep only the nodes later appends read: left siblings on the right edge.
            nodes.retain(|id, _| {
                let span = 1u64 << id.level;
                (id.index + 1) * span > end.saturating_sub(span * 2)
            });
            n = end;
        }
    });
    std::fs::write(&done, "").unwrap();
    a
}

async fn rt_size(pool: &sqlx::AnyPool) -> u64 {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) + 1 FROM registry_leaves")
        .fetch_one(pool)
        .await
        .unwrap();
    n.unwrap_or(0) as u64
}

fn at_a_million(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let a = million(&rt);
    let size = rt.block_on(a.registry_size()).unwrap();
    assert!(size >= MILLION, "the bench log holds {size} entries");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut g = c.benchmark_group("registry/1m");
    g.bench_function("inclusion", |b| {
        b.iter(|| rt.block_on(a.inclusion(rand() % size, None)).unwrap())
    });
    g.bench_function("consistency", |b| {
        b.iter(|| {
            rt.block_on(a.consistency(1 + rand() % (size - 1), size))
                .unwrap()
        })
    });
    g.bench_function("checkpoint", |b| {
        b.iter(|| rt.block_on(a.checkpoint()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, append, at_a_million);
criterion_main!(benches);
