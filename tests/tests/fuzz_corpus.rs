//! The fuzzers' seed corpus (`fuzz/corpus/<target>/`, docs/fuzzing.md): made here from
//! the project's own builders and pinned vectors, and checked here. Every committed seed
//! is an input its parser accepts (a corpus of refusals would leave the fuzzer at the
//! front door), and its failing twin, the same seed cut short by its last byte (trailing
//! white space aside), is refused.
//!
//! Write the corpus again (after a format change) with
//! `ALC_WRITE_FUZZ_CORPUS=1 cargo test -p alc-e2e --test fuzz_corpus`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use alc_circuits::status::StatusList;
use alc_circuits::Fr;
use alc_gateway::lease::{Lease, Minter};
use alc_gateway::status::sse::SseParser;
use alc_insurance::{certify, prove_cover, CoverCertificate, CoverOpening, CoverProof, Evidence};
use alc_issuer::oidc::{JwksSource, ProviderConfig, Verifier};
use alc_protocol::encoding::base64url;
use alc_protocol::gateway::{AcceptedRoot, Challenge, Policy, TierPolicy};
use alc_protocol::gateways::{check_challenge, GatewayList, RegisteredGateway, SignedGatewayList};
use alc_protocol::signature::{parse_signature, signature_header, Params};
use alc_protocol::status::{SignedStatus, StatusResponse};
use alc_prover::circom::{zkey::ZkeyError, FormatError};
use alc_registry::checkpoint::{verify_checkpoint, Checkpoint, NoteSigner};
use alc_registry::entry::{Entry, Permissions, Spawn};
use alc_registry::submission::{sign, GatewayKey, Submission};
use alc_verifier::{snarkjs, Presentation, PresentationV2, Proof, VerifyingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ed25519_dalek::{Signer, SigningKey};
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The fuzz targets' fixed keys and values (as in `fuzz/fuzz_targets/`).
const NOW: u64 = 1_700_000_000;
const ORIGIN: &str = "alc.example/registry";
const ISSUER: &str = "alc-authority";
const GATEWAY_URL: &str = "https://gw.example";
const IDP: &str = "https://idp.example";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus() -> PathBuf {
    repo().join("fuzz/corpus")
}

/// The targets, as `fuzz/Cargo.toml` names its binaries.
fn targets() -> Vec<String> {
    let toml = std::fs::read_to_string(repo().join("fuzz/Cargo.toml")).unwrap();
    toml.lines()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "[[bin]]")
        .filter_map(|w| w[1].strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"').to_owned())
        .collect()
}

fn pinned(version: &str, file: &str) -> String {
    std::fs::read_to_string(repo().join(format!("circuits/circuit_data/{version}/{file}"))).unwrap()
}

fn pinned_key(version: &str) -> VerifyingKey {
    VerifyingKey::from_bytes(&hex::decode(pinned(version, "verifying_key.hex").trim()).unwrap())
        .unwrap()
}

fn status() -> StatusResponse {
    StatusResponse {
        issuer: ISSUER.into(),
        list: "https://authority.example/v1/status/list".into(),
        epoch: 4,
        root: "12345678901234567890".into(),
        produced_at: NOW,
        next_update: NOW + 300,
        emergency: false,
    }
}

fn spawn() -> Entry {
    Entry::Spawn(Spawn {
        gateway: "gw.example".into(),
        lease_id: "lease-1".into(),
        parent_lease: None,
        agent: "agent-1".into(),
        pseudonym: "42".into(),
        permit_hash: String::new(),
        permissions: Permissions {
            routes: vec!["/v1/autonomous/".into()],
            rate_per_min: 60,
            expires: NOW + 900,
            tier: 2,
            permit_tier: 0,
        },
        manifest_hash: "ab".repeat(32),
        depth: 0,
        system: None,
        at: NOW,
    })
}

fn challenge(gateway: &SigningKey) -> Challenge {
    let mut c = Challenge {
        challenge: "7".into(),
        now: NOW,
        expires_at: NOW + 60,
        lease_ends: NOW + 900,
        scope: "gw.example".into(),
        policy: Policy {
            sandbox: TierPolicy {
                min_tier: 0,
                min_permit_tier: 0,
            },
            autonomous: TierPolicy {
                min_tier: 2,
                min_permit_tier: 0,
            },
        },
        roots: vec![AcceptedRoot {
            epoch: 4,
            root: "12345678901234567890".into(),
        }],
        status: None,
        issuer_key: ["1".into(), "2".into()],
        binding_key: "00".repeat(32),
        signature: String::new(),
    };
    c.sign(gateway);
    c
}

fn id_token(claims: serde_json::Value) -> String {
    let key = SigningKey::from_bytes(&[1; 32]);
    let header = serde_json::json!({"alg": "EdDSA", "kid": "k1", "typ": "JWT"});
    let signing_input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let sig = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", base64url(&sig.to_bytes()))
}

fn jwks() -> serde_json::Value {
    let public = SigningKey::from_bytes(&[1; 32]).verifying_key();
    serde_json::json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA",
        "x": base64url(public.as_bytes()),
    }]})
}

/// Every seed: (target, file name, bytes).
fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let v1 = pinned("v1", "presentation.json");
    let v2 = pinned("v2", "presentation.json");
    let p1 = Presentation::from_json(&v1).unwrap();
    let p2 = PresentationV2::from_json(&v2).unwrap();
    out.push(("proof", "v1", p1.proof.to_bytes().to_vec()));
    out.push(("proof", "v2-hex", p2.proof.to_hex().into_bytes()));
    out.push(("verifying_key", "v1", pinned_key("v1").to_bytes()));
    out.push(("proving_key", "prefix", proving_key_prefix()));
    out.push(("fast_proving_key", "tiny", tiny_fast_key()));
    out.push(("zkey", "header", zkey_header()));
    out.push((
        "wtns",
        "small",
        alc_prover::circom::wtns::wtns(&[
            alc_circuits::Fr::from(1u64),
            alc_circuits::Fr::from(7u64),
            -alc_circuits::Fr::from(1u64),
        ]),
    ));
    out.push(("verifying_key", "v2", pinned_key("v2").to_bytes()));
    out.push(("presentation", "v1", v1.into_bytes()));
    out.push(("presentation", "v2", v2.into_bytes()));
    out.push((
        "snarkjs",
        "verification_key",
        snarkjs::export_verifying_key(&pinned_key("v1")).into_bytes(),
    ));
    out.push((
        "snarkjs",
        "proof",
        snarkjs::export_proof(&p1.proof).into_bytes(),
    ));
    out.push((
        "snarkjs",
        "public",
        snarkjs::export_public(&p2.statement.public_inputs()).into_bytes(),
    ));
    let list = StatusList::from_revoked([1, 5, 99, 1 << 19]).unwrap();
    out.push(("status_list", "revoked", list.encode().into_bytes()));
    let authority = SigningKey::from_bytes(&[7; 32]);
    let signed = SignedStatus::sign(&status(), &authority);
    out.push((
        "signed_status",
        "signed",
        serde_json::to_vec(&signed).unwrap(),
    ));
    out.push((
        "signed_status",
        "payload",
        serde_json::to_vec(&status()).unwrap(),
    ));
    let signer = NoteSigner::from_seed(ORIGIN, &[3; 32]).unwrap();
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: 3,
        root: [9; 32],
        extensions: vec![],
    };
    let note = signer.sign_note(&checkpoint.to_text().unwrap()).unwrap();
    out.push((
        "checkpoint",
        "text",
        checkpoint.to_text().unwrap().into_bytes(),
    ));
    out.push(("checkpoint", "note", note.into_bytes()));
    out.push(("registry_entry", "leaf", spawn().to_leaf().unwrap()));
    let submission = sign(&GatewayKey::from_seed("gw.example", &[5; 32]), spawn()).unwrap();
    out.push((
        "registry_entry",
        "submission",
        serde_json::to_vec(&submission).unwrap(),
    ));
    let minter = Minter::from_secret(&[9; 32]).unwrap();
    let lease = Lease {
        id: "lease-1".into(),
        parent: None,
        pseudonym: "42".into(),
        tier: 2,
        permit_tier: 0,
        epoch: 4,
        agent: "agent-1".into(),
        manifest: "ab".repeat(32),
        rights: vec!["/v1/autonomous/".into()],
        rate_per_min: 60,
        expires: NOW + 900,
        depth: 0,
        key: None,
        escrow: None,
        system: None,
    };
    out.push((
        "lease_token",
        "root",
        minter.mint(&lease).unwrap().0.into_bytes(),
    ));
    let claims = serde_json::json!({
        "iss": IDP, "aud": "alc", "sub": "person-1", "iat": NOW - 10, "exp": NOW + 600,
        "nonce": "n-1",
    });
    out.push(("id_token", "eddsa", id_token(claims).into_bytes()));
    out.push(("jwks", "ed25519", jwks().to_string().into_bytes()));
    out.push((
        "sse",
        "status",
        format!(
            "\x03: keep-alive\n\nevent: status\ndata: {}\n\nevent: status\r\ndata: a\r\ndata: b\r\n\r\n",
            serde_json::to_string(&signed).unwrap()
        )
        .into_bytes(),
    ));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let insurer = alc_insurance::InsurerSecret::generate(&mut rng);
    let (cert, opening) = certify(
        &insurer,
        "permit-42",
        "policy-7",
        NOW + 86_400,
        2_000_000,
        &mut rng,
    )
    .unwrap();
    let proof = prove_cover(&cert, &opening, 2, 1_000_000, &mut rng).unwrap();
    out.push(("insurance", "certificate", cert.to_bytes()));
    out.push(("insurance", "opening", opening.to_bytes().to_vec()));
    out.push(("insurance", "proof", proof.to_bytes()));
    let evidence = alc_protocol::insurance::CoverEvidence {
        certificate: cert.clone().into(),
        proof: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, proof.to_bytes()),
        tier: Some(2),
        minimum: Some(1_000_000),
    };
    out.push((
        "insurance",
        "evidence",
        serde_json::to_vec(&evidence).unwrap(),
    ));
    let params = Params {
        created: NOW,
        nonce: "0f".repeat(16),
        keyid: "0123abcd".into(),
    };
    out.push(("http_signature", "input", params.header().into_bytes()));
    out.push((
        "http_signature",
        "signature",
        signature_header(&[6; 32]).into_bytes(),
    ));
    let gateway = SigningKey::from_bytes(&[4; 32]);
    let gateways =
        SignedGatewayList::sign(&gateway_list(&gateway), &SigningKey::from_bytes(&[2; 32]));
    out.push((
        "gateway_list",
        "list",
        serde_json::to_vec(&gateways).unwrap(),
    ));
    out.push((
        "gateway_list",
        "challenge",
        serde_json::to_vec(&challenge(&gateway)).unwrap(),
    ));
    out
}

fn gateway_list(gateway: &SigningKey) -> GatewayList {
    GatewayList {
        issuer: ISSUER.into(),
        produced_at: 0,
        gateways: vec![RegisteredGateway {
            id: "gw.example".into(),
            key: hex::encode(gateway.verifying_key().as_bytes()),
            url: GATEWAY_URL.into(),
        }],
    }
}

/// The first 4 KiB of a proving key's compressed encoding (a whole key is megabytes,
/// over any useful fuzzing input): the fuzzer explores the header and the first points.
fn proving_key_prefix() -> Vec<u8> {
    let mut bytes = alc_devkit::keys::test_keys().0.to_compressed_bytes();
    bytes.truncate(4096);
    bytes
}

/// A circuit with ten public inputs (circuit v1's count), one witness and one constraint
/// `w * x_0 = x_1`: small enough that its Groth16 key in the fast-load form is a seed of a
/// few kilobytes, where circuit v1's is megabytes.
struct Tiny;

impl ConstraintSynthesizer<Fr> for Tiny {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let x = (0..10)
            .map(|_| cs.new_input_variable(|| Ok(Fr::from(1u64))))
            .collect::<Result<Vec<_>, _>>()?;
        let w = cs.new_witness_variable(|| Ok(Fr::from(1u64)))?;
        cs.enforce_r1cs_constraint(|| w.into(), || x[0].into(), || x[1].into())
    }
}

/// [`Tiny`]'s key from a fixed-seed setup, in the fast-load form (`ProvingKey::to_fast_bytes`:
/// the key uncompressed, then the matrices as `alc_prover::keys` serialises them: the A, B
/// and C matrices, the instance, witness and constraint counts).
fn tiny_fast_key() -> Vec<u8> {
    let pk = ark_groth16::Groth16::<ark_bn254::Bn254>::generate_random_parameters_with_reduction(
        Tiny,
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(15),
    )
    .unwrap();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    Tiny.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let abc = cs
        .to_matrices()
        .unwrap()
        .remove(R1CS_PREDICATE_LABEL)
        .unwrap();
    let mut out = Vec::new();
    pk.serialize_uncompressed(&mut out).unwrap();
    (
        abc,
        cs.num_instance_variables(),
        cs.num_witness_variables(),
        cs.num_constraints(),
    )
        .serialize_uncompressed(&mut out)
        .unwrap();
    out
}

/// An iden3 binary file (`prover/src/circom/binfile.rs`): magic, version 1, sections.
fn binfile(magic: &[u8; 4], sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (kind, body) in sections {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

/// The head of a zkey for circuit v1 (a real one is megabytes): the protocol, the Groth16
/// header with circuit v1's sizes and the test key's points (coordinates in Montgomery
/// form, as snarkjs writes them), and no coefficients: the import reads it up to the
/// coefficients' section.
fn zkey_header() -> Vec<u8> {
    use ark_ff::{BigInteger, PrimeField};
    let compressed = alc_devkit::keys::test_keys().0.to_compressed_bytes();
    let pk =
        ark_groth16::ProvingKey::<ark_bn254::Bn254>::deserialize_compressed(&*compressed).unwrap();
    let fq = |x: &ark_bn254::Fq| x.0.to_bytes_le();
    let g1 = |p: &ark_bn254::G1Affine| [fq(&p.x), fq(&p.y)].concat();
    let g2 =
        |p: &ark_bn254::G2Affine| [fq(&p.x.c0), fq(&p.x.c1), fq(&p.y.c0), fq(&p.y.c1)].concat();
    let mut h = Vec::new();
    for modulus in [
        ark_bn254::Fq::MODULUS.to_bytes_le(),
        ark_bn254::Fr::MODULUS.to_bytes_le(),
    ] {
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&modulus);
    }
    for n in [pk.a_query.len(), 10, 8192] {
        h.extend_from_slice(&(n as u32).to_le_bytes());
    }
    h.extend(g1(&pk.vk.alpha_g1));
    h.extend(g1(&pk.beta_g1));
    h.extend(g2(&pk.vk.beta_g2));
    h.extend(g2(&pk.vk.gamma_g2));
    h.extend(g1(&pk.delta_g1));
    h.extend(g2(&pk.vk.delta_g2));
    binfile(b"zkey", &[(1, 1u32.to_le_bytes().to_vec()), (2, h)])
}

/// Whether `target`'s parser takes `data` all the way (as its fuzz target would); for
/// `proving_key`, whether `data` is the prefix of a real key its parser refuses cleanly.
fn accepted(target: &str, data: &[u8]) -> bool {
    let text = std::str::from_utf8(data).ok();
    match target {
        "proof" => {
            Proof::from_bytes(data).is_ok() || text.is_some_and(|s| Proof::from_hex(s).is_ok())
        }
        "verifying_key" => VerifyingKey::from_bytes(data).is_ok(),
        "proving_key" => {
            data == proving_key_prefix().as_slice()
                && alc_prover::ProvingKey::from_compressed_bytes(data).is_err()
        }
        "fast_proving_key" => {
            let digest: [u8; 32] = Sha256::digest(data).into();
            alc_prover::ProvingKey::from_fast_bytes(data, &digest).is_ok()
        }
        // A zkey whose header passed (circuit v1's sizes, points on their curves) and whose
        // coefficients are missing.
        "zkey" => matches!(
            alc_prover::circom::zkey::import(data, &alc_prover::Circuit::V1),
            Err(ZkeyError::Format(FormatError::MissingSection(
                "the coefficients"
            )))
        ),
        "wtns" => alc_prover::circom::wtns::read_wtns(data).is_ok(),
        "ptau" => alc_prover::circom::ptau::read(&mut std::io::Cursor::new(data), 4).is_ok(),
        "presentation" => text.is_some_and(|s| {
            Presentation::from_json(s).is_ok() || PresentationV2::from_json(s).is_ok()
        }),
        "snarkjs" => text.is_some_and(|s| {
            snarkjs::import_verifying_key(s).is_ok()
                || snarkjs::import_proof(s).is_ok()
                || snarkjs::import_public(s).is_ok()
        }),
        "status_list" => text.is_some_and(|s| StatusList::decode(s).is_ok()),
        "signed_status" => {
            let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
            serde_json::from_slice::<SignedStatus>(data).is_ok_and(|s| s.verify(&key).is_ok())
                || serde_json::from_slice::<StatusResponse>(data).is_ok()
        }
        "checkpoint" => {
            let key = NoteSigner::from_seed(ORIGIN, &[3; 32])
                .unwrap()
                .verifier_key();
            verify_checkpoint(data, ORIGIN, &key).is_ok()
                || text.is_some_and(|s| Checkpoint::from_text(s).is_ok())
        }
        "registry_entry" => {
            let key = GatewayKey::from_seed("gw.example", &[5; 32]);
            Entry::from_leaf(data).is_ok()
                || serde_json::from_slice::<Submission>(data).is_ok_and(|s| {
                    s.verify(|id| (id == key.gateway()).then(|| key.verifying_key()))
                        .is_ok()
                })
        }
        "lease_token" => {
            text.is_some_and(|s| Minter::from_secret(&[9; 32]).unwrap().parse(s).is_ok())
        }
        "id_token" => text.is_some_and(|s| {
            let (rt, v) = verifier(jwks().to_string().as_bytes());
            v.is_ok_and(|v| rt.block_on(v.verify(s, NOW)).is_ok())
        }),
        "jwks" => verifier(data).1.is_ok(),
        "sse" => data.split_first().is_some_and(|(_, stream)| {
            SseParser::new(4096)
                .push(stream)
                .is_ok_and(|e| e.len() == 2)
        }),
        "insurance" => {
            CoverCertificate::from_bytes(data).is_ok_and(|c| c.verify_signature().is_ok())
                || CoverOpening::from_bytes(data).is_ok()
                || CoverProof::from_bytes(data).is_ok()
                || serde_json::from_slice::<alc_protocol::insurance::CoverEvidence>(data)
                    .is_ok_and(|e| Evidence::from_wire(&e).is_ok())
        }
        "http_signature" => {
            text.is_some_and(|s| Params::parse(s).is_ok() || parse_signature(s).is_ok())
        }
        "gateway_list" => {
            let authority = SigningKey::from_bytes(&[2; 32]);
            let gateway = SigningKey::from_bytes(&[4; 32]);
            let list = SignedGatewayList::sign(&gateway_list(&gateway), &authority);
            serde_json::from_slice::<SignedGatewayList>(data)
                .is_ok_and(|l| l.verify(&authority.verifying_key()).is_ok())
                || serde_json::from_slice::<Challenge>(data).is_ok_and(|c| {
                    check_challenge(&c, &list, &authority.verifying_key(), ISSUER, GATEWAY_URL)
                        .is_ok()
                })
        }
        other => panic!("no acceptance rule for fuzz target {other}"),
    }
}

/// A verifier trusting one provider whose JWKS is `jwks`, as the id_token and jwks
/// targets set it up.
fn verifier(jwks: &[u8]) -> (tokio::runtime::Runtime, Result<Verifier, String>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks).unwrap();
    let config = ProviderConfig {
        link_claim: None,
        issuer: IDP.into(),
        audience: "alc".into(),
        jwks: JwksSource::File(path),
        algorithms: vec!["EdDSA".into()],
        subject_claim: "sub".into(),
    };
    let v = rt
        .block_on(Verifier::new(vec![config], 60))
        .map_err(|e| e.to_string());
    (rt, v)
}

fn read_corpus() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for target in targets() {
        let dir = corpus().join(&target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            out.push((target.clone(), name, std::fs::read(&f).unwrap()));
        }
    }
    out
}

/// The committed seeds, written first when `ALC_WRITE_FUZZ_CORPUS` is set.
fn committed() -> Vec<(String, String, Vec<u8>)> {
    static WRITTEN: std::sync::Once = std::sync::Once::new();
    WRITTEN.call_once(|| {
        if std::env::var_os("ALC_WRITE_FUZZ_CORPUS").is_some() {
            for (target, name, bytes) in seeds() {
                let dir = corpus().join(target);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
    });
    read_corpus()
}

#[test]
fn every_committed_seed_is_accepted_and_its_shorter_twin_refused() {
    let committed = committed();
    for target in targets() {
        assert!(
            committed.iter().any(|(t, _, _)| *t == target),
            "fuzz target {target} has no seed in fuzz/corpus/{target}/"
        );
    }
    for (target, name, bytes) in &committed {
        assert!(
            accepted(target, bytes),
            "seed {target}/{name} is refused by its parser"
        );
        // Its last byte that is not trailing white space cut off.
        let end = bytes.trim_ascii_end().len();
        let shorter = &bytes[..end.saturating_sub(1)];
        assert!(
            target == "proving_key" || !accepted(target, shorter),
            "seed {target}/{name} cut short is still accepted: the check is blind"
        );
    }
}

#[test]
fn the_committed_seeds_are_the_generators() {
    // The corpus is what `seeds()` makes (for the deterministic seeds): a format change
    // shows up here, and ALC_WRITE_FUZZ_CORPUS=1 writes the new seeds.
    let committed = committed();
    for (target, name, bytes) in seeds() {
        let found = committed
            .iter()
            .find(|(t, n, _)| t == target && n == name)
            .unwrap_or_else(|| panic!("seed {target}/{name} is not committed"));
        assert!(
            found.2 == bytes || !deterministic(target, name),
            "seed {target}/{name} differs from what the generator makes now"
        );
    }
}

/// Seeds with randomness in them (Biscuit signatures, Bulletproofs) change at every run.
fn deterministic(target: &str, name: &str) -> bool {
    !matches!((target, name), ("lease_token", _))
}
