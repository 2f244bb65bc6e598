//! wasm-bindgen bindings of the ALC prover for the browser wallet.
//!
//! Bindings only: every operation is a call into `alc-prover`, `alc-verifier` or
//! `alc-circuits`; this crate adds no logic of its own beyond converting between
//! JavaScript values and Rust types and mapping errors to JavaScript `Error`s.
//!
//! | export | what |
//! |---|---|
//! | `generateHolder()` | a fresh holder secret file (JSON), randomness from `crypto.getRandomValues` |
//! | `holderCommitment(holder)` | `Poseidon(sk)`, the value the authority signs |
//! | `parseCredential(json)` | a credential file, its signature checked under its issuer |
//! | `StatusList.decode(encoded)` / `.fromFile(json)` | the public status list: `root()`, `isRevoked(serial)`, `path(serial)` |
//! | `ProvingKey.fromFastBytes(bytes, digest)` | the fast-load proving key, its SHA-256 checked before any byte is used |
//! | `new ProvingKeyLoader(size)`, `.push(chunk)`, `.finish(digest)` | the same, fed chunk by chunk as the bytes arrive |
//! | `openAuthority(info, pinnedDigest, gateways, keys)` | the authority's keys checked against the page's pin, its signed gateway list and key descriptor verified (JSON) |
//! | `checkChallenge(challenge, info, gateways, talkingTo)` | the gateway's signature on its challenge, under the key the authority registered for its scope at that URL |
//! | `requestFromChallenge(challenge, manifest, route)` | the proof request of a gateway's challenge (JSON) |
//! | `prove(key, credential, holder, list, request, progress?)` | a presentation (JSON) |
//! | `proveV2(key, escrowKey, credential, holder, list, request, agentPublic, progress?)` | a circuit-v2 presentation (JSON): the serial escrowed to the trustees' key, bound to the agent key |
//! | `agentKey()` | a fresh agent lease key (`{"seed", "public"}`, hex) |
//! | `signRequest(seed, binding, leaseId, method, authority, path, query, body, created)` | the RFC 9421 headers of a call with a key-bound lease (`{"content_digest", "signature_input", "signature"}`) |
//! | `leaseRequest(presentation, agent, manifest, key?)` | the body of `POST /v1/lease` (JSON) |
//! | `VerifyingKey.fromBytes(bytes)`, `verify(key, presentation)` | verification |
//!
//! Errors are JavaScript `Error`s whose `name` says which kind of input was at fault
//! (`AlcAuthorityError`, `AlcGatewayError`, `AlcKeyError`, `AlcFileError`, `AlcStatusError`, `AlcRequestError`,
//! `AlcUnsatisfiedError`, `AlcProveError`, `AlcPresentationError`) and whose `message`
//! is the prover's sentence.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use alc_circuits::field::to_decimal;
use alc_circuits::files::{self, CredentialFile};
use alc_protocol::authority::AuthorityKeys;
use alc_protocol::gateway::{Challenge, LeaseRequest, Route};
use alc_protocol::gateways::SignedGatewayList;
use alc_protocol::keys::SignedKeyDescriptor;
use alc_prover::witness::PrepareError;
use alc_prover::{HolderSecret, ProofRequest, ProveError};
use alc_verifier::Presentation;
use rand_core::OsRng;
use wasm_bindgen::prelude::*;

/// A JavaScript `Error` with a `name` saying what kind of failure it is.
fn js_error(name: &str, message: impl std::fmt::Display) -> JsValue {
    let e = js_sys::Error::new(&message.to_string());
    e.set_name(name);
    e.into()
}

fn file_error(e: alc_protocol::files::FileError) -> JsValue {
    js_error("AlcFileError", e)
}

fn prepare_error(e: PrepareError) -> JsValue {
    match e {
        PrepareError::Unsatisfied(u) => js_error("AlcUnsatisfiedError", u),
        PrepareError::Status(s) => js_error("AlcStatusError", s),
        other => js_error("AlcRequestError", other),
    }
}

fn prove_error(e: ProveError) -> JsValue {
    match e {
        ProveError::Unsatisfied(u) => js_error("AlcUnsatisfiedError", u),
        other => js_error("AlcProveError", other),
    }
}

/// A pinned SHA-256 digest from hex.
fn digest(digest_hex: &str) -> Result<[u8; 32], JsValue> {
    hex::decode(digest_hex.trim())
        .ok()
        .and_then(|d| d.try_into().ok())
        .ok_or_else(|| {
            js_error(
                "AlcKeyError",
                "the pinned proving key digest must be 32 bytes of hex",
            )
        })
}

/// A new holder secret file (`alc-holder-secret` JSON with `secret` and `commitment`).
/// Keep it in the wallet: it never needs to leave the device; the authority only needs
/// its `commitment`.
#[wasm_bindgen(js_name = generateHolder)]
pub fn generate_holder() -> String {
    let sk = HolderSecret::generate(&mut OsRng);
    files::holder_to_json(&sk).as_str().to_owned()
}

/// The commitment `Poseidon(sk)` (decimal) of a holder secret file, checked against the
/// file's own `commitment`.
#[wasm_bindgen(js_name = holderCommitment)]
pub fn holder_commitment(holder_json: &str) -> Result<String, JsValue> {
    let sk = files::holder_from_json(holder_json).map_err(file_error)?;
    Ok(to_decimal(&sk.commitment()))
}

/// Checks a credential file (`alc-credential`: its signature must verify under its
/// `issuer`) and returns it as canonical JSON.
#[wasm_bindgen(js_name = parseCredential)]
pub fn parse_credential(credential_json: &str) -> Result<String, JsValue> {
    CredentialFile::from_json(credential_json)
        .map(|c| c.to_json())
        .map_err(file_error)
}

/// The authority's public status list, with its Merkle tree rebuilt locally so the
/// holder computes its own path (the authority never learns who checks).
#[wasm_bindgen]
pub struct StatusList(alc_circuits::status::StatusList);

#[wasm_bindgen]
impl StatusList {
    /// Decodes the published bitstring (`encoded_list`: `u` + base64url(gzip)).
    pub fn decode(encoded_list: &str) -> Result<StatusList, JsValue> {
        alc_circuits::status::StatusList::decode(encoded_list)
            .map(Self)
            .map_err(|e| js_error("AlcStatusError", e))
    }

    /// Reads an `alc-status-list` file; its `root` must match its bitstring.
    #[wasm_bindgen(js_name = fromFile)]
    pub fn from_file(json: &str) -> Result<StatusList, JsValue> {
        files::status_list_from_json(json)
            .map(Self)
            .map_err(file_error)
    }

    /// The Merkle root (decimal).
    pub fn root(&self) -> String {
        to_decimal(&self.0.root())
    }

    /// How many serials are revoked.
    #[wasm_bindgen(js_name = revokedCount)]
    pub fn revoked_count(&self) -> usize {
        self.0.revoked_count()
    }

    /// Whether `serial` is revoked.
    #[wasm_bindgen(js_name = isRevoked)]
    pub fn is_revoked(&self, serial: u32) -> Result<bool, JsValue> {
        self.0
            .is_revoked(serial)
            .map_err(|e| js_error("AlcStatusError", e))
    }

    /// The status path of `serial` as JSON: `{"serial", "root", "revoked", "leaf"
    /// (decimal u64), "siblings": [[3 decimals] x depth, bottom first]}`.
    pub fn path(&self, serial: u32) -> Result<String, JsValue> {
        let p = self
            .0
            .path(serial)
            .map_err(|e| js_error("AlcStatusError", e))?;
        let siblings: Vec<Vec<String>> = p
            .siblings
            .iter()
            .map(|level| level.iter().map(to_decimal).collect())
            .collect();
        Ok(serde_json::json!({
            "serial": serial,
            "root": to_decimal(&p.root(serial)),
            "revoked": p.is_revoked(serial),
            "leaf": p.leaf.to_string(),
            "siblings": siblings,
        })
        .to_string())
    }
}

/// A proving key for circuit v1.
#[wasm_bindgen]
pub struct ProvingKey(alc_prover::ProvingKey);

#[wasm_bindgen]
impl ProvingKey {
    /// Loads the fast-load form (`proving_key.fast`) once its SHA-256 equals
    /// `digest_hex` (the `proving_key_fast` entry of `digests.json`): a tampered,
    /// truncated or stale file is refused before any point is read.
    #[wasm_bindgen(js_name = fromFastBytes)]
    pub fn from_fast_bytes(bytes: &[u8], digest_hex: &str) -> Result<ProvingKey, JsValue> {
        alc_prover::ProvingKey::from_fast_bytes(bytes, &digest(digest_hex)?)
            .map(Self)
            .map_err(|e| js_error("AlcKeyError", e))
    }

    /// The verifying key inside.
    #[wasm_bindgen(js_name = verifyingKey)]
    pub fn verifying_key(&self) -> Result<VerifyingKey, JsValue> {
        self.0
            .verifying_key()
            .map(VerifyingKey)
            .map_err(|e| js_error("AlcKeyError", e))
    }
}

/// The fast-load proving key read in pieces as they arrive (a `fetch` body or a Cache
/// API entry, read chunk by chunk), hashed on the way in: `finish` checks the digest,
/// then parses exactly the bytes that were hashed.
#[wasm_bindgen]
pub struct ProvingKeyLoader(alc_prover::keys::FastKeyReader);

#[wasm_bindgen]
impl ProvingKeyLoader {
    /// An empty loader; `size_hint` is the expected length in bytes (0 if unknown).
    #[wasm_bindgen(constructor)]
    pub fn new(size_hint: usize) -> ProvingKeyLoader {
        Self(alc_prover::keys::FastKeyReader::new(size_hint))
    }

    /// Appends the next piece.
    pub fn push(&mut self, piece: &[u8]) {
        self.0.update(piece);
    }

    /// Bytes received so far.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.0.len()
    }

    /// The proving key, once the SHA-256 of all pieces equals `digest_hex`. Consumes
    /// the loader.
    pub fn finish(self, digest_hex: &str) -> Result<ProvingKey, JsValue> {
        self.0
            .finish(&digest(digest_hex)?)
            .map(ProvingKey)
            .map_err(|e| js_error("AlcKeyError", e))
    }
}

/// A verifying key for circuit v1.
#[wasm_bindgen]
pub struct VerifyingKey(alc_verifier::VerifyingKey);

#[wasm_bindgen]
impl VerifyingKey {
    /// Decodes `verifying_key.bin` (compressed; every point checked).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<VerifyingKey, JsValue> {
        alc_verifier::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|e| js_error("AlcKeyError", e))
    }

    /// The compressed encoding.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// SHA-256 of the compressed encoding (hex): the `verifying_key` entry of
    /// `digests.json`.
    pub fn digest(&self) -> String {
        self.0.digest_hex()
    }
}

/// Proves that the credential satisfies a gateway's request.
///
/// `credential_json` is the authority's credential file, `holder_json` the holder
/// secret file, `list` the current public status list and `request_json` the request
/// (`{"min_tier", "min_permit_tier", "now", "scope", "challenge", "manifest"}`, README
/// "Using the command line"). `progress`, if given, is called with the name of each
/// stage as it starts: `"prepare"`, `"witness"`, `"groth16"`. Returns the presentation
/// file (`alc-presentation-v1` JSON). A credential that cannot satisfy the request
/// (revoked, expired, tier too low) is refused before proving, with the reason.
#[wasm_bindgen]
pub fn prove(
    key: &ProvingKey,
    credential_json: &str,
    holder_json: &str,
    list: &StatusList,
    request_json: &str,
    progress: Option<js_sys::Function>,
) -> Result<String, JsValue> {
    let report = |stage: &str| {
        if let Some(f) = &progress {
            // A failing progress callback must not stop the proof.
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(stage));
        }
    };
    report("prepare");
    let credential = CredentialFile::from_json(credential_json).map_err(file_error)?;
    let secret = files::holder_from_json(holder_json).map_err(file_error)?;
    let request: ProofRequest = serde_json::from_str(request_json)
        .map_err(|e| js_error("AlcRequestError", format!("malformed request: {e}")))?;
    let (statement, witness) = alc_prover::prepare(
        &credential.issuer,
        &credential.signed,
        &secret,
        &list.0,
        &request,
    )
    .map_err(prepare_error)?;
    let proof =
        alc_prover::prove_with_progress(&key.0, &statement, &witness, &mut OsRng, &mut |stage| {
            report(stage.name())
        })
        .map_err(prove_error)?;
    Ok(Presentation { proof, statement }.to_json())
}

/// Proves circuit v2: as [`prove`], and the credential's serial encrypted to the escrow
/// key in `escrow_key_json` (the trustees' `alc-escrow-key` file, the one the proving key
/// was made under) with fresh randomness, and the agent key `agent_public` (hex) bound.
/// Returns the presentation (`alc-presentation-v2` JSON).
#[wasm_bindgen(js_name = proveV2)]
#[allow(clippy::too_many_arguments)]
pub fn prove_v2(
    key: &ProvingKey,
    escrow_key_json: &str,
    credential_json: &str,
    holder_json: &str,
    list: &StatusList,
    request_json: &str,
    agent_public: &str,
    progress: Option<js_sys::Function>,
) -> Result<String, JsValue> {
    use alc_circuits::escrow::EscrowKey;
    if let Some(f) = &progress {
        let _ = f.call1(&JsValue::NULL, &JsValue::from_str("prepare"));
    }
    let joint: alc_protocol::escrow::JointKey =
        alc_protocol::files::parse(escrow_key_json, alc_protocol::escrow::JOINT_KEY)
            .map_err(file_error)?;
    let coordinate =
        |s: &str| alc_circuits::field::from_decimal(s).map_err(|e| js_error("AlcKeyError", e));
    let escrow =
        EscrowKey::from_coordinates(coordinate(&joint.key[0])?, coordinate(&joint.key[1])?)
            .map_err(|e| js_error("AlcKeyError", e))?;
    let agent: [u8; 32] = hex::decode(agent_public.trim())
        .ok()
        .and_then(|d| d.try_into().ok())
        .ok_or_else(|| js_error("AlcRequestError", "the agent key must be 32 bytes of hex"))?;
    let credential = CredentialFile::from_json(credential_json).map_err(file_error)?;
    let secret = files::holder_from_json(holder_json).map_err(file_error)?;
    let request: ProofRequest = serde_json::from_str(request_json)
        .map_err(|e| js_error("AlcRequestError", format!("malformed request: {e}")))?;
    let (statement, witness) = alc_prover::prepare_v2(
        &credential.issuer,
        &credential.signed,
        &secret,
        &list.0,
        &request,
        &escrow,
        &agent,
        &mut OsRng,
    )
    .map_err(prepare_error)?;
    if let Some(f) = &progress {
        let _ = f.call1(&JsValue::NULL, &JsValue::from_str("groth16"));
    }
    let proof = alc_prover::prove_v2(&key.0, &escrow, &statement, &witness, &mut OsRng)
        .map_err(prove_error)?;
    Ok(alc_verifier::PresentationV2 { proof, statement }.to_json())
}

/// A fresh agent lease key: `{"seed": hex, "public": hex}` (Ed25519). Keep the seed in
/// the wallet beside the lease: calls with the lease are signed with it.
#[wasm_bindgen(js_name = agentKey)]
pub fn agent_key() -> String {
    let mut seed = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut OsRng, &mut seed);
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    serde_json::json!({ "seed": hex::encode(seed), "public": hex::encode(public.as_bytes()) })
        .to_string()
}

/// The signature headers (`alc_protocol::signature`, RFC 9421) of a call with lease
/// `lease_id` bound to the agent key `seed` (hex), at the gateway whose binding key is
/// `binding` (hex): `{"content_digest", "signature_input", "signature"}`. `authority` is
/// the gateway's `host[:port]`, `query` the query without `?` (empty: none), `created`
/// unix seconds.
#[wasm_bindgen(js_name = signRequest)]
#[allow(clippy::too_many_arguments)]
pub fn sign_request(
    seed: &str,
    binding: &str,
    lease_id: &str,
    method: &str,
    authority: &str,
    path: &str,
    query: &str,
    body: &[u8],
    created: f64,
) -> Result<String, JsValue> {
    use alc_protocol::signature::{self, Covered, Params, RequestKey};
    let bytes32 = |h: &str, what: &str| -> Result<[u8; 32], JsValue> {
        hex::decode(h.trim())
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| js_error("AlcRequestError", format!("{what} must be 32 bytes of hex")))
    };
    let agent = ed25519_dalek::SigningKey::from_bytes(&bytes32(seed, "the agent key")?);
    let key = RequestKey::for_agent(&agent, &bytes32(binding, "the binding key")?)
        .map_err(|e| js_error("AlcRequestError", e))?;
    let mut nonce = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut OsRng, &mut nonce);
    let digest = signature::content_digest(&<sha2::Sha256 as sha2::Digest>::digest(body).into());
    let h = signature::sign(
        &key,
        &Covered {
            method,
            authority,
            path,
            query: (!query.is_empty()).then_some(query),
            content_digest: &digest,
        },
        &Params {
            created: created as u64,
            nonce: hex::encode(nonce),
            keyid: lease_id.to_owned(),
        },
    );
    Ok(serde_json::json!({
        "content_digest": h.content_digest,
        "signature_input": h.signature_input,
        "signature": h.signature,
    })
    .to_string())
}

/// The keys of the authority's `/v1/authority` answer (the rest of it is not read
/// here), their digest checked against `pinned`.
fn pinned_authority(
    info_json: &str,
    pinned: &str,
) -> Result<(AuthorityKeys, ed25519_dalek::VerifyingKey), JsValue> {
    let bad = |m: String| js_error("AlcAuthorityError", m);
    let info: AuthorityKeys = serde_json::from_str(info_json)
        .map_err(|e| bad(format!("malformed authority description: {e}")))?;
    let digest = info.digest();
    if !digest.eq_ignore_ascii_case(pinned.trim()) {
        return Err(bad(format!(
            "the authority presents keys with digest {digest}, not the {} this wallet was built for: refusing to use it",
            pinned.trim()
        )));
    }
    let key = alc_protocol::encoding::base64url_array::<32>(&info.status_key)
        .ok()
        .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
        .ok_or_else(|| bad("the authority's status key is not an Ed25519 key".into()))?;
    Ok((info, key))
}

/// Opens the authority a wallet site was built for: `info` is its `GET /v1/authority`
/// (JSON), whose keys' digest must be `pinned` (as `alc authority info` prints it);
/// `gateways` its `GET /v1/gateways` and `keys` its `GET /v1/keys`, both verified under
/// its status key. Returns `{"name", "gateways": [{"id", "key", "url"}], "keys":
/// [digests]}` (JSON).
#[wasm_bindgen(js_name = openAuthority)]
pub fn open_authority(
    info_json: &str,
    pinned: &str,
    gateways_json: &str,
    keys_json: &str,
) -> Result<String, JsValue> {
    let (info, status_key) = pinned_authority(info_json, pinned)?;
    let bad = |m: String| js_error("AlcAuthorityError", m);
    let list: SignedGatewayList = serde_json::from_str(gateways_json)
        .map_err(|e| bad(format!("malformed gateway list: {e}")))?;
    let list = list.verify(&status_key).map_err(|e| bad(e.to_string()))?;
    if list.issuer != info.name {
        return Err(bad(format!(
            "the gateway list is the authority {:?}'s, not {:?}'s",
            list.issuer, info.name
        )));
    }
    let keys: SignedKeyDescriptor = serde_json::from_str(keys_json)
        .map_err(|e| bad(format!("malformed key descriptor: {e}")))?;
    let keys = keys
        .verify(&status_key, &info.name)
        .map_err(|e| bad(e.to_string()))?;
    Ok(serde_json::json!({
        "name": info.name,
        "gateways": list.gateways,
        "keys": keys.keys,
    })
    .to_string())
}

/// Checks a gateway's challenge (`GET /v1/lease/challenge`, JSON) before proving for it:
/// the authority (`info`, checked against `pinned`) registers the challenge's scope at
/// the origin of `talking_to` (the URL the challenge was fetched from) in its signed
/// `gateways` list, and the challenge is signed by that gateway's registered key.
/// Returns the registered gateway (`{"id", "key", "url"}`, JSON); a relayed challenge,
/// an unregistered scope or a bad signature is an `AlcGatewayError`.
#[wasm_bindgen(js_name = checkChallenge)]
pub fn check_challenge(
    challenge_json: &str,
    info_json: &str,
    pinned: &str,
    gateways_json: &str,
    talking_to: &str,
) -> Result<String, JsValue> {
    let (info, status_key) = pinned_authority(info_json, pinned)?;
    let challenge: Challenge = serde_json::from_str(challenge_json)
        .map_err(|e| js_error("AlcRequestError", format!("malformed challenge: {e}")))?;
    let list: SignedGatewayList = serde_json::from_str(gateways_json)
        .map_err(|e| js_error("AlcAuthorityError", format!("malformed gateway list: {e}")))?;
    let entry = alc_protocol::gateways::check_challenge(
        &challenge,
        &list,
        &status_key,
        &info.name,
        talking_to,
    )
    .map_err(|e| js_error("AlcGatewayError", e))?;
    serde_json::to_string(&entry).map_err(|e| js_error("AlcGatewayError", e))
}

/// The proof request a gateway's challenge (`GET /v1/lease/challenge`, JSON) asks for
/// `route` (`"autonomous"` or `"sandbox"`), binding the agent manifest digest `manifest`
/// (hex): the `request_json` of [`prove`].
#[wasm_bindgen(js_name = requestFromChallenge)]
pub fn request_from_challenge(
    challenge_json: &str,
    manifest: &str,
    route: &str,
) -> Result<String, JsValue> {
    let challenge: Challenge = serde_json::from_str(challenge_json)
        .map_err(|e| js_error("AlcRequestError", format!("malformed challenge: {e}")))?;
    let route: Route = serde_json::from_value(serde_json::Value::String(route.to_owned()))
        .map_err(|_| {
            js_error(
                "AlcRequestError",
                format!("no route {route:?}: expected \"autonomous\" or \"sandbox\""),
            )
        })?;
    let request = ProofRequest::from_challenge(&challenge, manifest, route);
    serde_json::to_string(&request).map_err(|e| js_error("AlcRequestError", e))
}

/// The body of `POST /v1/lease` (`alc_protocol::gateway::LeaseRequest`, JSON): the
/// presentation of [`prove`] or [`prove_v2`] for `agent`, whose manifest digest (hex) it
/// binds; `key`: the agent key (hex) a v2 presentation is bound to.
#[wasm_bindgen(js_name = leaseRequest)]
pub fn lease_request(
    presentation_json: &str,
    agent: &str,
    manifest: &str,
    key: Option<String>,
) -> Result<String, JsValue> {
    let presentation = serde_json::from_str(presentation_json).map_err(|e| {
        js_error(
            "AlcPresentationError",
            format!("malformed presentation: {e}"),
        )
    })?;
    let request = LeaseRequest {
        presentation,
        agent: agent.to_owned(),
        manifest: manifest.to_owned(),
        key,
        system: None,
    };
    serde_json::to_string(&request).map_err(|e| js_error("AlcRequestError", e))
}

/// Verifies a presentation (`alc-presentation-v1` or `-v2` JSON, under a key of its
/// circuit): `true` when the proof holds for its statement, `false` when it does not; an
/// error for a malformed file. A verifier must still compare the statement's issuer key,
/// status root, scope and challenge with what it expects.
#[wasm_bindgen]
pub fn verify(key: &VerifyingKey, presentation_json: &str) -> Result<bool, JsValue> {
    let is_v2 = serde_json::from_str::<serde_json::Value>(presentation_json)
        .ok()
        .is_some_and(|v| v["circuit"] == alc_circuits::tags::CIRCUIT_V2_ID);
    if is_v2 {
        let p = alc_verifier::PresentationV2::from_json(presentation_json)
            .map_err(|e| js_error("AlcPresentationError", e))?;
        return Ok(alc_verifier::verify_v2(&key.0, &p.proof, &p.statement).is_ok());
    }
    let p = Presentation::from_json(presentation_json)
        .map_err(|e| js_error("AlcPresentationError", e))?;
    Ok(alc_verifier::verify(&key.0, &p.proof, &p.statement).is_ok())
}
