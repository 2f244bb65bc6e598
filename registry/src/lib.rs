//! ALC chain-of-liability registry: a Certificate-Transparency-style, append-only
//! transparency log of agent lineage.
//!
//! The licensing authority hosts the log; gateways feed it signed entries (a lease was
//! spawned, a lease or pseudonym was killed, an incident was reported); the authority
//! appends its own status-list epochs; independent auditors fetch signed checkpoints and
//! proofs and check that the log only ever grows and shows everyone the same history.
//!
//! | module | what |
//! |---|---|
//! | [`merkle`] | RFC 9162 Merkle tree hashing, roots, inclusion and consistency proofs computed from stored complete-subtree nodes, and their verification |
//! | [`entry`] | the log entries and their one canonical byte encoding (the Merkle leaf) |
//! | [`submission`] | gateway submissions signed with the gateway's Ed25519 key |
//! | [`checkpoint`] | C2SP `tlog-checkpoint` bodies in C2SP `signed-note` envelopes, and verifier keys |
//! | [`api`] | where a submission landed, a stored entry: the HTTP API's own answers |
//! | [`audit`] | the auditor's decisions: consistent growth, split views, full replays |
//!
//! The flow: a gateway calls [`submission::sign`]; the authority calls
//! [`submission::Submission::verify`], which returns the canonical leaf bytes, stores
//! them, stores the nodes from [`merkle::append`], and from time to time signs a
//! checkpoint with [`checkpoint::sign_checkpoint`]. Auditors verify checkpoints with
//! [`checkpoint::verify_checkpoint`] and link them with [`audit::check_consistency`].
//!
//! The log holds no personal data and no credential serial: gateways know operators only
//! by per-gateway pseudonyms, and entries carry hashes of manifests and incident
//! summaries, never their text.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod submission;
pub mod tags;

mod encoding;
