//! Building the statement and witness, separately from proving.
//!
//! The holder's inputs are the signed credential, the holder secret, the public status
//! list (the bitstring the authority publishes) and the issuer's public key; the
//! gateway's [`ProofRequest`] says what must be proved. The holder computes its own status
//! path from the bitstring, so nobody learns which serial it checked.

use alc_circuits::credential::{HolderSecret, SignedCredential};
use alc_circuits::eddsa::PublicKey;
use alc_circuits::presentation::{
    encode_challenge, encode_manifest, encode_scope, Statement, Unsatisfied, Witness,
};
use alc_circuits::status::{StatusError, StatusList};
use alc_protocol::files::ProofRequest;

/// Why a statement and witness cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The credential cannot satisfy the request (revoked, expired, tier too low...).
    #[error("{0}")]
    Unsatisfied(#[from] Unsatisfied),
    /// The serial is not in the status list.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// The request is malformed.
    #[error("malformed request: {0}")]
    Request(&'static str),
}

/// The challenge bytes of a request.
fn challenge_bytes(r: &ProofRequest) -> Result<Vec<u8>, PrepareError> {
    let b = alc_protocol::encoding::hex_bytes(&r.challenge)
        .map_err(|_| PrepareError::Request("challenge is not hex"))?;
    if !(16..=64).contains(&b.len()) {
        return Err(PrepareError::Request("challenge must be 16 to 64 bytes"));
    }
    Ok(b)
}

/// The manifest digest of a request.
fn manifest_digest(r: &ProofRequest) -> Result<[u8; 32], PrepareError> {
    alc_protocol::encoding::hex_array(&r.manifest).map_err(|e| match e {
        alc_protocol::encoding::EncodingError::Hex => PrepareError::Request("manifest is not hex"),
        _ => PrepareError::Request("manifest must be a 32-byte SHA-256 digest"),
    })
}

/// Builds the statement and witness, checking natively that they satisfy circuit v1.
pub fn prepare(
    issuer: &PublicKey,
    credential: &SignedCredential,
    secret: &HolderSecret,
    status: &StatusList,
    request: &ProofRequest,
) -> Result<(Statement, Witness), PrepareError> {
    if request.scope.is_empty() {
        return Err(PrepareError::Request("scope is empty"));
    }
    let scope = encode_scope(&request.scope);
    let pk = issuer.point();
    let statement = Statement {
        issuer_pk_x: pk.x,
        issuer_pk_y: pk.y,
        status_root: status.root(),
        min_tier: request.min_tier,
        min_permit_tier: request.min_permit_tier,
        now: request.now,
        scope,
        challenge: encode_challenge(&challenge_bytes(request)?),
        manifest: encode_manifest(&manifest_digest(request)?),
        pseudonym: secret.pseudonym(&scope),
    };
    let witness = Witness {
        credential: credential.credential,
        signature: credential.signature,
        secret: secret.clone(),
        status: status.path(credential.credential.serial)?,
    };
    statement.check(&witness)?;
    Ok((statement, witness))
}

/// Builds circuit v2's statement and witness: circuit v1's ([`prepare`]), the
/// credential's serial encrypted to `escrow` with fresh randomness from `rng`, and the
/// agent's Ed25519 lease key `holder` bound. [`crate::prove_v2`] checks the whole
/// natively before proving.
#[allow(clippy::too_many_arguments)]
pub fn prepare_v2<R: rand_core::RngCore + rand_core::CryptoRng>(
    issuer: &PublicKey,
    credential: &SignedCredential,
    secret: &HolderSecret,
    status: &StatusList,
    request: &ProofRequest,
    escrow: &alc_circuits::escrow::EscrowKey,
    holder: &[u8; 32],
    rng: &mut R,
) -> Result<
    (
        alc_circuits::presentation::v2::Statement,
        alc_circuits::presentation::v2::Witness,
    ),
    PrepareError,
> {
    use alc_circuits::escrow::{Ciphertext, Randomness};
    use alc_circuits::presentation::v2;
    let (v1, w) = prepare(issuer, credential, secret, status, request)?;
    let randomness = Randomness::random(rng);
    let statement = v2::Statement {
        v1,
        escrow: Ciphertext::encrypt(escrow, credential.credential.serial, &randomness),
        holder_key: v2::encode_holder_key(holder),
    };
    Ok((statement, v2::Witness { v1: w, randomness }))
}
