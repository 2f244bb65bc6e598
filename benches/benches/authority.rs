//! The licensing authority, in process with its real database: issuing one credential,
//! and one revocation from the request to the new signed status response.
//!
//! Ids: `authority/issue`, `authority/revoke` on SQLite in a temporary folder (WAL, fsync
//! on commit), and `authority-postgres/issue`, `authority-postgres/revoke` in the same
//! run on a fresh database of the server `ALC_TEST_POSTGRES` names, if it names one
//! (`synchronous_commit` on: the commit is flushed to the server's WAL). Each
//! iteration's identity, assessment and credential are set up outside the timing.

use alc_circuits::credential::HolderSecret;
use alc_circuits::field::to_decimal;
use alc_devkit::idp::DevIdp;
use alc_issuer::authority::Authority;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::Answer;
use alc_protocol::authority::CredentialRequest;
use alc_protocol::authority::RevokeRequest;
use alc_protocol::time::SystemClock;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const AUD: &str = "alc-authority";

struct Fixture {
    rt: tokio::runtime::Runtime,
    authority: Arc<Authority>,
    idp: DevIdp,
    bank: Bank,
    next: AtomicU64,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// An authority on SQLite, or on a fresh PostgreSQL database of `postgres`.
    fn new(postgres: Option<&str>) -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let idp = DevIdp::generate("https://idp.bench".into());
        std::fs::write(dir.path().join("jwks.json"), idp.jwks().to_string()).unwrap();
        let database = match postgres {
            Some(server) => format!(
                "database = \"{}\"\n",
                rt.block_on(alc_devkit::postgres::fresh_database(server, "alc_bench"))
            ),
            None => String::new(),
        };
        let config = format!(
            "{database}[[identity_providers]]\nissuer = \"https://idp.bench\"\naudience = \"{AUD}\"\njwks = {{ file = \"{}\" }}\n",
            dir.path().join("jwks.json").display()
        );
        std::fs::write(dir.path().join("authority.toml"), config).unwrap();
        let authority = rt
            .block_on(alc_issuer::service::open(dir.path(), Arc::new(SystemClock)))
            .unwrap();
        Self {
            rt,
            authority,
            idp,
            bank: Bank::from_toml(DEFAULT_BANK).unwrap(),
            next: AtomicU64::new(0),
            _dir: dir,
        }
    }

    /// A fresh identity that passed the assessment: its identity key.
    fn passed_identity(&self) -> Vec<u8> {
        let a = &self.authority;
        let subject = format!("op{}", self.next.fetch_add(1, Ordering::SeqCst));
        self.rt.block_on(async {
            let n = a.nonce().await.unwrap();
            let token = self.idp.mint(&subject, AUD, Some(&n.nonce), a.now(), 600);
            let session = a.login(&token).await.unwrap();
            let id = a.session_identity(&session.session).await.unwrap();
            let attempt = a.start_attempt(&session.session).await.unwrap();
            let answers: Vec<Answer> = attempt
                .questions
                .iter()
                .map(|q| {
                    let b = self
                        .bank
                        .questions
                        .iter()
                        .find(|b| b.text == q.text)
                        .unwrap();
                    let option = q
                        .options
                        .iter()
                        .position(|o| *o == b.options[b.answer])
                        .unwrap();
                    Answer {
                        question: q.id.clone(),
                        option,
                    }
                })
                .collect();
            assert!(
                a.submit_attempt(&session.session, &attempt.attempt, &answers)
                    .await
                    .unwrap()
                    .passed
            );
            id
        })
    }

    fn request() -> CredentialRequest {
        let pk = HolderSecret::generate(&mut rand::rngs::OsRng).commitment();
        CredentialRequest {
            holder: to_decimal(&pk),
            permit: None,
        }
    }
}

fn authority(c: &mut Criterion) {
    group(c, "authority", &Fixture::new(None));
    if let Some(server) = alc_devkit::postgres::server() {
        group(c, "authority-postgres", &Fixture::new(Some(&server)));
    }
}

fn group(c: &mut Criterion, name: &str, f: &Fixture) {
    let mut g = c.benchmark_group(name);
    g.sample_size(30);
    g.bench_function("issue", |b| {
        b.iter_batched(
            || (f.passed_identity(), Fixture::request()),
            |(id, req)| f.rt.block_on(f.authority.issue(&id, &req)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("revoke", |b| {
        b.iter_batched(
            || {
                let id = f.passed_identity();
                f.rt.block_on(f.authority.issue(&id, &Fixture::request()))
                    .unwrap()
                    .signed
                    .credential
                    .serial
            },
            |serial| {
                let req = RevokeRequest {
                    serial,
                    reason: "bench".into(),
                    emergency: false,
                };
                f.rt.block_on(f.authority.revoke(&req, "bench")).unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, authority);
criterion_main!(benches);
