//! A fresh, self-contained example: an issuer key, a holder secret, a signed operator
//! credential, a status list with some revoked entries (not the example's own), and a
//! gateway request it satisfies. Used by `alc example`, the tests and the benches.

use crate::witness::{prepare, PrepareError};
use alc_circuits::credential::{permit_hash, Credential, HolderSecret, SignedCredential};
use alc_circuits::eddsa::SecretKey;
use alc_circuits::presentation::{Statement, Witness};
use alc_circuits::status::StatusList;
use alc_circuits::tags::STATUS_CAPACITY;
use alc_protocol::files::ProofRequest;
use rand::{seq::index::sample, CryptoRng, Rng, RngCore};
use sha2::{Digest, Sha256};

/// Revoked entries in the example list.
pub const EXAMPLE_REVOKED: usize = 100;
/// The example gateway's scope.
pub const EXAMPLE_SCOPE: &str = "gateway.example.org";
/// The example agent manifest.
pub const EXAMPLE_MANIFEST: &str =
    "{\"agent\":\"example-research-assistant\",\"version\":1,\"tools\":[\"search\",\"summarise\"]}";

/// The example's pieces.
pub struct Example {
    /// The authority's signing key.
    pub issuer: SecretKey,
    /// The holder's secret.
    pub holder: HolderSecret,
    /// The signed credential.
    pub credential: SignedCredential,
    /// The public status list.
    pub status: StatusList,
    /// A request the credential satisfies.
    pub request: ProofRequest,
}

impl Example {
    /// Generates an example valid at `now` (unix seconds).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R, now: u64) -> Self {
        let issuer = SecretKey::generate(rng);
        let holder = HolderSecret::generate(rng);
        let picks = sample(rng, STATUS_CAPACITY, EXAMPLE_REVOKED + 1);
        let mut status = StatusList::new();
        let mut serials = picks.iter().map(|s| s as u32);
        let serial = serials.next().unwrap_or(0);
        for s in serials {
            // In range by construction; an error here would be a bug in `sample`.
            let _ = status.revoke(s);
        }
        let credential = Credential {
            serial,
            tier: 1,
            permit: permit_hash("permit-example-001"),
            permit_tier: 2,
            not_before: now.saturating_sub(86_400),
            expires: now.saturating_add(365 * 86_400),
            holder: holder.commitment(),
        };
        let credential = SignedCredential::sign(credential, &issuer)
            .unwrap_or_else(|e| unreachable!("the example credential is valid: {e}"));
        let mut challenge = [0u8; 32];
        rng.fill(&mut challenge);
        let request = ProofRequest {
            min_tier: 1,
            min_permit_tier: 1,
            now,
            scope: EXAMPLE_SCOPE.into(),
            challenge: hex::encode(challenge),
            manifest: hex::encode(Sha256::digest(EXAMPLE_MANIFEST.as_bytes())),
        };
        Self {
            issuer,
            holder,
            credential,
            status,
            request,
        }
    }

    /// The statement and witness of the example's request ([`prepare`]).
    pub fn prepare(&self) -> Result<(Statement, Witness), PrepareError> {
        prepare(
            &self.issuer.public_key(),
            &self.credential,
            &self.holder,
            &self.status,
            &self.request,
        )
    }
}
