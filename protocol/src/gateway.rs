//! A provider gateway's API (`alc gateway serve`): what wallets, agents and the
//! gateway's administrators send it and what it answers.
//!
//! The flow: `GET /v1/lease/challenge` gives a [`Challenge`]; the wallet turns it into a
//! [`ProofRequest`](crate::files::ProofRequest) ([`ProofRequest::from_challenge`](crate::files::ProofRequest::from_challenge)),
//! proves, and posts a [`LeaseRequest`]; the gateway answers with an [`Issued`] lease.
//! A lease holder narrows it for a sub-agent with a [`DelegateRequest`].

use crate::files::{Presentation, PresentationV2};
use crate::status::SignedStatus;
use serde::{Deserialize, Serialize};

/// Route prefix open to anyone.
pub const PUBLIC: &str = "/v1/public/";
/// Route prefix needing any lease (apprentices included).
pub const SANDBOX: &str = "/v1/sandbox/";
/// Route prefix needing an operator lease meeting the gateway's tiers.
pub const AUTONOMOUS: &str = "/v1/autonomous/";

/// The minimum tiers a class of routes asks a proof for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierPolicy {
    /// Minimum licence tier.
    pub min_tier: u8,
    /// Minimum permit tier (0: none).
    pub min_permit_tier: u8,
}

/// What each class of routes asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `/v1/sandbox/*`.
    pub sandbox: TierPolicy,
    /// `/v1/autonomous/*`.
    pub autonomous: TierPolicy,
}

/// Which class of routes a proof is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// `/v1/sandbox/*`.
    Sandbox,
    /// `/v1/autonomous/*`.
    Autonomous,
}

impl Policy {
    /// The tiers of a route class.
    pub fn of(&self, route: Route) -> TierPolicy {
        match route {
            Route::Sandbox => self.sandbox,
            Route::Autonomous => self.autonomous,
        }
    }
}

/// `GET /v1/gateway`: what the gateway is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayInfo {
    /// Its scope: proofs are bound to it, pseudonyms are per scope.
    pub scope: String,
    /// The authority it follows.
    pub authority: String,
    /// What its routes ask for.
    pub policy: Policy,
    /// Lifetime of a root lease, seconds.
    pub lease_ttl_secs: u64,
    /// The public key of its leases (Biscuit root key, hex).
    pub lease_key: String,
    /// Its registry submission key (Ed25519, hex), for the authority to register.
    pub registry_key: String,
    /// Its binding key (X25519, hex): key-bound leases' request keys are agreed with it
    /// (`crate::signature`).
    pub binding_key: String,
    /// The presentation circuits it accepts (`alc-presentation-v2`; v1 only if allowed).
    pub circuits: Vec<String>,
}

/// A status root the gateway accepts for a new lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptedRoot {
    /// Its epoch.
    pub epoch: u64,
    /// The root (decimal).
    pub root: String,
}

/// `GET /v1/lease/challenge`: a single-use challenge and what a proof for it must say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Random bytes, hex.
    pub challenge: String,
    /// The gateway's clock when it made the challenge (unix seconds).
    #[serde(with = "crate::encoding::u64_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub now: u64,
    /// When the challenge stops being accepted (unix seconds).
    pub expires_at: u64,
    /// When a lease made from this challenge ends (unix seconds: `now` plus the gateway's
    /// lease lifetime). A proof is made at this time (its statement's `now`), so it shows
    /// the credential still valid when the lease ends, and no lease outlives its licence.
    #[serde(with = "crate::encoding::u64_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub lease_ends: u64,
    /// The gateway's scope.
    pub scope: String,
    /// What each class of routes asks for.
    pub policy: Policy,
    /// The status roots it accepts, newest first.
    pub roots: Vec<AcceptedRoot>,
    /// The authority's signed status response it follows (none before the first).
    pub status: Option<SignedStatus>,
    /// The credential issuer key it trusts, decimal `[x, y]`.
    pub issuer_key: [String; 2],
    /// Its binding key (X25519, hex), as in [`GatewayInfo`].
    pub binding_key: String,
    /// The gateway's Ed25519 signature (base64url) over
    /// [`Challenge::signed_message`], with the key the authority registered for `scope`
    /// (see [`crate::gateways`]); empty from a gateway that signs none.
    #[serde(default)]
    pub signature: String,
}

/// A presentation of either circuit (told apart by its statement's shape; its
/// `circuit` field names it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AnyPresentation {
    /// `alc-presentation-v2`: the serial escrowed, the agent's key bound.
    V2(PresentationV2),
    /// `alc-presentation-v1` (accepted only by gateways that allow it).
    V1(Presentation),
}

impl AnyPresentation {
    /// The circuit it names.
    pub fn circuit(&self) -> &str {
        match self {
            Self::V2(p) => &p.circuit,
            Self::V1(p) => &p.circuit,
        }
    }
}

/// `POST /v1/lease` (and `/v1/lease/renew`): a proof for a challenge of this gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    /// The presentation.
    pub presentation: AnyPresentation,
    /// The agent the lease is for.
    pub agent: String,
    /// SHA-256 of the agent's manifest (hex); the proof binds it.
    pub manifest: String,
    /// The agent's Ed25519 public key (hex) the lease is bound to: circuit v2's proof
    /// binds it (`holder_key`). Absent with circuit v1, whose leases are bearer tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The authority's certificate that `key` operates a tier-3 agent system
    /// (`crate::systems`): required by a gateway whose autonomous routes need permit
    /// tier 3, recorded (as the system's public id) by any gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub system: Option<crate::systems::SignedSystemCertificate>,
}

/// `POST /v1/lease/delegate`: a child lease for a sub-agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DelegateRequest {
    /// The sub-agent.
    pub agent: String,
    /// SHA-256 of its manifest (hex).
    pub manifest: String,
    /// Route prefixes: each must lie inside one of the parent's.
    pub rights: Vec<String>,
    /// Lifetime (capped by the parent's expiry).
    pub ttl_secs: u64,
    /// Requests per minute (at most the parent's; default the parent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_min: Option<u32>,
    /// The sub-agent's own Ed25519 public key (hex): required under a key-bound parent,
    /// whose key signs this request and so authorises it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// An issued lease (root or child).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Issued {
    /// The bearer token.
    pub lease: String,
    /// Its identifier.
    pub lease_id: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Route prefixes it covers.
    pub rights: Vec<String>,
    /// The status epoch its root lease was proved against.
    pub epoch: u64,
    /// The salt of the lease's registry entry (32 bytes, hex): with it the holder can
    /// show which agent and manifest the entry's commitments are to
    /// (`alc_registry::entry::Spawn::opens`), and no registry reader can test a guess.
    #[serde(default)]
    pub registry_salt: String,
    /// The key it is bound to (hex; none: a bearer lease of circuit v1): every call with
    /// it must be signed with that key (`crate::signature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `POST /v1/admin/kill`: a lease (and its descendants) or a pseudonym (all its leases
/// here), at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KillRequest {
    /// A lease id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
    /// A pseudonym (decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// Why (recorded in the registry).
    pub reason: String,
}

/// `POST /v1/admin/incident`: an incident to file with the authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    /// The misbehaving pseudonym.
    pub pseudonym: String,
    /// What happened.
    pub description: String,
}
