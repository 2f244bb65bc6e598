//! The files ALC's parties hand each other, each with a `type` saying what it is:
//! credentials (authority -> holder), holder secrets and issuer keys (kept by their
//! owners, written 0600), status lists (authority -> everyone), proof requests
//! (gateway -> holder), presentations (holder -> gateway, and anyone who checks them),
//! and the key directory's pinned digests.
//!
//! These are the shapes. The crate that owns the arithmetic checks the contents when it
//! reads one: `alc_circuits::files` (a credential's signature under its issuer, a
//! holder's commitment, a list's root) and `alc_verifier` (a presentation's points).

use crate::encoding::u64_string;
use crate::gateway::{Challenge, Route};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// `type` of the credential file.
pub const CREDENTIAL: &str = "alc-credential";
/// `type` of the holder secret file.
pub const HOLDER_SECRET: &str = "alc-holder-secret";
/// `type` of the issuer key file.
pub const ISSUER_KEY: &str = "alc-issuer-key";
/// `type` of the status list file.
pub const STATUS_LIST: &str = "alc-status-list";

/// A credential's fields (field elements decimal, times unix seconds as decimal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialFields {
    /// Its bit in the status list.
    pub serial: u32,
    /// Licence tier: 0 apprentice, 1 operator.
    pub tier: u8,
    /// Hash of the corporate operating permit id, `"0"` for personal use.
    pub permit: String,
    /// Permit tier 1..=3, 0 for none.
    pub permit_tier: u8,
    /// Valid from (inclusive).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub not_before: u64,
    /// Valid until (exclusive).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expires: u64,
    /// The holder's commitment `Poseidon(sk)`.
    pub holder: String,
}

/// An EdDSA-Poseidon signature as circomlibjs writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignatureFields {
    /// The point `R8`, decimal `[x, y]`.
    #[serde(rename = "R8")]
    pub r8: [String; 2],
    /// The scalar `S`, decimal.
    #[serde(rename = "S")]
    pub s: String,
}

/// `credential.json`: a credential as issued, with the issuing authority's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialFile {
    /// [`CREDENTIAL`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The authority's credential-signing key, decimal `[x, y]`.
    pub issuer: [String; 2],
    /// The fields.
    pub credential: CredentialFields,
    /// The authority's signature over the fields' commitment.
    pub signature: SignatureFields,
}

/// `holder.json`: a holder secret and its commitment (secret: kept 0600, wiped from
/// memory on drop).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolderFile {
    /// [`HOLDER_SECRET`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The secret `sk`, decimal.
    pub secret: Zeroizing<String>,
    /// `Poseidon(sk)`, decimal.
    pub commitment: String,
}

/// `issuer.json`: an authority's credential-signing key (secret: kept 0600).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerKeyFile {
    /// [`ISSUER_KEY`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The 32-byte secret seed, hex.
    pub secret_key: Zeroizing<String>,
    /// Its public key, decimal `[x, y]`.
    pub public_key: [String; 2],
}

/// `status-list.json`: the public status list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusListFile {
    /// [`STATUS_LIST`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Its Merkle root, decimal.
    pub root: String,
    /// How many serials are revoked.
    pub revoked: usize,
    /// `u` + base64url(gzip(bitstring)), W3C Bitstring Status List form.
    pub encoded_list: String,
}

/// `request.json`: what a gateway asks a holder to prove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
    /// Minimum licence tier.
    pub min_tier: u8,
    /// Minimum permit tier (0: none needed).
    pub min_permit_tier: u8,
    /// The gateway's clock (unix seconds), as given in its challenge.
    #[serde(with = "u64_string")]
    pub now: u64,
    /// The gateway's identifier.
    pub scope: String,
    /// The gateway's random challenge, hex (16 to 64 bytes).
    pub challenge: String,
    /// SHA-256 of the agent manifest, hex (32 bytes).
    pub manifest: String,
}

impl ProofRequest {
    /// What a gateway's challenge asks of a proof for `route`, binding the agent manifest
    /// digest `manifest` (hex). The proof is made at the challenge's `lease_ends`: the
    /// credential must still be valid when the lease would end.
    pub fn from_challenge(challenge: &Challenge, manifest: &str, route: Route) -> Self {
        let tiers = challenge.policy.of(route);
        Self {
            min_tier: tiers.min_tier,
            min_permit_tier: tiers.min_permit_tier,
            now: challenge.lease_ends,
            scope: challenge.scope.clone(),
            challenge: challenge.challenge.clone(),
            manifest: manifest.to_owned(),
        }
    }
}

/// The public statement of a presentation, by name, in the circuit's order
/// (field elements decimal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The authority's public key `x`.
    pub issuer_pk_x: String,
    /// The authority's public key `y`.
    pub issuer_pk_y: String,
    /// The status-list root the credential is unrevoked under.
    pub status_root: String,
    /// Minimum licence tier.
    pub min_tier: u8,
    /// Minimum permit tier.
    pub min_permit_tier: u8,
    /// The gateway's time (unix seconds).
    #[serde(with = "u64_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub now: u64,
    /// The gateway's scope, encoded.
    pub scope: String,
    /// The gateway's challenge, encoded.
    pub challenge: String,
    /// The agent manifest digest, encoded.
    pub manifest: String,
    /// The holder's pseudonym at this scope.
    pub pseudonym: String,
}

/// `presentation.json`: a proof and the statement it proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// The circuit (`alc-presentation-v1`).
    pub circuit: String,
    /// The proof, 128 bytes compressed, hex.
    pub proof: String,
    /// The statement.
    pub statement: Statement,
}

/// The public statement of a circuit-v2 presentation: circuit v1's, the escrowed
/// serial and the holder key binding (`alc-presentation-v2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatementV2 {
    /// Circuit v1's statement.
    pub v1: Statement,
    /// The credential's serial encrypted to the trustees' escrow key: `c1`, `c2` as
    /// decimal `[x, y]`.
    pub escrow: EscrowCiphertext,
    /// The agent's Ed25519 lease key, encoded.
    pub holder_key: String,
}

/// An escrow ciphertext inside a statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscrowCiphertext {
    /// `r * Base8`.
    pub c1: [String; 2],
    /// `serial * Base8 + r * Y`.
    pub c2: [String; 2],
}

/// A circuit-v2 presentation: a proof and the statement it proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresentationV2 {
    /// The circuit (`alc-presentation-v2`).
    pub circuit: String,
    /// The proof, 128 bytes compressed, hex.
    pub proof: String,
    /// The statement.
    pub statement: StatementV2,
}

/// `digests.json` of a key directory (`alc setup`): the pin a prover and a verifier
/// trust; the key files themselves may come from anywhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Digests {
    /// The circuit the keys are for.
    pub circuit: String,
    /// SHA-256 of `proving_key.bin` (hex).
    pub proving_key: String,
    /// SHA-256 of `proving_key.fast` (hex).
    pub proving_key_fast: String,
    /// SHA-256 of `verifying_key.bin` (hex).
    pub verifying_key: String,
    /// SHA-256 of `escrow-key.json` (hex): circuit v2's keys hold the trustees' escrow
    /// key as a constant, and the key directory keeps the file it was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow_key: Option<String>,
    /// SHA-256 of the snarkjs `.zkey` the keys were imported from (hex), for keys from
    /// a multi-party ceremony (`alc setup --from-zkey`, `docs/ceremony.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zkey: Option<String>,
    /// That ceremony's transcript hash (BLAKE2b-512 over the circuit hash and every
    /// contribution, hex), as `alc ceremony verify` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<String>,
}

/// The digests (hex) of verifying keys whose setup randomness is public: the pinned
/// circuit keys in `circuits/circuit_data/` and `alc-devkit`'s fixed-seed test keys.
/// Anyone can forge proofs under them; services refuse them unless started for
/// development (`alc_verifier::VerifyingKey::is_public_test_key`, [`Digests::has_public_test_key`]).
pub const PUBLIC_TEST_KEYS: [&str; 4] = [
    // circuits/circuit_data/v1/verifying_key.sha256
    "915e15144d62e1e57af718da38cadb5a6e42e2bfef6632461b81ab94a62b807c",
    // circuits/circuit_data/v2/verifying_key.sha256
    "f6dce1de24e63d04c85c84e4f464272b7a2c655b3af94838c7f4a832c1b93324",
    // alc_devkit::keys::test_keys (seed 7)
    "9c3d48cd277266426f1f6806ef0063decc07d2f358b914f27ec262463337eb9a",
    // alc_devkit::keys::test_keys_v2 (seed 7, escrow secret 77)
    "83f9c93d4e3c9bceebd0d92ad9ff2e6f8adaafe0b9ea33c19122c3022a428292",
];

impl Digests {
    /// Whether the verifying key is one of the [`PUBLIC_TEST_KEYS`], whose trapdoor is
    /// public.
    pub fn has_public_test_key(&self) -> bool {
        PUBLIC_TEST_KEYS.contains(&self.verifying_key.to_ascii_lowercase().as_str())
    }
}

/// Reads a file of kind `kind` (its `type`) as `T`: a wrong kind is named as such
/// rather than as a shape error.
pub fn parse<T: serde::de::DeserializeOwned>(
    json: &str,
    kind: &'static str,
) -> Result<T, FileError> {
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        kind: String,
    }
    let tag: Tag = serde_json::from_str(json).map_err(|e| FileError::Json {
        kind,
        reason: e.to_string(),
    })?;
    if tag.kind != kind {
        return Err(FileError::Kind {
            expected: kind,
            found: tag.kind,
        });
    }
    serde_json::from_str(json).map_err(|e| FileError::Json {
        kind,
        reason: e.to_string(),
    })
}

/// Pretty JSON of a file.
pub fn pretty<T: Serialize>(file: &T) -> String {
    serde_json::to_string_pretty(file).unwrap_or_default()
}

/// A file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Not JSON of the expected shape.
    #[error("not a valid {kind} file: {reason}")]
    Json {
        /// What was expected.
        kind: &'static str,
        /// The parser's words.
        reason: String,
    },
    /// Another kind of file.
    #[error("expected a {expected} file, found type {found:?}")]
    Kind {
        /// The expected `type`.
        expected: &'static str,
        /// The `type` found.
        found: String,
    },
    /// The file contradicts itself.
    #[error("{0}")]
    Inconsistent(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::{Policy, TierPolicy};

    fn challenge() -> Challenge {
        Challenge {
            challenge: "ab".repeat(32),
            now: 1_790_000_000,
            expires_at: 1_790_000_060,
            lease_ends: 1_790_000_900,
            scope: "gw.example".into(),
            policy: Policy {
                sandbox: TierPolicy {
                    min_tier: 0,
                    min_permit_tier: 0,
                },
                autonomous: TierPolicy {
                    min_tier: 1,
                    min_permit_tier: 2,
                },
            },
            roots: vec![],
            status: None,
            issuer_key: ["1".into(), "2".into()],
            binding_key: "00".repeat(32),
            signature: String::new(),
        }
    }

    #[test]
    fn a_challenge_becomes_the_request_of_its_route() {
        let ch = challenge();
        let r = ProofRequest::from_challenge(&ch, "cd", Route::Autonomous);
        assert_eq!((r.min_tier, r.min_permit_tier), (1, 2));
        assert_eq!(
            (r.now, r.scope.as_str(), r.manifest.as_str()),
            (ch.lease_ends, "gw.example", "cd")
        );
        assert_eq!(r.challenge, ch.challenge);
        let s = ProofRequest::from_challenge(&ch, "cd", Route::Sandbox);
        assert_eq!((s.min_tier, s.min_permit_tier), (0, 0));
    }

    #[test]
    fn a_challenge_without_its_time_or_policy_is_refused() {
        let v = serde_json::to_value(challenge()).unwrap_or_default();
        assert_eq!(v["now"], "1790000000", "u64 as a decimal string");
        for field in ["now", "lease_ends", "policy", "scope", "challenge"] {
            let mut w = v.clone();
            w.as_object_mut().map(|o| o.remove(field));
            assert!(serde_json::from_value::<Challenge>(w).is_err(), "{field}");
        }
    }

    #[test]
    fn files_are_read_by_kind() {
        let f = StatusListFile {
            kind: STATUS_LIST.into(),
            root: "1".into(),
            revoked: 0,
            encoded_list: "u".into(),
        };
        let json = pretty(&f);
        assert_eq!(parse::<StatusListFile>(&json, STATUS_LIST), Ok(f));
        assert!(matches!(
            parse::<StatusListFile>(&json, CREDENTIAL),
            Err(FileError::Kind { .. })
        ));
        assert!(matches!(
            parse::<StatusListFile>("{", STATUS_LIST),
            Err(FileError::Json { .. })
        ));
    }
}
