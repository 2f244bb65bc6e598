//! The per-request proof of possession of a key-bound lease (`docs/leases.md`): digesting
//! the body, checking the RFC 9421 tag under the lease's request key and the replay set,
//! against what the agent pays to sign; and, for scale, one Ed25519 verification (the
//! per-request cost had the profile used Ed25519 signatures).
//!
//! Run: `cargo bench -p alc-benches --bench leases`.

use alc_gateway::possession::{check, Replays, SignedRequest};
use alc_protocol::signature::{base, Covered, Params, RequestKey};
use alc_wallet::keys::{AgentKey, Signer};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signer as _, Verifier as _};
use sha2::{Digest, Sha256};

const BODY: &[u8] = br#"{"model":"m","prompt":"summarise the attached filing in three sentences"}"#;
const NOW: u64 = 1_790_000_000;

fn bench(c: &mut Criterion) {
    let secret = alc_circuits::credential::HolderSecret::from_field(7u64.into());
    let (agent, _) = AgentKey::fresh(&secret);
    let binding_secret = [9u8; 32];
    let binding = hex::encode(alc_protocol::signature::binding_public(&binding_secret));
    let signer = Signer::new(&agent, &binding, "0123456789abcdef", "bench").unwrap();
    let agent_vk = ed25519_dalek::VerifyingKey::from_bytes(&agent.public_bytes()).unwrap();
    let key = RequestKey::for_gateway(&binding_secret, &agent_vk).unwrap();
    let url = reqwest::Url::parse("http://gateway.test/v1/autonomous/chat?x=1").unwrap();
    let replays = Replays::default();

    let mut g = c.benchmark_group("lease possession");
    g.bench_function("sign (agent)", |b| {
        b.iter(|| signer.sign_at("POST", &url, BODY, NOW))
    });
    g.bench_function("check (gateway, per request)", |b| {
        b.iter_batched(
            || signer.sign_at("POST", &url, BODY, NOW),
            |h| {
                let r = SignedRequest {
                    method: "POST",
                    authority: "gateway.test",
                    path: "/v1/autonomous/chat",
                    query: Some("x=1"),
                    body_sha256: Sha256::digest(BODY).into(),
                    content_digest: Some(&h.content_digest),
                    signature_input: Some(&h.signature_input),
                    signature: Some(&h.signature),
                };
                check(&key, "0123456789abcdef", &r, &replays, NOW).unwrap();
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("request key agreement (gateway, once per lease)", |b| {
        b.iter(|| RequestKey::for_gateway(&binding_secret, &agent_vk).unwrap())
    });
    // For scale: the per-request cost had each request carried an Ed25519 signature.
    let ed = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let params = Params {
        created: NOW,
        nonce: "00".repeat(16),
        keyid: "0123456789abcdef".into(),
    };
    let digest = alc_protocol::signature::content_digest(&Sha256::digest(BODY).into());
    let msg = base(
        &Covered {
            method: "POST",
            authority: "gateway.test",
            path: "/v1/autonomous/chat",
            query: Some("x=1"),
            content_digest: &digest,
        },
        &params,
    );
    let sig = ed.sign(msg.as_bytes());
    let ed_vk = ed.verifying_key();
    g.bench_function("ed25519 verify (not used: for comparison)", |b| {
        b.iter(|| ed_vk.verify(msg.as_bytes(), &sig).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
