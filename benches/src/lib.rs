//! Shared fixtures for the ALC benches: the fixed-seed circuit-v1 keys, example
//! credentials with their prepared statement and witness, and proofs.
//!
//! Everything here is deterministic (ChaCha20 with fixed seeds), so two runs measure
//! the same inputs. Building a fixture is never part of a measurement: the benches
//! call these functions before they start timing.

use alc_circuits::presentation::{Statement, Witness};
use alc_prover::example::Example;
use alc_prover::{keys, prove, ProvingKey};
use alc_verifier::{Proof, VerifyingKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;

/// The gateway clock of every example (unix seconds).
pub const NOW: u64 = 1_790_000_000;
/// Seed of the fixed-seed setup (the same as the pinned keys in the prover tests).
pub const KEY_SEED: u64 = 2026;
/// Seed of the default example.
pub const EXAMPLE_SEED: u64 = 1;

/// A ChaCha20 generator from a seed.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The fixed-seed proving and verifying keys of circuit v1 (set up once per process).
pub fn keys() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| keys::setup(&mut rng(KEY_SEED)).expect("circuit-v1 setup"))
}

/// An example (issuer, holder, credential, status list with 100 revoked, request)
/// and its prepared statement and witness.
pub struct Fixture {
    /// The example's pieces.
    pub example: Example,
    /// The prepared statement.
    pub statement: Statement,
    /// The prepared witness.
    pub witness: Witness,
}

impl Fixture {
    /// The example generated from `seed` at [`NOW`], prepared.
    pub fn new(seed: u64) -> Self {
        let example = Example::generate(&mut rng(seed), NOW);
        let (statement, witness) = prepare_example(&example);
        Self {
            example,
            statement,
            witness,
        }
    }

    /// A proof of the statement with the fixed-seed key.
    pub fn prove(&self, seed: u64) -> Proof {
        prove(&keys().0, &self.statement, &self.witness, &mut rng(seed)).expect("prove")
    }
}

/// The default example ([`EXAMPLE_SEED`]), built once per process.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::new(EXAMPLE_SEED))
}

/// What the holder's wallet does before proving: statement and witness from the
/// issuer key, credential, holder secret, status list and request.
pub fn prepare_example(ex: &Example) -> (Statement, Witness) {
    ex.prepare().expect("the example satisfies its request")
}

/// `n` distinct proofs, each of its own example (seeds `first_seed..first_seed + n`),
/// with their statements. Checked to verify.
pub fn proofs(n: usize, first_seed: u64) -> Vec<(Proof, Statement)> {
    (first_seed..first_seed + n as u64)
        .map(|seed| {
            let f = Fixture::new(seed);
            let p = f.prove(seed + 1_000_000);
            alc_verifier::verify(&keys().1, &p, &f.statement).expect("fixture proof verifies");
            (p, f.statement)
        })
        .collect()
}

/// A lease request for the gateway at `gw` (following the authority at `auth`), proved
/// now with `keys`: bound to the agent key `key` under circuit v2, a bearer request
/// under circuit v1; and the challenge it answers. For the load examples.
///
/// # Panics
///
/// If a service does not answer or the credential cannot prove: a broken bench.
pub async fn lease_request(
    c: &reqwest::Client,
    gw: &str,
    auth: &str,
    keys: &alc_wallet::lease::ProverKeys,
    cred: &alc_circuits::files::CredentialFile,
    secret: &alc_circuits::credential::HolderSecret,
    key: Option<&alc_wallet::keys::AgentKey>,
) -> (
    alc_protocol::gateway::LeaseRequest,
    alc_protocol::gateway::Challenge,
) {
    use alc_protocol::gateway::{Challenge, LeaseRequest, Route};
    async fn get<T: serde::de::DeserializeOwned>(c: &reqwest::Client, url: String) -> T {
        let r = c.get(url).send().await.expect("the service answers");
        r.json().await.expect("the protocol's answer")
    }
    let ch: Challenge = get(c, format!("{gw}/v1/lease/challenge")).await;
    let list: alc_protocol::status::PublishedList = get(c, format!("{auth}/v1/status/list")).await;
    let list =
        alc_circuits::status::StatusList::decode(&list.encoded_list).expect("the published list");
    let manifest = alc_wallet::lease::manifest_digest(b"load test agent");
    let req = alc_protocol::files::ProofRequest::from_challenge(&ch, &manifest, Route::Autonomous);
    let (presentation, _) =
        alc_wallet::lease::present(&ch.scope, keys, cred, secret, &list, &req, key)
            .expect("the credential proves");
    let body = LeaseRequest {
        presentation,
        agent: "load".into(),
        manifest,
        key: key.map(alc_wallet::keys::AgentKey::public_hex),
        system: None,
    };
    (body, ch)
}

/// A lease from the gateway at `gw`: [`lease_request`] posted to `/v1/lease`. The lease
/// issued and the challenge it answered.
///
/// # Panics
///
/// If a service does not answer or refuses: a broken bench.
pub async fn lease(
    c: &reqwest::Client,
    gw: &str,
    auth: &str,
    keys: &alc_wallet::lease::ProverKeys,
    cred: &alc_circuits::files::CredentialFile,
    secret: &alc_circuits::credential::HolderSecret,
    key: Option<&alc_wallet::keys::AgentKey>,
) -> (
    alc_protocol::gateway::Issued,
    alc_protocol::gateway::Challenge,
) {
    let (body, ch) = lease_request(c, gw, auth, keys, cred, secret, key).await;
    let issued = c
        .post(format!("{gw}/v1/lease"))
        .json(&body)
        .send()
        .await
        .expect("the gateway answers")
        .json()
        .await
        .expect("a lease");
    (issued, ch)
}
