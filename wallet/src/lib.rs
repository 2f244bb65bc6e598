//! The operator's wallet, as a library: what `alc wallet` does, over typed clients of the
//! licensing authority and of gateways (`docs/architecture.md`).
//!
//! | module | what |
//! |---|---|
//! | [`store`] | the wallet directory (0700): the holder secret encrypted at rest (argon2id + XChaCha20-Poly1305), the session, the open attempt, the credential, the pinned authority, the leases, the agent systems' certificates |
//! | [`client`] | the authority's and a gateway's APIs as typed calls (`alc_protocol`) |
//! | [`enrol`] | signing in with an ID token, sitting the assessment |
//! | [`credential`] | obtaining the credential, checking it against the signed, published status list |
//! | [`keys`] | agents' lease keys (derived from the holder secret) and signed requests (RFC 9421) |
//! | [`lease`] | proving for a lease, renewing it, narrowing it for sub-agents, calling routes |
//! | [`systems`] | tier-3 agent systems: the authority's certificate for a system's agent key |
//! | [`when`] | times for people |
//!
//! The flow: [`store::Wallet::create`], [`enrol::sign_in`], [`enrol::open_attempt`] and
//! [`enrol::submit`], [`credential::obtain`], [`credential::standing`],
//! [`lease::Leaser::lease`] and [`lease::Leaser::keep`], [`lease::spawn`],
//! [`lease::call`]. Asking for the passphrase and the answers is the caller's (the
//! terminal's, a page's); nothing here prints.
//!
//! Nothing secret leaves the wallet but the proof: the authority sees `Poseidon(sk)`,
//! never `sk`; the status list is downloaded whole, so nobody learns whose bit is read.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod credential;
pub mod enrol;
mod error;
pub mod keys;
pub mod lease;
pub mod store;
pub mod systems;
pub mod when;

pub use error::WalletError;
pub use store::Wallet;
