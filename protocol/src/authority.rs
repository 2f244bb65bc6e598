//! The licensing authority's API (`/v1/...` of `alc authority serve`, described at
//! `/openapi.json`): what operators' wallets, gateways and administrators send it and
//! what it answers. Field elements are decimal strings; times are unix seconds.

use crate::insurance::CoverEvidence;
use crate::status::SignedStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------
// The authority itself

/// The authority's public description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorityInfo {
    /// Name (the `issuer` of status responses).
    pub name: String,
    /// The credential-signing key (Baby Jubjub, decimal `[x, y]`).
    pub issuer_key: [String; 2],
    /// The status-signing key (Ed25519, base64url).
    pub status_key: String,
    /// The status list's identifier.
    pub list: String,
    /// The presentation circuit credentials are made for.
    pub circuit: String,
    /// The origin line of the registry's checkpoints.
    pub registry_origin: String,
    /// The registry's checkpoint verifier key (`name+id+base64`, C2SP signed note).
    pub registry_key: String,
    /// The trustees' joint escrow key circuit-v2 proofs encrypt serials to, with every
    /// trustee's verification key (none: no trustees configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow_key: Option<crate::escrow::JointKey>,
}

/// The authority's public keys as a gateway or a wallet pins them on first contact
/// (the keys of [`AuthorityInfo`]): a later contact presenting others is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityKeys {
    /// Its name (the `issuer` of status responses).
    pub name: String,
    /// The credential-signing key, decimal `[x, y]`.
    pub issuer_key: [String; 2],
    /// The status-signing key, base64url.
    pub status_key: String,
}

#[cfg(feature = "signing")]
impl AuthorityKeys {
    /// The digest to compare out of band before trusting an authority (SHA-256, hex):
    /// `alc/v1/authority-keys\0`, then name, issuer key x, y and status key, each as its
    /// length (8 bytes, big-endian) and bytes. `alc authority info` prints it; a gateway
    /// given it (`authority_digest`) refuses an authority presenting other keys.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(b"alc/v1/authority-keys\0");
        for field in [
            &self.name,
            &self.issuer_key[0],
            &self.issuer_key[1],
            &self.status_key,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

impl From<&AuthorityInfo> for AuthorityKeys {
    fn from(i: &AuthorityInfo) -> Self {
        Self {
            name: i.name.clone(),
            issuer_key: i.issuer_key.clone(),
            status_key: i.status_key.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Identity

/// A nonce to put in the ID token request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Nonce {
    /// Single use.
    pub nonce: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// A verified identity's session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Bearer token for `/v1/assessment/*` and `/v1/credentials*`.
    pub session: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Where the identity stands.
    pub identity: IdentityStatus,
}

/// Where an identity stands in the assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityStatus {
    /// Passed the assessment.
    pub passed: bool,
    /// Failed attempts since the last recorded training.
    pub failures: u32,
    /// No attempt before this time (unix seconds; 0 when none).
    pub cooling_until: u64,
    /// Locked until an administrator records completed formal training.
    pub locked: bool,
}

/// An ID token to sign in with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The OpenID Connect ID token (JWT), carrying the nonce from `/v1/identity/nonce`.
    pub id_token: String,
}

// ---------------------------------------------------------------------------------------
// The assessment

/// A started attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    /// Single-use token to submit the answers with.
    pub attempt: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// The questions, options shuffled.
    pub questions: Vec<ShownQuestion>,
}

/// The result of a submitted attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Marked {
    /// Passed.
    pub passed: bool,
    /// Correct answers.
    pub correct: u32,
    /// Questions.
    pub total: u32,
    /// The pass mark, percent.
    pub pass_mark_percent: u32,
    /// Where the identity stands now.
    pub identity: IdentityStatus,
}

/// A question as shown to a candidate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShownQuestion {
    /// The question's handle in this attempt (random, never the bank's id: an answer list
    /// cannot be prepared in advance); answers name it.
    pub id: String,
    /// Its area.
    pub area: String,
    /// The question.
    pub text: String,
    /// The options, shuffled.
    pub options: Vec<String>,
}

/// A candidate's answer: the position of the chosen option as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question id.
    pub question: String,
    /// The chosen option's position in the shown list (0-based).
    pub option: usize,
}

/// Answers to an attempt (`POST /v1/assessment/submit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerSheet {
    /// The attempt token.
    pub attempt: String,
    /// One answer per question.
    pub answers: Vec<Answer>,
}

// ---------------------------------------------------------------------------------------
// Credentials

/// A request for a credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// `pk = Poseidon(sk)`, decimal.
    pub holder: String,
    /// A corporate operating permit the credential is bound to.
    #[serde(default)]
    pub permit: Option<String>,
}

/// A request for an apprentice credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprenticeRequest {
    /// `pk = Poseidon(sk)`, decimal.
    pub holder: String,
}

/// An apprenticeship requested: the code the apprentice hands to the supervising
/// operator (out of band), who accepts with it. Shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprenticeshipRequested {
    /// The one-time code.
    pub code: String,
    /// An unaccepted request lapses then, unix seconds.
    pub expires_at: u64,
}

/// A supervising operator's acceptance of an apprenticeship.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprenticeshipAcceptance {
    /// The code the apprentice was given.
    pub code: String,
}

/// An apprenticeship, as its apprentice or its supervisor sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Apprenticeship {
    /// Its number.
    pub id: u64,
    /// `apprentice` or `supervisor`: the caller's side.
    pub role: String,
    /// `requested`, `accepted`, `lapsed` or `ended`.
    pub state: String,
    /// Requested at, unix seconds.
    pub requested_at: u64,
    /// Accepted at, unix seconds.
    pub accepted_at: Option<u64>,
    /// The supervisor's licence serial (once accepted).
    pub supervisor_serial: Option<u32>,
    /// Why it ended.
    pub ended_reason: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Revocation

/// An administrator's revocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The credential's serial.
    pub serial: u32,
    /// Why (audit).
    pub reason: String,
    /// Emergency: gateways drop every lease minted under an older root.
    #[serde(default)]
    pub emergency: bool,
}

/// What a revocation did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revoked {
    /// The serials revoked now (empty if they already were).
    pub serials: Vec<u32>,
    /// The epoch now current.
    pub epoch: u64,
    /// The signed status response of that epoch.
    pub status: SignedStatus,
}

// ---------------------------------------------------------------------------------------
// Incidents

/// A gateway's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentReport {
    /// The licence pseudonym at the reporting gateway (decimal).
    pub pseudonym: String,
    /// The reporting gateway's identifier.
    pub gateway: String,
    /// The chain of leases of the pseudonym at the gateway, as its lease index holds it.
    pub chain: Vec<ChainLink>,
    /// What happened.
    pub description: String,
    /// The escrow ciphertext of the chain's latest root lease (circuit v2): what the
    /// trustees may open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow: Option<crate::files::EscrowCiphertext>,
}

/// One lease of an incident's chain, as the reporting gateway's lease index holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainLink {
    /// The lease id.
    pub lease: String,
    /// Its parent lease (none for a root lease).
    pub parent: Option<String>,
    /// The agent it was issued to.
    pub agent: String,
    /// The agent manifest's SHA-256 (hex).
    pub manifest: String,
    /// 0 for a root lease.
    pub depth: u32,
    /// The tier-3 agent system the lease served (its public id), if its key was
    /// certified for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// When the gateway issued it (unix seconds).
    pub at: u64,
}

/// A stored incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    /// Identifier.
    pub id: i64,
    /// The licence pseudonym.
    pub pseudonym: String,
    /// The reporting gateway.
    pub gateway: String,
    /// The chain.
    pub chain: Vec<ChainLink>,
    /// What happened.
    pub description: String,
    /// Which token reported it.
    pub reported_by: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds, when resolved.
    pub resolved_at: Option<u64>,
    /// How it was resolved.
    pub resolution: Option<String>,
    /// The escrow ciphertext the report carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow: Option<crate::files::EscrowCiphertext>,
    /// The trustees who have released their share for it, in order.
    #[serde(default)]
    pub openings: Vec<u32>,
    /// The licence behind it, once t trustees opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<Opened>,
}

/// The licence an incident was opened to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Opened {
    /// The credential's serial.
    pub serial: u32,
    /// Its permit (the fleet liable), if it has one.
    pub permit: Option<String>,
    /// The emergency epoch that revoked it.
    pub epoch: u64,
}

/// `POST /v1/admin/incidents/{id}/openings`: trustee `trustee` asks to release its share
/// (scope `open`): the authority appends an `opening` entry to the registry first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningRequest {
    /// The trustee's index.
    pub trustee: u32,
}

/// The opening on the record: its registry entry, and the ciphertext to decrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningRecorded {
    /// The `opening` entry's index in the registry.
    pub registry_index: u64,
    /// The ciphertext (its digest is the entry's `ciphertext`).
    pub escrow: crate::files::EscrowCiphertext,
}

/// `POST /v1/admin/incidents/{id}/partials`'s answer: how far the opening is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningProgress {
    /// Valid partial decryptions so far.
    pub partials: u32,
    /// How many open it.
    pub threshold: u32,
    /// The licence, once opened (and revoked with an emergency status).
    pub opened: Option<Opened>,
}

/// A resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// What was done.
    pub resolution: String,
}

/// A filed incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filed {
    /// The incident's identifier.
    pub id: i64,
}

// ---------------------------------------------------------------------------------------
// Administration: tokens, training, gateways

/// A request for a new token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Public name.
    pub id: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Why (audit).
    pub reason: String,
}

/// A created token (shown once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// Public name.
    pub id: String,
    /// The bearer token: store it now, it is not shown again.
    pub token: String,
}

/// Completed formal training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Who completed it: an identity locked after the maximum number of failures.
    pub identity: IdentityRef,
    /// The evidence: who ran the course.
    pub course_provider: String,
    /// The evidence: the provider's certificate id for this person's completion.
    pub certificate: String,
    /// The administrator's reason (audit).
    pub reason: String,
}

/// An administrator's retirement of a question from drawing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Retirement {
    /// Why (audit): leaked, wrong, not discriminating.
    pub reason: String,
}

/// A retired question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retired {
    /// The bank's question id.
    pub question: String,
    /// When (unix seconds).
    pub retired_at: u64,
}

/// How the bank's questions fare, over every marked attempt (no candidate identity).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankReview {
    /// Marked attempts.
    pub attempts: u64,
    /// Of which passed.
    pub passed: u64,
    /// Below this many showings a question's figures are not judged (`flag` is empty).
    pub min_sample: u64,
    /// Per syllabus area.
    pub areas: Vec<AreaReview>,
    /// Per question, in the bank's order.
    pub questions: Vec<QuestionReview>,
}

/// An area's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaReview {
    /// The area id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Questions drawn per attempt.
    pub draw: u64,
    /// Questions not retired (always more than `draw`).
    pub live: u64,
    /// Answers marked in this area.
    pub shown: u64,
    /// Of which right.
    pub correct: u64,
}

/// A question's figures. `facility` is the share answered right; `discrimination` is
/// the share right among passing attempts minus the share right among failing ones
/// (`docs/question-bank.md`), absent until both groups have seen it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionReview {
    /// The bank's question id.
    pub id: String,
    /// Its area.
    pub area: String,
    /// Retired from drawing.
    pub retired: bool,
    /// Times answered (in marked attempts).
    pub shown: u64,
    /// Times answered right.
    pub correct: u64,
    /// Times answered in passing attempts.
    pub shown_passing: u64,
    /// Times answered right in passing attempts.
    pub correct_passing: u64,
    /// Share answered right, 0 to 1.
    pub facility: Option<f64>,
    /// Passing share right minus failing share right, -1 to 1.
    pub discrimination: Option<f64>,
    /// What a reviewer should look at: `too-easy`, `too-hard`, `not-discriminating`,
    /// `inverted` (failing candidates do better); empty below `min_sample` showings.
    pub flags: Vec<String>,
}

/// An administrator's link of two identities as one person (`docs/identity.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityLink {
    /// The identity linked.
    pub identity: IdentityRef,
    /// An identity of the person it is linked to.
    pub to: IdentityRef,
    /// What shows that the two are one person (a document checked, its reference).
    pub evidence: String,
    /// The administrator's reason (audit).
    pub reason: String,
}

/// A registered gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    /// The gateway's identifier.
    pub registered: String,
}

/// An administrator's registration of a gateway's submission key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayRegistration {
    /// The gateway's identifier (its scope).
    pub id: String,
    /// Its Ed25519 key (32 bytes, hex): registry submissions and signed challenges.
    pub key: String,
    /// The URL it serves wallets at: `https`, or `http` on a loopback host. Wallets prove
    /// only to a gateway whose challenge comes from this origin.
    pub url: String,
    /// Why (audit).
    pub reason: String,
}

// ---------------------------------------------------------------------------------------
// Permits and insurers

/// A permit as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permit {
    /// Identifier.
    pub id: String,
    /// Corporation name.
    pub name: String,
    /// Permit tier 1-3.
    pub tier: u8,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// The insurance cover in force (the latest accepted), if any.
    pub insurance: Option<Insurance>,
    /// Where notices about the permit are sent (http(s) URLs).
    #[serde(default)]
    pub contacts: Vec<String>,
    /// Whom the authority reaches about an incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_contact: Option<String>,
    /// Where incidents opened to the permit's licences are reported.
    #[serde(default)]
    pub reporting: Vec<String>,
    /// Its registered agent systems.
    #[serde(default)]
    pub systems: Vec<AgentSystem>,
    /// Set while an active permit misses one of its tier's requirements: it is suspended
    /// at `suspend_at` unless they are met again before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lapse: Option<PermitLapse>,
}

/// An active permit's requirements stopped being met: the grace period it runs on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermitLapse {
    /// When the authority found them unmet, unix seconds.
    pub since: u64,
    /// When the permit is suspended (its credentials revoked) if still unmet.
    pub suspend_at: u64,
    /// What is missing (the latest finding).
    pub why: String,
}

/// A permit's accepted insurance cover: what the authority knows of it. The amount is
/// not among it: only a commitment to it, and that it is at least `minimum`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Insurance {
    /// The insurer's registered name.
    pub insurer: String,
    /// The insurer's public key, hex.
    pub insurer_key: String,
    /// The insurer's policy identifier.
    pub policy_id: String,
    /// End of cover, unix seconds.
    pub expires: u64,
    /// The Pedersen commitment to the cover amount, hex.
    pub commitment: String,
    /// The minimum the cover was proved to meet.
    pub minimum: u64,
    /// When the authority accepted it, unix seconds.
    pub accepted_at: u64,
    /// When its insurer revoked it (during its term), unix seconds: it no longer counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
}

/// A new permit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPermit {
    /// Identifier (what credentials' `permit` field hashes).
    pub id: String,
    /// Corporation name.
    pub name: String,
    /// Permit tier 1-3.
    pub tier: u8,
    /// Insurance: the insurer's certificate and the cover proof. Required for the tiers
    /// with a minimum cover (2 and 3), refused for the others.
    #[serde(default)]
    pub insurance: Option<CoverEvidence>,
    /// Where notices about the permit go (http(s) URLs, POSTed JSON): a lapse of its
    /// requirements, its suspension, their restoration.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// Tier 2 and up: whom the authority reaches about an incident (`mailto:`, `tel:` or
    /// an http(s) URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_contact: Option<String>,
    /// Tier 2 and up: at least one incident reporting channel (http(s) URLs, POSTed
    /// JSON when an incident is opened to one of the permit's licences).
    #[serde(default)]
    pub reporting: Vec<String>,
    /// Why (audit).
    pub reason: String,
}

/// A registered agent system of a permit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSystem {
    /// Its name in the permit.
    pub name: String,
    /// Its public id (what system certificates, leases and incidents name), once one
    /// was given.
    pub system: Option<String>,
}

/// An agent key for a system certificate (`alc_protocol::systems`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SystemKeyRequest {
    /// The agent's Ed25519 public key (hex) the system's leases are bound to.
    pub key: String,
}

/// A permit's incident conditions, replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PermitConditions {
    /// Whom the authority reaches about an incident.
    pub incident_contact: Option<String>,
    /// Incident reporting channels (http(s) URLs).
    pub reporting: Vec<String>,
    /// Why (audit).
    pub reason: String,
}

/// An identity named by its provider's issuer and subject (hashed on arrival).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityRef {
    /// The identity provider's `iss`.
    pub issuer: String,
    /// The subject at that provider.
    pub subject: String,
}

/// An operator joining a permit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOperator {
    /// Who.
    pub identity: IdentityRef,
    /// A principal operator.
    pub principal: bool,
    /// Why (audit).
    pub reason: String,
}

/// An agent system registered under a permit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAgentSystem {
    /// Name of the agent system.
    pub name: String,
    /// Its principal operator (must be a principal operator of the permit).
    pub principal: IdentityRef,
    /// Why (audit).
    pub reason: String,
}

/// A change of a permit's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PermitStatusChange {
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// Why (audit; recorded with the revocations).
    pub reason: String,
    /// Emergency: gateways drop every lease minted under an older root.
    #[serde(default)]
    pub emergency: bool,
}

/// Credentials revoked by a permit's change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermitChanged {
    /// Serials revoked.
    pub revoked: Vec<u32>,
}

/// An insurer to register.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InsurerRegistration {
    /// Public name: 1 to 64 letters, digits, `-`, `_` or `.`.
    pub id: String,
    /// Its public key: 64 hex characters (ristretto255, compressed), as printed by
    /// `alc insurer keygen`.
    pub key: String,
    /// Why (audit).
    pub reason: String,
}

/// A registered insurer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredInsurer {
    /// Public name.
    pub id: String,
    /// Public key, hex.
    pub key: String,
    /// Unix seconds.
    pub registered_at: u64,
}

/// What a permit holder needs to prove its cover: the minimums and the insurers whose
/// certificates are accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsuranceRequirements {
    /// Minimum cover (smallest currency unit) by permit tier, e.g. `{"2": 100000000,
    /// "3": 1000000000}`; tiers not listed need no insurance.
    pub min_cover: BTreeMap<String, u64>,
    /// The registered insurers.
    pub insurers: Vec<RegisteredInsurer>,
}

/// A renewal of a permit's insurance: a new certificate and cover proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CoverRenewal {
    /// The evidence.
    pub insurance: CoverEvidence,
    /// Why (audit).
    pub reason: String,
}
