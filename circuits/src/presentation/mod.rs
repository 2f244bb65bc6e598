//! The presentation statement, circuit v1 (`docs/circuit.md`).
//!
//! Public inputs, in this order: `issuer_pk.x, issuer_pk.y, status_root, min_tier,
//! min_permit_tier, now, scope, challenge, manifest, pseudonym`.
//!
//! The prover knows a credential, its signature, `sk` and a status path such that
//! 1. the signature verifies under `issuer_pk` for the credential's commitment;
//! 2. `pk == Poseidon(sk)` and `pseudonym == Poseidon(sk, scope)`;
//! 3. `tier >= min_tier`, `permit_tier >= min_permit_tier`, `not_before <= now < expires`,
//!    with every compared value range-checked to its width (8 or 64 bits) so nothing
//!    wraps around 2^64 or the field modulus;
//! 4. bit `serial` of the leaf on the path to `status_root` is 0;
//! 5. `challenge` and `manifest` are bound as public inputs. They need no constraint:
//!    Groth16's QAP gives every public input its own row (`a[m + i] = x_i`), so a proof
//!    for one value does not verify for another. A verifier keys replay protection on
//!    the challenge, never on proof bytes (Groth16 proofs are malleable).

#[cfg(feature = "r1cs")]
pub mod constraints;
pub mod v2;

#[cfg(feature = "r1cs")]
pub use constraints::{constraint_breakdown, Breakdown, PresentationCircuit, RawCircuit};

use crate::babyjubjub::{is_on_curve, Point};
use crate::credential::{Credential, HolderSecret};
use crate::eddsa::Signature;
use crate::field::{self, Fr};
use crate::status::StatusPath;
use crate::tags::{CHALLENGE_TAG, MANIFEST_TAG, SCOPE_TAG};
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};

/// The private witness of a presentation.
#[derive(Clone, Debug)]
pub struct Witness {
    /// The credential fields.
    pub credential: Credential,
    /// The authority's signature over the credential's commitment.
    pub signature: Signature,
    /// The holder's secret.
    pub secret: HolderSecret,
    /// The status path for the credential's serial.
    pub status: StatusPath,
}

/// Number of public inputs of circuit v1.
pub const NUM_PUBLIC_INPUTS: usize = 10;

/// Names of the public inputs, in order.
pub const PUBLIC_INPUT_NAMES: [&str; NUM_PUBLIC_INPUTS] = [
    "issuer_pk_x",
    "issuer_pk_y",
    "status_root",
    "min_tier",
    "min_permit_tier",
    "now",
    "scope",
    "challenge",
    "manifest",
    "pseudonym",
];

/// The public statement a proof speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The authority's public key `x`.
    #[serde(with = "field::decimal")]
    pub issuer_pk_x: Fr,
    /// The authority's public key `y`.
    #[serde(with = "field::decimal")]
    pub issuer_pk_y: Fr,
    /// The status-list root the credential is unrevoked under.
    #[serde(with = "field::decimal")]
    pub status_root: Fr,
    /// Minimum licence tier.
    pub min_tier: u8,
    /// Minimum permit tier.
    pub min_permit_tier: u8,
    /// The gateway's time (unix seconds).
    #[serde(with = "alc_protocol::encoding::u64_string")]
    pub now: u64,
    /// The gateway's scope, encoded ([`encode_scope`]).
    #[serde(with = "field::decimal")]
    pub scope: Fr,
    /// The gateway's challenge, encoded ([`encode_challenge`]).
    #[serde(with = "field::decimal")]
    pub challenge: Fr,
    /// The agent manifest digest, encoded ([`encode_manifest`]).
    #[serde(with = "field::decimal")]
    pub manifest: Fr,
    /// The holder's pseudonym at this scope.
    #[serde(with = "field::decimal")]
    pub pseudonym: Fr,
}

/// Public inputs that do not form a statement of circuit v1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// Wrong number of public inputs.
    #[error("{0} public inputs: not this circuit's number")]
    Count(usize),
    /// A public input out of its range.
    #[error("public input {0} is out of range")]
    OutOfRange(&'static str),
    /// The issuer key is not on the curve.
    #[error("issuer public key is not on the Baby Jubjub curve")]
    IssuerOffCurve,
    /// A point of the escrow ciphertext is off the curve or outside the subgroup.
    #[error("the escrow ciphertext is not two points of order l on Baby Jubjub")]
    EscrowOffCurve,
}

impl Statement {
    /// The public inputs in circuit order.
    pub fn public_inputs(&self) -> [Fr; NUM_PUBLIC_INPUTS] {
        [
            self.issuer_pk_x,
            self.issuer_pk_y,
            self.status_root,
            Fr::from(self.min_tier),
            Fr::from(self.min_permit_tier),
            Fr::from(self.now),
            self.scope,
            self.challenge,
            self.manifest,
            self.pseudonym,
        ]
    }

    /// The issuer key as a point.
    pub fn issuer(&self) -> Point {
        Point::new_unchecked(self.issuer_pk_x, self.issuer_pk_y)
    }

    /// A statement from public inputs in circuit order, with every range checked.
    pub fn from_public_inputs(inputs: &[Fr]) -> Result<Self, StatementError> {
        let [x, y, root, min_tier, min_permit_tier, now, scope, challenge, manifest, pseudonym] =
            <[Fr; NUM_PUBLIC_INPUTS]>::try_from(inputs)
                .map_err(|_| StatementError::Count(inputs.len()))?;
        if !is_on_curve(x, y) {
            return Err(StatementError::IssuerOffCurve);
        }
        Ok(Self {
            issuer_pk_x: x,
            issuer_pk_y: y,
            status_root: root,
            min_tier: small(&min_tier, "min_tier")?,
            min_permit_tier: small(&min_permit_tier, "min_permit_tier")?,
            now: u64_of(&now).ok_or(StatementError::OutOfRange("now"))?,
            scope,
            challenge,
            manifest,
            pseudonym,
        })
    }
}

fn u64_of(x: &Fr) -> Option<u64> {
    let b = x.into_bigint();
    (b.num_bits() <= 64).then(|| b.as_ref()[0])
}

fn small(x: &Fr, name: &'static str) -> Result<u8, StatementError> {
    u64_of(x)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or(StatementError::OutOfRange(name))
}

/// A gateway's scope (its identifier) as a field element.
pub fn encode_scope(scope: &str) -> Fr {
    field::encode(SCOPE_TAG, scope.as_bytes())
}

/// A challenge (random bytes) as a field element.
pub fn encode_challenge(challenge: &[u8]) -> Fr {
    field::encode(CHALLENGE_TAG, challenge)
}

/// An agent manifest's SHA-256 digest as a field element.
pub fn encode_manifest(manifest_sha256: &[u8; 32]) -> Fr {
    field::encode(MANIFEST_TAG, manifest_sha256)
}

/// Why a witness does not satisfy a statement (the native twin of the circuit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unsatisfied {
    /// The credential does not fit the circuit.
    #[error("credential does not fit the circuit (serial out of range or empty validity)")]
    Credential,
    /// The signature does not verify under the statement's issuer key.
    #[error("the credential's signature does not verify under this issuer key")]
    Signature,
    /// `pk != Poseidon(sk)`.
    #[error("the holder secret does not match the credential")]
    Holder,
    /// `pseudonym != Poseidon(sk, scope)`.
    #[error("the pseudonym does not match the holder secret and scope")]
    Pseudonym,
    /// `tier < min_tier`.
    #[error("licence tier is below the required minimum")]
    Tier,
    /// `permit_tier < min_permit_tier`.
    #[error("permit tier is below the required minimum")]
    PermitTier,
    /// `now < not_before`.
    #[error("the credential is not yet valid")]
    NotYetValid,
    /// `now >= expires`.
    #[error("the credential has expired")]
    Expired,
    /// The status path does not lead to `status_root`.
    #[error("the status path does not lead to the status root")]
    StatusRoot,
    /// The serial's bit is set.
    #[error("the credential is revoked")]
    Revoked,
    /// The escrow ciphertext is not this credential's serial under the circuit's key
    /// with this randomness (circuit v2).
    #[error("the escrow ciphertext does not encrypt this credential's serial")]
    Escrow,
}

impl Statement {
    /// Checks the relation natively: `Ok` exactly when the circuit is satisfiable with
    /// this witness (up to the signature's `S` representation, which the circuit also
    /// requires to be canonical).
    pub fn check(&self, w: &Witness) -> Result<(), Unsatisfied> {
        let c = &w.credential;
        c.validate().map_err(|_| Unsatisfied::Credential)?;
        if !crate::eddsa::verify_point(&self.issuer(), &c.commitment(), &w.signature) {
            return Err(Unsatisfied::Signature);
        }
        if w.secret.commitment() != c.holder {
            return Err(Unsatisfied::Holder);
        }
        if w.secret.pseudonym(&self.scope) != self.pseudonym {
            return Err(Unsatisfied::Pseudonym);
        }
        if c.tier < self.min_tier {
            return Err(Unsatisfied::Tier);
        }
        if c.permit_tier < self.min_permit_tier {
            return Err(Unsatisfied::PermitTier);
        }
        if self.now < c.not_before {
            return Err(Unsatisfied::NotYetValid);
        }
        if self.now >= c.expires {
            return Err(Unsatisfied::Expired);
        }
        if w.status.root(c.serial) != self.status_root {
            return Err(Unsatisfied::StatusRoot);
        }
        if w.status.is_revoked(c.serial) {
            return Err(Unsatisfied::Revoked);
        }
        Ok(())
    }
}
